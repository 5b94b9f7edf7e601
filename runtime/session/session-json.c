/* session-json: a session as JSON, both for the API and for the record the
 * store keeps.  Times are RFC 3339 with microseconds, so a record round-trips
 * exactly. */
#include "session.h"
#include "util/json-util.h"
#include "player-token.h"

#include <string.h>

GH_ENUM_IMPL(session_state, GhSessionState, GH_SESSION_STATE_LAST, "unknown",
             "starting", "running", "stopping", "stopped", "failed");

gboolean
gh_session_state_is_active(GhSessionState state)
{
    return state == GH_SESSION_STARTING || state == GH_SESSION_RUNNING || state == GH_SESSION_STOPPING;
}

GhSession *
gh_session_free(GhSession *s)
{
    if (!s)
        return NULL;
    g_free(s->id);
    g_free(s->image_id);
    g_free(s->reason);
    g_free(s->domain_name);
    g_free(s->dir);
    g_free(s->serial_log);
    g_free(s->vnc_socket);
    g_free(s->overlay_path);
    g_clear_pointer(&s->labels, g_hash_table_unref);
    g_free(s->idempotency_key);
    g_free(s->request_hash);
    gh_gpu_assignment_free(s->gpu);
    g_free(s->capture);
    g_free(s->stream);
    g_free(s->input);
    g_free(s->audio);
    g_clear_pointer(&s->backend_options, g_hash_table_unref);
    g_free(s);
    return NULL;
}

void
gh_session_destroy(gpointer session)
{
    gh_session_free(session);
}

/* A string → string table as an object, keys sorted. */
static void
session_json_add_string_table(JsonBuilder *b, GHashTable *table)
{
    g_autoptr(GList) keys = table ? g_hash_table_get_keys(table) : NULL;

    json_builder_begin_object(b);
    keys = g_list_sort(keys, (GCompareFunc)strcmp);
    for (GList *l = keys; l; l = l->next) {
        gh_json_add_string(b, l->data, g_hash_table_lookup(table, l->data));
    }
    json_builder_end_object(b);
}

/* "backends": what was asked for at create (names or null, and options per
 * backend name), so an adopted session rebuilds the same pipeline. */
static void
session_json_add_backends(JsonBuilder *b, const GhSession *s)
{
    g_autoptr(GList) names = s->backend_options ? g_hash_table_get_keys(s->backend_options) : NULL;

    gh_json_begin_object(b, "backends");
    gh_json_add_string(b, "capture", s->capture);
    gh_json_add_string(b, "stream", s->stream);
    gh_json_add_string(b, "input", s->input);
    gh_json_add_string(b, "audio", s->audio);
    gh_json_begin_object(b, "options");
    names = g_list_sort(names, (GCompareFunc)strcmp);
    for (GList *l = names; l; l = l->next) {
        json_builder_set_member_name(b, l->data);
        session_json_add_string_table(b, g_hash_table_lookup(s->backend_options, l->data));
    }
    json_builder_end_object(b);
    json_builder_end_object(b);
}

