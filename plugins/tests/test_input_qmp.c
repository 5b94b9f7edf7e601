/* Unit tests of input-qmp: the exact QMP JSON built for each kind of event
 * (qmp-json.c), each rejection, the reply check, and the ABI glue
 * (input-qmp.c) driven by a fake host-services table. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gamehost/plugin.h>

#include "qmp-json.h"

/* Defined by GH_PLUGIN_DEFINE in input-qmp.c, linked in. */
const gh_plugin *gamehost_plugin_query(void);

#define HEAD "{\"execute\":\"input-send-event\",\"arguments\":{\"events\":["
#define TAIL "]}}"

static char err[256];
static char json[8192];
static uint32_t n_qemu;

/* Builds into a buffer of exactly the measured size, so any mismatch
 * between the two passes shows up as a truncated string. */
static int
build(const gh_input_event *events, uint32_t n)
{
    size_t need = 0, len = 0;
    err[0] = json[0] = '\0';
    int r = iq_build_command(events, n, NULL, 0, &need, &n_qemu, err, sizeof(err));
    if (r < 0)
        return r;
    ck_assert_uint_lt(need, sizeof(json));
    ck_assert_int_eq(iq_build_command(events, n, json, need + 1, &len, &n_qemu, err, sizeof(err)), 0);
    ck_assert_uint_eq(len, need);
    ck_assert_uint_eq(strlen(json), need);
    return 0;
}

#define EV(t, c, v) ((gh_input_event){ .type = (t), .code = (c), .value = (v) })

/* ---- the JSON -------------------------------------------------------------- */

START_TEST(test_key_press_and_release)
{
    gh_input_event ev[] = { EV(GH_INPUT_KEY, KEY_LEFT, 1), EV(GH_INPUT_KEY, KEY_LEFT, 0) };
    ck_assert_int_eq(build(ev, 2), 0);
    ck_assert_str_eq(json, HEAD
        "{\"type\":\"key\",\"data\":{\"down\":true,\"key\":{\"type\":\"qcode\",\"data\":\"left\"}}},"
        "{\"type\":\"key\",\"data\":{\"down\":false,\"key\":{\"type\":\"qcode\",\"data\":\"left\"}}}" TAIL);
    ck_assert_uint_eq(n_qemu, 2);
}
END_TEST

START_TEST(test_key_autorepeat_is_a_press)
{
    gh_input_event ev[] = { EV(GH_INPUT_KEY, KEY_A, 2) };
    ck_assert_int_eq(build(ev, 1), 0);
    ck_assert_str_eq(json, HEAD
        "{\"type\":\"key\",\"data\":{\"down\":true,\"key\":{\"type\":\"qcode\",\"data\":\"a\"}}}" TAIL);
}
END_TEST

