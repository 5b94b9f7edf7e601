/* Specification of api-signal.c, the players' WebSocket
 * (GET /v1/sessions/{id}/signal, docs/player.md): refusals before the
 * upgrade, peers and control, messages both ways, and every kind of bye. */

#include <string.h>
#include "api-fixture.h"

static char *
signal_path(const char *id, const char *token)
{
    return token ? g_strdup_printf("/v1/sessions/%s/signal?token=%s", id, token)
                 : g_strdup_printf("/v1/sessions/%s/signal", id);
}

/* A WebSocket client of the signal endpoint. */
typedef struct {
    SoupWebsocketConnection *conn;   /* NULL when the upgrade was refused */
    guint status;                    /* of the handshake response */
    GQueue messages;                 /* char *; a binary message reads "<binary>" */
    gboolean done, closed;
    gushort close_code;
} Ws;

static void
ws_on_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
{
    Ws *ws = data;
    gsize len;
    const char *text = g_bytes_get_data(message, &len);

    g_queue_push_tail(&ws->messages, type == SOUP_WEBSOCKET_DATA_TEXT ? g_strndup(text, len) : g_strdup("<binary>"));
}

static void
ws_on_closed(SoupWebsocketConnection *conn, gpointer data)
{
    Ws *ws = data;

    ws->closed = TRUE;
    ws->close_code = soup_websocket_connection_get_close_code(conn);
}

static void
ws_on_connected(GObject *source, GAsyncResult *res, gpointer data)
{
    Ws *ws = data;

    ws->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, NULL);
    if (ws->conn) {
        g_signal_connect(ws->conn, "message", G_CALLBACK(ws_on_message), ws);
        g_signal_connect(ws->conn, "closed", G_CALLBACK(ws_on_closed), ws);
    }
    ws->done = TRUE;
}

static Ws *
ws_connect(const char *path, const char *bearer)
{
    Ws *ws = g_new0(Ws, 1);
    g_autoptr(SoupMessage) msg = new_message("GET", path, bearer);

    g_queue_init(&ws->messages);
    soup_session_websocket_connect_async(fx.client, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, ws_on_connected, ws);
    wait_until(&ws->done);
    ws->status = soup_message_get_status(msg);
    return ws;
}

