/* input-json: JSON input events ↔ gh_input_event, and evdev code names. */
#include "input-json.h"

#include <string.h>

G_DEFINE_QUARK(gh-input-json-error-quark, gh_input_json_error)

typedef struct {
    const char *name;
    guint32 code;
} GhInputName;

#define GH_N(c) { #c, c }

/* What the first backends and the demo game use; a name outside these
 * tables is refused rather than passed on for a guest to misread. */
static const GhInputName input_keys[] = {
    GH_N(KEY_A), GH_N(KEY_B), GH_N(KEY_C), GH_N(KEY_D), GH_N(KEY_E), GH_N(KEY_F), GH_N(KEY_G),
    GH_N(KEY_H), GH_N(KEY_I), GH_N(KEY_J), GH_N(KEY_K), GH_N(KEY_L), GH_N(KEY_M), GH_N(KEY_N),
    GH_N(KEY_O), GH_N(KEY_P), GH_N(KEY_Q), GH_N(KEY_R), GH_N(KEY_S), GH_N(KEY_T), GH_N(KEY_U),
    GH_N(KEY_V), GH_N(KEY_W), GH_N(KEY_X), GH_N(KEY_Y), GH_N(KEY_Z),
    GH_N(KEY_0), GH_N(KEY_1), GH_N(KEY_2), GH_N(KEY_3), GH_N(KEY_4),
    GH_N(KEY_5), GH_N(KEY_6), GH_N(KEY_7), GH_N(KEY_8), GH_N(KEY_9),
    GH_N(KEY_F1), GH_N(KEY_F2), GH_N(KEY_F3), GH_N(KEY_F4), GH_N(KEY_F5), GH_N(KEY_F6),
    GH_N(KEY_F7), GH_N(KEY_F8), GH_N(KEY_F9), GH_N(KEY_F10), GH_N(KEY_F11), GH_N(KEY_F12),
    GH_N(KEY_UP), GH_N(KEY_DOWN), GH_N(KEY_LEFT), GH_N(KEY_RIGHT),
    GH_N(KEY_ENTER), GH_N(KEY_ESC), GH_N(KEY_SPACE), GH_N(KEY_TAB), GH_N(KEY_BACKSPACE),
    GH_N(KEY_LEFTSHIFT), GH_N(KEY_RIGHTSHIFT), GH_N(KEY_LEFTCTRL), GH_N(KEY_RIGHTCTRL),
    GH_N(KEY_LEFTALT), GH_N(KEY_RIGHTALT), GH_N(KEY_LEFTMETA), GH_N(KEY_RIGHTMETA), GH_N(KEY_CAPSLOCK),
    GH_N(KEY_MINUS), GH_N(KEY_EQUAL), GH_N(KEY_LEFTBRACE), GH_N(KEY_RIGHTBRACE), GH_N(KEY_SEMICOLON),
    GH_N(KEY_APOSTROPHE), GH_N(KEY_GRAVE), GH_N(KEY_BACKSLASH), GH_N(KEY_COMMA), GH_N(KEY_DOT),
    GH_N(KEY_SLASH),
    GH_N(KEY_INSERT), GH_N(KEY_DELETE), GH_N(KEY_HOME), GH_N(KEY_END), GH_N(KEY_PAGEUP), GH_N(KEY_PAGEDOWN),
};

static const GhInputName input_buttons[] = {
    GH_N(BTN_LEFT), GH_N(BTN_RIGHT), GH_N(BTN_MIDDLE), GH_N(BTN_SIDE), GH_N(BTN_EXTRA),
};

static const GhInputName input_rels[] = {
    GH_N(REL_X), GH_N(REL_Y), GH_N(REL_WHEEL), GH_N(REL_HWHEEL),
};

static const GhInputName input_abs[] = {
    GH_N(ABS_X), GH_N(ABS_Y),
};

