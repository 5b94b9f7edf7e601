/* session: the session record, its state machine and the manager that owns all
 * sessions of this host: create (overlay, domain, start), stop, lifecycle events
 * from libvirt, persistence through store, and adoption of running domains when
 * the daemon starts.  Runs on the GLib main loop; blocking libvirt calls run on
 * worker threads and their results come back to the main loop. */
#pragma once

#include <gio/gio.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <gamehost/input.h>
#include "conf/config.h"
#include "gpu/gpu-claim.h"
#include "conf/catalog.h"
#include "plugin/pipeline.h"
#include "plugin/plugin-registry.h"
#include "virt/virt.h"
#include "util/enum.h"

typedef enum {
    GH_SESSION_STARTING,
    GH_SESSION_RUNNING,
    GH_SESSION_STOPPING,
    GH_SESSION_STOPPED,
    GH_SESSION_FAILED,
} GhSessionState;
/* The count of states, for the names table.  Outside the enum because
 * switches over a state name every state and no default (session-restore.c);
 * a state added after FAILED must move it. */
enum { GH_SESSION_STATE_LAST = GH_SESSION_FAILED + 1 };

/* Read-only outside session.c. */
typedef struct {
    char *id;                /* UUID */
    char *image_id;
    GhSessionState state;
    char *reason;            /* why it failed or stopped; NULL otherwise.  While
                              * stopping: the failure the stop is for (the
                              * session then ends FAILED with it) */
    char *domain_name;
    char *dir;               /* <state>/sessions/<id>/ : serial log, vnc socket, overlay */
    char *serial_log;
    char *vnc_socket;
    char *overlay_path;      /* NULL when the image has no disk (gh_image_has_disk) */
    gint64 created_at;       /* unix usec */
    gint64 started_at;       /* running since, 0 if never */
    gint64 stopped_at;       /* 0 unless stopped/failed */
    GHashTable *labels;      /* string → string */
    char *idempotency_key;   /* NULL if none */
    char *request_hash;      /* hash of the create request, for idempotency */
    gboolean adopted;        /* found running at daemon start */
    gboolean stop_requested; /* a stop came while starting: stop once running (persisted) */
    GhGpuAssignment *gpu;    /* the GPU it holds, NULL for the emulated display */
    char *capture, *stream, *input, *audio;/* backends asked for at create; NULL = the default */
    GHashTable *backend_options;    /* backend name → GHashTable (string → string); may be NULL */
    /* The player token (docs/player.md): only its SHA-256 is kept (and
     * persisted), never the token. */
    gboolean has_player_token;
    guint8 player_token_sha256[32];
    gint64 player_token_expires_at; /* unix usec */
} GhSession;

typedef struct {
    const char *image_id;
    GHashTable *labels;      /* may be NULL; copied */
    const char *idempotency_key; /* may be NULL */
    const char *request_hash;    /* required when idempotency_key is set */
    gboolean want_gpu;           /* ask for a GPU (an image whose profile requires one always does) */
    gboolean gpu_required;       /* fail rather than start without one */
    GhGpuRequest gpu;            /* which GPU: alias and/or vendor */
    const char *capture;         /* backend names (see pipeline.h); NULL = the default */
    const char *stream;
    const char *input;
    const char *audio;           /* NULL = for an image with sound, the first audio backend that serves it */
    GHashTable *backend_options; /* backend name → GHashTable (string → string); may be NULL; copied */
} GhSessionRequest;

