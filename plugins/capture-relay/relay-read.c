/* Reading the frame relay safely: every field the guest writes is read once
 * into a local through a volatile pointer, checked, and only the local is
 * used afterwards, so a guest changing the memory mid-read can make us
 * discard a frame but never read outside the mapping. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <gamehost/relay.h>

#include "relay-read.h"

/* Reads one aligned 8-byte counter with acquire semantics. */
static uint64_t
cr_load_acquire(const volatile uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

int
cr_layout_check(const uint8_t *mem, uint64_t size, cr_layout *layout, char *err, size_t errlen)
{
    const volatile gh_relay_header *h = (const volatile gh_relay_header *)mem;
    uint64_t magic, region_size, slots_offset, slots_end;
    uint32_t version, header_size, slot_count, slot_size, max_width, max_height;

    if (size < sizeof(gh_relay_header)) {
        snprintf(err, errlen, "region of %" PRIu64 " bytes is smaller than the header (%zu bytes)", size,
                 sizeof(gh_relay_header));
        return -EINVAL;
    }
    /* magic last in the producer's order, first here: acquire pairs with
     * its release, so a set magic means the rest of line 0 is written. */
    magic = cr_load_acquire(&h->magic);
    if (magic == 0)
        return -EAGAIN;
    version = h->version;
    header_size = h->header_size;
    region_size = h->region_size;
    slots_offset = h->slots_offset;
    slot_count = h->slot_count;
    slot_size = h->slot_size;
    max_width = h->max_width;
    max_height = h->max_height;

    if (magic != GH_RELAY_MAGIC) {
        snprintf(err, errlen, "magic 0x%016" PRIx64 " is not the relay's (0x%016" PRIx64 ")", magic,
                 (uint64_t)GH_RELAY_MAGIC);
        return -EINVAL;
    }
    if (version != GH_RELAY_VERSION) {
        snprintf(err, errlen, "version %" PRIu32 " unsupported (this host reads version %u)", version,
                 GH_RELAY_VERSION);
        return -EINVAL;
    }
    if (header_size != sizeof(gh_relay_header)) {
        snprintf(err, errlen, "header_size %" PRIu32 ", expected %zu", header_size, sizeof(gh_relay_header));
        return -EINVAL;
    }
    if (region_size != size) {
        snprintf(err, errlen, "region_size %" PRIu64 " does not match the region's %" PRIu64 " bytes", region_size,
                 size);
        return -EINVAL;
    }
    if (slots_offset > region_size) {
        snprintf(err, errlen, "slots_offset %" PRIu64 " is beyond the region (%" PRIu64 " bytes)", slots_offset,
                 region_size);
        return -EINVAL;
    }
    /* Slots after the header, and on cache lines so seq is an aligned,
     * atomically readable word. */
    if (slots_offset < sizeof(gh_relay_header) || slots_offset % 64 != 0) {
        snprintf(err, errlen, "slots_offset %" PRIu64 " is not a 64-byte aligned offset after the header",
                 slots_offset);
        return -EINVAL;
    }
    if (slot_count < GH_RELAY_MIN_SLOTS || slot_count > GH_RELAY_MAX_SLOTS) {
        snprintf(err, errlen, "slot_count %" PRIu32 " outside %u..%u", slot_count, GH_RELAY_MIN_SLOTS,
                 GH_RELAY_MAX_SLOTS);
        return -EINVAL;
    }
    if (slot_size == 0 || slot_size % GH_RELAY_SLOT_ALIGN != 0) {
        snprintf(err, errlen, "slot_size %" PRIu32 " is not a positive multiple of %u", slot_size,
                 GH_RELAY_SLOT_ALIGN);
        return -EINVAL;
    }
    /* slot_count <= 8 and slot_size < 2^32: the product fits 64 bits; the
     * sum is checked anyway. */
    if (__builtin_add_overflow(slots_offset, (uint64_t)slot_count * slot_size, &slots_end) ||
        slots_end > region_size) {
        snprintf(err, errlen,
                 "%" PRIu32 " slots of %" PRIu32 " bytes from slots_offset %" PRIu64
                 " do not fit the region (%" PRIu64 " bytes)",
                 slot_count, slot_size, slots_offset, region_size);
        return -EINVAL;
    }
    if (max_width == 0 || max_width > GH_RELAY_MAX_WIDTH) {
        snprintf(err, errlen, "max_width %" PRIu32 " outside 1..%u", max_width, GH_RELAY_MAX_WIDTH);
        return -EINVAL;
    }
    if (max_height == 0 || max_height > GH_RELAY_MAX_HEIGHT) {
        snprintf(err, errlen, "max_height %" PRIu32 " outside 1..%u", max_height, GH_RELAY_MAX_HEIGHT);
        return -EINVAL;
    }
    if (sizeof(gh_relay_slot) + (uint64_t)max_width * 4u * max_height > slot_size) {
        snprintf(err, errlen, "max_width x max_height %" PRIu32 "x%" PRIu32 " does not fit a slot of %" PRIu32 " bytes",
                 max_width, max_height, slot_size);
        return -EINVAL;
    }

    layout->region_size = region_size;
    layout->slots_offset = slots_offset;
    layout->slot_count = slot_count;
    layout->slot_size = slot_size;
    layout->max_width = max_width;
    layout->max_height = max_height;
    return 0;
}

uint64_t
cr_layout_frame_capacity(const cr_layout *layout)
{
    return (uint64_t)layout->slot_size - sizeof(gh_relay_slot);
}

int
cr_frame_is_newer(uint64_t frame_number, uint64_t last, uint32_t slot_count)
{
    int64_t delta = (int64_t)(frame_number - last);

    if (frame_number == 0)
        return 0;
    if (delta > 0 || last == 0)
        return 1;
    /* Behind by less than the ring holds: an old slot.  Further: the
     * producer restarted (the guest rebooted) and counts from 1 again. */
    return -delta >= (int64_t)slot_count;
}

int
cr_latest_slot(const uint8_t *mem, const cr_layout *layout, uint32_t *index, char *err, size_t errlen)
{
    const volatile gh_relay_header *h = (const volatile gh_relay_header *)mem;
    uint32_t latest = __atomic_load_n(&h->latest_slot, __ATOMIC_ACQUIRE);

    if (latest >= layout->slot_count) {
        snprintf(err, errlen, "latest_slot %" PRIu32 " outside 0..%" PRIu32, latest, layout->slot_count - 1);
        return -EINVAL;
    }
    *index = latest;
    return 0;
}

static int
cr_meta_check(const cr_layout *layout, uint32_t index, const cr_slot_meta *m, char *err, size_t errlen)
{
    if (m->width == 0 || m->height == 0) {
        snprintf(err, errlen, "slot %" PRIu32 ": empty frame %" PRIu32 "x%" PRIu32, index, m->width, m->height);
        return -EINVAL;
    }
    if (m->width > layout->max_width) {
        snprintf(err, errlen, "slot %" PRIu32 ": width %" PRIu32 " over max_width %" PRIu32, index, m->width,
                 layout->max_width);
        return -EINVAL;
    }
    if (m->height > layout->max_height) {
        snprintf(err, errlen, "slot %" PRIu32 ": height %" PRIu32 " over max_height %" PRIu32, index, m->height,
                 layout->max_height);
        return -EINVAL;
    }
    if ((uint64_t)m->stride < (uint64_t)m->width * 4u) {
        snprintf(err, errlen, "slot %" PRIu32 ": stride %" PRIu32 " smaller than width * 4 (%" PRIu64 ")", index,
                 m->stride, (uint64_t)m->width * 4u);
        return -EINVAL;
    }
    if (sizeof(gh_relay_slot) + (uint64_t)m->stride * m->height > layout->slot_size) {
        snprintf(err, errlen,
                 "slot %" PRIu32 ": %" PRIu32 " rows of %" PRIu32 " bytes do not fit the slot (%" PRIu32 " bytes)",
                 index, m->height, m->stride, layout->slot_size);
        return -EINVAL;
    }
    if (m->format != GH_RELAY_FORMAT_BGRX8888 && m->format != GH_RELAY_FORMAT_RGBX8888) {
        snprintf(err, errlen, "slot %" PRIu32 ": format %" PRIu32 " unknown", index, m->format);
        return -EINVAL;
    }
    return 0;
}

/* Copies the slot's metadata into m, each field read once. */
static void
cr_meta_load(const volatile gh_relay_slot *s, cr_slot_meta *m)
{
    m->width = s->width;
    m->height = s->height;
    m->stride = s->stride;
    m->format = s->format;
    m->frame_number = s->frame_number;
    m->timestamp_ns = s->timestamp_ns;
    m->input_events = s->input_events;
}

/* The read side of the seqlock, with dst NULL for a zero-copy look: the
 * first seq, the metadata (checked), the pixels copied or not, then the
 * second seq after an acquire fence. */
static int
cr_slot_access(const uint8_t *mem, const cr_layout *layout, uint32_t index, uint64_t last, uint8_t *dst,
               cr_slot_meta *meta, uint64_t *seq, cr_copy_hook hook, void *hook_data, char *err, size_t errlen)
{
    const uint8_t *base = mem + layout->slots_offset + (uint64_t)index * layout->slot_size;
    const volatile gh_relay_slot *s = (const volatile gh_relay_slot *)base;
    cr_slot_meta m;
    uint64_t s1, s2;
    int r;

    s1 = cr_load_acquire(&s->seq);
    if (s1 & 1)
        return -EAGAIN;
    cr_meta_load(s, &m);

    if (!cr_frame_is_newer(m.frame_number, last, layout->slot_count))
        return -EALREADY;
    r = cr_meta_check(layout, index, &m, err, errlen);
    if (r == 0 && dst)
        memcpy(dst, base + sizeof(gh_relay_slot), (size_t)m.stride * m.height);
    if (hook)
        hook(hook_data);
    /* Orders the copy (and the metadata reads) before the second seq read. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    s2 = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
    if (s2 != s1)
        return -EAGAIN; /* torn: bad metadata included, it may be half written */
    if (r < 0)
        return r;
    *meta = m;
    if (seq)
        *seq = s1;
    return 0;
}

int
cr_slot_read(const uint8_t *mem, const cr_layout *layout, uint32_t index, uint64_t last, uint8_t *dst,
             cr_slot_meta *meta, cr_copy_hook hook, void *hook_data, char *err, size_t errlen)
{
    return cr_slot_access(mem, layout, index, last, dst, meta, NULL, hook, hook_data, err, errlen);
}

int
cr_slot_peek(const uint8_t *mem, const cr_layout *layout, uint32_t index, uint64_t last, cr_slot_meta *meta,
             uint64_t *seq, cr_copy_hook hook, void *hook_data, char *err, size_t errlen)
{
    return cr_slot_access(mem, layout, index, last, NULL, meta, seq, hook, hook_data, err, errlen);
}

uint64_t
cr_slot_offset(const cr_layout *layout, uint32_t index)
{
    return layout->slots_offset + (uint64_t)index * layout->slot_size;
}

int
cr_slot_unchanged(const uint8_t *mem, uint64_t slot_offset, uint64_t seq)
{
    const volatile gh_relay_slot *s = (const volatile gh_relay_slot *)(mem + slot_offset);

    /* The seqlock reader's retry check, made after the consumer is done:
     * the acquire fence keeps every read of the frame (the encoder's, the
     * PNG copy's) before this load of seq.  The producer makes seq odd
     * before it writes a byte of the slot, so an unchanged seq means no
     * byte the consumer read was written meanwhile. */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq ? 0 : -ESTALE;
}
