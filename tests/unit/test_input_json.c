/* test_input_json: the JSON form of input events (POST /v1/sessions/{id}/input,
 * gamehostctl input): every type, every refusal with its exact message, tap
 * expansion, the limits, and the names of evdev codes both ways. */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#include "util/input-json.h"

static JsonNode *
parse_json(const char *text)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) error = NULL;

    ck_assert_msg(json_parser_load_from_data(parser, text, -1, &error), "%s: %s", text,
                  error ? error->message : "");
    return json_parser_steal_root(parser);
}

/* Parses {"events":[<events>]}; asserts success. */
static GArray *
parse_ok(const char *events)
{
    g_autofree char *text = g_strdup_printf("{\"events\":[%s]}", events);
    g_autoptr(JsonNode) node = parse_json(text);
    g_autoptr(GError) error = NULL;
    GArray *out = NULL;

    ck_assert_msg(gh_input_events_from_json(node, &out, &error), "%s: %s", text, error ? error->message : "");
    ck_assert_ptr_nonnull(out);
    return out;
}

/* Parses a whole body; asserts the exact error. */
static void
assert_body_refused(const char *text, const char *message)
{
    g_autoptr(JsonNode) node = parse_json(text);
    g_autoptr(GError) error = NULL;
    GArray *out = (GArray *) 0x1;

    ck_assert_msg(!gh_input_events_from_json(node, &out, &error), "accepted: %s", text);
    ck_assert_ptr_null(out);
    ck_assert(g_error_matches(error, GH_INPUT_JSON_ERROR, GH_INPUT_JSON_ERROR_INVALID));
    ck_assert_str_eq(error->message, message);
}

static void
assert_refused(const char *events, const char *message)
{
    g_autofree char *text = g_strdup_printf("{\"events\":[%s]}", events);

    assert_body_refused(text, message);
}

static gh_input_event *
ev(GArray *a, guint i)
{
    ck_assert_uint_lt(i, a->len);
    return &g_array_index(a, gh_input_event, i);
}

static void
assert_event(GArray *a, guint i, guint32 type, guint32 code, gint32 value, guint32 device)
{
    gh_input_event *e = ev(a, i);

    ck_assert_uint_eq(e->type, type);
    ck_assert_uint_eq(e->code, code);
    ck_assert_int_eq(e->value, value);
    ck_assert_uint_eq(e->device, device);
    ck_assert_uint_eq(e->timestamp_ns, 0);
}

/* ---- every type --------------------------------------------------------------- */

START_TEST(test_key_press_and_release_by_value)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"value\":1},"
                                   "{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"value\":0}");

    ck_assert_uint_eq(a->len, 2);
    assert_event(a, 0, GH_INPUT_KEY, KEY_LEFT, 1, 0);
    assert_event(a, 1, GH_INPUT_KEY, KEY_LEFT, 0, 0);
}
END_TEST

START_TEST(test_key_actions_press_release)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"press\"},"
                                   "{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"release\"}");

    ck_assert_uint_eq(a->len, 2);
    assert_event(a, 0, GH_INPUT_KEY, KEY_A, 1, 0);
    assert_event(a, 1, GH_INPUT_KEY, KEY_A, 0, 0);
}
END_TEST

START_TEST(test_key_tap_expands_to_press_then_release)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"key\",\"code\":\"KEY_SPACE\",\"action\":\"tap\"},"
                                   "{\"type\":\"key\",\"code\":\"KEY_ENTER\",\"value\":1}");

    ck_assert_uint_eq(a->len, 3);
    assert_event(a, 0, GH_INPUT_KEY, KEY_SPACE, 1, 0);
    assert_event(a, 1, GH_INPUT_KEY, KEY_SPACE, 0, 0);
    assert_event(a, 2, GH_INPUT_KEY, KEY_ENTER, 1, 0);
}
END_TEST

