/* The synthetic relay producer (relay-producer.h): the pattern and the frame
 * description; the header, the slot's seqlock and the publication are the
 * agent's relay writer (images/agent/relay-writer.c). */
#include <errno.h>
#include <string.h>

#include <gamehost/relay.h>

#include "relay-producer.h"

int
gh_relay_producer_init(gh_relay_producer *p, void *mem, uint64_t size, uint32_t width, uint32_t height,
                       uint32_t slot_count)
{
    agent_relay relay;

    /* Always a new header: a re-initialised producer counts from 1 again,
     * as a rebooted guest's may. */
    agent_relay_attach(&relay, mem, size);
    if (agent_relay_start(&relay, width, height, slot_count, 0) < 0)
        return -EINVAL;

    memset(p, 0, sizeof(*p));
    p->mem = mem;
    p->size = size;
    p->width = width;
    p->height = height;
    p->stride = width * 4u;
    p->slot_count = slot_count;
    p->slot_size = relay.slot_size;
    p->format = GH_RELAY_FORMAT_BGRX8888;
    p->relay = relay;
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
    agent_relay_frame f = {
        .width = p->width,
        .height = p->height,
        .stride = p->stride,
        .format = p->format,
        .frame_number = frame_number,
        .timestamp_ns = timestamp_ns,
        .input_events = input_events,
    };
    uint32_t value = gh_relay_producer_pattern(frame_number);
    uint32_t *px = (uint32_t *)agent_relay_begin(&p->relay, &f);

    /* init sized the slots for exactly these frames: begin cannot refuse. */
    for (uint64_t i = 0, n = (uint64_t)p->width * p->height; i < n; i++)
        px[i] = value;
    return agent_relay_publish(&p->relay);
}

void
gh_relay_producer_heartbeat(gh_relay_producer *p, uint64_t now_ns)
{
    agent_relay_heartbeat(&p->relay, now_ns);
}
