/* Unit tests of audio.dbus's pure parts (plugins/audio-dbus/pcm.c): the
 * stream format it takes from QEMU, the guest's volume and mute, and the
 * microphone's ring, which never blocks, stays bounded and reads short.
 * The D-Bus side runs against real QEMU in the e2e tests. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pcm.h"

/* n stereo frames whose left sample is i and right -i. */
static guint8 *
frames(gsize n, gint start)
{
    int16_t *s = g_new(int16_t, n * 2);

    for (gsize i = 0; i < n; i++) {
        s[2 * i] = (int16_t)(start + (gint)i);
        s[2 * i + 1] = (int16_t)-(start + (gint)i);
    }
    return (guint8 *)s;
}

START_TEST(test_format_48k_stereo_s16le_is_taken)
{
    ck_assert_ptr_null(ad_pcm_format_refusal(16, TRUE, FALSE, 48000, 2, 4, FALSE));
}
END_TEST

START_TEST(test_absurd_formats_are_refused_by_name)
{
    ck_assert_str_eq(ad_pcm_format_refusal(8, FALSE, FALSE, 48000, 2, 2, FALSE), "samples are not signed 16-bit integers");
    ck_assert_str_eq(ad_pcm_format_refusal(32, TRUE, TRUE, 48000, 2, 8, FALSE), "samples are not signed 16-bit integers");
    ck_assert_str_eq(ad_pcm_format_refusal(16, TRUE, FALSE, 48000, 2, 4, TRUE), "samples are big-endian");
    ck_assert_str_eq(ad_pcm_format_refusal(16, TRUE, FALSE, 44100, 2, 4, FALSE), "the rate is not 48000 Hz");
    ck_assert_str_eq(ad_pcm_format_refusal(16, TRUE, FALSE, 48000, 255, 510, FALSE), "there are not 2 channels");
    ck_assert_str_eq(ad_pcm_format_refusal(16, TRUE, FALSE, 48000, 2, 6, FALSE), "a frame is not 4 bytes");
}
END_TEST

START_TEST(test_full_volume_leaves_samples_alone)
{
    int16_t s[4] = { 1000, -1000, 32767, -32768 };
    const guint8 vol[2] = { 255, 255 };

    ad_pcm_apply_volume(s, 2, 2, vol, 2, FALSE);
    ck_assert_int_eq(s[0], 1000);
    ck_assert_int_eq(s[1], -1000);
    ck_assert_int_eq(s[2], 32767);
    ck_assert_int_eq(s[3], -32768);
}
END_TEST

START_TEST(test_volume_scales_each_channel_by_its_own_value)
{
    int16_t s[4] = { 1020, 1020, -1020, -1020 };
    const guint8 vol[2] = { 51, 0 };

    ad_pcm_apply_volume(s, 2, 2, vol, 2, FALSE);
    ck_assert_int_eq(s[0], 204);
    ck_assert_int_eq(s[1], 0);
    ck_assert_int_eq(s[2], -204);
    ck_assert_int_eq(s[3], 0);
}
END_TEST

START_TEST(test_one_volume_value_serves_both_channels)
{
    int16_t s[2] = { 510, -510 };
    const guint8 vol[1] = { 128 };

    ad_pcm_apply_volume(s, 1, 2, vol, 1, FALSE);
    ck_assert_int_eq(s[0], 256);
    ck_assert_int_eq(s[1], -256);
}
END_TEST

START_TEST(test_mute_silences_whatever_the_volume)
{
    int16_t s[4] = { 1, -2, 3, -4 };
    const guint8 vol[2] = { 255, 255 };

    ad_pcm_apply_volume(s, 2, 2, vol, 2, TRUE);
    for (guint i = 0; i < 4; i++)
        ck_assert_int_eq(s[i], 0);
}
END_TEST

START_TEST(test_ring_reads_back_what_was_written_in_order)
{
    AdRing *r = ad_ring_new(100);
    g_autofree guint8 *in = frames(60, 1);
    g_autoptr(GBytes) out = NULL;

    ck_assert_uint_eq(ad_ring_write(r, in, 60), 60);
    out = ad_ring_read(r, 60 * AD_FRAME);
    ck_assert_uint_eq(g_bytes_get_size(out), 60 * AD_FRAME);
    ck_assert(memcmp(g_bytes_get_data(out, NULL), in, 60 * AD_FRAME) == 0);
    ck_assert_uint_eq(ad_ring_frames(r), 0);
    ad_ring_free(r);
}
END_TEST

