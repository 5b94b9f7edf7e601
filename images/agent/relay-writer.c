/* The frame relay's producer side (relay-writer.h).  Release stores and
 * fences stand for the write barriers of the protocol (docs/frame-relay.md);
 * 8-byte counters are stored whole, so a reader never sees half a carry. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <gamehost/relay.h>

#include "relay-writer.h"

static gh_relay_header *
agent_relay_header(const agent_relay *r)
{
    return (gh_relay_header *)r->mem;
}

static gh_relay_slot *
agent_relay_slot(const agent_relay *r, uint32_t index)
{
    return (gh_relay_slot *)(r->mem + GH_RELAY_SLOTS_OFFSET + (uint64_t)index * r->slot_size);
}

void
agent_relay_attach(agent_relay *r, void *mem, uint64_t size)
{
    memset(r, 0, sizeof(*r));
    r->mem = mem;
    r->size = size;
}

int
agent_relay_fit(uint64_t size, uint32_t width, uint32_t height, uint32_t slot_count, char *err, size_t errlen)
{
    uint64_t slot_size, need;

    if (width == 0 || height == 0 || width > GH_RELAY_MAX_WIDTH || height > GH_RELAY_MAX_HEIGHT) {
        snprintf(err, errlen, "mode %" PRIu32 "x%" PRIu32 " is outside the relay protocol's 1x1..%ux%u", width,
                 height, GH_RELAY_MAX_WIDTH, GH_RELAY_MAX_HEIGHT);
        return -EINVAL;
    }
    if (slot_count < GH_RELAY_MIN_SLOTS || slot_count > GH_RELAY_MAX_SLOTS) {
        snprintf(err, errlen, "%" PRIu32 " slots is outside the relay protocol's %u..%u", slot_count,
                 GH_RELAY_MIN_SLOTS, GH_RELAY_MAX_SLOTS);
        return -EINVAL;
    }
    /* Below the maxima these cannot overflow: 8 * 132 MiB. */
    slot_size = gh_relay_slot_size(width, height);
    need = GH_RELAY_SLOTS_OFFSET + slot_count * slot_size;
    if (need > size) {
        snprintf(err, errlen,
                 "mode %" PRIu32 "x%" PRIu32 " needs a relay of %" PRIu64 " bytes (%" PRIu32 " slots of %" PRIu64
                 " bytes), the relay has %" PRIu64 " bytes",
                 width, height, need, slot_count, slot_size, size);
        return -E2BIG;
    }
    return 0;
}

/* Is the header there valid and laid out for exactly this geometry? */
static int
agent_relay_same_geometry(const agent_relay *r, uint32_t width, uint32_t height, uint32_t slot_count,
                          uint32_t slot_size)
{
    const volatile gh_relay_header *h = agent_relay_header(r);

    return __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == GH_RELAY_MAGIC && h->version == GH_RELAY_VERSION &&
           h->header_size == sizeof(gh_relay_header) && h->region_size == r->size &&
           h->slots_offset == GH_RELAY_SLOTS_OFFSET && h->slot_count == slot_count && h->slot_size == slot_size &&
           h->max_width == width && h->max_height == height && h->latest_slot < slot_count;
}

/* Keeps the header; closes a slot whose write was cut short (odd seq) as
 * empty, frame_number 0, which no reader delivers; goes on counting from the
 * newest slot so that a reader never sees the numbers go back. */
static void
agent_relay_adopt(agent_relay *r)
{
    for (uint32_t i = 0; i < r->slot_count; i++) {
        gh_relay_slot *s = agent_relay_slot(r, i);
        uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);

        if (seq & 1) {
            __atomic_store_n(&s->frame_number, 0, __ATOMIC_RELAXED);
            __atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELEASE);
        }
        uint64_t n = __atomic_load_n(&s->frame_number, __ATOMIC_RELAXED);
        if (n > r->last_frame)
            r->last_frame = n;
    }
}

