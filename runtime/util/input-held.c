/* input-held: tracking of held controls; see input-held.h.  A control is
 * (type, device, code), packed into one sortable 64-bit key, so that the
 * releases come out in a stable order. */
#include "input-held.h"

struct GhInputHeld {
    GTree *held;                 /* guint64* key → NULL */
};

static gint
input_held_compare(gconstpointer a, gconstpointer b, gpointer unused)
{
    guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;

    return x < y ? -1 : x > y;
}

/* Types up to 255 and devices up to 65535 are all gamehost has. */
static guint64
input_held_key(const gh_input_event *ev)
{
    return (guint64)(ev->type & 0xffu) << 48 | (guint64)(ev->device & 0xffffu) << 32 | ev->code;
}

GhInputHeld *
gh_input_held_new(void)
{
    GhInputHeld *held = g_new0(GhInputHeld, 1);

    held->held = g_tree_new_full(input_held_compare, NULL, g_free, NULL);
    return held;
}

GhInputHeld *
gh_input_held_free(GhInputHeld *held)
{
    if (!held)
        return NULL;
    g_tree_destroy(held->held);
    g_free(held);
    return NULL;
}

static gboolean
input_held_tracks(guint32 type)
{
    return type == GH_INPUT_KEY || type == GH_INPUT_BUTTON || type == GH_INPUT_PAD_BUTTON ||
           type == GH_INPUT_PAD_AXIS;
}

void
gh_input_held_note(GhInputHeld *held, const gh_input_event *events, guint n)
{
    for (guint i = 0; i < n; i++) {
        guint64 key;

        if (!input_held_tracks(events[i].type))
            continue;
        key = input_held_key(&events[i]);
        if (events[i].value == 0)
            g_tree_remove(held->held, &key);
        else if ((guint)g_tree_nnodes(held->held) < GH_INPUT_HELD_MAX)
            g_tree_replace(held->held, g_memdup2(&key, sizeof key), NULL);
    }
}

guint
gh_input_held_count(GhInputHeld *held)
{
    return (guint)g_tree_nnodes(held->held);
}

static gboolean
input_held_add_release(gpointer key, gpointer value, gpointer data)
{
    guint64 k = *(const guint64 *)key;
    gh_input_event ev = {
        .type = (guint32)(k >> 48),
        .device = (guint32)(k >> 32) & 0xffffu,
        .code = (guint32)k,
        .value = 0,
    };

    g_array_append_val((GArray *)data, ev);
    return FALSE;
}

GArray *
gh_input_held_release(GhInputHeld *held)
{
    GArray *events = g_array_sized_new(FALSE, FALSE, sizeof(gh_input_event), gh_input_held_count(held));

    g_tree_foreach(held->held, input_held_add_release, events);
    g_tree_remove_all(held->held);
    return events;
}
