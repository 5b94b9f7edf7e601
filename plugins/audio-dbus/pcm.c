/* pcm: stream format, volume and the microphone ring; see pcm.h. */
#include "pcm.h"

#include <string.h>

const char *
ad_pcm_format_refusal(guint bits, gboolean is_signed, gboolean is_float, guint freq, guint nchannels,
                      guint bytes_per_frame, gboolean big_endian)
{
    if (bits != 16 || !is_signed || is_float)
        return "samples are not signed 16-bit integers";
    if (big_endian)
        return "samples are big-endian";
    if (freq != AD_RATE)
        return "the rate is not 48000 Hz";
    if (nchannels != AD_CHANNELS)
        return "there are not 2 channels";
    if (bytes_per_frame != AD_FRAME)
        return "a frame is not 4 bytes";
    return NULL;
}

void
ad_pcm_apply_volume(int16_t *samples, gsize n_frames, guint channels, const guint8 *volume, gsize n_volume,
                    gboolean mute)
{
    if (mute) {
        memset(samples, 0, n_frames * channels * sizeof *samples);
        return;
    }
    for (guint c = 0; c < channels && n_volume > 0; c++) {
        guint v = volume[MIN((gsize)c, n_volume - 1)];

        if (v >= 255)
            continue;
        for (gsize i = 0; i < n_frames; i++) {
            int16_t *s = &samples[i * channels + c];
            *s = (int16_t)(((gint32)*s * (gint32)v) / 255);
        }
    }
}

struct AdRing {
    GMutex lock;
    guint8 *buf;
    gsize capacity;              /* bytes, whole frames */
    gsize head;                  /* next byte to read */
    gsize used;                  /* bytes held */
};

AdRing *
ad_ring_new(gsize capacity_frames)
{
    AdRing *ring = g_new0(AdRing, 1);

    g_mutex_init(&ring->lock);
    ring->capacity = MAX(capacity_frames, 1) * AD_FRAME;
    ring->buf = g_malloc(ring->capacity);
    return ring;
}

void
ad_ring_free(AdRing *ring)
{
    if (!ring)
        return;
    g_mutex_clear(&ring->lock);
    g_free(ring->buf);
    g_free(ring);
}

gsize
ad_ring_write(AdRing *ring, const guint8 *data, gsize n_frames)
{
    gsize take, tail, first;

    g_mutex_lock(&ring->lock);
    take = MIN(n_frames * AD_FRAME, ring->capacity - ring->used);
    tail = (ring->head + ring->used) % ring->capacity;
    first = MIN(take, ring->capacity - tail);
    memcpy(ring->buf + tail, data, first);
    memcpy(ring->buf, data + first, take - first);
    ring->used += take;
    g_mutex_unlock(&ring->lock);
    return take / AD_FRAME;
}

GBytes *
ad_ring_read(AdRing *ring, gsize max_bytes)
{
    gsize take, first;
    guint8 *out;

    g_mutex_lock(&ring->lock);
    take = MIN(max_bytes - max_bytes % AD_FRAME, ring->used);
    out = g_malloc(MAX(take, 1));
    first = MIN(take, ring->capacity - ring->head);
    memcpy(out, ring->buf + ring->head, first);
    memcpy(out + first, ring->buf, take - first);
    ring->head = (ring->head + take) % ring->capacity;
    ring->used -= take;
    g_mutex_unlock(&ring->lock);
    return g_bytes_new_take(out, take);
}

gsize
ad_ring_frames(AdRing *ring)
{
    gsize used;

    g_mutex_lock(&ring->lock);
    used = ring->used;
    g_mutex_unlock(&ring->lock);
    return used / AD_FRAME;
}

void
ad_ring_clear(AdRing *ring)
{
    g_mutex_lock(&ring->lock);
    ring->head = ring->used = 0;
    g_mutex_unlock(&ring->lock);
}
