/*
 * demo-arena: the level and the dominant frequency of a block of 16-bit mono
 * samples (the game's microphone meter).  Integer code with no hardware and
 * no libc, so it builds into the freestanding game and into its unit suite.
 */
#ifndef DEMO_ARENA_AUDIO_DSP_H
#define DEMO_ARENA_AUDIO_DSP_H

#include <stdint.h>

#define AUDIO_DSP_SILENT_DB (-99) /* digital silence, or anything quieter */
#define AUDIO_DSP_GATE_DB (-50)   /* no frequency is reported below this level */
#define AUDIO_DSP_MAX_SAMPLES ((1u << 23) - 1)

struct audio_dsp_result {
    int32_t level_db; /* RMS in dBFS, rounded: 20 log10(rms / 32768), a full-scale sine is -3 */
    uint32_t freq_hz; /* dominant frequency, rounded; 0 below the gate or with no period */
};

/* Analyses samples[0..n) taken at `rate` Hz; blocks longer than
 * AUDIO_DSP_MAX_SAMPLES are cut to that. */
void audio_dsp_analyse(const int16_t *samples, uint32_t n, uint32_t rate,
                       struct audio_dsp_result *out);

#endif