START_TEST(test_qcode_table)
{
    static const struct { uint32_t code; const char *qcode; } want[] = {
        { KEY_A, "a" }, { KEY_Z, "z" }, { KEY_M, "m" }, { KEY_1, "1" }, { KEY_0, "0" },
        { KEY_F1, "f1" }, { KEY_F10, "f10" }, { KEY_F11, "f11" }, { KEY_F12, "f12" },
        { KEY_LEFT, "left" }, { KEY_RIGHT, "right" }, { KEY_UP, "up" }, { KEY_DOWN, "down" },
        { KEY_ENTER, "ret" }, { KEY_ESC, "esc" }, { KEY_SPACE, "spc" }, { KEY_TAB, "tab" },
        { KEY_BACKSPACE, "backspace" }, { KEY_LEFTSHIFT, "shift" }, { KEY_RIGHTSHIFT, "shift_r" },
        { KEY_LEFTCTRL, "ctrl" }, { KEY_RIGHTCTRL, "ctrl_r" }, { KEY_LEFTALT, "alt" },
        { KEY_RIGHTALT, "alt_r" }, { KEY_LEFTMETA, "meta_l" }, { KEY_CAPSLOCK, "caps_lock" },
        { KEY_MINUS, "minus" }, { KEY_EQUAL, "equal" }, { KEY_LEFTBRACE, "bracket_left" },
        { KEY_RIGHTBRACE, "bracket_right" }, { KEY_SEMICOLON, "semicolon" },
        { KEY_APOSTROPHE, "apostrophe" }, { KEY_GRAVE, "grave_accent" },
        { KEY_BACKSLASH, "backslash" }, { KEY_COMMA, "comma" }, { KEY_DOT, "dot" },
        { KEY_SLASH, "slash" }, { KEY_INSERT, "insert" }, { KEY_DELETE, "delete" },
        { KEY_HOME, "home" }, { KEY_END, "end" }, { KEY_PAGEUP, "pgup" }, { KEY_PAGEDOWN, "pgdn" },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        ck_assert_str_eq(iq_qcode(want[i].code), want[i].qcode);
    /* Every letter and digit is mapped. */
    const char *letters = "qwertyuiopasdfghjklzxcvbnm";
    const uint32_t codes[] = { KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P,
                               KEY_A, KEY_S, KEY_D, KEY_F, KEY_G, KEY_H, KEY_J, KEY_K, KEY_L,
                               KEY_Z, KEY_X, KEY_C, KEY_V, KEY_B, KEY_N, KEY_M };
    for (size_t i = 0; i < 26; i++) {
        char s[2] = { letters[i], 0 };
        ck_assert_str_eq(iq_qcode(codes[i]), s);
    }
    for (uint32_t c = KEY_1; c <= KEY_9; c++) {
        char s[2] = { (char)('1' + (c - KEY_1)), 0 };
        ck_assert_str_eq(iq_qcode(c), s);
    }
    ck_assert_ptr_null(iq_qcode(0));
    ck_assert_ptr_null(iq_qcode(KEY_MUTE));
    ck_assert_ptr_null(iq_qcode(BTN_LEFT));
    ck_assert_ptr_null(iq_qcode(UINT32_MAX));
}
END_TEST

START_TEST(test_mouse_buttons)
{
    gh_input_event ev[] = { EV(GH_INPUT_BUTTON, BTN_LEFT, 1), EV(GH_INPUT_BUTTON, BTN_RIGHT, 0),
                            EV(GH_INPUT_BUTTON, BTN_MIDDLE, 1), EV(GH_INPUT_BUTTON, BTN_SIDE, 1),
                            EV(GH_INPUT_BUTTON, BTN_EXTRA, 0) };
    ck_assert_int_eq(build(ev, 5), 0);
    ck_assert_str_eq(json, HEAD
        "{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"left\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":false,\"button\":\"right\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"middle\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"side\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":false,\"button\":\"extra\"}}" TAIL);
}
END_TEST

START_TEST(test_relative_motion)
{
    gh_input_event ev[] = { EV(GH_INPUT_REL, REL_X, -5), EV(GH_INPUT_REL, REL_Y, 12) };
    ck_assert_int_eq(build(ev, 2), 0);
    ck_assert_str_eq(json, HEAD
        "{\"type\":\"rel\",\"data\":{\"axis\":\"x\",\"value\":-5}},"
        "{\"type\":\"rel\",\"data\":{\"axis\":\"y\",\"value\":12}}" TAIL);
}
END_TEST

START_TEST(test_absolute_motion)
{
    gh_input_event ev[] = { EV(GH_INPUT_ABS, ABS_X, 0), EV(GH_INPUT_ABS, ABS_Y, GH_INPUT_ABS_MAX) };
    ck_assert_int_eq(build(ev, 2), 0);
    ck_assert_str_eq(json, HEAD
        "{\"type\":\"abs\",\"data\":{\"axis\":\"x\",\"value\":0}},"
        "{\"type\":\"abs\",\"data\":{\"axis\":\"y\",\"value\":32767}}" TAIL);
}
END_TEST

START_TEST(test_wheel_is_press_and_release_per_detent)
{
    gh_input_event up[] = { EV(GH_INPUT_REL, REL_WHEEL, 2) };
    ck_assert_int_eq(build(up, 1), 0);
    ck_assert_str_eq(json, HEAD
        "{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"wheel-up\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":false,\"button\":\"wheel-up\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"wheel-up\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":false,\"button\":\"wheel-up\"}}" TAIL);
    ck_assert_uint_eq(n_qemu, 4);
    gh_input_event down[] = { EV(GH_INPUT_REL, REL_WHEEL, -1) };
    ck_assert_int_eq(build(down, 1), 0);
    ck_assert_str_eq(json, HEAD
        "{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"wheel-down\"}},"
        "{\"type\":\"btn\",\"data\":{\"down\":false,\"button\":\"wheel-down\"}}" TAIL);
}
END_TEST

START_TEST(test_wheel_of_zero_sends_nothing)
{
    gh_input_event ev[] = { EV(GH_INPUT_REL, REL_WHEEL, 0) };
    ck_assert_int_eq(build(ev, 1), 0);
    ck_assert_str_eq(json, HEAD TAIL);
    ck_assert_uint_eq(n_qemu, 0);
}
END_TEST

START_TEST(test_short_buffer_is_truncated_and_terminated)
{
    gh_input_event ev[] = { EV(GH_INPUT_KEY, KEY_A, 1) };
    char small[16];
    size_t need = 0;
    ck_assert_int_eq(iq_build_command(ev, 1, small, sizeof(small), &need, &n_qemu, err, sizeof(err)), 0);
    ck_assert_str_eq(small, "{\"execute\":\"inp");
    ck_assert_uint_gt(need, sizeof(small));
}
END_TEST

/* ---- rejections ------------------------------------------------------------ */

/* -EINVAL: a value out of range or an event of the wrong kind; -EOPNOTSUPP:
 * an event QEMU cannot express.  Either way the host retries the others. */
static void
assert_rejected(gh_input_event ev, int rc, const char *message)
{
    gh_input_event events[] = { EV(GH_INPUT_KEY, KEY_A, 1), ev };
    ck_assert_int_eq(build(events, 2), rc);
    ck_assert_str_eq(err, message);
}

#define assert_invalid(ev, message) assert_rejected(ev, -EINVAL, message)
#define assert_unsupported(ev, message) assert_rejected(ev, -EOPNOTSUPP, message)

START_TEST(test_rejects_unmapped_key)
{
    assert_unsupported(EV(GH_INPUT_KEY, KEY_MUTE, 1), "event 1: key code 113 has no QEMU qcode");
}
END_TEST

START_TEST(test_rejects_key_value_out_of_range)
{
    assert_invalid(EV(GH_INPUT_KEY, KEY_A, 3), "event 1: key value 3 is not 0 (release) or 1 (press)");
}
END_TEST

START_TEST(test_rejects_non_mouse_button)
{
    assert_invalid(EV(GH_INPUT_BUTTON, BTN_SOUTH, 1),
                   "event 1: button code 304 is not a mouse button "
                   "(BTN_LEFT, BTN_RIGHT, BTN_MIDDLE, BTN_SIDE, BTN_EXTRA)");
    assert_invalid(EV(GH_INPUT_BUTTON, BTN_LEFT, 2), "event 1: button value 2 is not 0 (release) or 1 (press)");
}
END_TEST

START_TEST(test_rejects_unsupported_relative_axes)
{
    assert_unsupported(EV(GH_INPUT_REL, REL_HWHEEL, 1),
                       "event 1: horizontal wheel (REL_HWHEEL) is not supported by QMP input-send-event");
    assert_unsupported(EV(GH_INPUT_REL, REL_DIAL, 1),
                       "event 1: relative axis code 7 unsupported (REL_X, REL_Y, REL_WHEEL)");
}
END_TEST

START_TEST(test_rejects_wheel_delta_over_limit)
{
    assert_invalid(EV(GH_INPUT_REL, REL_WHEEL, 33), "event 1: wheel delta 33 over 32 detents");
    assert_invalid(EV(GH_INPUT_REL, REL_WHEEL, INT32_MIN), "event 1: wheel delta -2147483648 over 32 detents");
}
END_TEST

START_TEST(test_rejects_absolute_out_of_range)
{
    assert_invalid(EV(GH_INPUT_ABS, ABS_X, 32768), "event 1: absolute x value 32768 outside 0..32767");
    assert_invalid(EV(GH_INPUT_ABS, ABS_Y, -1), "event 1: absolute y value -1 outside 0..32767");
    assert_unsupported(EV(GH_INPUT_ABS, ABS_Z, 5), "event 1: absolute axis code 2 unsupported (ABS_X, ABS_Y)");
}
END_TEST

START_TEST(test_rejects_pad_touch_and_unknown_events)
{
    assert_unsupported(EV(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1),
                       "event 1: pad button events (type 5, code 304) are not supported by input.qmp: "
                       "QEMU 7.2 has no emulated gamepad");
    assert_unsupported(EV(GH_INPUT_PAD_AXIS, ABS_RX, 100),
                       "event 1: pad axis events (type 6, code 3) are not supported by input.qmp: "
                       "QEMU 7.2 has no emulated gamepad");
    assert_unsupported(EV(GH_INPUT_TOUCH, 1, 0),
                       "event 1: touch events (type 7, code 1) are not supported by input.qmp: "
                       "QEMU 7.2's input-send-event has no touch events");
    assert_invalid(EV(99, 0, 0), "event 1: unknown events (type 99, code 0) are not supported by input.qmp");
}
END_TEST

START_TEST(test_one_event_alone_is_named_without_an_index)
{
    gh_input_event ev = EV(GH_INPUT_PAD_BUTTON, BTN_SOUTH, 0);

    ck_assert_int_eq(build(&ev, 1), -EOPNOTSUPP);
    ck_assert_str_eq(err, "pad button events (type 5, code 304) are not supported by input.qmp: "
                          "QEMU 7.2 has no emulated gamepad");
}
END_TEST

/* ---- replies --------------------------------------------------------------- */

START_TEST(test_reply_return_is_success)
{
    ck_assert_int_eq(iq_reply_check("{\"return\": {}}", err, sizeof(err)), 0);
    ck_assert_int_eq(iq_reply_check("  {\"id\": 1, \"return\": {}}", err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_reply_error_gives_desc)
{
    ck_assert_int_eq(iq_reply_check("{\"error\": {\"class\": \"GenericError\", "
                                    "\"desc\": \"Input \\\"x\\\" is broken\"}}", err, sizeof(err)), -EIO);
    ck_assert_str_eq(err, "QMP error: Input \"x\" is broken");
}
END_TEST

START_TEST(test_reply_error_desc_is_truncated)
{
    char reply[600];
    memset(reply, 0, sizeof(reply));
    strcpy(reply, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"");
    memset(reply + strlen(reply), 'x', 400);
    strcat(reply, "\"}}");
    ck_assert_int_eq(iq_reply_check(reply, err, sizeof(err)), -EIO);
    ck_assert_uint_eq(strlen(err), strlen("QMP error: ") + 200 + 3);
    ck_assert_str_eq(err + strlen(err) - 3, "...");
}
END_TEST

START_TEST(test_reply_garbage_or_empty_is_eio)
{
    ck_assert_int_eq(iq_reply_check("", err, sizeof(err)), -EIO);
    ck_assert_str_eq(err, "empty QMP reply");
    ck_assert_int_eq(iq_reply_check(NULL, err, sizeof(err)), -EIO);
    ck_assert_int_eq(iq_reply_check("{\"QMP\": {}}", err, sizeof(err)), -EIO);
    ck_assert_str_eq(err, "unexpected QMP reply: {\"QMP\": {}}");
}
END_TEST

/* ---- the ABI glue, with a fake host ----------------------------------------- */

struct gh_host {
    char *command;           /* the last command sent */
    int n_commands;
    const char *reply;
    int qmp_result;
    char error[512];
};

static void
fake_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg);
}

static int
fake_qmp_command(gh_host *host, const char *command, char **reply)
{
    free(host->command);
    host->command = strdup(command);
    host->n_commands++;
    if (host->qmp_result < 0)
        return host->qmp_result;
    *reply = strdup(host->reply);
    return 0;
}

static const gh_host_services fake_services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .set_error = fake_set_error,
    .qmp_command = fake_qmp_command,
};

