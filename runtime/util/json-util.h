/* json-util: typed json-glib helpers.  Every JSON writer in the runtime adds
 * a member with one call that names its type, so the compiler checks what a
 * hand-written set_member_name/add_*_value pair never did; readers of
 * untrusted JSON parse it with a bound on nesting and read members by type. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

/* Adds member name with value, or null when value is NULL. */
void gh_json_add_string(JsonBuilder *b, const char *name, const char *value);
void gh_json_add_int(JsonBuilder *b, const char *name, gint64 value);
void gh_json_add_bool(JsonBuilder *b, const char *name, gboolean value);
void gh_json_add_double(JsonBuilder *b, const char *name, double value);
/* Adds member name as RFC 3339 UTC with microseconds (so a record
 * round-trips exactly), or null when usec is 0 (never happened). */
void gh_json_add_time(JsonBuilder *b, const char *name, gint64 usec);
/* Adds member name with node, taking it (or null when node is NULL). */
void gh_json_add_node(JsonBuilder *b, const char *name, JsonNode *node);
/* Open member name as an object or an array; close with json_builder_end_*. */
void gh_json_begin_object(JsonBuilder *b, const char *name);
void gh_json_begin_array(JsonBuilder *b, const char *name);


/* ---- reading ------------------------------------------------------------ */

/* Parses len bytes of JSON whose arrays and objects nest at most max_depth
 * deep: json-glib 1.6 recurses once per level and overflows the stack on a
 * megabyte of '['.  The root node, or NULL with json-glib's parse error or
 * G_IO_ERROR_INVALID_DATA "JSON nests deeper than N". */
JsonNode *gh_json_parse(const char *data, gsize len, guint max_depth, GError **error);
/* Members of one type: NULL (FALSE for ints) when absent or of another type,
 * never a g_critical as json_object_get_*_member() gives. */
const char *gh_json_get_string(JsonObject *o, const char *name);
gboolean gh_json_get_int(JsonObject *o, const char *name, gint64 *out);
JsonObject *gh_json_get_object(JsonObject *o, const char *name);
JsonArray *gh_json_get_array(JsonObject *o, const char *name);
