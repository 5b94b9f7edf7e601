/* peer-audio: a viewer's sound (peer.h; the GStreamer pieces are audio.c's).
 * The game's sound is webrtcbin's second transceiver, send only, in the
 * video's bundle; the player's microphone its third, receive only: once
 * the player's packets come, webrtcbin adds a pad for them, which is
 * decoded to the session's format and handed to the host's mic_push while
 * the player has the microphone on (the gate, audio.h).
 * Threads: sw_peer_push_audio on the audio backend's, the microphone on
 * the streaming thread webrtcbin gives its stream, sw_peer_mic and the
 * building on the main thread, the offer on webrtcbin's. */
#include "peer-internal.h"

#include <errno.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include "gst-frame.h"
#include "signal-msg.h"

static void
sw_peer_tell(sw_peer *peer, const char *message)
{
    g_autofree char *msg = sw_msg_error(message);

    sw_log(peer, GH_LOG_INFO, "stream.webrtc: viewer %u: %s", peer->id, message);
    sw_send(peer, msg);
}

/* ---- the player's microphone (its streaming thread) ------------------------- */

/* One piece of decoded microphone audio, at most GH_AUDIO_MAX_FRAMES, through
 * the gate to the host. */
static void
sw_peer_mic_chunk(sw_peer *peer, const uint8_t *data, uint32_t n_frames, uint64_t timestamp_ns)
{
    gh_audio_chunk chunk = {
        .struct_size = sizeof(gh_audio_chunk),
        .format = GH_AUDIO_S16LE,
        .rate = peer->audio.rate,
        .channels = peer->audio.channels,
        .n_frames = n_frames,
        .timestamp_ns = timestamp_ns,
        .data = data,
    };
    sw_mic_verdict verdict = sw_mic_gate_admit(&peer->mic, n_frames, sw_now(peer));
    int rc;

    if (verdict != SW_MIC_PASS) {
        if (verdict == SW_MIC_DROP_TELL)
            sw_peer_tell(peer, SW_MIC_OFF_MESSAGE);
        return;
    }
    rc = peer->svc->mic_push ? peer->svc->mic_push(peer->host, peer->id, &chunk) : -ENODEV;
    if (sw_mic_gate_result(&peer->mic, rc, n_frames))
        sw_peer_tell(peer, sw_mic_refusal(rc));
}

static GstFlowReturn
sw_on_mic_sample(GstAppSink *sink, gpointer data)
{
    sw_peer *peer = data;
    g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
    GstBuffer *buf = sample ? gst_sample_get_buffer(sample) : NULL;
    const uint32_t frame_bytes = peer->audio.channels * 2u;
    GstClockTime running = GST_CLOCK_TIME_NONE;
    GstMapInfo map;
    uint64_t t;

    if (!buf || !sw_peer_attached(peer) || !gst_buffer_map(buf, &map, GST_MAP_READ))
        return GST_FLOW_OK;
    if (GST_BUFFER_PTS_IS_VALID(buf))
        running = gst_segment_to_running_time(gst_sample_get_segment(sample), GST_FORMAT_TIME, GST_BUFFER_PTS(buf));
    t = GST_CLOCK_TIME_IS_VALID(running)
            ? sw_clock_host(running, peer->clock_offset, gst_element_get_base_time(peer->pipeline))
            : sw_now(peer);
    for (gsize off = 0; off + frame_bytes <= map.size;) {
        gsize n = MIN((map.size - off) / frame_bytes, (gsize)GH_AUDIO_MAX_FRAMES);

        sw_peer_mic_chunk(peer, map.data + off, (uint32_t)n,
                          t + gst_util_uint64_scale(off / frame_bytes, GST_SECOND, peer->audio.rate));
        off += n * frame_bytes;
    }
    gst_buffer_unmap(buf, &map);
    return GST_FLOW_OK;
}

/* A stream webrtcbin receives that is not the microphone (a browser may
 * send on an m-line we did not ask it to): swallowed, or its unlinked pad
 * would fail the viewer's pipeline. */
static void
sw_peer_discard(sw_peer *peer, GstPad *pad)
{
    g_autofree char *why = NULL;
    GstElement *sink = gf_make(GST_BIN(peer->pipeline), "fakesink", &why);
    g_autoptr(GstPad) sinkpad = sink ? gst_element_get_static_pad(sink, "sink") : NULL;

    if (!sink)
        return;
    g_object_set(sink, "sync", FALSE, "async", FALSE, NULL);
    gst_element_sync_state_with_parent(sink);
    gst_pad_link(pad, sinkpad);
}

static void
sw_on_pad_added(GstElement *webrtc, GstPad *pad, gpointer data)
{
    GstAppSinkCallbacks callbacks = { .new_sample = sw_on_mic_sample };
    sw_peer *peer = data;
    g_autoptr(GstWebRTCRTPTransceiver) trans = NULL;
    g_autoptr(GstPad) sinkpad = NULL;
    g_autofree char *why = NULL;
    GstElement *first, *sink;

    (void)webrtc;
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC)
        return;
    g_object_get(pad, "transceiver", &trans, NULL);
    if (!trans || trans != peer->mic_trans) {
        sw_log(peer, GH_LOG_INFO, "stream.webrtc: viewer %u sends a stream it was not asked for; ignored", peer->id);
        sw_peer_discard(peer, pad);
        return;
    }
    if (!sw_audio_mic_build(GST_BIN(peer->pipeline), &peer->audio, &first, &sink, &why)) {
        sw_log(peer, GH_LOG_WARNING, "stream.webrtc: viewer %u: no microphone: %s", peer->id, why);
        sw_peer_discard(peer, pad);
        return;
    }
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, sw_peer_ref(peer), sw_peer_unref);
    sinkpad = gst_element_get_static_pad(first, "sink");
    if (gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
        sw_log(peer, GH_LOG_WARNING, "stream.webrtc: viewer %u: cannot link its microphone's stream", peer->id);
}

