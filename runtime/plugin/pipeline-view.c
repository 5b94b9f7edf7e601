/* pipeline-view: see pipeline-view.h. */
#include "pipeline-view.h"

#include <string.h>

void
gh_pipeline_view_clear(GhPipelineView *view)
{
    g_free(view->capture);
    g_free(view->stream);
    g_free(view->input);
    g_free(view->audio);
    memset(view, 0, sizeof *view);
}

void
gh_pipeline_view_fill(GhPipelineView *view, GhPipeline *p)
{
    gh_pipeline_view_clear(view);
    view->capture = g_strdup(gh_pipeline_backend_name(p, GH_BACKEND_CAPTURE));
    view->stream = g_strdup(gh_pipeline_backend_name(p, GH_BACKEND_STREAM));
    view->input = g_strdup(gh_pipeline_backend_name(p, GH_BACKEND_INPUT));
    view->audio = g_strdup(gh_pipeline_backend_name(p, GH_BACKEND_AUDIO));
    view->interactive = gh_pipeline_is_interactive(p);
    gh_pipeline_get_stats(p, &view->stats);
    view->has_audio = gh_pipeline_get_audio_stats(p, &view->audio_stats);
    view->n_pads = gh_pipeline_get_pad_stats(p, view->pads);
}

/* One table drives both directions: key, type, where the value lives. */
typedef enum { VIEW_U64, VIEW_U32, VIEW_I32, VIEW_BOOL, VIEW_DOUBLE } ViewType;
typedef struct {
    const char *key;
    ViewType type;
    gsize offset;
} ViewField;

#define VIEW_STATS(m, t)  { "stats." #m, t, G_STRUCT_OFFSET(GhPipelineView, stats.m) }
#define VIEW_AUDIO(m, t)  { "audio." #m, t, G_STRUCT_OFFSET(GhPipelineView, audio_stats.m) }
static const ViewField view_fields[] = {
    VIEW_STATS(frames_captured, VIEW_U64), VIEW_STATS(fps, VIEW_DOUBLE), VIEW_STATS(capture_ms_avg, VIEW_DOUBLE),
    VIEW_STATS(capture_ms_last, VIEW_DOUBLE), VIEW_STATS(frames_torn, VIEW_U64), VIEW_STATS(input_events, VIEW_U64),
    VIEW_STATS(pad_events, VIEW_U64), VIEW_STATS(input_errors, VIEW_U64),
    VIEW_STATS(input_dropped[GH_INPUT_DROP_UNSUPPORTED], VIEW_U64), VIEW_STATS(input_dropped[GH_INPUT_DROP_INVALID], VIEW_U64),
    VIEW_STATS(input_dropped[GH_INPUT_DROP_FAILED], VIEW_U64), VIEW_STATS(input_dropped[GH_INPUT_DROP_NO_BACKEND], VIEW_U64),
    { "has_audio", VIEW_BOOL, G_STRUCT_OFFSET(GhPipelineView, has_audio) },
    VIEW_AUDIO(format, VIEW_U32), VIEW_AUDIO(rate, VIEW_U32), VIEW_AUDIO(channels, VIEW_U32), VIEW_AUDIO(chunks, VIEW_U64),
    VIEW_AUDIO(frames, VIEW_U64), VIEW_AUDIO(refused, VIEW_U64), VIEW_AUDIO(mic_frames, VIEW_U64),
    VIEW_AUDIO(mic_dropped, VIEW_U64), VIEW_AUDIO(backend.enabled, VIEW_U32), VIEW_AUDIO(backend.muted, VIEW_U32),
    VIEW_AUDIO(backend.volume, VIEW_U32), VIEW_AUDIO(backend.frames_out, VIEW_U64),
    VIEW_AUDIO(backend.frames_in, VIEW_U64), VIEW_AUDIO(backend.underruns, VIEW_U64),
    VIEW_AUDIO(backend.dropped, VIEW_U64),
};
G_STATIC_ASSERT(GH_INPUT_DROP_LAST == 4);

static const char *const view_signature[] = { "t", "u", "i", "b", "d" };

static GVariant *
view_field_value(const GhPipelineView *view, const ViewField *f)
{
    const guint8 *at = (const guint8 *)view + f->offset;

    switch (f->type) {
    case VIEW_U64:    return g_variant_new_uint64(*(const guint64 *)at);
    case VIEW_U32:    return g_variant_new_uint32(*(const guint32 *)at);
    case VIEW_I32:    return g_variant_new_int32(*(const gint32 *)at);
    case VIEW_BOOL:   return g_variant_new_boolean(*(const gboolean *)at);
    default:          return g_variant_new_double(*(const double *)at);
    }
}

