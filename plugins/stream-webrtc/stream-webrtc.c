/* stream-webrtc: the stream backend "stream.webrtc".  Plays the session to
 * browsers over WebRTC (docs/player.md): each viewer connected to the
 * session's signal endpoint gets its own pipeline (peer.c), the signaling
 * messages are parsed in signal-msg.c.  This file is the ABI glue: options,
 * the table of viewers, and which frames go to them.
 *
 * Options: fps (1..120, default the display's refresh, at most 60),
 * bitrate_kbps (100..100000, default 4000), stun_server (stun://host:port),
 * turn_server (turn(s)://user:password@host:port), latency_log (a plain file
 * name in the session dir: the benchmark's input-to-send log, latency.h),
 * audio_latency_log (likewise, the sound's received-to-send log,
 * audio-latency.h; off by default, bench/av-sync.sh turns it on),
 * playout_delay (on: the video asks the browser to show each frame once
 * decoded, playout-delay.h; off: the browser's own jitter buffer, which
 * holds the picture for the sound).  The default is on for a silent
 * session and off for one with sound: shown at once, the picture ran
 * 235 ms p50 ahead of the sound (bench/av-sync.sh, docs/performance.md),
 * and lip sync is worth the video's few frames of buffer there.
 *
 * A session with sound (host services 4, audio_format) also sends the
 * game's sound to each viewer as Opus and takes the player's microphone
 * (peer-audio.c); without, the viewers get the picture alone, as before.
 * What the guest sends its game pads (ABI 1.4: rumble, LEDs, plug and
 * unplug) goes to the player in control as signaling messages.
 *
 * Threads: the peer table is changed on the main thread and read by
 * push_frame on the pipeline thread, under `lock`.  push_audio runs on the
 * audio backend's thread, beside push_frame, and must not wait for a
 * frame's conversion: it reads its own list of viewers, under
 * `audio_lock` (taken inside `lock` when both are).  A closed viewer's
 * pipeline is stopped on a worker (`reaper`): stopping webrtcbin waits for
 * its threads, and the main loop waits for nobody. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <glib.h>
#include <gamehost/plugin-util.h>

#include "gst-frame.h"
#include "latency.h"
#include "peer.h"
#include "plugin-options.h"
#include "signal-msg.h"

#ifndef GH_PLUGIN_VERSION
#error "build with -DGH_PLUGIN_VERSION=\"...\""
#endif

#define SW_NAME            "stream.webrtc"
#define SW_FPS_MAX         120u
#define SW_FPS_DEFAULT_MAX 60u
#define SW_FPS_FALLBACK    30u
#define SW_BITRATE_DEFAULT 4000u
#define SW_BITRATE_MIN     100u
#define SW_BITRATE_MAX     100000u
#define SW_SERVER_MAX      512u
#define SW_SIDE_MAX        16384u
#define SW_ALIVE_CHECK_MS  1000u

typedef struct {
    uint32_t flags;              /* GH_PEER_* */
    sw_peer *peer;               /* NULL until its hello */
} sw_viewer;

/* What the guest last did with one of the session's pads (main thread). */
typedef struct {
    gboolean attached;
    int32_t led;                 /* -1: no LED command yet */
} sw_pad;

struct gh_instance {
    gh_host *host;
    gh_host_services svc;        /* the host's table, copied at our size */
    uint32_t fps, bitrate_kbps;
    char *stun_server, *turn_server;
    gboolean playout_delay;
    uint32_t codecs;             /* SW_CODEC_* installed */
    sw_latency *latency;         /* NULL: no latency_log */
    sw_audio_latency *audio_latency; /* NULL: no audio_latency_log */
    gboolean has_audio;          /* the session has sound, in this format: */
    sw_audio_format audio;
    GMutex lock;
    GHashTable *viewers;         /* peer number → sw_viewer*, under lock */
    GThreadPool *reaper;         /* stops closed viewers' pipelines */
    GMutex audio_lock;
    GPtrArray *audio_peers;      /* sw_peer* with sound, under audio_lock */
    sw_pad pads[GH_INPUT_MAX_PADS]; /* main thread */
    /* Pipeline thread only. */
    gf_pacer pacer;              /* pipeline thread */
    gf_converter *convert;       /* pipeline thread: frames to I420 */
};

