/* api: the server itself: lifecycle, listening, the gate every request passes
 * (bearer auth, player tokens, body limits) and routing.  Responses and the
 * error map are api-respond.c's; the endpoints live in api-host.c,
 * api-images.c, api-plugins.c, api-sessions.c, api-session-io.c,
 * api-events.c, api-signal.c and api-play.c. */
#include <string.h>
#include "api-private.h"

G_DEFINE_QUARK(gh-api-error-quark, gh_api_error)

/* Request body bytes seen so far, for bodies sent without Content-Length. */
#define GH_API_BODY_SEEN "gh-api-body-seen"

typedef struct {
    const char *pattern;         /* "{}" matches one non-empty path segment */
    const char *method;
    GhApiHandler handler;
} GhApiRoute;

static const GhApiRoute api_routes[] = {
    { "/healthz",          "GET",    gh_api_handle_healthz },
    { "/readyz",           "GET",    gh_api_handle_readyz },
    { "/metrics",          "GET",    gh_api_handle_metrics },
    { "/v1/host",          "GET",    gh_api_handle_host },
    { "/v1/host/drain",    "POST",   gh_api_handle_drain },
    { "/v1/host/undrain",  "POST",   gh_api_handle_undrain },
    { "/v1/gpus",          "GET",    gh_api_handle_gpus },
    { "/v1/images",        "GET",    gh_api_handle_images },
    { "/v1/images/{}",     "GET",    gh_api_handle_image },
    { "/v1/plugins",       "GET",    gh_api_handle_plugins },
    { "/v1/sessions",      "GET",    gh_api_handle_sessions_list },
    { "/v1/sessions",      "POST",   gh_api_handle_sessions_create },
    { "/v1/sessions/{}",   "GET",    gh_api_handle_session_show },
    { "/v1/sessions/{}",   "DELETE", gh_api_handle_session_delete },
    { "/v1/sessions/{}/input", "POST", gh_api_handle_session_input },
    { "/v1/sessions/{}/frame", "GET", gh_api_handle_session_frame },
    { "/v1/sessions/{}/signal", "GET", gh_api_handle_session_signal },
    { "/v1/sessions/{}/player-token", "POST", gh_api_handle_player_token },
    { "/play/assets/{}",   "GET",    gh_api_handle_play_asset },
    { "/play/{}",          "GET",    gh_api_handle_play },
    { "/v1/events",        "GET",    gh_api_handle_events },
};

/* ---- the gate: auth and body limits, run once the headers are in ---------- */

static void
api_sha256(const char *s, guint8 digest[32])
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    gsize len = 32;

    g_checksum_update(sum, (const guchar *) s, strlen(s));
    g_checksum_get_digest(sum, digest, &len);
}

/* Compares digests rather than the tokens, and every token to the end, so
 * neither a token's length nor its prefix shows in the timing. */
static gboolean
api_token_accepted(GhApi *api, const char *presented)
{
    guint8 got[32], want[32];
    gboolean ok = FALSE;

    api_sha256(presented, got);
    for (char **t = api->tokens; *t; t++) {
        guint8 diff = 0;
        api_sha256(*t, want);
        for (gsize i = 0; i < sizeof got; i++)
            diff |= got[i] ^ want[i];
        ok |= (diff == 0);
    }
    return ok;
}

static gboolean
api_authorized(GhApi *api, SoupServerMessage *msg)
{
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);
    const char *auth = soup_message_headers_get_one(h, "Authorization");

    if (!auth || g_ascii_strncasecmp(auth, "Bearer ", 7) != 0)
        return FALSE;
    auth += 7;
    while (*auth == ' ')
        auth++;
    return *auth && api_token_accepted(api, auth);
}

/* The player endpoints authorize in their handlers: a browser cannot send
 * the Authorization header (a WebSocket, a link), so they also take
 * ?token=, and /play/assets/ needs nothing (the player's own files). */
static gboolean
api_path_is_player(const char *path)
{
    g_auto(GStrv) seg = NULL;

    if (g_str_has_prefix(path, "/play/"))
        return TRUE;
    seg = g_strsplit(path, "/", -1);
    return g_strv_length(seg) == 5 && g_str_equal(seg[1], "v1") && g_str_equal(seg[2], "sessions") &&
           *seg[3] && g_str_equal(seg[4], "signal");
}

char *
gh_api_player_url(const char *id, const char *token)
{
    g_autofree char *eid = g_uri_escape_string(id, NULL, FALSE);

    /* The token is base64url: nothing to escape. */
    return g_strdup_printf("/play/%s?token=%s", eid, token);
}

