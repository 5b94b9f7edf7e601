/*
 * demo-arena: a polled driver for the Intel ICH AC97 (PCI 8086:2415, QEMU's
 * -device AC97).  It owns the card: reset, mixer, rates, and the PCM-out and
 * PCM-in DMA boxes, each a loop of 32 buffer descriptors over a ring in RAM.
 */
#ifndef DEMO_ARENA_AC97_H
#define DEMO_ARENA_AC97_H

#include "hw.h"

#define AC97_RATE 48000u
#define AC97_BUFS 32u          /* buffer descriptors per box: the hardware's list */
#define AC97_BUF_FRAMES 96u    /* per descriptor: 2 ms of 16-bit stereo at 48 kHz */
#define AC97_RING_FRAMES (AC97_BUFS * AC97_BUF_FRAMES)

struct ac97_bd {
    u32 addr;
    u32 ctl_len; /* length in 16-bit samples (bits 0-15), flags above */
};

/* A DMA box: its registers and its ring of stereo frames (L | R << 16). */
struct ac97_box {
    u16 port;
    struct ac97_bd bdl[AC97_BUFS] __attribute__((aligned(8)));
    u32 ring[AC97_RING_FRAMES] __attribute__((aligned(16)));
};

struct ac97 {
    u16 nam, nabm;     /* BAR0: mixer registers; BAR1: bus master registers */
    u32 dac_rate;      /* the rates the codec took, read back */
    u32 adc_rate;
    struct ac97_box out, in;
};

/* Finds and sets up the card, both boxes stopped with their lists loaded.
 * 1: ready; 0: no such device; -1: unusable, *why says why. */
int ac97_init(struct ac97 *ac, const char **why);
/* Starts the box's DMA at ring frame 0 with `last` as its last valid buffer. */
void ac97_start(struct ac97_box *box, u32 last);
/* The ring frame the box's DMA moves next. */
u32 ac97_position(const struct ac97_box *box);
/* Lets the DMA run up to the end of buffer `last` (LVI); restarts a box
 * that had stopped there. */
void ac97_set_last(struct ac97_box *box, u32 last);

#endif
