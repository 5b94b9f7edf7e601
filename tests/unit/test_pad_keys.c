/* Specification of pad-keys.c: pads played as keys.  Buttons, sticks and
 * triggers at their exact thresholds (press at half the range, release
 * under a quarter), a stick thrown across, several pads and controls
 * holding one key, and what the mapping does not take. */
#include <check.h>
#include <glib.h>

#include "plugin/pad-keys.h"
#include "testutil.h"

/* demo-arena's mapping (images/profiles/arcade-640.xml), a right stick with
 * its negative half alone, and a trigger. */
static const GhPadKey arena_map[] = {
    { GH_INPUT_PAD_BUTTON, BTN_DPAD_UP, KEY_UP, 0 },
    { GH_INPUT_PAD_BUTTON, BTN_DPAD_DOWN, KEY_DOWN, 0 },
    { GH_INPUT_PAD_BUTTON, BTN_DPAD_LEFT, KEY_LEFT, 0 },
    { GH_INPUT_PAD_BUTTON, BTN_DPAD_RIGHT, KEY_RIGHT, 0 },
    { GH_INPUT_PAD_BUTTON, BTN_SOUTH, KEY_SPACE, 0 },
    { GH_INPUT_PAD_BUTTON, BTN_START, KEY_ENTER, 0 },
    { GH_INPUT_PAD_AXIS, ABS_X, KEY_RIGHT, KEY_LEFT },
    { GH_INPUT_PAD_AXIS, ABS_Y, KEY_DOWN, KEY_UP },
    { GH_INPUT_PAD_AXIS, ABS_RY, 0, KEY_W },
    { GH_INPUT_PAD_AXIS, ABS_RZ, KEY_LEFTCTRL, 0 },
};

static GhPadKeys *pk;
static GArray *keys;             /* what the last send produced */

static void
setup(void)
{
    g_autoptr(GArray) map = g_array_new(FALSE, FALSE, sizeof(GhPadKey));

    g_array_append_vals(map, arena_map, G_N_ELEMENTS(arena_map));
    pk = gh_pad_keys_new(map);
    ck_assert_ptr_nonnull(pk);
    keys = g_array_new(FALSE, FALSE, sizeof(gh_input_event));
}

static void
teardown(void)
{
    pk = gh_pad_keys_free(pk);
    g_clear_pointer(&keys, g_array_unref);
}

/* One event through the mapping, which must take it; keys holds only what
 * it produced. */
static void
send(guint32 type, guint32 code, gint32 value, guint32 pad)
{
    gh_input_event ev = { .type = type, .code = code, .value = value, .device = pad };

    g_array_set_size(keys, 0);
    ck_assert_msg(gh_pad_keys_translate(pk, &ev, keys), "type %u code %u value %d not taken", type, code, value);
}

static void
button(guint32 code, gint32 value, guint32 pad)
{
    send(GH_INPUT_PAD_BUTTON, code, value, pad);
}

static void
axis(guint32 code, gint32 value, guint32 pad)
{
    send(GH_INPUT_PAD_AXIS, code, value, pad);
}

static void
assert_no_key(void)
{
    ck_assert_uint_eq(keys->len, 0);
}

static void
assert_key(guint i, guint32 code, gint32 value)
{
    const gh_input_event *k;

    ck_assert_uint_lt(i, keys->len);
    k = &g_array_index(keys, gh_input_event, i);
    ck_assert_uint_eq(k->type, GH_INPUT_KEY);
    ck_assert_uint_eq(k->code, code);
    ck_assert_int_eq(k->value, value);
    ck_assert_uint_eq(k->device, 0);
}

/* Exactly one key event. */
static void
assert_one_key(guint32 code, gint32 value)
{
    ck_assert_uint_eq(keys->len, 1);
    assert_key(0, code, value);
}

/* ---- buttons ------------------------------------------------------------------ */

