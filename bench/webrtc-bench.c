/* webrtc-bench: host-side input-to-photon, encode time and CPU of the
 * stream.webrtc backend (issue 5), driven through the plugin ABI the way the
 * daemon drives it, against a real WebRTC peer in another process.
 *
 * One program, two roles, talking over pipes (one JSON object per line):
 *
 *   sender (default): the host side.  dlopen()s the stream-webrtc plugin,
 *     creates a "stream.webrtc" instance with a bench host-services table,
 *     opens peer 1 in control and relays the receiver's signaling to
 *     peer_message.  A frame thread plays both the guest and the session's
 *     pipeline thread: at 60 Hz (absolute deadlines) it applies the input
 *     queued by peer_input (frame.input_events = events applied), draws a
 *     synthetic frame (static texture, a box moving on its own, a box moved
 *     by the input, a band of changing noise) and calls push_frame.  Frames
 *     are generated in process, not read through capture.relay: the relay's
 *     synthetic producer writes flat frames that give an encoder no work.
 *   receiver (--receiver): the browser's stand-in.  webrtcbin answering the
 *     offer, decodebin -> fakesink counting decoded frames, and on the
 *     plugin's "input" data channel one input message every ~interval ms
 *     (uniform jitter of +-30 %, so inputs land at random phases of the
 *     frame clock).  It runs in its own process so that its CPU (decoding)
 *     is not counted as the host's.
 *
 * Timeline: connect; once the receiver decodes frames, warm up; then the
 * measured window opens (rusage, counters), the receiver sends N inputs,
 * and the window closes tail_ms after the last one.  Latencies come from
 * the plugin's latency_log (t_input, t_frame, t_sent, encode_ns per input)
 * and, per frame, from pad probes this program puts on the plugin's own
 * appsrc, encoder and payloader (GstBin "element-added" emission hook).
 * Each frame carries its number in its first pixels (canvas_stamp), which
 * the appsrc probe reads back: that ties the pts the plugin gave a buffer
 * to the push it came from, whatever the plugin dropped or rounded.  A
 * plugin that converts the frame as it copies it (issue 11) loses the
 * stamp and tags the buffer with its capture time instead (a
 * GstReferenceTimestampMeta "timestamp/x-gamehost-capture"), which names
 * the push as well.
 *
 * Output: two markdown table rows on stdout, prefixed "latency:" and
 * "load:" (--header prints the headers); everything else on stderr.
 * bench/webrtc-bench.sh runs it inside a network namespace (libnice ignores
 * the loopback interface). */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>
#include <json-glib/json-glib.h>

#include <gamehost/plugin.h>

#include "bench-plugin.h"

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static void
pin_to_cpu(int cpu, const char *who)
{
    cpu_set_t set;
    if (cpu < 0)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        fprintf(stderr, "webrtc-bench: %s: cannot pin to CPU %d: %s\n", who, cpu, strerror(errno));
}

/* Serialises a JSON node as one line (no pretty printing: the pipes carry
 * one object per line). */
static char *
json_line(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    json_generator_set_root(gen, node);
    return json_generator_to_data(gen, NULL);
}

static JsonObject *
parse_object(const char *text, gssize len, JsonParser **parser_out)
{
    JsonParser *parser = json_parser_new();
    JsonNode *root;
    if (!json_parser_load_from_data(parser, text, len, NULL) || !(root = json_parser_get_root(parser)) ||
        !JSON_NODE_HOLDS_OBJECT(root)) {
        g_object_unref(parser);
        return NULL;
    }
    *parser_out = parser;
    return json_node_get_object(root);
}

/* ---- statistics --------------------------------------------------------- */

typedef struct {
    GArray *v; /* double, ms */
} samples;

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile; NAN when empty. */
static double
percentile(GArray *v, double p)
{
    if (v->len == 0)
        return NAN;
    g_array_sort(v, cmp_double);
    size_t rank = (size_t)ceil(p / 100.0 * v->len);
    if (rank < 1)
        rank = 1;
    return g_array_index(v, double, rank - 1);
}

static const char *
fmt_ms(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "n/a");
    else
        snprintf(buf, n, "%.2f", v);
    return buf;
}

/* =========================================================================
 * Receiver role
 * ========================================================================= */

typedef struct {
    GMainLoop *loop;
    GstElement *pipe, *webrtc;
    GstWebRTCDataChannel *channel;
    GMutex out_lock;
    atomic_uint_fast64_t decoded;
    uint64_t decoded_at_start;
    int decoding_reported;
    uint32_t inputs_left, inputs_sent, send_failures, interval_ms;
    int tap, next_value;
    double cpu0;
    uint64_t wall0;
} receiver;

static receiver R;

static void
rx_emit(JsonNode *node)
{
    g_autofree char *line = json_line(node);
    g_mutex_lock(&R.out_lock);
    fputs(line, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    g_mutex_unlock(&R.out_lock);
    json_node_unref(node);
}

/* Starts a message {"type": type, ...}; rx_send_done() ends and sends it. */
static void
rx_msg(const char *type, JsonBuilder **b_out)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    json_builder_add_string_value(b, type);
    *b_out = b;
}

static void
rx_send_done(JsonBuilder *b)
{
    json_builder_end_object(b);
    rx_emit(json_builder_get_root(b));
    g_object_unref(b);
}

static void
rx_on_ice_candidate(GstElement *webrtc, guint mline, gchar *candidate, gpointer data)
{
    JsonBuilder *b;
    rx_msg("ice", &b);
    json_builder_set_member_name(b, "candidate");
    json_builder_add_string_value(b, candidate);
    json_builder_set_member_name(b, "sdpMLineIndex");
    json_builder_add_int_value(b, mline);
    rx_send_done(b);
}

static gboolean
rx_report_decoding(gpointer data)
{
    JsonBuilder *b;
    rx_msg("bench-decoding", &b);
    rx_send_done(b);
    return G_SOURCE_REMOVE;
}

static void
rx_on_handoff(GstElement *sink, GstBuffer *buf, GstPad *pad, gpointer data)
{
    if (atomic_fetch_add(&R.decoded, 1) == 0)
        g_idle_add(rx_report_decoding, NULL);
}

static void
rx_on_decoded_pad(GstElement *decodebin, GstPad *pad, gpointer data)
{
    g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad);
    GstElement *sink;
    GstPad *sinkpad;

    if (caps && !g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "video/"))
        return;
    sink = gst_element_factory_make("fakesink", NULL);
    g_object_set(sink, "sync", FALSE, "async", FALSE, "signal-handoffs", TRUE, NULL);
    g_signal_connect(sink, "handoff", G_CALLBACK(rx_on_handoff), NULL);
    gst_bin_add(GST_BIN(R.pipe), sink);
    gst_element_sync_state_with_parent(sink);
    sinkpad = gst_element_get_static_pad(sink, "sink");
    if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
        fprintf(stderr, "webrtc-bench receiver: cannot link the decoder to the sink\n");
    gst_object_unref(sinkpad);
}

