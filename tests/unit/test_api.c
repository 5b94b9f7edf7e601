/* Specification of api.c and api-respond.c: the gate every request passes
 * (bearer auth, body limits), routing, construction and listening, and the
 * GError → HTTP error map that every endpoint answers with. */

#include "api-fixture.h"
#include "api/api-respond.h"
#include "plugin/pipeline.h"

/* ---- auth routing ------------------------------------------------------------ */

START_TEST(test_healthz_needs_no_auth)
{
    g_autoptr(Response) r = request("GET", "/healthz", NULL);

    ck_assert_uint_eq(r->status, 200);
    ck_assert_str_eq(member_string(r->json, "status"), "ok");
}
END_TEST

START_TEST(test_request_without_token_is_401)
{
    g_autoptr(Response) r = request("GET", "/v1/host", NULL);

    assert_error(r, 401, "unauthorized");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "WWW-Authenticate"), "Bearer realm=\"gamehost\"");
}
END_TEST

START_TEST(test_request_with_wrong_token_is_401)
{
    g_autoptr(Response) r = request("GET", "/v1/host", TOKEN "x");
    g_autoptr(Response) prefix = request("GET", "/v1/host", "test-token");

    assert_error(r, 401, "unauthorized");
    assert_error(prefix, 401, "unauthorized");
}
END_TEST

START_TEST(test_non_bearer_scheme_is_401)
{
    SoupMessage *msg = new_message("GET", "/v1/host", NULL);
    g_autoptr(Response) r = NULL;

    soup_message_headers_replace(soup_message_get_request_headers(msg), "Authorization", "Basic " TOKEN);
    r = send_message(msg);
    assert_error(r, 401, "unauthorized");
}
END_TEST

START_TEST(test_every_configured_token_is_accepted)
{
    g_autoptr(Response) first = request("GET", "/v1/host", "another-token");
    g_autoptr(Response) second = request("GET", "/v1/host", TOKEN);

    ck_assert_uint_eq(first->status, 200);
    ck_assert_uint_eq(second->status, 200);
}
END_TEST

START_TEST(test_unknown_path_without_token_is_401)
{
    g_autoptr(Response) r = request("GET", "/v1/nothing-here", NULL);

    assert_error(r, 401, "unauthorized");
}
END_TEST

START_TEST(test_unknown_path_is_404)
{
    g_autoptr(Response) r = request("GET", "/v1/nothing-here", TOKEN);
    g_autoptr(Response) trailing = request("GET", "/v1/sessions/", TOKEN);

    assert_error(r, 404, "not_found");
    assert_error(trailing, 404, "not_found");
}
END_TEST

START_TEST(test_wrong_method_is_405_with_allow)
{
    g_autoptr(Response) r = request("DELETE", "/v1/sessions", TOKEN);
    g_autoptr(Response) host = request("PUT", "/v1/host/drain", TOKEN);

    assert_error(r, 405, "method_not_allowed");
    ck_assert_str_eq(soup_message_headers_get_one(r->headers, "Allow"), "GET, POST");
    assert_error(host, 405, "method_not_allowed");
    ck_assert_str_eq(soup_message_headers_get_one(host->headers, "Allow"), "POST");
}
END_TEST

START_TEST(test_input_and_frame_need_a_token)
{
    g_autoptr(Response) frame = request("GET", NO_SUCH_SESSION "/frame", NULL);
    g_autoptr(Response) wrong = request("GET", NO_SUCH_SESSION "/input", TOKEN);

    assert_error(frame, 401, "unauthorized");
    assert_error(wrong, 405, "method_not_allowed");
}
END_TEST

START_TEST(test_create_rejects_oversized_body)
{
    g_autofree char *big = g_strdup_printf("{\"image\":\"demo-arena\",\"labels\":{\"pad\":\"%0*d\"}}", 2000, 0);
    g_autoptr(Response) r = create(big);

    assert_error(r, 413, "payload_too_large");
    ck_assert_uint_eq(gh_session_manager_active(fx.mgr), 0);
}
END_TEST

START_TEST(test_create_rejects_oversized_chunked_body)
{
    SoupMessage *msg = new_message("POST", "/v1/sessions", TOKEN);
    g_autofree char *big = g_strdup_printf("{\"image\":\"demo-arena\",\"x\":\"%0*d\"}", 4000, 0);
    g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data(g_strdup(big), -1, g_free);
    g_autoptr(Response) r = NULL;

    /* Unknown length: the client sends it chunked, without Content-Length. */
    soup_message_set_request_body(msg, "application/json", stream, -1);
    r = send_message(msg);
    assert_error(r, 413, "payload_too_large");
}
END_TEST

