/* audio: see audio.h.  The builders only make, set and link elements; the
 * caller owns the bin they go into and its state. */
#include "audio.h"

#include <errno.h>
#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>

#include "gst-frame.h"

/* Told apart in the gate's `told`. */
#define SW_MIC_TOLD_OFF    1u
#define SW_MIC_TOLD_EPERM  2u
#define SW_MIC_TOLD_ENODEV 4u
#define SW_MIC_TOLD_OTHER  8u

static const gf_element sw_audio_elements[] = {
    { "opusenc", "gstreamer1.0-plugins-base" },
    { "opusdec", "gstreamer1.0-plugins-base" },
    { "audioconvert", "gstreamer1.0-plugins-base" },
    { "audioresample", "gstreamer1.0-plugins-base" },
    { "appsink", "gstreamer1.0-plugins-base" },
    { "rtpopuspay", "gstreamer1.0-plugins-good" },
    { "rtpopusdepay", "gstreamer1.0-plugins-good" },
};

int
sw_audio_check_elements(char **error_msg)
{
    return gf_check_elements(sw_audio_elements, G_N_ELEMENTS(sw_audio_elements), error_msg);
}

static GstCaps *
sw_audio_pcm_caps(const sw_audio_format *fmt)
{
    return gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING, "interleaved",
                               "rate", G_TYPE_INT, (int)fmt->rate, "channels", G_TYPE_INT, (int)fmt->channels, NULL);
}

/* Live, timestamped by the caller (running time from the chunk's capture
 * time, peer-audio.c), a few chunks deep, the oldest dropped: a behind
 * encoder loses sound rather than falling behind the picture.  Never
 * blocks the audio backend's thread. */
static void
sw_audio_queue_setup(GstElement *appsrc, const sw_audio_format *fmt)
{
    g_autoptr(GstCaps) caps = sw_audio_pcm_caps(fmt);

    g_object_set(appsrc, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE, "stream-type",
                 GST_APP_STREAM_TYPE_STREAM, "max-buffers", (guint64)SW_AUDIO_QUEUE_CHUNKS, "max-bytes", (guint64)0,
                 "max-time", (guint64)0, "block", FALSE, "caps", caps, NULL);
    gst_util_set_object_arg(G_OBJECT(appsrc), "leaky-type", "downstream");
}

/* Opus for a game: CELT only (restricted-lowdelay, the least delay Opus
 * has; music and effects rather than speech), short packets, constant rate.
 * Perfect timestamps: the encoder counts samples from the first chunk's
 * time (480 ticks a packet) and follows the chunks' own timestamps only
 * when they stray more than its tolerance (40 ms, GstAudioEncoder's
 * default), so a few ms of jitter in the backend's stamps never becomes a
 * gap or an overlap the browser conceals; by default it would copy the
 * jitter into every packet. */
static void
sw_audio_encoder_setup(GstElement *enc, const sw_audio_format *fmt)
{
    gst_util_set_object_arg(G_OBJECT(enc), "audio-type", "restricted-lowdelay");
    gst_util_set_object_arg(G_OBJECT(enc), "bitrate-type", "cbr");
    /* frame-size's values are its milliseconds. */
    g_object_set(enc, "perfect-timestamp", TRUE, "frame-size", (gint)SW_OPUS_FRAME_MS, "bitrate",
                 (gint)(SW_OPUS_BITRATE_PER_CHANNEL * fmt->channels), NULL);
}

gboolean
sw_audio_sender_build(GstBin *bin, const sw_audio_format *fmt, GstElement **src, GstElement **pay, char **error_msg)
{
    GstElement *enc, *convert = NULL, *resample = NULL;

    if (!(*src = gf_make(bin, "appsrc", error_msg)) || !(enc = gf_make(bin, "opusenc", error_msg)) ||
        !(*pay = gf_make(bin, "rtpopuspay", error_msg)))
        return FALSE;
    /* Opus encodes 8, 12, 16, 24 or 48 kHz; a 48 kHz backend (audio.dbus)
     * goes straight in. */
    if (fmt->rate != SW_OPUS_RATE && (!(convert = gf_make(bin, "audioconvert", error_msg)) ||
                                      !(resample = gf_make(bin, "audioresample", error_msg))))
        return FALSE;
    sw_audio_queue_setup(*src, fmt);
    sw_audio_encoder_setup(enc, fmt);
    g_object_set(*pay, "pt", SW_AUDIO_PT, NULL);
    if (convert ? !gst_element_link_many(*src, convert, resample, enc, *pay, NULL)
                : !gst_element_link_many(*src, enc, *pay, NULL)) {
        *error_msg = g_strdup("cannot link the sound's appsrc ! opusenc ! rtpopuspay");
        return FALSE;
    }
    return TRUE;
}

static GstCaps *
sw_audio_opus_caps(int pt)
{
    /* Opus on RTP says 2 channels whatever it carries (RFC 7587). */
    return gst_caps_new_simple("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name", G_TYPE_STRING,
                               "OPUS", "payload", G_TYPE_INT, pt, "clock-rate", G_TYPE_INT, (int)SW_OPUS_RATE,
                               "encoding-params", G_TYPE_STRING, "2", NULL);
}

