/* api-sessions: create, list, show and stop sessions.  The manager does the
 * work asynchronously; these handlers validate, call it and answer at once.
 * Create also takes the session's capture, stream and input backends, and
 * answers with the session's player token (docs/player.md), which
 * POST /v1/sessions/{id}/player-token replaces. */
#include <string.h>
#include "api-private.h"

#define GH_API_MAX_LABELS 32
#define GH_API_MAX_LABEL_KEY 63
#define GH_API_MAX_LABEL_VALUE 255
#define GH_API_MAX_IDEMPOTENCY_KEY 255
#define GH_API_MAX_OPTIONS 32
#define GH_API_MAX_OPTION_VALUE 1024

/* Named in DESIGN's API but not served by this version: refused by name so an
 * orchestrator learns the host's limits instead of silently losing a field. */
static const char *const api_unsupported_fields[] = { NULL };

static const char *const api_create_fields[] = {
    "image", "labels", "gpu", "capture", "stream", "input", "audio", "player", NULL,
};

/* One backend choice: "capture": "capture.screenshot", or
 * "capture": {"backend": "capture.screenshot", "options": {"k": "v"}}. */
typedef struct {
    const char *backend;         /* borrowed; NULL = let the host choose */
    GHashTable *options;         /* owned; NULL when none were given */
} GhApiBackendChoice;

/* The fields, in the order the idempotency hash lists them. */
enum { GH_API_CHOICE_CAPTURE, GH_API_CHOICE_STREAM, GH_API_CHOICE_INPUT, GH_API_CHOICE_AUDIO };
static const char *const api_choice_fields[] = { "capture", "stream", "input", "audio" };

/* What these endpoints make of an error that means otherwise elsewhere; the
 * rest is api-respond.c's map.  A backend error here is a bad choice in the
 * request (unknown, or of the wrong kind), not a backend that failed. */
static const GhApiErrorMap api_session_errors[] = {
    GH_API_ERROR_MAP(gh_session_error_quark, GH_SESSION_ERROR_BACKEND, SOUP_STATUS_BAD_REQUEST, "invalid_backend"),
    GH_API_ERROR_MAP_END,
};

typedef struct {
    const char *image;           /* borrowed from the parsed body */
    GHashTable *labels;          /* owned; NULL when absent */
    gboolean want_gpu;           /* a "gpu" object was given */
    gboolean gpu_required;
    const char *gpu_alias;       /* borrowed; NULL = any */
    guint16 gpu_vendor;          /* 0 = any */
    GhApiBackendChoice choices[G_N_ELEMENTS(api_choice_fields)];
    GHashTable *backend_options; /* owned: backend name → options, for the manager */
    guint player_ttl_s;          /* 0: [api] player_token_ttl */
} GhApiCreateRequest;

static void
api_create_request_clear(GhApiCreateRequest *req)
{
    g_clear_pointer(&req->labels, g_hash_table_unref);
    for (gsize i = 0; i < G_N_ELEMENTS(req->choices); i++)
        g_clear_pointer(&req->choices[i].options, g_hash_table_unref);
    g_clear_pointer(&req->backend_options, g_hash_table_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GhApiCreateRequest, api_create_request_clear)

JsonNode *
gh_api_session_json(GhApi *api, const GhSession *session)
{
    return gh_session_manager_session_json(api->sessions, session);
}

static void
api_respond_session(GhApi *api, SoupServerMessage *msg, guint status, const GhSession *session)
{
    g_autoptr(JsonNode) node = gh_api_session_json(api, session);

    gh_api_respond_json(api, msg, status, node);
}

/* ---- request validation: each returns FALSE after answering ---------------- */

static gboolean
api_idempotency_key_is_valid(const char *key)
{
    gsize len = strlen(key);

    if (len < 1 || len > GH_API_MAX_IDEMPOTENCY_KEY)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isprint(key[i]))
            return FALSE;
    return TRUE;
}

static gboolean
api_check_idempotency_key(GhApi *api, SoupServerMessage *msg, const char **key)
{
    *key = soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Idempotency-Key");
    if (!*key || api_idempotency_key_is_valid(*key))
        return TRUE;
    gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                         "Idempotency-Key must be 1 to %d printable ASCII characters",
                         GH_API_MAX_IDEMPOTENCY_KEY);
    return FALSE;
}