static void
rx_on_incoming_pad(GstElement *webrtc, GstPad *pad, gpointer data)
{
    GstElement *dec;
    GstPad *sinkpad;

    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    dec = gst_element_factory_make("decodebin", NULL);
    g_signal_connect(dec, "pad-added", G_CALLBACK(rx_on_decoded_pad), NULL);
    gst_bin_add(GST_BIN(R.pipe), dec);
    gst_element_sync_state_with_parent(dec);
    sinkpad = gst_element_get_static_pad(dec, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
}

static void
rx_on_data_channel(GstElement *webrtc, GstWebRTCDataChannel *channel, gpointer data)
{
    g_autofree char *label = NULL;
    g_object_get(channel, "label", &label, NULL);
    fprintf(stderr, "webrtc-bench receiver: data channel '%s'\n", label ? label : "");
    if (label && strcmp(label, "input") == 0 && !R.channel)
        R.channel = g_object_ref(channel);
}

static void
rx_on_answer_created(GstPromise *promise, gpointer data)
{
    const GstStructure *reply = gst_promise_get_reply(promise);
    GstWebRTCSessionDescription *answer = NULL;
    g_autofree char *text = NULL;
    JsonBuilder *b;

    if (reply)
        gst_structure_get(reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
    gst_promise_unref(promise);
    if (!answer) {
        fprintf(stderr, "webrtc-bench receiver: no answer created\n");
        g_main_loop_quit(R.loop);
        return;
    }
    g_signal_emit_by_name(R.webrtc, "set-local-description", answer, NULL);
    text = gst_sdp_message_as_text(answer->sdp);
    gst_webrtc_session_description_free(answer);
    rx_msg("answer", &b);
    json_builder_set_member_name(b, "sdp");
    json_builder_add_string_value(b, text);
    rx_send_done(b);
}

static void
rx_on_offer_set(GstPromise *promise, gpointer data)
{
    gst_promise_unref(promise);
    promise = gst_promise_new_with_change_func(rx_on_answer_created, NULL, NULL);
    g_signal_emit_by_name(R.webrtc, "create-answer", NULL, promise);
}

static gboolean
rx_send_input(gpointer data)
{
    char msg[160];
    JsonBuilder *b;
    int state = 0;

    if (R.inputs_left == 0)
        return G_SOURCE_REMOVE;
    if (R.tap)
        snprintf(msg, sizeof(msg), "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"tap\"}]}");
    else
        snprintf(msg, sizeof(msg), "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"value\":%d}]}",
                 R.next_value);
    if (R.channel)
        g_object_get(R.channel, "ready-state", &state, NULL);
    if (state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN) {
        g_signal_emit_by_name(R.channel, "send-string", msg);
        R.inputs_sent++;
        R.next_value = !R.next_value;
    } else {
        R.send_failures++;
    }
    R.inputs_left--;
    if (R.inputs_left == 0) {
        rx_msg("bench-inputs-done", &b);
        json_builder_set_member_name(b, "sent");
        json_builder_add_int_value(b, R.inputs_sent);
        json_builder_set_member_name(b, "not_open");
        json_builder_add_int_value(b, R.send_failures);
        rx_send_done(b);
        return G_SOURCE_REMOVE;
    }
    uint32_t lo = R.interval_ms * 7 / 10, hi = R.interval_ms * 13 / 10 + 1;
    g_timeout_add(g_random_int_range((gint32)lo, (gint32)hi), rx_send_input, NULL);
    return G_SOURCE_REMOVE;
}

static void
rx_handle(const char *line)
{
    JsonParser *parser = NULL;
    JsonObject *o = parse_object(line, -1, &parser);
    const char *type;

    if (!o || !(type = json_object_get_string_member_with_default(o, "type", NULL))) {
        fprintf(stderr, "webrtc-bench receiver: bad message: %.200s\n", line);
        goto out;
    }
    if (strcmp(type, "offer") == 0) {
        GstSDPMessage *sdp = NULL;
        const char *text = json_object_get_string_member_with_default(o, "sdp", "");
        fprintf(stderr, "webrtc-bench receiver: offer (codec %s)\n",
                json_object_get_string_member_with_default(o, "codec", "?"));
        if (gst_sdp_message_new_from_text(text, &sdp) != GST_SDP_OK) {
            fprintf(stderr, "webrtc-bench receiver: unparsable offer SDP\n");
            g_main_loop_quit(R.loop);
            goto out;
        }
        GstWebRTCSessionDescription *offer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
        GstPromise *p = gst_promise_new_with_change_func(rx_on_offer_set, NULL, NULL);
        g_signal_emit_by_name(R.webrtc, "set-remote-description", offer, p);
        gst_webrtc_session_description_free(offer);
    } else if (strcmp(type, "ice") == 0) {
        const char *cand = json_object_get_string_member_with_default(o, "candidate", NULL);
        guint mline = (guint)json_object_get_int_member_with_default(o, "sdpMLineIndex", 0);
        if (cand && *cand)
            g_signal_emit_by_name(R.webrtc, "add-ice-candidate", mline, cand);
    } else if (strcmp(type, "bench-start") == 0) {
        R.inputs_left = (uint32_t)json_object_get_int_member_with_default(o, "inputs", 0);
        R.interval_ms = (uint32_t)json_object_get_int_member_with_default(o, "interval_ms", 100);
        R.decoded_at_start = atomic_load(&R.decoded);
        R.cpu0 = cpu_seconds();
        R.wall0 = now_ns();
        if (R.inputs_left)
            g_timeout_add(g_random_int_range(1, (gint32)R.interval_ms + 1), rx_send_input, NULL);
    } else if (strcmp(type, "bench-stop") == 0) {
        JsonBuilder *b;
        double wall = (double)(now_ns() - R.wall0) / 1e9;
        rx_msg("bench-stats", &b);
        json_builder_set_member_name(b, "decoded");
        json_builder_add_int_value(b, (gint64)(atomic_load(&R.decoded) - R.decoded_at_start));
        json_builder_set_member_name(b, "decoded_total");
        json_builder_add_int_value(b, (gint64)atomic_load(&R.decoded));
        json_builder_set_member_name(b, "cpu_s");
        json_builder_add_double_value(b, cpu_seconds() - R.cpu0);
        json_builder_set_member_name(b, "wall_s");
        json_builder_add_double_value(b, wall);
        rx_send_done(b);
        g_main_loop_quit(R.loop);
    } else if (strcmp(type, "error") == 0) {
        fprintf(stderr, "webrtc-bench receiver: error from the server: %s\n",
                json_object_get_string_member_with_default(o, "message", "?"));
    }
out:
    if (parser)
        g_object_unref(parser);
}

static gboolean
rx_on_stdin(GIOChannel *ch, GIOCondition cond, gpointer data)
{
    g_autofree char *line = NULL;
    gsize len = 0;
    GIOStatus st = g_io_channel_read_line(ch, &line, &len, NULL, NULL);

    if (st == G_IO_STATUS_NORMAL) {
        if (len)
            rx_handle(line);
        return G_SOURCE_CONTINUE;
    }
    if (st == G_IO_STATUS_AGAIN)
        return G_SOURCE_CONTINUE;
    g_main_loop_quit(R.loop); /* the sender went away */
    return G_SOURCE_REMOVE;
}

static int
receiver_main(const char *codecs, int tap)
{
    GIOChannel *in;
    JsonBuilder *b;
    g_auto(GStrv) list = g_strsplit(codecs, ",", -1);

    g_mutex_init(&R.out_lock);
    R.loop = g_main_loop_new(NULL, FALSE);
    R.tap = tap;
    R.next_value = 1;
    R.pipe = gst_pipeline_new("receiver");
    R.webrtc = gst_element_factory_make("webrtcbin", "recv");
    if (!R.webrtc) {
        fprintf(stderr, "webrtc-bench receiver: no webrtcbin (gstreamer1.0-plugins-bad)\n");
        return 1;
    }
    g_object_set(R.webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
    gst_bin_add(GST_BIN(R.pipe), R.webrtc);
    g_signal_connect(R.webrtc, "on-ice-candidate", G_CALLBACK(rx_on_ice_candidate), NULL);
    g_signal_connect(R.webrtc, "pad-added", G_CALLBACK(rx_on_incoming_pad), NULL);
    g_signal_connect(R.webrtc, "on-data-channel", G_CALLBACK(rx_on_data_channel), NULL);
    gst_element_set_state(R.pipe, GST_STATE_PLAYING);

    in = g_io_channel_unix_new(0);
    g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, rx_on_stdin, NULL);

    rx_msg("hello", &b);
    json_builder_set_member_name(b, "codecs");
    json_builder_begin_array(b);
    for (char **c = list; *c; c++)
        json_builder_add_string_value(b, *c);
    json_builder_end_array(b);
    rx_send_done(b);

    g_main_loop_run(R.loop);
    gst_element_set_state(R.pipe, GST_STATE_NULL);
    if (R.channel)
        g_object_unref(R.channel);
    gst_object_unref(R.pipe);
    g_io_channel_unref(in);
    g_main_loop_unref(R.loop);
    return 0;
}

/* =========================================================================
 * Sender role
 * ========================================================================= */

typedef struct {
    const char *plugin;
    uint32_t width, height, fps;
    const char *codec, *bitrate, *label;
    uint32_t warmup_ms, inputs, interval_ms, tail_ms, timeout_s;
    int tap, sender_cpu, receiver_cpu;
    GPtrArray *extra; /* "key=value" options */
    const char *raw_csv;
} config;

typedef struct {
    uint64_t t_input, t_frame;
} input_rec;

/* Frames carry their number in their first three pixels (magic, low and
 * high word), for the probe on the plugin's appsrc: the plugin copies
 * pixels unchanged and gives the buffer a pts of its own, rounded to its
 * 1/fps slots, so that pts alone cannot name the push it came from. */
#define STAMP_MAGIC 0x47484246u /* "GHBF" */

/* A push of the window: the frame's number (its stamp) and capture time. */
typedef struct {
    uint64_t frame, t_cap;
} push_rec;

/* Per-frame records from the pad probes, keyed by buffer PTS; frame is the
 * stamp read out of appsrc (has_frame: one was read), or with by_cap the
 * capture time the plugin tagged the buffer with. */
typedef struct {
    uint64_t t_src, t_enc_in, t_enc_out, t_pay, frame;
    int has_frame, by_cap;
} frame_probe;

struct gh_host {
    config *cfg;
    char *session_dir;
    char error[512];
    GHashTable *sources; /* id -> 1 */
};

typedef struct {
    config cfg;
    gh_host host;
    const gh_backend_factory *factory;
    gh_instance *inst;
    GMainLoop *loop;
    GPid child;
    int child_in;
    GMutex send_lock;
    const char *phase;
    int failed;

    /* frame thread */
    pthread_t frame_thread;
    int frame_thread_started;
    atomic_int stop_frames;
    atomic_uint_fast64_t pending_events, applied_events;
    atomic_uint_fast64_t pushed, push_errors, missed_ticks;
    GMutex push_lock;
    GArray *pushes;     /* push_rec: each push in the window, in frame order */
    GArray *push_ms;    /* double: push_frame call duration in the window */
    double gen_cpu_s;   /* frame thread CPU outside push_frame, in the window */
    atomic_int in_window;

    /* probes */
    GMutex probe_lock;
    GHashTable *probes; /* PTS -> frame_probe*; only while in window */
    atomic_uint_fast64_t entered, encoded, payloaded; /* entered: out of appsrc */
    atomic_uint_fast64_t unstamped; /* in the window, out of appsrc without a stamp */
    char encoder_name[64], payloader_name[64], offer_codec[16];
    /* x264enc (GstVideoEncoder's min-pts) shifts every PTS it outputs by a
     * constant: learnt from the first frame, in and out, and taken off the
     * PTS seen after the encoder so that a frame keeps one key. */
    uint64_t first_in_pts, pts_shift;
    int have_first_in, have_shift;

    /* peer_input: each message's arrival, and the capture time of the
     * first frame the guest drew after applying it */
    atomic_uint_fast64_t inputs_seen, inputs_bad;
    GMutex input_lock;
    GArray *inputs; /* input_rec */
    guint first_unapplied;

    /* window */
    uint64_t w_start, w_end;
    double cpu_start, cpu_end;
    uint64_t ent0, ent1, pushed0, pushed1, enc0, enc1, pay0, pay1, miss0, miss1, err0, err1;
    GHashTable *thread_cpu0; /* tid -> ticks */
    GString *thread_report;

    /* receiver's report */
    int64_t rx_decoded, rx_inputs_sent, rx_not_open;
    double rx_cpu_s, rx_wall_s;
    int rx_done;
} sender;

static sender S;

/* ---- host services ---- */

static void
svc_log(gh_host *host, uint32_t level, const char *msg)
{
    static const char *names[] = { "?", "error", "warning", "info", "debug" };
    if (level <= GH_LOG_INFO || getenv("WEBRTC_BENCH_DEBUG"))
        fprintf(stderr, "webrtc-bench: plugin %s: %s\n", names[level <= 4 ? level : 0], msg);
}

static uint64_t
svc_now_ns(gh_host *host)
{
    return now_ns();
}

static void
svc_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg);
}

