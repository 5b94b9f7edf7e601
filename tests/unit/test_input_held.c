/* Specification of runtime/util/input-held.c: which events leave a control
 * held, and the releases that undo exactly those. */
#include <check.h>
#include <glib.h>

#include "util/input-held.h"
#include "testutil.h"

static gh_input_event
ev(guint32 type, guint32 code, gint32 value, guint32 device)
{
    return (gh_input_event){ .type = type, .code = code, .value = value, .device = device };
}

static void
assert_release(GArray *r, guint i, guint32 type, guint32 code, guint32 device)
{
    const gh_input_event *e = &g_array_index(r, gh_input_event, i);

    ck_assert_uint_eq(e->type, type);
    ck_assert_uint_eq(e->code, code);
    ck_assert_uint_eq(e->device, device);
    ck_assert_int_eq(e->value, 0);
    ck_assert_uint_eq(e->timestamp_ns, 0);
}

START_TEST(test_nothing_noted_releases_nothing)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    g_autoptr(GArray) r = gh_input_held_release(held);

    ck_assert_uint_eq(r->len, 0);
}
END_TEST

START_TEST(test_a_pressed_key_is_released)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = { ev(GH_INPUT_KEY, KEY_LEFT, 1, 0) };
    g_autoptr(GArray) r = NULL;

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    ck_assert_uint_eq(gh_input_held_count(held), 1);
    r = gh_input_held_release(held);
    ck_assert_uint_eq(r->len, 1);
    assert_release(r, 0, GH_INPUT_KEY, KEY_LEFT, 0);
}
END_TEST

START_TEST(test_a_key_pressed_then_released_is_not_held)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = { ev(GH_INPUT_KEY, KEY_A, 1, 0), ev(GH_INPUT_KEY, KEY_A, 0, 0) };

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    ck_assert_uint_eq(gh_input_held_count(held), 0);
}
END_TEST

START_TEST(test_autorepeat_holds_the_key_once)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = { ev(GH_INPUT_KEY, KEY_A, 1, 0), ev(GH_INPUT_KEY, KEY_A, 2, 0),
                            ev(GH_INPUT_KEY, KEY_A, 2, 0) };

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    ck_assert_uint_eq(gh_input_held_count(held), 1);
}
END_TEST

START_TEST(test_mouse_and_pad_buttons_and_pad_axes_away_from_zero_are_held)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = {
        ev(GH_INPUT_PAD_AXIS, ABS_X, -32768, 1), ev(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1, 1),
        ev(GH_INPUT_BUTTON, BTN_LEFT, 1, 0), ev(GH_INPUT_KEY, KEY_SPACE, 1, 0),
        ev(GH_INPUT_PAD_AXIS, ABS_Y, 12, 0),
    };
    g_autoptr(GArray) r = NULL;

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    r = gh_input_held_release(held);
    /* In order of type, then device, then code. */
    ck_assert_uint_eq(r->len, 5);
    assert_release(r, 0, GH_INPUT_KEY, KEY_SPACE, 0);
    assert_release(r, 1, GH_INPUT_BUTTON, BTN_LEFT, 0);
    assert_release(r, 2, GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1);
    assert_release(r, 3, GH_INPUT_PAD_AXIS, ABS_Y, 0);
    assert_release(r, 4, GH_INPUT_PAD_AXIS, ABS_X, 1);
}
END_TEST

START_TEST(test_an_axis_back_at_zero_is_not_held)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = { ev(GH_INPUT_PAD_AXIS, ABS_RX, 9000, 0), ev(GH_INPUT_PAD_AXIS, ABS_RX, 0, 0) };

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    ck_assert_uint_eq(gh_input_held_count(held), 0);
}
END_TEST

START_TEST(test_same_code_on_two_pads_is_held_twice)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = { ev(GH_INPUT_PAD_BUTTON, BTN_EAST, 1, 0), ev(GH_INPUT_PAD_BUTTON, BTN_EAST, 1, 3),
                            ev(GH_INPUT_PAD_BUTTON, BTN_EAST, 0, 0) };
    g_autoptr(GArray) r = NULL;

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    r = gh_input_held_release(held);
    ck_assert_uint_eq(r->len, 1);
    assert_release(r, 0, GH_INPUT_PAD_BUTTON, BTN_EAST, 3);
}
END_TEST

START_TEST(test_motion_position_and_touch_hold_nothing)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = { ev(GH_INPUT_REL, REL_X, 5, 0), ev(GH_INPUT_ABS, ABS_X, 100, 0),
                            ev(GH_INPUT_REL, REL_WHEEL, 1, 0), ev(GH_INPUT_TOUCH, 1, 0, 2) };

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    ck_assert_uint_eq(gh_input_held_count(held), 0);
}
END_TEST

START_TEST(test_release_forgets_what_was_held)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();
    gh_input_event in[] = { ev(GH_INPUT_KEY, KEY_UP, 1, 0) };
    g_autoptr(GArray) first = NULL, second = NULL;

    gh_input_held_note(held, in, G_N_ELEMENTS(in));
    first = gh_input_held_release(held);
    second = gh_input_held_release(held);
    ck_assert_uint_eq(first->len, 1);
    ck_assert_uint_eq(second->len, 0);
}
END_TEST

START_TEST(test_tracking_stops_at_the_bound)
{
    g_autoptr(GhInputHeld) held = gh_input_held_new();

    for (guint code = 0; code < GH_INPUT_HELD_MAX + 10; code++) {
        gh_input_event e = ev(GH_INPUT_KEY, code, 1, 0);
        gh_input_held_note(held, &e, 1);
    }
    ck_assert_uint_eq(gh_input_held_count(held), GH_INPUT_HELD_MAX);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("input_held");
    TCase *tc = tcase_create("input_held");

    tcase_add_test(tc, test_nothing_noted_releases_nothing);
    tcase_add_test(tc, test_a_pressed_key_is_released);
    tcase_add_test(tc, test_a_key_pressed_then_released_is_not_held);
    tcase_add_test(tc, test_autorepeat_holds_the_key_once);
    tcase_add_test(tc, test_mouse_and_pad_buttons_and_pad_axes_away_from_zero_are_held);
    tcase_add_test(tc, test_an_axis_back_at_zero_is_not_held);
    tcase_add_test(tc, test_same_code_on_two_pads_is_held_twice);
    tcase_add_test(tc, test_motion_position_and_touch_hold_nothing);
    tcase_add_test(tc, test_release_forgets_what_was_held);
    tcase_add_test(tc, test_tracking_stops_at_the_bound);
    suite_add_tcase(s, tc);
    return gh_test_run(s);
}
