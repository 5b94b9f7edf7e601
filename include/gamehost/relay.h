/* SPDX-License-Identifier: MIT */
/* gamehost frame relay: the shared-memory layout a guest-side producer
 * writes frames into and the host's capture.relay plugin reads, with no
 * syscall per frame.  The memory is an ivshmem-plain device in the guest
 * (BAR2) and a file under /dev/shm on the host.  docs/frame-relay.md is the
 * protocol description; this header is its definition.
 *
 * Layout (all little-endian, offsets from the start of the region):
 *
 *   0                    gh_relay_header (128 bytes, two cache lines: the
 *                        static description, then what changes per frame)
 *   slots_offset         slot 0: gh_relay_slot (64 bytes) + pixels
 *   slots_offset + k*slot_size   slot k, k < slot_count
 *
 * Writing a frame (the producer):
 *   1. pick the slot after latest_slot (mod slot_count);
 *   2. seq += 1 (now odd: being written); write barrier;
 *   3. write the metadata and the pixels; write barrier;
 *   4. seq += 1 (even again); write barrier;
 *   5. latest_slot = that slot; frames_written += 1.
 * The producer also bumps heartbeat_count (and heartbeat_ns) at least every
 * 100 ms, frames or not, so a reader can tell a stopped producer from a
 * still picture.
 *
 * Reading a frame (the consumer): read latest_slot; s1 = seq (acquire); if
 * odd, retry; copy the metadata and pixels; read barrier; s2 = seq; if
 * s2 != s1 the copy is torn: discard it.  Never deliver a slot whose
 * frame_number is not newer than the last one delivered (stale).
 *
 * Sizing rule (enforced by the host when the session starts):
 *   stride      = width * 4
 *   slot_size   = align(64 + stride * height, 4096)
 *   region_size = next power of two >= GH_RELAY_SLOTS_OFFSET + slot_count * slot_size
 * e.g. 640x480: 4 MiB; 1920x1080: 32 MiB; 3840x2160: 128 MiB (3 slots). */
#ifndef GAMEHOST_RELAY_H
#define GAMEHOST_RELAY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GH_RELAY_MAGIC        0x31594c4552484721ull /* "!GHRELY1" little-endian */
#define GH_RELAY_VERSION      1u
#define GH_RELAY_MIN_SLOTS    3u
#define GH_RELAY_MAX_SLOTS    8u
#define GH_RELAY_SLOTS_OFFSET 4096u                 /* slot 0 starts on its own page */
#define GH_RELAY_SLOT_ALIGN   4096u
#define GH_RELAY_MAX_WIDTH    7680u
#define GH_RELAY_MAX_HEIGHT   4320u

/* gh_relay_slot.format: as gh_frame's (include/gamehost/plugin.h). */
#define GH_RELAY_FORMAT_BGRX8888 1u
#define GH_RELAY_FORMAT_RGBX8888 2u

typedef struct gh_relay_header {
    /* line 0: written once by the producer before the first frame */
    uint64_t magic;             /* GH_RELAY_MAGIC */
    uint32_t version;           /* GH_RELAY_VERSION */
    uint32_t header_size;       /* sizeof(gh_relay_header) */
    uint64_t region_size;       /* bytes of the whole region */
    uint64_t slots_offset;      /* GH_RELAY_SLOTS_OFFSET */
    uint32_t slot_count;        /* GH_RELAY_MIN_SLOTS..GH_RELAY_MAX_SLOTS */
    uint32_t slot_size;         /* bytes per slot, metadata included, multiple of GH_RELAY_SLOT_ALIGN */
    uint32_t max_width;         /* the largest frame a slot holds */
    uint32_t max_height;
    uint32_t reserved0[4];
    /* line 1: changes while the producer runs */
    volatile uint64_t heartbeat_count; /* bumped at least every 100 ms */
    volatile uint64_t heartbeat_ns;    /* producer's clock at that bump */
    volatile uint64_t frames_written;
    volatile uint32_t latest_slot;     /* last completed slot */
    uint32_t reserved1;
    uint64_t reserved2[4];
} gh_relay_header;

typedef struct gh_relay_slot {
    volatile uint64_t seq;      /* odd while being written */
    uint32_t width, height;
    uint32_t stride;            /* bytes per row, >= width * 4 */
    uint32_t format;            /* GH_RELAY_FORMAT_* */
    uint64_t frame_number;      /* counts from 1 */
    uint64_t timestamp_ns;      /* producer's clock when the frame was made */
    uint64_t input_events;      /* input events the guest had applied when it drew it */
    uint64_t reserved[2];
    /* height * stride bytes of pixels follow */
} gh_relay_slot;

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__cplusplus)
_Static_assert(sizeof(gh_relay_header) == 128, "relay header is two cache lines");
_Static_assert(__builtin_offsetof(gh_relay_header, heartbeat_count) == 64, "per-frame fields start line 1");
_Static_assert(__builtin_offsetof(gh_relay_header, latest_slot) == 88, "latest_slot offset");
_Static_assert(sizeof(gh_relay_slot) == 64, "slot metadata is one cache line");
_Static_assert(__builtin_offsetof(gh_relay_slot, input_events) == 40, "input_events offset");
#endif

/* The sizing rule, for the producer and the host alike. */
static inline uint64_t
gh_relay_slot_size(uint32_t width, uint32_t height)
{
    uint64_t bytes = (uint64_t)sizeof(gh_relay_slot) + (uint64_t)width * 4u * height;
    return (bytes + GH_RELAY_SLOT_ALIGN - 1) / GH_RELAY_SLOT_ALIGN * GH_RELAY_SLOT_ALIGN;
}

static inline uint64_t
gh_relay_region_size(uint32_t width, uint32_t height, uint32_t slot_count)
{
    uint64_t need = GH_RELAY_SLOTS_OFFSET + (uint64_t)slot_count * gh_relay_slot_size(width, height);
    uint64_t size = 1;

    while (size < need)
        size <<= 1;
    return size;
}

#ifdef __cplusplus
}
#endif
#endif /* GAMEHOST_RELAY_H */