static void
ws_free(Ws *ws)
{
    if (ws->conn) {
        g_signal_handlers_disconnect_by_data(ws->conn, ws);
        if (soup_websocket_connection_get_state(ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
            soup_websocket_connection_close(ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
        g_object_unref(ws->conn);
    }
    g_queue_clear_full(&ws->messages, g_free);
    g_free(ws);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Ws, ws_free)

/* The next message the host sent (waiting for it). */
static char *
ws_next(Ws *ws)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (g_queue_is_empty(&ws->messages)) {
        ck_assert_msg(!ws->closed, "connection closed (%u) while waiting for a message", ws->close_code);
        ck_assert_msg(g_get_monotonic_time() < deadline, "timed out waiting for a message");
        iterate();
    }
    return g_queue_pop_head(&ws->messages);
}

#define assert_next(ws, want)                                                          \
    do {                                                                               \
        g_autofree char *got_ = ws_next(ws);                                           \
        ck_assert_str_eq(got_, (want));                                                \
    } while (0)

static void
ws_wait_closed(Ws *ws)
{
    wait_until(&ws->closed);
}

static Ws *
ws_open(const char *id, const char *token)
{
    g_autofree char *path = signal_path(id, token);
    Ws *ws = ws_connect(path, NULL);

    ck_assert_msg(ws->conn, "upgrade refused with %u", ws->status);
    return ws;
}

static char *
welcome(const char *id, guint peer, const char *role)
{
    return g_strdup_printf("{\"type\":\"welcome\",\"session\":\"%s\",\"peer\":%u,\"role\":\"%s\"}", id, peer, role);
}

START_TEST(test_signal_refusals_before_the_upgrade)
{
    g_autofree char *token = NULL, *other_token = NULL, *plain_token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *other = player_session(PEER_BACKENDS, &other_token);
    g_autofree char *plain = player_session(",\"capture\":\"capture.fake\",\"stream\":\"stream.fake\"", &plain_token);
    g_autofree char *missing = signal_path(id, NULL);
    g_autofree char *unknown = signal_path(id, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    g_autofree char *wrong = signal_path(id, other_token);
    g_autofree char *no_stream = signal_path(plain, plain_token);
    g_autofree char *gone = g_strdup_printf("%s/signal", NO_SUCH_SESSION);
    g_autofree char *plain_get = signal_path(id, token);
    g_autoptr(Response) r1 = request("GET", missing, NULL);
    g_autoptr(Response) r2 = request("GET", unknown, NULL);
    g_autoptr(Response) r3 = request("GET", wrong, NULL);
    g_autoptr(Response) r4 = request("GET", no_stream, NULL);
    g_autoptr(Response) r5 = request("GET", gone, TOKEN);
    g_autoptr(Response) r6 = request("GET", plain_get, NULL);   /* no Upgrade header: how a page asks why */
    g_autoptr(Ws) ws = ws_connect(missing, NULL);

    assert_error(r1, 401, "unauthorized");
    assert_error(r2, 401, "unauthorized");
    assert_error(r3, 403, "wrong_session");
    assert_error(r4, 409, "no_stream");
    assert_error(r5, 404, "not_found");
    assert_error(r6, 426, "upgrade_required");
    ck_assert_str_eq(soup_message_headers_get_one(r6->headers, "Upgrade"), "websocket");
    ck_assert_ptr_null(ws->conn);
    ck_assert_uint_eq(ws->status, 401);
    ck_assert_uint_eq(peer_fake->opened, 0);
}
END_TEST

START_TEST(test_signal_refuses_an_expired_token)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS ",\"player\":{\"ttl_s\":1}", &token);
    g_autofree char *path = signal_path(id, token);
    g_autofree char *page = play_path(id, token);
    g_autoptr(Response) r = NULL;
    g_autoptr(Response) html = NULL;

    fake_now += G_USEC_PER_SEC;
    r = request("GET", path, NULL);
    html = request("GET", page, NULL);
    assert_error(r, 401, "token_expired");
    ck_assert_uint_eq(html->status, 401);
    ck_assert_str_eq(soup_message_headers_get_content_type(html->headers, NULL), "text/html");
    ck_assert_ptr_nonnull(strstr(html->body, "This player link has expired"));
}
END_TEST

START_TEST(test_signal_refuses_a_session_not_running)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *del = session_path(id, "");
    g_autofree char *path = signal_path(id, NULL);
    g_autoptr(Response) stop = request("DELETE", del, TOKEN);
    g_autoptr(Response) r = NULL;

    wait_for_state(id, GH_SESSION_STOPPED);
    r = request("GET", path, TOKEN);
    assert_error(r, 409, "not_running");
}
END_TEST

START_TEST(test_signal_numbers_peers_and_hands_control_over)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *w1 = welcome(id, 1, "control"), *w2 = welcome(id, 2, "watch"), *w3 = welcome(id, 3, "watch");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = NULL;
    g_autoptr(Ws) c = NULL;

    assert_next(a, w1);
    b = ws_open(id, token);
    assert_next(b, w2);
    /* The worker hears of b after its welcome went out. */
    WAIT_FOR(peer_fake->opened == 2 && peer_fake->keyframes == 2);
    ck_assert_uint_eq(peer_fake->opened, 2);
    ck_assert_uint_eq(peer_fake->open_flags[0], GH_PEER_CONTROL);
    ck_assert_uint_eq(peer_fake->open_flags[1], 0);
    ck_assert_uint_eq(peer_fake->keyframes, 2);
    soup_websocket_connection_close(a->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    assert_next(b, "{\"type\":\"role\",\"role\":\"control\"}");
    WAIT_FOR(peer_fake->closed == 1);
    ck_assert_uint_eq(peer_fake->closed_peers[0], 1);
    c = ws_open(id, token);     /* number 1 is never given again */
    assert_next(c, w3);
}
END_TEST

START_TEST(test_signal_viewer_limit_is_503)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *path = signal_path(id, token);
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = ws_open(id, token);
    g_autoptr(Response) r = NULL;
    g_autoptr(Response) metrics = NULL;

    g_free(ws_next(a));
    g_free(ws_next(b));
    r = request("GET", path, NULL);
    assert_error(r, 503, "too_many_viewers");
    metrics = request("GET", "/metrics", TOKEN);
    ck_assert_ptr_nonnull(strstr(metrics->body, "\ngamehost_players 2\n"));
}
END_TEST

