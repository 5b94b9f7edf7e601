/* Unit tests of stream-record's timeline.c: plain arithmetic, so exact
 * frame counts.  Sound at 48 kHz, where 1 ms is 48 frames; the origin (the
 * first frame's capture time) at 1000 s of host time. */
#include "test_stream_record_timeline.h"

#include <stdint.h>

#include <glib.h>

#include "timeline.h"

#define MS     G_GUINT64_CONSTANT(1000000)
#define ORIGIN (G_GUINT64_CONSTANT(1000000) * MS)
#define RATE   48000u

static sr_timeline
timeline_at_origin(void)
{
    sr_timeline t;

    sr_timeline_start(&t, ORIGIN, RATE);
    return t;
}

START_TEST(test_a_frame_and_a_chunk_captured_together_get_one_file_time)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    /* The frame drawn at origin + 1.5 s, and the sound captured then. */
    ck_assert_int_eq(sr_timeline_pts(&t, ORIGIN + 1500 * MS), (int64_t)(1500 * MS));
    sr_timeline_place(&t, ORIGIN + 1500 * MS, 1024, &p);
    ck_assert_uint_eq(sr_timeline_frame_pts(&t, p.at + p.silence), 1500 * MS);
}
END_TEST

START_TEST(test_host_time_before_the_origin_is_negative)
{
    sr_timeline t = timeline_at_origin();

    ck_assert_int_eq(sr_timeline_pts(&t, ORIGIN - 20 * MS), -(int64_t)(20 * MS));
}
END_TEST

START_TEST(test_the_first_chunk_goes_exactly_at_its_time)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    /* 1 ms late is within the tolerance, but nothing is there to join. */
    sr_timeline_place(&t, ORIGIN + 1 * MS, 1024, &p);
    ck_assert_uint_eq(p.at, 0);
    ck_assert_uint_eq(p.silence, 48);
    ck_assert_uint_eq(p.skip, 0);
    ck_assert_uint_eq(p.keep, 1024);
    ck_assert_uint_eq(t.written, 48 + 1024);
}
END_TEST

START_TEST(test_sound_from_before_the_origin_is_cut)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    sr_timeline_place(&t, ORIGIN - 10 * MS, 1024, &p);
    ck_assert_uint_eq(p.at, 0);
    ck_assert_uint_eq(p.silence, 0);
    ck_assert_uint_eq(p.skip, 480);
    ck_assert_uint_eq(p.keep, 1024 - 480);
    ck_assert_uint_eq(t.written, 1024 - 480);
}
END_TEST

START_TEST(test_a_chunk_all_before_the_origin_is_cut_whole)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    sr_timeline_place(&t, ORIGIN - 100 * MS, 1024, &p);
    ck_assert_uint_eq(p.skip, 1024);
    ck_assert_uint_eq(p.keep, 0);
    ck_assert_uint_eq(t.written, 0);
}
END_TEST

START_TEST(test_chunks_within_the_tolerance_join_end_to_end)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    sr_timeline_place(&t, ORIGIN, 1024, &p);
    /* 1024 frames are 21.33 ms: the next chunk stamped 30 ms late, then
     * one 25 ms early of its place, each join the end exactly. */
    sr_timeline_place(&t, ORIGIN + (21 + 30) * MS, 1024, &p);
    ck_assert_uint_eq(p.at, 1024);
    ck_assert_uint_eq(p.silence, 0);
    ck_assert_uint_eq(p.skip, 0);
    sr_timeline_place(&t, ORIGIN + (43 - 25) * MS, 1024, &p);
    ck_assert_uint_eq(p.at, 2048);
    ck_assert_uint_eq(p.silence, 0);
    ck_assert_uint_eq(p.skip, 0);
    ck_assert_uint_eq(t.written, 3072);
}
END_TEST

START_TEST(test_a_chunk_later_than_the_tolerance_gets_silence_before_it)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    sr_timeline_place(&t, ORIGIN, 480, &p);
    /* The track ends at 10 ms; a chunk of 60 ms, 50 ms after it. */
    sr_timeline_place(&t, ORIGIN + 60 * MS, 480, &p);
    ck_assert_uint_eq(p.at, 480);
    ck_assert_uint_eq(p.silence, 50 * 48);
    ck_assert_uint_eq(p.keep, 480);
    ck_assert_uint_eq(sr_timeline_frame_pts(&t, p.at + p.silence), 60 * MS);
}
END_TEST