START_TEST(test_button_by_value_and_tap)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"button\",\"code\":\"BTN_LEFT\",\"value\":1},"
                                   "{\"type\":\"button\",\"code\":\"BTN_EXTRA\",\"action\":\"tap\"}");

    ck_assert_uint_eq(a->len, 3);
    assert_event(a, 0, GH_INPUT_BUTTON, BTN_LEFT, 1, 0);
    assert_event(a, 1, GH_INPUT_BUTTON, BTN_EXTRA, 1, 0);
    assert_event(a, 2, GH_INPUT_BUTTON, BTN_EXTRA, 0, 0);
}
END_TEST

START_TEST(test_rel_axes_and_wheel)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":-5},"
                                   "{\"type\":\"rel\",\"code\":\"REL_Y\",\"value\":10000},"
                                   "{\"type\":\"rel\",\"code\":\"REL_WHEEL\",\"value\":-10000},"
                                   "{\"type\":\"rel\",\"code\":\"REL_HWHEEL\",\"value\":0}");

    ck_assert_uint_eq(a->len, 4);
    assert_event(a, 0, GH_INPUT_REL, REL_X, -5, 0);
    assert_event(a, 1, GH_INPUT_REL, REL_Y, 10000, 0);
    assert_event(a, 2, GH_INPUT_REL, REL_WHEEL, -10000, 0);
    assert_event(a, 3, GH_INPUT_REL, REL_HWHEEL, 0, 0);
}
END_TEST

START_TEST(test_abs_bounds_are_inclusive)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"abs\",\"code\":\"ABS_X\",\"value\":0},"
                                   "{\"type\":\"abs\",\"code\":\"ABS_Y\",\"value\":32767}");

    assert_event(a, 0, GH_INPUT_ABS, ABS_X, 0, 0);
    assert_event(a, 1, GH_INPUT_ABS, ABS_Y, 32767, 0);
}
END_TEST

START_TEST(test_pad_button_with_pad_index)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"pad_button\",\"code\":\"BTN_SOUTH\",\"value\":1,\"pad\":3},"
                                   "{\"type\":\"pad_button\",\"code\":\"BTN_DPAD_UP\",\"action\":\"tap\"}");

    ck_assert_uint_eq(a->len, 3);
    assert_event(a, 0, GH_INPUT_PAD_BUTTON, BTN_SOUTH, 1, 3);
    assert_event(a, 1, GH_INPUT_PAD_BUTTON, BTN_DPAD_UP, 1, 0);
    assert_event(a, 2, GH_INPUT_PAD_BUTTON, BTN_DPAD_UP, 0, 0);
}
END_TEST

START_TEST(test_pad_connect_takes_a_value_and_a_pad_and_no_code)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"pad_connect\",\"value\":1,\"pad\":2},"
                                   "{\"type\":\"pad_connect\",\"value\":0}");

    ck_assert_uint_eq(a->len, 2);
    assert_event(a, 0, GH_INPUT_PAD_CONNECT, 0, 1, 2);
    assert_event(a, 1, GH_INPUT_PAD_CONNECT, 0, 0, 0);
}
END_TEST

START_TEST(test_pad_connect_refusals)
{
    assert_refused("{\"type\":\"pad_connect\",\"value\":2}", "events[0].value: must be 0 or 1");
    assert_refused("{\"type\":\"pad_connect\",\"pad\":0}", "events[0].value: is required");
    assert_refused("{\"type\":\"pad_connect\",\"value\":1,\"pad\":4}", "events[0].pad: must be between 0 and 3");
    assert_refused("{\"type\":\"pad_connect\",\"code\":\"BTN_SOUTH\",\"value\":1}",
                   "events[0].code: unknown field for type 'pad_connect'");
}
END_TEST

