/* metrics: counters, the session start histogram and their Prometheus text. */
#include "metrics.h"

#define GH_METRICS_MIN_STATUS 100
#define GH_METRICS_MAX_STATUS 599

/* Upper bounds of the start-time buckets, in seconds; +Inf is implicit.  Booting
 * a VM under TCG takes seconds, so the buckets reach up to a minute. */
static const double metrics_start_bounds[] = { 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 };
#define GH_METRICS_N_BOUNDS G_N_ELEMENTS(metrics_start_bounds)

struct GhMetrics {
    guint64 requests[GH_METRICS_MAX_STATUS - GH_METRICS_MIN_STATUS + 1];
    guint64 start_buckets[GH_METRICS_N_BOUNDS];   /* non-cumulative */
    guint64 start_count;
    double start_sum;
    guint64 signal_refused;
};

GhMetrics *
gh_metrics_new(void)
{
    return g_new0(GhMetrics, 1);
}

GhMetrics *
gh_metrics_free(GhMetrics *metrics)
{
    g_free(metrics);
    return NULL;
}

void
gh_metrics_count_request(GhMetrics *metrics, guint status)
{
    if (status < GH_METRICS_MIN_STATUS || status > GH_METRICS_MAX_STATUS)
        return;
    metrics->requests[status - GH_METRICS_MIN_STATUS]++;
}

guint64
gh_metrics_requests(const GhMetrics *metrics, guint status)
{
    if (status < GH_METRICS_MIN_STATUS || status > GH_METRICS_MAX_STATUS)
        return 0;
    return metrics->requests[status - GH_METRICS_MIN_STATUS];
}

void
gh_metrics_count_signal_refused(GhMetrics *metrics)
{
    metrics->signal_refused++;
}

void
gh_metrics_observe_start(GhMetrics *metrics, double seconds)
{
    if (seconds < 0)        /* clock stepped back: count it as instant */
        seconds = 0;
    for (gsize i = 0; i < GH_METRICS_N_BOUNDS; i++) {
        if (seconds <= metrics_start_bounds[i]) {
            metrics->start_buckets[i]++;
            break;
        }
    }
    metrics->start_count++;
    metrics->start_sum += seconds;
}

/* Prometheus floats: locale-independent, short, and "+Inf" spelled its way. */
static const char *
metrics_format_double(char *buf, gsize size, double value)
{
    return g_ascii_formatd(buf, size, "%.9g", value);
}

static void
metrics_render_gauges(GString *out, const GhMetricsGauges *gauges)
{
    g_string_append(out,
                    "# HELP gamehost_sessions Sessions known to this host, by state.\n"
                    "# TYPE gamehost_sessions gauge\n");
    for (int s = 0; s < GH_SESSION_STATE_LAST; s++)
        g_string_append_printf(out, "gamehost_sessions{state=\"%s\"} %u\n",
                               gh_session_state_to_string((GhSessionState) s),
                               gauges->sessions[s]);
    g_string_append_printf(out,
                           "# HELP gamehost_sessions_capacity Sessions this host runs at most at once.\n"
                           "# TYPE gamehost_sessions_capacity gauge\n"
                           "gamehost_sessions_capacity %u\n"
                           "# HELP gamehost_draining 1 while the host refuses new sessions.\n"
                           "# TYPE gamehost_draining gauge\n"
                           "gamehost_draining %d\n",
                           gauges->capacity, gauges->draining ? 1 : 0);
}

