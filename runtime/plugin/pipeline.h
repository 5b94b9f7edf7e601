/* pipeline: one per running session.  Owns the session's capture, stream and
 * input backend instances; a thread of its own pumps capture → stream (at
 * the profile's refresh rate while a stream backend is attached) and serves
 * on-demand frames (GET /frame); input from the API or a stream backend goes
 * to the input backend on the main loop; sound (pipeline-audio.c) flows
 * from the audio backend to the stream backend, the microphone back; the
 * input backend's pad feedback (pipeline-pads.c) goes to the stream
 * backend for the player in control.  A backend that fails ends the
 * pipeline with a reason, never the daemon. */
#pragma once

#include <glib.h>
#include "pipeline-audio.h"
#include "pipeline-input.h"
#include "pipeline-pads.h"
#include "plugin-registry.h"

typedef struct {
    const char *capture;         /* backend names, NULL = the image's preferred, else the first that probes */
    const char *stream;          /* NULL = none */
    const char *input;           /* NULL = the first input backend that probes */
    const char *audio;           /* NULL = with sound, the first audio backend that probes; else none */
    gboolean sound;              /* the image has a sound device */
    const GArray *pad_keys;      /* GhPadKey (conf/catalog.h): the profile's pads played as keys, copied;
                                  * NULL: pad events reach the input backend as they are */
    GHashTable *options;         /* "backend-name" → GHashTable (string → string); may be NULL */
} GhPipelineChoice;

typedef struct {
    guint64 frames_captured;
    double fps;                  /* over the last second */
    double capture_ms_avg;       /* mean capture time per frame */
    double capture_ms_last;
    guint64 frames_torn;         /* streamed frames the capture's release said were overwritten while in use */
    guint64 input_events;        /* delivered to the input backend */
    guint64 pad_events;          /* of those, pad buttons and axes */
    guint64 input_errors;        /* events the backend did not take: unsupported + invalid + failed */
    guint64 input_dropped[GH_INPUT_DROP_LAST];
} GhPipelineStats;

typedef struct GhPipeline GhPipeline;

/* Called on the main loop when a backend fails at run time. */
typedef void (*GhPipelineFailFunc)(gpointer user_data, const char *reason);

#define GH_PIPELINE_ERROR (gh_pipeline_error_quark())
GQuark gh_pipeline_error_quark(void);
typedef enum {
    GH_PIPELINE_ERROR_BACKEND,   /* no such backend, wrong kind, or it refused (400 naming it) */
    GH_PIPELINE_ERROR_NO_CAPTURE,/* frame asked for but no capture backend */
    GH_PIPELINE_ERROR_NO_INPUT,
    GH_PIPELINE_ERROR_FAILED,    /* a backend op failed (a frame that never came is G_IO_ERROR_TIMED_OUT) */
} GhPipelineError;

/* Chooses and creates the instances (probe, create); FALSE names the backend
 * and the reason.  info->options is ignored (per-backend options come from
 * choice->options). */
GhPipeline *gh_pipeline_new(GhPluginRegistry *reg, const GhPipelineChoice *choice,
                            const char *const *image_capture_paths, const GhPluginSessionInfo *info,
                            GhPipelineFailFunc on_fail, gpointer fail_data, GError **error);
/* Stops the thread (joining it: this waits for a capture call in progress,
 * so the session manager calls it on a worker thread) and answers waiting
 * frame requests.  Any thread but the pipeline's; idempotent. */
void gh_pipeline_stop(GhPipeline *p);
/* Stops the thread if still running, destroys the instances (main thread). */
GhPipeline *gh_pipeline_free(GhPipeline *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhPipeline, gh_pipeline_free)

/* Main thread.  Sends events to the input backend, in order (pad events
 * the choice's pad_keys maps as their keys, pad-keys.h), delivering
 * what can be delivered: a batch the backend refuses with -EINVAL or
 * -EOPNOTSUPP (it then took none) is sent again one event at a time, so an
 * event it cannot take is dropped alone; any other error drops the whole
 * batch as "failed".  Drops are counted in the stats by reason.  *drops
 * (may be NULL) gets the events not delivered, in order
 * (GhPipelineInputDrop; unref it, which frees the messages).  FALSE with
 * error when nothing was delivered for want of a backend (NO_INPUT), for
 * too many events (FAILED; then nothing is counted) or because the backend
 * failed on every event (FAILED, with its message). */
gboolean gh_pipeline_send_input(GhPipeline *p, const gh_input_event *events, guint n, GArray **drops,
                                GError **error);
/* Any thread except the pipeline's: a fresh frame as PNG (blocks up to
 * timeout_ms for the capture). */
GBytes *gh_pipeline_frame_png(GhPipeline *p, guint timeout_ms, GError **error);
void gh_pipeline_get_stats(GhPipeline *p, GhPipelineStats *stats);
/* Backend names in use (NULL when none of that kind). */
const char *gh_pipeline_backend_name(GhPipeline *p, guint32 kind);
/* FALSE when the session has no sound. */
gboolean gh_pipeline_get_audio_stats(GhPipeline *p, GhPipelineAudioStats *stats);
/* Main thread: the pads ever attached or with feedback, in pad order (see
 * gh_pipeline_pads_get); returns how many. */
guint gh_pipeline_get_pad_stats(GhPipeline *p, GhPipelinePadStats out[GH_INPUT_MAX_PADS]);

/* Interactive streams (ABI 1.2), main thread.  A stream backend with
 * peer_open serves players; while it has one, frames are pumped to it only
 * while at least one peer is open. */
gboolean gh_pipeline_is_interactive(GhPipeline *p);
/* peer_open, then a keyframe request; FALSE with the backend's reason. */
gboolean gh_pipeline_peer_open(GhPipeline *p, guint32 peer, guint32 flags, GError **error);
/* peer_message: 0 or the backend's negative errno with *why (free it). */
int gh_pipeline_peer_message(GhPipeline *p, guint32 peer, const char *message, char **why);
/* peer_close of a peer peer_open accepted. */
void gh_pipeline_peer_close(GhPipeline *p, guint32 peer);
