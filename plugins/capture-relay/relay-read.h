/* capture-relay's reading side of the frame relay (include/gamehost/relay.h):
 * checks the guest-written header and slot metadata from local copies, and
 * copies one slot out under its sequence counter (or checks it for a
 * zero-copy hand-out, and later whether it stayed intact).  No ABI, no clock, no
 * syscalls: capture-relay.c adds waiting, the heartbeat and host services. */
#ifndef CAPTURE_RELAY_READ_H
#define CAPTURE_RELAY_READ_H

#include <stddef.h>
#include <stdint.h>

/* The header's static fields, as checked.  Only these locals bound reads,
 * never the shared memory, which the guest may change at any moment. */
typedef struct cr_layout {
    uint64_t region_size;
    uint64_t slots_offset;
    uint32_t slot_count;
    uint32_t slot_size;
    uint32_t max_width;
    uint32_t max_height;
} cr_layout;

/* One slot's metadata, copied once out of shared memory. */
typedef struct cr_slot_meta {
    uint32_t width, height, stride, format;
    uint64_t frame_number;
    uint64_t timestamp_ns;
    uint64_t input_events;
} cr_slot_meta;

/* Called between the pixel copy and the second read of seq: lets the tests
 * write over the slot at the worst moment.  NULL in the plugin. */
typedef void (*cr_copy_hook)(void *data);

/* 0 and *layout when the header at mem (a mapping of size bytes) is valid;
 * -EAGAIN while magic is still 0 (the producer has not started); -EINVAL with
 * err naming the bad field and its value. */
int cr_layout_check(const uint8_t *mem, uint64_t size, cr_layout *layout, char *err, size_t errlen);

/* Bytes a destination buffer needs for any frame of the layout. */
uint64_t cr_layout_frame_capacity(const cr_layout *layout);

/* Is frame_number newer than last (the last delivered, 0 for none)?  Serial
 * arithmetic, so the count may wrap; a number far behind last (more than the
 * slots can hold) is a producer that restarted its count, and counts as new.
 * 0 ("no frame yet") is never new. */
int cr_frame_is_newer(uint64_t frame_number, uint64_t last, uint32_t slot_count);

/* The header's latest_slot: 0 and *index, or -EINVAL when it is not one
 * of the layout's slots. */
int cr_latest_slot(const uint8_t *mem, const cr_layout *layout, uint32_t *index, char *err, size_t errlen);

/* Reads slot index (< layout->slot_count) of mem into dst (at least
 * cr_layout_frame_capacity() bytes) if its frame is newer than last.
 * 0: copied, *meta filled; -EALREADY: not newer (stale); -EAGAIN: being
 * written or torn, try again; -EINVAL: bad metadata, err says which. */
int cr_slot_read(const uint8_t *mem, const cr_layout *layout, uint32_t index, uint64_t last, uint8_t *dst,
                 cr_slot_meta *meta, cr_copy_hook hook, void *hook_data, char *err, size_t errlen);

/* Zero-copy: as cr_slot_read, without copying the pixels.  0: the metadata
 * in *meta is whole and checked (the pixels at cr_slot_offset() + 64 hold
 * meta->stride * meta->height bytes inside the slot) and *seq is the even
 * counter it was read under, for cr_slot_unchanged. */
int cr_slot_peek(const uint8_t *mem, const cr_layout *layout, uint32_t index, uint64_t last, cr_slot_meta *meta,
                 uint64_t *seq, cr_copy_hook hook, void *hook_data, char *err, size_t errlen);

/* Where slot index (< layout->slot_count, a checked layout) starts in mem. */
uint64_t cr_slot_offset(const cr_layout *layout, uint32_t index);

/* After a zero-copy consumer is done with the slot at slot_offset (as
 * cr_slot_offset gave it): 0 if its counter is still seq, so nothing in it
 * was rewritten meanwhile; -ESTALE if the producer has begun rewriting it. */
int cr_slot_unchanged(const uint8_t *mem, uint64_t slot_offset, uint64_t seq);

#endif /* CAPTURE_RELAY_READ_H */