START_TEST(test_signal_bad_messages_get_an_error_and_the_connection_stays)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) ws = ws_open(id, token);
    g_autofree char *big = g_malloc(70001);
    g_autoptr(Response) metrics = NULL;

    g_free(ws_next(ws));
    soup_websocket_connection_send_binary(ws->conn, "{}", 2);
    assert_next(ws, "{\"type\":\"error\",\"message\":\"binary messages are not accepted: send one JSON object per "
                    "text message\"}");
    soup_websocket_connection_send_text(ws->conn, "{not json");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message is not valid JSON\"}");
    soup_websocket_connection_send_text(ws->conn, "[1,2]");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message must be a JSON object\"}");
    soup_websocket_connection_send_text(ws->conn, "{\"kind\":\"hello\"}");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message must have a string member 'type'\"}");
    soup_websocket_connection_send_text(ws->conn, "{\"type\":7}");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message must have a string member 'type'\"}");
    memset(big, ' ', 70000);
    big[0] = '{';
    memcpy(big + 69990, "\"type\":1}", 9);
    big[70000] = '\0';
    soup_websocket_connection_send_text(ws->conn, big);
    assert_next(ws, "{\"type\":\"error\",\"message\":\"the message has 70000 bytes, more than 65536\"}");
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"refuse\"}");
    assert_next(ws, "{\"type\":\"error\",\"message\":\"stream.peerfake failed: the fake refused the message\"}");
    /* Still open, and relaying: the fake echoes what it does not know. */
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"hello\",\"codecs\":[\"H264\"]}");
    assert_next(ws, "{\"type\":\"hello\",\"codecs\":[\"H264\"]}");
    WAIT_FOR(peer_fake->messages == 2);
    metrics = request("GET", "/metrics", TOKEN);
    ck_assert_ptr_nonnull(strstr(metrics->body, "\ngamehost_signal_messages_refused_total 7\n"));
}
END_TEST

START_TEST(test_signal_host_services_limits)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) ws = ws_open(id, token);

    g_free(ws_next(ws));
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"big\"}");
    assert_next(ws, "{\"type\":\"big-result\",\"rc\":-90}");      /* -EMSGSIZE */
    soup_websocket_connection_send_text(ws->conn, "{\"type\":\"ghost\"}");
    assert_next(ws, "{\"type\":\"ghost-result\",\"rc\":-2}");      /* -ENOENT */
}
END_TEST

START_TEST(test_signal_input_from_the_controller_reaches_the_input_backend)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) ctl = ws_open(id, token);

    g_free(ws_next(ctl));
    soup_websocket_connection_send_text(ctl->conn, "{\"type\":\"input\",\"events\":[{\"type\":\"key\",\"code\":"
                                                   "\"KEY_LEFT\",\"action\":\"tap\"}]}");
    /* The backend's answer; the input goes through the daemon and back. */
    assert_next(ctl, "{\"type\":\"input-result\",\"rc\":2}");
    WAIT_FOR(pipeline_fake->n_events == 2);
    ck_assert_uint_eq(pipeline_fake->events[0].code, KEY_LEFT);
    ck_assert_int_eq(pipeline_fake->events[0].value, 1);
    ck_assert_int_eq(pipeline_fake->events[1].value, 0);
    ck_assert_uint_ne(pipeline_fake->events[0].timestamp_ns, 0);
}
END_TEST

START_TEST(test_signal_input_from_a_watcher_or_malformed_is_dropped_and_counted)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *path = session_path(id, "");
    g_autoptr(Ws) ctl = ws_open(id, token);
    g_autoptr(Ws) watcher = ws_open(id, token);
    g_autoptr(Response) metrics = NULL;
    g_autoptr(Response) show = NULL;
    JsonObject *players;

    g_free(ws_next(ctl));
    g_free(ws_next(watcher));
    soup_websocket_connection_send_text(watcher->conn, "{\"type\":\"input\",\"events\":[{\"type\":\"key\",\"code\":"
                                                       "\"KEY_LEFT\",\"action\":\"tap\"}]}");
    assert_next(watcher, "{\"type\":\"input-result\",\"rc\":-1}");   /* -EPERM */
    soup_websocket_connection_send_text(ctl->conn, "{\"type\":\"input\",\"events\":[{\"type\":\"key\",\"code\":"
                                                   "\"KEY_NOPE\",\"value\":1}]}");
    assert_next(ctl, "{\"type\":\"input-result\",\"rc\":-22}");      /* -EINVAL */
    ck_assert_uint_eq(pipeline_fake->n_events, 0);
    metrics = request("GET", "/metrics", TOKEN);
    ck_assert_ptr_nonnull(strstr(metrics->body, "gamehost_input_dropped_total{reason=\"malformed\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(metrics->body, "gamehost_input_dropped_total{reason=\"not_controller\"} 1\n"));
    show = request("GET", path, TOKEN);
    players = json_object_get_object_member(
        json_object_get_object_member(json_node_get_object(show->json), "pipeline"), "players");
    ck_assert_int_eq(json_object_get_int_member(players, "connected"), 2);
    ck_assert_int_eq(json_object_get_int_member(players, "control"), 1);
    ck_assert_int_eq(json_object_get_int_member(json_object_get_object_member(players, "input_dropped"), "malformed"),
                     1);
}
END_TEST

