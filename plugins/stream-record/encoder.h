/* encoder: the GStreamer half of stream-record.  Owns one pipeline
 * appsrc ! videoconvert ! x264enc ! matroskamux|mp4mux ! fdsink
 * writing to a file the caller opened, fed with raw 32-bit frames at fixed
 * timestamps, and drained at the end so the file is complete.  With sound,
 * a second branch appsrc ! [audioconvert ! audioresample] ! opusenc feeds
 * the same muxer (Opus in both containers: Debian 12's mp4mux, GStreamer
 * 1.22, takes audio/x-opus), and a queue lets the picture wait there for
 * the sound.  Frames come on one thread, sound on one other (the caller
 * serialises each kind).  Of the plugin ABI it knows only the GH_FORMAT_*
 * of frames; GStreamer is initialised by gf_init_gst (gst-frame.h); errors
 * are negative errno plus a message. */
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
    /* Sound: S16LE interleaved at audio_rate with audio_channels; no sound
     * track while audio_rate is 0. */
    uint32_t audio_rate, audio_channels;
} sr_encoder_config;

/* 0 if every element the encoder needs for config's container (and its
 * sound) is installed, else -ENOENT and the missing element and the Debian
 * package that has it. */
int sr_encoder_check_elements(const sr_encoder_config *config, char **error_msg);

/* A playing pipeline, or NULL with *error_msg. */
sr_encoder *sr_encoder_new(const sr_encoder_config *config, char **error_msg);
/* Queues one frame (rows of stride bytes, copied) at pts_ns for duration_ns.
 * Waits at most max_wait_ms for room in a bounded queue; -EAGAIN if there
 * was none (the frame is dropped), -EIO once the pipeline has failed. */
int sr_encoder_push(sr_encoder *enc, const uint8_t *data, uint32_t stride, uint64_t pts_ns, uint64_t duration_ns,
                    uint32_t max_wait_ms, char **error_msg);
/* Queues the last frame again, at pts_ns for duration_ns, as
 * sr_encoder_push does; -ENOENT when there is none.  With sound only: it
 * lengthens the picture to the sound's end. */
int sr_encoder_push_again(sr_encoder *enc, uint64_t pts_ns, uint64_t duration_ns, uint32_t max_wait_ms,
                          char **error_msg);
/* Queues n_frames of sound (copied; data NULL: silence) at pts_ns.  Never
 * waits: -EAGAIN when the bounded queue has no room (the sound is
 * dropped).  A failed pipeline is for sr_encoder_push to report. */
int sr_encoder_push_sound(sr_encoder *enc, const uint8_t *data, uint32_t n_frames, uint64_t pts_ns,
                          char **error_msg);
/* Ends the stream (both tracks) and waits up to timeout_ms for the muxer
 * to finish the file; -ETIMEDOUT or -EIO with *error_msg when it did not. */
int sr_encoder_finish(sr_encoder *enc, uint32_t timeout_ms, char **error_msg);
/* Stops the pipeline and frees it; NULL-safe, returns NULL. */
sr_encoder *sr_encoder_free(sr_encoder *enc);