/* ---- construction ------------------------------------------------------------ */

START_TEST(test_api_new_refuses_no_tokens)
{
    const char *tokens[] = { "", NULL };
    GhApiDeps deps = { .config = fx.config, .sessions = fx.mgr, .catalog = fx.catalog, .virt = fx.virt,
                       .tokens = tokens, .version = "1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GhApi) api = gh_api_new(&deps, &error);

    ck_assert_ptr_null(api);
    ck_assert(g_error_matches(error, GH_API_ERROR, GH_API_ERROR_INVALID));
}
END_TEST

START_TEST(test_listen_rejects_a_host_name)
{
    const char *tokens[] = { TOKEN, NULL };
    GhApiDeps deps = { .config = fx.config, .sessions = fx.mgr, .catalog = fx.catalog, .virt = fx.virt,
                       .tokens = tokens, .version = "1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GhApi) api = gh_api_new(&deps, NULL);

    ck_assert(!gh_api_listen(api, "example.com", 0, &error));
    ck_assert(g_error_matches(error, GH_API_ERROR, GH_API_ERROR_INVALID));
}
END_TEST

START_TEST(test_listen_on_localhost_uses_loopback)
{
    const char *tokens[] = { TOKEN, NULL };
    GhApiDeps deps = { .config = fx.config, .sessions = fx.mgr, .catalog = fx.catalog, .virt = fx.virt,
                       .tokens = tokens, .version = "1" };
    g_autoptr(GError) error = NULL;
    g_autoptr(GhApi) api = gh_api_new(&deps, NULL);

    ck_assert_msg(gh_api_listen(api, "localhost", 0, &error), "%s", error ? error->message : "");
    ck_assert_uint_ne(gh_api_port(api), 0);
}
END_TEST

/* ---- player gate ------------------------------------------------------------- */

START_TEST(test_player_token_opens_nothing_else)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session("", &token);
    g_autofree char *path = session_path(id, "");
    g_autoptr(Response) bearer = request("GET", path, token);
    g_autofree char *with_query = g_strdup_printf("%s?token=%s", path, token);
    g_autoptr(Response) query = request("GET", with_query, NULL);

    assert_error(bearer, 401, "unauthorized");
    assert_error(query, 401, "unauthorized");
}
END_TEST

/* ---- the GError → HTTP map (api-respond.c) ------------------------------------ */

typedef struct {
    GQuark (*domain)(void);
    gint code;
    guint status;
    const char *api_code;
} WantedEntry;

/* An endpoint's own table, as api-sessions.c and api-session-io.c have. */
static const GhApiErrorMap own_errors[] = {
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_BACKEND, SOUP_STATUS_BAD_REQUEST, "invalid_backend"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_NOT_FOUND, SOUP_STATUS_GONE, "gone"),
    GH_API_ERROR_MAP_END,
};

static void
assert_maps_to(const GhApiErrorMap *own, GQuark domain, gint code, guint status, const char *api_code)
{
    g_autoptr(GError) error = g_error_new_literal(domain, code, "test");
    const GhApiErrorMap *e = gh_api_error_map_lookup(own, error);

    ck_assert_msg(e, "%s %d is not mapped", g_quark_to_string(domain), code);
    ck_assert_uint_eq(e->status, status);
    ck_assert_str_eq(e->api_code, api_code);
}

static void
assert_unmapped(const GhApiErrorMap *own, GQuark domain, gint code)
{
    g_autoptr(GError) error = g_error_new_literal(domain, code, "test");

    ck_assert_ptr_null(gh_api_error_map_lookup(own, error));
}

