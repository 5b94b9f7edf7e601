/* pipeline-pads: see pipeline-pads.h.  Main thread only. */
#include "pipeline-pads.h"
#include "plugin-watch.h"

#include <string.h>

#include "pipeline-input.h"

static void
pipeline_pads_record(GhPipelinePads *pads, const gh_pad_feedback *fb)
{
    GhPipelinePadStats *st = &pads->pad[fb->pad];

    if (!(pads->seen & (1u << fb->pad)))
        st->led = -1;
    pads->seen |= 1u << fb->pad;
    st->pad = fb->pad;
    st->feedback_at = g_get_real_time();
    switch (fb->kind) {
    case GH_PAD_ATTACHED:
        st->attached = TRUE;
        break;
    case GH_PAD_DETACHED:
        st->attached = FALSE;
        break;
    case GH_PAD_RUMBLE:
        st->strong = fb->strong;
        st->weak = fb->weak;
        st->rumble_reports++;
        break;
    case GH_PAD_LED:
        st->led = (gint32)MIN(fb->led, (guint32)G_MAXINT32);
        break;
    default:
        break;
    }
}

void
gh_pipeline_pads_feedback(GhPipelinePads *pads, const gh_pad_feedback *fb, GhPluginInstance *stream, guint32 peer)
{
    const GhBackend *b = stream ? gh_plugin_instance_backend(stream) : NULL;

    pipeline_pads_record(pads, fb);
    /* A backend built before 1.4 has no such op: its players get no feedback. */
    if (!b || peer == 0 || b->stream.version < 4 || !b->stream.pad_feedback)
        return;
    GH_PLUGIN_CALL(b, "pad_feedback", 0, b->stream.pad_feedback(gh_plugin_instance_handle(stream), peer, fb));
}

/* The input backend's counters for pad, when it keeps them. */
static gboolean
pipeline_pads_backend_stats(GhPluginInstance *input, guint32 pad, gh_pad_stats *stats)
{
    const GhBackend *b = input ? gh_plugin_instance_backend(input) : NULL;

    memset(stats, 0, sizeof *stats);
    stats->struct_size = sizeof *stats;
    if (!b || b->input.version < 2 || !b->input.pad_stats)
        return FALSE;
    int rc;

    GH_PLUGIN_CALL(b, "pad_stats", 0, rc = b->input.pad_stats(gh_plugin_instance_handle(input), pad, stats));
    if (rc < 0) {
        memset(stats, 0, sizeof *stats);
        return FALSE;
    }
    stats->struct_size = sizeof *stats;
    return TRUE;
}

guint
gh_pipeline_pads_get(const GhPipelinePads *pads, GhPluginInstance *input, GhPipelinePadStats out[GH_INPUT_MAX_PADS])
{
    guint n = 0;

    for (guint32 pad = 0; pad < GH_INPUT_MAX_PADS; pad++) {
        if (!(pads->seen & (1u << pad)))
            continue;
        out[n] = pads->pad[pad];
        out[n].has_backend = pipeline_pads_backend_stats(input, pad, &out[n].backend);
        n++;
    }
    return n;
}

static gboolean
pipeline_pads_is_pad_event(const gh_input_event *ev)
{
    return ev->type == GH_INPUT_PAD_BUTTON || ev->type == GH_INPUT_PAD_AXIS;
}

guint
gh_pipeline_pads_delivered(const gh_input_event *events, guint n, GArray *drops, guint first)
{
    guint delivered = 0;

    for (guint i = 0; i < n; i++)
        delivered += pipeline_pads_is_pad_event(&events[i]);
    for (guint i = first; i < drops->len; i++) {
        guint at = g_array_index(drops, GhPipelineInputDrop, i).index;
        if (at < n && pipeline_pads_is_pad_event(&events[at]))
            delivered--;
    }
    return delivered;
}