static const gh_backend_factory *
qmp_factory(void)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->n_factories, 1);
    return plugin->factories[0];
}

START_TEST(test_plugin_descriptor)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->struct_size, sizeof(gh_plugin));
    ck_assert_uint_eq(plugin->abi_major, GH_PLUGIN_ABI_MAJOR);
    ck_assert_uint_eq(plugin->abi_minor, GH_PLUGIN_ABI_MINOR);
    ck_assert_str_eq(plugin->name, "input-qmp");
    ck_assert_str_eq(plugin->license, "MIT");
    const gh_backend_factory *f = qmp_factory();
    ck_assert_uint_eq(f->kind, GH_BACKEND_INPUT);
    ck_assert_str_eq(f->name, "input.qmp");
    ck_assert_uint_eq(f->input->struct_size, sizeof(gh_input_ops));
    ck_assert_uint_eq(f->input->version, GH_INPUT_OPS_VERSION);
    ck_assert_ptr_null(f->capture);
}
END_TEST

START_TEST(test_send_passes_one_command_and_checks_reply)
{
    gh_host host = { .reply = "{\"return\": {}}" };
    const gh_backend_factory *f = qmp_factory();
    ck_assert_int_eq(f->probe(&host, &fake_services), 0);
    gh_instance *inst = f->create(&host, &fake_services);
    ck_assert_ptr_nonnull(inst);
    gh_input_event ev[] = { EV(GH_INPUT_REL, REL_X, 3), EV(GH_INPUT_BUTTON, BTN_LEFT, 1) };
    ck_assert_int_eq(f->input->send(inst, ev, 2), 0);
    ck_assert_int_eq(host.n_commands, 1);
    ck_assert_str_eq(host.command, HEAD
        "{\"type\":\"rel\",\"data\":{\"axis\":\"x\",\"value\":3}},"
        "{\"type\":\"btn\",\"data\":{\"down\":true,\"button\":\"left\"}}" TAIL);
    f->destroy(inst);
    free(host.command);
}
END_TEST

