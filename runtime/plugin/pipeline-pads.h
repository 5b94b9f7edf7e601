/* pipeline-pads: a session's game pads as the host sees them (ABI 1.4):
 * what the input backend reported of each (plugged in, LEDs, rumble),
 * passed on to the stream backend for the player in control, and the
 * count of pad events delivered.  The pipeline (pipeline.c) owns the
 * instances and decides who is in control.  Main thread only, as
 * pad_feedback and the input and stream ops are. */
#pragma once

#include <glib.h>
#include "plugin-registry.h"

/* One pad, for the live view. */
typedef struct {
    guint32 pad;                 /* 0..GH_INPUT_MAX_PADS-1 */
    gboolean attached;           /* plugged into the VM (the last ATTACHED or DETACHED) */
    gint32 led;                  /* the guest's last LED command, -1 before any */
    guint32 strong, weak;        /* the last rumble's motors, 0..GH_PAD_RUMBLE_MAX */
    guint64 rumble_reports;      /* rumbles the guest sent */
    gint64 feedback_at;          /* unix time (us) the host got the last feedback */
    gboolean has_backend;        /* the input backend answered pad_stats: */
    gh_pad_stats backend;
} GhPipelinePadStats;

/* Every pad of a session; zero-initialised is empty. */
typedef struct {
    GhPipelinePadStats pad[GH_INPUT_MAX_PADS];
    guint32 seen;                /* bit per pad ever attached or with feedback */
} GhPipelinePads;

/* Records fb (checked by plugin-host.c) and passes it to stream's
 * pad_feedback for peer: only with stream ops version 4 or later, the op
 * present and a peer (not 0) in control; the record is kept either way. */
void gh_pipeline_pads_feedback(GhPipelinePads *pads, const gh_pad_feedback *fb, GhPluginInstance *stream,
                               guint32 peer);
/* Fills out with the pads ever attached or with feedback, in pad order,
 * each with input's pad_stats (input ops version 2) when it answers;
 * returns how many.  input may be NULL. */
guint gh_pipeline_pads_get(const GhPipelinePads *pads, GhPluginInstance *input,
                           GhPipelinePadStats out[GH_INPUT_MAX_PADS]);
/* Of the n events sent, the pad button and axis events delivered: those
 * not in drops from index first on (GhPipelineInputDrop, pipeline-input.h). */
guint gh_pipeline_pads_delivered(const gh_input_event *events, guint n, GArray *drops, guint first);
