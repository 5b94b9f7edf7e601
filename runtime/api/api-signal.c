/* api-signal: GET /v1/sessions/{id}/signal, the players' WebSocket
 * (docs/player.md).  Refusals are answered as plain HTTP errors before the
 * upgrade; once upgraded, each connection is one peer of the session: the
 * host sends welcome/role/bye/error on its own and relays every other
 * message between the browser and the stream backend (through the session
 * manager, session-peers.c).
 *
 * The upgrade is done here rather than with soup_server_add_websocket_handler:
 * libsoup keeps one handler per path prefix, and a WebSocket handler on the
 * API's catch-all path would try to upgrade every request a handler left
 * pending (a paused GET /frame).  No WebSocket extension is offered, so no
 * permessage-deflate: a compressed frame could not inflate past the limit.
 * Everything runs on the API's main loop. */
#include <string.h>
#include "api-private.h"
#include "session/player-token.h"

/* A frame this big closes the connection (1009) inside libsoup, so that a
 * hostile client cannot make it buffer more; a message between the
 * contract's 64 KiB and this is refused with an error and the connection
 * stays, as docs/player.md says. */
#define GH_API_SIGNAL_MAX_FRAME (2 * GH_SIGNAL_MAX_MESSAGE)
/* Pings at this interval: a browser that vanished without a close is
 * noticed (the write fails) and its peer closed. */
#define GH_API_SIGNAL_KEEPALIVE_S 15
/* RFC 9110's 426, which libsoup has no name for. */
#define GH_API_SIGNAL_UPGRADE_REQUIRED 426
/* What a page still waiting for its session to start is told to wait. */
#define GH_API_SIGNAL_RETRY_AFTER_S 2
#define GH_API_SIGNAL_SESSION_KEY "gh-api-signal-session"
/* The digest of the player token a connection came in with, from the
 * handshake to the upgrade; absent for the orchestrator's token. */
#define GH_API_SIGNAL_PLAYER_KEY "gh-api-signal-player"

typedef struct {
    GhApi *api;
    char *session_id;
    guint32 peer;                /* 0: refused, only closing */
    gboolean open;               /* the session manager has it open */
    SoupWebsocketConnection *conn;
    /* How it authenticated: a player token (its digest, so that a re-mint
     * can end the peers of the old link) or the orchestrator's bearer
     * token, which no re-mint touches. */
    gboolean by_player;
    guint8 player_sha256[GH_PLAYER_DIGEST_BYTES];
    gboolean leaving;            /* being ended with others: control is not handed to it */
} GhApiPeer;

static void
api_peer_free(GhApiPeer *p)
{
    if (p->conn) {
        g_signal_handlers_disconnect_by_data(p->conn, p);
        g_object_unref(p->conn);
    }
    g_free(p->session_id);
    g_free(p);
}

static GhApiPeer *
api_peer_find(GhApi *api, const char *session_id, guint32 peer)
{
    for (guint i = 0; i < api->signal_peers->len; i++) {
        GhApiPeer *p = api->signal_peers->pdata[i];
        if (p->open && p->peer == peer && g_str_equal(p->session_id, session_id))
            return p;
    }
    return NULL;
}

guint
gh_api_signal_players(GhApi *api)
{
    guint n = 0;

    for (guint i = 0; i < api->signal_peers->len; i++)
        n += ((GhApiPeer *)api->signal_peers->pdata[i])->open;
    return n;
}

/* ---- messages the host sends ------------------------------------------- */

static void
api_peer_send_node(GhApiPeer *p, JsonNode *node)
{
    g_autofree char *text = gh_api_json_to_string(node);

    if (soup_websocket_connection_get_state(p->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text(p->conn, text);
}

/* {"type": type, key: value} with string values; key may be NULL. */
static void
api_peer_send_simple(GhApiPeer *p, const char *type, const char *key, const char *value)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object(b);
    gh_json_add_string(b, "type", type);
    if (key) {
        gh_json_add_string(b, key, value);
    }
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    api_peer_send_node(p, node);
}

static void
api_peer_refuse_message(GhApiPeer *p, const char *message)
{
    gh_metrics_count_signal_refused(p->api->metrics);
    api_peer_send_simple(p, "error", "message", message);
}

static void
api_peer_send_welcome(GhApiPeer *p, gboolean control)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;

    json_builder_begin_object(b);
    gh_json_add_string(b, "type", "welcome");
    gh_json_add_string(b, "session", p->session_id);
    gh_json_add_int(b, "peer", p->peer);
    gh_json_add_string(b, "role", control ? "control" : "watch");
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    api_peer_send_node(p, node);
}

/* The peer leaves the session (the backend hears peer_close); control
 * passes to the longest-connected watcher, who is told. */