static void
sw_error(gh_instance *inst, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
sw_error(gh_instance *inst, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    gh_host_error(inst->host, &inst->svc, SW_NAME, "%s", msg);
}

/* ---- options -------------------------------------------------------------- */

/* A URL for webrtcbin, of one of the schemes, with nothing that could end
 * it early or smuggle a second one. */
static int
sw_option_server(gh_host *host, const gh_host_services *svc, const char *key, const char *const *schemes,
                 const char *form, char **out)
{
    const char *value = svc->option ? svc->option(host, key) : NULL;
    gboolean ok = FALSE;

    if (!value)
        return 0;
    for (size_t i = 0; schemes[i]; i++)
        ok = ok || (g_str_has_prefix(value, schemes[i]) && strlen(value) > strlen(schemes[i]));
    for (const char *c = value; ok && *c; c++)
        ok = g_ascii_isgraph(*c);
    if (!ok || strlen(value) > SW_SERVER_MAX) {
        gh_host_error(host, svc, SW_NAME, "option %s must be %s (at most %u characters)", key, form, SW_SERVER_MAX);
        return -EINVAL;
    }
    *out = g_strdup(value);
    return 0;
}

/* Default: as many frames as the display makes, up to what a browser
 * shows smoothly without costing an encoder core per viewer. */
static uint32_t
sw_default_fps(gh_host *host, const gh_host_services *svc)
{
    uint32_t w = 0, h = 0, hz = 0;

    if (svc->display_size)
        svc->display_size(host, &w, &h, &hz);
    return hz == 0 ? SW_FPS_FALLBACK : MIN(hz, SW_FPS_DEFAULT_MAX);
}

static int
sw_option_on_off(gh_instance *inst, const char *key, gboolean fallback, gboolean *out)
{
    const char *value = inst->svc.option ? inst->svc.option(inst->host, key) : NULL;

    if (!value)
        *out = fallback;
    else if (strcmp(value, "on") == 0)
        *out = TRUE;
    else if (strcmp(value, "off") == 0)
        *out = FALSE;
    else {
        sw_error(inst, "option %s must be on or off", key);
        return -EINVAL;
    }
    return 0;
}

static int
sw_open_latency_logs(gh_instance *inst)
{
    BenchLog *log;
    int rc;

    if ((rc = bench_log_open(inst->host, &inst->svc, SW_NAME, "latency_log", &log)) < 0)
        return rc;
    if (log)
        inst->latency = sw_latency_new(log);
    if ((rc = bench_log_open(inst->host, &inst->svc, SW_NAME, "audio_latency_log", &log)) < 0)
        return rc;
    if (log)
        inst->audio_latency = sw_audio_latency_new(log);
    return 0;
}

static int
sw_read_options(gh_instance *inst)
{
    static const char *const stun[] = { "stun://", NULL };
    static const char *const turn[] = { "turn://", "turns://", NULL };
    gh_host *host = inst->host;
    const gh_host_services *svc = &inst->svc;

    if (po_uint(host, svc, SW_NAME, "fps", 1, SW_FPS_MAX, sw_default_fps(host, svc), &inst->fps) < 0 ||
        po_uint(host, svc, SW_NAME, "bitrate_kbps", SW_BITRATE_MIN, SW_BITRATE_MAX, SW_BITRATE_DEFAULT,
                &inst->bitrate_kbps) < 0 ||
        sw_option_server(host, svc, "stun_server", stun, "stun://host:port", &inst->stun_server) < 0 ||
        sw_option_server(host, svc, "turn_server", turn, "turn://user:password@host:port or turns://…",
                         &inst->turn_server) < 0 ||
        sw_option_on_off(inst, "playout_delay", !inst->has_audio, &inst->playout_delay) < 0)
        return -EINVAL;
    return sw_open_latency_logs(inst);
}

/* The session's sound, if it has any.  A 1.2 host's table ends before
 * audio_format, and a session without an audio backend answers -ENODEV:
 * both stream the picture alone. */
static int
sw_read_audio(gh_instance *inst)
{
    uint32_t format = 0, rate = 0, channels = 0;
    g_autofree char *why = NULL;
    int rc;

    if (inst->svc.version < 4 || !GH_STRUCT_HAS(&inst->svc, gh_host_services, audio_format) || !inst->svc.audio_format)
        return 0;
    if ((rc = inst->svc.audio_format(inst->host, &format, &rate, &channels)) < 0) {
        if (rc != -ENODEV)
            gh_host_log(inst->host, &inst->svc, GH_LOG_WARNING, "no sound: the host cannot say its format (%s)",
                        g_strerror(-rc));
        return 0;
    }
    if (format != GH_AUDIO_S16LE || rate < GH_AUDIO_MIN_RATE || rate > GH_AUDIO_MAX_RATE || channels < 1 ||
        channels > GH_AUDIO_MAX_CHANNELS) {
        sw_error(inst, "cannot send sound of format %u at %u Hz with %u channels (S16LE, %u to %u Hz, 1 or 2 channels)",
                 format, rate, channels, GH_AUDIO_MIN_RATE, GH_AUDIO_MAX_RATE);
        return -EINVAL;
    }
    if (sw_audio_check_elements(&why) < 0) {
        sw_error(inst, "the session has sound, but %s", why);
        return -ENOENT;
    }
    inst->has_audio = TRUE;
    inst->audio = (sw_audio_format){ .rate = rate, .channels = channels };
    return 0;
}

/* ---- the backend ------------------------------------------------------------ */

static void
sw_reap(gpointer data, gpointer user_data)
{
    (void)user_data;
    sw_peer_free(data);
}

static void
sw_viewer_free(gpointer data)
{
    g_free(data);
}

static void sw_destroy(gh_instance *inst);

/* Main thread, every SW_ALIVE_CHECK_MS: viewers that stopped answering
 * are failed (peer.h), whether or not frames are flowing. */
static int
sw_check_viewers(void *data)
{
    gh_instance *inst = data;
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&inst->lock);
    GHashTableIter it;
    sw_viewer *v;

    g_hash_table_iter_init(&it, inst->viewers);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&v))
        if (v->peer)
            sw_peer_check_alive(v->peer);
    return 1;
}


