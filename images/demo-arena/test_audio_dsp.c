/* Specification of audio-dsp.c, the demo game's microphone meter: the RMS
 * level of a block in dBFS (a full-scale sine is -3) within 1 dB, and its
 * dominant frequency within 1 % for tones from 200 to 2000 Hz, clean, in
 * noise and over a DC offset; silence is -99 dBFS at 0 Hz, and no frequency
 * is reported below -50 dBFS.  Blocks are one second at 48 kHz, as the game's. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "audio-dsp.h"

#define RATE 48000u
#define BLOCK RATE

static const double tone_hz[] = { 200, 440, 600, 880, 1000, 2000 };
#define N_TONES ((int)(sizeof tone_hz / sizeof tone_hz[0]))

static int16_t block[BLOCK];

static double
db_of_rms(double rms)
{
    return 20.0 * log10(rms / 32768.0);
}

/* A sine of `peak` at hz (plus dc), with uniform noise of +-noise from a
 * fixed LCG so that every run sees the same samples. */
static void
fill_tone(double hz, double peak, int dc, int noise)
{
    uint32_t lcg = 12345;

    for (uint32_t i = 0; i < BLOCK; i++) {
        double v = peak * sin(2.0 * M_PI * hz * i / RATE + 0.3) + dc;
        if (noise) {
            lcg = lcg * 1664525u + 1013904223u;
            v += (double)(lcg >> 16) / 65535.0 * 2.0 * noise - noise;
        }
        block[i] = (int16_t)lrint(fmax(-32768.0, fmin(32767.0, v)));
    }
}

static struct audio_dsp_result
analyse(uint32_t n)
{
    struct audio_dsp_result r = { 12345, 12345 };

    audio_dsp_analyse(block, n, RATE, &r);
    return r;
}

static void
assert_freq_within_1_percent(uint32_t got, double want)
{
    ck_assert_msg(fabs(got - want) <= want / 100.0, "frequency %u Hz for a %.0f Hz tone", got, want);
}

static void
assert_level_within_1_db(int32_t got, double want_db)
{
    ck_assert_msg(fabs(got - want_db) <= 1.0, "level %d dBFS, expected %.2f", got, want_db);
}

START_TEST(test_tone_frequency_within_1_percent)
{
    fill_tone(tone_hz[_i], 4096, 0, 0);
    assert_freq_within_1_percent(analyse(BLOCK).freq_hz, tone_hz[_i]);
}
END_TEST

START_TEST(test_tone_in_noise_frequency_within_1_percent)
{
    /* SNR about 8 dB: noise of +-4000 (rms 2309) under a peak of 8000. */
    fill_tone(tone_hz[_i], 8000, 0, 4000);
    assert_freq_within_1_percent(analyse(BLOCK).freq_hz, tone_hz[_i]);
}
END_TEST

START_TEST(test_tone_over_dc_offset_frequency_within_1_percent)
{
    fill_tone(tone_hz[_i], 4096, 6000, 0);
    assert_freq_within_1_percent(analyse(BLOCK).freq_hz, tone_hz[_i]);
}
END_TEST

START_TEST(test_full_scale_sine_is_minus_3_dbfs)
{
    fill_tone(1000, 32767, 0, 0);
    ck_assert_int_eq(analyse(BLOCK).level_db, -3); /* -3.01 */
}
END_TEST

START_TEST(test_eighth_scale_sine_is_minus_21_dbfs)
{
    fill_tone(600, 4096, 0, 0);
    ck_assert_int_eq(analyse(BLOCK).level_db, -21); /* -21.07 */
}
END_TEST

START_TEST(test_quiet_sine_is_minus_53_dbfs)
{
    fill_tone(880, 100, 0, 0);
    ck_assert_int_eq(analyse(BLOCK).level_db, -53); /* -53.3 */
}
END_TEST

