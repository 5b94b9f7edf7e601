/* pcm: the pure parts of audio.dbus, with no D-Bus: the stream format QEMU
 * announces, the guest's volume and mute applied to its PCM, and the
 * microphone's ring buffer (bounded, never blocking, short reads). */
#pragma once

#include <glib.h>
#include <stdint.h>

/* The one format the domain asks QEMU for (48 kHz, 2 channels, s16). */
#define AD_RATE      48000u
#define AD_CHANNELS  2u
#define AD_FRAME     (AD_CHANNELS * 2u)

/* A stream's format as Init gives it; NULL when it is ours, else why not
 * (a static string naming what is wrong). */
const char *ad_pcm_format_refusal(guint bits, gboolean is_signed, gboolean is_float, guint freq, guint nchannels,
                                  guint bytes_per_frame, gboolean big_endian);

/* Scales interleaved S16 samples in place by volume[c]/255 for channel c
 * (QEMU sends 0..255 per channel; a missing channel takes the last given),
 * or silences them when muted.  n_volume 0 means full volume. */
void ad_pcm_apply_volume(int16_t *samples, gsize n_frames, guint channels, const guint8 *volume, gsize n_volume,
                         gboolean mute);

/* The microphone's buffer: whole frames only, under its own lock, any
 * thread.  A writer that finds it full keeps what fits and drops the rest;
 * a reader gets what there is, possibly less than asked (a short read). */
typedef struct AdRing AdRing;
AdRing *ad_ring_new(gsize capacity_frames);
void ad_ring_free(AdRing *ring);
/* Frames taken (<= n_frames). */
gsize ad_ring_write(AdRing *ring, const guint8 *data, gsize n_frames);
/* Up to max_bytes (rounded down to whole frames) into a new GBytes. */
GBytes *ad_ring_read(AdRing *ring, gsize max_bytes);
gsize ad_ring_frames(AdRing *ring);
void ad_ring_clear(AdRing *ring);
