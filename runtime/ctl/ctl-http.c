/* ctl-http: the daemon's API over libsoup's synchronous calls. */
#include "ctl-http.h"

#include <string.h>
#include <libsoup/soup.h>
#include "ctl-util.h"

/* An error body is small; reading more of a failed stream is pointless. */
#define GH_CTL_ERROR_BODY_MAX (64 * 1024)
#define GH_CTL_READ_CHUNK 8192

struct GhCtlClient {
    SoupSession *session;
    char *base_url;
    char *shown_url;       /* for messages: no password */
    char *token;
    guint timeout_s;
    guint last_status;
};

GhCtlClient *
gh_ctl_client_new(const char *base_url, const char *token, guint timeout_s, const char *user_agent)
{
    GhCtlClient *c = g_new0(GhCtlClient, 1);

    c->session = soup_session_new_with_options("timeout", timeout_s, "user-agent", user_agent, NULL);
    c->base_url = g_strdup(base_url);
    c->shown_url = gh_ctl_url_for_display(base_url);
    c->token = g_strdup(token);
    c->timeout_s = timeout_s;
    return c;
}

GhCtlClient *
gh_ctl_client_free(GhCtlClient *client)
{
    if (client == NULL)
        return NULL;
    g_clear_object(&client->session);
    g_free(client->base_url);
    g_free(client->shown_url);
    if (client->token != NULL)
        memset(client->token, 0, strlen(client->token));
    g_free(client->token);
    g_free(client);
    return NULL;
}

guint
gh_ctl_client_last_status(const GhCtlClient *client)
{
    return client->last_status;
}

static SoupMessage *
http_new_message(GhCtlClient *c, const char *method, const char *path, const char *accept, GError **error)
{
    g_autofree char *url = g_strconcat(c->base_url, path, NULL);
    g_autoptr(GUri) uri = g_uri_parse(url, SOUP_HTTP_URI_FLAGS, NULL);
    SoupMessage *msg;
    SoupMessageHeaders *headers;

    c->last_status = 0;
    if (uri == NULL) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "cannot make a URL of '%s' and '%s'", c->shown_url,
                    path);
        return NULL;
    }
    msg = soup_message_new_from_uri(method, uri);
    /* A redirect could carry the bearer token to another host. */
    soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
    headers = soup_message_get_request_headers(msg);
    soup_message_headers_replace(headers, "Accept", accept);
    if (c->token != NULL) {
        g_autofree char *auth = g_strconcat("Bearer ", c->token, NULL);
        soup_message_headers_replace(headers, "Authorization", auth);
        memset(auth, 0, strlen(auth));
    }
    return msg;
}

static void
http_set_transport_error(GhCtlClient *c, const GError *local, GError **error)
{
    if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_CONNECT,
                    "cannot connect to gamehostd at %s: connection refused (is gamehostd running?)",
                    c->shown_url);
    else if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_CONNECT, "no answer from gamehostd at %s within %u s",
                    c->shown_url, c->timeout_s);
    else
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_CONNECT, "cannot talk to gamehostd at %s: %s",
                    c->shown_url, local->message);
}

static void
http_set_status_error(GhCtlClient *c, SoupMessage *msg, const char *body, gsize len, GError **error)
{
    guint status = soup_message_get_status(msg);
    g_autofree char *text = gh_ctl_format_api_error(status, soup_message_get_reason_phrase(msg), body, len);

    if (status == SOUP_STATUS_UNAUTHORIZED && c->token == NULL)
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_API,
                    "%s (no API token: use --token, GAMEHOST_TOKEN or --token-file)", text);
    else
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_API, "%s", text);
}

static gboolean
http_parse_reply(GBytes *bytes, JsonNode **reply, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);

    *reply = NULL;
    if (len == 0)
        return TRUE;
    if (!json_parser_load_from_data(parser, data, len, &local)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "unexpected reply from gamehostd: not JSON: %s",
                    local->message);
        return FALSE;
    }
    *reply = json_parser_steal_root(parser);
    return TRUE;
}

/* The one way a request goes out: sends msg, records its status, and turns a
 * transport failure (GH_CTL_ERROR_CONNECT) or an error status (the API's
 * error) into the error.  With body, the whole response is read into *body;
 * with stream, the response stays open in *stream for the caller to read as
 * it arrives, and a failed one's body is read only up to
 * GH_CTL_ERROR_BODY_MAX.  Exactly one of body and stream is given. */