static gboolean
api_label_key_is_valid(const char *key)
{
    gsize len = strlen(key);

    if (len < 1 || len > GH_API_MAX_LABEL_KEY)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isalnum(key[i]) && !strchr("_.-/", key[i]))
            return FALSE;
    return TRUE;
}

static gboolean
api_parse_labels(GhApi *api, SoupServerMessage *msg, JsonNode *node, GHashTable **out)
{
    g_autoptr(GHashTable) labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GList) members = NULL;
    JsonObject *obj;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "field 'labels' must be an object of strings");
        return FALSE;
    }
    obj = json_node_get_object(node);
    if (json_object_get_size(obj) > GH_API_MAX_LABELS) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "field 'labels' has more than %d labels", GH_API_MAX_LABELS);
        return FALSE;
    }
    members = json_object_get_members(obj);
    for (GList *m = members; m; m = m->next) {
        JsonNode *v = json_object_get_member(obj, m->data);
        const char *value = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING
                            ? json_node_get_string(v) : NULL;

        if (!api_label_key_is_valid(m->data)) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "label key '%s' must match [a-zA-Z0-9_.-/]{1,63}", (char *) m->data);
            return FALSE;
        }
        if (!value || strlen(value) > GH_API_MAX_LABEL_VALUE) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "field 'labels.%s' must be a string of at most %d bytes",
                                 (char *) m->data, GH_API_MAX_LABEL_VALUE);
            return FALSE;
        }
        g_hash_table_insert(labels, g_strdup(m->data), g_strdup(value));
    }
    *out = g_steal_pointer(&labels);
    return TRUE;
}

static gboolean
api_check_fields(GhApi *api, SoupServerMessage *msg, JsonObject *obj)
{
    g_autoptr(GList) members = json_object_get_members(obj);

    for (GList *m = members; m; m = m->next) {
        const char *name = m->data;

        if (g_strv_contains(api_unsupported_fields, name)) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "unsupported",
                                 "field '%s' is not supported by this host yet", name);
            return FALSE;
        }
        if (!g_strv_contains(api_create_fields, name)) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "unknown field '%s'", name);
            return FALSE;
        }
    }
    return TRUE;
}

/* "gpu": {"alias": "l4", "vendor": "10de", "required": true}, every member
 * optional; required defaults to true. */
static gboolean
api_parse_gpu(GhApi *api, SoupServerMessage *msg, JsonNode *node, GhApiCreateRequest *req)
{
    g_autoptr(GList) members = NULL;
    JsonObject *obj;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "field 'gpu' must be an object");
        return FALSE;
    }
    obj = json_node_get_object(node);
    members = json_object_get_members(obj);
    req->gpu_required = TRUE; /* asking for a GPU means needing one, unless told otherwise */
    for (GList *m = members; m; m = m->next) {
        const char *name = m->data;
        JsonNode *v = json_object_get_member(obj, name);
        gboolean is_string = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING;
        guint64 vendor = 0;

        if (strcmp(name, "required") == 0 && JSON_NODE_HOLDS_VALUE(v) &&
            json_node_get_value_type(v) == G_TYPE_BOOLEAN) {
            req->gpu_required = json_node_get_boolean(v);
        } else if (strcmp(name, "alias") == 0 && is_string &&
                   g_regex_match_simple("^[a-z0-9][a-z0-9._-]{0,31}$", json_node_get_string(v), 0, 0)) {
            req->gpu_alias = json_node_get_string(v);
        } else if (strcmp(name, "vendor") == 0 && is_string && strlen(json_node_get_string(v)) == 4 &&
                   g_ascii_string_to_unsigned(json_node_get_string(v), 16, 1, 0xffff, &vendor, NULL)) {
            req->gpu_vendor = vendor;
        } else {
            static const char *const why[] = { "required", "a boolean", "alias", "an alias ([a-z0-9][a-z0-9._-]{0,31})",
                                               "vendor", "a PCI vendor id of 4 hex digits" };
            for (gsize i = 0; i < G_N_ELEMENTS(why); i += 2)
                if (strcmp(name, why[i]) == 0) {
                    gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                         "field 'gpu.%s' must be %s", name, why[i + 1]);
                    return FALSE;
                }
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "unknown field 'gpu.%s'", name);
            return FALSE;
        }
    }
    req->want_gpu = TRUE;
    return TRUE;
}

