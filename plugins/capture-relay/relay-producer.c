/* The synthetic relay producer (relay-producer.h).  Release stores and
 * fences stand for the write barriers of the protocol's algorithm. */
#include <errno.h>
#include <string.h>

#include <gamehost/relay.h>

#include "relay-producer.h"

static gh_relay_header *
gh_relay_producer_header(gh_relay_producer *p)
{
    return (gh_relay_header *)p->mem;
}

static gh_relay_slot *
gh_relay_producer_slot(gh_relay_producer *p, uint32_t index)
{
    return (gh_relay_slot *)(p->mem + GH_RELAY_SLOTS_OFFSET + (uint64_t)index * p->slot_size);
}

int
gh_relay_producer_init(gh_relay_producer *p, void *mem, uint64_t size, uint32_t width, uint32_t height,
                       uint32_t slot_count)
{
    gh_relay_header *h = mem;
    uint64_t slot_size;

    if (width == 0 || height == 0 || width > GH_RELAY_MAX_WIDTH || height > GH_RELAY_MAX_HEIGHT ||
        slot_count < GH_RELAY_MIN_SLOTS || slot_count > GH_RELAY_MAX_SLOTS)
        return -EINVAL;
    slot_size = gh_relay_slot_size(width, height);
    if (slot_size > UINT32_MAX || GH_RELAY_SLOTS_OFFSET + slot_count * slot_size > size)
        return -EINVAL;

    memset(p, 0, sizeof(*p));
    p->mem = mem;
    p->size = size;
    p->width = width;
    p->height = height;
    p->stride = width * 4u;
    p->slot_count = slot_count;
    p->slot_size = (uint32_t)slot_size;
    p->format = GH_RELAY_FORMAT_BGRX8888;

    /* A re-initialisation first hides the old header from readers. */
    __atomic_store_n(&h->magic, 0, __ATOMIC_RELEASE);
    memset((uint8_t *)mem + sizeof(h->magic), 0, sizeof(*h) - sizeof(h->magic));
    for (uint32_t i = 0; i < slot_count; i++)
        memset(gh_relay_producer_slot(p, i), 0, sizeof(gh_relay_slot));
    h->version = GH_RELAY_VERSION;
    h->header_size = sizeof(gh_relay_header);
    h->region_size = size;
    h->slots_offset = GH_RELAY_SLOTS_OFFSET;
    h->slot_count = slot_count;
    h->slot_size = p->slot_size;
    h->max_width = width;
    h->max_height = height;
    __atomic_store_n(&h->magic, GH_RELAY_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

uint32_t
gh_relay_producer_pattern(uint64_t frame_number)
{
    /* Neighbouring frames differ in every byte, so a torn copy shows. */
    return (uint32_t)(frame_number * 0x9e3779b97f4a7c15ull >> 32) | 0xff000000u;
}

uint32_t
gh_relay_producer_write_frame(gh_relay_producer *p, uint64_t frame_number, uint64_t timestamp_ns,
                              uint64_t input_events)
{
    gh_relay_header *h = gh_relay_producer_header(p);
    uint32_t index = (__atomic_load_n(&h->latest_slot, __ATOMIC_RELAXED) + 1) % p->slot_count;
    gh_relay_slot *s = gh_relay_producer_slot(p, index);
    uint32_t value = gh_relay_producer_pattern(frame_number);
    uint64_t seq = __atomic_load_n(&s->seq, __ATOMIC_RELAXED);
    uint32_t *row;

    __atomic_store_n(&s->seq, seq + 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    s->width = p->width;
    s->height = p->height;
    s->stride = p->stride;
    s->format = p->format;
    s->frame_number = frame_number;
    s->timestamp_ns = timestamp_ns;
    s->input_events = input_events;
    row = (uint32_t *)((uint8_t *)s + sizeof(*s));
    for (uint64_t i = 0, n = (uint64_t)p->width * p->height; i < n; i++)
        row[i] = value;
    __atomic_store_n(&s->seq, seq + 2, __ATOMIC_RELEASE);
    __atomic_store_n(&h->latest_slot, index, __ATOMIC_RELEASE);
    __atomic_store_n(&h->frames_written, h->frames_written + 1, __ATOMIC_RELEASE);
    return index;
}

void
gh_relay_producer_heartbeat(gh_relay_producer *p, uint64_t now_ns)
{
    gh_relay_header *h = gh_relay_producer_header(p);

    h->heartbeat_ns = now_ns;
    __atomic_store_n(&h->heartbeat_count, h->heartbeat_count + 1, __ATOMIC_RELEASE);
}