/* ---- held input, and the daemon's log on the input path ---------------------- */

#define PEER_BACKENDS_NO_PADS \
    ",\"capture\":\"capture.fake\",\"stream\":\"stream.peerfake\"," \
    "\"input\":{\"backend\":\"input.fake\",\"options\":{\"no_pads\":\"1\"}}"
/* demo-arena's profile maps no key to BTN_EAST or ABS_RX: input.fake gets
 * them as they are. */
#define PRESS_LEFT_AND_EAST \
    "{\"type\":\"input\",\"events\":[{\"type\":\"key\",\"code\":\"KEY_LEFT\",\"value\":1}," \
    "{\"type\":\"pad_button\",\"code\":\"BTN_EAST\",\"value\":1,\"pad\":0}]}"

/* The daemon's "gamehost" messages, for the test to read. */
static GPtrArray *logged;

static void
log_collect(const gchar *domain, GLogLevelFlags level, const gchar *message, gpointer data)
{
    g_ptr_array_add(logged, g_strdup(message));
}

static void
log_capture(void)
{
    logged = g_ptr_array_new_with_free_func(g_free);
    g_log_set_handler("gamehost", G_LOG_LEVEL_MESSAGE, log_collect, NULL);
}

static guint
log_count(const char *needle)
{
    guint n = 0;

    for (guint i = 0; i < logged->len; i++)
        n += strstr(g_ptr_array_index(logged, i), needle) != NULL;
    return n;
}

static void
wait_for_events(guint n)
{
    gint64 deadline = g_get_monotonic_time() + WAIT_US;

    while (pipeline_fake->n_events < n) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "%u events delivered, want %u", pipeline_fake->n_events, n);
        iterate();
    }
}

static gint64
session_input_dropped(const char *id, const char *reason)
{
    g_autofree char *path = session_path(id, "");
    g_autoptr(Response) show = request("GET", path, TOKEN);
    JsonObject *stats = json_object_get_object_member(
        json_object_get_object_member(json_node_get_object(show->json), "pipeline"), "stats");

    return json_object_get_int_member(json_object_get_object_member(stats, "input_dropped"), reason);
}

/* A controller and a watcher; the controller sends input (its result
 * rc_text), then leaves, and the watcher is told it took control. */
static void
controller_presses_and_leaves(const char *id, const char *token, const char *input, const char *rc_text, Ws **next)
{
    g_autoptr(Ws) ctl = ws_open(id, token);
    g_autofree char *result = g_strdup_printf("{\"type\":\"input-result\",\"rc\":%s}", rc_text);

    g_free(ws_next(ctl));
    *next = ws_open(id, token);
    g_free(ws_next(*next));
    soup_websocket_connection_send_text(ctl->conn, input);
    assert_next(ctl, result);
    soup_websocket_connection_close(ctl->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    assert_next(*next, "{\"type\":\"role\",\"role\":\"control\"}");
}

START_TEST(test_signal_controller_leaving_releases_what_it_held)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS_NO_PADS, &token);
    g_autofree char *line = NULL;
    g_autoptr(Ws) next = NULL;

    log_capture();
    controller_presses_and_leaves(id, token, PRESS_LEFT_AND_EAST, "2", &next);
    /* The key's press, then its release; the pad (which input.fake cannot
     * take) dropped both times. */
    wait_for_events(2);
    ck_assert_uint_eq(pipeline_fake->events[1].type, GH_INPUT_KEY);
    ck_assert_uint_eq(pipeline_fake->events[1].code, KEY_LEFT);
    ck_assert_int_eq(pipeline_fake->events[1].value, 0);
    WAIT_FOR(session_input_dropped(id, "unsupported") == 2);
    line = g_strdup_printf("session %s: released 2 held inputs of player 1 (left)", id);
    ck_assert_uint_eq(log_count(line), 1);
}
END_TEST

