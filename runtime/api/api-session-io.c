/* api-session-io: what goes into and comes out of a running session: input
 * events (POST /v1/sessions/{id}/input) for its input backend, and its
 * current frame as PNG (GET /v1/sessions/{id}/frame) from its capture
 * backend.  A frame takes a capture, so its request is paused while the
 * pipeline works and answered from the callback on the main loop.
 *
 * Input gets per-event results, as the player's input does (the same path):
 * a malformed request is refused whole, while a well-formed one is delivered
 * event by event and the answer lists the events dropped.  Events are an
 * independent stream, and all-or-nothing would need a dry run that no
 * backend's ops offer. */
#include <string.h>
#include "api-private.h"
#include "util/input-json.h"

/* Long enough for a screenshot of a busy VM under TCG, short enough that an
 * orchestrator's probe learns of a stuck capture. */
#define GH_API_FRAME_TIMEOUT_MS 5000

/* What these endpoints make of an error that means otherwise elsewhere; the
 * rest is api-respond.c's map.  A backend error here is one that failed
 * while serving a running session. */
static const GhApiErrorMap api_io_errors[] = {
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_BACKEND, SOUP_STATUS_BAD_GATEWAY, "backend_failed"),
    GH_API_ERROR_MAP_END,
};

/* The checks the manager would answer with one "backend" error, made here
 * so that each gets its own code: the session runs, and has a backend of
 * kind ("capture", "input").  FALSE after answering. */
static gboolean
api_check_backend(GhApi *api, SoupServerMessage *msg, const GhSession *session, const char *kind)
{
    g_autoptr(JsonNode) node = NULL;
    JsonObject *pipeline = NULL;
    JsonNode *member, *backend;

    if (session->state != GH_SESSION_RUNNING) {
        gh_api_respond_error(api, msg, SOUP_STATUS_CONFLICT, "not_running", "session %s is %s, not running",
                             session->id, gh_session_state_to_string(session->state));
        return FALSE;
    }
    node = gh_api_session_json(api, session);
    member = json_object_get_member(json_node_get_object(node), "pipeline");
    if (member && JSON_NODE_HOLDS_OBJECT(member))
        pipeline = json_node_get_object(member);
    backend = pipeline ? json_object_get_member(pipeline, kind) : NULL;
    if (backend && JSON_NODE_HOLDS_VALUE(backend) && json_node_get_value_type(backend) == G_TYPE_STRING)
        return TRUE;
    gh_api_respond_error(api, msg, SOUP_STATUS_CONFLICT, g_str_equal(kind, "capture") ? "no_capture" : "no_input",
                         "session %s has no %s backend%s", session->id, kind,
                         pipeline ? "" : " (this host loaded no plugins that serve it)");
    return FALSE;
}

/* ---- input ------------------------------------------------------------------ */

/* {"delivered": N, "dropped": [{"index", "reason", "message"}, ...]} */
static JsonNode *
api_input_reply(guint n, GArray *drops)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    gh_json_add_int(b, "delivered", n - drops->len);
    gh_json_begin_array(b, "dropped");
    for (guint i = 0; i < drops->len; i++) {
        const GhPipelineInputDrop *d = &g_array_index(drops, GhPipelineInputDrop, i);

        json_builder_begin_object(b);
        gh_json_add_int(b, "index", d->index);
        gh_json_add_string(b, "reason", gh_input_drop_to_string(d->reason));
        gh_json_add_string(b, "message", d->message);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* One paused POST /input: the session's worker answers it. */
typedef struct {
    GhApi *api;
    SoupServerMessage *msg;
    guint n;
} ApiInputRequest;

static void
api_input_done(gpointer data, GArray *drops, const GError *error)
{
    ApiInputRequest *req = data;
    g_autoptr(JsonNode) reply = NULL;

    if (error) {
        gh_api_respond_gerror(req->api, req->msg, api_io_errors, error);
    } else {
        reply = api_input_reply(req->n, drops);
        gh_api_respond_json(req->api, req->msg, SOUP_STATUS_OK, reply);
    }
    soup_server_message_unpause(req->msg);
    g_object_unref(req->msg);
    g_free(req);
}

void
gh_api_handle_session_input(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GArray) events = NULL;
    g_autoptr(GError) error = NULL;
    ApiInputRequest *req;
    const GhSession *session = gh_session_manager_lookup(api->sessions, arg);
    guint64 now_ns;

    if (!session) {
        gh_api_respond_no_session(api, msg);
        return;
    }
    if (!gh_api_check_content_type(api, msg) || !(root = gh_api_parse_body(api, msg)))
        return;
    if (!gh_input_events_from_json(root, &events, &error)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "%s", error->message);
        return;
    }
    if (!api_check_backend(api, msg, session, "input"))
        return;
    now_ns = (guint64) g_get_monotonic_time() * 1000;
    for (guint i = 0; i < events->len; i++)
        g_array_index(events, gh_input_event, i).timestamp_ns = now_ns;
    req = g_new0(ApiInputRequest, 1);
    req->api = api;
    req->msg = g_object_ref(msg);
    req->n = events->len;
    soup_server_message_pause(msg);
    gh_session_manager_send_input(api->sessions, arg, (const gh_input_event *)events->data, events->len,
                                  api_input_done, req);
}

