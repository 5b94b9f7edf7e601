/* Specification of api-sessions.c: creating sessions (every bad input, host
 * state, idempotency, backend choices, the player token), listing, showing
 * and stopping them, and re-minting a player token. */

#include <string.h>
#include "api-fixture.h"

/* ---- create bad input -------------------------------------------------------- */

START_TEST(test_create_rejects_wrong_content_type)
{
    g_autoptr(Response) r = post_json_as("/v1/sessions", "text/plain", "{\"image\":\"demo-arena\"}", NULL);
    g_autoptr(Response) latin1 = post_json_as("/v1/sessions", "application/json; charset=iso-8859-1",
                                              "{\"image\":\"demo-arena\"}", NULL);

    assert_error(r, 415, "unsupported_media_type");
    assert_error(latin1, 415, "unsupported_media_type");
}
END_TEST

START_TEST(test_create_accepts_utf8_charset_param)
{
    g_autoptr(Response) r = post_json_as("/v1/sessions", "application/json; charset=UTF-8",
                                         "{\"image\":\"demo-arena\"}", NULL);

    ck_assert_msg(r->status == 201, "status %u: %s", r->status, r->body);
}
END_TEST

START_TEST(test_create_rejects_malformed_json)
{
    g_autoptr(Response) r = create("{\"image\": \"demo-arena\",");
    g_autoptr(Response) empty = create("");

    assert_error(r, 400, "invalid_json");
    ck_assert(strlen(error_message(r)) > 0);
    assert_error(empty, 400, "invalid_json");
}
END_TEST

START_TEST(test_create_rejects_non_object_body)
{
    g_autoptr(Response) r = create("[\"demo-arena\"]");

    assert_error(r, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_missing_image)
{
    g_autoptr(Response) r = create("{\"labels\":{}}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "'image'"));
}
END_TEST

START_TEST(test_create_rejects_image_not_string)
{
    static const char *const bodies[] = {
        "{\"image\":42}", "{\"image\":null}", "{\"image\":[\"demo-arena\"]}", "{\"image\":true}", NULL,
    };

    for (const char *const *b = bodies; *b; b++) {
        g_autoptr(Response) r = create(*b);
        assert_error(r, 400, "invalid_request");
        ck_assert_msg(strstr(error_message(r), "'image'"), "%s: %s", *b, error_message(r));
    }
}
END_TEST

START_TEST(test_create_rejects_labels_not_object)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"labels\":[\"a\"]}");
    g_autoptr(Response) null = create("{\"image\":\"demo-arena\",\"labels\":null}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "'labels'"));
    assert_error(null, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_label_value_not_string)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"labels\":{\"player\":7}}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "labels.player"));
}
END_TEST

START_TEST(test_create_rejects_bad_label_keys)
{
    static const char *const bodies[] = {
        "{\"image\":\"demo-arena\",\"labels\":{\"\":\"v\"}}",
        "{\"image\":\"demo-arena\",\"labels\":{\"has space\":\"v\"}}",
        "{\"image\":\"demo-arena\",\"labels\":{\"k\\u00e9y\":\"v\"}}",
        "{\"image\":\"demo-arena\",\"labels\":{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":\"v\"}}",
        NULL,
    };

    for (const char *const *b = bodies; *b; b++) {
        g_autoptr(Response) r = create(*b);
        assert_error(r, 400, "invalid_request");
    }
}
END_TEST

START_TEST(test_create_accepts_label_key_of_63_allowed_chars)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"labels\":{"
                                   "\"team.example/Zone_1-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":\"\"}}");

    ck_assert_msg(r->status == 201, "status %u: %s", r->status, r->body);
}
END_TEST