static void
metrics_render_histogram(GString *out, const GhMetrics *metrics)
{
    char bound[G_ASCII_DTOSTR_BUF_SIZE], sum[G_ASCII_DTOSTR_BUF_SIZE];
    guint64 cumulative = 0;

    g_string_append(out,
                    "# HELP gamehost_session_start_seconds Time from session create to running.\n"
                    "# TYPE gamehost_session_start_seconds histogram\n");
    for (gsize i = 0; i < GH_METRICS_N_BOUNDS; i++) {
        cumulative += metrics->start_buckets[i];
        g_string_append_printf(out, "gamehost_session_start_seconds_bucket{le=\"%s\"} %" G_GUINT64_FORMAT "\n",
                               metrics_format_double(bound, sizeof bound, metrics_start_bounds[i]),
                               cumulative);
    }
    g_string_append_printf(out,
                           "gamehost_session_start_seconds_bucket{le=\"+Inf\"} %" G_GUINT64_FORMAT "\n"
                           "gamehost_session_start_seconds_sum %s\n"
                           "gamehost_session_start_seconds_count %" G_GUINT64_FORMAT "\n",
                           metrics->start_count,
                           metrics_format_double(sum, sizeof sum, metrics->start_sum),
                           metrics->start_count);
}

static void
metrics_render_requests(GString *out, const GhMetrics *metrics)
{
    g_string_append(out,
                    "# HELP gamehost_api_requests_total API requests answered, by HTTP status code.\n"
                    "# TYPE gamehost_api_requests_total counter\n");
    for (guint code = GH_METRICS_MIN_STATUS; code <= GH_METRICS_MAX_STATUS; code++) {
        guint64 n = gh_metrics_requests(metrics, code);
        if (n)
            g_string_append_printf(out, "gamehost_api_requests_total{code=\"%u\"} %" G_GUINT64_FORMAT "\n",
                                   code, n);
    }
}

/* Sums over the sessions running now: gauges, since a session that ends
 * takes its share with it. */
static void
metrics_render_audio(GString *out, const GhSessionAudioTotals *a)
{
    g_string_append_printf(out,
                           "# HELP gamehost_audio_sessions Running sessions with sound.\n"
                           "# TYPE gamehost_audio_sessions gauge\n"
                           "gamehost_audio_sessions %u\n"
                           "# HELP gamehost_audio_frames PCM frames (48 kHz) of the running sessions: from the guests "
                           "(out) and from the players' microphones into the guests (mic).\n"
                           "# TYPE gamehost_audio_frames gauge\n"
                           "gamehost_audio_frames{direction=\"out\"} %" G_GUINT64_FORMAT "\n"
                           "gamehost_audio_frames{direction=\"mic\"} %" G_GUINT64_FORMAT "\n"
                           "# HELP gamehost_audio_dropped Audio of the running sessions not delivered: chunks refused "
                           "(refused), guest frames dropped (out), microphone frames with no room (mic), guest reads "
                           "of the microphone answered short (mic_underrun).\n"
                           "# TYPE gamehost_audio_dropped gauge\n"
                           "gamehost_audio_dropped{reason=\"refused\"} %" G_GUINT64_FORMAT "\n"
                           "gamehost_audio_dropped{reason=\"out\"} %" G_GUINT64_FORMAT "\n"
                           "gamehost_audio_dropped{reason=\"mic\"} %" G_GUINT64_FORMAT "\n"
                           "gamehost_audio_dropped{reason=\"mic_underrun\"} %" G_GUINT64_FORMAT "\n",
                           a->sessions, a->frames, a->mic_frames, a->refused, a->dropped, a->mic_dropped,
                           a->mic_underruns);
}

static void
metrics_render_pads(GString *out, const GhSessionPadTotals *pads)
{
    g_string_append_printf(out,
                           "# HELP gamehost_pads_attached Game pads plugged into the running sessions' VMs.\n"
                           "# TYPE gamehost_pads_attached gauge\n"
                           "gamehost_pads_attached %u\n"
                           "# HELP gamehost_pad_events Pad button and axis events of the running sessions delivered "
                           "to their input backends.\n"
                           "# TYPE gamehost_pad_events gauge\n"
                           "gamehost_pad_events %" G_GUINT64_FORMAT "\n"
                           "# HELP gamehost_pad_rumble_reports Rumbles the running sessions' guests sent their pads.\n"
                           "# TYPE gamehost_pad_rumble_reports gauge\n"
                           "gamehost_pad_rumble_reports %" G_GUINT64_FORMAT "\n",
                           pads->attached, pads->events, pads->rumble_reports);
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void
metrics_append_label(GString *out, const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"')
            g_string_append_c(out, '\\');
        if (*p == '\n')
            g_string_append(out, "\\n");
        else
            g_string_append_c(out, *p);
    }
}