#define GH_SESSION_ERROR (gh_session_error_quark())
GQuark gh_session_error_quark(void);
typedef enum {
    GH_SESSION_ERROR_UNKNOWN_IMAGE,   /* 404/400 */
    GH_SESSION_ERROR_NOT_FOUND,       /* 404 */
    GH_SESSION_ERROR_CAPACITY,        /* 409 */
    GH_SESSION_ERROR_DRAINING,        /* 503 */
    GH_SESSION_ERROR_IDEMPOTENCY,     /* 422: key reused with another request */
    GH_SESSION_ERROR_UNSUPPORTED,     /* 409: image needs what this host lacks */
    GH_SESSION_ERROR_NO_GPU,          /* 409: a GPU is required and none is free */
    GH_SESSION_ERROR_INTERNAL,        /* 500 */
    GH_SESSION_ERROR_NOT_RUNNING,     /* 409: input or frame for a session that is not running */
    GH_SESSION_ERROR_BACKEND,         /* at create: unknown backend or wrong kind (400 invalid_backend);
                                       * later: no such backend in the session, or it failed */
    GH_SESSION_ERROR_NO_STREAM,       /* 409: a player for a session whose stream backend is not interactive */
    GH_SESSION_ERROR_TOO_MANY_VIEWERS,/* 503: [sessions] max_viewers players already connected */
    GH_SESSION_ERROR_PEER_REFUSED,    /* the stream backend's peer_open refused the player */
    GH_SESSION_ERROR_STARTING,        /* 503: a player for a session still starting (or being adopted) */
} GhSessionError;

typedef struct GhSessionManager GhSessionManager;

/* Called on the main loop after every state change of a session (also on
 * create).  previous == new state on create. */
typedef void (*GhSessionEventFunc)(const GhSession *session, GhSessionState previous,
                                   gpointer user_data);

/* Runs on the thread-default main context of the caller. */
GhSessionManager *gh_session_manager_new(const GhConfig *config, GhVirt *virt,
                                         const GhCatalog *catalog, GError **error);
GhSessionManager *gh_session_manager_free(GhSessionManager *mgr);
/* Hands the manager the host's GPU claim tracker (owned by the caller, set
 * before restore); without one, sessions get the emulated display only. */
void gh_session_manager_set_gpus(GhSessionManager *mgr, GhGpuClaims *claims);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhSessionManager, gh_session_manager_free)
/* Hands the manager the plugin registry (owned by the caller, outliving the
 * manager; set before restore).  NULL: sessions get no pipeline.  Each
 * running session's plugins run in a worker process ([plugins] in the
 * config); FALSE when workers cannot be started (the user is missing). */
gboolean gh_session_manager_set_plugins(GhSessionManager *mgr, GhPluginRegistry *plugins, GError **error);

/* Loads records from the state dir and reconciles them with the domains
 * libvirt runs: running ones are adopted, missing ones fail, orphans are
 * destroyed.  Called once, before the API serves. */
gboolean gh_session_manager_restore(GhSessionManager *mgr, GError **error);

/* Starts a session asynchronously; returns it in state STARTING (or the
 * existing one for a repeated idempotency key, with *replayed = TRUE). */
const GhSession *gh_session_manager_create(GhSessionManager *mgr, const GhSessionRequest *req,
                                           gboolean *replayed, GError **error);
/* Begins stopping; returns the session (STOPPING, or unchanged when already
 * stopped/failed). */
const GhSession *gh_session_manager_stop(GhSessionManager *mgr, const char *id, GError **error);
const GhSession *gh_session_manager_lookup(GhSessionManager *mgr, const char *id);

/* Main loop.  Input events for a running session's input backend, in order,
 * event by event where the backend refuses some (gh_pipeline_send_input):
 * done gets those not delivered (GhPipelineInputDrop), counted by reason,
 * and error (NULL when something was delivered): NOT_FOUND; NOT_RUNNING;
 * BACKEND when the session has no input backend, its worker is restarting,
 * the events are too many (> 4096) or the backend failed on every event
 * (its message).  done runs on the main loop, perhaps before this returns. */
typedef void (*GhSessionInputDone)(gpointer data, GArray *drops, const GError *error);
void gh_session_manager_send_input(GhSessionManager *mgr, const char *id, const gh_input_event *events, guint n,
                                   GhSessionInputDone done, gpointer data);
/* Main loop: a fresh frame of a running session as PNG.  The capture and the
 * wait (up to timeout_ms) run in a worker thread; callback runs on the main
 * loop.  Errors: NOT_FOUND, NOT_RUNNING, BACKEND (no capture backend, the
 * capture failed, or no frame in time), G_IO_ERROR_CANCELLED. */
void gh_session_manager_frame_png_async(GhSessionManager *mgr, const char *id, guint timeout_ms,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data);
GBytes *gh_session_manager_frame_png_finish(GhSessionManager *mgr, GAsyncResult *result, GError **error);
/* The same, blocking: from any thread except the main loop's (it runs the
 * async form there and waits for it). */