START_TEST(test_send_of_nothing_calls_no_qmp)
{
    gh_host host = { .reply = "{\"return\": {}}" };
    const gh_backend_factory *f = qmp_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    gh_input_event ev[] = { EV(GH_INPUT_REL, REL_WHEEL, 0) };
    ck_assert_int_eq(f->input->send(inst, NULL, 0), 0);
    ck_assert_int_eq(f->input->send(inst, ev, 1), 0);
    ck_assert_int_eq(host.n_commands, 0);
    f->destroy(inst);
}
END_TEST

START_TEST(test_send_rejects_unsupported_event_without_qmp)
{
    gh_host host = { .reply = "{\"return\": {}}" };
    const gh_backend_factory *f = qmp_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    gh_input_event ev[] = { EV(GH_INPUT_KEY, KEY_A, 1), EV(GH_INPUT_TOUCH, 1, 0) };
    ck_assert_int_eq(f->input->send(inst, ev, 2), -EOPNOTSUPP);
    ck_assert_str_eq(host.error, "input.qmp: event 1: touch events (type 7, code 1) are not supported by input.qmp: "
                                 "QEMU 7.2's input-send-event has no touch events");
    ck_assert_int_eq(host.n_commands, 0);
    f->destroy(inst);
}
END_TEST

START_TEST(test_send_reports_qmp_error_reply)
{
    gh_host host = { .reply = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"no keyboard\"}}" };
    const gh_backend_factory *f = qmp_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    gh_input_event ev[] = { EV(GH_INPUT_KEY, KEY_A, 1) };
    ck_assert_int_eq(f->input->send(inst, ev, 1), -EIO);
    ck_assert_str_eq(host.error, "input.qmp: input-send-event: QMP error: no keyboard");
    host.qmp_result = -ECONNRESET;
    ck_assert_int_eq(f->input->send(inst, ev, 1), -ECONNRESET);
    f->destroy(inst);
    free(host.command);
}
END_TEST