START_TEST(test_signal_next_controller_inherits_nothing_held)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) next = NULL;

    log_capture();
    controller_presses_and_leaves(id, token, "{\"type\":\"input\",\"events\":[{\"type\":\"key\","
                                             "\"code\":\"KEY_UP\",\"value\":1}]}", "1", &next);
    wait_for_events(2);
    /* The new controller leaves: it held nothing, so nothing is released. */
    soup_websocket_connection_close(next->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    ws_wait_closed(next);
    iterate();
    WAIT_FOR(pipeline_fake->n_events == 2);
    ck_assert_uint_eq(log_count("held inputs"), 1);
}
END_TEST

START_TEST(test_signal_session_stopping_releases_what_the_controller_held)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *del = session_path(id, "");
    g_autofree char *line = NULL;
    g_autoptr(Ws) ctl = ws_open(id, token);
    g_autoptr(Response) stop = NULL;

    log_capture();
    g_free(ws_next(ctl));
    soup_websocket_connection_send_text(ctl->conn, "{\"type\":\"input\",\"events\":[{\"type\":\"button\","
                                                   "\"code\":\"BTN_LEFT\",\"value\":1}]}");
    assert_next(ctl, "{\"type\":\"input-result\",\"rc\":1}");
    stop = request("DELETE", del, TOKEN);
    wait_for_state(id, GH_SESSION_STOPPED);
    WAIT_FOR(pipeline_fake->n_events == 2);
    ck_assert_uint_eq(pipeline_fake->events[1].code, BTN_LEFT);
    ck_assert_int_eq(pipeline_fake->events[1].value, 0);
    line = g_strdup_printf("session %s: released 1 held inputs of player 1 (session stopping)", id);
    ck_assert_uint_eq(log_count(line), 1);
}
END_TEST

START_TEST(test_signal_a_stick_sweep_logs_one_line_and_counts_every_event)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS_NO_PADS, &token);
    g_autoptr(Ws) ctl = ws_open(id, token);

    log_capture();
    g_free(ws_next(ctl));
    for (int i = 0; i < 180; i++) {
        g_autofree char *msg = g_strdup_printf("{\"type\":\"input\",\"events\":[{\"type\":\"pad_axis\","
                                               "\"code\":\"ABS_RX\",\"value\":%d,\"pad\":0}]}", i * 100 + 1);
        soup_websocket_connection_send_text(ctl->conn, msg);
        assert_next(ctl, "{\"type\":\"input-result\",\"rc\":1}");
    }
    /* The last drop is counted once the worker's answer is in. */
    WAIT_FOR(session_input_dropped(id, "unsupported") == 180);
    ck_assert_uint_eq(log_count("not delivered"), 1);
}
END_TEST

START_TEST(test_signal_bye_to_every_peer_when_the_session_stops)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *del = session_path(id, "");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = ws_open(id, token);
    g_autoptr(Response) stop = NULL;

    g_free(ws_next(a));
    g_free(ws_next(b));
    stop = request("DELETE", del, TOKEN);
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the session has ended\",\"scope\":\"session\"}");
    assert_next(b, "{\"type\":\"bye\",\"reason\":\"the session has ended\",\"scope\":\"session\"}");
    ws_wait_closed(a);
    ws_wait_closed(b);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    ck_assert_uint_eq(b->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    wait_for_state(id, GH_SESSION_STOPPED);
    WAIT_FOR(peer_fake->closed == 2);
    ck_assert_int_eq(peer_fake->destroyed_with_open_peers, 0);
    ck_assert_int_eq(peer_fake->instances, 0);
}
END_TEST

START_TEST(test_signal_bye_when_the_host_shuts_down)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) a = ws_open(id, token);

    g_free(ws_next(a));
    fx.api = gh_api_free(fx.api);
    /* The session outlives the daemon: not "the session has ended". */
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the host is shutting down\",\"scope\":\"host\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    WAIT_FOR(peer_fake->closed == 1);
}
END_TEST

START_TEST(test_signal_bye_when_the_session_fails_keeps_the_reason_from_players)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(",\"capture\":{\"backend\":\"capture.fake\",\"options\":{\"fail_after\":"
                                         "\"2\"}},\"stream\":\"stream.peerfake\",\"input\":\"input.fake\"", &token);
    g_autofree char *path = session_path(id, "");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Response) show = NULL;

    /* Frames flow once a player watches; the third grab fails. */
    g_free(ws_next(a));
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the game stopped because of an error on the server\","
                   "\"scope\":\"session\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
    wait_for_state(id, GH_SESSION_FAILED);
    show = request("GET", path, TOKEN);
    ck_assert_str_eq(member_string(show->json, "reason"), "capture.fake failed: fake capture broke");
}
END_TEST

