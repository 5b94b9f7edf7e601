/* session-private: the session manager's internals, shared by session.c (the
 * state machine) and session-restore.c (adoption at daemon start). */
#pragma once

#include "session.h"
#include "plugin/pipeline.h"
#include "plugin/worker-client.h"
#include "plugin/worker-start.h"
#include "store.h"
#include "virt/dbus-relay.h"
#include "virt/vm-access.h"

typedef struct {
    GhSessionEventFunc fn;
    gpointer data;
} Subscriber;

struct GhSessionManager {
    const GhConfig *config;
    GhVirt *virt;
    const GhCatalog *catalog;
    GhStore *store;
    char *sessions_dir;
    GHashTable *sessions;        /* id → GhSession* (owned) */
    GHashTable *by_domain;       /* domain name → GhSession* */
    GHashTable *by_idempotency;  /* key → GhSession* */
    GHashTable *subscribers;     /* guint id → Subscriber* */
    guint next_subscriber;
    gboolean draining;
    guint pending;               /* worker tasks in flight */
    GMainContext *context;       /* thread-default at creation: workers report here */
    GhGpuClaims *gpus;           /* NULL: no GPUs on this host */
    GhPluginRegistry *plugins;   /* NULL: no pipelines */
    GHashTable *pipelines;       /* session id → SessionPipeline* (session-pipeline.c) */
    GhSessionClock clock;        /* unix usec; g_get_real_time unless a test sets one */
    GhSessionSignalSink sink;    /* the API's signal connections (session-peers.c) */
    gpointer sink_data;
    guint64 dropped_malformed;   /* player input dropped, all sessions (atomic) */
    guint64 dropped_not_controller;
    guint64 input_dropped[GH_INPUT_DROP_LAST];  /* events the input backends did not take (atomic) */
    GhWorkerSandbox worker_sandbox; /* how plugin workers start (session-pipeline.c) */
    GStrv worker_env;            /* their whole environment */
    char *worker_home;           /* <state_dir>/worker: their HOME and caches */
    guint64 worker_restarts;     /* atomic */
    guint64 worker_crashes;
    GHashTable *crash_counts;    /* "backend\nsignal" → guint64*, for /metrics */
    GHashTable *crash_subscribers; /* guint id → CrashSubscriber* */
};

typedef struct {
    GhSessionCrashFunc fn;
    gpointer data;
} CrashSubscriber;

typedef struct SessionPeers SessionPeers;
typedef void (*SessionPipelineClosed)(GhSessionManager *mgr, const char *id);

/* A running session's pipeline, run by its plugin worker, and what the
 * host keeps beside it. */
typedef struct {
    GhSessionManager *mgr;
    char *id;
    GhWorkerClient *worker;      /* NULL between a death and its restart */
    gboolean ready;              /* the worker built the pipeline */
    GhVmAccess *vm;
    GhDbusRelay *dbus_relay;     /* the plugins' way to QEMU's D-Bus bus, may be NULL */
    GhPluginSessionOps ops;      /* VM access plus the players' signaling, for the plugins */
    SessionPeers *peers;         /* the players on its signal endpoint (session-peers.c) */
    gboolean closing;
    SessionPipelineClosed then;
    GSource *restart_source;     /* on the manager's context */
    guint restarts;
    guint64 crashes;
    GArray *recent;              /* gint64: monotonic times of the deaths within the window */
    GhSessionCrash last;
} SessionPipeline;

#define SESSION_WORKER_GRACE_MS 3000u  /* a stopping worker's time to destroy its backends */

/* Persists, logs and tells subscribers; the one place a state changes. */
void gh_session_set_state(GhSessionManager *mgr, GhSession *s, GhSessionState state, const char *reason);
void gh_session_persist(GhSessionManager *mgr, const GhSession *s);
/* Releases the session's resources and moves it to a final state. */
void gh_session_end(GhSessionManager *mgr, GhSession *s, GhSessionState state, const char *reason);
void gh_session_release(GhSessionManager *mgr, GhSession *s);
void gh_session_index(GhSessionManager *mgr, GhSession *s);
/* Moves s to STOPPING, closes its pipeline, then destroys the domain; with a
 * fail_reason the session ends FAILED with it, else STOPPED. */
void gh_session_stop_begin(GhSessionManager *mgr, GhSession *s, const char *fail_reason);
/* A running session's plugin failed: stop it, ending FAILED with reason. */
void gh_session_fail(GhSessionManager *mgr, GhSession *s, const char *reason);
/* A session whose domain runs, started by its job or adopted at daemon start,
 * becomes RUNNING: its GPU claim is marked allocated; a stop asked for while
 * it started is honoured now; else its pipeline is built, and one that
 * cannot be stops it, ending FAILED with the reason. */