START_TEST(test_create_rejects_too_many_labels)
{
    g_autoptr(GString) body = g_string_new("{\"image\":\"demo-arena\",\"labels\":{");
    g_autoptr(Response) r = NULL;

    for (int i = 0; i < 33; i++)
        g_string_append_printf(body, "%s\"k%d\":\"v\"", i ? "," : "", i);
    g_string_append(body, "}}");
    r = create(body->str);
    assert_error(r, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_long_label_value)
{
    g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",\"labels\":{\"k\":\"%0*d\"}}", 256, 0);
    g_autoptr(Response) r = create(body);

    assert_error(r, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_bad_player_requests)
{
    static const char *const cases[][2] = {
        { "\"x\"",                  "field 'player' must be an object" },
        { "{\"ttl\":5}",            "unknown field 'player.ttl'" },
        { "{\"ttl_s\":0}",          "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":3601}",       "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":-1}",         "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":1.5}",        "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
        { "{\"ttl_s\":\"60\"}",     "field 'player.ttl_s' must be an integer from 1 to 3600 (seconds)" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",\"player\":%s}", cases[i][0]);
        g_autoptr(Response) r = create(body);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 0);
}
END_TEST

START_TEST(test_create_rejects_unknown_field)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"colour\":\"red\"}");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "'colour'"));
}
END_TEST

START_TEST(test_create_rejects_bad_gpu_requests)
{
    static const char *const cases[][2] = {
        { "\"gpu\":\"l4\"", "field 'gpu' must be an object" },
        { "\"gpu\":{\"alias\":\"L4!\"}", "field 'gpu.alias' must be an alias ([a-z0-9][a-z0-9._-]{0,31})" },
        { "\"gpu\":{\"vendor\":\"nvidia\"}", "field 'gpu.vendor' must be a PCI vendor id of 4 hex digits" },
        { "\"gpu\":{\"required\":\"yes\"}", "field 'gpu.required' must be a boolean" },
        { "\"gpu\":{\"count\":2}", "unknown field 'gpu.count'" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",%s}", cases[i][0]);
        g_autoptr(Response) r = create(body);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
}
END_TEST

START_TEST(test_create_with_required_gpu_on_gpuless_host_is_409)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"gpu\":{\"alias\":\"l4\"}}");

    assert_error(r, 409, "no_gpu");
    ck_assert_str_eq(error_message(r), "no GPU for this session: this host assigns none");
}
END_TEST

START_TEST(test_create_with_optional_gpu_on_gpuless_host_starts)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"gpu\":{\"vendor\":\"10de\",\"required\":false}}");

    ck_assert_uint_eq(r->status, 201);
    ck_assert(json_node_is_null(json_object_get_member(json_node_get_object(r->json), "gpu")));
}
END_TEST

START_TEST(test_create_rejects_unknown_image)
{
    g_autoptr(Response) r = create("{\"image\":\"no-such-game\"}");
    g_autoptr(Response) hostile = create("{\"image\":\"../../etc/passwd\"}");

    assert_error(r, 400, "unknown_image");
    ck_assert(strstr(error_message(r), "no-such-game"));
    assert_error(hostile, 400, "unknown_image");
}
END_TEST

START_TEST(test_create_rejects_gpu_image_on_gpuless_host)
{
    g_autoptr(Response) r = create("{\"image\":\"gpu-only\"}");

    assert_error(r, 409, "no_gpu");
}
END_TEST

START_TEST(test_create_rejects_bad_idempotency_key)
{
    g_autofree char *long_key = g_strnfill(256, 'k');
    g_autoptr(Response) r = post_json_as("/v1/sessions", "application/json", "{\"image\":\"demo-arena\"}", long_key);
    g_autoptr(Response) ctl = post_json_as("/v1/sessions", "application/json", "{\"image\":\"demo-arena\"}",
                                           "tab\there");

    assert_error(r, 400, "invalid_request");
    ck_assert(strstr(error_message(r), "Idempotency-Key"));
    assert_error(ctl, 400, "invalid_request");
}
END_TEST

