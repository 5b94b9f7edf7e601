/* The synthetic relay producer: writes the frame relay protocol
 * (include/gamehost/relay.h) into any memory, for the capture-relay tests,
 * bench/relay-producer and bench/relay-bench.  The protocol's steps are the
 * guest agent's relay writer (images/agent/relay-writer.c); this only fills
 * a pattern.  docs/frame-relay.md describes them. */
#ifndef GH_RELAY_PRODUCER_H
#define GH_RELAY_PRODUCER_H

#include <stdint.h>

#include "relay-writer.h"

typedef struct gh_relay_producer {
    uint8_t *mem;
    uint64_t size;
    uint32_t width, height, stride;
    uint32_t slot_count;
    uint32_t slot_size;
    uint32_t format;
    agent_relay relay;       /* the writer; the fields above describe its frames */
} gh_relay_producer;

/* Writes the header (magic last) and empty slots into mem (size bytes,
 * zeroed or not) for frames of width x height in slot_count slots, laid out
 * by the sizing rule.  0, or -EINVAL when they do not fit or are out of the
 * protocol's range. */
int gh_relay_producer_init(gh_relay_producer *p, void *mem, uint64_t size, uint32_t width, uint32_t height,
                           uint32_t slot_count);

/* The pixel value (BGRX) every pixel of frame frame_number has. */
uint32_t gh_relay_producer_pattern(uint64_t frame_number);

/* Writes one frame, every pixel gh_relay_producer_pattern(frame_number),
 * into the slot after latest_slot, and publishes it.  Returns the slot. */
uint32_t gh_relay_producer_write_frame(gh_relay_producer *p, uint64_t frame_number, uint64_t timestamp_ns,
                                       uint64_t input_events);

/* Bumps heartbeat_count and sets heartbeat_ns. */
void gh_relay_producer_heartbeat(gh_relay_producer *p, uint64_t now_ns);

#endif /* GH_RELAY_PRODUCER_H */