static const char *
svc_session_id(gh_host *host)
{
    return "00000000-0000-4000-8000-00000000be5c";
}

static const char *
svc_image_id(gh_host *host)
{
    return "synthetic";
}

static const char *
svc_option(gh_host *host, const char *key)
{
    config *c = host->cfg;
    size_t klen = strlen(key);

    for (guint i = 0; i < c->extra->len; i++) {
        const char *kv = g_ptr_array_index(c->extra, i);
        if (strncmp(kv, key, klen) == 0 && kv[klen] == '=')
            return kv + klen + 1;
    }
    if (strcmp(key, "bitrate_kbps") == 0)
        return c->bitrate;
    if (strcmp(key, "latency_log") == 0)
        return "latency.csv";
    if (strcmp(key, "fps") == 0) {
        static char fps[16];
        snprintf(fps, sizeof(fps), "%u", c->fps);
        return fps;
    }
    return NULL;
}

static void
svc_display_size(gh_host *host, uint32_t *w, uint32_t *h, uint32_t *hz)
{
    *w = host->cfg->width;
    *h = host->cfg->height;
    *hz = host->cfg->fps;
}

typedef struct {
    gh_timer_fn timer;
    gh_fd_fn fd_fn;
    void *data;
    int fd;
} svc_source;

static gboolean
svc_timer_cb(gpointer p)
{
    svc_source *s = p;
    return s->timer(s->data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
svc_fd_cb(gint fd, GIOCondition cond, gpointer p)
{
    svc_source *s = p;
    uint32_t ev = (cond & G_IO_IN ? GH_FD_IN : 0) | (cond & G_IO_OUT ? GH_FD_OUT : 0) |
                  (cond & G_IO_ERR ? GH_FD_ERR : 0) | (cond & G_IO_HUP ? GH_FD_HUP : 0);
    return s->fd_fn(fd, ev, s->data) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static uint32_t
svc_add_timer(gh_host *host, uint32_t interval_ms, gh_timer_fn fn, void *data)
{
    svc_source *s = g_new0(svc_source, 1);
    s->timer = fn;
    s->data = data;
    uint32_t id = g_timeout_add_full(G_PRIORITY_DEFAULT, interval_ms, svc_timer_cb, s, g_free);
    g_hash_table_add(host->sources, GUINT_TO_POINTER(id));
    return id;
}

static uint32_t
svc_add_fd(gh_host *host, int fd, uint32_t events, gh_fd_fn fn, void *data)
{
    svc_source *s = g_new0(svc_source, 1);
    s->fd_fn = fn;
    s->data = data;
    GIOCondition c = (events & GH_FD_IN ? G_IO_IN : 0) | (events & GH_FD_OUT ? G_IO_OUT : 0);
    uint32_t id = g_unix_fd_add_full(G_PRIORITY_DEFAULT, fd, c, svc_fd_cb, s, g_free);
    g_hash_table_add(host->sources, GUINT_TO_POINTER(id));
    return id;
}

static void
svc_remove_source(gh_host *host, uint32_t id)
{
    if (g_hash_table_remove(host->sources, GUINT_TO_POINTER(id)))
        g_source_remove(id);
}

static int
svc_submit_input(gh_host *host, const gh_input_event *events, uint32_t n)
{
    return 0;
}

static const char *
svc_session_dir(gh_host *host)
{
    return host->session_dir;
}

static int
write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int
send_line(const char *line)
{
    int r;
    g_mutex_lock(&S.send_lock);
    r = S.child_in < 0 ? -ENOENT : write_all(S.child_in, line, strlen(line));
    if (r == 0)
        r = write_all(S.child_in, "\n", 1);
    g_mutex_unlock(&S.send_lock);
    return r;
}

/* Any thread.  Re-serialised so that one message is one line whatever the
 * plugin's formatting. */
static int
svc_signal_send(gh_host *host, uint32_t peer, const char *message)
{
    JsonParser *parser = NULL;
    JsonObject *o;
    g_autofree char *line = NULL;

    if (peer != 1)
        return -ENOENT;
    if (strlen(message) > GH_SIGNAL_MAX_MESSAGE)
        return -EMSGSIZE;
    o = parse_object(message, -1, &parser);
    if (!o) {
        fprintf(stderr, "webrtc-bench: the plugin sent a message that is not a JSON object: %.200s\n", message);
        return -EINVAL;
    }
    if (strcmp(json_object_get_string_member_with_default(o, "type", ""), "offer") == 0)
        snprintf(S.offer_codec, sizeof(S.offer_codec), "%s", json_object_get_string_member_with_default(o, "codec", "?"));
    line = json_line(json_parser_get_root(parser));
    g_object_unref(parser);
    return send_line(line);
}

/* Any thread: counts the events like the host does (a tap counts two) and
 * queues them for the synthetic guest, which applies them at its next tick. */
static int
svc_peer_input(gh_host *host, uint32_t peer, const char *json, size_t len)
{
    JsonParser *parser = NULL;
    JsonObject *o = parse_object(json, (gssize)len, &parser);
    JsonArray *events;
    uint32_t n = 0;

    if (!o || !json_object_has_member(o, "events") ||
        !JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, "events")) ||
        (events = json_object_get_array_member(o, "events"), json_array_get_length(events) == 0)) {
        if (parser)
            g_object_unref(parser);
        atomic_fetch_add(&S.inputs_bad, 1);
        return -EINVAL;
    }
    for (guint i = 0; i < json_array_get_length(events); i++) {
        JsonNode *e = json_array_get_element(events, i);
        const char *action = JSON_NODE_HOLDS_OBJECT(e)
                                 ? json_object_get_string_member_with_default(json_node_get_object(e), "action", "")
                                 : "";
        n += strcmp(action, "tap") == 0 ? 2 : 1;
    }
    g_object_unref(parser);
    input_rec rec = { now_ns(), 0 };
    g_mutex_lock(&S.input_lock);
    g_array_append_val(S.inputs, rec);
    atomic_fetch_add(&S.pending_events, n);
    g_mutex_unlock(&S.input_lock);
    atomic_fetch_add(&S.inputs_seen, 1);
    return (int)n;
}

static gboolean
idle_peer_close(gpointer data)
{
    if (S.inst && S.factory->stream->peer_close)
        S.factory->stream->peer_close(S.inst, 1);
    if (!S.rx_done) {
        fprintf(stderr, "webrtc-bench: the plugin closed the peer during '%s'\n", S.phase);
        S.failed = 1;
        g_main_loop_quit(S.loop);
    }
    return G_SOURCE_REMOVE;
}

static void
svc_peer_close(gh_host *host, uint32_t peer, const char *reason)
{
    fprintf(stderr, "webrtc-bench: plugin closes peer %u: %s\n", peer, reason ? reason : "");
    g_idle_add(idle_peer_close, NULL);
}

static gh_host_services services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .log = svc_log,
    .now_ns = svc_now_ns,
    .set_error = svc_set_error,
    .session_id = svc_session_id,
    .image_id = svc_image_id,
    .option = svc_option,
    .display_size = svc_display_size,
    .add_timer = svc_add_timer,
    .add_fd = svc_add_fd,
    .remove_source = svc_remove_source,
    .submit_input = svc_submit_input,
    .session_dir = svc_session_dir,
    .signal_send = svc_signal_send,
    .peer_input = svc_peer_input,
    .peer_close = svc_peer_close,
};

