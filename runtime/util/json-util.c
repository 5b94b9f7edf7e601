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
