/* Specification of api-session-io.c: input into a running session
 * (POST /v1/sessions/{id}/input) and its frame out as PNG
 * (GET /v1/sessions/{id}/frame), and how each refuses. */

#include <string.h>
#include "api-fixture.h"

/* ---- session io -------------------------------------------------------------- */

START_TEST(test_input_and_frame_of_unknown_session_are_404)
{
    g_autoptr(Response) input = post_json_as(NO_SUCH_SESSION "/input", "application/json", KEY_TAP, NULL);
    g_autoptr(Response) frame = request("GET", NO_SUCH_SESSION "/frame", TOKEN);

    assert_error(input, 404, "not_found");
    assert_error(frame, 404, "not_found");
}
END_TEST

START_TEST(test_input_rejects_malformed_events)
{
    static const char *const cases[][2] = {
        { "{\"events\":[]}", "events: at least 1 event" },
        { "{}", "events: is required" },
        { "[1]", "request body must be a JSON object" },
        { "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":1},{\"type\":\"key\",\"code\":\"KEY_NOPE\","
          "\"value\":1}]}", "events[1].code: unknown key 'KEY_NOPE'" },
        { "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_A\",\"value\":2}]}", "events[0].value: must be 0 or 1" },
        { "{\"events\":[{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":10001}]}",
          "events[0].value: must be between -10000 and 10000" },
    };
    g_autofree char *id = running_session("");
    g_autofree char *path = session_path(id, "/input");

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(Response) r = post_json_as(path, "application/json", cases[i][0], NULL);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
}
END_TEST

START_TEST(test_input_rejects_bad_json_and_content_type)
{
    g_autofree char *id = running_session("");
    g_autofree char *path = session_path(id, "/input");
    g_autoptr(Response) text = post_json_as(path, "text/plain", KEY_TAP, NULL);
    g_autoptr(Response) broken = post_json_as(path, "application/json", "{\"events\":[", NULL);

    assert_error(text, 415, "unsupported_media_type");
    assert_error(broken, 400, "invalid_json");
}
END_TEST

START_TEST(test_input_and_frame_without_backends_are_409)
{
    g_autofree char *id = running_session("");
    g_autofree char *input_path = session_path(id, "/input");
    g_autofree char *frame_path = session_path(id, "/frame");
    g_autoptr(Response) input = post_json_as(input_path, "application/json", KEY_TAP, NULL);
    g_autoptr(Response) frame = request("GET", frame_path, TOKEN);
    g_autofree char *input_msg = g_strdup_printf("session %s has no input backend "
                                                 "(this host loaded no plugins that serve it)", id);

    assert_error(input, 409, "no_input");
    ck_assert_str_eq(error_message(input), input_msg);
    assert_error(frame, 409, "no_capture");
}
END_TEST

START_TEST(test_input_and_frame_of_stopped_session_are_409)
{
    g_autofree char *id = running_session("");
    g_autofree char *path = session_path(id, "");
    g_autofree char *input_path = session_path(id, "/input");
    g_autofree char *frame_path = session_path(id, "/frame");
    g_autoptr(Response) del = request("DELETE", path, TOKEN);
    g_autoptr(Response) input = NULL, frame = NULL;

    ck_assert_uint_eq(del->status, 202);
    wait_for_state(id, GH_SESSION_STOPPED);
    input = post_json_as(input_path, "application/json", KEY_TAP, NULL);
    frame = request("GET", frame_path, TOKEN);
    assert_error(input, 409, "not_running");
    assert_error(frame, 409, "not_running");
}
END_TEST

/* ---- with plugins ------------------------------------------------------------ */

START_TEST(test_input_reaches_the_input_backend)
{
    g_autofree char *id = running_session(",\"capture\":\"capture.fake\",\"input\":\"input.fake\"");
    g_autofree char *path = session_path(id, "/input");
    g_autofree char *show_path = session_path(id, "");
    g_autoptr(Response) r = post_json_as(path, "application/json",
                                         "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"action\":\"tap\"},"
                                         "{\"type\":\"rel\",\"code\":\"REL_X\",\"value\":-5}]}", NULL);
    g_autoptr(Response) show = request("GET", show_path, TOKEN);
    JsonObject *pipeline;

    ck_assert_msg(r->status == 200, "status %u: %s", r->status, r->body);
    ck_assert_str_eq(r->body, "{\"delivered\":3,\"dropped\":[]}");
    pipeline = json_object_get_object_member(json_node_get_object(show->json), "pipeline");
    ck_assert_ptr_nonnull(pipeline);
    ck_assert_str_eq(json_object_get_string_member(pipeline, "capture"), "capture.fake");
    ck_assert_str_eq(json_object_get_string_member(pipeline, "input"), "input.fake");
}
END_TEST

START_TEST(test_input_backend_failure_is_502)
{
    g_autofree char *id = running_session(",\"input\":{\"backend\":\"input.fake\",\"options\":{\"fail\":\"1\"}}");
    g_autofree char *path = session_path(id, "/input");
    g_autoptr(Response) r = post_json_as(path, "application/json", KEY_TAP, NULL);

    assert_error(r, 502, "backend_failed");
}
END_TEST

/* A key and a pad released together, as the player's page does on blur.
 * demo-arena's profile plays its pads as keys, but maps none to BTN_EAST:
 * that one reaches the input backend as it is. */
#define KEY_AND_PAD_RELEASE \
    "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"value\":0}," \
    "{\"type\":\"pad_button\",\"code\":\"BTN_EAST\",\"value\":0,\"pad\":0}," \
    "{\"type\":\"key\",\"code\":\"KEY_RIGHT\",\"value\":0}]}"

