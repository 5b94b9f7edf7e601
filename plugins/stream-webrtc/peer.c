/* peer: see peer.h.  The peer is reference counted: the offer promise, the
 * bus handler, the pad probes and the data channel handlers each hold one,
 * so a webrtcbin thread finishing a callback after sw_peer_free never
 * touches freed memory; the flag `detached` keeps those late callbacks from
 * the host, whose handle goes at destroy. */
#include "peer-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <gst/app/gstappsrc.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>

#include "gst-frame.h"
#include "playout-delay.h"
#include "signal-msg.h"

/* Raw frames waiting for a behind encoder: two at most, the oldest dropped,
 * so a slow viewer sees fewer frames rather than older ones.  The bound is
 * in frames only: appsrc's default byte bound (200 kB) is less than one
 * 320x240 frame, and made the queue one frame long. */
#define SW_QUEUE_FRAMES  2u
#define SW_RTP_PT        96
/* The video's one RTP header extension (ids 1-14 fit the one-byte form). */
#define SW_EXT_PLAYOUT_DELAY 1
/* A viewer's refused input is logged at most this often. */
#define SW_REFUSAL_LOG_NS (10u * G_GUINT64_CONSTANT(1000000000))

static const gf_element sw_common_elements[] = {
    { "appsrc", "gstreamer1.0-plugins-base" },
    { "webrtcbin", "gstreamer1.0-plugins-bad" },
    { "nicesrc", "gstreamer1.0-nice" },
    { "dtlssrtpenc", "gstreamer1.0-plugins-bad" },
    { "srtpenc", "gstreamer1.0-plugins-bad" },
    { "sctpenc", "gstreamer1.0-plugins-bad" },
    { "rtpbin", "gstreamer1.0-plugins-good" },
};

uint32_t
sw_peer_codecs_available(void)
{
    uint32_t codecs = 0;

    if (gf_have_element("x264enc") && gf_have_element("rtph264pay"))
        codecs |= SW_CODEC_H264;
    if (gf_have_element("vp8enc") && gf_have_element("rtpvp8pay"))
        codecs |= SW_CODEC_VP8;
    return codecs;
}

int
sw_peer_check_elements(char **error_msg)
{
    return gf_check_elements(sw_common_elements, G_N_ELEMENTS(sw_common_elements), error_msg);
}

/* ---- references and the host ----------------------------------------------- */

sw_peer *
sw_peer_ref(sw_peer *peer)
{
    g_atomic_int_inc(&peer->refs);
    return peer;
}

void
sw_peer_unref(gpointer data)
{
    sw_peer *peer = data;

    if (!g_atomic_int_dec_and_test(&peer->refs))
        return;
    g_clear_pointer(&peer->caps, gst_caps_unref);
    g_free(peer);
}

void
sw_peer_unref_closure(gpointer data, GClosure *closure)
{
    (void)closure;
    sw_peer_unref(data);
}

gboolean
sw_peer_attached(sw_peer *peer)
{
    return !g_atomic_int_get(&peer->detached);
}

uint64_t
sw_now(sw_peer *peer)
{
    return peer->svc->now_ns ? peer->svc->now_ns(peer->host) : (uint64_t)g_get_monotonic_time() * 1000u;
}

void
sw_log(sw_peer *peer, uint32_t level, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (!peer->svc->log)
        return;
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    peer->svc->log(peer->host, level, msg);
}

void
sw_send(sw_peer *peer, const char *message)
{
    if (sw_peer_attached(peer))
        peer->svc->signal_send(peer->host, peer->id, message);
}

/* Ends the viewer through the host, which then calls peer_close: never
 * torn down here, on one of the pipeline's own threads. */
static void
sw_fail(sw_peer *peer, const char *reason)
{
    if (!sw_peer_attached(peer))
        return;
    sw_log(peer, GH_LOG_WARNING, "stream.webrtc: viewer %u: %s", peer->id, reason);
    peer->svc->peer_close(peer->host, peer->id, reason);
}

/* ---- webrtcbin's callbacks (its threads) ------------------------------------ */