/* ---- the audio latency log (the payloader's streaming thread) -------------------- */

/* Each RTP packet of the game's sound on its way into webrtcbin: its
 * samples' time back on the host's clock (its pts is running time from
 * the chunks' host times, sw_peer_push_audio). */
static GstPadProbeReturn
sw_on_audio_rtp_out(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    sw_peer *peer = data;
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER(info);
    uint64_t duration;

    (void)pad;
    if (!buf || !GST_BUFFER_PTS_IS_VALID(buf))
        return GST_PAD_PROBE_OK;
    duration = GST_BUFFER_DURATION_IS_VALID(buf) ? GST_BUFFER_DURATION(buf) : SW_OPUS_FRAME_MS * GST_MSECOND;
    sw_audio_latency_sent(peer->audio_latency,
                          sw_clock_host(GST_BUFFER_PTS(buf), peer->clock_offset,
                                        gst_element_get_base_time(peer->pipeline)),
                          duration, sw_now(peer));
    return GST_PAD_PROBE_OK;
}

/* ---- building (main thread) ------------------------------------------------------ */

gboolean
sw_peer_audio_build(sw_peer *peer, char **error_msg)
{
    g_autoptr(GstCaps) prefs = sw_audio_sender_prefs(&peer->audio);
    g_autoptr(GstCaps) mic_prefs = sw_audio_mic_prefs();
    g_autoptr(GstWebRTCRTPTransceiver) trans = NULL, mic = NULL;
    g_autoptr(GstPad) src = NULL, sink = NULL;
    GstElement *pay;

    if (!sw_audio_sender_build(GST_BIN(peer->pipeline), &peer->audio, &peer->audio_src, &pay, error_msg))
        return FALSE;
    src = gst_element_get_static_pad(pay, "src");
    sink = gst_element_request_pad_simple(peer->webrtc, "sink_%u");
    if (!sink || gst_pad_link(src, sink) != GST_PAD_LINK_OK) {
        *error_msg = g_strdup("cannot link the sound's payloader to webrtcbin");
        return FALSE;
    }
    if (peer->audio_latency)
        gst_pad_add_probe(src, GST_PAD_PROBE_TYPE_BUFFER, sw_on_audio_rtp_out, sw_peer_ref(peer), sw_peer_unref);
    g_object_get(sink, "transceiver", &trans, NULL);
    g_object_set(trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, "codec-preferences", prefs, NULL);
    /* Asked for in the first offer, so that the player's microphone needs
     * no renegotiation: the player only puts a track on its sender. */
    g_signal_emit_by_name(peer->webrtc, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, mic_prefs,
                          &mic);
    if (!mic) {
        *error_msg = g_strdup("webrtcbin would not add the microphone's transceiver");
        return FALSE;
    }
    peer->mic_trans = mic;
    /* Only received streams have a jitter buffer: the microphone's. */
    g_object_set(peer->webrtc, "latency", (guint)SW_MIC_LATENCY_MS, NULL);
    g_signal_connect_data(peer->webrtc, "pad-added", G_CALLBACK(sw_on_pad_added), sw_peer_ref(peer),
                          sw_peer_unref_closure, 0);
    return TRUE;
}

/* ---- the game's sound and the player's switch ------------------------------------ */

void
sw_peer_push_audio(sw_peer *peer, GstBuffer *shared, uint64_t capture_ns, uint64_t duration_ns)
{
    GstBuffer *buf;

    /* Before the connection, webrtcbin would throw the packets away. */
    if (!peer->audio_src || !g_atomic_int_get(&peer->streaming))
        return;
    /* Shares the samples: only the timestamps are this peer's, on the
     * basis of the picture's (sw_peer_push). */
    buf = gst_buffer_copy(shared);
    GST_BUFFER_PTS(buf) =
        sw_clock_running(capture_ns, peer->clock_offset, gst_element_get_base_time(peer->pipeline));
    GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buf) = duration_ns;
    atomic_fetch_add(&peer->audio_chunks_pushed, 1);
    gst_app_src_push_buffer(GST_APP_SRC(peer->audio_src), buf);
}

void
sw_peer_mic(sw_peer *peer, gboolean on)
{
    sw_log(peer, GH_LOG_INFO, "stream.webrtc: viewer %u turned its microphone %s", peer->id, on ? "on" : "off");
    sw_mic_gate_set(&peer->mic, on, sw_now(peer));
}

void
sw_peer_audio_log(sw_peer *peer)
{
    sw_log(peer, GH_LOG_INFO,
           "stream.webrtc: viewer %u sound: %" G_GUINT64_FORMAT " chunks pushed; microphone: %" G_GUINT64_FORMAT
           " frames taken, %" G_GUINT64_FORMAT " dropped while off, %" G_GUINT64_FORMAT " refused",
           peer->id, (guint64)atomic_load(&peer->audio_chunks_pushed), (guint64)atomic_load(&peer->mic.frames_taken),
           (guint64)atomic_load(&peer->mic.frames_off), (guint64)atomic_load(&peer->mic.frames_refused));
}
