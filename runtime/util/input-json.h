/* input-json: input events as the API and gamehostctl write them in JSON
 * ({"type":"key","code":"KEY_LEFT","value":1}) and the evdev names of their
 * codes.  Pure: no I/O, no clock; every rule is unit-tested exactly
 * (tests/unit/test_input_json.c).  The event model is include/gamehost/input.h. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <gamehost/input.h>

/* A request carries 1 to this many events (before "tap" expands to two). */
#define GH_INPUT_JSON_MAX_EVENTS 256
/* |value| of a relative event: pixels or wheel detents per event. */
#define GH_INPUT_JSON_MAX_REL 10000

#define GH_INPUT_JSON_ERROR (gh_input_json_error_quark())
GQuark gh_input_json_error_quark(void);
typedef enum {
    GH_INPUT_JSON_ERROR_INVALID,     /* the message names the index and field */
} GhInputJsonError;

/* {"events":[...]} → an array of gh_input_event in order, each "tap"
 * expanded to press then release; timestamps are left 0.  FALSE with a
 * message such as "events[2].code: unknown key 'KEY_NOPE'". */
gboolean gh_input_events_from_json(JsonNode *node, GArray **events, GError **error);
/* A player's input message: {"events":[...]} of len bytes (not
 * NUL-terminated, at most max) → the events, or NULL when it is empty,
 * too long or malformed. */
GArray *gh_input_events_parse(const char *json, gsize len, gsize max);

/* "key", "button", "rel", "abs", "pad_button", "pad_axis", "touch"; NULL
 * for an unknown type. */
const char *gh_input_type_name(guint32 type);
gboolean gh_input_type_from_name(const char *name, guint32 *type);

/* The evdev name of a code valid for type ("KEY_LEFT"; for touch "down",
 * "up", "motion"), or NULL when the code is not valid for that type. */
const char *gh_input_code_name(guint32 type, guint32 code);
/* The reverse; FALSE when the name is not valid for type. */
gboolean gh_input_code_from_name(guint32 type, const char *name, guint32 *code);

/* The values a pad axis takes (include/gamehost/input.h): sticks ABS_X,
 * ABS_Y, ABS_RX, ABS_RY -32768..32767, triggers ABS_Z, ABS_RZ
 * 0..GH_INPUT_TRIGGER_MAX.  FALSE for a code that is no pad axis. */
gboolean gh_input_pad_axis_range(guint32 code, gint32 *min, gint32 *max);
