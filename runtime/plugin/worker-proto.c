/* worker-proto: see worker-proto.h.  The table is the protocol: a new
 * message is one line here and one in the enum. */
#include "worker-proto.h"

#define WORKER_PROTO_EVENT "(uuiuiit)"

const GhWireKind gh_worker_proto_table[] = {
    { GH_WORKER_MSG_START, "start", "a{sv}", 2 },
    { GH_WORKER_MSG_INPUT, "input", "a" WORKER_PROTO_EVENT, 0 },
    { GH_WORKER_MSG_FRAME, "frame", "(u)", 0 },
    { GH_WORKER_MSG_PEER_OPEN, "peer-open", "(uu)", 0 },
    { GH_WORKER_MSG_PEER_MESSAGE, "peer-message", "(us)", 0 },
    { GH_WORKER_MSG_PEER_CLOSE, "peer-close", "(u)", 0 },
    { GH_WORKER_MSG_CONTROL, "control", "(u)", 0 },
    { GH_WORKER_MSG_STOP, "stop", "()", 0 },
    { GH_WORKER_MSG_REPLY, "reply", "(iss)", 1 },
    { GH_WORKER_MSG_READY, "ready", "(ssssb)", 0 },
    { GH_WORKER_MSG_FAIL, "fail", "(s)", 0 },
    { GH_WORKER_MSG_STATS, "stats", "a{sv}", 0 },
    { GH_WORKER_MSG_INPUT_DONE, "input-done", "(isa(uus))", 0 },
    { GH_WORKER_MSG_FRAME_DONE, "frame-done", "(is)", 1 },
    { GH_WORKER_MSG_PEER_OPEN_DONE, "peer-open-done", "(uis)", 0 },
    { GH_WORKER_MSG_PEER_MESSAGE_DONE, "peer-message-done", "(uis)", 0 },
    { GH_WORKER_MSG_SIGNAL_SEND, "signal-send", "(us)", 0 },
    { GH_WORKER_MSG_PEER_INPUT, "peer-input", "(us)", 0 },
    { GH_WORKER_MSG_PEER_CLOSE_REQUEST, "peer-close-request", "(us)", 0 },
    { GH_WORKER_MSG_SCREENSHOT, "screenshot", "()", 0 },
    { GH_WORKER_MSG_SEND_KEYS, "send-keys", "(auu)", 0 },
    { GH_WORKER_MSG_QMP, "qmp", "(s)", 0 },
};
const guint gh_worker_proto_n = G_N_ELEMENTS(gh_worker_proto_table);

const GhWireKind *
gh_worker_proto_kind(GhWorkerMsg type)
{
    const GhWireKind *kind = gh_wire_kind(gh_worker_proto_table, gh_worker_proto_n, type);

    g_return_val_if_fail(kind != NULL, NULL);
    return kind;
}

GVariant *
gh_worker_proto_events_to_variant(const gh_input_event *ev, guint n)
{
    GVariantBuilder b;

    g_variant_builder_init(&b, G_VARIANT_TYPE("a" WORKER_PROTO_EVENT));
    for (guint i = 0; i < n; i++)
        g_variant_builder_add(&b, WORKER_PROTO_EVENT, ev[i].type, ev[i].code, ev[i].value, ev[i].device,
                              ev[i].x, ev[i].y, (guint64)ev[i].timestamp_ns);
    return g_variant_builder_end(&b);
}

GArray *
gh_worker_proto_events_from_variant(GVariant *v)
{
    GArray *events;
    GVariantIter iter;
    gh_input_event ev;

    g_return_val_if_fail(g_variant_is_of_type(v, G_VARIANT_TYPE("a" WORKER_PROTO_EVENT)), NULL);
    events = g_array_sized_new(FALSE, FALSE, sizeof(gh_input_event), g_variant_n_children(v));
    g_variant_iter_init(&iter, v);
    while (g_variant_iter_next(&iter, WORKER_PROTO_EVENT, &ev.type, &ev.code, &ev.value, &ev.device,
                               &ev.x, &ev.y, &ev.timestamp_ns))
        g_array_append_val(events, ev);
    return events;
}
