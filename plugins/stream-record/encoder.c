/* encoder: the GStreamer pipeline of stream-record (see encoder.h).  The
 * elements are made one by one rather than parsed from a launch line, so a
 * missing one is named with the package that brings it.  No h264parse: it
 * lives in gstreamer1.0-plugins-bad, and x264enc already gives both muxers
 * what they take (stream-format avc, whole access units, codec_data).
 * Threads: the picture's calls on one thread (they poll the bus and own
 * `failure`), the sound's on another (they touch only the sound's appsrc). */
#include "encoder.h"

#include <errno.h>

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "gst-frame.h"

/* At most this much raw video waits for the encoder: bounded memory even
 * when x264 falls behind (a 4K frame is 33 MB), at least two frames. */
#define SR_QUEUE_BYTES    (64u * 1024u * 1024u)
#define SR_POLL_MS        5u
/* Sound waits in the muxer for the picture it goes with, so its queue holds
 * as long as the picture's can be behind (64 MB of small frames is
 * seconds): 10 s of PCM, 1.9 MB at 48 kHz stereo. */
#define SR_SOUND_QUEUE_S  10u
/* The picture waits in the muxer for the sound, at most the silence lag of
 * stream-record.c (SR_SOUND_LAG_MS) while the game is silent: encoded, in a
 * queue, rather than raw in front of the encoder. */
#define SR_MUX_WAIT_S     2u
/* Opus at 64 kbit/s a channel: 128 kbit/s for stereo, where Opus is
 * generally held transparent for music and effects (opusenc's default is
 * 64 kbit/s in all), and 3 % of the picture's default 4 Mbit/s.  A record
 * for QA, so quality over size.  Opus's native rate: others are
 * resampled. */
#define SR_OPUS_BITRATE_PER_CHANNEL 64000u
#define SR_OPUS_RATE      48000u

struct sr_encoder {
    GstElement *pipeline;
    GstElement *src;             /* appsrc, owned by pipeline */
    GstElement *sound;           /* the sound's appsrc, or NULL; owned by pipeline */
    GstBus *bus;
    uint32_t width, height;
    guint64 max_queued;
    uint32_t frame_bytes;        /* of sound: channels * 2 */
    uint32_t audio_rate;
    guint64 max_sound_queued;
    GstBuffer *last;             /* with sound: the last frame, for push_again */
    char *failure;               /* the pipeline's first error, sticky */
};

static const gf_element sr_common[] = {
    { "appsrc", "gstreamer1.0-plugins-base" },   { "videoconvert", "gstreamer1.0-plugins-base" },
    { "x264enc", "gstreamer1.0-plugins-ugly" },  { "fdsink", "libgstreamer1.0-0" },
};
static const gf_element sr_matroska = { "matroskamux", "gstreamer1.0-plugins-good" };
static const gf_element sr_mp4 = { "mp4mux", "gstreamer1.0-plugins-good" };
static const gf_element sr_sound[] = {
    { "opusenc", "gstreamer1.0-plugins-base" },       { "audioconvert", "gstreamer1.0-plugins-base" },
    { "audioresample", "gstreamer1.0-plugins-base" }, { "queue", "libgstreamer1.0-0" },
};

int
sr_encoder_check_elements(const sr_encoder_config *c, char **error_msg)
{
    g_autofree char *why = NULL;
    int rc = gf_check_elements(sr_common, G_N_ELEMENTS(sr_common), error_msg);

    if (rc < 0 || (rc = gf_check_elements(c->container == SR_CONTAINER_MP4 ? &sr_mp4 : &sr_matroska, 1, error_msg)) < 0)
        return rc;
    if (c->audio_rate && (rc = gf_check_elements(sr_sound, G_N_ELEMENTS(sr_sound), &why)) < 0)
        *error_msg = g_strdup_printf("the session has sound, but %s", why);
    return rc;
}

/* The first error on the bus, if any, without waiting (timeout 0) or for
 * up to timeout; it becomes the encoder's sticky failure. */
