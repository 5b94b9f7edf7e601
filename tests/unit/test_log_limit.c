/* Specification of runtime/util/log-limit.c: the first line of a key is
 * logged, then at most one per interval with the count suppressed since,
 * each key on its own.  The clock is the test's. */
#include <check.h>
#include <glib.h>

#include "util/log-limit.h"
#include "testutil.h"

#define INTERVAL_US (5 * G_USEC_PER_SEC)

static gint64 fake_now;

static gint64
fake_clock(void)
{
    return fake_now;
}

static GhLogLimit *
limit_at_start(void)
{
    fake_now = 1000 * G_USEC_PER_SEC;
    return gh_log_limit_new(INTERVAL_US, fake_clock);
}

START_TEST(test_first_line_of_a_key_is_logged_with_nothing_suppressed)
{
    g_autoptr(GhLogLimit) limit = limit_at_start();
    guint64 suppressed = 99;

    ck_assert(gh_log_limit_check(limit, "unsupported", &suppressed));
    ck_assert_uint_eq(suppressed, 0);
}
END_TEST

START_TEST(test_repeats_within_the_interval_are_suppressed)
{
    g_autoptr(GhLogLimit) limit = limit_at_start();

    ck_assert(gh_log_limit_check(limit, "unsupported", NULL));
    fake_now += INTERVAL_US - 1;
    ck_assert(!gh_log_limit_check(limit, "unsupported", NULL));
    ck_assert(!gh_log_limit_check(limit, "unsupported", NULL));
}
END_TEST

START_TEST(test_next_line_after_the_interval_carries_the_suppressed_count)
{
    g_autoptr(GhLogLimit) limit = limit_at_start();
    guint64 suppressed = 0;

    ck_assert(gh_log_limit_check(limit, "unsupported", NULL));
    for (int i = 0; i < 178; i++)
        ck_assert(!gh_log_limit_check(limit, "unsupported", NULL));
    fake_now += INTERVAL_US;
    ck_assert(gh_log_limit_check(limit, "unsupported", &suppressed));
    ck_assert_uint_eq(suppressed, 178);
}
END_TEST

START_TEST(test_interval_restarts_at_each_logged_line)
{
    g_autoptr(GhLogLimit) limit = limit_at_start();
    guint64 suppressed = 99;

    ck_assert(gh_log_limit_check(limit, "failed", NULL));
    fake_now += INTERVAL_US;
    ck_assert(gh_log_limit_check(limit, "failed", &suppressed));
    ck_assert_uint_eq(suppressed, 0);
    fake_now += INTERVAL_US - 1;
    ck_assert(!gh_log_limit_check(limit, "failed", NULL));
}
END_TEST

START_TEST(test_keys_are_limited_independently)
{
    g_autoptr(GhLogLimit) limit = limit_at_start();

    ck_assert(gh_log_limit_check(limit, "unsupported", NULL));
    ck_assert(!gh_log_limit_check(limit, "unsupported", NULL));
    ck_assert(gh_log_limit_check(limit, "invalid", NULL));
    ck_assert(!gh_log_limit_check(limit, "invalid", NULL));
}
END_TEST

START_TEST(test_a_sweep_of_180_lines_in_3_seconds_logs_one)
{
    g_autoptr(GhLogLimit) limit = limit_at_start();
    guint logged = 0;

    for (int i = 0; i < 180; i++) {
        logged += gh_log_limit_check(limit, "unsupported", NULL);
        fake_now += 3 * G_USEC_PER_SEC / 180;
    }
    ck_assert_uint_eq(logged, 1);
}
END_TEST

static Suite *
log_limit_suite(void)
{
    Suite *s = suite_create("log_limit");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_first_line_of_a_key_is_logged_with_nothing_suppressed);
    tcase_add_test(tc, test_repeats_within_the_interval_are_suppressed);
    tcase_add_test(tc, test_next_line_after_the_interval_carries_the_suppressed_count);
    tcase_add_test(tc, test_interval_restarts_at_each_logged_line);
    tcase_add_test(tc, test_keys_are_limited_independently);
    tcase_add_test(tc, test_a_sweep_of_180_lines_in_3_seconds_logs_one);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(log_limit_suite());
}