/* ---- frame ------------------------------------------------------------------ */

/* One paused GET /frame.  It holds a ref on the message so the callback never
 * touches a freed one; gone is set when the client went away (nothing to
 * answer) and api cleared when the API is freed first. */
typedef struct {
    GhApi *api;
    GhSessionManager *sessions;
    SoupServerMessage *msg;
    GCancellable *cancellable;
    gulong finished_id;
    gboolean gone;
} GhApiFrameRequest;

static void
api_frame_request_free(GhApiFrameRequest *req)
{
    if (req->api)
        g_ptr_array_remove_fast(req->api->frame_requests, req);
    g_signal_handler_disconnect(req->msg, req->finished_id);
    g_object_unref(req->msg);
    g_object_unref(req->cancellable);
    g_free(req);
}

static void
api_frame_on_finished(SoupServerMessage *msg, gpointer user_data)
{
    GhApiFrameRequest *req = user_data;

    req->gone = TRUE;
    g_cancellable_cancel(req->cancellable);
}

static void
api_frame_respond_png(GhApi *api, SoupServerMessage *msg, GBytes *png)
{
    SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);

    soup_message_headers_replace(out, "Cache-Control", "no-store");
    soup_message_headers_set_content_type(out, "image/png", NULL);
    soup_message_body_append_bytes(soup_server_message_get_response_body(msg), png);
    gh_api_set_status(api, msg, SOUP_STATUS_OK);
}

static void
api_frame_done(GObject *source, GAsyncResult *result, gpointer user_data)
{
    GhApiFrameRequest *req = user_data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) png = gh_session_manager_frame_png_finish(req->sessions, result, &error);

    if (req->api && !req->gone) {
        if (png)
            api_frame_respond_png(req->api, req->msg, png);
        else
            gh_api_respond_gerror(req->api, req->msg, api_io_errors, error);
        soup_server_message_unpause(req->msg);
    }
    api_frame_request_free(req);
}

void
gh_api_handle_session_frame(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    const GhSession *session = gh_session_manager_lookup(api->sessions, arg);
    GhApiFrameRequest *req;

    if (!session) {
        gh_api_respond_no_session(api, msg);
        return;
    }
    if (!api_check_backend(api, msg, session, "capture"))
        return;
    req = g_new0(GhApiFrameRequest, 1);
    req->api = api;
    req->sessions = api->sessions;
    req->msg = g_object_ref(msg);
    req->cancellable = g_cancellable_new();
    req->finished_id = g_signal_connect(msg, "finished", G_CALLBACK(api_frame_on_finished), req);
    g_ptr_array_add(api->frame_requests, req);
    soup_server_message_pause(msg);
    gh_session_manager_frame_png_async(api->sessions, arg, GH_API_FRAME_TIMEOUT_MS, req->cancellable,
                                       api_frame_done, req);
}

void
gh_api_frames_abandon_all(GhApi *api)
{
    g_autoptr(GPtrArray) pending = g_ptr_array_copy(api->frame_requests, NULL, NULL);

    /* Detach all first: a cancellation may complete a request at once. */
    for (guint i = 0; i < pending->len; i++)
        ((GhApiFrameRequest *) g_ptr_array_index(pending, i))->api = NULL;
    g_ptr_array_set_size(api->frame_requests, 0);
    for (guint i = 0; i < pending->len; i++)
        g_cancellable_cancel(((GhApiFrameRequest *) g_ptr_array_index(pending, i))->cancellable);
}