static const GhInputName input_pad_buttons[] = {
    GH_N(BTN_SOUTH), GH_N(BTN_EAST), GH_N(BTN_NORTH), GH_N(BTN_WEST), GH_N(BTN_TL), GH_N(BTN_TR),
    GH_N(BTN_TL2), GH_N(BTN_TR2), GH_N(BTN_SELECT), GH_N(BTN_START), GH_N(BTN_MODE), GH_N(BTN_THUMBL),
    GH_N(BTN_THUMBR), GH_N(BTN_DPAD_UP), GH_N(BTN_DPAD_DOWN), GH_N(BTN_DPAD_LEFT), GH_N(BTN_DPAD_RIGHT),
};

static const GhInputName input_pad_axes[] = {
    GH_N(ABS_X), GH_N(ABS_Y), GH_N(ABS_RX), GH_N(ABS_RY), GH_N(ABS_Z), GH_N(ABS_RZ),
};

/* input.h: touch code 1 down, 0 up, 2 motion. */
static const GhInputName input_touch_codes[] = {
    { "down", 1 }, { "up", 0 }, { "motion", 2 },
};

#undef GH_N

typedef enum {
    GH_INPUT_VALUE_PRESS,        /* value 0/1, or "action" press/release/tap */
    GH_INPUT_VALUE_RANGE,        /* value in [min, max] */
    GH_INPUT_VALUE_PAD_AXIS,     /* value in the code's range (gh_input_pad_axis_range) */
    GH_INPUT_VALUE_TOUCH,        /* no value: slot, x, y */
} GhInputValueKind;

typedef struct {
    const char *name;            /* the JSON "type" */
    guint32 type;                /* GH_INPUT_* */
    const char *noun;            /* "unknown <noun> 'X'" */
    const GhInputName *codes;
    gsize n_codes;
    GhInputValueKind value;
    gint64 min, max;
    gboolean pad;                /* takes "pad" */
    const char *const *fields;   /* the members an event of this type may have */
} GhInputType;

static const char *const fields_press[] = { "type", "code", "value", "action", NULL };
static const char *const fields_range[] = { "type", "code", "value", NULL };
static const char *const fields_pad_button[] = { "type", "code", "value", "action", "pad", NULL };
static const char *const fields_pad_axis[] = { "type", "code", "value", "pad", NULL };
static const char *const fields_touch[] = { "type", "code", "slot", "x", "y", NULL };
static const char *const fields_pad_connect[] = { "type", "value", "pad", NULL };

static const GhInputType input_types[] = {
    { "key", GH_INPUT_KEY, "key", input_keys, G_N_ELEMENTS(input_keys),
      GH_INPUT_VALUE_PRESS, 0, 1, FALSE, fields_press },
    { "button", GH_INPUT_BUTTON, "button", input_buttons, G_N_ELEMENTS(input_buttons),
      GH_INPUT_VALUE_PRESS, 0, 1, FALSE, fields_press },
    { "rel", GH_INPUT_REL, "relative axis", input_rels, G_N_ELEMENTS(input_rels),
      GH_INPUT_VALUE_RANGE, -GH_INPUT_JSON_MAX_REL, GH_INPUT_JSON_MAX_REL, FALSE, fields_range },
    { "abs", GH_INPUT_ABS, "absolute axis", input_abs, G_N_ELEMENTS(input_abs),
      GH_INPUT_VALUE_RANGE, 0, GH_INPUT_ABS_MAX, FALSE, fields_range },
    { "pad_button", GH_INPUT_PAD_BUTTON, "pad button", input_pad_buttons, G_N_ELEMENTS(input_pad_buttons),
      GH_INPUT_VALUE_PRESS, 0, 1, TRUE, fields_pad_button },
    { "pad_axis", GH_INPUT_PAD_AXIS, "pad axis", input_pad_axes, G_N_ELEMENTS(input_pad_axes),
      GH_INPUT_VALUE_PAD_AXIS, 0, 0, TRUE, fields_pad_axis },
    { "touch", GH_INPUT_TOUCH, "touch code", input_touch_codes, G_N_ELEMENTS(input_touch_codes),
      GH_INPUT_VALUE_TOUCH, 0, 0, FALSE, fields_touch },
    /* The player's pad appeared (1) or went (0): no code. */
    { "pad_connect", GH_INPUT_PAD_CONNECT, "pad connection", NULL, 0,
      GH_INPUT_VALUE_RANGE, 0, 1, TRUE, fields_pad_connect },
};