gboolean
gh_api_player_gate(GhApi *api, SoupServerMessage *msg, const char *id, GHashTable *query, gboolean html)
{
    const char *token = query ? g_hash_table_lookup(query, "token") : NULL;
    guint status = SOUP_STATUS_UNAUTHORIZED;
    const char *code = "unauthorized", *title = "Not allowed", *message;

    /* The orchestrator's token only in the header: a URL ends up in logs. */
    if (api_authorized(api, msg))
        return TRUE;
    if (!token || !*token) {
        message = "missing token: open the player with the link the game service gave you (?token=...)";
    } else {
        switch (gh_session_manager_check_player_token(api->sessions, id, token)) {
        case GH_PLAYER_TOKEN_ACCEPTED:
            return TRUE;
        case GH_PLAYER_TOKEN_EXPIRED:
            code = "token_expired";
            title = "Link expired";
            message = "This player link has expired: ask the game service for a new one.";
            break;
        case GH_PLAYER_TOKEN_WRONG_SESSION:
            status = SOUP_STATUS_FORBIDDEN;
            code = "wrong_session";
            title = "Wrong session";
            message = "This player link is for another game session.";
            break;
        case GH_PLAYER_TOKEN_UNKNOWN:
        default:
            message = "This player link is not valid (or was replaced by a newer one).";
            break;
        }
    }
    if (html)
        gh_api_respond_html_error(api, msg, status, title, message);
    else
        gh_api_respond_error(api, msg, status, code, "%s", message);
    return FALSE;
}

static void
api_reject_body(GhApi *api, SoupServerMessage *msg)
{
    /* Keep reading (HTTP/1.1 needs the body off the wire) but drop it. */
    soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
    soup_message_body_truncate(soup_server_message_get_request_body(msg));
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Connection", "close");
    gh_api_respond_error(api, msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                         "request body exceeds %" G_GSIZE_FORMAT " bytes", api->config->max_body_bytes);
}

static void
api_on_got_chunk(SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
    GhApi *api = user_data;
    gsize seen = GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(msg), GH_API_BODY_SEEN));

    if (soup_server_message_get_status(msg) != 0)
        return;                 /* already rejected */
    seen += g_bytes_get_size(chunk);
    g_object_set_data(G_OBJECT(msg), GH_API_BODY_SEEN, GSIZE_TO_POINTER(seen));
    if (seen > api->config->max_body_bytes)
        api_reject_body(api, msg);
}

static void
api_early_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
                  GHashTable *query, gpointer user_data)
{
    GhApi *api = user_data;
    SoupMessageHeaders *h = soup_server_message_get_request_headers(msg);

    if (g_strcmp0(path, "/healthz") != 0 && !api_path_is_player(path) && !api_authorized(api, msg)) {
        soup_message_body_set_accumulate(soup_server_message_get_request_body(msg), FALSE);
        soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                     "WWW-Authenticate", "Bearer realm=\"gamehost\"");
        gh_api_respond_error(api, msg, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                             "missing or invalid bearer token");
        return;
    }
    if (soup_message_headers_get_encoding(h) == SOUP_ENCODING_CONTENT_LENGTH &&
        soup_message_headers_get_content_length(h) > (goffset) api->config->max_body_bytes) {
        api_reject_body(api, msg);
        return;
    }
    g_signal_connect(msg, "got-chunk", G_CALLBACK(api_on_got_chunk), api);
}

/* ---- routing -------------------------------------------------------------- */

/* On a match, *arg is the decoded {} segment (NULL when the pattern has none). */
static gboolean
api_route_match(const char *pattern, char **segments, char **arg)
{
    g_auto(GStrv) want = g_strsplit(pattern, "/", -1);
    g_autofree char *found = NULL;
    guint i;

    for (i = 0; want[i] && segments[i]; i++) {
        if (strcmp(want[i], "{}") == 0) {
            /* A %2F would smuggle a '/' into an id: no such path. */
            found = segments[i][0] ? g_uri_unescape_string(segments[i], "/") : NULL;
            if (!found)
                return FALSE;
        } else if (strcmp(want[i], segments[i]) != 0) {
            return FALSE;
        }
    }
    if (want[i] || segments[i])
        return FALSE;
    *arg = g_steal_pointer(&found);
    return TRUE;
}

static void
api_route(GhApi *api, SoupServerMessage *msg, const char *path, GHashTable *query)
{
    g_auto(GStrv) segments = g_strsplit(path, "/", -1);
    const char *method = soup_server_message_get_method(msg);
    g_autoptr(GString) allow = g_string_new(NULL);

    for (gsize r = 0; r < G_N_ELEMENTS(api_routes); r++) {
        g_autofree char *arg = NULL;

        if (!api_route_match(api_routes[r].pattern, segments, &arg))
            continue;
        if (strcmp(api_routes[r].method, method) == 0) {
            api_routes[r].handler(api, msg, arg, query);
            return;
        }
        g_string_append_printf(allow, "%s%s", allow->len ? ", " : "", api_routes[r].method);
    }
    if (allow->len) {
        soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow->str);
        gh_api_respond_error(api, msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                             "method %s not allowed; allowed: %s", method, allow->str);
        return;
    }
    gh_api_respond_error(api, msg, SOUP_STATUS_NOT_FOUND, "not_found", "no such path");
}

static void
api_handler(SoupServer *server, SoupServerMessage *msg, const char *path,
            GHashTable *query, gpointer user_data)
{
    GhApi *api = user_data;
    SoupMessageBody *body = soup_server_message_get_request_body(msg);

    /* The gate counted bodies sent without Content-Length as they came;
     * this catches a Content-Length that lied. */
    if (body->length > (goffset) api->config->max_body_bytes) {
        api_reject_body(api, msg);
        return;
    }
    api_route(api, msg, path, query);
}