static void
sw_on_offer(GstPromise *promise, gpointer data)
{
    sw_peer *peer = data;
    const GstStructure *reply = NULL;
    GstWebRTCSessionDescription *offer = NULL;
    g_autofree char *sdp = NULL, *msg = NULL;

    /* A change func owns the promise's last reference (GStreamer's
     * convention; the peer's reference goes with it).  Only a replied
     * promise has a reply to ask for: one interrupted at teardown has none. */
    if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED)
        reply = gst_promise_get_reply(promise);
    if (!reply || !gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL)) {
        sw_fail(peer, "webrtcbin could not create an offer");
        gst_promise_unref(promise);
        return;
    }
    if (peer->has_audio)
        sw_audio_offer_streams(offer->sdp);
    sdp = gst_sdp_message_as_text(offer->sdp);
    msg = sw_msg_offer(sdp, peer->codec);
    /* This runs on webrtcbin's operation thread, so set-local-description
     * (and with it ICE gathering) runs only after we return: no candidate
     * overtakes the offer, and an answer, however fast, queues behind it. */
    g_atomic_int_set(&peer->offer_sent, 1);
    g_signal_emit_by_name(peer->webrtc, "set-local-description", offer, NULL);
    sw_send(peer, msg);
    gst_webrtc_session_description_free(offer);
    gst_promise_unref(promise);
}

static void
sw_on_remote_set(GstPromise *promise, gpointer data)
{
    sw_peer *peer = data;
    const GstStructure *reply = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *msg = NULL;

    if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED)
        reply = gst_promise_get_reply(promise);
    if (!reply || !gst_structure_has_field(reply, "error")) {
        gst_promise_unref(promise);
        return;
    }
    gst_structure_get(reply, "error", G_TYPE_ERROR, &err, NULL);
    /* Asynchronous, so the host cannot answer it for us: the same error
     * message it would have sent. */
    msg = sw_msg_error("answer refused by webrtcbin");
    sw_log(peer, GH_LOG_WARNING, "stream.webrtc: viewer %u: answer refused: %s", peer->id,
           err ? err->message : "no reason given");
    sw_send(peer, msg);
    gst_promise_unref(promise);
}

static void
sw_on_ice_candidate(GstElement *webrtc, guint mline, const char *candidate, gpointer data)
{
    sw_peer *peer = data;
    g_autofree char *msg = sw_msg_ice(candidate, mline);

    (void)webrtc;
    sw_send(peer, msg);
}

static void
sw_on_connection_state(GObject *webrtc, GParamSpec *pspec, gpointer data)
{
    sw_peer *peer = data;
    GstWebRTCPeerConnectionState state;

    (void)pspec;
    g_object_get(webrtc, "connection-state", &state, NULL);
    if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED) {
        sw_log(peer, GH_LOG_INFO, "stream.webrtc: viewer %u connected (%s)", peer->id, sw_codec_name(peer->codec));
        sw_liveness_start(&peer->liveness, sw_now(peer));
        g_atomic_int_set(&peer->streaming, 1);
        /* Whatever came before never reached the viewer. */
        sw_peer_keyframe(peer);
    } else if (state == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED) {
        g_atomic_int_set(&peer->streaming, 0);
        sw_fail(peer, "the WebRTC connection failed");
    }
}

/* An RTCP report from the viewer (liveness.h). */
static void
sw_on_rtcp(GstElement *rtpbin, guint session, guint ssrc, gpointer data)
{
    sw_peer *peer = data;

    (void)rtpbin;
    (void)session;
    (void)ssrc;
    sw_liveness_heard(&peer->liveness, sw_now(peer));
}

/* webrtcbin 1.22 hides its rtpbin but keeps it as a child: "on-ssrc-active"
 * is emitted for every receiver or sender report that comes in. */