JsonNode *
gh_session_to_json(const GhSession *s)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GList) keys = s->labels ? g_hash_table_get_keys(s->labels) : NULL;

    json_builder_begin_object(b);
    gh_json_add_string(b, "id", s->id);
    gh_json_add_string(b, "image", s->image_id);
    gh_json_add_string(b, "state", gh_session_state_to_string(s->state));
    gh_json_add_string(b, "reason", s->reason);
    gh_json_add_string(b, "domain", s->domain_name);
    gh_json_add_time(b, "created_at", s->created_at);
    gh_json_add_time(b, "started_at", s->started_at);
    gh_json_add_time(b, "stopped_at", s->stopped_at);
    gh_json_begin_object(b, "labels");
    keys = g_list_sort(keys, (GCompareFunc)strcmp);
    for (GList *l = keys; l; l = l->next) {
        gh_json_add_string(b, l->data, g_hash_table_lookup(s->labels, l->data));
    }
    json_builder_end_object(b);
    gh_json_add_string(b, "dir", s->dir);
    gh_json_add_string(b, "serial_log", s->serial_log);
    gh_json_add_string(b, "vnc_socket", s->vnc_socket);
    gh_json_add_string(b, "overlay", s->overlay_path);
    gh_json_add_string(b, "idempotency_key", s->idempotency_key);
    gh_json_add_string(b, "request_hash", s->request_hash);
    gh_json_add_bool(b, "adopted", s->adopted);
    gh_json_add_bool(b, "stop_requested", s->stop_requested);
    gh_json_add_node(b, "gpu", s->gpu ? gh_gpu_assignment_to_json(s->gpu) : NULL);
    session_json_add_backends(b, s);
    /* The digest only: the record never holds a token that would open the
     * player (gh_session_manager_session_json keeps even this out of the API). */
    json_builder_set_member_name(b, "player_token");
    if (s->has_player_token) {
        g_autofree char *hex = gh_player_token_digest_to_hex(s->player_token_sha256);
        json_builder_begin_object(b);
        gh_json_add_string(b, "sha256", hex);
        gh_json_add_time(b, "expires_at", s->player_token_expires_at);
        json_builder_end_object(b);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* Member as a string; NULL for null or absent.  FALSE when it has another type. */
static gboolean
session_json_get_string(JsonObject *o, const char *name, char **out, gboolean required, GError **error)
{
    JsonNode *n = json_object_get_member(o, name);

    *out = NULL;
    if ((!n || JSON_NODE_HOLDS_NULL(n)) && !required)
        return TRUE;
    if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field '%s' must be a string", name);
        return FALSE;
    }
    *out = g_strdup(json_node_get_string(n));
    return TRUE;
}

static gboolean
session_json_get_time(JsonObject *o, const char *name, gint64 *out, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GDateTime) dt = NULL;

    *out = 0;
    if (!session_json_get_string(o, name, &text, FALSE, error))
        return FALSE;
    if (!text)
        return TRUE;
    dt = g_date_time_new_from_iso8601(text, NULL);
    if (!dt) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field '%s' is not an RFC 3339 time", name);
        return FALSE;
    }
    *out = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
    return TRUE;
}

/* Member as a boolean; FALSE for null or absent.  FALSE (with error) when it
 * has another type: json_object_get_boolean_member_with_default() would
 * g_critical on an object and read a string as FALSE. */
static gboolean
session_json_get_bool(JsonObject *o, const char *name, gboolean *out, GError **error)
{
    JsonNode *n = json_object_get_member(o, name);

    *out = FALSE;
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field '%s' must be a boolean", name);
        return FALSE;
    }
    *out = json_node_get_boolean(n);
    return TRUE;
}

static gboolean
session_json_get_labels(JsonObject *o, GHashTable *labels, GError **error)
{
    JsonNode *n = json_object_get_member(o, "labels");
    g_autoptr(GList) members = NULL;

    if (!n || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'labels' must be an object");
        return FALSE;
    }
    members = json_object_get_members(json_node_get_object(n));
    for (GList *l = members; l; l = l->next) {
        char *value = NULL;
        if (!session_json_get_string(json_node_get_object(n), l->data, &value, TRUE, error))
            return FALSE;
        g_hash_table_insert(labels, g_strdup(l->data), value);
    }
    return TRUE;
}

/* An object of strings into a new table; NULL with the error naming field. */
static GHashTable *
session_json_get_string_table(JsonNode *n, const char *field, GError **error)
{
    g_autoptr(GHashTable) table = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GList) members = NULL;

    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field '%s' must be an object", field);
        return NULL;
    }
    members = json_object_get_members(json_node_get_object(n));
    for (GList *l = members; l; l = l->next) {
        JsonNode *v = json_object_get_member(json_node_get_object(n), l->data);
        if (!JSON_NODE_HOLDS_VALUE(v) || json_node_get_value_type(v) != G_TYPE_STRING) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field '%s.%s' must be a string", field,
                        (const char *)l->data);
            return NULL;
        }
        g_hash_table_insert(table, g_strdup(l->data), g_strdup(json_node_get_string(v)));
    }
    return g_steal_pointer(&table);
}

