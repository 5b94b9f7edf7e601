/* gst-frame: see gst-frame.h. */
#define _GNU_SOURCE 1 /* sched_getaffinity, CPU_COUNT */
#include "gst-frame.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

static gpointer
gf_init_once(gpointer data)
{
    GError *err = NULL;

    (void)data;
    if (gst_init_check(NULL, NULL, &err))
        return NULL;
    /* Kept for every later caller: the result of a g_once is forever. */
    return err;
}

int
gf_init_gst(char **error_msg)
{
    static GOnce once = G_ONCE_INIT;
    GError *err = g_once(&once, gf_init_once, NULL);

    if (!err)
        return 0;
    *error_msg = g_strdup_printf("cannot initialise GStreamer: %s", err->message);
    return -ENOTSUP;
}

gboolean
gf_have_element(const char *name)
{
    GstElementFactory *f = gst_element_factory_find(name);

    if (!f)
        return FALSE;
    gst_object_unref(f);
    return TRUE;
}

GstElement *
gf_make(GstBin *bin, const char *factory, char **error_msg)
{
    GstElement *e = gst_element_factory_make(factory, NULL);

    if (!e) {
        *error_msg = g_strdup_printf("cannot make GStreamer element %s", factory);
        return NULL;
    }
    gst_bin_add(bin, e);
    return e;
}

int
gf_check_elements(const gf_element *elements, size_t n, char **error_msg)
{
    for (size_t i = 0; i < n; i++) {
        if (gf_have_element(elements[i].element))
            continue;
        *error_msg = g_strdup_printf("GStreamer element %s is not installed (Debian package %s)",
                                     elements[i].element, elements[i].package);
        return -ENOENT;
    }
    return 0;
}

int
gf_cpu_threads(void)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    return CLAMP(CPU_COUNT(&set), 1, 4);
}

gboolean
gf_frame_usable(const gh_frame *frame, uint32_t max_side)
{
    return frame->width > 0 && frame->height > 0 && frame->width <= max_side && frame->height <= max_side &&
           frame->stride / 4u >= frame->width &&
           (frame->format == GH_FORMAT_BGRX8888 || frame->format == GH_FORMAT_RGBX8888);
}

const char *
gf_format_name(uint32_t format)
{
    return format == GH_FORMAT_RGBX8888 ? "RGBx" : "BGRx";
}

GstCaps *
gf_caps_new(uint32_t format, uint32_t width, uint32_t height, uint32_t fps)
{
    return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, gf_format_name(format), "width", G_TYPE_INT,
                               (int)width, "height", G_TYPE_INT, (int)height, "framerate", GST_TYPE_FRACTION,
                               (int)fps, 1, NULL);
}

GstBuffer *
gf_buffer_new(const uint8_t *data, uint32_t width, uint32_t height, uint32_t stride)
{
    size_t row_bytes = (size_t)width * 4u;
    GstBuffer *buf = gst_buffer_new_allocate(NULL, row_bytes * height, NULL);
    GstMapInfo map;

    gst_buffer_map(buf, &map, GST_MAP_WRITE);
    /* The frame's rows may be padded; the caps say tightly packed. */
    if (stride == row_bytes)
        memcpy(map.data, data, row_bytes * height);
    else
        for (uint32_t y = 0; y < height; y++)
            memcpy(map.data + (size_t)y * row_bytes, data + (size_t)y * stride, row_bytes);
    gst_buffer_unmap(buf, &map);
    return buf;
}

struct gf_converter {
    uint32_t threads, fps;
    gboolean ready;
    GstVideoInfo in, out;
    GstVideoConverter *convert;
    GstCaps *caps;
};

gf_converter *
gf_converter_new(uint32_t threads)
{
    gf_converter *conv = g_new0(gf_converter, 1);

    conv->threads = MAX(threads, 1u);
    return conv;
}

gf_converter *
gf_converter_free(gf_converter *conv)
{
    if (!conv)
        return NULL;
    g_clear_pointer(&conv->convert, gst_video_converter_free);
    g_clear_pointer(&conv->caps, gst_caps_unref);
    g_free(conv);
    return NULL;
}

/* The converter and caps for this frame's shape, made again only when it
 * changed. */