GstCaps *
sw_audio_sender_prefs(const sw_audio_format *fmt)
{
    GstCaps *caps = sw_audio_opus_caps(SW_AUDIO_PT);

    /* The browser's decoder may still mix it down to mono unless its own
     * answer says stereo=1, which the player adds (docs/player.md). */
    if (fmt->channels == 2)
        gst_caps_set_simple(caps, "sprop-stereo", G_TYPE_STRING, "1", NULL);
    return caps;
}

void
sw_audio_offer_streams(GstSDPMessage *sdp)
{
    for (guint i = 0; i < gst_sdp_message_medias_len(sdp); i++) {
        /* The message's own media, changed in place before it is used. */
        GstSDPMedia *m = (GstSDPMedia *)gst_sdp_message_get_media(sdp, i);
        const char *kind = gst_sdp_media_get_media(m);
        g_autofree char *msid = NULL;

        if (!gst_sdp_media_get_attribute_val(m, "sendonly") ||
            (g_strcmp0(kind, "video") != 0 && g_strcmp0(kind, "audio") != 0))
            continue;
        msid = g_strdup_printf("gamehost %s", kind);
        gst_sdp_media_add_attribute(m, "msid", msid);
    }
}

GstBuffer *
sw_audio_buffer_new(const gh_audio_chunk *chunk)
{
    return gst_buffer_new_memdup(chunk->data, (gsize)chunk->n_frames * chunk->channels * 2u);
}

GstCaps *
sw_audio_mic_prefs(void)
{
    return sw_audio_opus_caps(SW_MIC_PT);
}

gboolean
sw_audio_mic_build(GstBin *bin, const sw_audio_format *fmt, GstElement **first, GstElement **sink, char **error_msg)
{
    GstElement *dec, *convert, *resample, *filter, *chain[6];
    g_autoptr(GstCaps) caps = sw_audio_pcm_caps(fmt);

    if (!(*first = gf_make(bin, "rtpopusdepay", error_msg)) || !(dec = gf_make(bin, "opusdec", error_msg)) ||
        !(convert = gf_make(bin, "audioconvert", error_msg)) ||
        !(resample = gf_make(bin, "audioresample", error_msg)) || !(filter = gf_make(bin, "capsfilter", error_msg)) ||
        !(*sink = gf_make(bin, "appsink", error_msg)))
        return FALSE;
    /* A lost packet is concealed, so the VM's microphone hears no hole. */
    g_object_set(dec, "plc", TRUE, NULL);
    g_object_set(filter, "caps", caps, NULL);
    /* Handed on as decoded: the VM's microphone buffers (a ring that
     * never blocks), the jitter buffer already paced it.  A host that stops
     * taking it loses the oldest. */
    g_object_set(*sink, "sync", FALSE, "async", FALSE, "max-buffers", 8u, "drop", TRUE, NULL);
    if (!gst_element_link_many(*first, dec, convert, resample, filter, *sink, NULL)) {
        *error_msg = g_strdup("cannot link the microphone's rtpopusdepay ! opusdec ! appsink");
        return FALSE;
    }
    /* Downstream first: nothing flows into an element not yet playing. */
    chain[0] = *sink;
    chain[1] = filter;
    chain[2] = resample;
    chain[3] = convert;
    chain[4] = dec;
    chain[5] = *first;
    for (size_t i = 0; i < G_N_ELEMENTS(chain); i++)
        gst_element_sync_state_with_parent(chain[i]);
    return TRUE;
}

/* ---- the microphone's gate ---------------------------------------------------- */

void
sw_mic_gate_set(sw_mic_gate *gate, gboolean on, uint64_t now_ns)
{
    if (on) {
        atomic_store(&gate->told, 0u);
        atomic_store(&gate->on, 1);
    } else if (atomic_exchange(&gate->on, 0)) {
        /* Never 0: 0 says it was never on. */
        atomic_store(&gate->off_at_ns, MAX(now_ns, 1u));
    }
}

sw_mic_verdict
sw_mic_gate_admit(sw_mic_gate *gate, uint32_t n_frames, uint64_t now_ns)
{
    uint64_t off_at;

    if (atomic_load(&gate->on))
        return SW_MIC_PASS;
    atomic_fetch_add(&gate->frames_off, n_frames);
    off_at = atomic_load(&gate->off_at_ns);
    if (off_at != 0 && now_ns - off_at < SW_MIC_GRACE_NS)
        return SW_MIC_DROP;
    return atomic_fetch_or(&gate->told, SW_MIC_TOLD_OFF) & SW_MIC_TOLD_OFF ? SW_MIC_DROP : SW_MIC_DROP_TELL;
}

static unsigned
sw_mic_told_bit(int rc)
{
    return rc == -EPERM ? SW_MIC_TOLD_EPERM : rc == -ENODEV ? SW_MIC_TOLD_ENODEV : SW_MIC_TOLD_OTHER;
}

gboolean
sw_mic_gate_result(sw_mic_gate *gate, int rc, uint32_t n_frames)
{
    unsigned bit;

    if (rc >= 0) {
        atomic_fetch_add(&gate->frames_taken, MIN((uint32_t)rc, n_frames));
        return FALSE;
    }
    atomic_fetch_add(&gate->frames_refused, n_frames);
    bit = sw_mic_told_bit(rc);
    return !(atomic_fetch_or(&gate->told, bit) & bit);
}

const char *
sw_mic_refusal(int rc)
{
    if (rc == -EPERM)
        return "microphone audio refused: only the player in control is heard in the game";
    if (rc == -ENODEV)
        return "microphone audio refused: the game has no microphone";
    return "microphone audio refused: the game could not take it";
}