START_TEST(test_ring_read_is_short_when_less_is_there)
{
    AdRing *r = ad_ring_new(100);
    g_autofree guint8 *in = frames(10, 1);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GBytes) empty = NULL;

    ad_ring_write(r, in, 10);
    out = ad_ring_read(r, 4096);
    ck_assert_uint_eq(g_bytes_get_size(out), 10 * AD_FRAME);
    empty = ad_ring_read(r, 4096);
    ck_assert_uint_eq(g_bytes_get_size(empty), 0);
    ad_ring_free(r);
}
END_TEST

START_TEST(test_ring_keeps_what_fits_and_drops_the_rest)
{
    AdRing *r = ad_ring_new(100);
    g_autofree guint8 *in = frames(150, 1);
    g_autoptr(GBytes) out = NULL;

    ck_assert_uint_eq(ad_ring_write(r, in, 150), 100);
    ck_assert_uint_eq(ad_ring_write(r, in, 1), 0);
    ck_assert_uint_eq(ad_ring_frames(r), 100);
    out = ad_ring_read(r, 1000 * AD_FRAME);
    ck_assert_uint_eq(g_bytes_get_size(out), 100 * AD_FRAME);
    ck_assert(memcmp(g_bytes_get_data(out, NULL), in, 100 * AD_FRAME) == 0);
    ad_ring_free(r);
}
END_TEST

START_TEST(test_ring_wraps_around_without_losing_order)
{
    AdRing *r = ad_ring_new(100);
    g_autofree guint8 *a = frames(70, 1);
    g_autofree guint8 *b = frames(60, 1000);
    g_autoptr(GBytes) first = NULL;
    g_autoptr(GBytes) rest = NULL;

    ad_ring_write(r, a, 70);
    first = ad_ring_read(r, 50 * AD_FRAME);
    ck_assert_uint_eq(ad_ring_write(r, b, 60), 60);
    rest = ad_ring_read(r, 1000 * AD_FRAME);
    ck_assert_uint_eq(g_bytes_get_size(rest), 80 * AD_FRAME);
    ck_assert(memcmp(g_bytes_get_data(rest, NULL), a + 50 * AD_FRAME, 20 * AD_FRAME) == 0);
    ck_assert(memcmp((const guint8 *)g_bytes_get_data(rest, NULL) + 20 * AD_FRAME, b, 60 * AD_FRAME) == 0);
    ad_ring_free(r);
}
END_TEST

START_TEST(test_ring_reads_whole_frames_only)
{
    AdRing *r = ad_ring_new(10);
    g_autofree guint8 *in = frames(10, 1);
    g_autoptr(GBytes) out = NULL;

    ad_ring_write(r, in, 10);
    out = ad_ring_read(r, 3 * AD_FRAME + 3);
    ck_assert_uint_eq(g_bytes_get_size(out), 3 * AD_FRAME);
    ck_assert_uint_eq(ad_ring_frames(r), 7);
    ad_ring_free(r);
}
END_TEST

START_TEST(test_ring_clear_empties_it)
{
    AdRing *r = ad_ring_new(10);
    g_autofree guint8 *in = frames(10, 1);

    ad_ring_write(r, in, 10);
    ad_ring_clear(r);
    ck_assert_uint_eq(ad_ring_frames(r), 0);
    ck_assert_uint_eq(ad_ring_write(r, in, 10), 10);
    ad_ring_free(r);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("audio-dbus");
    TCase *tc = tcase_create("pcm");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_format_48k_stereo_s16le_is_taken);
    tcase_add_test(tc, test_absurd_formats_are_refused_by_name);
    tcase_add_test(tc, test_full_volume_leaves_samples_alone);
    tcase_add_test(tc, test_volume_scales_each_channel_by_its_own_value);
    tcase_add_test(tc, test_one_volume_value_serves_both_channels);
    tcase_add_test(tc, test_mute_silences_whatever_the_volume);
    tcase_add_test(tc, test_ring_reads_back_what_was_written_in_order);
    tcase_add_test(tc, test_ring_read_is_short_when_less_is_there);
    tcase_add_test(tc, test_ring_keeps_what_fits_and_drops_the_rest);
    tcase_add_test(tc, test_ring_wraps_around_without_losing_order);
    tcase_add_test(tc, test_ring_reads_whole_frames_only);
    tcase_add_test(tc, test_ring_clear_empties_it);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
