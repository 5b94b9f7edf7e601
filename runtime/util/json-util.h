/* json-util: typed json-glib helpers.  Every JSON writer in the runtime adds
 * a member with one call that names its type, so the compiler checks what a
 * hand-written set_member_name/add_*_value pair never did. */
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