/* ---- pad probes on the plugin's own pipeline ---- */

static frame_probe *
probe_get(uint64_t pts)
{
    frame_probe *fp = g_hash_table_lookup(S.probes, &pts);
    if (!fp) {
        uint64_t *key = g_new(uint64_t, 1);
        *key = pts;
        fp = g_new0(frame_probe, 1);
        g_hash_table_insert(S.probes, key, fp);
    }
    return fp;
}

enum { PROBE_SRC, PROBE_ENC_IN, PROBE_ENC_OUT, PROBE_PAY };

/* The frame number canvas_stamp wrote, if the buffer carries one (1), or
 * else the capture time the plugin tagged it with (2), or neither (0). */
static int
stamp_read(GstBuffer *buf, uint64_t *frame)
{
    static GstStaticCaps capture = GST_STATIC_CAPS("timestamp/x-gamehost-capture");
    GstReferenceTimestampMeta *meta;
    uint32_t px[3];

    if (gst_buffer_extract(buf, 0, px, sizeof(px)) == sizeof(px) && px[0] == STAMP_MAGIC) {
        *frame = (uint64_t)px[1] | (uint64_t)px[2] << 32;
        return 1;
    }
    meta = gst_buffer_get_reference_timestamp_meta(buf, gst_static_caps_get(&capture));
    if (!meta)
        return 0;
    *frame = meta->timestamp;
    return 2;
}

static GstPadProbeReturn
on_probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    int which = GPOINTER_TO_INT(data);
    uint64_t t = now_ns(), frame = 0;
    GstBuffer *buf = NULL;
    int stamped = 0;

    if (which == PROBE_SRC)
        atomic_fetch_add(&S.entered, 1);
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
        buf = GST_PAD_PROBE_INFO_BUFFER(info);
    else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        GstBufferList *l = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
        buf = gst_buffer_list_length(l) ? gst_buffer_list_get(l, 0) : NULL;
    }
    if (!buf || !GST_BUFFER_PTS_IS_VALID(buf))
        return GST_PAD_PROBE_OK;
    uint64_t pts = GST_BUFFER_PTS(buf);
    /* Read outside the lock: the copy of three pixels is the only work. */
    if (which == PROBE_SRC && atomic_load(&S.in_window) && !(stamped = stamp_read(buf, &frame)))
        atomic_fetch_add(&S.unstamped, 1);
    g_mutex_lock(&S.probe_lock);
    if (which == PROBE_ENC_IN && !S.have_first_in) {
        S.first_in_pts = pts;
        S.have_first_in = 1;
    } else if (which == PROBE_ENC_OUT && !S.have_shift && S.have_first_in) {
        S.pts_shift = pts - S.first_in_pts;
        S.have_shift = 1;
        if (getenv("WEBRTC_BENCH_DEBUG"))
            fprintf(stderr, "webrtc-bench: the encoder shifts PTS by %" PRIu64 " ns\n", S.pts_shift);
    }
    if (which == PROBE_ENC_OUT || which == PROBE_PAY)
        pts -= S.pts_shift;
    if (!atomic_load(&S.in_window)) {
        g_mutex_unlock(&S.probe_lock);
        return GST_PAD_PROBE_OK;
    }
    frame_probe *fp = probe_get(pts);
    switch (which) {
    case PROBE_SRC:
        if (!fp->t_src)
            fp->t_src = t;
        if (stamped && !fp->has_frame) {
            fp->frame = frame;
            fp->has_frame = 1;
            fp->by_cap = stamped == 2;
        }
        break;
    case PROBE_ENC_IN:
        if (!fp->t_enc_in)
            fp->t_enc_in = t;
        break;
    case PROBE_ENC_OUT:
        if (!fp->t_enc_out) {
            fp->t_enc_out = t;
            atomic_fetch_add(&S.encoded, 1);
        }
        break;
    case PROBE_PAY:
        if (!fp->t_pay) {
            fp->t_pay = t;
            atomic_fetch_add(&S.payloaded, 1);
        }
        break;
    }
    g_mutex_unlock(&S.probe_lock);
    return GST_PAD_PROBE_OK;
}

static void
add_probe(GstElement *el, const char *pad_name, int which)
{
    GstPad *pad = gst_element_get_static_pad(el, pad_name);
    if (!pad)
        return;
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_probe,
                      GINT_TO_POINTER(which), NULL);
    gst_object_unref(pad);
}

static gboolean
on_element_added(GSignalInvocationHint *hint, guint n, const GValue *params, gpointer data)
{
    GstElement *el;
    GstElementFactory *f;
    const char *name;

    if (n < 2)
        return TRUE;
    el = g_value_get_object(&params[1]);
    if (!el || !(f = gst_element_get_factory(el)))
        return TRUE;
    name = gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f));
    const char *klass = gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS);
    if (klass && strstr(klass, "Encoder") && strstr(klass, "Video")) {
        snprintf(S.encoder_name, sizeof(S.encoder_name), "%s", name);
        add_probe(el, "sink", PROBE_ENC_IN);
        add_probe(el, "src", PROBE_ENC_OUT);
    } else if (strcmp(name, "appsrc") == 0) {
        add_probe(el, "src", PROBE_SRC);
    } else if (g_str_has_prefix(name, "rtp") && g_str_has_suffix(name, "pay")) {
        snprintf(S.payloader_name, sizeof(S.payloader_name), "%s", name);
        add_probe(el, "src", PROBE_PAY);
    }
    return TRUE;
}

/* ---- the synthetic guest and pipeline thread ---- */

typedef struct {
    uint32_t w, h, stride;
    uint8_t *bg, *buf;
    uint32_t noise_seed;
} canvas;

static void
canvas_init(canvas *c, uint32_t w, uint32_t h)
{
    c->w = w;
    c->h = h;
    c->stride = w * 4;
    c->bg = g_malloc((size_t)c->stride * h);
    c->buf = g_malloc((size_t)c->stride * h);
    c->noise_seed = 12345;
    /* A textured background: gradients plus a fine checker, so keyframes
     * cost the encoder something. */
    for (uint32_t y = 0; y < h; y++) {
        uint32_t *row = (uint32_t *)(c->bg + (size_t)y * c->stride);
        for (uint32_t x = 0; x < w; x++) {
            uint32_t r = (x * 255 / w) ^ ((x / 8 + y / 8) & 1 ? 0x20 : 0);
            uint32_t g = (y * 255 / h);
            uint32_t b = ((x + y) * 3) & 0xff;
            row[x] = b | g << 8 | r << 16;
        }
    }
    memcpy(c->buf, c->bg, (size_t)c->stride * h);
}

static void
canvas_restore(canvas *c, gh_rect r)
{
    for (uint32_t y = r.y; y < r.y + r.height; y++)
        memcpy(c->buf + (size_t)y * c->stride + (size_t)r.x * 4, c->bg + (size_t)y * c->stride + (size_t)r.x * 4,
               (size_t)r.width * 4);
}

static void
canvas_fill(canvas *c, gh_rect r, uint32_t px)
{
    for (uint32_t y = r.y; y < r.y + r.height; y++) {
        uint32_t *row = (uint32_t *)(c->buf + (size_t)y * c->stride) + r.x;
        for (uint32_t x = 0; x < r.width; x++)
            row[x] = px;
    }
}

static void
canvas_noise(canvas *c, gh_rect r)
{
    uint32_t s = c->noise_seed;
    for (uint32_t y = r.y; y < r.y + r.height; y++) {
        uint32_t *row = (uint32_t *)(c->buf + (size_t)y * c->stride) + r.x;
        for (uint32_t x = 0; x < r.width; x++) {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            row[x] = s & 0x3f3f3f; /* dim noise: real work, not pure entropy */
        }
    }
    c->noise_seed = s;
}