/* ---- lifecycle -------------------------------------------------------------- */

static void
api_on_session_event(const GhSession *session, GhSessionState previous, gpointer user_data)
{
    GhApi *api = user_data;

    if (previous == GH_SESSION_STARTING && session->state == GH_SESSION_RUNNING &&
        session->started_at > 0)
        gh_metrics_observe_start(api->metrics, (session->started_at - session->created_at) / 1e6);
    gh_api_signal_session_event(api, session, previous);
    gh_api_events_publish(api, session, previous);
}

static void
api_on_worker_crash(const GhSession *session, const GhSessionCrash *crash, guint64 count, gpointer user_data)
{
    gh_api_events_publish_crash(user_data, session, crash, count);
}

/* An empty accepted token would let "Bearer " through, so refuse to serve. */
static GStrv
api_copy_tokens(const char *const *tokens, GError **error)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    guint n = 0;

    for (const char *const *t = tokens; t && *t; t++) {
        if (**t) {
            g_strv_builder_add(b, *t);
            n++;
        }
    }
    if (n == 0) {
        g_set_error(error, GH_API_ERROR, GH_API_ERROR_INVALID, "no API token configured");
        return NULL;
    }
    return g_strv_builder_end(b);
}

GhApi *
gh_api_new(const GhApiDeps *deps, GError **error)
{
    g_autoptr(GhApi) api = NULL;
    GStrv tokens;

    g_return_val_if_fail(deps && deps->config && deps->sessions && deps->catalog && deps->virt, NULL);
    if (!(tokens = api_copy_tokens(deps->tokens, error)))
        return NULL;

    api = g_new0(GhApi, 1);
    api->config = deps->config;
    api->sessions = deps->sessions;
    api->catalog = deps->catalog;
    api->virt = deps->virt;
    api->gpus = deps->gpus;
    api->gpu_claims = deps->gpu_claims;
    api->plugins = deps->plugins;
    api->tokens = tokens;
    api->version = g_strdup(deps->version ? deps->version : "unknown");
    api->context = g_main_context_ref_thread_default();
    api->metrics = gh_metrics_new();
    api->sse_clients = g_ptr_array_new();
    api->frame_requests = g_ptr_array_new();
    gh_api_signal_init(api);
    api->server = soup_server_new("server-header", "gamehost", NULL);
    soup_server_add_early_handler(api->server, NULL, api_early_handler, api, NULL);
    soup_server_add_handler(api->server, NULL, api_handler, api, NULL);
    api->subscription = gh_session_manager_subscribe(api->sessions, api_on_session_event, api);
    api->crash_subscription = gh_session_manager_subscribe_crashes(api->sessions, api_on_worker_crash, api);
    return g_steal_pointer(&api);
}

static GInetAddress *
api_parse_host(const char *host, GError **error)
{
    GInetAddress *addr;

    if (g_ascii_strcasecmp(host, "localhost") == 0)
        return g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    addr = g_inet_address_new_from_string(host);
    if (!addr)
        g_set_error(error, GH_API_ERROR, GH_API_ERROR_INVALID,
                    "listen address '%s' is not an IPv4 or IPv6 address", host);
    return addr;
}

gboolean
gh_api_listen(GhApi *api, const char *host, guint16 port, GError **error)
{
    g_autoptr(GInetAddress) inet = api_parse_host(host, error);
    g_autoptr(GSocketAddress) addr = NULL;
    g_autoptr(GError) local = NULL;
    GSList *uris;

    if (!inet)
        return FALSE;
    addr = g_inet_socket_address_new(inet, port);
    if (!soup_server_listen(api->server, addr, 0, &local)) {
        g_set_error(error, GH_API_ERROR, GH_API_ERROR_LISTEN, "cannot listen on %s port %u: %s",
                    host, port, local->message);
        return FALSE;
    }
    uris = soup_server_get_uris(api->server);
    api->port = uris ? (guint16) g_uri_get_port(uris->data) : port;
    g_slist_free_full(uris, (GDestroyNotify) g_uri_unref);
    return TRUE;
}

guint16
gh_api_port(GhApi *api)
{
    return api->port;
}

GhApi *
gh_api_free(GhApi *api)
{
    if (!api)
        return NULL;
    if (api->subscription)
        gh_session_manager_unsubscribe(api->sessions, api->subscription);
    if (api->crash_subscription)
        gh_session_manager_unsubscribe(api->sessions, api->crash_subscription);
    gh_api_events_close_all(api);
    gh_api_signal_close_all(api);
    if (api->frame_requests)
        gh_api_frames_abandon_all(api);
    if (api->server) {
        soup_server_disconnect(api->server);
        g_object_unref(api->server);
    }
    g_ptr_array_unref(api->sse_clients);
    if (api->frame_requests)
        g_ptr_array_unref(api->frame_requests);
    g_main_context_unref(api->context);
    gh_metrics_free(api->metrics);
    g_strfreev(api->tokens);
    g_free(api->version);
    g_free(api);
    return NULL;
}