START_TEST(test_create_rejects_bad_backend_choices)
{
    static const char *const cases[][2] = {
        { "\"capture\":42", "field 'capture' must be a backend name or an object {\"backend\", \"options\"}" },
        { "\"stream\":[]", "field 'stream' must be a backend name or an object {\"backend\", \"options\"}" },
        { "\"input\":null", "field 'input' must be a backend name or an object {\"backend\", \"options\"}" },
        { "\"input\":\"Input QMP\"", "field 'input' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})" },
        { "\"capture\":\"\"", "field 'capture' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})" },
        { "\"capture\":{}", "field 'capture.backend' is required" },
        { "\"capture\":{\"backend\":7}", "field 'capture.backend' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})" },
        { "\"capture\":{\"backend\":\"capture.x\",\"opts\":{}}", "unknown field 'capture.opts'" },
        { "\"input\":{\"backend\":\"input.x\",\"options\":[]}", "field 'input.options' must be an object of strings" },
        { "\"input\":{\"backend\":\"input.x\",\"options\":{\"k\":1}}",
          "field 'input.options.k' must be a string of at most 1024 bytes" },
        { "\"stream\":{\"backend\":\"stream.x\",\"options\":{\"Bad Key\":\"v\"}}",
          "option key 'Bad Key' in field 'stream.options' must match [a-z0-9_.-]{1,63}" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *body = g_strdup_printf("{\"image\":\"demo-arena\",%s}", cases[i][0]);
        g_autoptr(Response) r = create(body);

        assert_error(r, 400, "invalid_request");
        ck_assert_str_eq(error_message(r), cases[i][1]);
    }
}
END_TEST

START_TEST(test_create_rejects_too_many_backend_options)
{
    g_autoptr(GString) body = g_string_new("{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"capture.x\",\"options\":{");
    g_autoptr(Response) r = NULL;

    for (int i = 0; i < 33; i++)
        g_string_append_printf(body, "%s\"k%d\":\"v\"", i ? "," : "", i);
    g_string_append(body, "}}}");
    r = create(body->str);
    assert_error(r, 400, "invalid_request");
    ck_assert_str_eq(error_message(r), "field 'capture.options' has more than 32 options");
}
END_TEST

START_TEST(test_create_rejects_unknown_backend)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"capture\":\"capture.nope\"}");
    g_autoptr(Response) list = request("GET", "/v1/sessions", TOKEN);

    assert_error(r, 400, "invalid_backend");
    ck_assert_str_eq(error_message(r), "unknown capture backend 'capture.nope'");
    ck_assert_str_eq(list->body, "{\"sessions\":[]}");
}
END_TEST

/* ---- sessions ---------------------------------------------------------------- */

START_TEST(test_create_while_draining_is_503_until_undrain)
{
    g_autoptr(Response) drain = request("POST", "/v1/host/drain", TOKEN);
    g_autoptr(Response) refused = create("{\"image\":\"demo-arena\"}");
    g_autoptr(Response) undrain = request("POST", "/v1/host/undrain", TOKEN);
    g_autoptr(Response) accepted = create("{\"image\":\"demo-arena\"}");

    ck_assert_uint_eq(drain->status, 200);
    ck_assert(json_object_get_boolean_member(json_node_get_object(drain->json), "draining"));
    assert_error(refused, 503, "draining");
    ck_assert_uint_eq(undrain->status, 200);
    ck_assert(!json_object_get_boolean_member(json_node_get_object(undrain->json), "draining"));
    ck_assert_uint_eq(accepted->status, 201);
}
END_TEST

START_TEST(test_idempotent_replay_returns_same_session)
{
    const char *body = "{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p1\"}}";
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json", body, "order-42");
    g_autoptr(Response) again = post_json_as("/v1/sessions", "application/json", body, "order-42");
    g_autofree char *id = created_id(first);

    ck_assert_ptr_null(soup_message_headers_get_one(first->headers, "Idempotent-Replayed"));
    ck_assert_uint_eq(again->status, 201);
    ck_assert_str_eq(member_string(again->json, "id"), id);
    ck_assert_str_eq(soup_message_headers_get_one(again->headers, "Idempotent-Replayed"), "true");
    ck_assert_uint_eq(gh_session_manager_count_in_state(fx.mgr, GH_SESSION_STARTING) +
                      gh_session_manager_count_in_state(fx.mgr, GH_SESSION_RUNNING), 1);
}
END_TEST