static gh_instance *
sw_create(gh_host *host, const gh_host_services *services)
{
    g_autofree char *why = NULL;
    gh_instance *inst = g_new0(gh_instance, 1);

    inst->host = host;
    /* An older host's table ends early; what it lacks reads as NULL. */
    gh_host_services_copy(&inst->svc, services);
    g_mutex_init(&inst->lock);
    inst->viewers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, sw_viewer_free);
    inst->reaper = g_thread_pool_new(sw_reap, NULL, 1, FALSE, NULL);
    g_mutex_init(&inst->audio_lock);
    inst->audio_peers = g_ptr_array_new();
    inst->convert = gf_converter_new(gf_cpu_threads());
    for (size_t i = 0; i < GH_INPUT_MAX_PADS; i++)
        inst->pads[i].led = -1;
    if (inst->svc.version < 3 || !inst->svc.signal_send || !inst->svc.peer_input || !inst->svc.peer_close) {
        sw_error(inst, "the host offers no signaling for players (it needs plugin ABI 1.2)");
        goto fail;
    }
    if (gf_init_gst(&why) < 0 || sw_peer_check_elements(&why) < 0) {
        sw_error(inst, "%s", why);
        goto fail;
    }
    if (!(inst->codecs = sw_peer_codecs_available())) {
        sw_error(inst, "no video encoder installed: x264enc (Debian package gstreamer1.0-plugins-ugly) or "
                       "vp8enc (gstreamer1.0-plugins-good)");
        goto fail;
    }
    /* The sound first: the playout delay's default depends on it. */
    if (sw_read_audio(inst) < 0 || sw_read_options(inst) < 0)
        goto fail;
    /* Removed by the host at destroy. */
    if (inst->svc.add_timer && !inst->svc.add_timer(host, SW_ALIVE_CHECK_MS, sw_check_viewers, inst)) {
        sw_error(inst, "cannot add the timer that checks viewers are still there");
        goto fail;
    }
    return inst;
