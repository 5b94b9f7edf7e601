/* Specification of api-events.c, GET /v1/events: the server-sent stream of
 * session lifecycle events, to every client, and dropping clients that left. */

#include <string.h>
#include "api-fixture.h"
#include "api/api-private.h"   /* SSE client count, for the disconnect test */

typedef struct {
    gboolean done;
    GInputStream *stream;
    gssize n;
    GError *error;
} StreamOp;

static void
on_stream_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
    StreamOp *op = user_data;

    op->stream = soup_session_send_finish(SOUP_SESSION(source), res, &op->error);
    op->done = TRUE;
}

static void
on_stream_read(GObject *source, GAsyncResult *res, gpointer user_data)
{
    StreamOp *op = user_data;

    op->n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &op->error);
    op->done = TRUE;
}

static GInputStream *
open_events(SoupMessage **out_msg)
{
    SoupMessage *msg = new_message("GET", "/v1/events", TOKEN);
    StreamOp op = { 0 };

    soup_session_send_async(fx.client, msg, G_PRIORITY_DEFAULT, NULL, on_stream_sent, &op);
    wait_until(&op.done);
    ck_assert_msg(op.stream, "%s", op.error ? op.error->message : "");
    ck_assert_uint_eq(soup_message_get_status(msg), 200);
    ck_assert_str_eq(soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL),
                     "text/event-stream");
    *out_msg = msg;
    return op.stream;
}

static guint
count_blocks(const char *text)
{
    guint n = 0;

    for (const char *p = text; (p = strstr(p, "\n\n")); p += 2)
        n++;
    return n;
}

/* Reads until the stream holds the needle (or, needle NULL, that many blocks). */
static void
read_until_n(GInputStream *in, GString *buf, const char *needle, guint blocks)
{
    char chunk[4096];

    while (needle ? !strstr(buf->str, needle) : count_blocks(buf->str) < blocks) {
        StreamOp op = { 0 };
        g_input_stream_read_async(in, chunk, sizeof chunk, G_PRIORITY_DEFAULT, NULL, on_stream_read, &op);
        wait_until(&op.done);
        ck_assert_msg(op.n > 0, "stream ended early: %s", buf->str);
        g_string_append_len(buf, chunk, op.n);
    }
}

static void
read_until(GInputStream *in, GString *buf, const char *needle)
{
    read_until_n(in, buf, needle, 0);
}

/* The JSON of the data line of the event with this id. */
static JsonNode *
event_data(const char *stream_text, guint id)
{
    g_autofree char *head = g_strdup_printf("id: %u\nevent: session\ndata: ", id);
    const char *start = strstr(stream_text, head);
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *line = NULL;

    ck_assert_msg(start, "no event %u in:\n%s", id, stream_text);
    start += strlen(head);
    line = g_strndup(start, strcspn(start, "\n"));
    ck_assert_msg(strstr(start, "\n\n") == start + strlen(line), "event %u not ended by a blank line", id);
    ck_assert(json_parser_load_from_data(parser, line, -1, NULL));
    return json_node_ref(json_parser_get_root(parser));
}

START_TEST(test_events_stream_session_created_and_state)
{
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GInputStream) in = open_events(&msg);
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autoptr(Response) created = NULL;
    g_autofree char *id = NULL;
    g_autoptr(JsonNode) first = NULL, second = NULL;

    read_until(in, buf, "retry: 2000\n\n");
    ck_assert(g_str_has_prefix(buf->str, "retry: 2000\n\n"));
    created = create("{\"image\":\"demo-arena\"}");
    id = created_id(created);
    read_until_n(in, buf, NULL, 3);     /* retry, created, starting → running */

    first = event_data(buf->str, 1);
    ck_assert_str_eq(member_string(first, "type"), "session.created");
    ck_assert(!json_object_has_member(json_node_get_object(first), "previous"));
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(first), "session"), "id"), id);
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(first), "session"), "state"),
                     "starting");
    second = event_data(buf->str, 2);
    ck_assert_str_eq(member_string(second, "type"), "session.state");
    ck_assert_str_eq(member_string(second, "previous"), "starting");
    ck_assert_str_eq(member_string(json_object_get_member(json_node_get_object(second), "session"), "state"),
                     "running");
}
END_TEST

START_TEST(test_events_reach_every_client)
{
    g_autoptr(SoupMessage) m1 = NULL, m2 = NULL;
    g_autoptr(GInputStream) a = open_events(&m1);
    g_autoptr(GInputStream) b = open_events(&m2);
    g_autoptr(GString) abuf = g_string_new(NULL), bbuf = g_string_new(NULL);
    g_autoptr(Response) created = NULL;

    read_until(a, abuf, "retry: 2000\n\n");
    read_until(b, bbuf, "retry: 2000\n\n");
    ck_assert_uint_eq(fx.api->sse_clients->len, 2);
    created = create("{\"image\":\"demo-arena\"}");
    read_until(a, abuf, "session.created");
    read_until(b, bbuf, "session.created");
}
END_TEST

START_TEST(test_events_drops_disconnected_client)
{
    g_autoptr(SoupMessage) msg = NULL;
    g_autoptr(GInputStream) in = open_events(&msg);
    g_autoptr(GString) buf = g_string_new(NULL);
    g_autoptr(Response) created = NULL;
    gint64 deadline = g_get_monotonic_time() + WAIT_US;
    g_autofree char *id = NULL;

    read_until(in, buf, "retry: 2000\n\n");
    ck_assert_uint_eq(fx.api->sse_clients->len, 1);
    g_input_stream_close(in, NULL, NULL);
    g_clear_object(&in);
    g_clear_object(&msg);
    /* Events are written to the dead connection until a write fails. */
    created = create("{\"image\":\"demo-arena\"}");
    id = created_id(created);
    wait_for_state(id, GH_SESSION_RUNNING);
    gh_session_manager_stop(fx.mgr, id, NULL);
    while (fx.api->sse_clients->len > 0) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "client never dropped");
        iterate();
    }
}
END_TEST

static Suite *
api_events_suite(void)
{
    Suite *s = suite_create("api_events");
    TCase *tc;

    tc = api_case("events", setup);
    tcase_add_test(tc, test_events_stream_session_created_and_state);
    tcase_add_test(tc, test_events_reach_every_client);
    tcase_add_test(tc, test_events_drops_disconnected_client);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_events_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