START_TEST(test_idempotent_replay_ignores_label_order)
{
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}}", "k");
    g_autoptr(Response) again = post_json_as("/v1/sessions", "application/json",
                                             "{\"labels\":{\"b\":\"2\",\"a\":\"1\"},\"image\":\"demo-arena\"}", "k");
    g_autofree char *id = created_id(first);

    ck_assert_uint_eq(again->status, 201);
    ck_assert_str_eq(member_string(again->json, "id"), id);
}
END_TEST

START_TEST(test_idempotency_key_reuse_with_other_body_is_422)
{
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p1\"}}", "order-42");
    g_autoptr(Response) other = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p2\"}}", "order-42");

    ck_assert_uint_eq(first->status, 201);
    assert_error(other, 422, "idempotency_key_reused");
}
END_TEST

START_TEST(test_session_create_list_show_delete_flow)
{
    g_autoptr(Response) created = create("{\"image\":\"demo-arena\",\"labels\":{\"player\":\"p1\"}}");
    g_autofree char *id = created_id(created);
    g_autofree char *path = g_strdup_printf("/v1/sessions/%s", id);
    g_autoptr(Response) list = NULL, show = NULL, del = NULL, gone = NULL;
    JsonArray *sessions;

    ck_assert_str_eq(soup_message_headers_get_one(created->headers, "Location"), path);
    ck_assert_str_eq(member_string(created->json, "state"), "starting");
    ck_assert_str_eq(member_string(created->json, "image"), "demo-arena");
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(created->json), "labels"),
                                   "player"), "p1");
    wait_for_state(id, GH_SESSION_RUNNING);

    list = request("GET", "/v1/sessions", TOKEN);
    ck_assert_uint_eq(list->status, 200);
    sessions = json_object_get_array_member(json_node_get_object(list->json), "sessions");
    ck_assert_uint_eq(json_array_get_length(sessions), 1);
    ck_assert_str_eq(member_string(json_array_get_element(sessions, 0), "id"), id);

    show = request("GET", path, TOKEN);
    ck_assert_uint_eq(show->status, 200);
    ck_assert_str_eq(member_string(show->json, "state"), "running");

    del = request("DELETE", path, TOKEN);
    ck_assert_uint_eq(del->status, 202);
    ck_assert_str_eq(member_string(del->json, "state"), "stopping");
    wait_for_state(id, GH_SESSION_STOPPED);

    gone = request("DELETE", path, TOKEN);
    ck_assert_uint_eq(gone->status, 200);
    ck_assert_str_eq(member_string(gone->json, "state"), "stopped");
}
END_TEST

START_TEST(test_unknown_session_is_404)
{
    g_autoptr(Response) show = request("GET", "/v1/sessions/5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12", TOKEN);
    g_autoptr(Response) del = request("DELETE", "/v1/sessions/5b0c7d4e-8a2f-4c1e-9d3b-6f7a8e9c0d12", TOKEN);

    assert_error(show, 404, "not_found");
    assert_error(del, 404, "not_found");
}
END_TEST

START_TEST(test_sessions_list_filters_by_state)
{
    g_autoptr(Response) created = create("{\"image\":\"demo-arena\"}");
    g_autofree char *id = created_id(created);
    g_autoptr(Response) running = NULL, stopped = NULL;

    wait_for_state(id, GH_SESSION_RUNNING);
    running = request("GET", "/v1/sessions?state=running", TOKEN);
    stopped = request("GET", "/v1/sessions?state=stopped", TOKEN);
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(json_node_get_object(running->json),
                                                                         "sessions")), 1);
    ck_assert_uint_eq(json_array_get_length(json_object_get_array_member(json_node_get_object(stopped->json),
                                                                         "sessions")), 0);
}
END_TEST

START_TEST(test_sessions_list_rejects_bad_state)
{
    g_autoptr(Response) r = request("GET", "/v1/sessions?state=sleeping", TOKEN);

    assert_error(r, 400, "invalid_request");
}
END_TEST

/* ---- capacity ---------------------------------------------------------------- */