fail:
    sw_destroy(inst);
    return NULL;
}

static sw_viewer *
sw_viewer_get(gh_instance *inst, uint32_t peer)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&inst->lock);

    return g_hash_table_lookup(inst->viewers, GUINT_TO_POINTER(peer));
}

static int
sw_peer_open(gh_instance *inst, uint32_t peer, uint32_t flags)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&inst->lock);
    sw_viewer *v;

    /* No limit of our own: the host bounds the viewers ([sessions]
     * max_viewers), and each costs an encoder, which it knows. */
    if (peer == 0 || g_hash_table_contains(inst->viewers, GUINT_TO_POINTER(peer))) {
        sw_error(inst, "viewer %u is already open", peer);
        return -EEXIST;
    }
    v = g_new0(sw_viewer, 1);
    v->flags = flags;
    g_hash_table_insert(inst->viewers, GUINT_TO_POINTER(peer), v);
    return 0;
}

static int
sw_hello(gh_instance *inst, uint32_t peer, sw_viewer *v, const sw_msg *msg)
{
    g_autofree char *why = NULL;
    sw_peer_config config = {
        .host = inst->host,
        .svc = &inst->svc,
        .id = peer,
        .fps = inst->fps,
        .bitrate_kbps = inst->bitrate_kbps,
        .stun_server = inst->stun_server,
        .turn_server = inst->turn_server,
        .latency = inst->latency,
        .audio_latency = inst->audio_latency,
        .playout_delay = inst->playout_delay,
        .audio = inst->has_audio ? &inst->audio : NULL,
    };
    sw_peer *p;

    if (v->peer) {
        sw_error(inst, "hello: the offer was made already; reconnect to start over");
        return -EALREADY;
    }
    if (sw_codec_choose(msg->codecs, inst->codecs, &config.codec, &why) < 0) {
        sw_error(inst, "%s", why);
        return -EINVAL;
    }
    if (!(p = sw_peer_new(&config, &why))) {
        sw_error(inst, "cannot start the stream: %s", why);
        return -EIO;
    }
    g_mutex_lock(&inst->lock);
    v->peer = p;
    if (inst->has_audio) {
        g_mutex_lock(&inst->audio_lock);
        g_ptr_array_add(inst->audio_peers, p);
        g_mutex_unlock(&inst->audio_lock);
    }
    g_mutex_unlock(&inst->lock);
    return 0;
}

static int
sw_mic_message(gh_instance *inst, sw_viewer *v, const sw_msg *msg)
{
    if (!inst->has_audio) {
        sw_error(inst, "mic: this session has no sound, and no microphone to speak into");
        return -ENODEV;
    }
    if (!v->peer) {
        sw_error(inst, "mic: no offer was made yet (send hello first)");
        return -EINVAL;
    }
    sw_peer_mic(v->peer, msg->on);
    return 0;
}

/* Under `lock`: the viewer's pipeline leaves the lists and goes to be
 * stopped. */
static void
sw_viewer_reap(gh_instance *inst, sw_viewer *v)
{
    if (!v->peer)
        return;
    g_mutex_lock(&inst->audio_lock);
    g_ptr_array_remove_fast(inst->audio_peers, v->peer);
    g_mutex_unlock(&inst->audio_lock);
    sw_peer_detach(v->peer);
    g_thread_pool_push(inst->reaper, v->peer, NULL);
    v->peer = NULL;
}