START_TEST(test_button_press_and_release_press_and_release_its_key)
{
    button(BTN_DPAD_RIGHT, 1, 0);
    assert_one_key(KEY_RIGHT, 1);
    button(BTN_DPAD_RIGHT, 0, 0);
    assert_one_key(KEY_RIGHT, 0);
}
END_TEST

START_TEST(test_button_pressed_again_presses_nothing_more)
{
    button(BTN_SOUTH, 1, 0);
    assert_one_key(KEY_SPACE, 1);
    button(BTN_SOUTH, 1, 0);
    assert_no_key();
    button(BTN_SOUTH, 0, 0);
    assert_one_key(KEY_SPACE, 0);
    button(BTN_SOUTH, 0, 0);
    assert_no_key();
}
END_TEST

START_TEST(test_release_of_a_button_never_pressed_is_taken_and_moves_nothing)
{
    button(BTN_START, 0, 0);
    assert_no_key();
}
END_TEST

/* ---- sticks and triggers --------------------------------------------------------- */

START_TEST(test_stick_presses_at_half_its_range_not_before)
{
    axis(ABS_X, 16383, 0);
    assert_no_key();
    axis(ABS_X, 16384, 0);
    assert_one_key(KEY_RIGHT, 1);
    axis(ABS_X, 32767, 0);
    assert_no_key();
}
END_TEST

START_TEST(test_stick_releases_under_a_quarter_not_before)
{
    axis(ABS_X, 20000, 0);
    assert_one_key(KEY_RIGHT, 1);
    axis(ABS_X, 8192, 0);
    assert_no_key();
    axis(ABS_X, 8191, 0);
    assert_one_key(KEY_RIGHT, 0);
}
END_TEST

/* Between a quarter and a half nothing changes either way: no chatter. */
START_TEST(test_stick_near_the_threshold_does_not_chatter)
{
    static const gint32 wobble[] = { 16384, 16000, 16390, 12000, 16383, 16384, 9000 };
    guint presses = 0;

    for (gsize i = 0; i < G_N_ELEMENTS(wobble); i++) {
        axis(ABS_X, wobble[i], 0);
        presses += keys->len;
    }
    ck_assert_uint_eq(presses, 1);
}
END_TEST

START_TEST(test_stick_negative_half_has_the_same_thresholds)
{
    axis(ABS_X, -16383, 0);
    assert_no_key();
    axis(ABS_X, -16384, 0);
    assert_one_key(KEY_LEFT, 1);
    axis(ABS_X, -8192, 0);
    assert_no_key();
    axis(ABS_X, -8191, 0);
    assert_one_key(KEY_LEFT, 0);
}
END_TEST

/* evdev's Y grows downwards: a stick pushed up is negative, KEY_UP. */
START_TEST(test_stick_pushed_up_is_negative_y)
{
    axis(ABS_Y, -32768, 0);
    assert_one_key(KEY_UP, 1);
    axis(ABS_Y, 32767, 0);
    ck_assert_uint_eq(keys->len, 2);
    assert_key(0, KEY_UP, 0);
    assert_key(1, KEY_DOWN, 1);
}
END_TEST

START_TEST(test_stick_thrown_across_releases_one_key_then_presses_the_other)
{
    axis(ABS_X, -32768, 0);
    assert_one_key(KEY_LEFT, 1);
    axis(ABS_X, 32767, 0);
    ck_assert_uint_eq(keys->len, 2);
    assert_key(0, KEY_LEFT, 0);
    assert_key(1, KEY_RIGHT, 1);
    axis(ABS_X, 0, 0);
    assert_one_key(KEY_RIGHT, 0);
}
END_TEST

START_TEST(test_stick_with_one_half_mapped_is_silent_on_the_other)
{
    axis(ABS_RY, 32767, 0);
    assert_no_key();
    axis(ABS_RY, -32768, 0);
    assert_one_key(KEY_W, 1);
    axis(ABS_RY, 32767, 0);
    assert_one_key(KEY_W, 0);
}
END_TEST