/* Rows of the band show the background scrolled left by shift pixels:
 * motion an encoder can predict, as a game's scrolling is. */
static void
canvas_scroll(canvas *c, gh_rect band, uint32_t shift)
{
    shift %= c->w;
    for (uint32_t y = band.y; y < band.y + band.height; y++) {
        uint8_t *dst = c->buf + (size_t)y * c->stride;
        const uint8_t *src = c->bg + (size_t)y * c->stride;
        memcpy(dst, src + (size_t)shift * 4, (size_t)(c->w - shift) * 4);
        memcpy(dst + (size_t)(c->w - shift) * 4, src, (size_t)shift * 4);
    }
}

/* The stamp in the frame's first pixels (STAMP_MAGIC).  They lie in the
 * scrolling band, redrawn every frame. */
static void
canvas_stamp(canvas *c, uint64_t n)
{
    uint32_t *px = (uint32_t *)c->buf;

    px[0] = STAMP_MAGIC;
    px[1] = (uint32_t)n;
    px[2] = (uint32_t)(n >> 32);
}

/* Draws frame n: the top third of the screen scrolling, a box moving by
 * itself, a "player" box whose position is the input applied so far, and
 * a small patch of fresh noise (1/64 of the frame: detail no prediction
 * finds, as particles and film grain are). */
static void
canvas_draw(canvas *c, uint64_t n, uint64_t applied, gh_rect *old_auto, gh_rect *old_player)
{
    uint32_t bw = c->w / 8, bh = c->h / 8;
    gh_rect a = { (int32_t)((n * 7) % (c->w - bw)), (int32_t)(c->h / 3 + (n * 3) % (c->h / 3)), bw, bh };
    gh_rect p = { (int32_t)((applied * 16) % (c->w - bw)), (int32_t)(c->h - bh), bw, bh };
    gh_rect band = { 0, 0, c->w, c->h / 3 };
    gh_rect noise = { (int32_t)(c->w / 2), (int32_t)(c->h / 2), bw, bh };

    if (old_auto->width)
        canvas_restore(c, *old_auto);
    if (old_player->width)
        canvas_restore(c, *old_player);
    canvas_scroll(c, band, (uint32_t)(n * 4));
    canvas_noise(c, noise);
    canvas_fill(c, a, 0x00e0c040u);
    canvas_fill(c, p, 0x0040ff40u + (uint32_t)(applied & 0xff));
    *old_auto = a;
    *old_player = p;
}

static double
thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
frame_thread_main(void *arg)
{
    canvas c;
    uint64_t period = 1000000000u / S.cfg.fps, next = now_ns(), n = 0;
    gh_rect old_a = { 0 }, old_p = { 0 };
    gh_frame f = { 0 };
    double gen = 0;

    canvas_init(&c, S.cfg.width, S.cfg.height);
    f.struct_size = sizeof(f);
    f.format = GH_FORMAT_BGRX8888;
    f.width = c.w;
    f.height = c.h;
    f.stride = c.stride;
    f.data = c.buf;
    while (!atomic_load(&S.stop_frames)) {
        struct timespec ts = { (time_t)(next / 1000000000u), (long)(next % 1000000000u) };
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        int win = atomic_load(&S.in_window);
        double c0 = thread_cpu_s();
        g_mutex_lock(&S.input_lock);
        uint64_t add = atomic_exchange(&S.pending_events, 0);
        guint applied_from = S.first_unapplied, applied_to = S.first_unapplied = S.inputs->len;
        g_mutex_unlock(&S.input_lock);
        uint64_t applied = atomic_fetch_add(&S.applied_events, add) + add;
        n++;
        canvas_draw(&c, n, applied, &old_a, &old_p);
        canvas_stamp(&c, n);
        f.frame_number = n;
        f.input_events = applied;
        f.timestamp_ns = now_ns();
        if (applied_to > applied_from) {
            g_mutex_lock(&S.input_lock);
            for (guint i = applied_from; i < applied_to; i++)
                g_array_index(S.inputs, input_rec, i).t_frame = f.timestamp_ns;
            g_mutex_unlock(&S.input_lock);
        }
        double c1 = thread_cpu_s();
        int r = S.factory->stream->push_frame(S.inst, &f);
        uint64_t t_done = now_ns();
        if (win)
            gen += c1 - c0;
        if (r < 0)
            atomic_fetch_add(&S.push_errors, 1);
        else
            atomic_fetch_add(&S.pushed, 1);
        if (win) {
            double ms = (double)(t_done - f.timestamp_ns) / 1e6;
            push_rec rec = { n, f.timestamp_ns };
            g_mutex_lock(&S.push_lock);
            g_array_append_val(S.pushes, rec);
            g_array_append_val(S.push_ms, ms);
            g_mutex_unlock(&S.push_lock);
        }
        next += period;
        uint64_t t = now_ns();
        if (t > next + period) {
            /* Fell more than a frame behind: skip the ticks, as a guest at
             * a fixed refresh would, and count them. */
            uint64_t skip = (t - next) / period;
            atomic_fetch_add(&S.missed_ticks, skip);
            next += skip * period;
        }
    }
    g_mutex_lock(&S.push_lock);
    S.gen_cpu_s = gen;
    g_mutex_unlock(&S.push_lock);
    g_free(c.bg);
    g_free(c.buf);
    return NULL;
}

/* ---- per-thread CPU (to see how many cores the session spreads over) ---- */

static GHashTable *
read_thread_ticks(GHashTable *names)
{
    GHashTable *t = g_hash_table_new(g_direct_hash, g_direct_equal);
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;

    if (!d)
        return t;
    while ((e = readdir(d))) {
        char path[300], buf[512];
        FILE *fp;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", e->d_name);
        if (!(fp = fopen(path, "r")))
            continue;
        size_t len = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[len] = 0;
        char *lp = strchr(buf, '('), *rp = strrchr(buf, ')');
        if (!lp || !rp)
            continue;
        unsigned long ut = 0, st = 0;
        /* fields after ")": state(3) ... utime(14) stime(15) */
        if (sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
            continue;
        int tid = atoi(e->d_name);
        g_hash_table_insert(t, GINT_TO_POINTER(tid), GSIZE_TO_POINTER(ut + st));
        if (names)
            g_hash_table_insert(names, GINT_TO_POINTER(tid), g_strndup(lp + 1, (gsize)(rp - lp - 1)));
    }
    closedir(d);
    return t;
}

typedef struct {
    char *name;
    double pct;
} thread_use;

static int
cmp_thread_use(const void *a, const void *b)
{
    double x = ((const thread_use *)a)->pct, y = ((const thread_use *)b)->pct;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Groups thread CPU by thread name over the window: "x264enc:src 41%,
 * x264 x3 30%, ...". */
static void
report_threads(GHashTable *t0, GHashTable *t1, GHashTable *names, double wall)
{
    GHashTable *by_name = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter it;
    gpointer k, v;
    double hz = (double)sysconf(_SC_CLK_TCK);
    int busy = 0;

    g_hash_table_iter_init(&it, t1);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        double ticks = (double)(GPOINTER_TO_SIZE(v) - GPOINTER_TO_SIZE(g_hash_table_lookup(t0, k)));
        double pct = ticks / hz / wall * 100.0;
        const char *name = g_hash_table_lookup(names, k);
        if (!name)
            continue;
        if (pct >= 5.0)
            busy++;
        double *sum = g_hash_table_lookup(by_name, name);
        if (!sum) {
            sum = g_new0(double, 1);
            g_hash_table_insert(by_name, g_strdup(name), sum);
        }
        *sum += pct;
    }
    GArray *uses = g_array_new(FALSE, FALSE, sizeof(thread_use));
    g_hash_table_iter_init(&it, by_name);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        thread_use u = { k, *(double *)v };
        g_array_append_val(uses, u);
    }
    g_array_sort(uses, cmp_thread_use);
    S.thread_report = g_string_new(NULL);
    g_string_append_printf(S.thread_report, "%d threads over 5%%;", busy);
    for (guint i = 0; i < uses->len && i < 5; i++) {
        thread_use *u = &g_array_index(uses, thread_use, i);
        if (u->pct < 1.0)
            break;
        g_string_append_printf(S.thread_report, " %s %.0f%%", u->name, u->pct);
    }
    g_array_free(uses, TRUE);
    g_hash_table_destroy(by_name);
}

/* ---- phases ---- */

static GHashTable *thread_names;

static gboolean
window_close(gpointer data)
{
    GHashTable *t1;

    S.w_end = now_ns();
    S.cpu_end = cpu_seconds();
    atomic_store(&S.in_window, 0);
    S.pushed1 = atomic_load(&S.pushed);
    S.ent1 = atomic_load(&S.entered);
    S.enc1 = atomic_load(&S.encoded);
    S.pay1 = atomic_load(&S.payloaded);
    S.miss1 = atomic_load(&S.missed_ticks);
    S.err1 = atomic_load(&S.push_errors);
    t1 = read_thread_ticks(thread_names);
    report_threads(S.thread_cpu0, t1, thread_names, (double)(S.w_end - S.w_start) / 1e9);
    g_hash_table_destroy(t1);
    S.phase = "waiting for the receiver's stats";
    send_line("{\"type\":\"bench-stop\"}");
    return G_SOURCE_REMOVE;
}

