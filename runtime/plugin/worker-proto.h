/* worker-proto: the protocol between gamehostd and a session's plugin
 * worker (gamehost-worker, issue 15) over the wire (wire.h): each message
 * type, its body's GVariant type and the fds it may carry, and the input
 * events' body.  Static data and pure functions: any thread. */
#pragma once

#include <glib.h>
#include <gamehost/input.h>
#include "wire.h"

typedef enum {
    /* daemon -> worker */
    GH_WORKER_MSG_START = 1,              /* a{sv}: session facts, backends chosen, options, plugin files
                                           * (keys: the worker's); fds: the watch page memfd (the relay is
                                           * reached by its path: a second fd is allowed, unused) */
    GH_WORKER_MSG_INPUT = 2,              /* a(uuiuiit): events (type, code, value, device, x, y, timestamp_ns) */
    GH_WORKER_MSG_FRAME = 3,              /* (u): timeout_ms; asks for a fresh frame as PNG */
    GH_WORKER_MSG_PEER_OPEN = 4,          /* (uu): peer, flags */
    GH_WORKER_MSG_PEER_MESSAGE = 5,       /* (us): peer, a signalling message */
    GH_WORKER_MSG_PEER_CLOSE = 6,         /* (u): peer */
    GH_WORKER_MSG_CONTROL = 7,            /* (u): the peer in control, 0 none */
    GH_WORKER_MSG_STOP = 8,               /* (): orderly end */
    GH_WORKER_MSG_REPLY = 9,              /* (iss): answer to a service request: rc (0 or -errno), error message,
                                           * text (QMP reply or screenshot MIME); fd: the screenshot (memfd) */
    /* worker -> daemon */
    GH_WORKER_MSG_READY = 20,             /* (ssssb): capture, stream, input, audio backend names ("" none),
                                           * interactive */
    GH_WORKER_MSG_FAIL = 21,              /* (s): a backend failed: the reason */
    GH_WORKER_MSG_STATS = 22,             /* a{sv}: the live view (keys: the worker's) */
    GH_WORKER_MSG_INPUT_DONE = 23,        /* (isa(uus)): rc, message, drops (index, reason GhInputDrop, message) */
    GH_WORKER_MSG_FRAME_DONE = 24,        /* (is): rc, message; fd: the PNG (memfd) when rc is 0 */
    GH_WORKER_MSG_PEER_OPEN_DONE = 25,    /* (uis): peer, rc, why */
    GH_WORKER_MSG_PEER_MESSAGE_DONE = 26, /* (uis): peer, rc, why */
    GH_WORKER_MSG_SIGNAL_SEND = 27,       /* (us): peer, a signalling message for it */
    GH_WORKER_MSG_PEER_INPUT = 28,        /* (us): peer, input JSON from its data channel */
    GH_WORKER_MSG_PEER_CLOSE_REQUEST = 29,/* (us): peer, reason */
    GH_WORKER_MSG_SCREENSHOT = 30,        /* (): service request, answered by a reply */
    GH_WORKER_MSG_SEND_KEYS = 31,         /* (auu): codes, hold_ms; service request */
    GH_WORKER_MSG_QMP = 32,               /* (s): a QMP command; service request */
    GH_WORKER_MSG_LAST = GH_WORKER_MSG_QMP,
} GhWorkerMsg;

/* Every message type above, in order of type. */
extern const GhWireKind gh_worker_proto_table[];
extern const guint gh_worker_proto_n;

/* The kind of type; NULL (and a critical) for a type not in the protocol. */
const GhWireKind *gh_worker_proto_kind(GhWorkerMsg type);

/* The body of an input message (a(uuiuiit)), floating. */
GVariant *gh_worker_proto_events_to_variant(const gh_input_event *ev, guint n);
/* The events of an input body (gh_input_event); NULL for another type. */
GArray *gh_worker_proto_events_from_variant(GVariant *v);