static gboolean
api_is_string(JsonNode *node)
{
    return node && JSON_NODE_HOLDS_VALUE(node) && json_node_get_value_type(node) == G_TYPE_STRING;
}

/* Backend names are checked here only for shape, so that no hostile text
 * reaches a message; whether one exists is the manager's answer. */
static gboolean
api_backend_name_is_valid(const char *name)
{
    return g_regex_match_simple("^[a-z0-9][a-z0-9._-]{0,63}$", name, 0, 0);
}

static gboolean
api_option_key_is_valid(const char *key)
{
    return g_regex_match_simple("^[a-z0-9_.-]{1,63}$", key, 0, 0);
}

static gboolean
api_parse_options(GhApi *api, SoupServerMessage *msg, const char *field, JsonNode *node, GHashTable **out)
{
    g_autoptr(GHashTable) options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GList) members = NULL;
    JsonObject *obj;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "field '%s.options' must be an object of strings", field);
        return FALSE;
    }
    obj = json_node_get_object(node);
    if (json_object_get_size(obj) > GH_API_MAX_OPTIONS) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "field '%s.options' has more than %d options", field, GH_API_MAX_OPTIONS);
        return FALSE;
    }
    members = json_object_get_members(obj);
    for (GList *m = members; m; m = m->next) {
        JsonNode *v = json_object_get_member(obj, m->data);

        if (!api_option_key_is_valid(m->data)) {
            g_autofree char *shown = g_strescape(m->data, NULL);
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "option key '%.63s' in field '%s.options' must match [a-z0-9_.-]{1,63}",
                                 shown, field);
            return FALSE;
        }
        if (!api_is_string(v) || strlen(json_node_get_string(v)) > GH_API_MAX_OPTION_VALUE) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "field '%s.options.%s' must be a string of at most %d bytes", field,
                                 (char *) m->data, GH_API_MAX_OPTION_VALUE);
            return FALSE;
        }
        g_hash_table_insert(options, g_strdup(m->data), g_strdup(json_node_get_string(v)));
    }
    *out = g_steal_pointer(&options);
    return TRUE;
}

static gboolean
api_parse_choice(GhApi *api, SoupServerMessage *msg, const char *field, JsonNode *node,
                 GhApiBackendChoice *choice)
{
    g_autoptr(GList) members = NULL;
    JsonObject *obj;
    JsonNode *backend;

    if (api_is_string(node)) {
        if (!api_backend_name_is_valid(json_node_get_string(node))) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "field '%s' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})", field);
            return FALSE;
        }
        choice->backend = json_node_get_string(node);
        return TRUE;
    }
    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "field '%s' must be a backend name or an object {\"backend\", \"options\"}", field);
        return FALSE;
    }
    obj = json_node_get_object(node);
    members = json_object_get_members(obj);
    for (GList *m = members; m; m = m->next) {
        if (strcmp(m->data, "backend") != 0 && strcmp(m->data, "options") != 0) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "unknown field '%s.%s'",
                                 field, (char *) m->data);
            return FALSE;
        }
    }
    backend = json_object_get_member(obj, "backend");
    if (!backend || !api_is_string(backend) || !api_backend_name_is_valid(json_node_get_string(backend))) {
        if (!backend)
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "field '%s.backend' is required", field);
        else
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                                 "field '%s.backend' must be a backend name ([a-z0-9][a-z0-9._-]{0,63})", field);
        return FALSE;
    }
    choice->backend = json_node_get_string(backend);
    if (json_object_has_member(obj, "options") &&
        !api_parse_options(api, msg, field, json_object_get_member(obj, "options"), &choice->options))
        return FALSE;
    return TRUE;
}

