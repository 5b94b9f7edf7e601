/* audio-latency: see audio-latency.h.  The chunks wait in a queue, oldest
 * first, until a packet overlaps them; a packet cannot carry a chunk that
 * had not arrived when it left, so such a chunk waits for the next one
 * (the encoder's timestamps may stray a little from the chunks'). */
#include "audio-latency.h"

#include <glib.h>

#define SW_AUDIO_LATENCY_PENDING 256u

typedef struct {
    uint64_t start, end;         /* end: when it was received */
} sw_audio_pending;

struct sw_audio_latency {
    GMutex lock;
    BenchLog *log;               /* written under lock */
    GQueue pending;              /* of sw_audio_pending*, oldest first */
    uint64_t lost;
};

sw_audio_latency *
sw_audio_latency_new(BenchLog *log)
{
    sw_audio_latency *lat = g_new0(sw_audio_latency, 1);

    g_mutex_init(&lat->lock);
    g_queue_init(&lat->pending);
    lat->log = log ? log : bench_log_new(-1);
    return lat;
}

sw_audio_latency *
sw_audio_latency_free(sw_audio_latency *lat)
{
    if (!lat)
        return NULL;
    g_queue_clear_full(&lat->pending, g_free);
    g_mutex_clear(&lat->lock);
    bench_log_free(lat->log);
    g_free(lat);
    return NULL;
}

void
sw_audio_latency_chunk(sw_audio_latency *lat, uint64_t start_ns, uint64_t duration_ns)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);
    sw_audio_pending *p = g_new0(sw_audio_pending, 1);

    p->start = start_ns;
    p->end = start_ns + duration_ns;
    g_queue_push_tail(&lat->pending, p);
    if (g_queue_get_length(&lat->pending) > SW_AUDIO_LATENCY_PENDING) {
        g_free(g_queue_pop_head(&lat->pending));
        lat->lost++;
    }
}

void
sw_audio_latency_sent(sw_audio_latency *lat, uint64_t start_ns, uint64_t duration_ns, uint64_t t_sent_ns)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);
    uint64_t end = start_ns + duration_ns;
    sw_audio_pending *p;

    while ((p = g_queue_peek_head(&lat->pending)) && p->start < end && p->end <= t_sent_ns) {
        if (p->end > start_ns)
            bench_log_line(lat->log, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT, p->end, t_sent_ns);
        else
            lat->lost++;
        g_free(g_queue_pop_head(&lat->pending));
    }
}

uint64_t
sw_audio_latency_written(sw_audio_latency *lat)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);

    return bench_log_written(lat->log);
}

uint64_t
sw_audio_latency_lost(sw_audio_latency *lat)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);

    return lat->lost;
}