START_TEST(test_signal_remint_ends_the_old_links_players)
{
    g_autofree char *old = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &old);
    g_autofree char *mint = session_path(id, "/player-token");
    g_autofree char *old_path = signal_path(id, old);
    g_autofree char *w2 = welcome(id, 2, "control");
    g_autoptr(Ws) a = ws_open(id, old);
    g_autoptr(Ws) refused = NULL;
    g_autoptr(Ws) b = NULL;
    g_autoptr(Response) r = NULL;

    g_free(ws_next(a));
    r = post_json_as(mint, "application/json", "{}", NULL);
    ck_assert_uint_eq(r->status, 200);
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"the player link was replaced\",\"scope\":\"peer\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_NORMAL);
    WAIT_FOR(peer_fake->closed == 1);
    refused = ws_connect(old_path, NULL);
    ck_assert_ptr_null(refused->conn);
    ck_assert_uint_eq(refused->status, 401);
    b = ws_open(id, member_string(r->json, "token"));
    assert_next(b, w2);
}
END_TEST

START_TEST(test_signal_remint_leaves_the_orchestrators_peer_connected)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *mint = session_path(id, "/player-token");
    g_autofree char *bearer_path = signal_path(id, NULL);
    g_autoptr(Ws) player = ws_open(id, token);
    g_autoptr(Ws) orchestrator = ws_connect(bearer_path, TOKEN);
    g_autoptr(Response) r = NULL;

    g_free(ws_next(player));
    g_free(ws_next(orchestrator));
    r = post_json_as(mint, "application/json", "{}", NULL);
    ck_assert_uint_eq(r->status, 200);
    assert_next(player, "{\"type\":\"bye\",\"reason\":\"the player link was replaced\",\"scope\":\"peer\"}");
    ws_wait_closed(player);
    /* The player had control: it passes to the peer that stays. */
    assert_next(orchestrator, "{\"type\":\"role\",\"role\":\"control\"}");
    soup_websocket_connection_send_text(orchestrator->conn, "{\"type\":\"hello\"}");
    assert_next(orchestrator, "{\"type\":\"hello\"}");
    ck_assert(!orchestrator->closed);
    WAIT_FOR(peer_fake->closed == 1);
}
END_TEST

START_TEST(test_signal_token_expiry_leaves_a_connected_player)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS ",\"player\":{\"ttl_s\":1}", &token);
    g_autofree char *path = signal_path(id, token);
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Response) r = NULL;

    g_free(ws_next(a));
    fake_now += G_USEC_PER_SEC;
    r = request("GET", path, NULL);
    assert_error(r, 401, "token_expired");
    /* Expiry gates new connections only: the game in progress goes on. */
    soup_websocket_connection_send_text(a->conn, "{\"type\":\"hello\"}");
    assert_next(a, "{\"type\":\"hello\"}");
    ck_assert(!a->closed);
}
END_TEST

START_TEST(test_signal_backend_may_send_from_peer_open)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(",\"capture\":\"capture.fake\",\"stream\":{\"backend\":\"stream.peerfake\","
                                         "\"options\":{\"greet\":\"1\"}}", &token);
    g_autofree char *w1 = welcome(id, 1, "control");
    g_autoptr(Ws) ws = ws_open(id, token);

    /* The welcome first, then what the backend sent while opening. */
    assert_next(ws, w1);
    assert_next(ws, "{\"type\":\"greeting\"}");
    ck_assert_int_eq(peer_fake->greet_rc, 0);
}
END_TEST

START_TEST(test_signal_services_called_from_destroy_fail_cleanly)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *del = session_path(id, "");
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Response) stop = NULL;

    g_free(ws_next(a));
    stop = request("DELETE", del, TOKEN);
    wait_for_state(id, GH_SESSION_STOPPED);
    /* The handle is valid until destroy returns, so the services answer
     * (the players are gone) rather than reach freed memory. */
    ck_assert_int_eq(peer_fake->instances, 0);
    ck_assert_int_eq(peer_fake->destroy_send_rc, -ENOENT);
    ck_assert_int_eq(peer_fake->destroy_input_rc, -EPERM);
    ck_assert_uint_eq(pipeline_fake->n_events, 0);
}
END_TEST

START_TEST(test_signal_backend_closes_a_peer)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) a = ws_open(id, token);
    g_autoptr(Ws) b = ws_open(id, token);

    g_free(ws_next(a));
    g_free(ws_next(b));
    soup_websocket_connection_send_text(a->conn, "{\"type\":\"close-me\"}");
    /* Only this peer ends: the page must not say that the session did. */
    assert_next(a, "{\"type\":\"bye\",\"reason\":\"closed by the fake\",\"scope\":\"peer\"}");
    ws_wait_closed(a);
    ck_assert_uint_eq(a->close_code, SOUP_WEBSOCKET_CLOSE_NORMAL);
    assert_next(b, "{\"type\":\"role\",\"role\":\"control\"}");
    WAIT_FOR(peer_fake->closed == 1);
}
END_TEST