START_TEST(test_create_at_capacity_is_409)
{
    g_autoptr(Response) first = create("{\"image\":\"demo-arena\"}");
    g_autoptr(Response) second = create("{\"image\":\"demo-arena\"}");

    ck_assert_uint_eq(first->status, 201);
    assert_error(second, 409, "capacity_exhausted");
}
END_TEST

/* ---- with plugins ------------------------------------------------------------ */

START_TEST(test_create_rejects_backend_of_wrong_kind)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"input.fake\"}}");

    assert_error(r, 400, "invalid_backend");
    ck_assert_str_eq(error_message(r), "backend 'input.fake' is not a capture backend");
}
END_TEST

START_TEST(test_idempotency_key_reuse_with_other_backend_is_422)
{
    g_autoptr(Response) first = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"capture\":\"capture.fake\"}", "k-backend");
    g_autoptr(Response) same = post_json_as("/v1/sessions", "application/json",
                                            "{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"capture.fake\"}}",
                                            "k-backend");
    g_autoptr(Response) other = post_json_as("/v1/sessions", "application/json",
                                             "{\"image\":\"demo-arena\",\"capture\":\"capture.fake2\"}", "k-backend");
    g_autoptr(Response) options = post_json_as(
        "/v1/sessions", "application/json",
        "{\"image\":\"demo-arena\",\"capture\":{\"backend\":\"capture.fake\",\"options\":{\"eagain\":\"1\"}}}",
        "k-backend");

    ck_assert_uint_eq(first->status, 201);
    ck_assert_uint_eq(same->status, 201);
    ck_assert_str_eq(soup_message_headers_get_one(same->headers, "Idempotent-Replayed"), "true");
    assert_error(other, 422, "idempotency_key_reused");
    assert_error(options, 422, "idempotency_key_reused");
}
END_TEST

/* ---- player token ------------------------------------------------------------ */

START_TEST(test_create_answers_with_a_player_token)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\",\"player\":{\"ttl_s\":60}}");
    JsonNode *player = json_object_get_member(json_node_get_object(r->json), "player");
    const char *id = member_string(r->json, "id");
    const char *token = member_string(player, "token");
    g_autofree char *url = play_path(id, token);

    ck_assert_uint_eq(r->status, 201);
    ck_assert_uint_eq(strlen(token), 43);
    ck_assert_str_eq(member_string(player, "url"), url);
    ck_assert_str_eq(member_string(player, "expires_at"), "2027-01-15T08:01:00Z");
}
END_TEST

START_TEST(test_player_token_never_listed)
{
    g_autoptr(Response) r = create("{\"image\":\"demo-arena\"}");
    const char *id = member_string(r->json, "id");
    const char *token = member_string(json_object_get_member(json_node_get_object(r->json), "player"), "token");
    g_autofree char *path = session_path(id, "");
    g_autoptr(Response) list = request("GET", "/v1/sessions", TOKEN);
    g_autoptr(Response) show = request("GET", path, TOKEN);
    JsonNode *player = json_object_get_member(json_node_get_object(show->json), "player");

    ck_assert_ptr_null(strstr(list->body, token));
    ck_assert_ptr_null(strstr(show->body, token));
    ck_assert_ptr_null(strstr(show->body, "sha256"));
    ck_assert_str_eq(member_string(player, "expires_at"), "2027-01-15T09:00:00Z");
    ck_assert(!json_object_has_member(json_node_get_object(player), "token"));
}
END_TEST