START_TEST(test_error_map_gives_each_error_its_status_and_code)
{
    static const WantedEntry want[] = {
        { gh_session_error_quark, GH_SESSION_ERROR_NOT_FOUND, 404, "not_found" },
        { gh_session_error_quark, GH_SESSION_ERROR_NOT_RUNNING, 409, "not_running" },
        { gh_session_error_quark, GH_SESSION_ERROR_CAPACITY, 409, "capacity_exhausted" },
        { gh_session_error_quark, GH_SESSION_ERROR_DRAINING, 503, "draining" },
        { gh_session_error_quark, GH_SESSION_ERROR_UNKNOWN_IMAGE, 400, "unknown_image" },
        { gh_session_error_quark, GH_SESSION_ERROR_IDEMPOTENCY, 422, "idempotency_key_reused" },
        { gh_session_error_quark, GH_SESSION_ERROR_UNSUPPORTED, 409, "unsupported" },
        { gh_session_error_quark, GH_SESSION_ERROR_NO_GPU, 409, "no_gpu" },
        { gh_session_error_quark, GH_SESSION_ERROR_NO_STREAM, 409, "no_stream" },
        { gh_session_error_quark, GH_SESSION_ERROR_TOO_MANY_VIEWERS, 503, "too_many_viewers" },
        { gh_session_error_quark, GH_SESSION_ERROR_STARTING, 503, "starting" },
        { gh_pipeline_error_quark, GH_PIPELINE_ERROR_NO_CAPTURE, 409, "no_capture" },
        { gh_pipeline_error_quark, GH_PIPELINE_ERROR_NO_INPUT, 409, "no_input" },
        { gh_pipeline_error_quark, GH_PIPELINE_ERROR_BACKEND, 502, "backend_failed" },
        { gh_pipeline_error_quark, GH_PIPELINE_ERROR_FAILED, 502, "backend_failed" },
        { g_io_error_quark, G_IO_ERROR_TIMED_OUT, 504, "timeout" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
        assert_maps_to(NULL, want[i].domain(), want[i].code, want[i].status, want[i].api_code);
}
END_TEST

START_TEST(test_error_map_prefers_the_endpoints_own_entry)
{
    assert_maps_to(own_errors, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND, SOUP_STATUS_GONE, "gone");
}
END_TEST

START_TEST(test_error_map_falls_back_to_the_shared_map)
{
    assert_maps_to(own_errors, GH_SESSION_ERROR, GH_SESSION_ERROR_CAPACITY, 409, "capacity_exhausted");
}
END_TEST

/* It means a bad request at create and a failed backend during I/O. */
START_TEST(test_error_map_leaves_a_backend_error_to_each_endpoint)
{
    assert_unmapped(NULL, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND);
    assert_maps_to(own_errors, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, 400, "invalid_backend");
}
END_TEST

START_TEST(test_error_map_matches_the_domain_as_well_as_the_code)
{
    assert_unmapped(own_errors, g_quark_from_static_string("gh-test-other-error"), GH_SESSION_ERROR_CAPACITY);
}
END_TEST

/* Answered 500 internal, and logged. */
START_TEST(test_error_map_leaves_an_internal_error_unmapped)
{
    assert_unmapped(NULL, GH_SESSION_ERROR, GH_SESSION_ERROR_INTERNAL);
}
END_TEST

static Suite *
api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *tc;

    tc = api_case("auth_routing", setup);
    tcase_add_test(tc, test_healthz_needs_no_auth);
    tcase_add_test(tc, test_request_without_token_is_401);
    tcase_add_test(tc, test_request_with_wrong_token_is_401);
    tcase_add_test(tc, test_non_bearer_scheme_is_401);
    tcase_add_test(tc, test_every_configured_token_is_accepted);
    tcase_add_test(tc, test_unknown_path_without_token_is_401);
    tcase_add_test(tc, test_unknown_path_is_404);
    tcase_add_test(tc, test_wrong_method_is_405_with_allow);
    tcase_add_test(tc, test_input_and_frame_need_a_token);
    tcase_add_test(tc, test_create_rejects_oversized_body);
    tcase_add_test(tc, test_create_rejects_oversized_chunked_body);
    suite_add_tcase(s, tc);

    tc = api_case("construction", setup);
    tcase_add_test(tc, test_api_new_refuses_no_tokens);
    tcase_add_test(tc, test_listen_rejects_a_host_name);
    tcase_add_test(tc, test_listen_on_localhost_uses_loopback);
    suite_add_tcase(s, tc);

    tc = api_case("player_gate", setup_players);
    tcase_add_test(tc, test_player_token_opens_nothing_else);
    suite_add_tcase(s, tc);

    tc = tcase_create("error_map");
    tcase_add_test(tc, test_error_map_gives_each_error_its_status_and_code);
    tcase_add_test(tc, test_error_map_prefers_the_endpoints_own_entry);
    tcase_add_test(tc, test_error_map_falls_back_to_the_shared_map);
    tcase_add_test(tc, test_error_map_leaves_a_backend_error_to_each_endpoint);
    tcase_add_test(tc, test_error_map_matches_the_domain_as_well_as_the_code);
    tcase_add_test(tc, test_error_map_leaves_an_internal_error_unmapped);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