START_TEST(test_signal_peer_refused_by_the_backend_is_closed_with_its_reason)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(",\"capture\":\"capture.fake\",\"stream\":{\"backend\":\"stream.peerfake\","
                                         "\"options\":{\"refuse_peers\":\"1\"}}", &token);
    g_autoptr(Ws) ws = ws_open(id, token);
    g_autofree char *w1 = welcome(id, 1, "control");

    /* The worker answers after the welcome: the refusal follows it. */
    assert_next(ws, w1);
    assert_next(ws, "{\"type\":\"error\",\"message\":\"stream.peerfake failed: players refused by option\"}");
    ws_wait_closed(ws);
    ck_assert_uint_eq(ws->close_code, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
}
END_TEST

START_TEST(test_signal_accepts_the_orchestrator_bearer)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *path = signal_path(id, NULL);
    g_autofree char *w1 = welcome(id, 1, "control");
    g_autoptr(Ws) ws = ws_connect(path, TOKEN);

    ck_assert_ptr_nonnull(ws->conn);
    assert_next(ws, w1);
}
END_TEST

START_TEST(test_backend_defaults_from_config_under_session_options)
{
    GHashTable *defaults = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autofree char *token = NULL;
    g_autofree char *id = NULL;
    g_autoptr(Ws) ws = NULL;

    g_hash_table_insert(defaults, g_strdup("refuse_peers"), g_strdup("1"));
    g_hash_table_insert(fx.config->backend_defaults, g_strdup("stream.peerfake"), defaults);
    id = player_session(PEER_BACKENDS, &token);
    ws = ws_open(id, token);
    {
        g_autofree char *w1 = welcome(id, 1, "control");
        assert_next(ws, w1);
    }
    assert_next(ws, "{\"type\":\"error\",\"message\":\"stream.peerfake failed: players refused by option\"}");
    g_clear_pointer(&ws, ws_free);
    g_free(id);
    g_free(token);
    id = player_session(",\"capture\":\"capture.fake\",\"stream\":{\"backend\":\"stream.peerfake\","
                        "\"options\":{\"refuse_peers\":\"0\"}}", &token);
    ws = ws_open(id, token);
    {
        g_autofree char *w1 = welcome(id, 1, "control");
        assert_next(ws, w1);
    }
}
END_TEST

START_TEST(test_pipeline_pumps_only_while_watched)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autofree char *frame = session_path(id, "/frame");
    g_autoptr(Response) f1 = request("GET", frame, TOKEN);
    g_autoptr(Response) f2 = request("GET", frame, TOKEN);
    g_autoptr(Ws) ws = NULL;
    gint64 deadline;

    /* Grabs happened (two fresh frames), none was streamed: nobody watched. */
    ck_assert_uint_eq(f1->status, 200);
    ck_assert_uint_eq(f2->status, 200);
    ck_assert_uint_eq(__atomic_load_n(&peer_fake->frames_pushed, __ATOMIC_SEQ_CST), 0);
    ws = ws_open(id, token);
    g_free(ws_next(ws));
    deadline = g_get_monotonic_time() + WAIT_US;
    while (__atomic_load_n(&peer_fake->frames_pushed, __ATOMIC_SEQ_CST) == 0) {
        ck_assert_msg(g_get_monotonic_time() < deadline, "no frame pushed with a player watching");
        iterate();
    }
}
END_TEST

/* ---- game pads (ABI 1.4) ----------------------------------------------------- */

/* What the session's input backend (input.fake) reports its guest did to a
 * pad: a rumble. */
static void
guest_rumbles(const char *id, guint32 pad, guint32 strong, guint32 weak)
{
    gh_pad_feedback fb = { .struct_size = sizeof fb, .kind = GH_PAD_RUMBLE, .pad = pad, .strong = strong,
                           .weak = weak };
    g_autofree char *path = session_path(id, "/input");
    g_autoptr(Response) r = NULL;

    /* input.fake runs in the session's worker: it reports what is queued
     * at its next send, which this input brings. */
    pipeline_fake->queued[pipeline_fake->n_queued++] = fb;
    r = post_json_as(path, "application/json", "{\"events\":[{\"type\":\"key\",\"code\":\"KEY_A\",\"action\":\"tap\"}]}",
                     NULL);
    ck_assert_uint_eq(r->status, 200);
    ck_assert_int_eq(pipeline_fake->queued_rc[0], 0);
}

