/* test_ctl_http: gamehostctl's HTTP client (ctl-http.c) against a small
 * in-process server: what a request carries, and every way a reply or the
 * connection can fail (the e2e suite drives it against the real daemon). */
#include <check.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl-http.h"
#include "ctl/ctl-util.h"

/* A server on its own thread and context (the client blocks the test's
 * thread) that answers every request with the canned reply and keeps what
 * the request carried. */
static struct {
    GThread *thread;
    GMainContext *context;
    GMainLoop *loop;
    SoupServer *server;
    char *url;
    GMutex lock;
    GCond ready;
    /* the reply */
    guint status;
    const char *content_type;
    const char *body;
    /* the request */
    char *method, *path, *authorization, *accept, *user_agent, *idempotency_key, *request_body;
} srv;

static void
srv_handle(SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
    SoupMessageHeaders *in = soup_server_message_get_request_headers(msg);
    SoupMessageBody *body = soup_server_message_get_request_body(msg);

    g_mutex_lock(&srv.lock);
    srv.method = g_strdup(soup_server_message_get_method(msg));
    srv.path = g_strdup(path);
    srv.authorization = g_strdup(soup_message_headers_get_one(in, "Authorization"));
    srv.accept = g_strdup(soup_message_headers_get_one(in, "Accept"));
    srv.user_agent = g_strdup(soup_message_headers_get_one(in, "User-Agent"));
    srv.idempotency_key = g_strdup(soup_message_headers_get_one(in, "Idempotency-Key"));
    srv.request_body = body->length > 0 ? g_strndup(body->data, body->length) : NULL;
    soup_server_message_set_status(msg, srv.status, NULL);
    soup_server_message_set_response(msg, srv.content_type, SOUP_MEMORY_STATIC, srv.body, strlen(srv.body));
    g_mutex_unlock(&srv.lock);
}

static gpointer
srv_run(gpointer data)
{
    g_autoptr(GError) error = NULL;
    GSList *uris;

    g_main_context_push_thread_default(srv.context);
    srv.server = soup_server_new(NULL, NULL);
    soup_server_add_handler(srv.server, NULL, srv_handle, NULL, NULL);
    ck_assert_msg(soup_server_listen_local(srv.server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error), "%s",
                  error ? error->message : "");
    uris = soup_server_get_uris(srv.server);
    g_mutex_lock(&srv.lock);
    srv.url = g_strdup_printf("http://127.0.0.1:%d", g_uri_get_port(uris->data));
    g_cond_signal(&srv.ready);
    g_mutex_unlock(&srv.lock);
    g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
    g_main_loop_run(srv.loop);
    g_clear_object(&srv.server);
    g_main_context_pop_thread_default(srv.context);
    return NULL;
}

static void
srv_setup(void)
{
    g_mutex_init(&srv.lock);
    g_cond_init(&srv.ready);
    srv.status = SOUP_STATUS_OK;
    srv.content_type = "application/json";
    srv.body = "";
    srv.context = g_main_context_new();
    srv.loop = g_main_loop_new(srv.context, FALSE);
    srv.thread = g_thread_new("test-http", srv_run, NULL);
    g_mutex_lock(&srv.lock);
    while (srv.url == NULL)
        g_cond_wait(&srv.ready, &srv.lock);
    g_mutex_unlock(&srv.lock);
}

static gboolean
srv_quit(gpointer data)
{
    g_main_loop_quit(srv.loop);
    return G_SOURCE_REMOVE;
}

static void
srv_teardown(void)
{
    g_main_context_invoke(srv.context, srv_quit, NULL);
    g_thread_join(srv.thread);
    g_main_loop_unref(srv.loop);
    g_main_context_unref(srv.context);
    g_free(srv.url);
    g_free(srv.method);
    g_free(srv.path);
    g_free(srv.authorization);
    g_free(srv.accept);
    g_free(srv.user_agent);
    g_free(srv.idempotency_key);
    g_free(srv.request_body);
    g_mutex_clear(&srv.lock);
    g_cond_clear(&srv.ready);
    memset(&srv, 0, sizeof(srv));
}

static void
srv_reply(guint status, const char *content_type, const char *body)
{
    g_mutex_lock(&srv.lock);
    srv.status = status;
    srv.content_type = content_type;
    srv.body = body;
    g_mutex_unlock(&srv.lock);
}

static GhCtlClient *
client_for(const char *url, const char *token)
{
    return gh_ctl_client_new(url, token, 5, "gamehostctl/test");
}

