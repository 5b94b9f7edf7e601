/* api-respond: how the API answers, with each response counted in the
 * metrics exactly once; the GError → HTTP map every endpoint shares; and the
 * request checks that answer when they fail. */
#include <string.h>
#include "api-private.h"
#include "plugin/pipeline.h"

/* What an error means to every endpoint.  GH_SESSION_ERROR_BACKEND is left
 * out on purpose: at create it is the caller's bad choice (400
 * invalid_backend), during a session's I/O a backend that failed (502
 * backend_failed), so each of those endpoints maps it in its own table. */
static const GhApiErrorMap api_errors[] = {
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_NOT_FOUND,     SOUP_STATUS_NOT_FOUND, "not_found"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_NOT_RUNNING,   SOUP_STATUS_CONFLICT, "not_running"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_CAPACITY,      SOUP_STATUS_CONFLICT,
                     "capacity_exhausted"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_DRAINING,      SOUP_STATUS_SERVICE_UNAVAILABLE,
                     "draining"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_UNKNOWN_IMAGE, SOUP_STATUS_BAD_REQUEST,
                     "unknown_image"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_IDEMPOTENCY,   SOUP_STATUS_UNPROCESSABLE_ENTITY,
                     "idempotency_key_reused"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_UNSUPPORTED,   SOUP_STATUS_CONFLICT, "unsupported"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_NO_GPU,        SOUP_STATUS_CONFLICT, "no_gpu"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_NO_STREAM,     SOUP_STATUS_CONFLICT, "no_stream"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_TOO_MANY_VIEWERS, SOUP_STATUS_SERVICE_UNAVAILABLE,
                     "too_many_viewers"),
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_STARTING,      SOUP_STATUS_SERVICE_UNAVAILABLE,
                     "starting"),
    GH_API_ERROR_MAP(gh_pipeline_error_quark, GH_PIPELINE_ERROR_NO_CAPTURE,  SOUP_STATUS_CONFLICT, "no_capture"),
    GH_API_ERROR_MAP(gh_pipeline_error_quark, GH_PIPELINE_ERROR_NO_INPUT,    SOUP_STATUS_CONFLICT, "no_input"),
    GH_API_ERROR_MAP(gh_pipeline_error_quark, GH_PIPELINE_ERROR_BACKEND,     SOUP_STATUS_BAD_GATEWAY,
                     "backend_failed"),
    GH_API_ERROR_MAP(gh_pipeline_error_quark, GH_PIPELINE_ERROR_FAILED,      SOUP_STATUS_BAD_GATEWAY,
                     "backend_failed"),
    /* A frame that never came. */
    GH_API_ERROR_MAP(g_io_error_quark,        G_IO_ERROR_TIMED_OUT,          SOUP_STATUS_GATEWAY_TIMEOUT, "timeout"),
    GH_API_ERROR_MAP_END,
};

/* ---- responses -------------------------------------------------------------- */

char *
gh_api_json_to_string(JsonNode *node)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();

    json_generator_set_root(gen, node);
    return json_generator_to_data(gen, NULL);
}

void
gh_api_count_status(GhApi *api, SoupServerMessage *msg)
{
    gh_metrics_count_request(api->metrics, soup_server_message_get_status(msg));
}

void
gh_api_set_status(GhApi *api, SoupServerMessage *msg, guint status)
{
    soup_server_message_set_status(msg, status, NULL);
    gh_metrics_count_request(api->metrics, status);
}

void
gh_api_respond_json(GhApi *api, SoupServerMessage *msg, guint status, JsonNode *node)
{
    char *body = gh_api_json_to_string(node);

    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_TAKE, body, strlen(body));
    gh_api_set_status(api, msg, status);
}

void
gh_api_respond_error(GhApi *api, SoupServerMessage *msg, guint status,
                     const char *code, const char *format, ...)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *message = NULL;
    va_list ap;

    va_start(ap, format);
    message = g_strdup_vprintf(format, ap);
    va_end(ap);

    json_builder_begin_object(b);
    gh_json_begin_object(b, "error");
    gh_json_add_string(b, "code", code);
    gh_json_add_string(b, "message", message);
    json_builder_end_object(b);
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    gh_api_respond_json(api, msg, status, node);
}

void
gh_api_respond_no_session(GhApi *api, SoupServerMessage *msg)
{
    gh_api_respond_error(api, msg, SOUP_STATUS_NOT_FOUND, "not_found", "no session with that id");
}

