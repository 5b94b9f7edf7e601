/* json-util: typed json-glib helpers (json-util.h). */
#include "json-util.h"

void
gh_json_add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

void
gh_json_add_int(JsonBuilder *b, const char *name, gint64 value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, value);
}

void
gh_json_add_bool(JsonBuilder *b, const char *name, gboolean value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_boolean_value(b, value);
}

void
gh_json_add_double(JsonBuilder *b, const char *name, double value)
{
    json_builder_set_member_name(b, name);
    json_builder_add_double_value(b, value);
}

void
gh_json_add_time(JsonBuilder *b, const char *name, gint64 usec)
{
    json_builder_set_member_name(b, name);
    if (usec == 0) {
        json_builder_add_null_value(b);
        return;
    }
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);
    g_autoptr(GDateTime) exact = g_date_time_add(dt, usec % G_USEC_PER_SEC);
    g_autofree char *text = g_date_time_format_iso8601(exact);
    json_builder_add_string_value(b, text);
}

void
gh_json_add_node(JsonBuilder *b, const char *name, JsonNode *node)
{
    json_builder_set_member_name(b, name);
    if (node)
        json_builder_add_value(b, node);
    else
        json_builder_add_null_value(b);
}

void
gh_json_begin_object(JsonBuilder *b, const char *name)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
}

void
gh_json_begin_array(JsonBuilder *b, const char *name)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_array(b);
}

/* ---- reading ------------------------------------------------------------ */

/* Counts brackets outside strings: enough to bound json-glib's recursion,
 * since anything that is not JSON fails in the parser anyway. */
static gboolean
json_util_depth_within(const char *data, gsize len, guint max_depth)
{
    gboolean in_string = FALSE;
    guint depth = 0;

    for (gsize i = 0; i < len; i++) {
        char c = data[i];

        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = FALSE;
        } else if (c == '"') {
            in_string = TRUE;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return FALSE;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return TRUE;
}

JsonNode *
gh_json_parse(const char *data, gsize len, guint max_depth, GError **error)
{
    g_autoptr(JsonParser) parser = NULL;

    if (!json_util_depth_within(data, len, max_depth)) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "JSON nests deeper than %u", max_depth);
        return NULL;
    }
    parser = json_parser_new_immutable();
    if (!json_parser_load_from_data(parser, data, (gssize)len, error))
        return NULL;
    return json_parser_steal_root(parser);
}

/* The member when it holds a value of type. */
static JsonNode *
json_util_member_value(JsonObject *o, const char *name, GType type)
{
    JsonNode *n = json_object_get_member(o, name);

    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == type ? n : NULL;
}

const char *
gh_json_get_string(JsonObject *o, const char *name)
{
    JsonNode *n = json_util_member_value(o, name, G_TYPE_STRING);

    return n ? json_node_get_string(n) : NULL;
}

gboolean
gh_json_get_int(JsonObject *o, const char *name, gint64 *out)
{
    JsonNode *n = json_util_member_value(o, name, G_TYPE_INT64);

    if (n)
        *out = json_node_get_int(n);
    return n != NULL;
}

JsonObject *
gh_json_get_object(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

JsonArray *
gh_json_get_array(JsonObject *o, const char *name)
{
    JsonNode *n = json_object_get_member(o, name);

    return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}