static gboolean
api_parse_choices(GhApi *api, SoupServerMessage *msg, JsonObject *obj, GhApiCreateRequest *req)
{
    for (gsize i = 0; i < G_N_ELEMENTS(api_choice_fields); i++) {
        const char *field = api_choice_fields[i];
        GhApiBackendChoice *c = &req->choices[i];

        if (!json_object_has_member(obj, field))
            continue;
        if (!api_parse_choice(api, msg, field, json_object_get_member(obj, field), c))
            return FALSE;
        if (c->options) {
            if (!req->backend_options)
                req->backend_options = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                             (GDestroyNotify) g_hash_table_unref);
            g_hash_table_replace(req->backend_options, (gpointer) c->backend, g_hash_table_ref(c->options));
        }
    }
    return TRUE;
}

/* {"ttl_s": N}, 1 <= N <= [api] player_token_ttl; field names the object
 * ("player" in a create body, "" for the player-token body). */
static gboolean
api_parse_player(GhApi *api, SoupServerMessage *msg, const char *field, JsonNode *node, guint *ttl_s)
{
    g_autoptr(GList) members = NULL;
    const char *dot = *field ? "." : "";
    JsonObject *obj;
    JsonNode *ttl;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "field '%s' must be an object",
                             *field ? field : "body");
        return FALSE;
    }
    obj = json_node_get_object(node);
    members = json_object_get_members(obj);
    for (GList *m = members; m; m = m->next)
        if (strcmp(m->data, "ttl_s") != 0) {
            gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request", "unknown field '%s%s%s'",
                                 field, dot, (char *)m->data);
            return FALSE;
        }
    ttl = json_object_get_member(obj, "ttl_s");
    if (!ttl)
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(ttl) || json_node_get_value_type(ttl) != G_TYPE_INT64 ||
        json_node_get_int(ttl) < 1 || json_node_get_int(ttl) > (gint64)api->config->player_token_ttl) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "field '%s%sttl_s' must be an integer from 1 to %u (seconds)", field, dot,
                             api->config->player_token_ttl);
        return FALSE;
    }
    *ttl_s = (guint)json_node_get_int(ttl);
    return TRUE;
}

static gboolean
api_parse_create(GhApi *api, SoupServerMessage *msg, JsonNode *root, GhApiCreateRequest *req)
{
    JsonObject *obj;
    JsonNode *image, *labels;

    if (!JSON_NODE_HOLDS_OBJECT(root)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "request body must be a JSON object");
        return FALSE;
    }
    obj = json_node_get_object(root);
    if (!api_check_fields(api, msg, obj))
        return FALSE;
    image = json_object_get_member(obj, "image");
    if (!image || !JSON_NODE_HOLDS_VALUE(image) || json_node_get_value_type(image) != G_TYPE_STRING) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             image ? "field 'image' must be a string" : "field 'image' is required");
        return FALSE;
    }
    req->image = json_node_get_string(image);
    labels = json_object_get_member(obj, "labels");
    if (labels && !api_parse_labels(api, msg, labels, &req->labels))
        return FALSE;
    if (json_object_has_member(obj, "gpu") && !api_parse_gpu(api, msg, json_object_get_member(obj, "gpu"), req))
        return FALSE;
    if (!api_parse_choices(api, msg, obj, req))
        return FALSE;
    if (json_object_has_member(obj, "player") &&
        !api_parse_player(api, msg, "player", json_object_get_member(obj, "player"), &req->player_ttl_s))
        return FALSE;
    if (!gh_image_id_is_valid(req->image) || !gh_catalog_lookup(api->catalog, req->image)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "unknown_image",
                             "unknown image '%s'", req->image);
        return FALSE;
    }
    return TRUE;
}

/* ---- create ----------------------------------------------------------------- */

/* {"token","expires_at","url"} of a fresh token for the session, or NULL
 * with the manager's error. */