static gboolean
http_send(GhCtlClient *c, SoupMessage *msg, GBytes **body, GInputStream **stream, GError **error)
{
    g_autoptr(GBytes) bytes = NULL;
    g_autoptr(GInputStream) in = NULL;
    g_autoptr(GError) local = NULL;

    if (body != NULL)
        bytes = soup_session_send_and_read(c->session, msg, NULL, &local);
    else
        in = soup_session_send(c->session, msg, NULL, &local);
    if (bytes == NULL && in == NULL) {
        http_set_transport_error(c, local, error);
        return FALSE;
    }
    c->last_status = soup_message_get_status(msg);
    if (!SOUP_STATUS_IS_SUCCESSFUL(c->last_status)) {
        gsize len = 0;
        const char *data;

        if (in != NULL)
            bytes = g_input_stream_read_bytes(in, GH_CTL_ERROR_BODY_MAX, NULL, NULL);
        data = bytes != NULL ? g_bytes_get_data(bytes, &len) : NULL;
        http_set_status_error(c, msg, data, len, error);
        return FALSE;
    }
    if (body != NULL)
        *body = g_steal_pointer(&bytes);
    else
        *stream = g_steal_pointer(&in);
    return TRUE;
}

gboolean
gh_ctl_client_call(GhCtlClient *client, const char *method, const char *path, JsonNode *body,
                   const char *idempotency_key, JsonNode **reply, GError **error)
{
    g_autoptr(SoupMessage) msg = http_new_message(client, method, path, "application/json", error);
    g_autoptr(GBytes) bytes = NULL;

    *reply = NULL;
    if (msg == NULL)
        return FALSE;
    if (body != NULL) {
        g_autofree char *text = json_to_string(body, FALSE);
        gsize len = strlen(text);
        g_autoptr(GBytes) request = g_bytes_new_take(g_steal_pointer(&text), len);
        soup_message_set_request_body_from_bytes(msg, "application/json", request);
    }
    if (idempotency_key != NULL)
        soup_message_headers_replace(soup_message_get_request_headers(msg), "Idempotency-Key", idempotency_key);
    if (!http_send(client, msg, &bytes, NULL, error))
        return FALSE;
    return http_parse_reply(bytes, reply, error);
}

static gboolean
http_check_event_stream(SoupMessage *msg, GError **error)
{
    const char *type = soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL);

    if (type != NULL && g_ascii_strcasecmp(type, "text/event-stream") == 0)
        return TRUE;
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                "unexpected reply from gamehostd: expected an event stream, got '%s'", type ? type : "no type");
    return FALSE;
}

static gboolean
http_read_events(GhCtlClient *c, GInputStream *in, GhCtlSseFunc func, gpointer user_data, GError **error)
{
    g_autoptr(GhCtlSse) sse = gh_ctl_sse_new(func, user_data);
    g_autofree char *buf = g_malloc(GH_CTL_READ_CHUNK);
    g_autoptr(GError) local = NULL;

    for (;;) {
        gssize n = g_input_stream_read(in, buf, GH_CTL_READ_CHUNK, NULL, &local);

        if (n < 0) {
            http_set_transport_error(c, local, error);
            return FALSE;
        }
        if (n == 0) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_CONNECT, "gamehostd at %s ended the event stream",
                        c->shown_url);
            return FALSE;
        }
        if (!gh_ctl_sse_feed(sse, buf, n, &local)) {
            if (local == NULL)
                return TRUE;    /* the callback asked to stop */
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
    }
}

gboolean
gh_ctl_client_follow(GhCtlClient *client, const char *path, GhCtlSseFunc func, gpointer user_data,
                     GError **error)
{
    g_autoptr(SoupMessage) msg = http_new_message(client, "GET", path, "text/event-stream", error);
    g_autoptr(GInputStream) in = NULL;

    if (msg == NULL || !http_send(client, msg, NULL, &in, error) || !http_check_event_stream(msg, error))
        return FALSE;
    return http_read_events(client, in, func, user_data, error);
}

gboolean
gh_ctl_client_get_bytes(GhCtlClient *client, const char *path, const char *accept, GBytes **body,
                        GError **error)
{
    g_autoptr(SoupMessage) msg = http_new_message(client, "GET", path, accept, error);
    g_autoptr(GBytes) bytes = NULL;
    const char *type;

    *body = NULL;
    if (msg == NULL || !http_send(client, msg, &bytes, NULL, error))
        return FALSE;
    type = soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL);
    if (type == NULL || g_ascii_strcasecmp(type, accept) != 0) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "unexpected reply from gamehostd: expected %s, got '%s'",
                    accept, type ? type : "no type");
        return FALSE;
    }
    *body = g_steal_pointer(&bytes);
    return TRUE;
}