static int
sw_peer_message(gh_instance *inst, uint32_t peer, const char *message)
{
    g_auto(sw_msg) msg = { 0 };
    g_autofree char *why = NULL;
    sw_viewer *v = sw_viewer_get(inst, peer);

    if (!v) {
        sw_error(inst, "viewer %u is not open", peer);
        return -ENOENT;
    }
    if (sw_msg_parse(message, inst->has_audio ? SW_PEER_MLINES_AUDIO : SW_PEER_MLINES, &msg, &why) < 0) {
        sw_error(inst, "%s", why);
        return -EINVAL;
    }
    if (msg.type == SW_MSG_HELLO)
        return sw_hello(inst, peer, v, &msg);
    if (msg.type == SW_MSG_KEYFRAME) {
        if (v->peer)
            sw_peer_keyframe(v->peer);
        return 0;
    }
    if (msg.type == SW_MSG_MIC)
        return sw_mic_message(inst, v, &msg);
    if (!v->peer) {
        sw_error(inst, "%s: no offer was made yet (send hello first)", msg.type == SW_MSG_ANSWER ? "answer" : "ice");
        return -EINVAL;
    }
    if (msg.type == SW_MSG_ICE) {
        sw_peer_add_ice(v->peer, msg.mline, msg.candidate);
        return 0;
    }
    if (sw_peer_answer(v->peer, msg.sdp, &why) < 0) {
        sw_error(inst, "%s", why);
        return -EINVAL;
    }
    /* The viewer is about to connect; the keyframe that matters is the one
     * at connection (peer.c), this one costs little. */
    sw_peer_keyframe(v->peer);
    return 0;
}

static void
sw_peer_close(gh_instance *inst, uint32_t peer)
{
    sw_viewer *v;

    g_mutex_lock(&inst->lock);
    v = g_hash_table_lookup(inst->viewers, GUINT_TO_POINTER(peer));
    if (v)
        sw_viewer_reap(inst, v);
    g_hash_table_remove(inst->viewers, GUINT_TO_POINTER(peer));
    g_mutex_unlock(&inst->lock);
}

static void
sw_request_keyframe(gh_instance *inst)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&inst->lock);
    GHashTableIter it;
    sw_viewer *v;

    g_hash_table_iter_init(&it, inst->viewers);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&v))
        if (v->peer)
            sw_peer_keyframe(v->peer);
}

/* ---- game pads (ABI 1.4, main thread) ------------------------------------------- */

/* The guest's feedback for the session's pads goes to the player in
 * control as a signaling message: a rumble to play, or what the pad
 * indicator shows (plugged in, and the LED). */
static void
sw_pad_feedback(gh_instance *inst, uint32_t peer, const gh_pad_feedback *fb)
{
    g_autofree char *message = NULL;
    sw_pad *pad;
    int rc;

    if (!GH_STRUCT_HAS(fb, gh_pad_feedback, timestamp_ns) || fb->pad >= GH_INPUT_MAX_PADS)
        return;
    pad = &inst->pads[fb->pad];
    if (fb->kind == GH_PAD_RUMBLE) {
        message = sw_msg_rumble(fb->pad, fb->strong, fb->weak);
    } else {
        if (fb->kind == GH_PAD_ATTACHED || fb->kind == GH_PAD_DETACHED)
            pad->attached = fb->kind == GH_PAD_ATTACHED;
        else if (fb->kind == GH_PAD_LED)
            pad->led = (int32_t)MIN(fb->led, (uint32_t)G_MAXINT32);
        else
            return;
        message = sw_msg_pad(fb->pad, pad->attached, pad->led);
    }
    /* A player that just left misses it; nothing to do about that. */
    if ((rc = inst->svc.signal_send(inst->host, peer, message)) < 0 && rc != -ENOENT)
        gh_host_log(inst->host, &inst->svc, GH_LOG_WARNING, "pad feedback for viewer %u not sent: %s", peer,
                    g_strerror(-rc));
}

/* ---- frames (pipeline thread) ------------------------------------------------- */

