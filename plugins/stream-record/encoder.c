/* encoder: the GStreamer pipeline of stream-record (see encoder.h).  The
 * elements are made one by one rather than parsed from a launch line, so a
 * missing one is named with the package that brings it.  No h264parse: it
 * lives in gstreamer1.0-plugins-bad, and x264enc already gives both muxers
 * what they take (stream-format avc, whole access units, codec_data). */
#include "encoder.h"

#include <errno.h>

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include "gst-frame.h"

/* At most this much raw video waits for the encoder: bounded memory even
 * when x264 falls behind (a 4K frame is 33 MB), at least two frames. */
#define SR_QUEUE_BYTES    (64u * 1024u * 1024u)
#define SR_POLL_MS        5u

struct sr_encoder {
    GstElement *pipeline;
    GstElement *src;             /* appsrc, owned by pipeline */
    GstBus *bus;
    uint32_t width, height;
    guint64 max_queued;
    char *failure;               /* the pipeline's first error, sticky */
};

static const gf_element sr_common[] = {
    { "appsrc", "gstreamer1.0-plugins-base" },   { "videoconvert", "gstreamer1.0-plugins-base" },
    { "x264enc", "gstreamer1.0-plugins-ugly" },  { "fdsink", "libgstreamer1.0-0" },
};
static const gf_element sr_matroska = { "matroskamux", "gstreamer1.0-plugins-good" };
static const gf_element sr_mp4 = { "mp4mux", "gstreamer1.0-plugins-good" };

int
sr_encoder_check_elements(sr_container container, char **error_msg)
{
    int rc = gf_check_elements(sr_common, G_N_ELEMENTS(sr_common), error_msg);

    if (rc < 0)
        return rc;
    return gf_check_elements(container == SR_CONTAINER_MP4 ? &sr_mp4 : &sr_matroska, 1, error_msg);
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
    if (!gst_element_link_many(enc->src, conv, x264, mux, sink, NULL)) {
        *error_msg = g_strdup("cannot link appsrc ! videoconvert ! x264enc ! mux ! fdsink");
        return FALSE;
    }
    return TRUE;
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

static GstBuffer *
sr_buffer(sr_encoder *enc, const uint8_t *data, uint32_t stride, uint64_t pts_ns, uint64_t duration_ns)
{
    GstBuffer *buf = gf_buffer_new(data, enc->width, enc->height, stride);

    GST_BUFFER_PTS(buf) = pts_ns;
    GST_BUFFER_DTS(buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(buf) = duration_ns;
    return buf;
}

int
sr_encoder_push(sr_encoder *enc, const uint8_t *data, uint32_t stride, uint64_t pts_ns, uint64_t duration_ns,
                uint32_t max_wait_ms, char **error_msg)
{
    GstAppSrc *src = GST_APP_SRC(enc->src);
    uint32_t waited = 0;

    /* Room in the queue, waiting on the bus meanwhile so a failure that
     * stopped the encoder ends the wait instead of filling it. */
    while (!sr_poll_error(enc, 0) && gst_app_src_get_current_level_bytes(src) >= enc->max_queued) {
        if (waited >= max_wait_ms) {
            *error_msg = g_strdup_printf("the encoder is behind by %" G_GUINT64_FORMAT " bytes of frames",
                                         gst_app_src_get_current_level_bytes(src));
            return -EAGAIN;
        }
        if (sr_poll_error(enc, SR_POLL_MS * GST_MSECOND))
            break;
        waited += SR_POLL_MS;
    }
    if (enc->failure) {
        *error_msg = g_strdup(enc->failure);
        return -EIO;
    }
    if (gst_app_src_push_buffer(src, sr_buffer(enc, data, stride, pts_ns, duration_ns)) != GST_FLOW_OK) {
        *error_msg = g_strdup("the encoder refused a frame");
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
    gst_object_unref(enc->bus);
    gst_object_unref(enc->pipeline);
    g_free(enc->failure);
    g_free(enc);
    return NULL;
}