static void
view_field_set(GhPipelineView *view, const ViewField *f, GVariant *v)
{
    guint8 *at = (guint8 *)view + f->offset;

    switch (f->type) {
    case VIEW_U64:    *(guint64 *)at = g_variant_get_uint64(v); break;
    case VIEW_U32:    *(guint32 *)at = g_variant_get_uint32(v); break;
    case VIEW_I32:    *(gint32 *)at = g_variant_get_int32(v); break;
    case VIEW_BOOL:   *(gboolean *)at = g_variant_get_boolean(v); break;
    default:          *(double *)at = g_variant_get_double(v); break;
    }
}

static void
view_field_zero(GhPipelineView *view, const ViewField *f)
{
    static const gsize size[] = { sizeof(guint64), sizeof(guint32), sizeof(gint32), sizeof(gboolean), sizeof(double) };

    memset((guint8 *)view + f->offset, 0, size[f->type]);
}

/* One pad: (pad, attached, led, strong, weak, rumble_reports, feedback_at,
 * has_backend, reports, coalesced, dropped, out_reports, out_malformed). */
#define VIEW_PAD_TYPE "(ubiuutxbttttt)"

GVariant *
gh_pipeline_view_to_variant(const GhPipelineView *view)
{
    GVariantBuilder b, pads;

    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    for (gsize i = 0; i < G_N_ELEMENTS(view_fields); i++)
        g_variant_builder_add(&b, "{sv}", view_fields[i].key, view_field_value(view, &view_fields[i]));
    g_variant_builder_init(&pads, G_VARIANT_TYPE("a" VIEW_PAD_TYPE));
    for (guint i = 0; i < MIN(view->n_pads, GH_INPUT_MAX_PADS); i++) {
        const GhPipelinePadStats *p = &view->pads[i];
        g_variant_builder_add(&pads, VIEW_PAD_TYPE, p->pad, p->attached, p->led, p->strong, p->weak,
                              p->rumble_reports, p->feedback_at, p->has_backend, p->backend.reports,
                              p->backend.coalesced, p->backend.dropped, p->backend.out_reports,
                              p->backend.out_malformed);
    }
    g_variant_builder_add(&b, "{sv}", "pads", g_variant_builder_end(&pads));
    return g_variant_builder_end(&b);
}

static void
view_update_pads(GhPipelineView *view, GVariant *pads)
{
    GVariantIter it;
    GhPipelinePadStats p;
    gboolean attached, has_backend;

    view->n_pads = 0;
    if (!pads)
        return;
    g_variant_iter_init(&it, pads);
    memset(&p, 0, sizeof p);
    while (view->n_pads < GH_INPUT_MAX_PADS &&
           g_variant_iter_next(&it, VIEW_PAD_TYPE, &p.pad, &attached, &p.led, &p.strong, &p.weak, &p.rumble_reports,
                               &p.feedback_at, &has_backend, &p.backend.reports, &p.backend.coalesced,
                               &p.backend.dropped, &p.backend.out_reports, &p.backend.out_malformed)) {
        if (p.pad >= GH_INPUT_MAX_PADS)
            continue;   /* not a pad of ours: the worker is wrong, the view stays sane */
        p.attached = attached;
        p.has_backend = has_backend;
        view->pads[view->n_pads++] = p;
    }
}

void
gh_pipeline_view_update(GhPipelineView *view, GVariant *v)
{
    g_autoptr(GVariant) pads = NULL;

    if (!v || !g_variant_is_of_type(v, G_VARIANT_TYPE_VARDICT))
        return;
    for (gsize i = 0; i < G_N_ELEMENTS(view_fields); i++) {
        const ViewField *f = &view_fields[i];
        g_autoptr(GVariant) value = g_variant_lookup_value(v, f->key, G_VARIANT_TYPE(view_signature[f->type]));

        if (value)
            view_field_set(view, f, value);
        else
            view_field_zero(view, f);
    }
    pads = g_variant_lookup_value(v, "pads", G_VARIANT_TYPE("a" VIEW_PAD_TYPE));
    view_update_pads(view, pads);
}
