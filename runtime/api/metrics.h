/* metrics: the counters and histogram behind GET /metrics and their rendering
 * in the Prometheus text format 0.0.4.  Pure data: the API feeds it requests
 * and session start times, and hands it the gauges at render time. */
#pragma once

#include <glib.h>
#include "session/session.h"

#define GH_METRICS_CONTENT_TYPE "text/plain; version=0.0.4"

typedef struct GhMetrics GhMetrics;

/* Read from the session manager when /metrics is served. */
typedef struct {
    guint sessions[GH_SESSION_STATE_LAST];   /* indexed by GhSessionState */
    guint capacity;
    gboolean draining;
    guint players;                         /* connected to signal endpoints */
    guint64 input_dropped_malformed;       /* counters the session manager keeps */
    guint64 input_dropped_not_controller;
    guint64 input_dropped[GH_INPUT_DROP_LAST];  /* events the input backends did not take, by GhInputDrop */
    GhSessionAudioTotals audio;            /* sound over the running sessions */
    GhSessionPadTotals pads;               /* game pads over the running sessions */
    GhSessionWorkerTotals workers;         /* the plugin workers */
    GArray *crashes;                       /* GhMetricsCrash: worker deaths by backend and signal */
} GhMetricsGauges;

typedef struct {
    char *backend, *signal;      /* "" when not known; signal "hang", "cut_off" or "exit" otherwise */
    guint64 n;
} GhMetricsCrash;

GhMetrics *gh_metrics_new(void);
GhMetrics *gh_metrics_free(GhMetrics *metrics);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhMetrics, gh_metrics_free)

/* One answered API request; status outside 100..599 is ignored. */
void gh_metrics_count_request(GhMetrics *metrics, guint status);
/* One session that went from starting to running after this many seconds. */
void gh_metrics_observe_start(GhMetrics *metrics, double seconds);
guint64 gh_metrics_requests(const GhMetrics *metrics, guint status);
/* One signaling message refused (binary, not JSON, no type, too big, or
 * refused by the stream backend). */
void gh_metrics_count_signal_refused(GhMetrics *metrics);

/* The whole exposition, newline-terminated. */
char *gh_metrics_render(const GhMetrics *metrics, const GhMetricsGauges *gauges);
