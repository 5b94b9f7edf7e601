/* json-util: the one json-glib helper every JSON writer here needs. */
#pragma once

#include <json-glib/json-glib.h>

/* Adds member name with value, or null when value is NULL. */
void gh_json_add_string(JsonBuilder *b, const char *name, const char *value);
