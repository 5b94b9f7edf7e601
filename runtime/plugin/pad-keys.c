/* pad-keys: see pad-keys.h.  Main thread only, as input delivery is. */
#include "pad-keys.h"

#include "util/input-json.h"

/* Where a control stands: its negative key held, nothing held, its key held. */
#define PAD_KEYS_NEGATIVE (-1)
#define PAD_KEYS_NONE     0
#define PAD_KEYS_POSITIVE 1

struct GhPadKeys {
    GArray *map;                 /* GhPadKey */
    gint8 *held;                 /* [pad * map->len + i]: where control i of the pad stands */
    guint16 holders[KEY_CNT];    /* per key code: the controls holding it down (at most 4 per control) */
};

GhPadKeys *
gh_pad_keys_new(const GArray *map)
{
    GhPadKeys *pk;

    if (!map || map->len == 0)
        return NULL;
    pk = g_new0(GhPadKeys, 1);
    pk->map = g_array_copy((GArray *)map);
    pk->held = g_new0(gint8, GH_INPUT_MAX_PADS * map->len);
    return pk;
}

GhPadKeys *
gh_pad_keys_free(GhPadKeys *pk)
{
    if (!pk)
        return NULL;
    g_array_unref(pk->map);
    g_free(pk->held);
    g_free(pk);
    return NULL;
}

/* The map's entry for a pad control, or -1. */
static gint
pad_keys_find(GhPadKeys *pk, guint32 type, guint32 code)
{
    for (guint i = 0; i < pk->map->len; i++) {
        const GhPadKey *k = &g_array_index(pk->map, GhPadKey, i);

        if (k->type == type && k->code == code)
            return (gint)i;
    }
    return -1;
}

static guint32
pad_keys_key_at(const GhPadKey *k, gint8 side)
{
    return side == PAD_KEYS_POSITIVE ? k->key : side == PAD_KEYS_NEGATIVE ? k->negative_key : 0;
}

static void
pad_keys_emit(const gh_input_event *from, guint32 key, gint32 value, GArray *keys)
{
    gh_input_event ev = { .type = GH_INPUT_KEY, .code = key, .value = value, .timestamp_ns = from->timestamp_ns };

    g_array_append_val(keys, ev);
}

/* A key goes down with its first holder and up with its last. */
static void
pad_keys_hold(GhPadKeys *pk, guint32 key, const gh_input_event *from, GArray *keys)
{
    if (key != 0 && key < KEY_CNT && pk->holders[key]++ == 0)
        pad_keys_emit(from, key, 1, keys);
}

static void
pad_keys_let_go(GhPadKeys *pk, guint32 key, const gh_input_event *from, GArray *keys)
{
    if (key != 0 && key < KEY_CNT && --pk->holders[key] == 0)
        pad_keys_emit(from, key, 0, keys);
}

/* Control i of from's pad now stands at side: the old key first lets go,
 * then the new one is held. */
static void
pad_keys_move(GhPadKeys *pk, const gh_input_event *from, guint i, gint8 side, GArray *keys)
{
    const GhPadKey *k = &g_array_index(pk->map, GhPadKey, i);
    gint8 *at = &pk->held[from->device * pk->map->len + i];

    if (*at == side)
        return;
    pad_keys_let_go(pk, pad_keys_key_at(k, *at), from, keys);
    pad_keys_hold(pk, pad_keys_key_at(k, side), from, keys);
    *at = side;
}

/* Where an axis at value leaves a control standing at now: past half its
 * range it takes that side, under a quarter it lets go, in between it stays
 * (the hysteresis that keeps a stick near the threshold from chattering). */
static gint8
pad_keys_axis_side(guint32 code, gint32 value, gint8 now)
{
    gint32 min = 0, max = G_MAXINT16, press, release;

    gh_input_pad_axis_range(code, &min, &max);
    press = (max + 1) / 2;
    release = (max + 1) / 4;
    if (value >= press)
        return PAD_KEYS_POSITIVE;
    if (value <= -press)
        return PAD_KEYS_NEGATIVE;
    if ((now == PAD_KEYS_POSITIVE && value >= release) || (now == PAD_KEYS_NEGATIVE && value <= -release))
        return now;
    return PAD_KEYS_NONE;
}

gboolean
gh_pad_keys_translate(GhPadKeys *pk, const gh_input_event *ev, GArray *keys)
{
    gint i;
    gint8 side;

    if (!pk || ev->device >= GH_INPUT_MAX_PADS)
        return FALSE;
    if (ev->type == GH_INPUT_PAD_CONNECT) {
        for (guint c = 0; ev->value == 0 && c < pk->map->len; c++)
            pad_keys_move(pk, ev, c, PAD_KEYS_NONE, keys);
        return TRUE;
    }
    if ((ev->type != GH_INPUT_PAD_BUTTON && ev->type != GH_INPUT_PAD_AXIS) ||
        (i = pad_keys_find(pk, ev->type, ev->code)) < 0)
        return FALSE;
    if (ev->type == GH_INPUT_PAD_BUTTON)
        side = ev->value != 0 ? PAD_KEYS_POSITIVE : PAD_KEYS_NONE;
    else
        side = pad_keys_axis_side(ev->code, ev->value, pk->held[ev->device * pk->map->len + (guint)i]);
    pad_keys_move(pk, ev, (guint)i, side, keys);
    return TRUE;
}