/* A URL where nothing listens: a port the kernel gave out and took back. */
static char *
closed_url(void)
{
    g_autoptr(GSocketListener) l = g_socket_listener_new();
    guint16 port = g_socket_listener_add_any_inet_port(l, NULL, NULL);

    ck_assert_uint_ne(port, 0);
    g_socket_listener_close(l);
    return g_strdup_printf("http://127.0.0.1:%u", port);
}

static gboolean
on_first_event(const char *event, const char *data, const char *id, gpointer user_data)
{
    *(char **)user_data = g_strdup_printf("%s: %s", event ? event : "message", data);
    return FALSE;
}

START_TEST(test_http_call_sends_token_body_and_key_and_parses_the_reply)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, "tok");
    g_autoptr(JsonNode) body = json_from_string("{\"image\":\"arena\"}", NULL);
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_CREATED, "application/json", "{\"id\":\"s1\"}");
    ck_assert_msg(gh_ctl_client_call(c, "POST", "/v1/sessions", body, "k-1", &reply, &error), "%s",
                  error ? error->message : "");
    ck_assert_str_eq(json_object_get_string_member(json_node_get_object(reply), "id"), "s1");
    ck_assert_uint_eq(gh_ctl_client_last_status(c), 201);
    ck_assert_str_eq(srv.method, "POST");
    ck_assert_str_eq(srv.path, "/v1/sessions");
    ck_assert_str_eq(srv.authorization, "Bearer tok");
    ck_assert_str_eq(srv.accept, "application/json");
    ck_assert_str_eq(srv.user_agent, "gamehostctl/test");
    ck_assert_str_eq(srv.idempotency_key, "k-1");
    ck_assert_str_eq(srv.request_body, "{\"image\":\"arena\"}");
}
END_TEST

START_TEST(test_http_call_with_empty_reply_gives_no_node)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, NULL);
    g_autoptr(JsonNode) reply = NULL;

    srv_reply(SOUP_STATUS_NO_CONTENT, "application/json", "");
    ck_assert(gh_ctl_client_call(c, "DELETE", "/v1/sessions/s1", NULL, NULL, &reply, NULL));
    ck_assert_ptr_null(reply);
    ck_assert_ptr_null(srv.authorization);
    ck_assert_ptr_null(srv.idempotency_key);
}
END_TEST

START_TEST(test_http_call_error_status_is_the_apis_error)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, "tok");
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_NOT_FOUND, "application/json",
              "{\"error\":{\"code\":\"not_found\",\"message\":\"no session 'x'\"}}");
    ck_assert(!gh_ctl_client_call(c, "GET", "/v1/sessions/x", NULL, NULL, &reply, &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_API));
    ck_assert_str_eq(error->message, "404 not_found: no session 'x'");
    ck_assert_uint_eq(gh_ctl_client_last_status(c), 404);
    ck_assert_ptr_null(reply);
}
END_TEST

START_TEST(test_http_unauthorized_without_token_says_how_to_give_one)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, NULL);
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_UNAUTHORIZED, "application/json",
              "{\"error\":{\"code\":\"unauthorized\",\"message\":\"missing token\"}}");
    ck_assert(!gh_ctl_client_call(c, "GET", "/v1/host", NULL, NULL, &reply, &error));
    ck_assert_str_eq(error->message,
                     "401 unauthorized: missing token (no API token: use --token, GAMEHOST_TOKEN or --token-file)");
}
END_TEST

START_TEST(test_http_call_refuses_a_reply_that_is_not_json)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, NULL);
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_OK, "application/json", "<html>");
    ck_assert(!gh_ctl_client_call(c, "GET", "/v1/host", NULL, NULL, &reply, &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert(g_str_has_prefix(error->message, "unexpected reply from gamehostd: not JSON: "));
}
END_TEST

START_TEST(test_http_connection_refused_is_a_connect_error)
{
    g_autofree char *url = closed_url();
    g_autoptr(GhCtlClient) c = client_for(url, NULL);
    g_autoptr(JsonNode) reply = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *expected = g_strdup_printf(
        "cannot connect to gamehostd at %s: connection refused (is gamehostd running?)", url);

    ck_assert(!gh_ctl_client_call(c, "GET", "/v1/host", NULL, NULL, &reply, &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_CONNECT));
    ck_assert_str_eq(error->message, expected);
    ck_assert_uint_eq(gh_ctl_client_last_status(c), 0);
}
END_TEST

START_TEST(test_http_get_bytes_gives_the_body_of_the_type_asked_for)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, "tok");
    g_autoptr(GBytes) png = NULL;

    srv_reply(SOUP_STATUS_OK, "image/png", "\x89PNG");
    ck_assert(gh_ctl_client_get_bytes(c, "/v1/sessions/s1/frame", "image/png", &png, NULL));
    ck_assert_uint_eq(g_bytes_get_size(png), 4);
    ck_assert_str_eq(srv.accept, "image/png");
    ck_assert_str_eq(srv.authorization, "Bearer tok");
}
END_TEST