void
gh_api_set_player_headers(SoupServerMessage *msg, const char *cache_control)
{
    SoupMessageHeaders *h = soup_server_message_get_response_headers(msg);

    soup_message_headers_replace(h, "Cache-Control", cache_control);
    soup_message_headers_replace(h, "Referrer-Policy", "no-referrer");
    soup_message_headers_replace(h, "X-Content-Type-Options", "nosniff");
}

/* The player's own look (player/player.css: black, light text, the message
 * box), inline: a refusal page loads nothing else, not even the player's
 * assets, so it looks the same from any address.  It goes into a printf
 * format, so its % is doubled. */
#define API_HTML_ERROR_STYLE                                                                                       \
    "html,body{margin:0;height:100%%;background:#000;color:#e8e8e8;font:14px/1.4 system-ui,sans-serif}"            \
    "body{display:flex;align-items:center;justify-content:center}"                                                 \
    ".box{max-width:36em;padding:24px 32px;text-align:center}"                                                     \
    "h1{font-size:24px;margin:0 0 12px}p{margin:0;color:#c8c8c8;word-wrap:break-word}"

void
gh_api_respond_html_error(GhApi *api, SoupServerMessage *msg, guint status, const char *title,
                          const char *message)
{
    g_autofree char *t = g_markup_escape_text(title, -1);
    g_autofree char *m = g_markup_escape_text(message, -1);
    char *body = g_strdup_printf("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
                                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                                 "<title>%s</title>\n<style>" API_HTML_ERROR_STYLE "</style></head>\n"
                                 "<body>\n<div class=\"box\">\n<h1>%s</h1>\n<p>%s</p>\n</div>\n</body>\n</html>\n",
                                 t, t, m);

    gh_api_set_player_headers(msg, "no-store");
    soup_server_message_set_response(msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, body, strlen(body));
    gh_api_set_status(api, msg, status);
}

/* ---- GError → HTTP ------------------------------------------------------------ */

static const GhApiErrorMap *
api_error_map_find(const GhApiErrorMap *map, const GError *error)
{
    for (const GhApiErrorMap *e = map; e && e->domain; e++)
        if (g_error_matches(error, e->domain(), e->code))
            return e;
    return NULL;
}

const GhApiErrorMap *
gh_api_error_map_lookup(const GhApiErrorMap *own, const GError *error)
{
    const GhApiErrorMap *e = api_error_map_find(own, error);

    return e ? e : api_error_map_find(api_errors, error);
}

void
gh_api_respond_gerror(GhApi *api, SoupServerMessage *msg, const GhApiErrorMap *own, const GError *error)
{
    const GhApiErrorMap *e = gh_api_error_map_lookup(own, error);

    if (e) {
        gh_api_respond_error(api, msg, e->status, e->api_code, "%s", error->message);
        return;
    }
    /* The path only: a player's query holds its token. */
    g_warning("%s %s failed: %s", soup_server_message_get_method(msg),
              g_uri_get_path(soup_server_message_get_uri(msg)), error->message);
    gh_api_respond_error(api, msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "%s", error->message);
}

/* ---- request checks ------------------------------------------------------------ */

gboolean
gh_api_check_content_type(GhApi *api, SoupServerMessage *msg)
{
    g_autoptr(GHashTable) params = NULL;
    const char *type = soup_message_headers_get_content_type(
        soup_server_message_get_request_headers(msg), &params);
    const char *charset = params ? g_hash_table_lookup(params, "charset") : NULL;

    if (type && g_ascii_strcasecmp(type, "application/json") == 0 &&
        (!charset || g_ascii_strcasecmp(charset, "utf-8") == 0))
        return TRUE;
    gh_api_respond_error(api, msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                         "request body must be application/json (UTF-8)");
    return FALSE;
}

JsonNode *
gh_api_parse_body(GhApi *api, SoupServerMessage *msg)
{
    g_autoptr(GBytes) bytes = soup_message_body_flatten(soup_server_message_get_request_body(msg));
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) error = NULL;
    gsize len;
    const char *data = g_bytes_get_data(bytes, &len);

    if (!json_parser_load_from_data(parser, data ? data : "", (gssize) len, &error)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_json", "%s", error->message);
        return NULL;
    }
    if (!json_parser_get_root(parser)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_json", "request body is empty");
        return NULL;
    }
    return json_node_ref(json_parser_get_root(parser));
}
