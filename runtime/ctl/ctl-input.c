/* ctl-input: EVENT arguments → the input API's JSON body, and its answer
 * → text. */
#include "ctl-input.h"
#include "util/json-util.h"

#include <string.h>
#include "ctl-util.h"
#include "util/input-json.h"

static gboolean
input_usage(GError **error, const char *arg, const char *what)
{
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "event '%s': %s", arg, what);
    return FALSE;
}

/* A key or button: press and release are "down" and "up" on the command
 * line, "tap" (both) when not given. */
static gboolean
input_add_press(JsonBuilder *b, const char *arg, guint32 type, char **parts, guint n, GError **error)
{
    const char *action = n > 2 ? parts[2] : "tap";
    guint32 code;

    if (n < 2 || n > 3)
        return input_usage(error, arg, "expected " GH_CTL_INPUT_SYNTAX);
    if (!gh_input_code_from_name(type, parts[1], &code)) {
        g_autofree char *what = g_strdup_printf("unknown %s '%s'", type == GH_INPUT_KEY ? "key" : "button",
                                                parts[1]);
        return input_usage(error, arg, what);
    }
    if (strcmp(action, "down") == 0)
        action = "press";
    else if (strcmp(action, "up") == 0)
        action = "release";
    else if (strcmp(action, "tap") != 0)
        return input_usage(error, arg, "expected down, up or tap after the name");
    gh_json_add_string(b, "code", parts[1]);
    gh_json_add_string(b, "action", action);
    return TRUE;
}

static gboolean
input_add_value(JsonBuilder *b, const char *arg, const char *text, gint64 min, gint64 max, GError **error)
{
    gint64 v;

    if (!g_ascii_string_to_signed(text, 10, min, max, &v, NULL)) {
        g_autofree char *what = g_strdup_printf("value '%s' must be an integer from %" G_GINT64_FORMAT
                                                " to %" G_GINT64_FORMAT, text, min, max);
        return input_usage(error, arg, what);
    }
    gh_json_add_int(b, "value", v);
    return TRUE;
}

/* rel:REL_X:-5 and abs:ABS_X:16384 */
static gboolean
input_add_axis(JsonBuilder *b, const char *arg, guint32 type, char **parts, guint n, GError **error)
{
    gboolean rel = type == GH_INPUT_REL;

    if (n != 3)
        return input_usage(error, arg, "expected " GH_CTL_INPUT_SYNTAX);
    if (!gh_input_code_from_name(type, parts[1], NULL)) {
        g_autofree char *what = g_strdup_printf("unknown %s axis '%s'", rel ? "relative" : "absolute", parts[1]);
        return input_usage(error, arg, what);
    }
    gh_json_add_string(b, "code", parts[1]);
    return input_add_value(b, arg, parts[2], rel ? -GH_INPUT_JSON_MAX_REL : 0,
                           rel ? GH_INPUT_JSON_MAX_REL : GH_INPUT_ABS_MAX, error);
}

JsonNode *
gh_ctl_input_event(const char *arg, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_auto(GStrv) parts = g_strsplit(arg, ":", 4);
    guint n = g_strv_length(parts);
    const char *kind = n ? parts[0] : "";
    gboolean ok;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "type");
    if (strcmp(kind, "key") == 0 || strcmp(kind, "button") == 0) {
        json_builder_add_string_value(b, kind);
        ok = input_add_press(b, arg, kind[0] == 'k' ? GH_INPUT_KEY : GH_INPUT_BUTTON, parts, n, error);
    } else if (strcmp(kind, "rel") == 0 || strcmp(kind, "abs") == 0) {
        json_builder_add_string_value(b, kind);
        ok = input_add_axis(b, arg, kind[0] == 'r' ? GH_INPUT_REL : GH_INPUT_ABS, parts, n, error);
    } else if (strcmp(kind, "wheel") == 0 && n == 2) {
        json_builder_add_string_value(b, "rel");
        gh_json_add_string(b, "code", "REL_WHEEL");
        ok = input_add_value(b, arg, parts[1], -GH_INPUT_JSON_MAX_REL, GH_INPUT_JSON_MAX_REL, error);
    } else {
        ok = input_usage(error, arg, "expected " GH_CTL_INPUT_SYNTAX);
    }
    if (!ok)
        return NULL;
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

JsonNode *
gh_ctl_input_body(const char *const *args, guint n, GError **error)
{
    g_autoptr(JsonArray) events = json_array_new();
    JsonNode *root;
    JsonObject *body;

    if (n == 0 || n > GH_INPUT_JSON_MAX_EVENTS) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "give 1 to %d events", GH_INPUT_JSON_MAX_EVENTS);
        return NULL;
    }
    for (guint i = 0; i < n; i++) {
        JsonNode *ev = gh_ctl_input_event(args[i], error);
        if (ev == NULL)
            return NULL;
        json_array_add_element(events, ev);
    }
    body = json_object_new();
    json_object_set_array_member(body, "events", g_steal_pointer(&events));
    root = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(root, body);
    return root;
}

/* One dropped event; an answer from an older or odd daemon may lack parts. */
static void
input_describe_drop(GString *out, JsonNode *node)
{
    JsonObject *d = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;

    if (d == NULL)
        return;
    g_string_append_printf(out, "dropped event %" G_GINT64_FORMAT " (%s): %s\n",
                           json_object_get_int_member_with_default(d, "index", -1),
                           json_object_get_string_member_with_default(d, "reason", "unknown"),
                           json_object_get_string_member_with_default(d, "message", "no reason given"));
}

char *
gh_ctl_input_describe_reply(JsonNode *reply, GError **error)
{
    JsonObject *o = reply && JSON_NODE_HOLDS_OBJECT(reply) ? json_node_get_object(reply) : NULL;
    JsonArray *dropped;
    GString *out;

    if (o == NULL || !json_object_has_member(o, "delivered")) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                            "unexpected reply from gamehostd: no 'delivered' count");
        return NULL;
    }
    out = g_string_new(NULL);
    g_string_append_printf(out, "delivered %" G_GINT64_FORMAT " events\n", json_object_get_int_member(o, "delivered"));
    dropped = json_object_has_member(o, "dropped") && JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, "dropped"))
                  ? json_object_get_array_member(o, "dropped")
                  : NULL;
    for (guint i = 0; dropped && i < json_array_get_length(dropped); i++)
        input_describe_drop(out, json_array_get_element(dropped, i));
    return g_string_free(out, FALSE);
}
