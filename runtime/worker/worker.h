/* gamehost-worker: one session's plugins, out of the daemon.  worker-main.c
 * reads the start message, confines itself, loads the plugins and runs the
 * pipeline on its main loop; worker-link.c is its end of the socket: a
 * reader thread, the host services that need the daemon, and the answers
 * to the daemon's requests. */
#pragma once
#include <glib.h>
#include "plugin/pipeline.h"
#include "plugin/wire.h"
#include "plugin/worker-proto.h"

typedef struct WorkerLink WorkerLink;

/* The daemon's requests go to handle on ctx's loop, in order; replies to
 * the worker's own requests wake their caller.  EOF or a malformed
 * message ends the process: the daemon is gone or wrong. */
typedef void (*WorkerHandleFunc)(gpointer data, GhWireMsg *msg);
WorkerLink *worker_link_new(int fd, GMainContext *ctx, WorkerHandleFunc handle, gpointer data);
gboolean worker_link_send(WorkerLink *l, GhWorkerMsg type, guint32 serial, GVariant *body, const int *fds,
                          guint n_fds);
/* The services table the pipeline's backends reach the daemon through. */
const GhPluginSessionOps *worker_link_ops(void);
/* The player in control, as the daemon last said. */
void worker_link_set_control(WorkerLink *l, guint32 peer);
/* A peer the daemon opened (before the backend's peer_open) or closed
 * (before its peer_close): signal_send answers -ENOENT for one not open. */
void worker_link_set_peer(WorkerLink *l, guint32 peer, gboolean open);
