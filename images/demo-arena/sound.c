/*
 * demo-arena: the game's sound on the AC97 (ac97.c), driven once a frame.
 *
 * Output: the PCM-out ring always holds SOUND_LEAD_FRAMES (28 ms, rounded
 * up to the 2 ms buffer) of sound ahead of the DMA, and LVI stops the DMA at
 * the end of it, so a stalled game goes silent instead of replaying old
 * sound.  Frames are counted from the start ("n", wrapping at 2^32) and what
 * is played at frame n is a function of n and of the voices (tone, click,
 * sync click), each a start frame and a length.  A frame's events start
 * their voice at `now`, the frame the DMA takes next, and the ring is
 * rewritten from there: sound starts with the frame that shows its cause,
 * not 28 ms later, and the rewrite repeats the unchanged voices exactly
 * (the tone's phase is (n - start) mod 80, so refills never click).
 *
 * Input: the PCM-in ring runs with LVI just behind what the game has read,
 * so the DMA never overwrites unread samples; each frame takes what arrived,
 * as mono, into one second's buffer for the meter (audio-dsp.c).
 */
#include "sound.h"

#include "ac97.h"
#include "audio-dsp.h"

#define SOUND_LEAD_FRAMES (28u * AC97_RATE / 1000u)
#define TONE_PERIOD 80u          /* 600 Hz at 48 kHz, exactly */
#define CLICK_FRAMES 240u        /* 5 ms */
#define CLICK_HALF_PERIOD 10u    /* a 2400 Hz square... */
#define CLICK_PEAK 12000         /* ...from -8.7 dBFS down to 0 */
#define FLASH_FRAMES 480u        /* 10 ms */
#define FLASH_HALF_PERIOD 24u    /* a 1 kHz full-scale square */
#define FLASH_PEAK 32767
#define VOICE_HELD 0xFFFFFFFFu   /* length of a tone while its key is down */

struct sound_voice {
    int on;
    u32 start, len; /* frames */
};

static struct ac97 sound_ac;
static int sound_on;
static i16 sound_sine[TONE_PERIOD]; /* one period of the tone, 1/8 of full scale */

static u32 sound_now;     /* the frame the DMA takes next */
static u32 sound_ring_at; /* its place in the ring */
static u32 sound_end;     /* the ring holds sound up to here */
static struct sound_voice sound_tone, sound_click, sound_flash;

static i16 sound_mic_buf[AC97_RATE]; /* one second, mono */
static u32 sound_mic_len;
static u32 sound_in_at; /* next PCM-in ring frame to read */

/* 4096 sin(2 pi k / 80) for k = 0..20; the rest of the period by symmetry. */
static const i16 sound_quarter_sine[TONE_PERIOD / 4 + 1] = {
    0, 321, 641, 956, 1266, 1567, 1860, 2140, 2408, 2660, 2896,
    3115, 3314, 3492, 3650, 3784, 3896, 3983, 4046, 4083, 4096,
};

static void sound_sine_init(void)
{
    for (u32 k = 0; k < TONE_PERIOD / 2; k++) {
        u32 q = k <= TONE_PERIOD / 4 ? k : TONE_PERIOD / 2 - k;
        sound_sine[k] = sound_quarter_sine[q];
        sound_sine[k + TONE_PERIOD / 2] = (i16)-sound_quarter_sine[q];
    }
}

/* 1 when voice v sounds at frame n, *t then its frame. */
static int sound_voice_at(const struct sound_voice *v, u32 n, u32 *t)
{
    *t = n - v->start;
    return v->on && *t < v->len;
}

static i32 sound_sample(u32 n)
{
    i32 s = 0;
    u32 t;
    if (sound_voice_at(&sound_tone, n, &t))
        s += sound_sine[t % TONE_PERIOD];
    if (sound_voice_at(&sound_click, n, &t)) {
        i32 amp = CLICK_PEAK * (i32)(CLICK_FRAMES - t) / (i32)CLICK_FRAMES;
        s += ((t / CLICK_HALF_PERIOD) & 1) ? -amp : amp;
    }
    if (sound_voice_at(&sound_flash, n, &t))
        s += ((t / FLASH_HALF_PERIOD) & 1) ? -FLASH_PEAK : FLASH_PEAK;
    return s < -32768 ? -32768 : s > 32767 ? 32767 : s;
}

/* Writes frames [from, to) into the PCM-out ring, both channels alike. */
static void sound_render(u32 from, u32 to)
{
    u32 k = (sound_ring_at + (from - sound_now)) % AC97_RING_FRAMES;
    for (u32 n = from; n != to; n++) {
        u32 v = (u16)sound_sample(n);
        sound_ac.out.ring[k] = v | v << 16;
        if (++k == AC97_RING_FRAMES)
            k = 0;
    }
}

