/* capture-vnc damage: the rectangles a VNC server reported changed since the
 * last frame handed out, merged into a bounded list.  Pure: no I/O, no
 * libvncclient, so the merge rules are tested on their own. */
#ifndef GH_CAPTURE_VNC_DAMAGE_H
#define GH_CAPTURE_VNC_DAMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <gamehost/plugin.h>

/* A frame carries at most this many rectangles; more are merged. */
#define CV_DAMAGE_MAX 16u

typedef struct cv_damage {
    bool full;                 /* the whole frame changed: report n_damage 0 */
    uint32_t n;                /* rects[0..n), pairwise not nested, within the frame */
    gh_rect rects[CV_DAMAGE_MAX];
} cv_damage;

/* Forgets everything: nothing changed. */
void cv_damage_reset(cv_damage *d);
/* Marks the whole frame changed (first frame, resize). */
void cv_damage_set_full(cv_damage *d);
/* Adds a changed rectangle, clipped to a frame_width x frame_height frame.
 * Two rectangles whose bounding box is exactly their union (side by side
 * with equal spans, or nested) become that box; past CV_DAMAGE_MAX the pair
 * whose bounding box adds the least unchanged area is joined.  A rectangle
 * covering the frame marks it full.  Every pixel added stays covered. */
void cv_damage_add(cv_damage *d, int32_t x, int32_t y, int32_t width, int32_t height,
                   uint32_t frame_width, uint32_t frame_height);

#endif /* GH_CAPTURE_VNC_DAMAGE_H */