static gboolean
sr_poll_error(sr_encoder *enc, GstClockTime timeout)
{
    g_autoptr(GstMessage) msg = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *debug = NULL;

    if (enc->failure)
        return TRUE;
    msg = gst_bus_timed_pop_filtered(enc->bus, timeout, GST_MESSAGE_ERROR);
    if (!msg)
        return FALSE;
    gst_message_parse_error(msg, &err, &debug);
    enc->failure = g_strdup_printf("%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message);
    return TRUE;
}

/* appsrc ! [audioconvert ! audioresample] ! opusenc ! mux: live, in time
 * format, timestamped by the caller (timeline.h).  Its queue is bounded by
 * the caller's check (sr_encoder_push_sound), never by blocking. */
static gboolean
sr_build_sound(sr_encoder *enc, const sr_encoder_config *c, GstElement *mux, char **error_msg)
{
    GstBin *p = GST_BIN(enc->pipeline);
    GstElement *opus, *convert = NULL, *resample = NULL;
    g_autoptr(GstCaps) caps = NULL;

    if (!(enc->sound = gf_make(p, "appsrc", error_msg)) || !(opus = gf_make(p, "opusenc", error_msg)))
        return FALSE;
    if (c->audio_rate != SR_OPUS_RATE && (!(convert = gf_make(p, "audioconvert", error_msg)) ||
                                          !(resample = gf_make(p, "audioresample", error_msg))))
        return FALSE;
    caps = gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout", G_TYPE_STRING,
                               "interleaved", "rate", G_TYPE_INT, (int)c->audio_rate, "channels", G_TYPE_INT,
                               (int)c->audio_channels, NULL);
    g_object_set(enc->sound, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE,
                 "stream-type", GST_APP_STREAM_TYPE_STREAM, "block", FALSE, NULL);
    g_object_set(opus, "bitrate", (gint)(SR_OPUS_BITRATE_PER_CHANNEL * c->audio_channels), NULL);
    if (convert ? !gst_element_link_many(enc->sound, convert, resample, opus, mux, NULL)
                : !gst_element_link_many(enc->sound, opus, mux, NULL)) {
        *error_msg = g_strdup("cannot link the sound's appsrc ! opusenc ! mux");
        return FALSE;
    }
    enc->frame_bytes = c->audio_channels * 2u;
    enc->audio_rate = c->audio_rate;
    enc->max_sound_queued = (guint64)SR_SOUND_QUEUE_S * c->audio_rate * enc->frame_bytes;
    return TRUE;
}

/* x264enc ! [queue] ! mux: with sound, the muxer holds the picture until
 * the sound of the same time has come; the queue keeps x264enc going
 * meanwhile. */
static gboolean
sr_link_video(sr_encoder *enc, const sr_encoder_config *c, GstElement *conv, GstElement *x264, GstElement *mux,
              GstElement *sink, char **error_msg)
{
    GstElement *queue = NULL;

    if (c->audio_rate) {
        if (!(queue = gf_make(GST_BIN(enc->pipeline), "queue", error_msg)))
            return FALSE;
        g_object_set(queue, "max-size-buffers", 0u, "max-size-bytes", 0u, "max-size-time",
                     (guint64)SR_MUX_WAIT_S * GST_SECOND, NULL);
    }
    if (queue ? !gst_element_link_many(enc->src, conv, x264, queue, mux, sink, NULL)
              : !gst_element_link_many(enc->src, conv, x264, mux, sink, NULL)) {
        *error_msg = g_strdup("cannot link appsrc ! videoconvert ! x264enc ! mux ! fdsink");
        return FALSE;
    }
    return TRUE;
}

static gboolean
sr_build(sr_encoder *enc, const sr_encoder_config *c, char **error_msg)
{
    GstBin *p = GST_BIN(enc->pipeline);
    GstElement *conv, *x264, *mux, *sink;
    g_autoptr(GstCaps) caps = NULL;

    if (!(enc->src = gf_make(p, "appsrc", error_msg)) || !(conv = gf_make(p, "videoconvert", error_msg)) ||
        !(x264 = gf_make(p, "x264enc", error_msg)) ||
        !(mux = gf_make(p, c->container == SR_CONTAINER_MP4 ? "mp4mux" : "matroskamux", error_msg)) ||
        !(sink = gf_make(p, "fdsink", error_msg)))
        return FALSE;
    caps = gf_caps_new(c->format, c->width, c->height, c->fps);
    /* Timestamps are ours (from the frames' capture times), not arrival's. */
    g_object_set(enc->src, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp", FALSE,
                 "stream-type", GST_APP_STREAM_TYPE_STREAM, "max-bytes", enc->max_queued, "block", FALSE, NULL);
    gst_util_set_object_arg(G_OBJECT(x264), "tune", "zerolatency");
    gst_util_set_object_arg(G_OBJECT(x264), "speed-preset", "ultrafast");
    g_object_set(x264, "bitrate", (guint)c->bitrate_kbps, "key-int-max", (guint)c->fps, NULL);
    g_object_set(sink, "fd", c->fd, NULL);
    /* The picture's pad is the muxer's first: its track is number 1. */
    if (!sr_link_video(enc, c, conv, x264, mux, sink, error_msg))
        return FALSE;
    return !c->audio_rate || sr_build_sound(enc, c, mux, error_msg);
}