GBytes *gh_session_manager_frame_png(GhSessionManager *mgr, const char *id, guint timeout_ms, GError **error);
/* Main loop: the session for the API, gh_session_to_json plus the live
 * "pipeline": {"capture","stream","input": name or null, "stats": {...}},
 * null when the session has no pipeline. */
JsonNode *gh_session_manager_session_json(GhSessionManager *mgr, const GhSession *session);
/* All sessions, sorted by created_at then id; free the array only. */
GPtrArray *gh_session_manager_list(GhSessionManager *mgr);

void gh_session_manager_set_draining(GhSessionManager *mgr, gboolean draining);
gboolean gh_session_manager_is_draining(GhSessionManager *mgr);
guint gh_session_manager_capacity(GhSessionManager *mgr);
/* Sessions in starting/running/stopping: they hold a VM slot. */
guint gh_session_manager_active(GhSessionManager *mgr);
guint gh_session_manager_count_in_state(GhSessionManager *mgr, GhSessionState state);

guint gh_session_manager_subscribe(GhSessionManager *mgr, GhSessionEventFunc fn, gpointer user_data);
void gh_session_manager_unsubscribe(GhSessionManager *mgr, guint id);

/* Stops every session synchronously (tests, not daemon shutdown: VMs outlive the daemon). */
void gh_session_manager_stop_all_sync(GhSessionManager *mgr);

/* ---- players (docs/player.md) ---------------------------------------- */

/* Unix time in microseconds; tests replace it to make tokens expire. */
typedef gint64 (*GhSessionClock)(void);
void gh_session_manager_set_clock(GhSessionManager *mgr, GhSessionClock clock);
gint64 gh_session_manager_now(GhSessionManager *mgr);

/* Mints a player token for a starting or running session, replacing (so
 * revoking) the one it had; only the digest is kept, and persisted.  ttl_s
 * 0 means [api] player_token_ttl.  Returns the token with *expires_at (unix
 * usec); NOT_FOUND, NOT_RUNNING (the session has ended) or INTERNAL. */
char *gh_session_manager_mint_player_token(GhSessionManager *mgr, const char *id, guint ttl_s,
                                           gint64 *expires_at, GError **error);

typedef enum {
    GH_PLAYER_TOKEN_ACCEPTED,
    GH_PLAYER_TOKEN_UNKNOWN,         /* no session holds it (or it was revoked) */
    GH_PLAYER_TOKEN_EXPIRED,         /* the session's, but past its expiry */
    GH_PLAYER_TOKEN_WRONG_SESSION,   /* another session's */
} GhPlayerTokenCheck;
/* Whether token opens session id's player.  Every session's digest is
 * compared in full, so the time taken does not tell which matched. */
GhPlayerTokenCheck gh_session_manager_check_player_token(GhSessionManager *mgr, const char *id,
                                                         const char *token);

/* A plugin worker's death (session JSON "pipeline.worker.last_crash", the
 * SSE event "session.worker", /metrics). */
typedef struct {
    gint64 at;                   /* unix usec */
    char *summary;               /* "killed by SIGSEGV in stream.x push_frame" */
    char *backend, *op;          /* the backend call it died in, NULL when not known */
    int signal;                  /* 0: it exited, hung or was cut off */
    gboolean hang;               /* killed by the watchdog */
    gboolean cut_off;            /* killed for a malformed message */
} GhSessionCrash;
void gh_session_crash_clear(GhSessionCrash *crash);
JsonNode *gh_session_crash_json(const GhSessionCrash *crash);
typedef void (*GhSessionCrashFunc)(const GhSession *session, const GhSessionCrash *crash, guint64 count,
                                   gpointer user_data);
guint gh_session_manager_subscribe_crashes(GhSessionManager *mgr, GhSessionCrashFunc fn, gpointer user_data);
typedef struct {
    guint running;               /* workers alive now */
    guint64 restarts;            /* since the daemon started */
    guint64 crashes;
} GhSessionWorkerTotals;
void gh_session_manager_worker_totals(GhSessionManager *mgr, GhSessionWorkerTotals *totals);
/* Each (backend, signal) of the deaths since start with its count: fn is
 * called per pair ("" when not known). */