START_TEST(test_tone_in_noise_level_within_1_db)
{
    /* Power adds: the sine's peak^2 / 2 and the uniform noise's a^2 / 3. */
    fill_tone(tone_hz[_i], 8000, 0, 4000);
    assert_level_within_1_db(analyse(BLOCK).level_db,
                             db_of_rms(sqrt(8000.0 * 8000.0 / 2 + 4000.0 * 4000.0 / 3)));
}
END_TEST

START_TEST(test_digital_silence_is_minus_99_dbfs_at_0_hz)
{
    struct audio_dsp_result r;

    for (uint32_t i = 0; i < BLOCK; i++)
        block[i] = 0;
    r = analyse(BLOCK);
    ck_assert_int_eq(r.level_db, AUDIO_DSP_SILENT_DB);
    ck_assert_uint_eq(r.freq_hz, 0);
}
END_TEST

START_TEST(test_empty_block_is_silence)
{
    struct audio_dsp_result r = analyse(0);

    ck_assert_int_eq(r.level_db, AUDIO_DSP_SILENT_DB);
    ck_assert_uint_eq(r.freq_hz, 0);
}
END_TEST

START_TEST(test_tone_below_minus_50_dbfs_has_a_level_but_no_frequency)
{
    struct audio_dsp_result r;

    fill_tone(880, 60, 0, 0); /* -57.7 dBFS */
    r = analyse(BLOCK);
    ck_assert_int_eq(r.level_db, -58);
    ck_assert_uint_eq(r.freq_hz, 0);
}
END_TEST

START_TEST(test_tone_just_above_minus_50_dbfs_has_its_frequency)
{
    struct audio_dsp_result r;

    fill_tone(880, 150, 0, 0); /* -49.8 dBFS */
    r = analyse(BLOCK);
    ck_assert_int_eq(r.level_db, -50);
    assert_freq_within_1_percent(r.freq_hz, 880);
}
END_TEST

START_TEST(test_constant_block_has_a_level_but_no_frequency)
{
    struct audio_dsp_result r;

    for (uint32_t i = 0; i < BLOCK; i++)
        block[i] = -8192;
    r = analyse(BLOCK);
    ck_assert_int_eq(r.level_db, -12); /* 20 log10(1/4) = -12.04 */
    ck_assert_uint_eq(r.freq_hz, 0);
}
END_TEST

START_TEST(test_full_scale_square_is_0_dbfs)
{
    for (uint32_t i = 0; i < BLOCK; i++)
        block[i] = (i / 24) % 2 ? -32768 : 32767; /* 1000 Hz */
    ck_assert_int_eq(analyse(BLOCK).level_db, 0);
    ck_assert_uint_eq(analyse(BLOCK).freq_hz, 1000);
}
END_TEST

static Suite *
audio_dsp_suite(void)
{
    Suite *s = suite_create("audio_dsp");
    TCase *tc = tcase_create("frequency");

    tcase_add_loop_test(tc, test_tone_frequency_within_1_percent, 0, N_TONES);
    tcase_add_loop_test(tc, test_tone_in_noise_frequency_within_1_percent, 0, N_TONES);
    tcase_add_loop_test(tc, test_tone_over_dc_offset_frequency_within_1_percent, 0, N_TONES);
    tcase_add_test(tc, test_tone_below_minus_50_dbfs_has_a_level_but_no_frequency);
    tcase_add_test(tc, test_tone_just_above_minus_50_dbfs_has_its_frequency);
    tcase_add_test(tc, test_constant_block_has_a_level_but_no_frequency);
    suite_add_tcase(s, tc);

    tc = tcase_create("level");
    tcase_add_test(tc, test_full_scale_sine_is_minus_3_dbfs);
    tcase_add_test(tc, test_eighth_scale_sine_is_minus_21_dbfs);
    tcase_add_test(tc, test_quiet_sine_is_minus_53_dbfs);
    tcase_add_loop_test(tc, test_tone_in_noise_level_within_1_db, 0, N_TONES);
    tcase_add_test(tc, test_full_scale_square_is_0_dbfs);
    tcase_add_test(tc, test_digital_silence_is_minus_99_dbfs_at_0_hz);
    tcase_add_test(tc, test_empty_block_is_silence);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(audio_dsp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