START_TEST(test_player_token_remint_revokes_the_old_one)
{
    g_autofree char *old = NULL;
    g_autofree char *id = player_session("", &old);
    g_autofree char *path = session_path(id, "/player-token");
    g_autoptr(Response) r = post_json_as(path, "application/json", "{\"ttl_s\":30}", NULL);
    const char *fresh = member_string(r->json, "token");
    g_autofree char *old_play = play_path(id, old);
    g_autofree char *new_play = play_path(id, fresh);
    g_autoptr(Response) refused = request("GET", old_play, NULL);
    g_autoptr(Response) served = request("GET", new_play, NULL);
    g_autoptr(Response) bad = post_json_as(path, "application/json", "{\"ttl_s\":0}", NULL);
    g_autoptr(Response) none = post_json_as(NO_SUCH_SESSION "/player-token", "application/json", "{}", NULL);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(member_string(r->json, "expires_at"), "2027-01-15T08:00:30Z");
    ck_assert_uint_eq(refused->status, 401);
    ck_assert_uint_eq(served->status, 200);
    assert_error(bad, 400, "invalid_request");
    ck_assert_str_eq(error_message(bad), "field 'ttl_s' must be an integer from 1 to 3600 (seconds)");
    assert_error(none, 404, "not_found");
}
END_TEST

static Suite *
api_sessions_suite(void)
{
    Suite *s = suite_create("api_sessions");
    TCase *tc;

    tc = api_case("create_bad_input", setup);
    tcase_add_test(tc, test_create_rejects_wrong_content_type);
    tcase_add_test(tc, test_create_accepts_utf8_charset_param);
    tcase_add_test(tc, test_create_rejects_malformed_json);
    tcase_add_test(tc, test_create_rejects_non_object_body);
    tcase_add_test(tc, test_create_rejects_missing_image);
    tcase_add_test(tc, test_create_rejects_image_not_string);
    tcase_add_test(tc, test_create_rejects_labels_not_object);
    tcase_add_test(tc, test_create_rejects_label_value_not_string);
    tcase_add_test(tc, test_create_rejects_bad_label_keys);
    tcase_add_test(tc, test_create_accepts_label_key_of_63_allowed_chars);
    tcase_add_test(tc, test_create_rejects_too_many_labels);
    tcase_add_test(tc, test_create_rejects_long_label_value);
    tcase_add_test(tc, test_create_rejects_bad_player_requests);
    tcase_add_test(tc, test_create_rejects_unknown_field);
    tcase_add_test(tc, test_create_rejects_bad_gpu_requests);
    tcase_add_test(tc, test_create_with_required_gpu_on_gpuless_host_is_409);
    tcase_add_test(tc, test_create_with_optional_gpu_on_gpuless_host_starts);
    tcase_add_test(tc, test_create_rejects_unknown_image);
    tcase_add_test(tc, test_create_rejects_gpu_image_on_gpuless_host);
    tcase_add_test(tc, test_create_rejects_bad_idempotency_key);
    tcase_add_test(tc, test_create_rejects_bad_backend_choices);
    tcase_add_test(tc, test_create_rejects_too_many_backend_options);
    tcase_add_test(tc, test_create_rejects_unknown_backend);
    suite_add_tcase(s, tc);

    tc = api_case("sessions", setup);
    tcase_add_test(tc, test_create_while_draining_is_503_until_undrain);
    tcase_add_test(tc, test_idempotent_replay_returns_same_session);
    tcase_add_test(tc, test_idempotent_replay_ignores_label_order);
    tcase_add_test(tc, test_idempotency_key_reuse_with_other_body_is_422);
    tcase_add_test(tc, test_session_create_list_show_delete_flow);
    tcase_add_test(tc, test_unknown_session_is_404);
    tcase_add_test(tc, test_sessions_list_filters_by_state);
    tcase_add_test(tc, test_sessions_list_rejects_bad_state);
    suite_add_tcase(s, tc);

    tc = api_case("capacity", setup_capacity_one);
    tcase_add_test(tc, test_create_at_capacity_is_409);
    suite_add_tcase(s, tc);

    tc = api_case("with_plugins", setup_plugins);
    tcase_add_test(tc, test_create_rejects_backend_of_wrong_kind);
    tcase_add_test(tc, test_idempotency_key_reuse_with_other_backend_is_422);
    suite_add_tcase(s, tc);

    tc = api_case("player_token", setup_players);
    tcase_add_test(tc, test_create_answers_with_a_player_token);
    tcase_add_test(tc, test_player_token_never_listed);
    tcase_add_test(tc, test_player_token_remint_revokes_the_old_one);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_sessions_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