static gboolean
sw_watch_rtcp(sw_peer *peer)
{
    g_autoptr(GstIterator) it = gst_bin_iterate_elements(GST_BIN(peer->webrtc));
    g_auto(GValue) item = G_VALUE_INIT;
    gboolean found = FALSE;

    while (!found && gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
        GstElement *e = g_value_get_object(&item);
        GstElementFactory *f = gst_element_get_factory(e);

        if (f && g_str_equal(GST_OBJECT_NAME(f), "rtpbin")) {
            g_signal_connect_data(e, "on-ssrc-active", G_CALLBACK(sw_on_rtcp), sw_peer_ref(peer),
                                  sw_peer_unref_closure, 0);
            /* With sound, the sender reports tie each stream's RTP time to
             * its capture time (the buffers' running time, one basis for
             * both: sw_clock_running), which is what the browser lines up;
             * by default to the time it was sent, which adds each
             * encoder's own delay (about 10 ms for 10 ms Opus packets, a
             * frame's encoding for the picture). */
            if (peer->has_audio)
                g_object_set(e, "rtcp-sync-send-time", FALSE, NULL);
            found = TRUE;
        }
        g_value_reset(&item);
    }
    return found;
}

/* The host counts what it refuses and says why; this is only for the
 * operator's log, and a flooding viewer must not flood it: one line per
 * SW_REFUSAL_LOG_NS.  The data channel's thread only. */
static void
sw_input_refused(sw_peer *peer, uint64_t t, const char *why)
{
    uint64_t n = atomic_fetch_add(&peer->input_refused, 1) + 1;

    if (peer->last_refusal_log_ns != 0 && t - peer->last_refusal_log_ns < SW_REFUSAL_LOG_NS)
        return;
    peer->last_refusal_log_ns = t;
    sw_log(peer, GH_LOG_INFO, "stream.webrtc: viewer %u: input refused (%s); %" G_GUINT64_FORMAT " so far", peer->id,
           why, (guint64)n);
}

static void
sw_on_channel_text(GstWebRTCDataChannel *channel, const char *text, gpointer data)
{
    sw_peer *peer = data;
    uint64_t t = sw_now(peer);
    int n;

    (void)channel;
    if (!sw_peer_attached(peer) || !text)
        return;
    /* The host bounds the size (GH_SIGNAL_MAX_MESSAGE) before it reads a
     * byte, and counts what it refuses. */
    n = peer->svc->peer_input(peer->host, peer->id, text, strlen(text));
    if (n > 0) {
        if (peer->latency)
            sw_latency_input(peer->latency, peer->id, t, n);
        return;
    }
    sw_input_refused(peer, t, g_strerror(-n));
}

/* Input is text (docs/player.md), as on the signal endpoint, which refuses
 * binary frames too: never copied, never passed on. */
static void
sw_on_channel_data(GstWebRTCDataChannel *channel, GBytes *bytes, gpointer data)
{
    sw_peer *peer = data;

    (void)channel;
    (void)bytes;
    if (sw_peer_attached(peer))
        sw_input_refused(peer, sw_now(peer), "a binary message; input is JSON text");
}

static GstBusSyncReply
sw_on_bus(GstBus *bus, GstMessage *message, gpointer data)
{
    sw_peer *peer = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *debug = NULL, *reason = NULL;

    (void)bus;
    if (GST_MESSAGE_TYPE(message) != GST_MESSAGE_ERROR)
        return GST_BUS_DROP;
    gst_message_parse_error(message, &err, &debug);
    reason = g_strdup_printf("the stream failed: %s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), err->message);
    sw_fail(peer, reason);
    return GST_BUS_DROP;
}

/* ---- probes: encoder time, first packet out --------------------------------- */

static GstPadProbeReturn
sw_on_encoder_in(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    sw_peer *peer = data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);

    (void)pad;
    atomic_fetch_add(&peer->frames_encoder_in, 1);
    if (peer->timing_next == 0)
        peer->first_in_pts = GST_BUFFER_PTS(buf);
    peer->timing[peer->timing_next++ % SW_TIMING_SLOTS] = (sw_timing){ GST_BUFFER_PTS(buf), sw_now(peer) };
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
sw_on_encoder_out(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    sw_peer *peer = data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    uint64_t pts = GST_BUFFER_PTS(buf), now = sw_now(peer);

    (void)pad;
    /* No B-frames and no lookahead (zerolatency): the first frame out is
     * the first frame in. */
    if (!peer->shift_known) {
        peer->pts_shift = pts - peer->first_in_pts;
        peer->shift_known = TRUE;
    }
    pts -= peer->pts_shift;
    for (uint32_t i = 0; i < SW_TIMING_SLOTS; i++) {
        if (peer->timing[i].pts != pts || peer->timing[i].t == 0)
            continue;
        atomic_fetch_add(&peer->frames_sent, 1);
        atomic_fetch_add(&peer->encode_ns_total, now - peer->timing[i].t);
        if (peer->latency)
            sw_latency_encoded(peer->latency, peer->id, pts, now - peer->timing[i].t);
        peer->timing[i].t = 0;
        break;
    }
    return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
sw_on_rtp_out(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    sw_peer *peer = data;
    GstBuffer *buf = NULL;

    (void)pad;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
        buf = gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info))
                  ? gst_buffer_list_get(GST_PAD_PROBE_INFO_BUFFER_LIST(info), 0)
                  : NULL;
    else
        buf = GST_PAD_PROBE_INFO_BUFFER(info);
    if (buf && peer->latency && peer->shift_known)
        sw_latency_sent(peer->latency, peer->id, GST_BUFFER_PTS(buf) - peer->pts_shift, sw_now(peer));
    return GST_PAD_PROBE_OK;
}

