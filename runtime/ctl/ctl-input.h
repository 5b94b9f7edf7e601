/* ctl-input: the EVENT arguments of `gamehostctl input` (key:KEY_LEFT,
 * key:KEY_LEFT:down, button:BTN_LEFT, rel:REL_X:-5, abs:ABS_X:16384,
 * wheel:-1) turned into the API's {"events":[...]} body, and the API's
 * answer into the lines `gamehostctl input` prints.  Pure, so every rule is
 * unit-tested; names and ranges are input-json's. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#define GH_CTL_INPUT_SYNTAX \
    "key:KEY_NAME[:down|up|tap], button:BTN_NAME[:down|up|tap], rel:REL_AXIS:DELTA, abs:ABS_AXIS:VALUE " \
    "or wheel:DELTA"

/* One EVENT as one JSON event object; GH_CTL_ERROR_USAGE naming the
 * argument when it does not parse. */
JsonNode *gh_ctl_input_event(const char *arg, GError **error);
/* {"events":[...]} of n EVENT arguments (1 to GH_INPUT_JSON_MAX_EVENTS). */
JsonNode *gh_ctl_input_body(const char *const *args, guint n, GError **error);
/* The answer {"delivered": N, "dropped": [{"index","reason","message"}]}
 * as text: "delivered N events\n", then one line per event dropped.
 * GH_CTL_ERROR_FAILED when the answer has no delivered count. */
char *gh_ctl_input_describe_reply(JsonNode *reply, GError **error);