static void
metrics_render_workers(GString *out, const GhMetricsGauges *gauges)
{
    g_string_append_printf(out,
                           "# HELP gamehost_workers Plugin worker processes running (one per running session).\n"
                           "# TYPE gamehost_workers gauge\n"
                           "gamehost_workers %u\n"
                           "# HELP gamehost_worker_restarts_total Plugin workers restarted after a death.\n"
                           "# TYPE gamehost_worker_restarts_total counter\n"
                           "gamehost_worker_restarts_total %" G_GUINT64_FORMAT "\n"
                           "# HELP gamehost_worker_crashes_total Plugin worker deaths, by the backend call it died in "
                           "and the signal (hang: killed by the watchdog; cut_off: for a malformed message).\n"
                           "# TYPE gamehost_worker_crashes_total counter\n",
                           gauges->workers.running, gauges->workers.restarts);
    for (guint i = 0; gauges->crashes && i < gauges->crashes->len; i++) {
        const GhMetricsCrash *c = &g_array_index(gauges->crashes, GhMetricsCrash, i);

        g_string_append(out, "gamehost_worker_crashes_total{backend=\"");
        metrics_append_label(out, c->backend);
        g_string_append(out, "\",signal=\"");
        metrics_append_label(out, c->signal);
        g_string_append_printf(out, "\"} %" G_GUINT64_FORMAT "\n", c->n);
    }
}

static void
metrics_render_players(GString *out, const GhMetrics *metrics, const GhMetricsGauges *gauges)
{
    g_string_append_printf(out,
                           "# HELP gamehost_players Players connected to sessions' signal endpoints.\n"
                           "# TYPE gamehost_players gauge\n"
                           "gamehost_players %u\n"
                           "# HELP gamehost_input_dropped_total Input dropped, by reason: players' messages dropped "
                           "whole (malformed, not_controller), and events the input backend did not take "
                           "(unsupported, invalid, failed, no_backend).\n"
                           "# TYPE gamehost_input_dropped_total counter\n"
                           "gamehost_input_dropped_total{reason=\"malformed\"} %" G_GUINT64_FORMAT "\n"
                           "gamehost_input_dropped_total{reason=\"not_controller\"} %" G_GUINT64_FORMAT "\n",
                           gauges->players, gauges->input_dropped_malformed, gauges->input_dropped_not_controller);
    for (int r = 0; r < GH_INPUT_DROP_LAST; r++)
        g_string_append_printf(out, "gamehost_input_dropped_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                               gh_input_drop_to_string(r), gauges->input_dropped[r]);
    g_string_append_printf(out,
                           "# HELP gamehost_signal_messages_refused_total Signaling messages refused with an error.\n"
                           "# TYPE gamehost_signal_messages_refused_total counter\n"
                           "gamehost_signal_messages_refused_total %" G_GUINT64_FORMAT "\n",
                           metrics->signal_refused);
}

char *
gh_metrics_render(const GhMetrics *metrics, const GhMetricsGauges *gauges)
{
    GString *out = g_string_sized_new(2048);

    metrics_render_gauges(out, gauges);
    metrics_render_histogram(out, metrics);
    metrics_render_requests(out, metrics);
    metrics_render_players(out, metrics, gauges);
    metrics_render_audio(out, &gauges->audio);
    metrics_render_pads(out, &gauges->pads);
    metrics_render_workers(out, gauges);
    return g_string_free(out, FALSE);
}