static void
gf_converter_setup(gf_converter *conv, const gh_frame *frame, uint32_t fps)
{
    GstVideoFormat format = frame->format == GH_FORMAT_RGBX8888 ? GST_VIDEO_FORMAT_RGBx : GST_VIDEO_FORMAT_BGRx;

    if (conv->ready && GST_VIDEO_INFO_FORMAT(&conv->in) == format && GST_VIDEO_INFO_WIDTH(&conv->in) == (gint)frame->width &&
        GST_VIDEO_INFO_HEIGHT(&conv->in) == (gint)frame->height &&
        GST_VIDEO_INFO_PLANE_STRIDE(&conv->in, 0) == (gint)frame->stride && conv->fps == fps)
        return;
    gst_video_info_set_format(&conv->in, format, frame->width, frame->height);
    /* The borrowed rows, padding and all: read in place. */
    conv->in.stride[0] = (gint)frame->stride;
    conv->in.size = (gsize)frame->stride * frame->height;
    /* Default colorimetry for I420 of this height, as videoconvert chose
     * from caps that name none. */
    gst_video_info_set_format(&conv->out, GST_VIDEO_FORMAT_I420, frame->width, frame->height);
    g_clear_pointer(&conv->convert, gst_video_converter_free);
    conv->convert = gst_video_converter_new(
        &conv->in, &conv->out,
        gst_structure_new("gf-converter", GST_VIDEO_CONVERTER_OPT_DITHER_METHOD, GST_TYPE_VIDEO_DITHER_METHOD,
                          GST_VIDEO_DITHER_NONE, GST_VIDEO_CONVERTER_OPT_CHROMA_MODE, GST_TYPE_VIDEO_CHROMA_MODE,
                          GST_VIDEO_CHROMA_MODE_NONE, GST_VIDEO_CONVERTER_OPT_MATRIX_MODE, GST_TYPE_VIDEO_MATRIX_MODE,
                          GST_VIDEO_MATRIX_MODE_OUTPUT_ONLY, GST_VIDEO_CONVERTER_OPT_THREADS, G_TYPE_UINT,
                          conv->threads, NULL));
    g_clear_pointer(&conv->caps, gst_caps_unref);
    conv->caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                     (int)frame->width, "height", G_TYPE_INT, (int)frame->height, "framerate",
                                     GST_TYPE_FRACTION, (int)fps, 1, NULL);
    conv->fps = fps;
    conv->ready = TRUE;
}

GstBuffer *
gf_converter_run(gf_converter *conv, const gh_frame *frame, uint32_t fps, GstCaps **caps)
{
    /* The borrowed pixels, wrapped for the length of this call only. */
    g_autoptr(GstBuffer) src = NULL;
    GstBuffer *dst;
    GstVideoFrame in, out;

    gf_converter_setup(conv, frame, fps);
    src = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, (gpointer)frame->data, conv->in.size, 0,
                                      conv->in.size, NULL, NULL);
    dst = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(&conv->out), NULL);
    if (!gst_video_frame_map(&in, &conv->in, src, GST_MAP_READ)) {
        gst_buffer_unref(dst);
        return NULL;
    }
    if (!gst_video_frame_map(&out, &conv->out, dst, GST_MAP_WRITE)) {
        gst_video_frame_unmap(&in);
        gst_buffer_unref(dst);
        return NULL;
    }
    gst_video_converter_frame(conv->convert, &in, &out);
    gst_video_frame_unmap(&out);
    gst_video_frame_unmap(&in);
    *caps = conv->caps;
    return dst;
}

uint64_t
gf_slot(uint64_t first_ns, uint64_t timestamp_ns, uint32_t fps)
{
    uint64_t elapsed = timestamp_ns - first_ns;

    return (elapsed + G_GUINT64_CONSTANT(1000000000) / (4u * fps)) * fps / G_GUINT64_CONSTANT(1000000000);
}

gboolean
gf_pacer_keep(gf_pacer *pacer, uint64_t timestamp_ns, uint32_t fps)
{
    int64_t period = (int64_t)(G_GUINT64_CONSTANT(1000000000) / fps), t = (int64_t)timestamp_ns;
    int64_t early, pull;

    if (!pacer->started || t >= (int64_t)pacer->next_due_ns + period) {
        /* The first frame, or one after a gap: a new grid from here. */
        pacer->next_due_ns = (uint64_t)(t + period);
        pacer->started = 1;
        pacer->dropped_last = 0;
        return TRUE;
    }
    early = (int64_t)pacer->next_due_ns - t; /* < 0: late */
    if (early >= period / 2) {
        pacer->dropped_last = 1;
        return FALSE;
    }
    /* Due one period on, pulled a quarter of the way towards this frame's
     * phase, so the grid follows the source's mean phase rather than its
     * first frame's; never earlier right after a drop (a faster source's
     * frames are all early: pulling would raise the rate). */
    pull = early > 0 && pacer->dropped_last ? 0 : early / 4;
    pacer->next_due_ns = (uint64_t)((int64_t)pacer->next_due_ns + period - pull);
    pacer->dropped_last = 0;
    return TRUE;
}