START_TEST(test_trigger_presses_at_128_and_releases_under_64)
{
    axis(ABS_RZ, 127, 0);
    assert_no_key();
    axis(ABS_RZ, 128, 0);
    assert_one_key(KEY_LEFTCTRL, 1);
    axis(ABS_RZ, 255, 0);
    assert_no_key();
    axis(ABS_RZ, 64, 0);
    assert_no_key();
    axis(ABS_RZ, 63, 0);
    assert_one_key(KEY_LEFTCTRL, 0);
}
END_TEST

/* ---- several holders of one key -------------------------------------------------- */

START_TEST(test_two_pads_holding_one_key_release_it_when_neither_does)
{
    button(BTN_DPAD_LEFT, 1, 0);
    assert_one_key(KEY_LEFT, 1);
    axis(ABS_X, -32768, 3);
    assert_no_key();
    button(BTN_DPAD_LEFT, 0, 0);
    assert_no_key();
    axis(ABS_X, 0, 3);
    assert_one_key(KEY_LEFT, 0);
}
END_TEST

START_TEST(test_d_pad_and_stick_of_one_pad_share_a_key)
{
    axis(ABS_X, 32767, 1);
    assert_one_key(KEY_RIGHT, 1);
    button(BTN_DPAD_RIGHT, 1, 1);
    assert_no_key();
    axis(ABS_X, 0, 1);
    assert_no_key();
    button(BTN_DPAD_RIGHT, 0, 1);
    assert_one_key(KEY_RIGHT, 0);
}
END_TEST

START_TEST(test_each_pad_has_its_own_state)
{
    axis(ABS_X, 20000, 0);
    assert_one_key(KEY_RIGHT, 1);
    /* Pad 1's stick was never past half: under a quarter releases nothing. */
    axis(ABS_X, 0, 1);
    assert_no_key();
    /* Between a quarter and a half, pad 1 presses nothing; pad 0 still holds. */
    axis(ABS_X, 12000, 1);
    assert_no_key();
    axis(ABS_X, 12000, 0);
    assert_no_key();
    axis(ABS_X, 0, 0);
    assert_one_key(KEY_RIGHT, 0);
}
END_TEST

START_TEST(test_a_pad_that_goes_lets_go_of_what_it_held)
{
    button(BTN_SOUTH, 1, 2);
    axis(ABS_Y, -32768, 2);
    button(BTN_DPAD_UP, 1, 0);
    send(GH_INPUT_PAD_CONNECT, 0, 0, 2);
    /* Space goes; Up stays down for pad 0's d-pad. */
    assert_one_key(KEY_SPACE, 0);
    button(BTN_DPAD_UP, 0, 0);
    assert_one_key(KEY_UP, 0);
}
END_TEST

START_TEST(test_a_pad_appearing_moves_nothing)
{
    send(GH_INPUT_PAD_CONNECT, 0, 1, 0);
    assert_no_key();
}
END_TEST

/* ---- what the mapping does not take ----------------------------------------------- */

static void
assert_not_taken(guint32 type, guint32 code, gint32 value, guint32 device)
{
    gh_input_event ev = { .type = type, .code = code, .value = value, .device = device };

    g_array_set_size(keys, 0);
    ck_assert(!gh_pad_keys_translate(pk, &ev, keys));
    assert_no_key();
}

START_TEST(test_unmapped_pad_controls_are_not_taken)
{
    assert_not_taken(GH_INPUT_PAD_BUTTON, BTN_EAST, 1, 0);
    assert_not_taken(GH_INPUT_PAD_AXIS, ABS_RX, 32767, 0);
    assert_not_taken(GH_INPUT_PAD_AXIS, ABS_Z, 255, 0);
}
END_TEST