static void
sw_probe(GstElement *element, const char *pad_name, GstPadProbeType type, GstPadProbeCallback fn, sw_peer *peer)
{
    g_autoptr(GstPad) pad = gst_element_get_static_pad(element, pad_name);

    gst_pad_add_probe(pad, type, fn, sw_peer_ref(peer), sw_peer_unref);
}

/* ---- building ------------------------------------------------------------------ */

/* webrtcbin (1.22) has a clocksync on each stream's way in, which holds a
 * buffer until its pts comes round on the pipeline clock.  Our frames are
 * live, pushed as they are captured, and their pts sit on the 1/fps grid
 * that x264enc wants (sw_peer_pts): rounded, and pushed a slot on when two
 * frames share one, so up to a frame ahead of the clock.  The wait held
 * the appsrc's thread, the next frame queued behind it, and a run's
 * capture→packet p50 was 5-10 or 17-30 ms by the grid's phase (issue 10's
 * "bimodal" runs: 12 ms waits on half the frames).  Nothing downstream
 * needs the pacing: send as soon as encoded. */
static void
sw_on_element_added(GstBin *bin, GstBin *sub, GstElement *element, gpointer data)
{
    GstElementFactory *f = gst_element_get_factory(element);

    (void)bin;
    (void)sub;
    (void)data;
    if (f && strcmp(GST_OBJECT_NAME(f), "clocksync") == 0)
        g_object_set(element, "sync", FALSE, NULL);
}

static GstElement *
sw_make(sw_peer *peer, const char *factory, char **error_msg)
{
    return gf_make(GST_BIN(peer->pipeline), factory, error_msg);
}

void
sw_peer_queue_setup(GstElement *appsrc)
{
    /* Timestamps are the pipeline's running time at push (push_frame). */
    g_object_set(appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "stream-type",
                 GST_APP_STREAM_TYPE_STREAM, "max-buffers", (guint64)SW_QUEUE_FRAMES, "max-bytes", (guint64)0,
                 "max-time", (guint64)0, "block", FALSE, NULL);
    gst_util_set_object_arg(G_OBJECT(appsrc), "leaky-type", "downstream");
}

/* Encoder, payloader and their caps for the peer's codec; *first and *last
 * are the ends of the chain. */
