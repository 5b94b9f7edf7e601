/* encoder: the GStreamer half of stream-record.  Owns one pipeline
 * appsrc ! videoconvert ! x264enc ! matroskamux|mp4mux ! fdsink
 * writing to a file the caller opened, fed with raw 32-bit frames at fixed
 * timestamps, and drained at the end so the file is complete.  Of the plugin
 * ABI it knows only the GH_FORMAT_* of frames; GStreamer is initialised by
 * gf_init_gst (gst-frame.h); errors are negative errno plus a message. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct sr_encoder sr_encoder;

typedef enum {
    SR_CONTAINER_MATROSKA,
    SR_CONTAINER_MP4,
} sr_container;

typedef struct {
    int fd;                  /* the output file, seekable; stays the caller's */
    sr_container container;
    uint32_t format;         /* GH_FORMAT_BGRX8888 or GH_FORMAT_RGBX8888 */
    uint32_t width, height, fps, bitrate_kbps;
} sr_encoder_config;

/* 0 if every element the encoder needs is installed, else -ENOENT and the
 * missing element and the Debian package that has it. */
int sr_encoder_check_elements(sr_container container, char **error_msg);

/* A playing pipeline, or NULL with *error_msg. */
sr_encoder *sr_encoder_new(const sr_encoder_config *config, char **error_msg);
/* Queues one frame (rows of stride bytes, copied) at pts_ns for duration_ns.
 * Waits at most max_wait_ms for room in a bounded queue; -EAGAIN if there
 * was none (the frame is dropped), -EIO once the pipeline has failed. */
int sr_encoder_push(sr_encoder *enc, const uint8_t *data, uint32_t stride, uint64_t pts_ns, uint64_t duration_ns,
                    uint32_t max_wait_ms, char **error_msg);
/* Ends the stream and waits up to timeout_ms for the muxer to finish the
 * file; -ETIMEDOUT or -EIO with *error_msg when it did not. */
int sr_encoder_finish(sr_encoder *enc, uint32_t timeout_ms, char **error_msg);
/* Stops the pipeline and frees it; NULL-safe, returns NULL. */
sr_encoder *sr_encoder_free(sr_encoder *enc);