void gh_session_enter_running(GhSessionManager *mgr, GhSession *s);

/* session-pipeline.c: a running session's pipeline.  Refuses a request
 * naming unknown backends (GH_SESSION_ERROR_BACKEND, naming it). */
gboolean gh_session_backends_check(GhSessionManager *mgr, const GhSessionRequest *req, GError **error);
/* Starts s's plugin worker (nothing without plugins); FALSE with the
 * reason.  The worker builds the pipeline; gh_session_pipeline_ready
 * follows once it did. */
gboolean gh_session_pipeline_start(GhSessionManager *mgr, GhSession *s, GError **error);
/* session-worker-start.c: st filled for s (what it computed is the
 * caller's to free: relay_path, dbus_socket, pad_socket[], plugins,
 * read_paths, write_paths), the session's files handed to the worker's
 * user; returns the start message (floating). */
GVariant *gh_session_worker_start_message(SessionPipeline *sp, GhSession *s, GhWorkerStart *st);
/* session.c: s's pipeline is up: it becomes RUNNING (or stops, when a
 * stop was asked for meanwhile). */
void gh_session_pipeline_ready(GhSessionManager *mgr, GhSession *s);
/* session.c: a worker died; counted and told to the subscribers. */
void gh_session_worker_crashed(GhSessionManager *mgr, const char *id, const GhSessionCrash *crash, guint64 count);
/* Sets up how workers start: the user, HOME, environment; FALSE naming
 * what is missing (the user). */
gboolean gh_session_workers_init(GhSessionManager *mgr, GError **error);
/* Frees the session's pipeline, then calls then (may be NULL; also called
 * when there is no pipeline).  While frame requests are in flight the
 * pipeline stays until the last is answered (within its timeout): the free
 * and then happen at that point, on the main loop. */
void gh_session_pipeline_close(GhSessionManager *mgr, const char *id, SessionPipelineClosed then);
/* At manager free, with no worker in flight. */
void gh_session_pipelines_free(GhSessionManager *mgr);

/* session-gpu.c: a session's GPU claim.  Claims one for s when the request
 * or the image's profile asks (s->gpu stays NULL otherwise); FALSE with
 * GH_SESSION_ERROR_NO_GPU when one is required and none is free. */
gboolean gh_session_gpu_claim(GhSessionManager *mgr, GhSession *s, const GhImage *image,
                           const GhSessionRequest *req, GError **error);
void gh_session_gpu_release(GhSessionManager *mgr, GhSession *s);
void gh_session_gpu_allocated(GhSessionManager *mgr, GhSession *s);
/* At daemon start: re-establishes the claim of a session read back from its
 * record, and of any PCI device the running domain (domain_xml, may be NULL)
 * holds beyond it, so nothing it uses is given out again. */
void gh_session_gpu_restore(GhSessionManager *mgr, GhSession *s, const char *domain_xml);

/* session-pipeline.c: input to the worker, with the drops added to the
 * manager's totals.  Main loop; done (may be NULL) gets the answer. */
void gh_session_pipeline_send_input(GhSessionManager *mgr, GhWorkerClient *worker, const gh_input_event *events,
                                    guint n, GhSessionInputDone done, gpointer data);

/* session-peers.c: the players of a running session's signal endpoint (see
 * the file).  New with the pipeline; retired (then nothing queued for the
 * main loop touches the manager) when the pipeline goes, after every open
 * peer was closed with the stream backend; unref'd only once the pipeline
 * is freed, as its backends may call the services until destroy returns. */
SessionPeers *gh_session_peers_new(GhSessionManager *mgr, const char *id);
void gh_session_peers_retire(SessionPeers *peers, GhWorkerClient *worker);
/* The worker died: every player is closed with reason (they reconnect). */
void gh_session_peers_close_all(SessionPeers *peers, const char *reason);
void gh_session_peers_unref(SessionPeers *peers);
/* The host services of ABI 1.2, for SessionPipeline.ops; any thread. */
int gh_session_peers_signal_send(SessionPeers *peers, guint32 peer, const char *message);
int gh_session_peers_input(SessionPeers *peers, guint32 peer, const char *json, gsize len);
/* Any thread: whether peer is the one in control (its input and microphone are taken). */
gboolean gh_session_peers_controls(SessionPeers *peers, guint32 peer);
/* Any thread: the peer in control, 0 when nobody is (or the session is closing). */
guint32 gh_session_peers_controller(SessionPeers *peers);
void gh_session_peers_request_close(SessionPeers *peers, guint32 peer, const char *reason);
/* "players": {"connected", "control", "input_dropped": {...}} for the live view. */
JsonNode *gh_session_peers_json(SessionPeers *peers);
