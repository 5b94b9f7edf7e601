/* session-private: the session manager's internals, shared by session.c (the
 * state machine) and session-restore.c (adoption at daemon start). */
#pragma once

#include "session.h"
#include "plugin/pipeline.h"
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
};

typedef struct SessionPeers SessionPeers;
typedef void (*SessionPipelineClosed)(GhSessionManager *mgr, const char *id);

/* A running session's pipeline and what the host keeps beside it. */
typedef struct {
    GhSessionManager *mgr;
    char *id;
    GhPipeline *pipeline;
    GhVmAccess *vm;
    GhDbusRelay *dbus_relay;     /* the plugins' way to QEMU's D-Bus bus, may be NULL */
    GhPluginSessionOps ops;      /* VM access plus the players' signaling, for the plugins */
    SessionPeers *peers;         /* the players on its signal endpoint (session-peers.c) */
    guint users;                 /* frame requests in flight */
    gboolean closing;
    SessionPipelineClosed then;
} SessionPipeline;

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
/* Builds s's pipeline (nothing without plugins); FALSE with the reason. */
gboolean gh_session_pipeline_start(GhSessionManager *mgr, GhSession *s, GError **error);
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

/* session-pipeline.c: gh_pipeline_send_input, with the drops added to the
 * manager's totals.  Main loop. */
gboolean gh_session_pipeline_send_input(GhSessionManager *mgr, GhPipeline *pipeline, const gh_input_event *events,
                                        guint n, GArray **drops, GError **error);

/* session-peers.c: the players of a running session's signal endpoint (see
 * the file).  New with the pipeline; retired (then nothing queued for the
 * main loop touches the manager) when the pipeline goes, after every open
 * peer was closed with the stream backend; unref'd only once the pipeline
 * is freed, as its backends may call the services until destroy returns. */
SessionPeers *gh_session_peers_new(GhSessionManager *mgr, const char *id);
void gh_session_peers_retire(SessionPeers *peers, GhPipeline *pipeline);
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