static JsonObject *
api_mint_player(GhApi *api, const char *id, guint ttl_s, GError **error)
{
    gint64 expires_at = 0;
    g_autofree char *token = gh_session_manager_mint_player_token(api->sessions, id, ttl_s, &expires_at, error);
    g_autofree char *url = NULL;
    g_autofree char *when = NULL;
    g_autoptr(GDateTime) at = NULL;
    JsonObject *player;

    if (!token)
        return NULL;
    /* The old token is revoked: its players go too (an orchestrator
     * re-mints to take the seat away). */
    gh_api_signal_player_link_replaced(api, id);
    at = g_date_time_new_from_unix_utc(expires_at / G_USEC_PER_SEC);
    when = g_date_time_format(at, "%Y-%m-%dT%H:%M:%SZ");
    url = gh_api_player_url(id, token);
    player = json_object_new();
    json_object_set_string_member(player, "token", token);
    json_object_set_string_member(player, "expires_at", when);
    json_object_set_string_member(player, "url", url);
    explicit_bzero(token, strlen(token));
    return player;
}

/* The session as created, with its player token: the only answer that
 * carries one.  A replayed create mints a new token (the first answer's is
 * revoked): only the digest was kept, and the retrying caller needs one.
 * An ended session has none (player: null). */
static void
api_respond_session_with_player(GhApi *api, SoupServerMessage *msg, guint status, const GhSession *session,
                                guint ttl_s)
{
    g_autoptr(JsonNode) node = gh_api_session_json(api, session);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = g_strdup(session->id);
    JsonObject *player = api_mint_player(api, id, ttl_s, &error);

    if (!player && !g_error_matches(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING)) {
        gh_api_respond_gerror(api, msg, api_session_errors, error);
        return;
    }
    if (player)
        json_object_set_object_member(json_node_get_object(node), "player", player);
    else
        json_object_set_null_member(json_node_get_object(node), "player");
    gh_api_respond_json(api, msg, status, node);
}

void
gh_api_handle_player_token(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autoptr(GError) error = NULL;
    SoupMessageBody *body = soup_server_message_get_request_body(msg);
    guint ttl_s = 0;
    JsonObject *player;

    if (!gh_session_manager_lookup(api->sessions, arg)) {
        gh_api_respond_no_session(api, msg);
        return;
    }
    /* The body is optional: {"ttl_s": N}. */
    if (body->length > 0 && (!gh_api_check_content_type(api, msg) || !(root = gh_api_parse_body(api, msg)) ||
                             !api_parse_player(api, msg, "", root, &ttl_s)))
        return;
    if (!(player = api_mint_player(api, arg, ttl_s, &error))) {
        gh_api_respond_gerror(api, msg, api_session_errors, error);
        return;
    }
    node = json_node_init_object(json_node_alloc(), player);
    json_object_unref(player);
    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}

/* Member name: an object of table's strings, sorted by key. */
static void
api_add_sorted_strings(JsonBuilder *b, const char *name, GHashTable *table)
{
    g_autoptr(GList) keys = table ? g_hash_table_get_keys(table) : NULL;

    keys = g_list_sort(keys, (GCompareFunc) strcmp);
    gh_json_begin_object(b, name);
    for (GList *k = keys; k; k = k->next) {
        gh_json_add_string(b, k->data, g_hash_table_lookup(table, k->data));
    }
    json_builder_end_object(b);
}

/* SHA-256 of the request in a canonical form (labels and options sorted by
 * key), so the same create sent twice with reordered labels is still the
 * same request.  Members absent from the request are absent here too, which
 * keeps the hashes of requests made before backend choices existed. */
static char *
api_request_hash(const GhApiCreateRequest *req)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *canonical = NULL;

    json_builder_begin_object(b);
    gh_json_add_string(b, "image", req->image);
    api_add_sorted_strings(b, "labels", req->labels);
    if (req->want_gpu) {
        gh_json_begin_object(b, "gpu");
        gh_json_add_string(b, "alias", req->gpu_alias);
        gh_json_add_int(b, "vendor", req->gpu_vendor);
        gh_json_add_bool(b, "required", req->gpu_required);
        json_builder_end_object(b);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(api_choice_fields); i++) {
        if (!req->choices[i].backend)
            continue;
        gh_json_begin_object(b, api_choice_fields[i]);
        gh_json_add_string(b, "backend", req->choices[i].backend);
        api_add_sorted_strings(b, "options", req->choices[i].options);
        json_builder_end_object(b);
    }
    if (req->player_ttl_s) {
        gh_json_begin_object(b, "player");
        gh_json_add_int(b, "ttl_s", req->player_ttl_s);
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    canonical = gh_api_json_to_string(node);
    return g_compute_checksum_for_string(G_CHECKSUM_SHA256, canonical, -1);
}

