/* timeline: the recording's one clock mapping and its sound track's
 * placement; see timeline.h. */
#include "timeline.h"

#include <glib.h>

#define SR_NS_PER_S 1000000000u

void
sr_timeline_start(sr_timeline *t, uint64_t origin_ns, uint32_t rate)
{
    *t = (sr_timeline){ .origin_ns = origin_ns, .rate = rate };
}

int64_t
sr_timeline_pts(const sr_timeline *t, uint64_t host_ns)
{
    return (int64_t)(host_ns - t->origin_ns);
}

/* Whole seconds and the rest apart: ns * rate would overflow 64 bits after
 * a day at 192 kHz. */
static uint64_t
timeline_ns_to_frames(uint64_t ns, uint32_t rate)
{
    return ns / SR_NS_PER_S * rate + (ns % SR_NS_PER_S * rate + SR_NS_PER_S / 2) / SR_NS_PER_S;
}

uint64_t
sr_timeline_frame_pts(const sr_timeline *t, uint64_t frame)
{
    return frame / t->rate * SR_NS_PER_S + frame % t->rate * SR_NS_PER_S / t->rate;
}

/* The frame of file time pts_ns, rounded; negative before the origin. */
static int64_t
timeline_frame_at(const sr_timeline *t, int64_t pts_ns)
{
    return pts_ns >= 0 ? (int64_t)timeline_ns_to_frames((uint64_t)pts_ns, t->rate)
                       : -(int64_t)timeline_ns_to_frames((uint64_t)-pts_ns, t->rate);
}

void
sr_timeline_place(sr_timeline *t, uint64_t host_ns, uint32_t n_frames, sr_place *place)
{
    int64_t end = (int64_t)t->written, pos = timeline_frame_at(t, sr_timeline_pts(t, host_ns));
    int64_t tolerance = t->placed ? (int64_t)timeline_ns_to_frames(SR_TIMELINE_TOLERANCE_NS, t->rate) : 0;

    *place = (sr_place){ .at = t->written };
    if (pos > end + tolerance) {
        place->silence = (uint64_t)(pos - end);
    } else if (pos < end - tolerance) {
        /* What lies before the end: late, or from before the picture. */
        place->skip = (uint32_t)MIN(end - pos, (int64_t)n_frames);
        if (place->skip == n_frames)
            return;
    }
    place->keep = n_frames - place->skip;
    t->written += place->silence + place->keep;
    t->placed = 1;
}

uint64_t
sr_timeline_fill(sr_timeline *t, int64_t pts_ns, uint64_t *at)
{
    int64_t target = timeline_frame_at(t, pts_ns);
    uint64_t n;

    *at = t->written;
    if (target <= (int64_t)t->written)
        return 0;
    n = (uint64_t)target - t->written;
    t->written = (uint64_t)target;
    return n;
}