static const GhInputType *
input_type_lookup(guint32 type)
{
    for (gsize i = 0; i < G_N_ELEMENTS(input_types); i++)
        if (input_types[i].type == type)
            return &input_types[i];
    return NULL;
}

static const GhInputType *
input_type_lookup_name(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(input_types); i++)
        if (strcmp(input_types[i].name, name) == 0)
            return &input_types[i];
    return NULL;
}

const char *
gh_input_type_name(guint32 type)
{
    const GhInputType *t = input_type_lookup(type);

    return t ? t->name : NULL;
}

gboolean
gh_input_type_from_name(const char *name, guint32 *type)
{
    const GhInputType *t = name ? input_type_lookup_name(name) : NULL;

    if (t && type)
        *type = t->type;
    return t != NULL;
}

const char *
gh_input_code_name(guint32 type, guint32 code)
{
    const GhInputType *t = input_type_lookup(type);

    for (gsize i = 0; t && i < t->n_codes; i++)
        if (t->codes[i].code == code)
            return t->codes[i].name;
    return NULL;
}

gboolean
gh_input_code_from_name(guint32 type, const char *name, guint32 *code)
{
    const GhInputType *t = input_type_lookup(type);

    for (gsize i = 0; t && name && i < t->n_codes; i++) {
        if (strcmp(t->codes[i].name, name) == 0) {
            if (code)
                *code = t->codes[i].code;
            return TRUE;
        }
    }
    return FALSE;
}

gboolean
gh_input_pad_axis_range(guint32 code, gint32 *min, gint32 *max)
{
    gboolean trigger = code == ABS_Z || code == ABS_RZ;

    if (!gh_input_code_name(GH_INPUT_PAD_AXIS, code))
        return FALSE;
    *min = trigger ? 0 : G_MININT16;
    *max = trigger ? GH_INPUT_TRIGGER_MAX : G_MAXINT16;
    return TRUE;
}

/* ---- parsing: each helper returns FALSE with the error set ------------------ */

static gboolean
input_fail(GError **error, guint index, const char *field, const char *format, ...) G_GNUC_PRINTF(4, 5);

static gboolean
input_fail(GError **error, guint index, const char *field, const char *format, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, format);
    what = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, GH_INPUT_JSON_ERROR, GH_INPUT_JSON_ERROR_INVALID, "events[%u]%s%s: %s", index,
                field ? "." : "", field ? field : "", what);
    return FALSE;
}

static gboolean
input_is_string(JsonNode *n)
{
    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
}