void
gh_api_handle_sessions_create(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_auto(GhApiCreateRequest) req = { 0 };
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *hash = NULL;
    g_autofree char *location = NULL;
    const char *key;
    const GhSession *session;
    gboolean replayed = FALSE;
    SoupMessageHeaders *out = soup_server_message_get_response_headers(msg);

    if (!gh_api_check_content_type(api, msg) || !api_check_idempotency_key(api, msg, &key))
        return;
    if (!(root = gh_api_parse_body(api, msg)) || !api_parse_create(api, msg, root, &req))
        return;

    hash = api_request_hash(&req);
    session = gh_session_manager_create(api->sessions,
                                        &(GhSessionRequest) {
                                            .image_id = req.image,
                                            .labels = req.labels,
                                            .idempotency_key = key,
                                            .request_hash = hash,
                                            .want_gpu = req.want_gpu,
                                            .gpu_required = req.gpu_required,
                                            .gpu = { .alias = req.gpu_alias, .vendor = req.gpu_vendor },
                                            .capture = req.choices[GH_API_CHOICE_CAPTURE].backend,
                                            .stream = req.choices[GH_API_CHOICE_STREAM].backend,
                                            .input = req.choices[GH_API_CHOICE_INPUT].backend,
                                            .audio = req.choices[GH_API_CHOICE_AUDIO].backend,
                                            .backend_options = req.backend_options,
                                        },
                                        &replayed, &error);
    if (!session) {
        gh_api_respond_gerror(api, msg, api_session_errors, error);
        return;
    }
    location = g_strdup_printf("/v1/sessions/%s", session->id);
    soup_message_headers_replace(out, "Location", location);
    if (replayed)
        soup_message_headers_replace(out, "Idempotent-Replayed", "true");
    api_respond_session_with_player(api, msg, SOUP_STATUS_CREATED, session, req.player_ttl_s);
}

/* ---- list, show, stop --------------------------------------------------------- */

void
gh_api_handle_sessions_list(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    const char *filter = query ? g_hash_table_lookup(query, "state") : NULL;
    GhSessionState state = GH_SESSION_STARTING;
    g_autoptr(GPtrArray) sessions = NULL;
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) node = NULL;

    if (filter && !gh_session_state_from_string(filter, &state)) {
        gh_api_respond_error(api, msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
                             "query 'state' must be one of starting, running, stopping, stopped, failed");
        return;
    }
    sessions = gh_session_manager_list(api->sessions);
    json_builder_begin_object(b);
    gh_json_begin_array(b, "sessions");
    for (guint i = 0; i < sessions->len; i++) {
        const GhSession *s = g_ptr_array_index(sessions, i);
        if (!filter || s->state == state)
            json_builder_add_value(b, gh_api_session_json(api, s));
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    node = json_builder_get_root(b);
    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}

void
gh_api_handle_session_show(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    const GhSession *session = gh_session_manager_lookup(api->sessions, arg);

    if (!session) {
        gh_api_respond_no_session(api, msg);
        return;
    }
    api_respond_session(api, msg, SOUP_STATUS_OK, session);
}

void
gh_api_handle_session_delete(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(GError) error = NULL;
    const GhSession *session;

    if (!gh_session_manager_lookup(api->sessions, arg)) {
        gh_api_respond_no_session(api, msg);
        return;
    }
    session = gh_session_manager_stop(api->sessions, arg, &error);
    if (!session) {
        if (g_error_matches(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND))
            gh_api_respond_no_session(api, msg);
        else
            gh_api_respond_gerror(api, msg, api_session_errors, error);
        return;
    }
    /* 202: the stop is under way; 200: there was nothing left to stop. */
    api_respond_session(api, msg,
                        gh_session_state_is_active(session->state) ? SOUP_STATUS_ACCEPTED : SOUP_STATUS_OK,
                        session);
}