/* Moves sound_now to where the DMA is.  It cannot have gone round the ring
 * since the last frame: it stops at sound_end, less than a ring ahead. */
static void sound_out_advance(void)
{
    u32 p = ac97_position(&sound_ac.out);
    sound_now += (p + AC97_RING_FRAMES - sound_ring_at) % AC97_RING_FRAMES;
    sound_ring_at = p;
}

static void sound_voice_start(struct sound_voice *v, u32 len)
{
    v->on = 1;
    v->start = sound_now;
    v->len = len;
}

static void sound_voice_retire(struct sound_voice *v)
{
    if (v->on && v->len != VOICE_HELD && sound_now - v->start >= v->len)
        v->on = 0;
}

/* The tone follows `held`; a released tone ends at its next zero crossing.
 * Returns 1 when what plays from now on changed. */
static int sound_tone_follow(int held)
{
    int was_held = sound_tone.on && sound_tone.len == VOICE_HELD;
    u32 played = sound_now - sound_tone.start;
    if (was_held && played >= 1u << 30) /* hours: whole periods on, n - start never wraps */
        sound_tone.start += played / TONE_PERIOD * TONE_PERIOD;
    if (held == was_held)
        return 0;
    if (!held) {
        played = sound_now - sound_tone.start;
        sound_tone.len = (played + TONE_PERIOD - 1) / TONE_PERIOD * TONE_PERIOD;
    } else if (sound_tone.on) {
        sound_tone.len = VOICE_HELD; /* pressed again before it ended: same phase */
    } else {
        sound_voice_start(&sound_tone, VOICE_HELD);
    }
    return 1;
}

/* Keeps SOUND_LEAD_FRAMES (up to the end of a buffer) queued, rewritten
 * from now when `changed`, and lets the DMA run up to its end. */
static void sound_out_refill(int changed)
{
    u32 end_ring = (sound_ring_at + SOUND_LEAD_FRAMES + AC97_BUF_FRAMES - 1) /
                   AC97_BUF_FRAMES * AC97_BUF_FRAMES;
    u32 to = sound_now + (end_ring - sound_ring_at);
    u32 from = changed ? sound_now : sound_end;
    if ((i32)(from - sound_now) < 0 || (i32)(to - from) < 0)
        from = sound_now;
    sound_render(from, to);
    sound_end = to;
    ac97_set_last(&sound_ac.out, end_ring / AC97_BUF_FRAMES - 1);
}

/* Takes what PCM-in recorded since the last frame, as mono. */
static void sound_mic_take(void)
{
    u32 p = ac97_position(&sound_ac.in);
    for (u32 k = sound_in_at; k != p; k = (k + 1) % AC97_RING_FRAMES) {
        u32 f = sound_ac.in.ring[k];
        if (sound_mic_len < AC97_RATE)
            sound_mic_buf[sound_mic_len++] = (i16)(((i16)(f & 0xFFFF) + (i16)(f >> 16)) >> 1);
    }
    sound_in_at = p;
    ac97_set_last(&sound_ac.in, p / AC97_BUF_FRAMES + AC97_BUFS - 1);
}

void sound_init(struct sound_card *card)
{
    card->error = 0;
    card->state = ac97_init(&sound_ac, &card->error);
    if (card->state != 1)
        return;
    card->io = sound_ac.nam;
    card->dac_rate = sound_ac.dac_rate;
    card->adc_rate = sound_ac.adc_rate;
    sound_sine_init();
    sound_out_refill(0); /* the first 28 ms: silence */
    ac97_start(&sound_ac.out, sound_end / AC97_BUF_FRAMES - 1);
    ac97_start(&sound_ac.in, AC97_BUFS - 1);
    sound_on = 1;
}

void sound_frame(int moved, int held, int flash)
{
    if (!sound_on)
        return;
    sound_out_advance();
    sound_voice_retire(&sound_tone);
    sound_voice_retire(&sound_click);
    sound_voice_retire(&sound_flash);
    int changed = sound_tone_follow(held);
    if (moved)
        sound_voice_start(&sound_click, CLICK_FRAMES);
    if (flash)
        sound_voice_start(&sound_flash, FLASH_FRAMES);
    sound_out_refill(changed || moved || flash);
    sound_mic_take();
}

void sound_mic_report(struct sound_mic *out)
{
    struct audio_dsp_result r;
    audio_dsp_analyse(sound_mic_buf, sound_mic_len, sound_ac.adc_rate, &r);
    sound_mic_len = 0;
    out->level_db = r.level_db;
    out->freq_hz = r.freq_hz;
}
