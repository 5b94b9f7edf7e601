/* worker-client: the daemon's side of one session's plugin worker
 * (gamehost-worker).  Starts it confined (worker-sandbox.h) with one
 * SEQPACKET socket (wire.h, worker-proto.h) and the watch page
 * (plugin-watch.h); serves the host services it asks for (VM access in a
 * thread, the players on the main loop); keeps the last pipeline view it
 * sent; answers requests to it asynchronously, so nothing on the main
 * loop ever waits on a worker.  It notices a death at once (EOF, then the
 * exit status), names the backend call the worker was in, and kills a
 * worker whose backend call overran the watchdog or that sent anything
 * malformed.  Main loop only. */
#pragma once
#include <gio/gio.h>
#include "pipeline-input.h"
#include "pipeline-view.h"
#include "plugin-registry.h"
#include "worker-sandbox.h"

typedef struct GhWorkerClient GhWorkerClient;

/* How a worker ended, when nobody asked it to. */
typedef struct {
    int signal;                  /* the signal that killed it, 0 if it exited */
    int status;                  /* its exit status when signal is 0 */
    gboolean hang;               /* killed by the watchdog */
    char *backend, *op;          /* the backend call it was in (NULL: none known) */
    char *cut_off;               /* killed for a protocol violation: what it sent */
    char *summary;               /* one line for people: "killed by SIGSEGV in stream.x push_frame" */
} GhWorkerExit;

typedef struct {
    void (*ready)(gpointer data);                           /* the view has its backend names */
    void (*failed)(gpointer data, const char *reason);      /* a backend failed (not a crash) */
    void (*exited)(gpointer data, const GhWorkerExit *exit);/* died unasked */
} GhWorkerClientEvents;

typedef struct {
    const char *path;            /* the gamehost-worker binary */
    GhWorkerSandbox sandbox;
    guint watchdog_ms;           /* the longest one backend call may take */
    const char *const *env;      /* the worker's whole environment */
} GhWorkerSpawn;

/* start: the "start" message's a{sv} (sunk).  ops are the VM and player
 * services it may ask for (as GhPluginSessionInfo.ops); events come on
 * ctx's loop. */
GhWorkerClient *gh_worker_client_new(const GhWorkerSpawn *spawn, GVariant *start,
                                     const GhPluginSessionOps *ops, gpointer ops_ctx,
                                     const GhWorkerClientEvents *events, gpointer data, GError **error);
/* Kills it if still running; no event afterwards. */
void gh_worker_client_free(GhWorkerClient *c);
/* Asks it to end (its backends destroyed in order); done is called once
 * it is gone, within grace_ms (then it is killed). */
void gh_worker_client_stop(GhWorkerClient *c, guint grace_ms, GCallback done, gpointer data);

int gh_worker_client_pid(GhWorkerClient *c);
/* The last view it sent (names once ready). */
const GhPipelineView *gh_worker_client_view(GhWorkerClient *c);

/* Input, in order; done gets 0 or -errno (-ENODEV no input backend), the
 * message, and the drops (GhPipelineInputDrop); NULL done: fire and forget. */
typedef void (*GhWorkerInputDone)(gpointer data, int rc, const char *message, GArray *drops);
void gh_worker_client_send_input(GhWorkerClient *c, const gh_input_event *events, guint n, GhWorkerInputDone done,
                                 gpointer data);
/* A fresh frame as PNG (a GBytes, or an error: G_IO_ERROR_TIMED_OUT when
 * none came in time, GH_PIPELINE_ERROR otherwise). */
void gh_worker_client_frame_png_async(GhWorkerClient *c, guint timeout_ms, GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer data);
GBytes *gh_worker_client_frame_png_finish(GhWorkerClient *c, GAsyncResult *result, GError **error);
/* Players: the answers come back through done (rc 0 or -errno, why). */
typedef void (*GhWorkerPeerDone)(gpointer data, guint32 peer, int rc, const char *why);
void gh_worker_client_peer_open(GhWorkerClient *c, guint32 peer, guint32 flags, GhWorkerPeerDone done, gpointer data);
void gh_worker_client_peer_message(GhWorkerClient *c, guint32 peer, const char *message, GhWorkerPeerDone done,
                                   gpointer data);
void gh_worker_client_peer_close(GhWorkerClient *c, guint32 peer);
void gh_worker_client_set_control(GhWorkerClient *c, guint32 peer);

void gh_worker_exit_clear(GhWorkerExit *exit);
/* "SIGSEGV" for 11; "signal 77" past the table. */
const char *gh_worker_signal_name(int sig, char buf[16]);