/* An optional (or required) integer member within [min, max]. */
static gboolean
input_get_int(JsonObject *o, guint index, const char *field, gboolean required, gint64 min, gint64 max,
              gint64 *out, GError **error)
{
    JsonNode *n = json_object_get_member(o, field);
    gint64 v;

    if (!n) {
        if (required)
            return input_fail(error, index, field, "is required");
        return TRUE;
    }
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
        return input_fail(error, index, field, "must be an integer");
    v = json_node_get_int(n);
    if (v < min || v > max) {
        if (min == 0 && max == 1)
            return input_fail(error, index, field, "must be 0 or 1");
        return input_fail(error, index, field, "must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                          min, max);
    }
    *out = v;
    return TRUE;
}

/* A pad axis's value, within its code's range (sticks and triggers differ). */
static gboolean
input_get_pad_axis(JsonObject *o, guint index, guint32 code, gint64 *value, GError **error)
{
    gint32 min = 0, max = 0;

    if (!input_get_int(o, index, "value", TRUE, G_MININT64, G_MAXINT64, value, error))
        return FALSE;
    gh_input_pad_axis_range(code, &min, &max);
    if (*value < min || *value > max)
        return input_fail(error, index, "value", "%" G_GINT64_FORMAT " is out of range for pad axis %s (%d..%d)",
                          *value, gh_input_code_name(GH_INPUT_PAD_AXIS, code), min, max);
    return TRUE;
}

static gboolean
input_check_fields(JsonObject *o, guint index, const GhInputType *t, GError **error)
{
    g_autoptr(GList) members = json_object_get_members(o);

    for (GList *m = members; m; m = m->next)
        if (!g_strv_contains(t->fields, m->data))
            return input_fail(error, index, m->data, "unknown field for type '%s'", t->name);
    return TRUE;
}

/* value 0/1 or action press/release/tap; *tap when the event is to expand. */
static gboolean
input_get_press(JsonObject *o, guint index, gint64 *value, gboolean *tap, GError **error)
{
    JsonNode *action = json_object_get_member(o, "action");
    const char *a;

    *tap = FALSE;
    if (!action)
        return input_get_int(o, index, "value", TRUE, 0, 1, value, error);
    if (json_object_has_member(o, "value"))
        return input_fail(error, index, "action", "give 'value' or 'action', not both");
    a = input_is_string(action) ? json_node_get_string(action) : "";
    if (strcmp(a, "press") == 0) {
        *value = 1;
    } else if (strcmp(a, "release") == 0) {
        *value = 0;
    } else if (strcmp(a, "tap") == 0) {
        *value = 1;
        *tap = TRUE;
    } else {
        return input_fail(error, index, "action", "must be one of press, release, tap");
    }
    return TRUE;
}

static gboolean
input_parse_touch(JsonObject *o, guint index, gh_input_event *ev, GError **error)
{
    gboolean needs_xy = ev->code != 0; /* down and motion say where; up need not */
    gint64 slot = 0, x = 0, y = 0;

    if (!input_get_int(o, index, "slot", FALSE, 0, GH_INPUT_MAX_TOUCH - 1, &slot, error) ||
        !input_get_int(o, index, "x", needs_xy, 0, GH_INPUT_ABS_MAX, &x, error) ||
        !input_get_int(o, index, "y", needs_xy, 0, GH_INPUT_ABS_MAX, &y, error))
        return FALSE;
    ev->device = (guint32) slot;
    ev->x = (gint32) x;
    ev->y = (gint32) y;
    return TRUE;
}

static gboolean
input_parse_event(JsonNode *node, guint index, GArray *out, GError **error)
{
    gh_input_event ev = { 0 };
    JsonObject *o;
    JsonNode *type, *code;
    const GhInputType *t;
    const char *name;
    gboolean tap = FALSE;
    gint64 value = 0, pad = 0;

    if (!JSON_NODE_HOLDS_OBJECT(node))
        return input_fail(error, index, NULL, "must be an object");
    o = json_node_get_object(node);
    type = json_object_get_member(o, "type");
    if (!type)
        return input_fail(error, index, "type", "is required");
    if (!input_is_string(type))
        return input_fail(error, index, "type", "must be a string");
    if (!(t = input_type_lookup_name(json_node_get_string(type))))
        return input_fail(error, index, "type",
                          "unknown type '%s' (key, button, rel, abs, pad_button, pad_axis, pad_connect, touch)",
                          json_node_get_string(type));
    if (!input_check_fields(o, index, t, error))
        return FALSE;
    if (t->codes) {
        code = json_object_get_member(o, "code");
        if (!code)
            return input_fail(error, index, "code", "is required");
        if (!input_is_string(code))
            return input_fail(error, index, "code", "must be a string");
        name = json_node_get_string(code);
        if (!gh_input_code_from_name(t->type, name, &ev.code)) {
            if (t->type == GH_INPUT_TOUCH)
                return input_fail(error, index, "code", "must be one of down, up, motion");
            return input_fail(error, index, "code", "unknown %s '%s'", t->noun, name);
        }
    }
    ev.type = t->type;

    switch (t->value) {
    case GH_INPUT_VALUE_PRESS:
        if (!input_get_press(o, index, &value, &tap, error))
            return FALSE;
        break;
    case GH_INPUT_VALUE_RANGE:
        if (!input_get_int(o, index, "value", TRUE, t->min, t->max, &value, error))
            return FALSE;
        break;
    case GH_INPUT_VALUE_PAD_AXIS:
        if (!input_get_pad_axis(o, index, ev.code, &value, error))
            return FALSE;
        break;
    case GH_INPUT_VALUE_TOUCH:
        if (!input_parse_touch(o, index, &ev, error))
            return FALSE;
        break;
    }
    if (t->pad && !input_get_int(o, index, "pad", FALSE, 0, GH_INPUT_MAX_PADS - 1, &pad, error))
        return FALSE;
    if (t->pad)
        ev.device = (guint32) pad;
    ev.value = (gint32) value;
    g_array_append_val(out, ev);
    if (tap) {
        ev.value = 0;
        g_array_append_val(out, ev);
    }
    return TRUE;
}

gboolean
gh_input_events_from_json(JsonNode *node, GArray **events, GError **error)
{
    g_autoptr(GArray) out = NULL;
    g_autoptr(GList) members = NULL;
    JsonObject *o;
    JsonNode *list;
    JsonArray *a;
    guint n;

    g_return_val_if_fail(events != NULL, FALSE);
    *events = NULL;
    if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
        g_set_error_literal(error, GH_INPUT_JSON_ERROR, GH_INPUT_JSON_ERROR_INVALID,
                            "request body must be a JSON object");
        return FALSE;
    }
    o = json_node_get_object(node);
    members = json_object_get_members(o);
    for (GList *m = members; m; m = m->next) {
        if (strcmp(m->data, "events") != 0) {
            g_set_error(error, GH_INPUT_JSON_ERROR, GH_INPUT_JSON_ERROR_INVALID, "%s: unknown field",
                        (const char *) m->data);
            return FALSE;
        }
    }
    list = json_object_get_member(o, "events");
    if (!list || !JSON_NODE_HOLDS_ARRAY(list)) {
        g_set_error_literal(error, GH_INPUT_JSON_ERROR, GH_INPUT_JSON_ERROR_INVALID,
                            list ? "events: must be an array" : "events: is required");
        return FALSE;
    }
    a = json_node_get_array(list);
    n = json_array_get_length(a);
    if (n == 0) {
        g_set_error_literal(error, GH_INPUT_JSON_ERROR, GH_INPUT_JSON_ERROR_INVALID, "events: at least 1 event");
        return FALSE;
    }
    if (n > GH_INPUT_JSON_MAX_EVENTS) {
        g_set_error(error, GH_INPUT_JSON_ERROR, GH_INPUT_JSON_ERROR_INVALID, "events: at most %d events",
                    GH_INPUT_JSON_MAX_EVENTS);
        return FALSE;
    }
    out = g_array_sized_new(FALSE, TRUE, sizeof(gh_input_event), n);
    for (guint i = 0; i < n; i++)
        if (!input_parse_event(json_array_get_element(a, i), i, out, error))
            return FALSE;
    *events = g_steal_pointer(&out);
    return TRUE;
}

GArray *
gh_input_events_parse(const char *json, gsize len, gsize max)
{
    g_autoptr(JsonParser) parser = json_parser_new_immutable();
    g_autoptr(GError) err = NULL;
    GArray *events = NULL;

    if (!json || len == 0 || len > max || !json_parser_load_from_data(parser, json, (gssize)len, &err) ||
        !json_parser_get_root(parser) || !gh_input_events_from_json(json_parser_get_root(parser), &events, &err))
        return NULL;
    return events;
}