static int
sw_check_frame(gh_instance *inst, const gh_frame *frame)
{
    if (!frame || !frame->data) {
        sw_error(inst, "push_frame without a frame");
        return -EINVAL;
    }
    if (!gf_frame_usable(frame, SW_SIDE_MAX)) {
        sw_error(inst, "cannot encode a %ux%u frame of format %u with stride %u (BGRX or RGBX, up to %ux%u)",
                 frame->width, frame->height, frame->format, frame->stride, SW_SIDE_MAX, SW_SIDE_MAX);
        return -EINVAL;
    }
    return 0;
}

/* The rate limit, by capture time (gf_pacer). */
static gboolean
sw_keep_frame(gh_instance *inst, const gh_frame *frame)
{
    return gf_pacer_keep(&inst->pacer, frame->timestamp_ns, inst->fps);
}

/* The frame's capture time travels with its buffer, for probes that tie
 * a buffer in the pipeline to its capture (bench/webrtc-bench): the pixels
 * no longer say, once converted. */
static void
sw_tag_capture(GstBuffer *buf, const gh_frame *frame)
{
    static GstStaticCaps capture = GST_STATIC_CAPS("timestamp/x-gamehost-capture");
    /* A reference of our own each call (transfer full); the meta takes its own. */
    g_autoptr(GstCaps) reference = gst_static_caps_get(&capture);

    gst_buffer_add_reference_timestamp_meta(buf, reference, frame->timestamp_ns, GST_CLOCK_TIME_NONE);
}

static int
sw_push_frame(gh_instance *inst, const gh_frame *frame)
{
    g_autoptr(GMutexLocker) locker = NULL;
    g_autoptr(GstBuffer) buf = NULL;
    GstCaps *caps = NULL;
    GHashTableIter it;
    gpointer key;
    sw_viewer *v;
    uint32_t due = 0;
    int rc;

    if ((rc = sw_check_frame(inst, frame)) < 0)
        return rc;
    if (!sw_keep_frame(inst, frame))
        return 0;
    if (inst->latency && frame->struct_size >= offsetof(gh_frame, input_events) + sizeof(frame->input_events))
        due = sw_latency_frame(inst->latency, frame->input_events,
                               inst->svc.now_ns ? inst->svc.now_ns(inst->host) : frame->timestamp_ns);
    locker = g_mutex_locker_new(&inst->lock);
    g_hash_table_iter_init(&it, inst->viewers);
    while (g_hash_table_iter_next(&it, &key, (gpointer *)&v)) {
        if (!v->peer || !sw_peer_streaming(v->peer))
            continue;
        /* The one copy of the borrowed frame, converted for the encoders
         * as it is made, for the first viewer that takes it; the others
         * share its memory. */
        if (!buf) {
            if (!(buf = gf_converter_run(inst->convert, frame, inst->fps, &caps))) {
                sw_error(inst, "cannot convert a %ux%u frame to I420", frame->width, frame->height);
                return -ENOMEM;
            }
            sw_tag_capture(buf, frame);
        }
        sw_peer_push(v->peer, buf, caps, frame->timestamp_ns, GPOINTER_TO_UINT(key) == due);
    }
    return 0;
}

/* ---- sound (the audio backend's thread) ------------------------------------------- */