static gboolean
sw_build_codec(sw_peer *peer, const sw_peer_config *c, GstElement **first, GstElement **last, char **error_msg)
{
    GstElement *filter = NULL, *pay;
    g_autoptr(GstCaps) caps = NULL;
    /* A keyframe every 10 s only: a viewer gets one on connect, on a
     * keyframe message and on PLI/FIR, and NACK repairs loss, while each
     * periodic IDR frame is a latency spike (2 s: input→packet p99 26.9 ms
     * at 720p60, 10 s: 25.4 ms). */
    guint key_int = 10u * c->fps;

    if (c->codec == SW_CODEC_H264) {
        if (!(peer->enc = sw_make(peer, "x264enc", error_msg)) || !(filter = sw_make(peer, "capsfilter", error_msg)) ||
            !(pay = sw_make(peer, "rtph264pay", error_msg)))
            return FALSE;
        gst_util_set_object_arg(G_OBJECT(peer->enc), "tune", "zerolatency");
        gst_util_set_object_arg(G_OBJECT(peer->enc), "speed-preset", "ultrafast");
        g_object_set(peer->enc, "bitrate", (guint)c->bitrate_kbps, "key-int-max", key_int, NULL);
        /* What every browser decodes, in hardware too. */
        caps = gst_caps_from_string("video/x-h264,profile=constrained-baseline,stream-format=byte-stream");
        g_object_set(filter, "caps", caps, NULL);
        g_object_set(pay, "config-interval", -1, NULL);
        gst_util_set_object_arg(G_OBJECT(pay), "aggregate-mode", "zero-latency");
    } else {
        if (!(peer->enc = sw_make(peer, "vp8enc", error_msg)) || !(pay = sw_make(peer, "rtpvp8pay", error_msg)))
            return FALSE;
        gst_util_set_object_arg(G_OBJECT(peer->enc), "end-usage", "cbr");
        g_object_set(peer->enc, "deadline", (gint64)1, "cpu-used", 8, "lag-in-frames", 0, "threads", gf_cpu_threads(),
                     "target-bitrate", (gint)(c->bitrate_kbps * 1000u), "keyframe-max-dist", (gint)key_int, NULL);
        gst_util_set_object_arg(G_OBJECT(pay), "picture-id-mode", "15-bit");
    }
    g_object_set(pay, "pt", SW_RTP_PT, NULL);
    if (c->playout_delay) {
        /* 0/0: Chromium renders each frame once decoded, with no jitter
         * buffer delay (the low-latency path of cloud-gaming services). */
        g_autoptr(GstRTPHeaderExtension) ext = gst_object_ref_sink(sw_playout_delay_new(0, 0));

        gst_rtp_header_extension_set_id(ext, SW_EXT_PLAYOUT_DELAY);
        g_signal_emit_by_name(pay, "add-extension", ext);
    }
    if (filter && !gst_element_link(peer->enc, filter)) {
        *error_msg = g_strdup("cannot link the encoder to its caps");
        return FALSE;
    }
    if (!gst_element_link(filter ? filter : peer->enc, pay)) {
        *error_msg = g_strdup("cannot link the encoder to the payloader");
        return FALSE;
    }
    *first = peer->enc;
    *last = pay;
    return TRUE;
}

/* The video transceiver: send only, with NACK (and RTX, which webrtcbin
 * adds to the offer with it), and the codec preferred up front so the
 * offer can be made before the first frame. */
static gboolean
sw_link_webrtc(sw_peer *peer, GstElement *pay, char **error_msg)
{
    g_autoptr(GstPad) src = gst_element_get_static_pad(pay, "src");
    g_autoptr(GstPad) sink = gst_element_request_pad_simple(peer->webrtc, "sink_%u");
    g_autoptr(GstWebRTCRTPTransceiver) trans = NULL;
    g_autoptr(GstCaps) prefs = NULL;

    if (!sink || gst_pad_link(src, sink) != GST_PAD_LINK_OK) {
        *error_msg = g_strdup("cannot link the payloader to webrtcbin");
        return FALSE;
    }
    g_object_get(sink, "transceiver", &trans, NULL);
    prefs = gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name", G_TYPE_STRING,
                                sw_codec_name(peer->codec), "payload", G_TYPE_INT, SW_RTP_PT, "clock-rate", G_TYPE_INT,
                                90000, NULL);
    /* Level 5.2: x264enc refuses frame rates over the level's macroblock
     * rate (3.1 stops at 720p30); browsers decode it, and with level
     * asymmetry they accept a level above what they offer. */
    if (peer->codec == SW_CODEC_H264)
        gst_caps_set_simple(prefs, "packetization-mode", G_TYPE_STRING, "1", "profile-level-id", G_TYPE_STRING,
                            "42e034", "level-asymmetry-allowed", G_TYPE_STRING, "1", NULL);
    if (peer->playout_delay)
        gst_caps_set_simple(prefs, "extmap-" G_STRINGIFY(SW_EXT_PLAYOUT_DELAY), G_TYPE_STRING, SW_PLAYOUT_DELAY_URI,
                            NULL);
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "do-nack", TRUE,
                 "codec-preferences", prefs, NULL);
    sw_probe(peer->webrtc, GST_PAD_NAME(sink), GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, sw_on_rtp_out,
             peer);
    return TRUE;
}