void gh_session_manager_foreach_crash(GhSessionManager *mgr,
                                      void (*fn)(const char *backend, const char *signal, guint64 n, gpointer data),
                                      gpointer data);

/* Where the host's side of the signal endpoint lands: the API's WebSocket
 * connections.  Called on the main loop; a peer that is gone is ignored. */
typedef struct {
    void (*send)(gpointer data, const char *session_id, guint32 peer, const char *message);
    void (*close)(gpointer data, const char *session_id, guint32 peer, const char *reason);
    /* The stream backend refused one of the peer's messages (it stays). */
    void (*refuse)(gpointer data, const char *session_id, guint32 peer, const char *why);
    /* The stream backend refused the peer itself (after its welcome). */
    void (*reject)(gpointer data, const char *session_id, guint32 peer, const char *why);
} GhSessionSignalSink;
void gh_session_manager_set_signal_sink(GhSessionManager *mgr, const GhSessionSignalSink *sink, gpointer data);

/* Main loop.  Whether a player may connect to session id now: NOT_FOUND,
 * NOT_RUNNING, NO_STREAM (no interactive stream backend), TOO_MANY_VIEWERS. */
gboolean gh_session_manager_peer_admit(GhSessionManager *mgr, const char *id, GError **error);
/* Admits a player and opens it with the stream backend: its number (from 1
 * per session, never reused) and whether it took control; 0 with the
 * admission error or PEER_REFUSED (the backend's message). */
guint32 gh_session_manager_peer_open(GhSessionManager *mgr, const char *id, gboolean *control, GError **error);
/* A player's signaling message for the stream backend: 0 or its negative
 * errno, with *message (free it) saying why. */
int gh_session_manager_peer_message(GhSessionManager *mgr, const char *id, guint32 peer, const char *message,
                                    char **why);
/* The player left (or was closed): the backend hears peer_close.  Returns
 * the peer that took control in its place, or 0. */
guint32 gh_session_manager_peer_close(GhSessionManager *mgr, const char *id, guint32 peer);
/* Whether session id's plugin worker has yet to build its pipeline (after
 * a start, an adoption or a restart): its live view has no backends yet. */
gboolean gh_session_pipeline_pending(GhSessionManager *mgr, const char *id);
/* Sound over the sessions running now (their pipelines' audio stats summed). */
typedef struct {
    guint sessions;              /* running sessions with sound */
    guint64 frames, refused, dropped, mic_frames, mic_dropped, mic_underruns;
} GhSessionAudioTotals;
void gh_session_manager_audio_totals(GhSessionManager *mgr, GhSessionAudioTotals *totals);
/* Game pads over the sessions running now (ABI 1.4). */
typedef struct {
    guint attached;              /* pads plugged into the VMs */
    guint64 events;              /* pad button and axis events delivered to the input backends */
    guint64 rumble_reports;      /* rumbles the guests sent their pads */
} GhSessionPadTotals;
void gh_session_manager_pad_totals(GhSessionManager *mgr, GhSessionPadTotals *totals);
/* Input dropped since start (all sessions): players' messages dropped whole
 * (malformed, not from the controller), and events the input backends did
 * not take, indexed by GhInputDrop (by_reason: GH_INPUT_DROP_LAST of them). */
void gh_session_manager_input_dropped(GhSessionManager *mgr, guint64 *malformed, guint64 *not_controller,
                                      guint64 *by_reason);

/* "starting", ...; "unknown" for a value that is no state. */
GH_ENUM_DECL(session_state, GhSessionState);
gboolean gh_session_state_is_active(GhSessionState state);

/* The session as JSON, the record kept in the state dir (the API adds the
 * live part: gh_session_manager_session_json). */
JsonNode *gh_session_to_json(const GhSession *session);
/* NULL with an error naming the bad field. */
GhSession *gh_session_from_json(JsonNode *node, GError **error);
GhSession *gh_session_free(GhSession *session);
/* GDestroyNotify form of gh_session_free. */
void gh_session_destroy(gpointer session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhSession, gh_session_free)
