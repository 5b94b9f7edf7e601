/* capture-vnc damage: merging the changed rectangles of VNC updates into at
 * most CV_DAMAGE_MAX per frame.  Lossless joins first, so a typical update
 * (a few disjoint rects from QEMU's dirty tracking) passes through as is;
 * only a storm of small rects costs precision, never coverage. */
#include <string.h>

#include "damage.h"

/* Half-open boxes in 64 bits: no overflow for any 32-bit rect. */
typedef struct cv_box {
    int64_t x0, y0, x1, y1;
} cv_box;

static cv_box
cv_box_of(const gh_rect *r)
{
    return (cv_box){ r->x, r->y, (int64_t)r->x + r->width, (int64_t)r->y + r->height };
}

static gh_rect
cv_rect_of(cv_box b)
{
    return (gh_rect){ (int32_t)b.x0, (int32_t)b.y0, (uint32_t)(b.x1 - b.x0), (uint32_t)(b.y1 - b.y0) };
}

static uint64_t
cv_box_area(cv_box b)
{
    if (b.x1 <= b.x0 || b.y1 <= b.y0)
        return 0;
    return (uint64_t)(b.x1 - b.x0) * (uint64_t)(b.y1 - b.y0);
}

static cv_box
cv_box_union(cv_box a, cv_box b)
{
    return (cv_box){ a.x0 < b.x0 ? a.x0 : b.x0, a.y0 < b.y0 ? a.y0 : b.y0,
                     a.x1 > b.x1 ? a.x1 : b.x1, a.y1 > b.y1 ? a.y1 : b.y1 };
}

static uint64_t
cv_box_overlap(cv_box a, cv_box b)
{
    cv_box i = { a.x0 > b.x0 ? a.x0 : b.x0, a.y0 > b.y0 ? a.y0 : b.y0,
                 a.x1 < b.x1 ? a.x1 : b.x1, a.y1 < b.y1 ? a.y1 : b.y1 };
    return cv_box_area(i);
}

/* The area the bounding box of a and b covers that neither does. */
static uint64_t
cv_box_waste(cv_box a, cv_box b)
{
    return cv_box_area(cv_box_union(a, b)) - (cv_box_area(a) + cv_box_area(b) - cv_box_overlap(a, b));
}

static int
cv_box_contains(cv_box outer, cv_box inner)
{
    return outer.x0 <= inner.x0 && outer.y0 <= inner.y0 && outer.x1 >= inner.x1 && outer.y1 >= inner.y1;
}

void
cv_damage_reset(cv_damage *d)
{
    memset(d, 0, sizeof(*d));
}

void
cv_damage_set_full(cv_damage *d)
{
    cv_damage_reset(d);
    d->full = true;
}

/* Joins the pair of boxes (among n > 1) that wastes the least area, then
 * drops the boxes the joined one now covers.  Returns the new count. */
static uint32_t
cv_boxes_join_cheapest(cv_box *boxes, uint32_t n)
{
    uint32_t bi = 0, bj = 1;
    uint64_t best = UINT64_MAX;

    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            uint64_t w = cv_box_waste(boxes[i], boxes[j]);
            if (w < best) {
                best = w;
                bi = i;
                bj = j;
            }
        }
    cv_box joined = cv_box_union(boxes[bi], boxes[bj]);
    boxes[bj] = boxes[--n];
    boxes[bi] = boxes[0];
    boxes[0] = joined;
    for (uint32_t k = 1; k < n;) {
        if (cv_box_contains(joined, boxes[k]))
            boxes[k] = boxes[--n];
        else
            k++;
    }
    return n;
}

void
cv_damage_add(cv_damage *d, int32_t x, int32_t y, int32_t width, int32_t height,
              uint32_t frame_width, uint32_t frame_height)
{
    cv_box frame = { 0, 0, frame_width, frame_height };
    cv_box b;

    if (d->full || width <= 0 || height <= 0)
        return;
    b = (cv_box){ x, y, (int64_t)x + width, (int64_t)y + height };
    if (b.x0 < 0)
        b.x0 = 0;
    if (b.y0 < 0)
        b.y0 = 0;
    if (b.x1 > frame.x1)
        b.x1 = frame.x1;
    if (b.y1 > frame.y1)
        b.y1 = frame.y1;
    if (cv_box_area(b) == 0)
        return;

    /* Lossless joins; a grown box may absorb boxes it missed, so rescan. */
    for (uint32_t i = 0; i < d->n;) {
        cv_box r = cv_box_of(&d->rects[i]);
        if (cv_box_contains(r, b))
            return;
        if (cv_box_waste(r, b) == 0) {
            b = cv_box_union(r, b);
            d->rects[i] = d->rects[--d->n];
            i = 0;
            continue;
        }
        i++;
    }
    if (cv_box_contains(b, frame)) {
        cv_damage_set_full(d);
        return;
    }
    if (d->n < CV_DAMAGE_MAX) {
        d->rects[d->n++] = cv_rect_of(b);
        return;
    }

    cv_box boxes[CV_DAMAGE_MAX + 1];
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->n; i++)
        boxes[n++] = cv_box_of(&d->rects[i]);
    boxes[n++] = b;
    n = cv_boxes_join_cheapest(boxes, n);
    if (cv_box_contains(boxes[0], frame)) {
        cv_damage_set_full(d);
        return;
    }
    d->n = n;
    for (uint32_t i = 0; i < n; i++)
        d->rects[i] = cv_rect_of(boxes[i]);
}