static gboolean
sw_build(sw_peer *peer, const sw_peer_config *c, char **error_msg)
{
    GstElement *enc_first, *pay;

    /* Frames come in as I420 (gf_converter, once for every viewer). */
    if (!(peer->src = sw_make(peer, "appsrc", error_msg)) || !sw_build_codec(peer, c, &enc_first, &pay, error_msg) ||
        !(peer->webrtc = sw_make(peer, "webrtcbin", error_msg)))
        return FALSE;
    sw_peer_queue_setup(peer->src);
    gst_util_set_object_arg(G_OBJECT(peer->webrtc), "bundle-policy", "max-bundle");
    if (c->stun_server)
        g_object_set(peer->webrtc, "stun-server", c->stun_server, NULL);
    if (c->turn_server)
        g_object_set(peer->webrtc, "turn-server", c->turn_server, NULL);
    if (!gst_element_link(peer->src, enc_first)) {
        *error_msg = g_strdup("cannot link appsrc ! encoder");
        return FALSE;
    }
    if (!sw_link_webrtc(peer, pay, error_msg) || (peer->has_audio && !sw_peer_audio_build(peer, error_msg)))
        return FALSE;
    sw_probe(peer->enc, "sink", GST_PAD_PROBE_TYPE_BUFFER, sw_on_encoder_in, peer);
    sw_probe(peer->enc, "src", GST_PAD_PROBE_TYPE_BUFFER, sw_on_encoder_out, peer);
    g_signal_connect_data(peer->webrtc, "on-ice-candidate", G_CALLBACK(sw_on_ice_candidate), sw_peer_ref(peer),
                          sw_peer_unref_closure, 0);
    g_signal_connect_data(peer->webrtc, "notify::connection-state", G_CALLBACK(sw_on_connection_state),
                          sw_peer_ref(peer), sw_peer_unref_closure, 0);
    if (!sw_watch_rtcp(peer)) {
        *error_msg = g_strdup("webrtcbin has no rtpbin to watch the viewer's RTCP");
        return FALSE;
    }
    return TRUE;
}

/* Ordered and reliable, as input must be: a lost key release is a key
 * held forever. */
static gboolean
sw_open_channel(sw_peer *peer, char **error_msg)
{
    g_autoptr(GstStructure) opts = gst_structure_new("application/data-channel", "ordered", G_TYPE_BOOLEAN, TRUE, NULL);

    g_signal_emit_by_name(peer->webrtc, "create-data-channel", "input", opts, &peer->channel);
    if (!peer->channel) {
        *error_msg = g_strdup("webrtcbin could not create the data channel");
        return FALSE;
    }
    g_signal_connect_data(peer->channel, "on-message-string", G_CALLBACK(sw_on_channel_text), sw_peer_ref(peer),
                          sw_peer_unref_closure, 0);
    g_signal_connect_data(peer->channel, "on-message-data", G_CALLBACK(sw_on_channel_data), sw_peer_ref(peer),
                          sw_peer_unref_closure, 0);
    return TRUE;
}

/* The pipeline clock minus the host's, measured between two readings of
 * the host's: both are CLOCK_MONOTONIC on Linux (so this is about 0), but
 * nothing in the ABI says the host's must be. */
static int64_t
sw_clock_offset(sw_peer *peer, GstClock *clock)
{
    uint64_t before = sw_now(peer);
    GstClockTime t = gst_clock_get_time(clock);
    uint64_t after = sw_now(peer);

    return (int64_t)t - (int64_t)(before + (after - before) / 2);
}