static int
sw_push_audio(gh_instance *inst, const gh_audio_chunk *chunk)
{
    g_autoptr(GMutexLocker) locker = NULL;
    g_autoptr(GstBuffer) buf = NULL;
    uint64_t duration;

    if (!GH_STRUCT_HAS(chunk, gh_audio_chunk, data) || !inst->has_audio) {
        sw_error(inst, "push_audio without a chunk, or for a session without sound");
        return -EINVAL;
    }
    /* The host refuses chunks of another format before they come here;
     * nothing to send is nothing to do. */
    if (chunk->n_frames == 0 || !chunk->data)
        return 0;
    if (chunk->format != GH_AUDIO_S16LE || chunk->rate != inst->audio.rate || chunk->channels != inst->audio.channels) {
        sw_error(inst, "push_audio: a chunk of format %u at %u Hz with %u channels, not the session's %u Hz with %u",
                 chunk->format, chunk->rate, chunk->channels, inst->audio.rate, inst->audio.channels);
        return -EINVAL;
    }
    duration = gst_util_uint64_scale(chunk->n_frames, GST_SECOND, chunk->rate);
    if (inst->audio_latency)
        sw_audio_latency_chunk(inst->audio_latency, chunk->timestamp_ns, duration);
    locker = g_mutex_locker_new(&inst->audio_lock);
    for (guint i = 0; i < inst->audio_peers->len; i++) {
        sw_peer *p = g_ptr_array_index(inst->audio_peers, i);

        if (!sw_peer_streaming(p))
            continue;
        /* One copy of the borrowed chunk, for every viewer that takes it. */
        if (!buf)
            buf = sw_audio_buffer_new(chunk);
        sw_peer_push_audio(p, buf, chunk->timestamp_ns, duration);
    }
    return 0;
}

static void
sw_destroy(gh_instance *inst)
{
    GHashTableIter it;
    sw_viewer *v;

    if (!inst)
        return;
    g_mutex_lock(&inst->lock);
    g_hash_table_iter_init(&it, inst->viewers);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&v))
        sw_viewer_reap(inst, v);
    g_hash_table_remove_all(inst->viewers);
    g_mutex_unlock(&inst->lock);
    /* Every pipeline stopped: no callback of theirs reaches the host after
     * this returns. */
    g_thread_pool_free(inst->reaper, FALSE, TRUE);
    g_hash_table_unref(inst->viewers);
    g_mutex_clear(&inst->lock);
    g_ptr_array_unref(inst->audio_peers);
    g_mutex_clear(&inst->audio_lock);
    if (inst->latency && inst->svc.log) {
        g_autofree char *msg = g_strdup_printf("stream.webrtc: latency log: %" G_GUINT64_FORMAT " lines, %"
                                               G_GUINT64_FORMAT " input messages whose frame never went out",
                                               sw_latency_written(inst->latency), sw_latency_lost(inst->latency));
        inst->svc.log(inst->host, GH_LOG_INFO, msg);
    }
    if (inst->audio_latency && inst->svc.log) {
        g_autofree char *msg = g_strdup_printf("stream.webrtc: audio latency log: %" G_GUINT64_FORMAT " lines, %"
                                               G_GUINT64_FORMAT " chunks no packet carried",
                                               sw_audio_latency_written(inst->audio_latency),
                                               sw_audio_latency_lost(inst->audio_latency));
        inst->svc.log(inst->host, GH_LOG_INFO, msg);
    }
    sw_latency_free(inst->latency);
    sw_audio_latency_free(inst->audio_latency);
    gf_converter_free(inst->convert);
    g_free(inst->stun_server);
    g_free(inst->turn_server);
    g_free(inst);
}

static const gh_stream_ops sw_stream_ops = {
    .struct_size = sizeof(gh_stream_ops),
    .version = GH_STREAM_OPS_VERSION,
    .push_frame = sw_push_frame,
    .request_keyframe = sw_request_keyframe,
    .peer_open = sw_peer_open,
    .peer_message = sw_peer_message,
    .peer_close = sw_peer_close,
    .push_audio = sw_push_audio,
    .pad_feedback = sw_pad_feedback,
};

static const gh_backend_factory sw_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_STREAM,
    .name = SW_NAME,
    .description = "plays the session to browsers over WebRTC (H.264 or VP8, Opus sound, input on a data channel, "
                   "the player's microphone)",
    .create = sw_create,
    .destroy = sw_destroy,
    .stream = &sw_stream_ops,
};

static const gh_backend_factory *const sw_factories[] = { &sw_factory };

static const gh_plugin sw_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "stream-webrtc",
    .version = GH_PLUGIN_VERSION,
    .license = "MIT",
    .factories = sw_factories,
};

GH_PLUGIN_DEFINE(sw_plugin)
