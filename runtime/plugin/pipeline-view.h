/* pipeline-view: what the host shows of a session's pipeline (the session
 * JSON's "pipeline", /metrics), as one value.  The worker fills it from
 * its pipeline and sends it; the daemon keeps the last one it received, so
 * that no API request waits on a worker.  Read back from the wire, every
 * member is checked: a missing or mistyped one reads as zero. */
#pragma once
#include <glib.h>
#include "pipeline.h"

typedef struct {
    char *capture, *stream, *input, *audio;  /* backend names, NULL when none */
    gboolean interactive;                    /* the stream backend serves players */
    GhPipelineStats stats;
    gboolean has_audio;
    GhPipelineAudioStats audio_stats;
    guint n_pads;
    GhPipelinePadStats pads[GH_INPUT_MAX_PADS];
} GhPipelineView;

/* Main thread of the pipeline's owner. */
void gh_pipeline_view_fill(GhPipelineView *view, GhPipeline *p);
void gh_pipeline_view_clear(GhPipelineView *view);

/* The counters (not the names: those travel once, in "ready") as a{sv}. */
GVariant *gh_pipeline_view_to_variant(const GhPipelineView *view);
/* Replaces view's counters with v's (an a{sv}); names are kept. */
void gh_pipeline_view_update(GhPipelineView *view, GVariant *v);