sr_encoder *
sr_encoder_new(const sr_encoder_config *c, char **error_msg)
{
    sr_encoder *enc = g_new0(sr_encoder, 1);
    guint64 frame_bytes = (guint64)c->width * c->height * 4u;

    enc->width = c->width;
    enc->height = c->height;
    enc->max_queued = MAX((guint64)SR_QUEUE_BYTES, 2u * frame_bytes);
    enc->pipeline = gst_pipeline_new("stream-record");
    enc->bus = gst_element_get_bus(enc->pipeline);
    if (!sr_build(enc, c, error_msg))
        return sr_encoder_free(enc);
    if (gst_element_set_state(enc->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        *error_msg = sr_poll_error(enc, 0) ? g_strdup(enc->failure) : g_strdup("the pipeline would not start");
        return sr_encoder_free(enc);
    }
    return enc;
}

/* Queues buf (taken) at pts_ns for duration_ns once there is room: see
 * sr_encoder_push. */
static int
sr_push_video(sr_encoder *enc, GstBuffer *buf, uint64_t pts_ns, uint64_t duration_ns, uint32_t max_wait_ms,
              char **error_msg)
{
    GstAppSrc *src = GST_APP_SRC(enc->src);
    uint32_t waited = 0;

    GST_BUFFER_PTS(buf) = pts_ns;
    GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buf) = duration_ns;
    /* Room in the queue, waiting on the bus meanwhile so a failure that
     * stopped the encoder ends the wait instead of filling it. */
    while (!sr_poll_error(enc, 0) && gst_app_src_get_current_level_bytes(src) >= enc->max_queued) {
        if (waited >= max_wait_ms) {
            *error_msg = g_strdup_printf("the encoder is behind by %" G_GUINT64_FORMAT " bytes of frames",
                                         gst_app_src_get_current_level_bytes(src));
            gst_buffer_unref(buf);
            return -EAGAIN;
        }
        if (sr_poll_error(enc, SR_POLL_MS * GST_MSECOND))
            break;
        waited += SR_POLL_MS;
    }
    if (enc->failure) {
        *error_msg = g_strdup(enc->failure);
        gst_buffer_unref(buf);
        return -EIO;
    }
    if (gst_app_src_push_buffer(src, buf) != GST_FLOW_OK) {
        *error_msg = g_strdup("the encoder refused a frame");
        return -EIO;
    }
    return 0;
}

int
sr_encoder_push(sr_encoder *enc, const uint8_t *data, uint32_t stride, uint64_t pts_ns, uint64_t duration_ns,
                uint32_t max_wait_ms, char **error_msg)
{
    GstBuffer *buf = gf_buffer_new(data, enc->width, enc->height, stride);

    /* Kept for push_again: the pixels are shared, never written again. */
    if (enc->sound)
        gst_buffer_replace(&enc->last, buf);
    return sr_push_video(enc, buf, pts_ns, duration_ns, max_wait_ms, error_msg);
}

int
sr_encoder_push_again(sr_encoder *enc, uint64_t pts_ns, uint64_t duration_ns, uint32_t max_wait_ms,
                      char **error_msg)
{
    if (!enc->last) {
        *error_msg = g_strdup("no frame to repeat");
        return -ENOENT;
    }
    /* A new buffer on the same memory: its own timestamps. */
    return sr_push_video(enc, gst_buffer_copy(enc->last), pts_ns, duration_ns, max_wait_ms, error_msg);
}

int
sr_encoder_push_sound(sr_encoder *enc, const uint8_t *data, uint32_t n_frames, uint64_t pts_ns, char **error_msg)
{
    GstAppSrc *src = GST_APP_SRC(enc->sound);
    gsize bytes = (gsize)n_frames * enc->frame_bytes;
    GstBuffer *buf;

    if (gst_app_src_get_current_level_bytes(src) + bytes > enc->max_sound_queued) {
        *error_msg = g_strdup_printf("the encoder is behind by %" G_GUINT64_FORMAT " bytes of sound",
                                     gst_app_src_get_current_level_bytes(src));
        return -EAGAIN;
    }
    if (data) {
        buf = gst_buffer_new_memdup(data, bytes);
    } else {
        buf = gst_buffer_new_allocate(NULL, bytes, NULL);
        gst_buffer_memset(buf, 0, 0, bytes);
    }
    GST_BUFFER_PTS(buf) = pts_ns;
    GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buf) = gst_util_uint64_scale(n_frames, GST_SECOND, enc->audio_rate);
    if (gst_app_src_push_buffer(src, buf) != GST_FLOW_OK) {
        *error_msg = g_strdup("the encoder refused sound");
        return -EIO;
    }
    return 0;
}

int
sr_encoder_finish(sr_encoder *enc, uint32_t timeout_ms, char **error_msg)
{
    g_autoptr(GstMessage) msg = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *debug = NULL;

    if (sr_poll_error(enc, 0)) {
        *error_msg = g_strdup(enc->failure);
        return -EIO;
    }
    if (enc->sound)
        gst_app_src_end_of_stream(GST_APP_SRC(enc->sound));
    gst_app_src_end_of_stream(GST_APP_SRC(enc->src));
    msg = gst_bus_timed_pop_filtered(enc->bus, (GstClockTime)timeout_ms * GST_MSECOND,
                                     GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    if (!msg) {
        *error_msg = g_strdup_printf("the encoder did not finish the file within %u ms", timeout_ms);
        return -ETIMEDOUT;
    }
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        gst_message_parse_error(msg, &err, &debug);
        *error_msg = g_strdup_printf("%s: %s", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), err->message);
        return -EIO;
    }
    return 0;
}

sr_encoder *
sr_encoder_free(sr_encoder *enc)
{
    if (!enc)
        return NULL;
    gst_element_set_state(enc->pipeline, GST_STATE_NULL);
    gst_clear_buffer(&enc->last);
    gst_object_unref(enc->bus);
    gst_object_unref(enc->pipeline);
    g_free(enc->failure);
    g_free(enc);
    return NULL;
}