static void
api_peer_detach(GhApiPeer *p, gboolean hand_over)
{
    guint32 next;
    GhApiPeer *heir;

    if (!p->open)
        return;
    p->open = FALSE;
    next = gh_session_manager_peer_close(p->api->sessions, p->session_id, p->peer);
    if (hand_over && next && (heir = api_peer_find(p->api, p->session_id, next)) && !heir->leaving)
        api_peer_send_simple(heir, "role", "role", "control");
}

/* What a bye ends, so that a page can tell a failed stream connection
 * (scope "peer": the session goes on, the player may reconnect) from the
 * end of the game (scope "session") and a host that stops (scope "host":
 * the session outlives the daemon). */
#define GH_API_BYE_PEER    "peer"
#define GH_API_BYE_SESSION "session"
#define GH_API_BYE_HOST    "host"

/* What players hear when their session failed.  The failure's reason may
 * carry host internals (paths, libvirt errors, plugin messages): it is for
 * the orchestrator (GET /v1/sessions/{id}), not for players. */
#define GH_API_BYE_FAILED        "the game stopped because of an error on the server"
#define GH_API_BYE_ENDED         "the session has ended"
#define GH_API_BYE_LINK_REPLACED "the player link was replaced"

/* Says bye with reason and scope, then closes with code; the connection
 * stays listed until libsoup reports it closed. */