START_TEST(test_an_overlap_past_the_tolerance_is_cut)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    sr_timeline_place(&t, ORIGIN, 4800, &p);
    /* The track ends at 100 ms; a chunk from 50 ms to 150 ms keeps its
     * last 50 ms, at their own time. */
    sr_timeline_place(&t, ORIGIN + 50 * MS, 4800, &p);
    ck_assert_uint_eq(p.at, 4800);
    ck_assert_uint_eq(p.silence, 0);
    ck_assert_uint_eq(p.skip, 2400);
    ck_assert_uint_eq(p.keep, 2400);
    ck_assert_uint_eq(t.written, 7200);
}
END_TEST

START_TEST(test_a_chunk_all_before_the_tracks_end_is_cut_whole)
{
    sr_timeline t = timeline_at_origin();
    sr_place p;

    sr_timeline_place(&t, ORIGIN, 48000, &p);
    sr_timeline_place(&t, ORIGIN + 500 * MS, 1024, &p);
    ck_assert_uint_eq(p.skip, 1024);
    ck_assert_uint_eq(p.keep, 0);
    ck_assert_uint_eq(t.written, 48000);
}
END_TEST

START_TEST(test_fill_brings_the_track_up_to_a_time_once)
{
    sr_timeline t = timeline_at_origin();
    uint64_t at = 99;

    ck_assert_uint_eq(sr_timeline_fill(&t, (int64_t)(250 * MS), &at), 250 * 48);
    ck_assert_uint_eq(at, 0);
    ck_assert_uint_eq(sr_timeline_fill(&t, (int64_t)(250 * MS), &at), 0);
    ck_assert_uint_eq(sr_timeline_fill(&t, (int64_t)(100 * MS), &at), 0);
    ck_assert_uint_eq(sr_timeline_fill(&t, (int64_t)(260 * MS), &at), 10 * 48);
    ck_assert_uint_eq(at, 250 * 48);
    ck_assert_uint_eq(t.written, 260 * 48);
}
END_TEST

START_TEST(test_fill_before_the_origin_adds_nothing)
{
    sr_timeline t = timeline_at_origin();
    uint64_t at;

    ck_assert_uint_eq(sr_timeline_fill(&t, -(int64_t)(300 * MS), &at), 0);
    ck_assert_uint_eq(t.written, 0);
}
END_TEST

START_TEST(test_the_first_chunk_after_silence_still_goes_exactly_at_its_time)
{
    sr_timeline t = timeline_at_origin();
    uint64_t at;
    sr_place p;

    /* Silence up to 200 ms while the game sent nothing; its first chunk,
     * stamped 210 ms, goes at 210 ms: silence has no sound to join. */
    sr_timeline_fill(&t, (int64_t)(200 * MS), &at);
    sr_timeline_place(&t, ORIGIN + 210 * MS, 1024, &p);
    ck_assert_uint_eq(p.at, 200 * 48);
    ck_assert_uint_eq(p.silence, 10 * 48);
    ck_assert_uint_eq(p.keep, 1024);
}
END_TEST

START_TEST(test_frame_times_are_exact_for_a_day_at_192_khz)
{
    sr_timeline t;

    sr_timeline_start(&t, ORIGIN, 192000);
    ck_assert_uint_eq(sr_timeline_frame_pts(&t, 192000), 1000 * MS);
    ck_assert_uint_eq(sr_timeline_frame_pts(&t, G_GUINT64_CONSTANT(192000) * 86400 + 96000),
                      G_GUINT64_CONSTANT(86400500) * MS);
}
END_TEST

void
stream_record_timeline_tcases(Suite *s)
{
    TCase *tc = tcase_create("timeline");

    tcase_add_test(tc, test_a_frame_and_a_chunk_captured_together_get_one_file_time);
    tcase_add_test(tc, test_host_time_before_the_origin_is_negative);
    tcase_add_test(tc, test_the_first_chunk_goes_exactly_at_its_time);
    tcase_add_test(tc, test_sound_from_before_the_origin_is_cut);
    tcase_add_test(tc, test_a_chunk_all_before_the_origin_is_cut_whole);
    tcase_add_test(tc, test_chunks_within_the_tolerance_join_end_to_end);
    tcase_add_test(tc, test_a_chunk_later_than_the_tolerance_gets_silence_before_it);
    tcase_add_test(tc, test_an_overlap_past_the_tolerance_is_cut);
    tcase_add_test(tc, test_a_chunk_all_before_the_tracks_end_is_cut_whole);
    tcase_add_test(tc, test_fill_brings_the_track_up_to_a_time_once);
    tcase_add_test(tc, test_fill_before_the_origin_adds_nothing);
    tcase_add_test(tc, test_the_first_chunk_after_silence_still_goes_exactly_at_its_time);
    tcase_add_test(tc, test_frame_times_are_exact_for_a_day_at_192_khz);
    suite_add_tcase(s, tc);
}