START_TEST(test_pad_stick_bounds_are_inclusive)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":-32768,\"pad\":1},"
                                   "{\"type\":\"pad_axis\",\"code\":\"ABS_Y\",\"value\":32767},"
                                   "{\"type\":\"pad_axis\",\"code\":\"ABS_RX\",\"value\":-32768},"
                                   "{\"type\":\"pad_axis\",\"code\":\"ABS_RY\",\"value\":32767,\"pad\":3}");

    assert_event(a, 0, GH_INPUT_PAD_AXIS, ABS_X, -32768, 1);
    assert_event(a, 1, GH_INPUT_PAD_AXIS, ABS_Y, 32767, 0);
    assert_event(a, 2, GH_INPUT_PAD_AXIS, ABS_RX, -32768, 0);
    assert_event(a, 3, GH_INPUT_PAD_AXIS, ABS_RY, 32767, 3);
}
END_TEST

START_TEST(test_pad_trigger_bounds_are_inclusive)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"pad_axis\",\"code\":\"ABS_Z\",\"value\":0},"
                                   "{\"type\":\"pad_axis\",\"code\":\"ABS_RZ\",\"value\":255,\"pad\":2}");

    assert_event(a, 0, GH_INPUT_PAD_AXIS, ABS_Z, 0, 0);
    assert_event(a, 1, GH_INPUT_PAD_AXIS, ABS_RZ, 255, 2);
}
END_TEST

START_TEST(test_pad_axis_ranges_by_code)
{
    gint32 min = 1, max = 1;

    ck_assert(gh_input_pad_axis_range(ABS_X, &min, &max));
    ck_assert_int_eq(min, -32768);
    ck_assert_int_eq(max, 32767);
    ck_assert(gh_input_pad_axis_range(ABS_RY, &min, &max));
    ck_assert_int_eq(min, -32768);
    ck_assert_int_eq(max, 32767);
    ck_assert(gh_input_pad_axis_range(ABS_Z, &min, &max));
    ck_assert_int_eq(min, 0);
    ck_assert_int_eq(max, 255);
    ck_assert(gh_input_pad_axis_range(ABS_RZ, &min, &max));
    ck_assert_int_eq(min, 0);
    ck_assert_int_eq(max, 255);
    ck_assert(!gh_input_pad_axis_range(ABS_HAT0X, &min, &max));
}
END_TEST

START_TEST(test_touch_down_motion_up)
{
    g_autoptr(GArray) a = parse_ok("{\"type\":\"touch\",\"code\":\"down\",\"slot\":2,\"x\":100,\"y\":200},"
                                   "{\"type\":\"touch\",\"code\":\"motion\",\"slot\":2,\"x\":32767,\"y\":0},"
                                   "{\"type\":\"touch\",\"code\":\"up\",\"slot\":9}");

    ck_assert_uint_eq(a->len, 3);
    assert_event(a, 0, GH_INPUT_TOUCH, 1, 0, 2);
    ck_assert_int_eq(ev(a, 0)->x, 100);
    ck_assert_int_eq(ev(a, 0)->y, 200);
    assert_event(a, 1, GH_INPUT_TOUCH, 2, 0, 2);
    ck_assert_int_eq(ev(a, 1)->x, 32767);
    assert_event(a, 2, GH_INPUT_TOUCH, 0, 0, 9);
}
END_TEST

/* ---- limits ------------------------------------------------------------------- */

static char *
n_key_events(guint n, const char *action)
{
    GString *s = g_string_new("{\"events\":[");

    for (guint i = 0; i < n; i++)
        g_string_append_printf(s, "%s{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"%s\"}", i ? "," : "",
                               action);
    g_string_append(s, "]}");
    return g_string_free(s, FALSE);
}

START_TEST(test_256_events_accepted_and_taps_expand_beyond)
{
    g_autofree char *text = n_key_events(256, "tap");
    g_autoptr(JsonNode) node = parse_json(text);
    g_autoptr(GArray) a = NULL;

    ck_assert(gh_input_events_from_json(node, &a, NULL));
    ck_assert_uint_eq(a->len, 512);
}
END_TEST

START_TEST(test_257_events_refused)
{
    g_autofree char *text = n_key_events(257, "press");

    assert_body_refused(text, "events: at most 256 events");
}
END_TEST

