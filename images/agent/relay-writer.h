/* The producer's side of the frame relay (include/gamehost/relay.h): the
 * header written or adopted, a frame written into a slot under its sequence
 * counter and published, the heartbeat.  The one implementation of these
 * steps: the guest agent publishes scanout frames with it and capture-relay's
 * synthetic producer (plugins/capture-relay/relay-producer.c) fills its
 * pattern through it.  libc only, one writer per region, no clock: callers
 * pass the times. */
#ifndef AGENT_RELAY_WRITER_H
#define AGENT_RELAY_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct agent_relay {
    uint8_t *mem;            /* the region, mapped read-write */
    uint64_t size;           /* its bytes: the BAR's (or file's) size */
    uint32_t slot_count;     /* 0 until agent_relay_start wrote or adopted a header */
    uint32_t slot_size;
    uint32_t max_width, max_height;
    uint64_t last_frame;     /* frame_number of the last frame published (or adopted) */
    uint32_t writing;        /* the slot between begin and publish */
    uint64_t writing_seq;    /* its seq before begin (even) */
    uint64_t writing_frame;
} agent_relay;

/* One frame's slot metadata (gh_relay_slot without seq). */
typedef struct agent_relay_frame {
    uint32_t width, height;
    uint32_t stride;         /* bytes per row in the slot, >= width * 4 */
    uint32_t format;         /* GH_RELAY_FORMAT_* */
    uint64_t frame_number;
    uint64_t timestamp_ns;
    uint64_t input_events;
} agent_relay_frame;

/* What agent_relay_start found. */
#define AGENT_RELAY_FRESH   0  /* a new header: slots empty */
#define AGENT_RELAY_ADOPTED 1  /* a valid header of this geometry was kept */

/* Points r at the region (mem, size bytes) with no geometry yet: only the
 * heartbeat may be written until agent_relay_start. */
void agent_relay_attach(agent_relay *r, void *mem, uint64_t size);

/* Can slot_count slots of width x height frames (the sizing rule) live in a
 * region of size bytes?  0; -EINVAL (out of the protocol's range) or -E2BIG
 * (the region is too small), with err naming both sizes. */
int agent_relay_fit(uint64_t size, uint32_t width, uint32_t height, uint32_t slot_count, char *err,
                    size_t errlen);

/* Lays the region out for width x height frames in slot_count slots.  With
 * adopt, a valid header of exactly this geometry is kept (a restarted agent
 * or a rebooted guest): frame numbers go on from the newest slot and a slot
 * left half-written is closed as empty.  Otherwise the header is written
 * anew, magic last, with empty slots; r->last_frame is kept, so numbers go on
 * across a new geometry.  AGENT_RELAY_FRESH, AGENT_RELAY_ADOPTED, or a
 * negative errno from agent_relay_fit (nothing written). */
int agent_relay_start(agent_relay *r, uint32_t width, uint32_t height, uint32_t slot_count, int adopt);

/* Steps 1-3 of writing a frame: picks the slot after latest_slot, makes its
 * seq odd and writes f's metadata.  Returns where f->stride * f->height bytes
 * of pixels go, or NULL (nothing written) when f does not fit a slot of the
 * header.  Every begin is followed by one agent_relay_publish. */
uint8_t *agent_relay_begin(agent_relay *r, const agent_relay_frame *f);

/* Steps 4-5: seq even, latest_slot, frames_written.  Returns the slot. */
uint32_t agent_relay_publish(agent_relay *r);

/* Bumps heartbeat_count and sets heartbeat_ns (any time after attach). */
void agent_relay_heartbeat(agent_relay *r, uint64_t now_ns);

#endif /* AGENT_RELAY_WRITER_H */