START_TEST(test_send_refuses_oversized_command)
{
    gh_host host = { .reply = "{\"return\": {}}" };
    const gh_backend_factory *f = qmp_factory();
    gh_instance *inst = f->create(&host, &fake_services);
    uint32_t n = 20000;       /* 20000 * 32 detents * 2 * ~55 bytes: far over 1 MiB */
    gh_input_event *ev = calloc(n, sizeof(*ev));
    for (uint32_t i = 0; i < n; i++)
        ev[i] = EV(GH_INPUT_REL, REL_WHEEL, 32);
    ck_assert_int_eq(f->input->send(inst, ev, n), -E2BIG);
    ck_assert_ptr_nonnull(strstr(host.error, "over 1048576 bytes"));
    ck_assert_int_eq(host.n_commands, 0);
    free(ev);
    f->destroy(inst);
}
END_TEST

START_TEST(test_create_needs_qmp_service)
{
    gh_host_services none = { .struct_size = sizeof(none), .version = 1, .set_error = fake_set_error };
    gh_host host = { 0 };
    ck_assert_ptr_null(qmp_factory()->create(&host, &none));
    ck_assert_str_eq(host.error, "input.qmp: the host offers no QMP command service");
}
END_TEST

static Suite *
input_qmp_suite(void)
{
    Suite *s = suite_create("input-qmp");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, test_key_press_and_release);
    tcase_add_test(tc, test_key_autorepeat_is_a_press);
    tcase_add_test(tc, test_qcode_table);
    tcase_add_test(tc, test_mouse_buttons);
    tcase_add_test(tc, test_relative_motion);
    tcase_add_test(tc, test_absolute_motion);
    tcase_add_test(tc, test_wheel_is_press_and_release_per_detent);
    tcase_add_test(tc, test_wheel_of_zero_sends_nothing);
    tcase_add_test(tc, test_short_buffer_is_truncated_and_terminated);
    suite_add_tcase(s, tc);

    tc = tcase_create("rejections");
    tcase_add_test(tc, test_rejects_unmapped_key);
    tcase_add_test(tc, test_rejects_key_value_out_of_range);
    tcase_add_test(tc, test_rejects_non_mouse_button);
    tcase_add_test(tc, test_rejects_unsupported_relative_axes);
    tcase_add_test(tc, test_rejects_wheel_delta_over_limit);
    tcase_add_test(tc, test_rejects_absolute_out_of_range);
    tcase_add_test(tc, test_rejects_pad_touch_and_unknown_events);
    tcase_add_test(tc, test_one_event_alone_is_named_without_an_index);
    suite_add_tcase(s, tc);

    tc = tcase_create("reply");
    tcase_add_test(tc, test_reply_return_is_success);
    tcase_add_test(tc, test_reply_error_gives_desc);
    tcase_add_test(tc, test_reply_error_desc_is_truncated);
    tcase_add_test(tc, test_reply_garbage_or_empty_is_eio);
    suite_add_tcase(s, tc);

    tc = tcase_create("plugin");
    tcase_add_test(tc, test_plugin_descriptor);
    tcase_add_test(tc, test_send_passes_one_command_and_checks_reply);
    tcase_add_test(tc, test_send_of_nothing_calls_no_qmp);
    tcase_add_test(tc, test_send_rejects_unsupported_event_without_qmp);
    tcase_add_test(tc, test_send_reports_qmp_error_reply);
    tcase_add_test(tc, test_send_refuses_oversized_command);
    tcase_add_test(tc, test_create_needs_qmp_service);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(input_qmp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