START_TEST(test_empty_events_refused)
{
    assert_body_refused("{\"events\":[]}", "events: at least 1 event");
}
END_TEST

/* ---- the body's shape ----------------------------------------------------------- */

START_TEST(test_body_shape_refusals)
{
    assert_body_refused("[]", "request body must be a JSON object");
    assert_body_refused("\"events\"", "request body must be a JSON object");
    assert_body_refused("{}", "events: is required");
    assert_body_refused("{\"events\":{}}", "events: must be an array");
    assert_body_refused("{\"events\":null}", "events: must be an array");
    assert_body_refused("{\"events\":[{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":1}],\"session\":\"x\"}",
                        "session: unknown field");
}
END_TEST

START_TEST(test_null_node_refused)
{
    g_autoptr(GError) error = NULL;
    GArray *out = NULL;

    ck_assert(!gh_input_events_from_json(NULL, &out, &error));
    ck_assert_str_eq(error->message, "request body must be a JSON object");
}
END_TEST

/* ---- each field, each refusal ----------------------------------------------------- */

START_TEST(test_event_not_object)
{
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":1},42", "events[1]: must be an object");
    assert_refused("[]", "events[0]: must be an object");
}
END_TEST

START_TEST(test_type_refusals)
{
    assert_refused("{\"code\":\"KEY_A\",\"value\":1}", "events[0].type: is required");
    assert_refused("{\"type\":1,\"code\":\"KEY_A\",\"value\":1}", "events[0].type: must be a string");
    assert_refused("{\"type\":\"mouse\",\"code\":\"KEY_A\",\"value\":1}",
                   "events[0].type: unknown type 'mouse' (key, button, rel, abs, pad_button, pad_axis, pad_connect, touch)");
    assert_refused("{\"type\":\"KEY\",\"code\":\"KEY_A\",\"value\":1}",
                   "events[0].type: unknown type 'KEY' (key, button, rel, abs, pad_button, pad_axis, pad_connect, touch)");
}
END_TEST

START_TEST(test_code_refusals)
{
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":1},"
                   "{\"type\":\"key\",\"code\":\"KEY_B\",\"value\":1},"
                   "{\"type\":\"key\",\"code\":\"KEY_NOPE\",\"value\":1}",
                   "events[2].code: unknown key 'KEY_NOPE'");
    assert_refused("{\"type\":\"key\",\"value\":1}", "events[0].code: is required");
    assert_refused("{\"type\":\"key\",\"code\":30,\"value\":1}", "events[0].code: must be a string");
    assert_refused("{\"type\":\"key\",\"code\":\"key_a\",\"value\":1}", "events[0].code: unknown key 'key_a'");
}
END_TEST

START_TEST(test_code_of_another_type_refused)
{
    assert_refused("{\"type\":\"key\",\"code\":\"BTN_LEFT\",\"value\":1}", "events[0].code: unknown key 'BTN_LEFT'");
    assert_refused("{\"type\":\"button\",\"code\":\"KEY_A\",\"value\":1}", "events[0].code: unknown button 'KEY_A'");
    assert_refused("{\"type\":\"button\",\"code\":\"BTN_SOUTH\",\"value\":1}",
                   "events[0].code: unknown button 'BTN_SOUTH'");
    assert_refused("{\"type\":\"rel\",\"code\":\"ABS_X\",\"value\":1}",
                   "events[0].code: unknown relative axis 'ABS_X'");
    assert_refused("{\"type\":\"abs\",\"code\":\"ABS_RX\",\"value\":1}",
                   "events[0].code: unknown absolute axis 'ABS_RX'");
    assert_refused("{\"type\":\"pad_button\",\"code\":\"BTN_LEFT\",\"value\":1}",
                   "events[0].code: unknown pad button 'BTN_LEFT'");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"REL_X\",\"value\":1}",
                   "events[0].code: unknown pad axis 'REL_X'");
    assert_refused("{\"type\":\"touch\",\"code\":\"press\",\"x\":1,\"y\":1}",
                   "events[0].code: must be one of down, up, motion");
}
END_TEST

