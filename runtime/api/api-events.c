/* api-events: GET /v1/events, session lifecycle as server-sent events.  Each
 * client is a paused chunked response; an event appends a chunk to every
 * client and unpauses it.  Clients that go away are noticed when a write
 * fails (at the latest at the next keepalive) and dropped on "finished". */
#include <string.h>
#include "api-private.h"

#define GH_API_SSE_RETRY_MS 2000
#define GH_API_SSE_KEEPALIVE_S 15

typedef struct {
    GhApi *api;
    SoupServerMessage *msg;      /* owned reference */
    gulong finished_handler;
} GhApiSseClient;

static void
api_sse_client_free(GhApiSseClient *client)
{
    g_signal_handler_disconnect(client->msg, client->finished_handler);
    g_object_unref(client->msg);
    g_free(client);
}

static void
api_sse_send(GhApiSseClient *client, const char *text)
{
    soup_message_body_append(soup_server_message_get_response_body(client->msg),
                             SOUP_MEMORY_COPY, text, strlen(text));
    soup_server_message_unpause(client->msg);
}

static void
api_sse_broadcast(GhApi *api, const char *text)
{
    /* "finished" may fire from inside libsoup while a chunk is handed over,
     * so walk a snapshot of the list. */
    g_autoptr(GPtrArray) snapshot = g_ptr_array_copy(api->sse_clients, NULL, NULL);

    for (guint i = 0; i < snapshot->len; i++)
        api_sse_send(g_ptr_array_index(snapshot, i), text);
}

static gboolean
api_sse_keepalive(gpointer user_data)
{
    api_sse_broadcast(user_data, ": keepalive\n\n");
    return G_SOURCE_CONTINUE;
}

static void
api_sse_start_keepalive(GhApi *api)
{
    if (api->keepalive)
        return;
    api->keepalive = g_timeout_source_new_seconds(GH_API_SSE_KEEPALIVE_S);
    g_source_set_callback(api->keepalive, api_sse_keepalive, api, NULL);
    g_source_attach(api->keepalive, api->context);
}

static void
api_sse_stop_keepalive(GhApi *api)
{
    if (!api->keepalive)
        return;
    g_source_destroy(api->keepalive);
    g_clear_pointer(&api->keepalive, g_source_unref);
}

static void
api_sse_on_finished(SoupServerMessage *msg, gpointer user_data)
{
    GhApiSseClient *client = user_data;
    GhApi *api = client->api;

    g_ptr_array_remove(api->sse_clients, client);
    api_sse_client_free(client);
    if (api->sse_clients->len == 0)
        api_sse_stop_keepalive(api);
}

void
gh_api_handle_events(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);
    GhApiSseClient *client = g_new0(GhApiSseClient, 1);
    g_autofree char *hello = g_strdup_printf("retry: %d\n\n", GH_API_SSE_RETRY_MS);

    soup_message_headers_set_content_type(h, "text/event-stream", NULL);
    soup_message_headers_replace(h, "Cache-Control", "no-store");
    soup_message_headers_set_encoding(h, SOUP_ENCODING_CHUNKED);
    /* Written chunks are freed, not kept for the life of the stream. */
    soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
    gh_api_set_status(api, msg, SOUP_STATUS_OK);

    client->api = api;
    client->msg = g_object_ref(msg);
    client->finished_handler = g_signal_connect(msg, "finished", G_CALLBACK(api_sse_on_finished), client);
    g_ptr_array_add(api->sse_clients, client);
    api_sse_start_keepalive(api);
    api_sse_send(client, hello);
}

static char *
api_event_text(GhApi *api, const GhSession *session, GhSessionState previous)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *data = NULL;
    gboolean created = previous == session->state;   /* the manager's convention */

    json_builder_begin_object(b);
    gh_json_add_string(b, "type", created ? "session.created" : "session.state");
    if (!created) {
        gh_json_add_string(b, "previous", gh_session_state_to_string(previous));
    }
    gh_json_add_node(b, "session", gh_api_session_json(api, session));
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    data = gh_api_json_to_string(node);     /* compact: never contains a newline */
    return g_strdup_printf("id: %" G_GUINT64_FORMAT "\nevent: session\ndata: %s\n\n",
                           ++api->event_seq, data);
}

void
gh_api_events_publish(GhApi *api, const GhSession *session, GhSessionState previous)
{
    g_autofree char *text = NULL;

    if (api->sse_clients->len == 0) {
        api->event_seq++;       /* ids stay a global sequence, listened to or not */
        return;
    }
    text = api_event_text(api, session, previous);
    api_sse_broadcast(api, text);
}

/* "session.worker": a session's plugin worker died (restarted or not:
 * the session inside says, and a state event follows when it fails). */
void
gh_api_events_publish_crash(GhApi *api, const GhSession *session, const GhSessionCrash *crash, guint64 count)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *data = NULL;
    g_autofree char *text = NULL;

    if (api->sse_clients->len == 0) {
        api->event_seq++;
        return;
    }
    json_builder_begin_object(b);
    gh_json_add_string(b, "type", "session.worker");
    gh_json_add_node(b, "crash", gh_session_crash_json(crash));
    gh_json_add_int(b, "crashes", (gint64)count);
    gh_json_add_node(b, "session", gh_api_session_json(api, session));
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    data = gh_api_json_to_string(node);
    text = g_strdup_printf("id: %" G_GUINT64_FORMAT "\nevent: session\ndata: %s\n\n", ++api->event_seq, data);
    api_sse_broadcast(api, text);
}

void
gh_api_events_close_all(GhApi *api)
{
    api_sse_stop_keepalive(api);
    /* End each stream properly so clients see a clean close, not a reset. */
    while (api->sse_clients && api->sse_clients->len) {
        GhApiSseClient *client = g_ptr_array_steal_index(api->sse_clients, api->sse_clients->len - 1);

        soup_message_body_complete(soup_server_message_get_response_body(client->msg));
        soup_server_message_unpause(client->msg);
        api_sse_client_free(client);
    }
}