static gboolean
window_open(gpointer data)
{
    char msg[128];

    S.phase = "measuring";
    S.thread_cpu0 = read_thread_ticks(thread_names);
    S.pushed0 = atomic_load(&S.pushed);
    S.ent0 = atomic_load(&S.entered);
    S.miss0 = atomic_load(&S.missed_ticks);
    S.err0 = atomic_load(&S.push_errors);
    S.enc0 = atomic_load(&S.encoded);
    S.pay0 = atomic_load(&S.payloaded);
    S.cpu_start = cpu_seconds();
    S.w_start = now_ns();
    atomic_store(&S.in_window, 1);
    snprintf(msg, sizeof(msg), "{\"type\":\"bench-start\",\"inputs\":%u,\"interval_ms\":%u}", S.cfg.inputs,
             S.cfg.interval_ms);
    send_line(msg);
    return G_SOURCE_REMOVE;
}

static void
sender_handle(const char *line)
{
    JsonParser *parser = NULL;
    JsonObject *o = parse_object(line, -1, &parser);
    const char *type = o ? json_object_get_string_member_with_default(o, "type", "") : "";

    if (strcmp(type, "bench-decoding") == 0) {
        fprintf(stderr, "webrtc-bench: receiver decodes frames; warm-up %u ms\n", S.cfg.warmup_ms);
        S.phase = "warm-up";
        g_timeout_add(S.cfg.warmup_ms, window_open, NULL);
    } else if (strcmp(type, "bench-inputs-done") == 0) {
        S.rx_inputs_sent = json_object_get_int_member_with_default(o, "sent", 0);
        S.rx_not_open = json_object_get_int_member_with_default(o, "not_open", 0);
        S.phase = "tail";
        g_timeout_add(S.cfg.tail_ms, window_close, NULL);
    } else if (strcmp(type, "bench-stats") == 0) {
        S.rx_decoded = json_object_get_int_member_with_default(o, "decoded", 0);
        S.rx_cpu_s = json_object_get_double_member_with_default(o, "cpu_s", 0);
        S.rx_wall_s = json_object_get_double_member_with_default(o, "wall_s", 0);
        S.rx_done = 1;
        g_main_loop_quit(S.loop);
    } else if (o) {
        int r = S.factory->stream->peer_message(S.inst, 1, line);
        if (r < 0)
            fprintf(stderr, "webrtc-bench: peer_message(%s) = %d (%s)\n", type, r, S.host.error);
    } else {
        fprintf(stderr, "webrtc-bench: bad line from the receiver: %.200s\n", line);
    }
    if (parser)
        g_object_unref(parser);
}

static gboolean
sender_on_child_out(GIOChannel *ch, GIOCondition cond, gpointer data)
{
    g_autofree char *line = NULL;
    gsize len = 0, term = 0;
    GIOStatus st = g_io_channel_read_line(ch, &line, &len, &term, NULL);

    if (st == G_IO_STATUS_NORMAL) {
        if (term)
            line[term] = 0;
        if (len)
            sender_handle(line);
        return G_SOURCE_CONTINUE;
    }
    if (st == G_IO_STATUS_AGAIN)
        return G_SOURCE_CONTINUE;
    if (!S.rx_done) {
        fprintf(stderr, "webrtc-bench: the receiver exited during '%s'\n", S.phase);
        S.failed = 1;
        g_main_loop_quit(S.loop);
    }
    return G_SOURCE_REMOVE;
}

static gboolean
sender_timeout(gpointer data)
{
    fprintf(stderr, "webrtc-bench: timed out after %u s during '%s'\n", S.cfg.timeout_s, S.phase);
    S.failed = 1;
    g_main_loop_quit(S.loop);
    return G_SOURCE_REMOVE;
}

/* The stream.webrtc factory, with the peer ops it must have. */
static const gh_backend_factory *
load_factory(const char *so)
{
    const gh_backend_factory *f = bench_load_factory("webrtc-bench", so, "stream.webrtc");

    if (f && (!f->stream || f->stream->version < 2 || !f->stream->peer_open || !f->stream->peer_message)) {
        fprintf(stderr, "webrtc-bench: %s: stream.webrtc has no peer ops\n", so);
        return NULL;
    }
    return f;
}

/* ---- results ---- */

/* A frame sent: its capture, the times it left appsrc, entered and left
 * the encoder (0: not seen), and its first packet out of the payloader. */
typedef struct {
    uint64_t cap, t_pay, t_src, t_enc_in, t_enc_out;
} frame_out;

static int
cmp_frame_out(const void *a, const void *b)
{
    uint64_t x = ((const frame_out *)a)->cap, y = ((const frame_out *)b)->cap;
    return x < y ? -1 : x > y;
}

/* The window's push of frame number key (by_cap: captured at key), or NULL
 * (pushed before the window). */
static const push_rec *
push_find(uint64_t key, int by_cap)
{
    GArray *pushes = S.pushes; /* ascending frame numbers and capture times */
    guint lo = 0, hi = pushes->len;

    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        const push_rec *p = &g_array_index(pushes, push_rec, mid);
        uint64_t v = by_cap ? p->t_cap : p->frame;
        if (v == key)
            return p;
        if (v < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Per frame from the probes: encode time (encoder sink -> src, same PTS)
 * and (capture time, first packet out of the payloader).  The push a
 * frame came from is the one whose stamp the appsrc probe read under the
 * frame's pts: exact, whatever pts the plugin gave it and whichever
 * frames the plugin or appsrc dropped.  *unmatched counts the payloaded
 * frames with no push of the window (pushed before it opened, or read
 * without a stamp). */
static void
probe_results(GArray *enc_ms, GArray *outs, unsigned *unmatched)
{
    GHashTableIter it;
    gpointer v;
    const push_rec *p;

    *unmatched = 0;
    g_mutex_lock(&S.push_lock);
    g_hash_table_iter_init(&it, S.probes);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        frame_probe *fp = v;
        if (fp->t_enc_in && fp->t_enc_out) {
            double e = (double)(fp->t_enc_out - fp->t_enc_in) / 1e6;
            g_array_append_val(enc_ms, e);
        }
        if (!fp->t_pay)
            continue;
        if (!fp->has_frame || !(p = push_find(fp->frame, fp->by_cap))) {
            (*unmatched)++;
            continue;
        }
        frame_out o = { p->t_cap, fp->t_pay, fp->t_src, fp->t_enc_in, fp->t_enc_out };
        g_array_append_val(outs, o);
    }
    g_mutex_unlock(&S.push_lock);
    g_array_sort(outs, cmp_frame_out);
}

typedef struct {
    GArray *in_frame, *in_pkt; /* ms */
    unsigned n, no_frame, no_packet, later_frame;
} input_results;

/* Each input of the window: its frame is the first one the guest drew
 * after applying it (what the relay's input counter tells the plugin);
 * its packet, the first payloaded packet of that frame or, when that frame
 * was never sent, of the first later frame sent (it shows the input too). */
static void
input_latencies(GArray *outs, input_results *r)
{
    r->in_frame = g_array_new(FALSE, FALSE, sizeof(double));
    r->in_pkt = g_array_new(FALSE, FALSE, sizeof(double));
    g_mutex_lock(&S.input_lock);
    for (guint i = 0; i < S.inputs->len; i++) {
        input_rec *in = &g_array_index(S.inputs, input_rec, i);
        if (in->t_input < S.w_start || in->t_input > S.w_end)
            continue;
        r->n++;
        if (!in->t_frame) {
            r->no_frame++;
            continue;
        }
        double f = (double)(in->t_frame - in->t_input) / 1e6;
        g_array_append_val(r->in_frame, f);
        guint lo = 0, hi = outs->len; /* first frame sent captured at or after t_frame */
        while (lo < hi) {
            guint mid = (lo + hi) / 2;
            if (g_array_index(outs, frame_out, mid).cap < in->t_frame)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == outs->len) {
            r->no_packet++;
            continue;
        }
        frame_out *o = &g_array_index(outs, frame_out, lo);
        if (o->cap != in->t_frame)
            r->later_frame++;
        /* Signed: a negative latency would be a matching bug, to be seen. */
        double pk = ((double)o->t_pay - (double)in->t_input) / 1e6;
        g_array_append_val(r->in_pkt, pk);
    }
    g_mutex_unlock(&S.input_lock);
}

/* The plugin's own latency_log (t_input_ns,t_frame_ns,t_sent_ns,encode_ns
 * per input), as a cross-check: lines of the window and their input→sent
 * p50. */
static void
plugin_log_check(unsigned *lines, double *p50)
{
    g_autofree char *path = g_build_filename(S.host.session_dir, "latency.csv", NULL);
    g_autofree char *text = NULL;
    GArray *v = g_array_new(FALSE, FALSE, sizeof(double));

    *lines = 0;
    if (g_file_get_contents(path, &text, NULL, NULL)) {
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
            uint64_t ti, tf, ts, enc;
            if (sscanf(line, "%" SCNu64 ",%" SCNu64 ",%" SCNu64 ",%" SCNu64, &ti, &tf, &ts, &enc) != 4 ||
                ti < S.w_start || ti > S.w_end)
                continue;
            (*lines)++;
            double d = (double)(ts - ti) / 1e6;
            g_array_append_val(v, d);
        }
    }
    *p50 = percentile(v, 50);
    g_array_free(v, TRUE);
}