/* The protocol's "Starting" steps, magic last. */
static void
agent_relay_write_header(agent_relay *r, uint32_t width, uint32_t height)
{
    gh_relay_header *h = agent_relay_header(r);

    /* A re-initialisation first hides the old header from readers. */
    __atomic_store_n(&h->magic, 0, __ATOMIC_RELEASE);
    memset(r->mem + sizeof(h->magic), 0, sizeof(*h) - sizeof(h->magic));
    for (uint32_t i = 0; i < r->slot_count; i++)
        memset(agent_relay_slot(r, i), 0, sizeof(gh_relay_slot));
    h->version = GH_RELAY_VERSION;
    h->header_size = sizeof(gh_relay_header);
    h->region_size = r->size;
    h->slots_offset = GH_RELAY_SLOTS_OFFSET;
    h->slot_count = r->slot_count;
    h->slot_size = r->slot_size;
    h->max_width = width;
    h->max_height = height;
    __atomic_store_n(&h->magic, GH_RELAY_MAGIC, __ATOMIC_RELEASE);
}

int
agent_relay_start(agent_relay *r, uint32_t width, uint32_t height, uint32_t slot_count, int adopt)
{
    char err[160];
    int ret = agent_relay_fit(r->size, width, height, slot_count, err, sizeof(err));
    uint32_t slot_size;

    if (ret < 0)
        return ret;
    /* Fits in the region, so well below 4 GiB. */
    slot_size = (uint32_t)gh_relay_slot_size(width, height);
    adopt = adopt && agent_relay_same_geometry(r, width, height, slot_count, slot_size);
    r->slot_count = slot_count;
    r->slot_size = slot_size;
    r->max_width = width;
    r->max_height = height;
    if (adopt) {
        agent_relay_adopt(r);
        return AGENT_RELAY_ADOPTED;
    }
    agent_relay_write_header(r, width, height);
    return AGENT_RELAY_FRESH;
}

uint8_t *
agent_relay_begin(agent_relay *r, const agent_relay_frame *f)
{
    gh_relay_header *h = agent_relay_header(r);
    uint32_t index;
    gh_relay_slot *s;

    if (r->slot_count == 0 || f->width > r->max_width || f->height > r->max_height ||
        f->stride < (uint64_t)f->width * 4u || sizeof(*s) + (uint64_t)f->stride * f->height > r->slot_size)
        return NULL;
    index = (__atomic_load_n(&h->latest_slot, __ATOMIC_RELAXED) + 1) % r->slot_count;
    s = agent_relay_slot(r, index);
    r->writing = index;
    r->writing_seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
    r->writing_frame = f->frame_number;

    __atomic_store_n(&s->seq, r->writing_seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    s->width = f->width;
    s->height = f->height;
    s->stride = f->stride;
    s->format = f->format;
    s->frame_number = f->frame_number;
    s->timestamp_ns = f->timestamp_ns;
    s->input_events = f->input_events;
    return (uint8_t *)s + sizeof(*s);
}

uint32_t
agent_relay_publish(agent_relay *r)
{
    gh_relay_header *h = agent_relay_header(r);
    gh_relay_slot *s = agent_relay_slot(r, r->writing);

    __atomic_store_n(&s->seq, r->writing_seq + 2, __ATOMIC_RELEASE);
    __atomic_store_n(&h->latest_slot, r->writing, __ATOMIC_RELEASE);
    __atomic_store_n(&h->frames_written, h->frames_written + 1, __ATOMIC_RELEASE);
    r->last_frame = r->writing_frame;
    return r->writing;
}

void
agent_relay_heartbeat(agent_relay *r, uint64_t now_ns)
{
    gh_relay_header *h = agent_relay_header(r);

    h->heartbeat_ns = now_ns;
    __atomic_store_n(&h->heartbeat_count, h->heartbeat_count + 1, __ATOMIC_RELEASE);
}