sw_peer *
sw_peer_new(const sw_peer_config *c, char **error_msg)
{
    sw_peer *peer = g_new0(sw_peer, 1);
    g_autoptr(GstBus) bus = NULL;
    g_autoptr(GstClock) clock = gst_system_clock_obtain();
    g_autofree char *name = g_strdup_printf("stream-webrtc-%u", c->id);

    peer->refs = 1;
    peer->host = c->host;
    peer->svc = c->svc;
    peer->id = c->id;
    peer->codec = c->codec;
    peer->fps = c->fps;
    peer->playout_delay = c->playout_delay;
    peer->latency = c->latency;
    peer->audio_latency = c->audio_latency;
    peer->has_audio = c->audio != NULL;
    if (c->audio)
        peer->audio = *c->audio;
    peer->pipeline = gst_pipeline_new(name);
    /* What the pipeline would pick anyway (no element here provides a
     * clock), made sure of: timestamps come from the host's monotonic
     * clock (sw_clock_running). */
    gst_pipeline_use_clock(GST_PIPELINE(peer->pipeline), clock);
    peer->clock_offset = sw_clock_offset(peer, clock);
    g_signal_connect(peer->pipeline, "deep-element-added", G_CALLBACK(sw_on_element_added), NULL);
    bus = gst_element_get_bus(peer->pipeline);
    gst_bus_set_sync_handler(bus, sw_on_bus, sw_peer_ref(peer), sw_peer_unref);
    if (!sw_build(peer, c, error_msg))
        return sw_peer_free(peer);
    if (gst_element_set_state(peer->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        *error_msg = g_strdup("the pipeline would not start");
        return sw_peer_free(peer);
    }
    if (!sw_open_channel(peer, error_msg))
        return sw_peer_free(peer);
    g_signal_emit_by_name(peer->webrtc, "create-offer", NULL,
                          gst_promise_new_with_change_func(sw_on_offer, sw_peer_ref(peer), sw_peer_unref));
    return peer;
}

/* ---- from the browser (main thread) --------------------------------------------- */

int
sw_peer_answer(sw_peer *peer, const char *sdp_text, char **error_msg)
{
    GstSDPMessage *sdp = NULL;
    GstWebRTCSessionDescription *answer;

    if (!g_atomic_int_get(&peer->offer_sent)) {
        *error_msg = g_strdup("answer: no offer was made yet (send hello first)");
        return -EINVAL;
    }
    if (gst_sdp_message_new_from_text(sdp_text, &sdp) != GST_SDP_OK || gst_sdp_message_medias_len(sdp) == 0) {
        if (sdp)
            gst_sdp_message_free(sdp);
        *error_msg = g_strdup("answer: sdp is not a session description with media");
        return -EINVAL;
    }
    answer = gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
    g_signal_emit_by_name(peer->webrtc, "set-remote-description", answer,
                          gst_promise_new_with_change_func(sw_on_remote_set, sw_peer_ref(peer), sw_peer_unref));
    gst_webrtc_session_description_free(answer);
    return 0;
}

void
sw_peer_add_ice(sw_peer *peer, uint32_t mline, const char *candidate)
{
    /* End of candidates: webrtcbin 1.22 has no use for it. */
    if (!*candidate)
        return;
    g_signal_emit_by_name(peer->webrtc, "add-ice-candidate", (guint)mline, candidate);
}

/* Sent upstream into the encoder, as rtpsession does for PLI and FIR. */
void
sw_peer_keyframe(sw_peer *peer)
{
    g_autoptr(GstPad) pad = gst_element_get_static_pad(peer->enc, "src");

    gst_pad_send_event(pad, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* ---- frames (pipeline thread) ------------------------------------------------------ */

/* Running time on the grid of 1/fps: x264enc counts time in frames of the
 * caps' rate and gives back the pts it rounded, and the probes find a
 * frame by its pts.  Strictly increasing, one frame a slot. */
static GstClockTime
sw_peer_pts(sw_peer *peer, GstClockTime running)
{
    guint64 slot = gst_util_uint64_scale_round(running, peer->fps, GST_SECOND);

    if (peer->have_slot && slot <= peer->last_slot)
        slot = peer->last_slot + 1;
    peer->have_slot = TRUE;
    peer->last_slot = slot;
    return gst_util_uint64_scale(slot, GST_SECOND, peer->fps);
}

GstClockTime
sw_clock_running(uint64_t host_ns, int64_t offset, GstClockTime base_time)
{
    int64_t t = (int64_t)host_ns + offset - (int64_t)base_time;

    return t > 0 ? (GstClockTime)t : 0;
}

uint64_t
sw_clock_host(GstClockTime running, int64_t offset, GstClockTime base_time)
{
    int64_t t = (int64_t)(running + base_time) - offset;

    return t > 0 ? (uint64_t)t : 0;
}

void
sw_peer_push(sw_peer *peer, GstBuffer *shared, GstCaps *caps, uint64_t capture_ns, gboolean mark)
{
    GstClockTime running;
    GstBuffer *buf;

    /* Before the connection, webrtcbin would throw the packets away. */
    if (!g_atomic_int_get(&peer->streaming))
        return;
    if (!peer->caps || !gst_caps_is_equal(peer->caps, caps)) {
        gst_app_src_set_caps(GST_APP_SRC(peer->src), caps);
        gst_caps_replace(&peer->caps, caps);
    }
    /* The frame's capture time, as the sound's chunks have theirs
     * (peer-audio.c): on one basis, the RTCP sender reports let the browser
     * line picture and sound up.  Push time would add the conversion's few
     * ms to the picture alone.  Never later than now: a capture time from
     * the future would be a backend's mistake. */
    running = sw_clock_running(MIN(capture_ns, sw_now(peer)), peer->clock_offset,
                               gst_element_get_base_time(peer->pipeline));
    /* Shares the pixels: only the timestamps are this peer's. */
    buf = gst_buffer_copy(shared);
    GST_BUFFER_PTS(buf) = sw_peer_pts(peer, running);
    GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buf) = GST_SECOND / peer->fps;
    if (mark && peer->latency)
        sw_latency_tag(peer->latency, peer->id, GST_BUFFER_PTS(buf));
    atomic_fetch_add(&peer->frames_pushed, 1);
    gst_app_src_push_buffer(GST_APP_SRC(peer->src), buf);
}

void
sw_peer_check_alive(sw_peer *peer)
{
    if (!g_atomic_int_get(&peer->streaming) ||
        !sw_liveness_lost(&peer->liveness, sw_now(peer), SW_LIVENESS_SILENCE_NS))
        return;
    g_atomic_int_set(&peer->streaming, 0);
    sw_fail(peer, "the viewer stopped answering (no RTCP for " G_STRINGIFY(SW_LIVENESS_SILENCE_S) " s)");
}

gboolean
sw_peer_streaming(sw_peer *peer)
{
    return g_atomic_int_get(&peer->streaming);
}

/* ---- the end ----------------------------------------------------------------------- */

void
sw_peer_detach(sw_peer *peer)
{
    g_atomic_int_set(&peer->detached, 1);
    g_atomic_int_set(&peer->streaming, 0);
}

sw_peer *
sw_peer_free(sw_peer *peer)
{
    guint64 pushed, sent, dropped, encode_ns;

    if (!peer)
        return NULL;
    sw_peer_detach(peer);
    gst_element_set_state(peer->pipeline, GST_STATE_NULL);
    pushed = (guint64)atomic_load(&peer->frames_pushed);
    sent = (guint64)atomic_load(&peer->frames_sent);
    dropped = pushed - MIN(pushed, (guint64)atomic_load(&peer->frames_encoder_in));
    encode_ns = (guint64)atomic_load(&peer->encode_ns_total);
    sw_log(peer, GH_LOG_INFO,
           "stream.webrtc: viewer %u left: %" G_GUINT64_FORMAT " frames pushed, %" G_GUINT64_FORMAT
           " sent, %" G_GUINT64_FORMAT " dropped, encode %.2f ms on average, %" G_GUINT64_FORMAT
           " input messages refused",
           peer->id, pushed, sent, dropped, sent ? (double)encode_ns / (double)sent / 1e6 : 0.0,
           (guint64)atomic_load(&peer->input_refused));
    if (peer->has_audio)
        sw_peer_audio_log(peer);
    g_clear_object(&peer->channel);
    gst_clear_object(&peer->pipeline);
    sw_peer_unref(peer);
    return NULL;
}