/* The stream backend (stream.peerfake) passes feedback on to the peer the
 * host names, which is the one in control: a watcher gets none, and the
 * next controller gets it once control passed. */
START_TEST(test_signal_pad_feedback_goes_to_the_player_in_control)
{
    g_autofree char *token = NULL;
    g_autofree char *id = player_session(PEER_BACKENDS, &token);
    g_autoptr(Ws) ctl = ws_open(id, token);
    g_autoptr(Ws) watcher = ws_open(id, token);
    g_autoptr(Response) metrics = NULL;

    g_free(ws_next(ctl));
    g_free(ws_next(watcher));
    guest_rumbles(id, 0, 32896, 0);
    assert_next(ctl, "{\"type\":\"pad-feedback\",\"kind\":3,\"pad\":0,\"strong\":32896,\"weak\":0,\"led\":0}");
    /* What the watcher hears next is its own echo: no feedback came before it. */
    soup_websocket_connection_send_text(watcher->conn, "{\"type\":\"echo\"}");
    assert_next(watcher, "{\"type\":\"echo\"}");
    soup_websocket_connection_close(ctl->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    assert_next(watcher, "{\"type\":\"role\",\"role\":\"control\"}");
    guest_rumbles(id, 1, 0, 0);
    assert_next(watcher, "{\"type\":\"pad-feedback\",\"kind\":3,\"pad\":1,\"strong\":0,\"weak\":0,\"led\":0}");
    metrics = request("GET", "/metrics", TOKEN);
    ck_assert_ptr_nonnull(strstr(metrics->body, "\ngamehost_pad_rumble_reports 2\n"));
}
END_TEST

static Suite *
api_signal_suite(void)
{
    Suite *s = suite_create("api_signal");
    TCase *tc;

    tc = api_case("players", setup_players);
    tcase_add_test(tc, test_signal_refusals_before_the_upgrade);
    tcase_add_test(tc, test_signal_refuses_an_expired_token);
    tcase_add_test(tc, test_signal_refuses_a_session_not_running);
    tcase_add_test(tc, test_signal_numbers_peers_and_hands_control_over);
    tcase_add_test(tc, test_signal_viewer_limit_is_503);
    tcase_add_test(tc, test_signal_bad_messages_get_an_error_and_the_connection_stays);
    tcase_add_test(tc, test_signal_host_services_limits);
    tcase_add_test(tc, test_signal_input_from_the_controller_reaches_the_input_backend);
    tcase_add_test(tc, test_signal_input_from_a_watcher_or_malformed_is_dropped_and_counted);
    tcase_add_test(tc, test_signal_controller_leaving_releases_what_it_held);
    tcase_add_test(tc, test_signal_next_controller_inherits_nothing_held);
    tcase_add_test(tc, test_signal_session_stopping_releases_what_the_controller_held);
    tcase_add_test(tc, test_signal_a_stick_sweep_logs_one_line_and_counts_every_event);
    tcase_add_test(tc, test_signal_bye_to_every_peer_when_the_session_stops);
    tcase_add_test(tc, test_signal_bye_when_the_host_shuts_down);
    tcase_add_test(tc, test_signal_bye_when_the_session_fails_keeps_the_reason_from_players);
    tcase_add_test(tc, test_signal_remint_ends_the_old_links_players);
    tcase_add_test(tc, test_signal_remint_leaves_the_orchestrators_peer_connected);
    tcase_add_test(tc, test_signal_token_expiry_leaves_a_connected_player);
    tcase_add_test(tc, test_signal_backend_may_send_from_peer_open);
    tcase_add_test(tc, test_signal_services_called_from_destroy_fail_cleanly);
    tcase_add_test(tc, test_signal_backend_closes_a_peer);
    tcase_add_test(tc, test_signal_peer_refused_by_the_backend_is_closed_with_its_reason);
    tcase_add_test(tc, test_signal_accepts_the_orchestrator_bearer);
    tcase_add_test(tc, test_backend_defaults_from_config_under_session_options);
    tcase_add_test(tc, test_pipeline_pumps_only_while_watched);
    tcase_add_test(tc, test_signal_pad_feedback_goes_to_the_player_in_control);
    suite_add_tcase(s, tc);
    return s;
}

int
main(void)
{
    SRunner *sr = srunner_create(api_signal_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
