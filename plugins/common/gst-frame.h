/* gst-frame: gh_frame meets GStreamer, for the stream backends built on it
 * (stream-record, stream-webrtc): GStreamer initialised once per process,
 * elements checked with the Debian package that brings them, raw caps and
 * a packed or an I420 buffer from a frame, and which frames a fixed rate
 * keeps. */
#pragma once

#include <stdint.h>

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gamehost/plugin.h>

typedef struct {
    const char *element, *package;
} gf_element;

/* gst_init, once per process; 0 or -ENOTSUP with *error_msg (g_free). */
int gf_init_gst(char **error_msg);
/* 0 if every one of the n elements is installed, else -ENOENT and the
 * first missing one with the Debian package that has it. */
int gf_check_elements(const gf_element *elements, size_t n, char **error_msg);
/* TRUE when a GStreamer element factory of that name is installed. */
gboolean gf_have_element(const char *name);
/* A new element of that factory, added to bin (which owns it); NULL with
 * *error_msg (g_free) when it cannot be made. */
GstElement *gf_make(GstBin *bin, const char *factory, char **error_msg);

/* Threads for a frame's work (encoder rows, conversion bands): the CPUs in
 * this process's affinity mask, 1 to 4.  libvpx's row threads spin while
 * they wait for each other: more threads than CPUs made VP8 16 times
 * slower (720p, two threads on one core: 185 ms a frame instead of 11),
 * and a session pinned to one core gets one thread. */
int gf_cpu_threads(void);

/* TRUE when the frame is one the backends encode: BGRX or RGBX, sides
 * from 1 to max_side, rows at least width * 4 bytes apart. */
gboolean gf_frame_usable(const gh_frame *frame, uint32_t max_side);
/* The GStreamer raw format of a GH_FORMAT_*: "BGRx" or "RGBx". */
const char *gf_format_name(uint32_t format);
/* video/x-raw caps for width x height frames of format at fps (0: variable). */
GstCaps *gf_caps_new(uint32_t format, uint32_t width, uint32_t height, uint32_t fps);
/* A new buffer holding the frame's pixels, rows packed (the frame's may be
 * padded to its stride): the one copy of a borrowed frame. */
GstBuffer *gf_buffer_new(const uint8_t *data, uint32_t width, uint32_t height, uint32_t stride);

/* Borrowed BGRX/RGBX frames converted straight into new I420 buffers: the
 * one copy of a frame is the encoders' input, made once for every viewer,
 * where each viewer's pipeline had a packed copy go through a videoconvert
 * of its own (720p here: about 2 ms a frame either way for one viewer, one
 * conversion fewer per watcher).  GstVideoConverter, set up as that
 * videoconvert was (no dithering, no chroma siting, output matrix only:
 * BT.601 up to 576 lines, BT.709 above, limited range), so the picture is
 * byte for byte the same; rebuilt when the frame's format, size, stride or
 * rate changes.  One thread at a time; threads > 1 splits each frame into
 * bands. */
typedef struct gf_converter gf_converter;
gf_converter *gf_converter_new(uint32_t threads);
/* NULL-safe; returns NULL. */
gf_converter *gf_converter_free(gf_converter *conv);
/* A new I420 buffer (planes packed, GstVideoMeta-free) of a usable frame
 * (gf_frame_usable), and in *caps its I420 caps at fps, owned by the
 * converter and kept until the next call. */
GstBuffer *gf_converter_run(gf_converter *conv, const gh_frame *frame, uint32_t fps, GstCaps **caps);

/* The output slot of a frame captured at timestamp_ns, counting slots of
 * 1/fps from first_ns: a rate limit by capture time, never wall time.  A
 * quarter period of slack keeps a frame that is a little early. */
uint64_t gf_slot(uint64_t first_ns, uint64_t timestamp_ns, uint32_t fps);

/* A rate limit by capture time: a frame is kept when it is at most half a
 * period ahead of when the next one is due.  The grid follows the source's
 * mean phase, so a source at the stream's own rate with a little jitter
 * loses no frame (gf_slot's grid, fixed by the first frame's phase with a
 * quarter period of slack, lost up to 8 % of a 60 Hz source at 60 fps when
 * that frame came late); a faster source is thinned evenly; after a gap a
 * new grid starts, so no burst follows.  Zero-initialise. */
typedef struct {
    uint32_t started, dropped_last;
    uint64_t next_due_ns;
} gf_pacer;
gboolean gf_pacer_keep(gf_pacer *pacer, uint64_t timestamp_ns, uint32_t fps);