static void
print_header(void)
{
    printf("latency: | run | inputs measured / sent | input→frame p50 / p99 ms | input→packet p50 / p99 ms | "
           "capture→packet, every frame, p50 / p99 ms | encode p50 / p99 ms | push_frame p50 / p99 ms |\n");
    printf("latency: |---|---|---|---|---|---|---|\n");
    printf("load: | run | window s | frames pushed | ticks missed | into the pipeline (out of appsrc) | encoded | "
           "payloaded | decoded by receiver | dropped (pushed − encoded) | sender CPU %% of a core | of which frame drawing | receiver CPU %% | "
           "busy threads (sender) |\n");
    printf("load: |---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
}

#define P50_P99(buf, arr) fmt_ms((buf)[0], 16, percentile((arr), 50)), fmt_ms((buf)[1], 16, percentile((arr), 99))

/* Where capture→packet goes, per frame sent (stderr, under the tables'
 * numbers): waiting in appsrc's queue, from appsrc to the encoder (the
 * conversion, while the plugin had videoconvert there), and from the
 * encoder to the first packet. */
static void
print_stages(GArray *outs)
{
    GArray *v[3];
    char b[3][2][16];

    for (int k = 0; k < 3; k++)
        v[k] = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; i < outs->len; i++) {
        const frame_out *o = &g_array_index(outs, frame_out, i);
        double ms[3] = { ((double)o->t_src - (double)o->cap) / 1e6, ((double)o->t_enc_in - (double)o->t_src) / 1e6,
                         ((double)o->t_pay - (double)o->t_enc_out) / 1e6 };

        if (!o->t_src || !o->t_enc_in || !o->t_enc_out)
            continue;
        for (int k = 0; k < 3; k++)
            g_array_append_val(v[k], ms[k]);
    }
    fprintf(stderr,
            "webrtc-bench: %s: capture→packet by stage, p50 / p99 ms: push→out of appsrc %s / %s, appsrc→encoder "
            "%s / %s, encoder out→first packet %s / %s (%u frames)\n",
            S.cfg.label, P50_P99(b[0], v[0]), P50_P99(b[1], v[1]), P50_P99(b[2], v[2]), v[0]->len);
    for (int k = 0; k < 3; k++)
        g_array_free(v[k], TRUE);
}

static void
print_results(void)
{
    GArray *enc = g_array_new(FALSE, FALSE, sizeof(double));
    GArray *outs = g_array_new(FALSE, FALSE, sizeof(frame_out));
    GArray *cap = g_array_new(FALSE, FALSE, sizeof(double));
    input_results in = { 0 };
    char b[5][2][16];
    double wall = (double)(S.w_end - S.w_start) / 1e9;
    double cpu = (S.cpu_end - S.cpu_start) / wall * 100.0;
    uint64_t pushed = S.pushed1 - S.pushed0, encoded = S.enc1 - S.enc0, pay = S.pay1 - S.pay0;
    unsigned log_lines, unmatched;
    double log_p50, gen;
    GArray *push_ms;

    g_mutex_lock(&S.probe_lock);
    probe_results(enc, outs, &unmatched);
    g_mutex_unlock(&S.probe_lock);
    for (guint i = 0; i < outs->len; i++) {
        frame_out *o = &g_array_index(outs, frame_out, i);
        double c = ((double)o->t_pay - (double)o->cap) / 1e6;
        g_array_append_val(cap, c);
    }
    input_latencies(outs, &in);
    print_stages(outs);
    plugin_log_check(&log_lines, &log_p50);
    g_mutex_lock(&S.push_lock);
    push_ms = S.push_ms;
    gen = S.gen_cpu_s;
    g_mutex_unlock(&S.push_lock);

    fprintf(stderr,
            "webrtc-bench: %s: offer codec %s, encoder %s, payloader %s; inputs in window %u (no frame %u, no "
            "packet %u, packet of a later frame %u); frames payloaded and matched to their push %u (unmatched %u, "
            "unstamped out of appsrc %" PRIu64 "); peer_input took %" PRIu64 ", refused %" PRIu64
            "; receiver sent %" PRId64 " (%" PRId64 " before the channel opened); plugin latency_log: %u lines in "
            "the window, input→sent p50 %.2f ms\n",
            S.cfg.label, S.offer_codec[0] ? S.offer_codec : "none", S.encoder_name[0] ? S.encoder_name : "none",
            S.payloader_name[0] ? S.payloader_name : "none", in.n, in.no_frame, in.no_packet, in.later_frame,
            outs->len, unmatched, (uint64_t)atomic_load(&S.unstamped),
            (uint64_t)atomic_load(&S.inputs_seen), (uint64_t)atomic_load(&S.inputs_bad), S.rx_inputs_sent,
            S.rx_not_open, log_lines, log_p50);

    printf("latency: | %s | %u / %" PRId64 " | %s / %s | %s / %s | %s / %s | %s / %s | %s / %s |\n", S.cfg.label,
           in.in_pkt->len, S.rx_inputs_sent, P50_P99(b[0], in.in_frame), P50_P99(b[1], in.in_pkt),
           P50_P99(b[2], cap), P50_P99(b[3], enc), P50_P99(b[4], push_ms));
    printf("load: | %s | %.1f | %" PRIu64 " (%.1f/s) | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
           " | %" PRId64 " (%.1f/s) | %" PRId64 " | %.0f | %.1f | %.0f | %s |\n",
           S.cfg.label, wall, pushed, pushed / wall, S.miss1 - S.miss0, S.ent1 - S.ent0, encoded, pay, S.rx_decoded,
           S.rx_wall_s > 0 ? S.rx_decoded / S.rx_wall_s : 0.0, (int64_t)pushed - (int64_t)encoded, cpu,
           gen / wall * 100.0, S.rx_wall_s > 0 ? S.rx_cpu_s / S.rx_wall_s * 100.0 : 0.0,
           S.thread_report ? S.thread_report->str : "");
    fflush(stdout);

    if (S.cfg.raw_csv) {
        FILE *fp = fopen(S.cfg.raw_csv, "w");
        if (fp) {
            fprintf(fp, "kind,ms\n");
            for (guint i = 0; i < in.in_frame->len; i++)
                fprintf(fp, "input_frame,%.3f\n", g_array_index(in.in_frame, double, i));
            for (guint i = 0; i < in.in_pkt->len; i++)
                fprintf(fp, "input_packet,%.3f\n", g_array_index(in.in_pkt, double, i));
            for (guint i = 0; i < enc->len; i++)
                fprintf(fp, "encode,%.3f\n", g_array_index(enc, double, i));
            for (guint i = 0; i < cap->len; i++)
                fprintf(fp, "capture_packet,%.3f\n", g_array_index(cap, double, i));
            fclose(fp);
        }
    }
    g_array_free(enc, TRUE);
    g_array_free(outs, TRUE);
    g_array_free(cap, TRUE);
    g_array_free(in.in_frame, TRUE);
    g_array_free(in.in_pkt, TRUE);
}

static void
remove_tree(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(dir, name, NULL);
        g_unlink(p);
    }
    g_rmdir(dir);
}

