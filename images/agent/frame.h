/* The guest agent's frames: the scanout read once per tick into RAM (VRAM
 * and BAR reads are slow, so nothing reads it twice), compared with the last
 * frame published, and published into the relay only when it changed.  Owns
 * two RAM buffers of one frame each; no clock, no logging. */
#ifndef AGENT_FRAME_H
#define AGENT_FRAME_H

#include <stdint.h>

#include "relay-writer.h"

typedef struct agent_frame {
    uint32_t width, height;   /* of both buffers; rows are width * 4 bytes */
    uint8_t *cur;             /* this tick's read */
    uint8_t *last;            /* the last frame published */
    int have_last;            /* 0: publish whatever the next read gives */
} agent_frame;

/* (Re)sizes the buffers of f (zeroed, or sized before) for width x height
 * frames; forgets the last frame.  0, or -ENOMEM (f then holds none). */
int agent_frame_resize(agent_frame *f, uint32_t width, uint32_t height);

/* The next read is published whatever it holds (a new relay header's slots
 * are empty). */
void agent_frame_forget(agent_frame *f);

/* Copies width x height pixels from src (rows src_stride bytes apart) into
 * cur.  1 when they differ from the last frame published (or there is
 * none), 0 when they are the same. */
int agent_frame_read(agent_frame *f, const uint8_t *src, uint32_t src_stride);

/* Publishes cur as frame r->last_frame + 1 (rows of width * 4 bytes,
 * input_events 0) and keeps it as the last frame.  0, or -E2BIG when the
 * relay's header does not hold frames of this size (nothing written). */
int agent_frame_publish(agent_frame *f, agent_relay *r, uint32_t format, uint64_t timestamp_ns);

/* A tick's work: agent_frame_read, then agent_frame_publish if the frame
 * changed.  1 published, 0 unchanged (nothing written), -E2BIG as publish. */
int agent_frame_update(agent_frame *f, agent_relay *r, const uint8_t *src, uint32_t src_stride, uint32_t format,
                       uint64_t timestamp_ns);

void agent_frame_free(agent_frame *f);

#endif /* AGENT_FRAME_H */
