/* fuzz-wire: the worker IPC framing (runtime/plugin/wire.c) under hostile
 * bytes, as a worker could send them: gh_wire_decode with the real worker
 * protocol, then the accepted message walked and encoded again. */
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "plugin/wire.h"
#include "plugin/worker-proto.h"

/* Reads every value of the body, as the daemon's handlers will, through
 * instrumented code: GLib is not, so its shapes give libFuzzer coverage
 * only here. */
static void
fuzz_wire_walk(GVariant *v)
{
    GVariantIter iter;
    GVariant *child;

    switch (g_variant_classify(v)) {
    case G_VARIANT_CLASS_STRING:
    case G_VARIANT_CLASS_OBJECT_PATH:
    case G_VARIANT_CLASS_SIGNATURE:
        /* strlen reads every byte, under ASan's eye. */
        if (strlen(g_variant_get_string(v, NULL)) > GH_WIRE_MAX_MESSAGE)
            abort();
        break;
    case G_VARIANT_CLASS_VARIANT:
    case G_VARIANT_CLASS_MAYBE:
    case G_VARIANT_CLASS_ARRAY:
    case G_VARIANT_CLASS_TUPLE:
    case G_VARIANT_CLASS_DICT_ENTRY:
        g_variant_iter_init(&iter, v);
        while ((child = g_variant_iter_next_value(&iter))) {
            fuzz_wire_walk(child);
            g_variant_unref(child);
        }
        break;
    default:
        break;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_auto(GhWireMsg) msg = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) again = NULL;

    if (!gh_wire_decode(gh_worker_proto_table, gh_worker_proto_n, data, size, &msg, &error))
        return 0;
    fuzz_wire_walk(msg.body);
    g_free(g_variant_print(msg.body, TRUE));
    if (msg.kind->type == GH_WORKER_MSG_INPUT)
        g_array_unref(gh_worker_proto_events_from_variant(msg.body));
    /* Only normal forms are accepted, so a message has one spelling: the
     * bytes it came from. */
    again = gh_wire_encode(msg.kind, msg.serial, msg.body);
    if (!again || g_bytes_get_size(again) != size || memcmp(g_bytes_get_data(again, NULL), data, size) != 0)
        abort();
    return 0;
}