START_TEST(test_pad_out_of_range_is_not_taken)
{
    assert_not_taken(GH_INPUT_PAD_BUTTON, BTN_DPAD_UP, 1, GH_INPUT_MAX_PADS);
    assert_not_taken(GH_INPUT_PAD_AXIS, ABS_X, 32767, 99);
    assert_not_taken(GH_INPUT_PAD_CONNECT, 0, 0, GH_INPUT_MAX_PADS);
}
END_TEST

START_TEST(test_keys_mouse_and_touch_are_not_taken)
{
    assert_not_taken(GH_INPUT_KEY, KEY_RIGHT, 1, 0);
    assert_not_taken(GH_INPUT_BUTTON, BTN_LEFT, 1, 0);
    assert_not_taken(GH_INPUT_REL, REL_X, 5, 0);
    assert_not_taken(GH_INPUT_ABS, ABS_X, 100, 0);
    assert_not_taken(GH_INPUT_TOUCH, 1, 0, 0);
}
END_TEST

START_TEST(test_key_events_carry_the_pad_events_timestamp)
{
    gh_input_event ev = { .type = GH_INPUT_PAD_BUTTON, .code = BTN_DPAD_DOWN, .value = 1,
                          .timestamp_ns = 123456789 };

    ck_assert(gh_pad_keys_translate(pk, &ev, keys));
    assert_one_key(KEY_DOWN, 1);
    ck_assert_uint_eq(g_array_index(keys, gh_input_event, 0).timestamp_ns, 123456789);
}
END_TEST

START_TEST(test_no_mapping_is_no_state_and_takes_nothing)
{
    g_autoptr(GArray) empty = g_array_new(FALSE, FALSE, sizeof(GhPadKey));
    gh_input_event ev = { .type = GH_INPUT_PAD_BUTTON, .code = BTN_SOUTH, .value = 1 };

    ck_assert_ptr_null(gh_pad_keys_new(NULL));
    ck_assert_ptr_null(gh_pad_keys_new(empty));
    ck_assert(!gh_pad_keys_translate(NULL, &ev, keys));
    assert_no_key();
}
END_TEST

static Suite *
pad_keys_suite(void)
{
    Suite *s = suite_create("pad_keys");
    TCase *tc = tcase_create("pad_keys");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_button_press_and_release_press_and_release_its_key);
    tcase_add_test(tc, test_button_pressed_again_presses_nothing_more);
    tcase_add_test(tc, test_release_of_a_button_never_pressed_is_taken_and_moves_nothing);
    tcase_add_test(tc, test_stick_presses_at_half_its_range_not_before);
    tcase_add_test(tc, test_stick_releases_under_a_quarter_not_before);
    tcase_add_test(tc, test_stick_near_the_threshold_does_not_chatter);
    tcase_add_test(tc, test_stick_negative_half_has_the_same_thresholds);
    tcase_add_test(tc, test_stick_pushed_up_is_negative_y);
    tcase_add_test(tc, test_stick_thrown_across_releases_one_key_then_presses_the_other);
    tcase_add_test(tc, test_stick_with_one_half_mapped_is_silent_on_the_other);
    tcase_add_test(tc, test_trigger_presses_at_128_and_releases_under_64);
    tcase_add_test(tc, test_two_pads_holding_one_key_release_it_when_neither_does);
    tcase_add_test(tc, test_d_pad_and_stick_of_one_pad_share_a_key);
    tcase_add_test(tc, test_each_pad_has_its_own_state);
    tcase_add_test(tc, test_a_pad_that_goes_lets_go_of_what_it_held);
    tcase_add_test(tc, test_a_pad_appearing_moves_nothing);
    tcase_add_test(tc, test_unmapped_pad_controls_are_not_taken);
    tcase_add_test(tc, test_pad_out_of_range_is_not_taken);
    tcase_add_test(tc, test_keys_mouse_and_touch_are_not_taken);
    tcase_add_test(tc, test_key_events_carry_the_pad_events_timestamp);
    tcase_add_test(tc, test_no_mapping_is_no_state_and_takes_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    return gh_test_run(pad_keys_suite());
}
