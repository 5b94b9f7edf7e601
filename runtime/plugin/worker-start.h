/* worker-start: the "start" message (worker-proto.h) both ways: the
 * daemon builds it from the session, the worker reads it back into the
 * pipeline's choice and session facts.  One file, so the keys cannot
 * drift apart. */
#pragma once
#include <glib.h>
#include "pipeline.h"

typedef struct {
    GhPipelineChoice choice;     /* strings and tables owned here */
    GhPluginSessionInfo info;    /* strings owned here; ops, context unset */
    GStrv plugins;               /* plugin files to load, in order */
    GStrv image_capture;         /* the image's capture paths, preferred first */
    GStrv read_paths, write_paths; /* what Landlock lets it reach */
    guint watchdog_ms;
    char *log_level;             /* the daemon's [daemon] log_level */
} GhWorkerStart;

GVariant *gh_worker_start_to_variant(const GhWorkerStart *start);
/* FALSE naming the member that is missing or of the wrong type. */
gboolean gh_worker_start_from_variant(GVariant *v, GhWorkerStart *start, GError **error);
void gh_worker_start_clear(GhWorkerStart *start);