START_TEST(test_press_value_refusals)
{
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":2}", "events[0].value: must be 0 or 1");
    assert_refused("{\"type\":\"button\",\"code\":\"BTN_LEFT\",\"value\":-1}", "events[0].value: must be 0 or 1");
    assert_refused("{\"type\":\"pad_button\",\"code\":\"BTN_EAST\",\"value\":7}", "events[0].value: must be 0 or 1");
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":true}", "events[0].value: must be an integer");
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":1.0}", "events[0].value: must be an integer");
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":\"1\"}", "events[0].value: must be an integer");
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\"}", "events[0].value: is required");
}
END_TEST

START_TEST(test_action_refusals)
{
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"hold\"}",
                   "events[0].action: must be one of press, release, tap");
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":1}",
                   "events[0].action: must be one of press, release, tap");
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"tap\",\"value\":1}",
                   "events[0].action: give 'value' or 'action', not both");
    assert_refused("{\"type\":\"rel\",\"code\":\"REL_X\",\"action\":\"tap\"}",
                   "events[0].action: unknown field for type 'rel'");
}
END_TEST

START_TEST(test_range_refusals)
{
    assert_refused("{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":10001}",
                   "events[0].value: must be between -10000 and 10000");
    assert_refused("{\"type\":\"rel\",\"code\":\"REL_WHEEL\",\"value\":-10001}",
                   "events[0].value: must be between -10000 and 10000");
    assert_refused("{\"type\":\"abs\",\"code\":\"ABS_X\",\"value\":-1}",
                   "events[0].value: must be between 0 and 32767");
    assert_refused("{\"type\":\"abs\",\"code\":\"ABS_Y\",\"value\":32768}",
                   "events[0].value: must be between 0 and 32767");
    assert_refused("{\"type\":\"rel\",\"code\":\"REL_X\"}", "events[0].value: is required");
}
END_TEST

START_TEST(test_pad_stick_out_of_range_names_code_and_range)
{
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":-32769}",
                   "events[0].value: -32769 is out of range for pad axis ABS_X (-32768..32767)");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_RY\",\"value\":32768}",
                   "events[0].value: 32768 is out of range for pad axis ABS_RY (-32768..32767)");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":99999999999999}",
                   "events[0].value: 99999999999999 is out of range for pad axis ABS_X (-32768..32767)");
}
END_TEST

START_TEST(test_pad_trigger_out_of_range_names_code_and_range)
{
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_Z\",\"value\":300}",
                   "events[0].value: 300 is out of range for pad axis ABS_Z (0..255)");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_RZ\",\"value\":256}",
                   "events[0].value: 256 is out of range for pad axis ABS_RZ (0..255)");
    /* The range before SDK 1.4, and a stick's negative half, are no trigger's. */
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_RZ\",\"value\":32767}",
                   "events[0].value: 32767 is out of range for pad axis ABS_RZ (0..255)");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_Z\",\"value\":-1}",
                   "events[0].value: -1 is out of range for pad axis ABS_Z (0..255)");
}
END_TEST

START_TEST(test_pad_axis_value_must_be_an_integer)
{
    /* NaN and Infinity are not JSON: the parser refuses them before any
     * event is read.  1.5 and 1e10 are JSON numbers, but not integers. */
    g_autoptr(JsonParser) parser = json_parser_new();

    ck_assert(!json_parser_load_from_data(parser, "{\"events\":[{\"type\":\"pad_axis\",\"code\":\"ABS_X\","
                                                  "\"value\":NaN}]}", -1, NULL));
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":1.5}",
                   "events[0].value: must be an integer");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_Z\",\"value\":1e10}",
                   "events[0].value: must be an integer");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_Z\",\"value\":\"128\"}",
                   "events[0].value: must be an integer");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_Z\"}", "events[0].value: is required");
}
END_TEST