static void
api_peer_end(GhApiPeer *p, gushort code, const char *reason, const char *scope, gboolean hand_over)
{
    g_autoptr(JsonBuilder) b = NULL;
    g_autoptr(JsonNode) node = NULL;

    api_peer_detach(p, hand_over);
    if (soup_websocket_connection_get_state(p->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        return;
    b = json_builder_new();
    json_builder_begin_object(b);
    gh_json_add_string(b, "type", "bye");
    gh_json_add_string(b, "reason", reason);
    gh_json_add_string(b, "scope", scope);
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    api_peer_send_node(p, node);
    soup_websocket_connection_close(p->conn, code, NULL);
}

/* TRUE when p came in with a player token that is no longer its session's
 * (a re-mint replaced it).  Expiry is not checked: it only gates new
 * connections, and a player in the middle of a game stays. */
static gboolean
api_peer_link_replaced(GhApiPeer *p)
{
    const GhSession *s;

    if (!p->by_player)
        return FALSE;
    s = gh_session_manager_lookup(p->api->sessions, p->session_id);
    return s && !(s->has_player_token && gh_player_token_digest_equal(s->player_token_sha256, p->player_sha256));
}

/* ---- messages from the browser ------------------------------------------ */

/* NULL when text is one JSON object with a string "type", else why not. */
static const char *
api_signal_message_problem(const char *text, gsize len)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    JsonNode *root, *type;

    if (!json_parser_load_from_data(parser, text, (gssize)len, NULL) || !(root = json_parser_get_root(parser)))
        return "the message is not valid JSON";
    if (!JSON_NODE_HOLDS_OBJECT(root))
        return "the message must be a JSON object";
    type = json_object_get_member(json_node_get_object(root), "type");
    if (!type || !JSON_NODE_HOLDS_VALUE(type) || json_node_get_value_type(type) != G_TYPE_STRING)
        return "the message must have a string member 'type'";
    return NULL;
}

static void
api_peer_on_message(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer data)
{
    GhApiPeer *p = data;
    gsize len;
    const char *text = g_bytes_get_data(message, &len);
    const char *problem;
    g_autofree char *why = NULL;
    g_autofree char *refusal = NULL;

    if (!p->open)
        return;
    if (type != SOUP_WEBSOCKET_DATA_TEXT) {
        api_peer_refuse_message(p, "binary messages are not accepted: send one JSON object per text message");
        return;
    }
    if (len > GH_SIGNAL_MAX_MESSAGE) {
        refusal = g_strdup_printf("the message has %" G_GSIZE_FORMAT " bytes, more than %u", len,
                                  GH_SIGNAL_MAX_MESSAGE);
        api_peer_refuse_message(p, refusal);
        return;
    }
    if ((problem = api_signal_message_problem(text ? text : "", len))) {
        api_peer_refuse_message(p, problem);
        return;
    }
    /* libsoup NUL-terminates text messages: text is a C string here. */
    if (gh_session_manager_peer_message(p->api->sessions, p->session_id, p->peer, text, &why) < 0)
        api_peer_refuse_message(p, why ? why : "the stream backend refused the message");
}

static void
api_peer_on_closed(SoupWebsocketConnection *conn, gpointer data)
{
    GhApiPeer *p = data;
    GhApi *api = p->api;

    api_peer_detach(p, TRUE);
    g_ptr_array_remove_fast(api->signal_peers, p);
}

static void
api_peer_on_error(SoupWebsocketConnection *conn, GError *error, gpointer data)
{
    GhApiPeer *p = data;

    g_debug("session %s: player %u: %s", p->session_id, p->peer, error->message);
}

/* ---- the upgrade ----------------------------------------------------------- */

static void
api_signal_upgraded(SoupServerMessage *msg, gpointer data)
{
    GhApi *api = data;
    const char *id = g_object_get_data(G_OBJECT(msg), GH_API_SIGNAL_SESSION_KEY);
    const guint8 *player = g_object_get_data(G_OBJECT(msg), GH_API_SIGNAL_PLAYER_KEY);
    g_autoptr(GIOStream) stream = NULL;
    g_autoptr(GError) error = NULL;
    GhApiPeer *p;
    gboolean control = FALSE;

    g_signal_handlers_disconnect_by_func(msg, api_signal_upgraded, data);
    stream = soup_server_message_steal_connection(msg);
    p = g_new0(GhApiPeer, 1);
    p->api = api;
    p->session_id = g_strdup(id);
    if (player) {
        p->by_player = TRUE;
        memcpy(p->player_sha256, player, GH_PLAYER_DIGEST_BYTES);
    }
    p->conn = soup_websocket_connection_new(
        stream, soup_server_message_get_uri(msg), SOUP_WEBSOCKET_CONNECTION_SERVER,
        soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Origin"), NULL, NULL);
    soup_websocket_connection_set_max_incoming_payload_size(p->conn, GH_API_SIGNAL_MAX_FRAME);
    soup_websocket_connection_set_keepalive_interval(p->conn, GH_API_SIGNAL_KEEPALIVE_S);
    g_signal_connect(p->conn, "message", G_CALLBACK(api_peer_on_message), p);
    g_signal_connect(p->conn, "closed", G_CALLBACK(api_peer_on_closed), p);
    g_signal_connect(p->conn, "error", G_CALLBACK(api_peer_on_error), p);
    g_ptr_array_add(api->signal_peers, p);

    /* Checked before the upgrade; checked again, as a re-mint, another
     * player or the session's end may have come in between. */
    if (api_peer_link_replaced(p)) {
        api_peer_end(p, SOUP_WEBSOCKET_CLOSE_NORMAL, GH_API_BYE_LINK_REPLACED, GH_API_BYE_PEER, FALSE);
        return;
    }
    p->peer = gh_session_manager_peer_open(api->sessions, id, &control, &error);
    if (!p->peer) {
        api_peer_send_simple(p, "error", "message", error->message);
        soup_websocket_connection_close(
            p->conn,
            g_error_matches(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING) ? SOUP_WEBSOCKET_CLOSE_GOING_AWAY
                                                                                   : SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
            NULL);
        return;
    }
    p->open = TRUE;
    g_message("session %s: player %u connected (%s)", id, p->peer, control ? "control" : "watch");
    api_peer_send_welcome(p, control);
}

/* A plain GET that passed every check is how the player's page learns why
 * its upgrade was refused (a browser sees only 1006): 426 says "nothing is
 * wrong, upgrade".  A broken upgrade stays 400. */
static void
api_signal_refuse_handshake(GhApi *api, SoupServerMessage *msg, const GError *error)
{
    if (g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET)) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Upgrade", "websocket");
        gh_api_respond_error(api, msg, GH_API_SIGNAL_UPGRADE_REQUIRED, "upgrade_required",
                             "this is the player's WebSocket: connect with a WebSocket upgrade");
        return;
    }
    gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "expected a WebSocket upgrade: %s",
                         error->message);
}

void
gh_api_handle_session_signal(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(GError) error = NULL;
    const char *token = query ? g_hash_table_lookup(query, "token") : NULL;

    if (!gh_api_player_gate(api, msg, arg, query, FALSE))
        return;
    if (!gh_session_manager_peer_admit(api->sessions, arg, &error)) {
        if (g_error_matches(error, GH_SESSION_ERROR, GH_SESSION_ERROR_STARTING))
            soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Retry-After",
                                         G_STRINGIFY(GH_API_SIGNAL_RETRY_AFTER_S));
        gh_api_respond_gerror(api, msg, NULL, error);
        return;
    }
    if (!soup_websocket_server_check_handshake(msg, NULL, NULL, NULL, &error)) {
        api_signal_refuse_handshake(api, msg, error);
        return;
    }
    if (!soup_websocket_server_process_handshake(msg, NULL, NULL, NULL, NULL)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "WebSocket handshake failed");
        return;
    }
    gh_api_count_status(api, msg);
    g_object_set_data_full(G_OBJECT(msg), GH_API_SIGNAL_SESSION_KEY, g_strdup(arg), g_free);
    /* The gate let it in; a good player token in the URL makes it a player
     * (ended with its link), even beside the orchestrator's header. */
    if (token && gh_session_manager_check_player_token(api->sessions, arg, token) == GH_PLAYER_TOKEN_ACCEPTED) {
        guint8 *digest = g_malloc(GH_PLAYER_DIGEST_BYTES);

        gh_player_token_digest(token, digest);
        g_object_set_data_full(G_OBJECT(msg), GH_API_SIGNAL_PLAYER_KEY, digest, g_free);
    }
    g_signal_connect(msg, "wrote-informational", G_CALLBACK(api_signal_upgraded), api);
}