/* "backends", absent in records written before plugins. */
static gboolean
session_json_get_backends(JsonObject *o, GhSession *s, GError **error)
{
    JsonNode *n = json_object_get_member(o, "backends");
    JsonNode *opts;
    JsonObject *bo;
    g_autoptr(GList) names = NULL;

    if (!n || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'backends' must be an object");
        return FALSE;
    }
    bo = json_node_get_object(n);
    if (!session_json_get_string(bo, "capture", &s->capture, FALSE, error) ||
        !session_json_get_string(bo, "stream", &s->stream, FALSE, error) ||
        !session_json_get_string(bo, "input", &s->input, FALSE, error) ||
        !session_json_get_string(bo, "audio", &s->audio, FALSE, error))
        return FALSE;
    opts = json_object_get_member(bo, "options");
    if (!opts || JSON_NODE_HOLDS_NULL(opts))
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(opts)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'backends.options' must be an object");
        return FALSE;
    }
    s->backend_options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
    names = json_object_get_members(json_node_get_object(opts));
    for (GList *l = names; l; l = l->next) {
        g_autofree char *field = g_strdup_printf("backends.options.%s", (const char *)l->data);
        GHashTable *table = session_json_get_string_table(json_object_get_member(json_node_get_object(opts), l->data),
                                                          field, error);
        if (!table)
            return FALSE;
        g_hash_table_insert(s->backend_options, g_strdup(l->data), table);
    }
    return TRUE;
}

/* "player_token", absent in records written before players. */
static gboolean
session_json_get_player_token(JsonObject *o, GhSession *s, GError **error)
{
    JsonNode *n = json_object_get_member(o, "player_token");
    g_autofree char *hex = NULL;

    if (!n || JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'player_token' must be an object");
        return FALSE;
    }
    if (!session_json_get_string(json_node_get_object(n), "sha256", &hex, TRUE, error) ||
        !session_json_get_time(json_node_get_object(n), "expires_at", &s->player_token_expires_at, error))
        return FALSE;
    if (!gh_player_token_digest_from_hex(hex, s->player_token_sha256)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                    "field 'player_token.sha256' must be 64 lowercase hex digits");
        return FALSE;
    }
    if (s->player_token_expires_at == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'player_token.expires_at' is missing");
        return FALSE;
    }
    s->has_player_token = TRUE;
    return TRUE;
}

GhSession *
gh_session_from_json(JsonNode *node, GError **error)
{
    g_autoptr(GhSession) s = g_new0(GhSession, 1);
    g_autofree char *state = NULL;
    JsonObject *o;

    s->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "session record is not a JSON object");
        return NULL;
    }
    o = json_node_get_object(node);
    if (!session_json_get_string(o, "id", &s->id, TRUE, error) || !session_json_get_string(o, "image", &s->image_id, TRUE, error) ||
        !session_json_get_string(o, "state", &state, TRUE, error) || !session_json_get_string(o, "reason", &s->reason, FALSE, error) ||
        !session_json_get_string(o, "domain", &s->domain_name, TRUE, error) ||
        !session_json_get_string(o, "dir", &s->dir, TRUE, error) ||
        !session_json_get_string(o, "serial_log", &s->serial_log, TRUE, error) ||
        !session_json_get_string(o, "vnc_socket", &s->vnc_socket, FALSE, error) ||
        !session_json_get_string(o, "overlay", &s->overlay_path, FALSE, error) ||
        !session_json_get_string(o, "idempotency_key", &s->idempotency_key, FALSE, error) ||
        !session_json_get_string(o, "request_hash", &s->request_hash, FALSE, error) ||
        !session_json_get_time(o, "created_at", &s->created_at, error) ||
        !session_json_get_time(o, "started_at", &s->started_at, error) ||
        !session_json_get_time(o, "stopped_at", &s->stopped_at, error) || !session_json_get_labels(o, s->labels, error))
        return NULL;
    if (!g_uuid_string_is_valid(s->id)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'id' is not a UUID");
        return NULL;
    }
    if (!gh_session_state_from_string(state, &s->state)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'state' has unknown value '%s'", state);
        return NULL;
    }
    if (s->created_at == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'created_at' is missing");
        return NULL;
    }
    if (!session_json_get_bool(o, "adopted", &s->adopted, error) ||
        !session_json_get_bool(o, "stop_requested", &s->stop_requested, error))
        return NULL;
    JsonNode *gpu = json_object_get_member(o, "gpu");
    if (gpu && !JSON_NODE_HOLDS_NULL(gpu)) {
        g_autoptr(GError) err = NULL;
        s->gpu = gh_gpu_assignment_from_json(gpu, &err);
        if (!s->gpu) {
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "field 'gpu': %s", err->message);
            return NULL;
        }
    }
    if (!session_json_get_backends(o, s, error) || !session_json_get_player_token(o, s, error))
        return NULL;
    return g_steal_pointer(&s);
}