START_TEST(test_http_get_bytes_refuses_another_type)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, NULL);
    g_autoptr(GBytes) png = NULL;
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_OK, "text/html", "<html>");
    ck_assert(!gh_ctl_client_get_bytes(c, "/v1/sessions/s1/frame", "image/png", &png, &error));
    ck_assert_str_eq(error->message, "unexpected reply from gamehostd: expected image/png, got 'text/html'");
    ck_assert_ptr_null(png);
}
END_TEST

START_TEST(test_http_follow_reads_events_as_the_stream_sends_them)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, "tok");
    g_autofree char *first = NULL;
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_OK, "text/event-stream", "event: session\ndata: {\"id\":\"s1\"}\n\n");
    ck_assert_msg(gh_ctl_client_follow(c, "/v1/events", on_first_event, &first, &error), "%s",
                  error ? error->message : "");
    ck_assert_str_eq(first, "session: {\"id\":\"s1\"}");
    ck_assert_str_eq(srv.accept, "text/event-stream");
    ck_assert_str_eq(srv.authorization, "Bearer tok");
    ck_assert_str_eq(srv.user_agent, "gamehostctl/test");
    ck_assert_uint_eq(gh_ctl_client_last_status(c), 200);
}
END_TEST

START_TEST(test_http_follow_error_status_is_the_apis_error)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, "tok");
    g_autofree char *first = NULL;
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_FORBIDDEN, "application/json",
              "{\"error\":{\"code\":\"forbidden\",\"message\":\"token refused\"}}");
    ck_assert(!gh_ctl_client_follow(c, "/v1/events", on_first_event, &first, &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_API));
    ck_assert_str_eq(error->message, "403 forbidden: token refused");
    ck_assert_uint_eq(gh_ctl_client_last_status(c), 403);
    ck_assert_ptr_null(first);
}
END_TEST

START_TEST(test_http_follow_connection_refused_is_a_connect_error)
{
    g_autofree char *url = closed_url();
    g_autoptr(GhCtlClient) c = client_for(url, NULL);
    g_autoptr(GError) error = NULL;

    ck_assert(!gh_ctl_client_follow(c, "/v1/events", on_first_event, NULL, &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_CONNECT));
    ck_assert(g_str_has_suffix(error->message, ": connection refused (is gamehostd running?)"));
}
END_TEST

START_TEST(test_http_follow_refuses_a_reply_that_is_not_an_event_stream)
{
    g_autoptr(GhCtlClient) c = client_for(srv.url, NULL);
    g_autoptr(GError) error = NULL;

    srv_reply(SOUP_STATUS_OK, "application/json", "{}");
    ck_assert(!gh_ctl_client_follow(c, "/v1/events", on_first_event, NULL, &error));
    ck_assert(g_error_matches(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED));
    ck_assert_str_eq(error->message,
                     "unexpected reply from gamehostd: expected an event stream, got 'application/json'");
}
END_TEST

static TCase *
http_client(void)
{
    TCase *tc = tcase_create("http");

    tcase_add_checked_fixture(tc, srv_setup, srv_teardown);
    tcase_add_test(tc, test_http_call_sends_token_body_and_key_and_parses_the_reply);
    tcase_add_test(tc, test_http_call_with_empty_reply_gives_no_node);
    tcase_add_test(tc, test_http_call_error_status_is_the_apis_error);
    tcase_add_test(tc, test_http_unauthorized_without_token_says_how_to_give_one);
    tcase_add_test(tc, test_http_call_refuses_a_reply_that_is_not_json);
    tcase_add_test(tc, test_http_connection_refused_is_a_connect_error);
    tcase_add_test(tc, test_http_get_bytes_gives_the_body_of_the_type_asked_for);
    tcase_add_test(tc, test_http_get_bytes_refuses_another_type);
    tcase_add_test(tc, test_http_follow_reads_events_as_the_stream_sends_them);
    tcase_add_test(tc, test_http_follow_error_status_is_the_apis_error);
    tcase_add_test(tc, test_http_follow_connection_refused_is_a_connect_error);
    tcase_add_test(tc, test_http_follow_refuses_a_reply_that_is_not_an_event_stream);
    return tc;
}

int
main(void)
{
    Suite *s = suite_create("ctl-http");
    SRunner *sr;
    int failed;

    suite_add_tcase(s, http_client());
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
