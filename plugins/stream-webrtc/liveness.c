/* liveness: see liveness.h.  Lock-free: the RTCP callback (webrtcbin's
 * thread) writes the time, the pipeline thread reads it per frame. */
#include "liveness.h"

void
sw_liveness_start(sw_liveness *l, uint64_t now_ns)
{
    atomic_store(&l->lost, 0);
    /* 0 means "not watched": a clock at 0 still starts the watch. */
    atomic_store(&l->last_ns, now_ns ? now_ns : 1);
}

void
sw_liveness_heard(sw_liveness *l, uint64_t now_ns)
{
    uint64_t last = atomic_load(&l->last_ns);

    /* Only forward: callbacks on two threads may finish out of order. */
    while (last != 0 && now_ns > last && !atomic_compare_exchange_weak(&l->last_ns, &last, now_ns))
        ;
}

gboolean
sw_liveness_lost(sw_liveness *l, uint64_t now_ns, uint64_t limit_ns)
{
    uint64_t last = atomic_load(&l->last_ns);
    int expected = 0;

    if (last == 0 || now_ns <= last || now_ns - last <= limit_ns)
        return FALSE;
    return atomic_compare_exchange_strong(&l->lost, &expected, 1);
}
