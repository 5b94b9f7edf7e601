/* latency: see latency.h.  A message waits in a queue, oldest first, until
 * a frame shows its events applied, then until that frame is tagged with
 * the pts it got in its peer's pipeline, then until it is sent.  A frame
 * the peer dropped never completes its messages: the queue keeps at most
 * SW_LATENCY_PENDING and forgets the oldest. */
#include "latency.h"

#include <glib.h>

#define SW_LATENCY_PENDING 256u
#define SW_NO_PTS          G_MAXUINT64

typedef struct {
    uint32_t peer;
    uint64_t target;             /* input_events the frame must show */
    uint64_t t_input, t_frame, encode_ns;
    uint64_t pts;                /* SW_NO_PTS until tagged */
} sw_pending;

struct sw_latency {
    GMutex lock;
    BenchLog *log;               /* written under lock */
    GQueue pending;              /* of sw_pending*, oldest first */
    uint64_t last_seen;          /* input_events of the latest frame */
    uint64_t last_target;
    uint64_t lost;
};

sw_latency *
sw_latency_new(BenchLog *log)
{
    sw_latency *lat = g_new0(sw_latency, 1);

    g_mutex_init(&lat->lock);
    g_queue_init(&lat->pending);
    lat->log = log ? log : bench_log_new(-1);
    return lat;
}

sw_latency *
sw_latency_free(sw_latency *lat)
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
sw_latency_input(sw_latency *lat, uint32_t peer, uint64_t t_input_ns, int n_events)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);
    sw_pending *p;

    if (n_events <= 0)
        return;
    /* Events queued before this message are applied first: its own count
     * on top of whatever was already awaited or seen. */
    lat->last_target = MAX(lat->last_seen, lat->last_target) + (uint64_t)n_events;
    p = g_new0(sw_pending, 1);
    p->peer = peer;
    p->target = lat->last_target;
    p->t_input = t_input_ns;
    p->pts = SW_NO_PTS;
    g_queue_push_tail(&lat->pending, p);
    if (g_queue_get_length(&lat->pending) > SW_LATENCY_PENDING) {
        g_free(g_queue_pop_head(&lat->pending));
        lat->lost++;
    }
}

uint32_t
sw_latency_frame(sw_latency *lat, uint64_t input_events, uint64_t t_frame_ns)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);
    uint32_t peer = 0;

    lat->last_seen = MAX(lat->last_seen, input_events);
    for (GList *l = lat->pending.head; l; l = l->next) {
        sw_pending *p = l->data;

        if (p->t_frame == 0 && p->target <= input_events) {
            p->t_frame = t_frame_ns;
            peer = p->peer;
        }
    }
    return peer;
}

void
sw_latency_tag(sw_latency *lat, uint32_t peer, uint64_t pts)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);

    for (GList *l = lat->pending.head; l; l = l->next) {
        sw_pending *p = l->data;

        if (p->peer == peer && p->t_frame != 0 && p->pts == SW_NO_PTS)
            p->pts = pts;
    }
}

void
sw_latency_encoded(sw_latency *lat, uint32_t peer, uint64_t pts, uint64_t encode_ns)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);

    for (GList *l = lat->pending.head; l; l = l->next) {
        sw_pending *p = l->data;

        if (p->peer == peer && p->pts == pts)
            p->encode_ns = encode_ns;
    }
}

void
sw_latency_sent(sw_latency *lat, uint32_t peer, uint64_t pts, uint64_t t_sent_ns)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);
    GList *l = lat->pending.head;

    while (l) {
        GList *next = l->next;
        sw_pending *p = l->data;

        if (p->peer == peer && p->pts == pts) {
            bench_log_line(lat->log, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                           ",%" G_GUINT64_FORMAT, p->t_input, p->t_frame, t_sent_ns, p->encode_ns);
            g_free(p);
            g_queue_delete_link(&lat->pending, l);
        }
        l = next;
    }
}

uint64_t
sw_latency_written(sw_latency *lat)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);

    return bench_log_written(lat->log);
}

uint64_t
sw_latency_lost(sw_latency *lat)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&lat->lock);

    return lat->lost;
}
