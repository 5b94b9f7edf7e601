/*
 * demo-arena: the game's sound on the AC97 (ac97.c): a click when the player
 * moves, a 600 Hz tone while a key is held, the F8 sync click, and the
 * microphone's level and pitch (audio-dsp.c).  Driven once a frame.
 */
#ifndef DEMO_ARENA_SOUND_H
#define DEMO_ARENA_SOUND_H

#include "hw.h"

struct sound_card {
    int state;         /* 1: playing; 0: no AC97; -1: one the game cannot use */
    const char *error; /* why, when -1 */
    u32 io;            /* mixer (NAM) I/O base */
    u32 dac_rate, adc_rate;
};

struct sound_mic {
    i32 level_db; /* RMS in dBFS, -99 for silence */
    u32 freq_hz;  /* dominant frequency, 0 when too quiet */
};

/* Finds the card and starts playing silence and recording. */
void sound_init(struct sound_card *card);
/* Once a frame, right after it was presented: `moved` starts a click,
 * `held` (a key is down) keeps the tone on, `flash` starts the sync click;
 * each starts at the sample the card plays next.  Refills what is queued
 * ahead and takes in what was recorded. */
void sound_frame(int moved, int held, int flash);
/* Level and frequency of what was recorded since the last call. */
void sound_mic_report(struct sound_mic *out);

#endif