/* ---- the session manager's side (GhSessionSignalSink) ------------------------ */

static void
api_signal_sink_send(gpointer data, const char *session_id, guint32 peer, const char *message)
{
    GhApiPeer *p = api_peer_find(data, session_id, peer);

    if (p && soup_websocket_connection_get_state(p->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_text(p->conn, message);
}

static void
api_signal_sink_close(gpointer data, const char *session_id, guint32 peer, const char *reason)
{
    GhApiPeer *p = api_peer_find(data, session_id, peer);

    if (p)
        api_peer_end(p, SOUP_WEBSOCKET_CLOSE_NORMAL, reason, GH_API_BYE_PEER, TRUE);
}

static void
api_signal_sink_refuse(gpointer data, const char *session_id, guint32 peer, const char *why)
{
    GhApiPeer *p = api_peer_find(data, session_id, peer);

    if (p && p->open && soup_websocket_connection_get_state(p->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        api_peer_refuse_message(p, why);
}

/* As a refusal at the upgrade: the reason, then a policy close. */
static void
api_signal_sink_reject(gpointer data, const char *session_id, guint32 peer, const char *why)
{
    GhApiPeer *p = api_peer_find(data, session_id, peer);

    if (!p || soup_websocket_connection_get_state(p->conn) != SOUP_WEBSOCKET_STATE_OPEN)
        return;
    api_peer_send_simple(p, "error", "message", why);
    soup_websocket_connection_close(p->conn, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, NULL);
}

static const GhSessionSignalSink api_signal_sink = {
    .send = api_signal_sink_send,
    .close = api_signal_sink_close,
    .refuse = api_signal_sink_refuse,
    .reject = api_signal_sink_reject,
};

void
gh_api_signal_init(GhApi *api)
{
    api->signal_peers = g_ptr_array_new_with_free_func((GDestroyNotify)api_peer_free);
    gh_session_manager_set_signal_sink(api->sessions, &api_signal_sink, api);
}

void
gh_api_signal_player_link_replaced(GhApi *api, const char *session_id)
{
    if (!api->signal_peers)
        return;
    /* Marked first, so that control passes over the whole group to a peer
     * that stays, not to one about to leave. */
    for (guint i = 0; i < api->signal_peers->len; i++) {
        GhApiPeer *p = api->signal_peers->pdata[i];
        p->leaving = p->open && g_str_equal(p->session_id, session_id) && api_peer_link_replaced(p);
    }
    for (guint i = 0; i < api->signal_peers->len; i++) {
        GhApiPeer *p = api->signal_peers->pdata[i];
        if (!p->leaving)
            continue;
        g_message("session %s: player %u disconnected: its player link was replaced", session_id, p->peer);
        api_peer_end(p, SOUP_WEBSOCKET_CLOSE_NORMAL, GH_API_BYE_LINK_REPLACED, GH_API_BYE_PEER, TRUE);
    }
}

void
gh_api_signal_session_event(GhApi *api, const GhSession *session, GhSessionState previous)
{
    const char *reason;

    if (session->state == GH_SESSION_RUNNING || previous != GH_SESSION_RUNNING)
        return;
    reason = session->state == GH_SESSION_FAILED || (session->reason && session->state == GH_SESSION_STOPPING)
                 ? GH_API_BYE_FAILED
                 : GH_API_BYE_ENDED;
    for (guint i = 0; i < api->signal_peers->len; i++) {
        GhApiPeer *p = api->signal_peers->pdata[i];
        if (p->open && g_str_equal(p->session_id, session->id))
            api_peer_end(p, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, reason, GH_API_BYE_SESSION, FALSE);
    }
}

void
gh_api_signal_close_all(GhApi *api)
{
    if (!api->signal_peers)
        return;
    gh_session_manager_set_signal_sink(api->sessions, NULL, NULL);
    for (guint i = 0; i < api->signal_peers->len; i++)
        api_peer_end(api->signal_peers->pdata[i], SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "the host is shutting down",
                     GH_API_BYE_HOST, FALSE);
    g_clear_pointer(&api->signal_peers, g_ptr_array_unref);
}