static int
sender_main(config *cfg, const char *self)
{
    GError *err = NULL;
    GIOChannel *out_ch;
    int child_out = -1;
    char w[16], iv[16], rcpu[16];
    const char *codecs = g_ascii_strcasecmp(cfg->codec, "VP8") == 0 ? "VP8" : "H264,VP8";

    S.cfg = *cfg;
    S.phase = "connecting";
    S.child_in = -1;
    g_mutex_init(&S.send_lock);
    g_mutex_init(&S.push_lock);
    g_mutex_init(&S.probe_lock);
    S.pushes = g_array_new(FALSE, FALSE, sizeof(push_rec));
    g_mutex_init(&S.input_lock);
    S.inputs = g_array_new(FALSE, FALSE, sizeof(input_rec));
    S.push_ms = g_array_new(FALSE, FALSE, sizeof(double));
    S.probes = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    thread_names = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    S.host.cfg = &S.cfg;
    S.host.sources = g_hash_table_new(g_direct_hash, g_direct_equal);
    S.host.session_dir = g_dir_make_tmp("gh-webrtc-bench-XXXXXX", &err);
    if (!S.host.session_dir) {
        fprintf(stderr, "webrtc-bench: %s\n", err->message);
        return 1;
    }

    g_signal_add_emission_hook(g_signal_lookup("element-added", GST_TYPE_BIN), 0, on_element_added, NULL, NULL);
    S.factory = load_factory(cfg->plugin);
    if (!S.factory)
        return 1;

    snprintf(w, sizeof(w), "%u", cfg->tap);
    snprintf(iv, sizeof(iv), "%u", cfg->interval_ms);
    snprintf(rcpu, sizeof(rcpu), "%d", cfg->receiver_cpu);
    const char *argv[] = { self, "--receiver", "--codecs", codecs, "--tap", w, "--cpu", rcpu, NULL };
    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &S.child,
                                  &S.child_in, &child_out, NULL, &err)) {
        fprintf(stderr, "webrtc-bench: cannot start the receiver: %s\n", err->message);
        return 1;
    }
    pin_to_cpu(cfg->sender_cpu, "sender");

    S.loop = g_main_loop_new(NULL, FALSE);
    S.inst = S.factory->create(&S.host, &services);
    if (!S.inst) {
        fprintf(stderr, "webrtc-bench: create: %s\n", S.host.error);
        return 1;
    }
    int r = S.factory->stream->peer_open(S.inst, 1, GH_PEER_CONTROL);
    if (r < 0) {
        fprintf(stderr, "webrtc-bench: peer_open = %d: %s\n", r, S.host.error);
        return 1;
    }
    pthread_create(&S.frame_thread, NULL, frame_thread_main, NULL);
    S.frame_thread_started = 1;

    out_ch = g_io_channel_unix_new(child_out);
    g_io_add_watch(out_ch, G_IO_IN | G_IO_HUP | G_IO_ERR, sender_on_child_out, NULL);
    guint to = g_timeout_add_seconds(cfg->timeout_s, sender_timeout, NULL);
    g_main_loop_run(S.loop);
    g_source_remove(to);

    atomic_store(&S.stop_frames, 1);
    pthread_join(S.frame_thread, NULL);
    if (!S.failed)
        print_results();
    if (S.factory->stream->peer_close)
        S.factory->stream->peer_close(S.inst, 1);
    S.factory->destroy(S.inst);
    S.inst = NULL;
    {
        GHashTableIter it;
        gpointer k;
        g_hash_table_iter_init(&it, S.host.sources);
        while (g_hash_table_iter_next(&it, &k, NULL))
            g_source_remove(GPOINTER_TO_UINT(k));
    }

    g_mutex_lock(&S.send_lock);
    close(S.child_in);
    S.child_in = -1;
    g_mutex_unlock(&S.send_lock);
    /* The receiver exits on EOF; give it a moment, then insist. */
    for (int i = 0; i < 50; i++) {
        if (waitpid(S.child, NULL, WNOHANG) == S.child) {
            S.child = 0;
            break;
        }
        g_usleep(20000);
    }
    if (S.child) {
        kill(S.child, SIGKILL);
        waitpid(S.child, NULL, 0);
    }
    g_io_channel_unref(out_ch);
    if (getenv("WEBRTC_BENCH_KEEP"))
        fprintf(stderr, "webrtc-bench: kept %s\n", S.host.session_dir);
    else
        remove_tree(S.host.session_dir);
    return S.failed ? 1 : 0;
}

/* ---- command line ---- */

static void
usage(void)
{
    fprintf(stderr,
            "usage: webrtc-bench --header\n"
            "       webrtc-bench --plugin STREAM_WEBRTC_SO --size WxH [--codec H264|VP8] [--bitrate KBPS]\n"
            "                    [--fps 60] [--warmup-ms 2000] [--inputs 300] [--interval-ms 100]\n"
            "                    [--tail-ms 500] [--timeout-s 120] [--tap] [--label TEXT]\n"
            "                    [--sender-cpu N] [--receiver-cpu N] [--opt KEY=VALUE]... [--raw FILE]\n"
            "Run it in a network namespace with a non-loopback interface (bench/webrtc-bench.sh).\n");
}

static uint32_t
arg_u32(const char *s, const char *what)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || end == s || v > UINT32_MAX) {
        fprintf(stderr, "webrtc-bench: %s '%s' is not a number\n", what, s);
        exit(2);
    }
    return (uint32_t)v;
}

int
main(int argc, char **argv)
{
    config cfg = { .fps = 60, .codec = "H264", .bitrate = NULL, .warmup_ms = 2000, .inputs = 300,
                   .interval_ms = 100, .tail_ms = 500, .timeout_s = 120, .sender_cpu = -1, .receiver_cpu = -1 };
    const char *codecs = "H264,VP8";
    int receiver_role = 0, rx_cpu = -1;
    g_autofree char *label = NULL;

    cfg.extra = g_ptr_array_new();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                                                                                  \
    do {                                                                                                         \
        if (!v) {                                                                                                \
            usage();                                                                                             \
            return 2;                                                                                            \
        }                                                                                                        \
        i++;                                                                                                     \
    } while (0)
        if (strcmp(a, "--header") == 0) {
            print_header();
            return 0;
        } else if (strcmp(a, "--receiver") == 0) {
            receiver_role = 1;
        } else if (strcmp(a, "--codecs") == 0) {
            NEEDV();
            codecs = v;
        } else if (strcmp(a, "--cpu") == 0) {
            NEEDV();
            rx_cpu = atoi(v);
        } else if (strcmp(a, "--plugin") == 0) {
            NEEDV();
            cfg.plugin = v;
        } else if (strcmp(a, "--size") == 0) {
            NEEDV();
            if (sscanf(v, "%ux%u", &cfg.width, &cfg.height) != 2 || cfg.width < 64 || cfg.height < 64 ||
                cfg.width > 7680 || cfg.height > 4320) {
                fprintf(stderr, "webrtc-bench: bad --size '%s'\n", v);
                return 2;
            }
        } else if (strcmp(a, "--codec") == 0) {
            NEEDV();
            cfg.codec = v;
        } else if (strcmp(a, "--bitrate") == 0) {
            NEEDV();
            cfg.bitrate = v;
        } else if (strcmp(a, "--fps") == 0) {
            NEEDV();
            cfg.fps = arg_u32(v, "--fps");
        } else if (strcmp(a, "--warmup-ms") == 0) {
            NEEDV();
            cfg.warmup_ms = arg_u32(v, "--warmup-ms");
        } else if (strcmp(a, "--inputs") == 0) {
            NEEDV();
            cfg.inputs = arg_u32(v, "--inputs");
        } else if (strcmp(a, "--interval-ms") == 0) {
            NEEDV();
            cfg.interval_ms = arg_u32(v, "--interval-ms");
        } else if (strcmp(a, "--tail-ms") == 0) {
            NEEDV();
            cfg.tail_ms = arg_u32(v, "--tail-ms");
        } else if (strcmp(a, "--timeout-s") == 0) {
            NEEDV();
            cfg.timeout_s = arg_u32(v, "--timeout-s");
        } else if (strcmp(a, "--tap") == 0) {
            /* the receiver gets "--tap 0|1"; the sender a bare flag */
            if (v && (strcmp(v, "0") == 0 || strcmp(v, "1") == 0)) {
                cfg.tap = atoi(v);
                i++;
            } else {
                cfg.tap = 1;
            }
        } else if (strcmp(a, "--label") == 0) {
            NEEDV();
            cfg.label = v;
        } else if (strcmp(a, "--sender-cpu") == 0) {
            NEEDV();
            cfg.sender_cpu = atoi(v);
        } else if (strcmp(a, "--receiver-cpu") == 0) {
            NEEDV();
            cfg.receiver_cpu = atoi(v);
        } else if (strcmp(a, "--opt") == 0) {
            NEEDV();
            g_ptr_array_add(cfg.extra, (gpointer)v);
        } else if (strcmp(a, "--raw") == 0) {
            NEEDV();
            cfg.raw_csv = v;
        } else {
            usage();
            return 2;
        }
    }
    gst_init(NULL, NULL);
    if (receiver_role) {
        pin_to_cpu(rx_cpu, "receiver");
        return receiver_main(codecs, cfg.tap);
    }
    if (!cfg.plugin || !cfg.width || cfg.fps == 0 || cfg.fps > 240 || cfg.interval_ms < 10) {
        usage();
        return 2;
    }
    if (!cfg.label)
        cfg.label = label = g_strdup_printf("%s %ux%u@%u", cfg.codec, cfg.width, cfg.height, cfg.fps);
    return sender_main(&cfg, "/proc/self/exe");
}