START_TEST(test_pad_index_refusals)
{
    assert_refused("{\"type\":\"pad_button\",\"code\":\"BTN_SOUTH\",\"value\":1,\"pad\":4}",
                   "events[0].pad: must be between 0 and 3");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_Y\",\"value\":0,\"pad\":4}",
                   "events[0].pad: must be between 0 and 3");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":0,\"pad\":-1}",
                   "events[0].pad: must be between 0 and 3");
    assert_refused("{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":0,\"pad\":\"0\"}",
                   "events[0].pad: must be an integer");
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":1,\"pad\":0}",
                   "events[0].pad: unknown field for type 'key'");
}
END_TEST

START_TEST(test_touch_refusals)
{
    assert_refused("{\"type\":\"touch\",\"code\":\"down\",\"y\":1}", "events[0].x: is required");
    assert_refused("{\"type\":\"touch\",\"code\":\"motion\",\"x\":1}", "events[0].y: is required");
    assert_refused("{\"type\":\"touch\",\"code\":\"down\",\"x\":32768,\"y\":1}",
                   "events[0].x: must be between 0 and 32767");
    assert_refused("{\"type\":\"touch\",\"code\":\"down\",\"x\":1,\"y\":-1}",
                   "events[0].y: must be between 0 and 32767");
    assert_refused("{\"type\":\"touch\",\"code\":\"up\",\"slot\":10}", "events[0].slot: must be between 0 and 9");
    assert_refused("{\"type\":\"touch\",\"code\":\"up\",\"value\":1}",
                   "events[0].value: unknown field for type 'touch'");
}
END_TEST

START_TEST(test_unknown_field_refused)
{
    assert_refused("{\"type\":\"abs\",\"code\":\"ABS_X\",\"value\":1,\"x\":5}",
                   "events[0].x: unknown field for type 'abs'");
}
END_TEST

START_TEST(test_first_bad_event_is_named)
{
    assert_refused("{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"tap\"},"
                   "{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":1},"
                   "{\"type\":\"rel\",\"code\":\"REL_Y\",\"value\":1},"
                   "{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":5},"
                   "{\"type\":\"nope\"}",
                   "events[3].value: must be 0 or 1");
}
END_TEST

/* ---- names ------------------------------------------------------------------------ */

START_TEST(test_code_names_round_trip)
{
    static const struct { guint32 type; const char *name; guint32 code; } cases[] = {
        { GH_INPUT_KEY, "KEY_A", KEY_A },           { GH_INPUT_KEY, "KEY_Z", KEY_Z },
        { GH_INPUT_KEY, "KEY_0", KEY_0 },           { GH_INPUT_KEY, "KEY_F12", KEY_F12 },
        { GH_INPUT_KEY, "KEY_LEFT", KEY_LEFT },     { GH_INPUT_KEY, "KEY_ESC", KEY_ESC },
        { GH_INPUT_KEY, "KEY_RIGHTMETA", KEY_RIGHTMETA }, { GH_INPUT_KEY, "KEY_SLASH", KEY_SLASH },
        { GH_INPUT_KEY, "KEY_PAGEDOWN", KEY_PAGEDOWN }, { GH_INPUT_KEY, "KEY_CAPSLOCK", KEY_CAPSLOCK },
        { GH_INPUT_BUTTON, "BTN_MIDDLE", BTN_MIDDLE }, { GH_INPUT_REL, "REL_HWHEEL", REL_HWHEEL },
        { GH_INPUT_ABS, "ABS_Y", ABS_Y },           { GH_INPUT_PAD_BUTTON, "BTN_THUMBR", BTN_THUMBR },
        { GH_INPUT_PAD_BUTTON, "BTN_DPAD_RIGHT", BTN_DPAD_RIGHT }, { GH_INPUT_PAD_AXIS, "ABS_Z", ABS_Z },
        { GH_INPUT_TOUCH, "down", 1 },              { GH_INPUT_TOUCH, "up", 0 },
        { GH_INPUT_TOUCH, "motion", 2 },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        guint32 code = 0xffff;
        ck_assert_str_eq(gh_input_code_name(cases[i].type, cases[i].code), cases[i].name);
        ck_assert(gh_input_code_from_name(cases[i].type, cases[i].name, &code));
        ck_assert_uint_eq(code, cases[i].code);
    }
}
END_TEST

