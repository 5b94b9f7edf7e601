/* pipeline-input: a session's input events into its input backend, event
 * by event (the SDK's send contract, include/gamehost/plugin.h): what the
 * backend cannot take is dropped alone, with its reason.  The pipeline
 * (pipeline.c) owns the instance and the counters; this is the delivery. */
#pragma once

#include <glib.h>
#include "pad-keys.h"
#include "plugin-registry.h"
#include "util/enum.h"

/* At most this many events in one delivery. */
#define GH_PIPELINE_INPUT_MAX 4096u

/* Why an input event was not delivered (the session JSON's
 * pipeline.stats.input_dropped and /metrics use these words). */
typedef enum {
    GH_INPUT_DROP_UNSUPPORTED,   /* the backend cannot take this kind of event (-EOPNOTSUPP) */
    GH_INPUT_DROP_INVALID,       /* the backend refused its value (-EINVAL) */
    GH_INPUT_DROP_FAILED,        /* the backend failed to deliver (any other error) */
    GH_INPUT_DROP_NO_BACKEND,    /* the session has no input backend */
    GH_INPUT_DROP_LAST
} GhInputDrop;
GH_ENUM_DECL(input_drop, GhInputDrop);

/* One event not delivered: its index in the events sent, and why. */
typedef struct {
    guint index;
    GhInputDrop reason;
    char *message;               /* the backend's (or the host's) words */
} GhPipelineInputDrop;

/* An empty array of GhPipelineInputDrop that frees their messages. */
GArray *gh_pipeline_input_drops_new(void);

/* Main thread.  Sends events to input (NULL: the session has none), in
 * order: a batch the backend refuses with -EINVAL or -EOPNOTSUPP (it then
 * took none) is sent again one event at a time; any other error drops the
 * batch as "failed".  With pad_keys (may be NULL) the pad events it maps
 * reach the backend as key events: such an event is delivered when its
 * keys are (also when it moved no key), and dropped once, with the
 * backend's reason, when one is not.  Every event is then either delivered
 * (counted in *delivered) or appended to drops.  Returns 0; -E2BIG or
 * -EINVAL (too many events, none given: nothing tried, *delivered 0, drops
 * untouched); -ENODEV (no backend) or -EIO (the backend failed on every
 * event), with *message (g_free) in those four cases. */
int gh_pipeline_input_deliver(GhPluginInstance *input, GhPadKeys *pad_keys, const gh_input_event *events, guint n,
                              GArray *drops, guint *delivered, char **message);