START_TEST(test_input_answer_lists_events_the_backend_could_not_take)
{
    g_autofree char *id = running_session(",\"input\":{\"backend\":\"input.fake\",\"options\":{\"no_pads\":\"1\"}}");
    g_autofree char *path = session_path(id, "/input");
    g_autofree char *show_path = session_path(id, "");
    g_autoptr(Response) r = post_json_as(path, "application/json", KEY_AND_PAD_RELEASE, NULL);
    g_autoptr(Response) show = request("GET", show_path, TOKEN);
    g_autoptr(Response) metrics = request("GET", "/metrics", TOKEN);
    JsonObject *stats;

    ck_assert_msg(r->status == 200, "status %u: %s", r->status, r->body);
    ck_assert_str_eq(r->body, "{\"delivered\":2,\"dropped\":[{\"index\":1,\"reason\":\"unsupported\","
                              "\"message\":\"input.fake: pad code 305: no pads here\"}]}");
    stats = json_object_get_object_member(
        json_object_get_object_member(json_node_get_object(show->json), "pipeline"), "stats");
    ck_assert_int_eq(json_object_get_int_member(stats, "input_events"), 2);
    ck_assert_int_eq(json_object_get_int_member(json_object_get_object_member(stats, "input_dropped"),
                                                "unsupported"), 1);
    ck_assert_ptr_nonnull(strstr(metrics->body, "gamehost_input_dropped_total{reason=\"unsupported\"} 1\n"));
}
END_TEST

START_TEST(test_input_that_only_fails_is_502_and_counted)
{
    g_autofree char *id = running_session(",\"input\":{\"backend\":\"input.fake\",\"options\":{\"fail\":\"1\"}}");
    g_autofree char *path = session_path(id, "/input");
    g_autoptr(Response) r = post_json_as(path, "application/json", KEY_AND_PAD_RELEASE, NULL);
    g_autoptr(Response) metrics = request("GET", "/metrics", TOKEN);

    assert_error(r, 502, "backend_failed");
    ck_assert_str_eq(error_message(r), "input.fake failed: fake input broke");
    ck_assert_ptr_nonnull(strstr(metrics->body, "gamehost_input_dropped_total{reason=\"failed\"} 3\n"));
}
END_TEST

/* demo-arena's profile (arcade-640) maps the d-pad and left stick to the
 * arrows: its session's input backend gets keys, and each pad event counts
 * as delivered. */
START_TEST(test_input_pads_reach_a_demo_arena_session_as_its_profiles_keys)
{
    g_autofree char *id = running_session(",\"input\":{\"backend\":\"input.fake\",\"options\":{\"no_pads\":\"1\"}}");
    g_autofree char *path = session_path(id, "/input");
    g_autoptr(Response) r = post_json_as(path, "application/json",
                                         "{\"events\":[{\"type\":\"pad_button\",\"code\":\"BTN_DPAD_RIGHT\",\"action\":\"tap\"},"
                                         "{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":-32768,\"pad\":1},"
                                         "{\"type\":\"pad_axis\",\"code\":\"ABS_X\",\"value\":0,\"pad\":1}]}", NULL);
    static const guint32 codes[4] = { KEY_RIGHT, KEY_RIGHT, KEY_LEFT, KEY_LEFT };
    static const gint32 values[4] = { 1, 0, 1, 0 };

    ck_assert_msg(r->status == 200, "status %u: %s", r->status, r->body);
    ck_assert_str_eq(r->body, "{\"delivered\":4,\"dropped\":[]}");
    ck_assert_uint_eq(pipeline_fake->n_events, 4);
    for (guint i = 0; i < 4; i++) {
        ck_assert_uint_eq(pipeline_fake->events[i].type, GH_INPUT_KEY);
        ck_assert_uint_eq(pipeline_fake->events[i].code, codes[i]);
        ck_assert_int_eq(pipeline_fake->events[i].value, values[i]);
    }
}
END_TEST

START_TEST(test_frame_is_an_uncached_png)
{
    g_autofree char *id = running_session(",\"capture\":\"capture.fake\"");
    g_autofree char *path = session_path(id, "/frame");
    g_autoptr(Response) r = request("GET", path, TOKEN);

    ck_assert_msg(r->status == 200, "status %u: %s", r->status, r->body);
    ck_assert_str_eq(soup_message_headers_get_content_type(r->headers, NULL), "image/png");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Cache-Control"), "no-store");
    ck_assert_int_eq(memcmp(r->body, "\x89PNG\r\n\x1a\n", 8), 0);
}
END_TEST

static Suite *
api_session_io_suite(void)
{
    Suite *s = suite_create("api_session_io");
    TCase *tc;

    tc = api_case("session_io", setup);
    tcase_add_test(tc, test_input_and_frame_of_unknown_session_are_404);
    tcase_add_test(tc, test_input_rejects_malformed_events);
    tcase_add_test(tc, test_input_rejects_bad_json_and_content_type);
    tcase_add_test(tc, test_input_and_frame_without_backends_are_409);
    tcase_add_test(tc, test_input_and_frame_of_stopped_session_are_409);
    suite_add_tcase(s, tc);

    tc = api_case("with_plugins", setup_plugins);
    tcase_add_test(tc, test_input_reaches_the_input_backend);
    tcase_add_test(tc, test_input_backend_failure_is_502);
    tcase_add_test(tc, test_input_answer_lists_events_the_backend_could_not_take);
    tcase_add_test(tc, test_input_that_only_fails_is_502_and_counted);
    tcase_add_test(tc, test_frame_is_an_uncached_png);
    suite_add_tcase(s, tc);

    /* setup_players finds input.fake's record (pipeline_fake). */
    tc = api_case("pads_as_keys", setup_players);
    tcase_add_test(tc, test_input_pads_reach_a_demo_arena_session_as_its_profiles_keys);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_session_io_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