START_TEST(test_code_name_of_code_invalid_for_type_is_null)
{
    ck_assert_ptr_null(gh_input_code_name(GH_INPUT_KEY, BTN_LEFT));
    ck_assert_ptr_null(gh_input_code_name(GH_INPUT_ABS, ABS_RX));
    ck_assert_ptr_null(gh_input_code_name(GH_INPUT_KEY, KEY_KP0));
    ck_assert_ptr_null(gh_input_code_name(GH_INPUT_TOUCH, 3));
    ck_assert_ptr_null(gh_input_code_name(99, KEY_A));
    ck_assert(!gh_input_code_from_name(GH_INPUT_KEY, NULL, NULL));
    ck_assert(!gh_input_code_from_name(99, "KEY_A", NULL));
}
END_TEST

START_TEST(test_type_names_round_trip)
{
    static const char *const names[] = { "key", "button", "rel", "abs", "pad_button", "pad_axis", "touch" };

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        guint32 type = 0;
        ck_assert(gh_input_type_from_name(names[i], &type));
        ck_assert_uint_eq(type, i + 1);
        ck_assert_str_eq(gh_input_type_name(type), names[i]);
    }
    ck_assert(!gh_input_type_from_name("wheel", NULL));
    ck_assert_ptr_null(gh_input_type_name(0));
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("input_json");
    TCase *tc = tcase_create("types");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_key_press_and_release_by_value);
    tcase_add_test(tc, test_key_actions_press_release);
    tcase_add_test(tc, test_key_tap_expands_to_press_then_release);
    tcase_add_test(tc, test_button_by_value_and_tap);
    tcase_add_test(tc, test_rel_axes_and_wheel);
    tcase_add_test(tc, test_abs_bounds_are_inclusive);
    tcase_add_test(tc, test_pad_button_with_pad_index);
    tcase_add_test(tc, test_pad_connect_takes_a_value_and_a_pad_and_no_code);
    tcase_add_test(tc, test_pad_connect_refusals);
    tcase_add_test(tc, test_pad_stick_bounds_are_inclusive);
    tcase_add_test(tc, test_pad_trigger_bounds_are_inclusive);
    tcase_add_test(tc, test_pad_axis_ranges_by_code);
    tcase_add_test(tc, test_touch_down_motion_up);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits-and-shape");
    tcase_add_test(tc, test_256_events_accepted_and_taps_expand_beyond);
    tcase_add_test(tc, test_257_events_refused);
    tcase_add_test(tc, test_empty_events_refused);
    tcase_add_test(tc, test_body_shape_refusals);
    tcase_add_test(tc, test_null_node_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_test(tc, test_event_not_object);
    tcase_add_test(tc, test_type_refusals);
    tcase_add_test(tc, test_code_refusals);
    tcase_add_test(tc, test_code_of_another_type_refused);
    tcase_add_test(tc, test_press_value_refusals);
    tcase_add_test(tc, test_action_refusals);
    tcase_add_test(tc, test_range_refusals);
    tcase_add_test(tc, test_pad_stick_out_of_range_names_code_and_range);
    tcase_add_test(tc, test_pad_trigger_out_of_range_names_code_and_range);
    tcase_add_test(tc, test_pad_axis_value_must_be_an_integer);
    tcase_add_test(tc, test_pad_index_refusals);
    tcase_add_test(tc, test_touch_refusals);
    tcase_add_test(tc, test_unknown_field_refused);
    tcase_add_test(tc, test_first_bad_event_is_named);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, test_code_names_round_trip);
    tcase_add_test(tc, test_code_name_of_code_invalid_for_type_is_null);
    tcase_add_test(tc, test_type_names_round_trip);
    suite_add_tcase(s, tc);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
