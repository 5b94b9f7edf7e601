/* frame-png: gh_frame → PNG.  The classic libpng API is used rather than the
 * simplified one because it strips the X byte and swaps BGR itself, so no
 * converted copy of the frame is made.  Compression favours speed: a frame
 * is encoded per request and thrown away. */
#include "frame-png.h"

#include <gio/gio.h>
#include <png.h>
#include <string.h>

/* Larger than any console profile's display; bounds the buffer libpng writes. */
#define FRAME_PNG_MAX_SIDE 16384u

typedef struct {
    GByteArray *out;
    char message[256];
} PngSink;

static void
frame_png_write(png_structp png, png_bytep data, png_size_t len)
{
    PngSink *sink = png_get_io_ptr(png);

    g_byte_array_append(sink->out, data, len);
}

static void
frame_png_flush(png_structp png)
{
}

static void
frame_png_error(png_structp png, png_const_charp msg)
{
    PngSink *sink = png_get_error_ptr(png);

    g_strlcpy(sink->message, msg, sizeof(sink->message));
    png_longjmp(png, 1);
}

static void
frame_png_warning(png_structp png, png_const_charp msg)
{
}

static gboolean
frame_png_check(const gh_frame *frame, GError **error)
{
    if (frame->format != GH_FORMAT_BGRX8888 && frame->format != GH_FORMAT_RGBX8888) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "unsupported pixel format %u", frame->format);
        return FALSE;
    }
    if (frame->width == 0 || frame->height == 0 || frame->width > FRAME_PNG_MAX_SIDE ||
        frame->height > FRAME_PNG_MAX_SIDE) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad frame size %ux%u", frame->width,
                    frame->height);
        return FALSE;
    }
    if (frame->stride < frame->width * 4 || !frame->data) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "bad frame stride %u for width %u",
                    frame->stride, frame->width);
        return FALSE;
    }
    return TRUE;
}

/* Everything libpng may longjmp out of; nothing here owns memory. */
static gboolean
frame_png_run(png_structp png, png_infop info, const gh_frame *frame, PngSink *sink)
{
    if (setjmp(png_jmpbuf(png)))
        return FALSE;
    png_set_write_fn(png, sink, frame_png_write, frame_png_flush);
    png_set_compression_level(png, 1);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
    png_set_IHDR(png, info, frame->width, frame->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    /* Rows are 4 bytes a pixel; the fourth is dropped, and BGR swapped. */
    png_set_filler(png, 0, PNG_FILLER_AFTER);
    if (frame->format == GH_FORMAT_BGRX8888)
        png_set_bgr(png);
    for (guint32 y = 0; y < frame->height; y++)
        png_write_row(png, (png_const_bytep)(frame->data + (gsize)y * frame->stride));
    png_write_end(png, NULL);
    return TRUE;
}

GBytes *
gh_frame_png_encode(const gh_frame *frame, GError **error)
{
    PngSink sink = { 0 };
    png_structp png;
    png_infop info = NULL;
    gboolean ok;

    if (!frame_png_check(frame, error))
        return NULL;
    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, frame_png_error, frame_png_warning);
    if (png)
        info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot encode PNG: out of memory");
        return NULL;
    }
    sink.out = g_byte_array_sized_new(frame->width * frame->height / 2 + 1024);
    ok = frame_png_run(png, info, frame, &sink);
    png_destroy_write_struct(&png, &info);
    if (!ok) {
        g_byte_array_unref(sink.out);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot encode PNG: %s", sink.message);
        return NULL;
    }
    return g_byte_array_free_to_bytes(sink.out);
}
