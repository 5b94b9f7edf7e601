/* session-peers: the players connected to a running session's signal
 * endpoint (docs/player.md), as the session manager sees them: their
 * numbers, who is in control, and the host services of ABI 1.2 that a
 * stream backend calls about them (signal_send, peer_input, peer_close).
 *
 * Threads.  Opening, closing and relaying run on the main loop.  The
 * services run on any thread: they check what they can under `lock` (is
 * the peer open, is it in control), then queue their work in `inbox`, which
 * one idle source on the main loop empties in order, so a backend's
 * messages and a player's input reach their destination in the order they
 * were made.  The queue holds a reference; `alive`, cleared when the
 * pipeline goes, makes work still queued then do nothing.  The pipeline's
 * reference is dropped only after its backends are destroyed: until destroy
 * returns, a backend may still call the services (they then fail).
 *
 * Held input.  What the controller holds (keys, buttons, pad axes off 0) is
 * noted when its input is queued, under `lock`; when it leaves, its
 * releases are queued behind its last input, so a release never overtakes
 * its press.  Input from the orchestrator (POST /input) is not tracked: it
 * is the orchestrator's to release.  Lines logged per event (input not
 * delivered) are rate-limited per session and reason. */
#include <errno.h>
#include <string.h>

#include <gamehost/plugin.h>
#include "util/input-held.h"
#include "util/input-json.h"
#include "util/json-util.h"
#include "util/log-limit.h"
#include "session-private.h"

/* Input from a player is one data-channel message: the same bound as a
 * signaling message. */
#define PEERS_MAX_INPUT_BYTES GH_SIGNAL_MAX_MESSAGE

struct SessionPeers {
    gint refs;
    GMutex lock;
    gboolean alive;              /* main loop writes; any thread reads under lock */
    GhSessionManager *mgr;       /* touched on the main loop only, while alive */
    char *session_id;
    GArray *open;                /* guint32 peer numbers, in connect order */
    guint32 controller;          /* 0: nobody */
    guint32 last;                /* the last number given: numbers are never reused */
    GQueue inbox;                /* PeerWork* for the main loop */
    gboolean scheduled;          /* an idle source will empty inbox */
    guint64 dropped_malformed, dropped_not_controller;
    GhInputHeld *held;           /* what the controller holds (under lock) */
    GhLogLimit *log_limit;       /* "input not delivered" lines, by reason */
};

typedef enum { PEER_WORK_SEND, PEER_WORK_CLOSE, PEER_WORK_INPUT, PEER_WORK_RELEASE } PeerWorkKind;

typedef struct {
    PeerWorkKind kind;
    guint32 peer;
    char *text;                  /* SEND: the message; CLOSE: the reason; RELEASE: why ("left") */
    GArray *events;              /* INPUT, RELEASE: gh_input_event */
} PeerWork;

static void
peer_work_free(PeerWork *w)
{
    g_free(w->text);
    if (w->events)
        g_array_unref(w->events);
    g_free(w);
}

static SessionPeers *
peers_ref(SessionPeers *peers)
{
    g_atomic_int_inc(&peers->refs);
    return peers;
}

void
gh_session_peers_unref(SessionPeers *peers)
{
    if (!peers || !g_atomic_int_dec_and_test(&peers->refs))
        return;
    g_queue_clear_full(&peers->inbox, (GDestroyNotify)peer_work_free);
    g_array_unref(peers->open);
    gh_input_held_free(peers->held);
    gh_log_limit_free(peers->log_limit);
    g_mutex_clear(&peers->lock);
    g_free(peers->session_id);
    g_free(peers);
}

SessionPeers *
gh_session_peers_new(GhSessionManager *mgr, const char *id)
{
    SessionPeers *peers = g_new0(SessionPeers, 1);

    peers->refs = 1;
    peers->alive = TRUE;
    peers->mgr = mgr;
    peers->session_id = g_strdup(id);
    peers->open = g_array_new(FALSE, FALSE, sizeof(guint32));
    peers->held = gh_input_held_new();
    peers->log_limit = gh_log_limit_new(GH_LOG_LIMIT_INTERVAL_US, NULL);
    g_mutex_init(&peers->lock);
    g_queue_init(&peers->inbox);
    return peers;
}

/* Under lock. */
static gint
peers_index(SessionPeers *peers, guint32 peer)
{
    for (guint i = 0; i < peers->open->len; i++)
        if (g_array_index(peers->open, guint32, i) == peer)
            return (gint)i;
    return -1;
}

/* ---- the inbox: work for the main loop, in order ------------------------ */

static SessionPipeline *
peers_pipeline(SessionPeers *peers)
{
    return g_hash_table_lookup(peers->mgr->pipelines, peers->session_id);
}

/* Main loop: the first line of each reason, then at most one every
 * GH_LOG_LIMIT_INTERVAL_US with the count of those not logged. */
static void
peers_log_limited(SessionPeers *peers, guint32 peer, const char *reason, const char *message)
{
    g_autofree char *more = NULL;
    guint64 suppressed = 0;

    if (!gh_log_limit_check(peers->log_limit, reason, &suppressed))
        return;
    if (suppressed)
        more = g_strdup_printf(" (and %" G_GUINT64_FORMAT " more since the last such line)", suppressed);
    g_message("session %s: input from player %u not delivered (%s): %s%s", peers->session_id, peer, reason, message,
              more ? more : "");
}

static void
peers_log_drops(SessionPeers *peers, guint32 peer, GArray *drops, const GError *err)
{
    for (guint i = 0; i < drops->len; i++) {
        const GhPipelineInputDrop *d = &g_array_index(drops, GhPipelineInputDrop, i);
        peers_log_limited(peers, peer, gh_input_drop_to_string(d->reason), d->message);
    }
    /* Refused whole (too many events): no event of its own to blame. */
    if (err && drops->len == 0)
        peers_log_limited(peers, peer, "refused", err->message);
}

typedef struct {
    SessionPeers *peers;
    guint32 peer;
} PeerDelivery;

static void
peers_delivered(gpointer data, GArray *drops, const GError *error)
{
    PeerDelivery *d = data;

    peers_log_drops(d->peers, d->peer, drops, error);
    gh_session_peers_unref(d->peers);
    g_free(d);
}

/* Main loop: a player's input, or the releases of what it held (logged
 * with their count, however many were dropped), to the session's worker
 * (none while it restarts: then nothing reaches the VM anyway). */
static void
peers_deliver(SessionPeers *peers, GhWorkerClient *worker, PeerWork *w)
{
    PeerDelivery *d;

    if (w->kind == PEER_WORK_RELEASE)
        g_message("session %s: released %u held inputs of player %u (%s)", peers->session_id, w->events->len,
                  w->peer, w->text);
    if (!worker)
        return;
    d = g_new0(PeerDelivery, 1);
    d->peers = peers_ref(peers);
    d->peer = w->peer;
    gh_session_pipeline_send_input(peers->mgr, worker, (const gh_input_event *)w->events->data, w->events->len,
                                   peers_delivered, d);
}

static void
peers_do(SessionPeers *peers, PeerWork *w)
{
    GhSessionManager *mgr = peers->mgr;
    SessionPipeline *sp;

    switch (w->kind) {
    case PEER_WORK_SEND:
        if (mgr->sink.send)
            mgr->sink.send(mgr->sink_data, peers->session_id, w->peer, w->text);
        break;
    case PEER_WORK_CLOSE:
        if (mgr->sink.close)
            mgr->sink.close(mgr->sink_data, peers->session_id, w->peer, w->text);
        break;
    case PEER_WORK_INPUT:
    case PEER_WORK_RELEASE:
        /* A release queued when the session began to close is delivered by
         * gh_session_peers_retire, which takes it out of the queue. */
        sp = peers_pipeline(peers);
        if (sp && sp->peers == peers)
            peers_deliver(peers, sp->worker, w);
        break;
    }
}

static gboolean
peers_drain(gpointer data)
{
    SessionPeers *peers = data;
    PeerWork *w;

    for (;;) {
        gboolean alive;

        g_mutex_lock(&peers->lock);
        w = g_queue_pop_head(&peers->inbox);
        if (!w)
            peers->scheduled = FALSE;
        alive = peers->alive;
        g_mutex_unlock(&peers->lock);
        if (!w)
            break;
        if (alive)
            peers_do(peers, w);
        peer_work_free(w);
    }
    return G_SOURCE_REMOVE;
}

/* Under lock: queues w; the main loop runs it after everything queued before. */
static void
peers_queue_locked(SessionPeers *peers, PeerWork *w)
{
    g_queue_push_tail(&peers->inbox, w);
    if (peers->scheduled)
        return;
    peers->scheduled = TRUE;
    /* An idle source, even from the main thread itself: running the work
     * at once there could overtake work queued earlier by another thread. */
    {
        g_autoptr(GSource) src = g_idle_source_new();
        g_source_set_priority(src, G_PRIORITY_DEFAULT);
        g_source_set_callback(src, peers_drain, peers_ref(peers), (GDestroyNotify)gh_session_peers_unref);
        g_source_set_name(src, "gh-session-peers");
        g_source_attach(src, peers->mgr->context);
    }
}

/* Under lock, when peer (the controller) leaves or loses control: what it
 * holds, to release; NULL when nothing. */
static PeerWork *
peers_take_held_locked(SessionPeers *peers, guint32 peer, const char *why)
{
    g_autoptr(GArray) releases = gh_input_held_release(peers->held);
    PeerWork *w;

    if (releases->len == 0)
        return NULL;
    w = g_new0(PeerWork, 1);
    w->kind = PEER_WORK_RELEASE;
    w->peer = peer;
    w->text = g_strdup(why);
    w->events = g_steal_pointer(&releases);
    return w;
}

/* Under lock: the releases go behind the peer's last input in the inbox. */
static void
peers_release_locked(SessionPeers *peers, guint32 peer, const char *why)
{
    PeerWork *w = peers_take_held_locked(peers, peer, why);

    if (w)
        peers_queue_locked(peers, w);
}

/* ---- host services (any thread) ----------------------------------------- */

int
gh_session_peers_signal_send(SessionPeers *peers, guint32 peer, const char *message)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&peers->lock);
    PeerWork *w;

    if (!peers->alive || peers_index(peers, peer) < 0)
        return -ENOENT;
    w = g_new0(PeerWork, 1);
    w->kind = PEER_WORK_SEND;
    w->peer = peer;
    w->text = g_strdup(message);
    peers_queue_locked(peers, w);
    return 0;
}

void
gh_session_peers_request_close(SessionPeers *peers, guint32 peer, const char *reason)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&peers->lock);
    PeerWork *w;

    if (!peers->alive || peers_index(peers, peer) < 0)
        return;
    w = g_new0(PeerWork, 1);
    w->kind = PEER_WORK_CLOSE;
    w->peer = peer;
    w->text = g_strdup(reason && *reason ? reason : "closed by the stream backend");
    peers_queue_locked(peers, w);
}

static void
peers_count_drop(SessionPeers *peers, gboolean malformed)
{
    /* Under lock for the session's count; the manager's totals are read
     * from the main loop while any thread adds. */
    if (malformed) {
        peers->dropped_malformed++;
        __atomic_add_fetch(&peers->mgr->dropped_malformed, 1, __ATOMIC_RELAXED);
    } else {
        peers->dropped_not_controller++;
        __atomic_add_fetch(&peers->mgr->dropped_not_controller, 1, __ATOMIC_RELAXED);
    }
}

gboolean
gh_session_peers_controls(SessionPeers *peers, guint32 peer)
{
    gboolean yes;

    g_mutex_lock(&peers->lock);
    yes = peers->alive && peer != 0 && peer == peers->controller;
    g_mutex_unlock(&peers->lock);
    return yes;
}

guint32
gh_session_peers_controller(SessionPeers *peers)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&peers->lock);

    return peers->alive ? peers->controller : 0;
}

int
gh_session_peers_input(SessionPeers *peers, guint32 peer, const char *json, gsize len)
{
    g_autoptr(GArray) events = NULL;
    guint64 now_ns = (guint64)g_get_monotonic_time() * 1000u;
    PeerWork *w;
    guint n;

    g_mutex_lock(&peers->lock);
    /* A watcher's input is dropped unread: control is the first question. */
    if (!peers->alive || peer == 0 || peer != peers->controller) {
        peers_count_drop(peers, FALSE);
        g_mutex_unlock(&peers->lock);
        return -EPERM;
    }
    g_mutex_unlock(&peers->lock);

    events = gh_input_events_parse(json, len, PEERS_MAX_INPUT_BYTES);
    g_mutex_lock(&peers->lock);
    if (!events) {
        peers_count_drop(peers, TRUE);
        g_mutex_unlock(&peers->lock);
        return -EINVAL;
    }
    /* Asked again: while it was parsed (unlocked), the peer may have left
     * or handed control over, or the pipeline gone. */
    if (!peers->alive || peer != peers->controller) {
        peers_count_drop(peers, FALSE);
        g_mutex_unlock(&peers->lock);
        return -EPERM;
    }
    for (guint i = 0; i < events->len; i++)
        g_array_index(events, gh_input_event, i).timestamp_ns = now_ns;
    gh_input_held_note(peers->held, (const gh_input_event *)events->data, events->len);
    n = events->len;
    w = g_new0(PeerWork, 1);
    w->kind = PEER_WORK_INPUT;
    w->peer = peer;
    w->events = g_steal_pointer(&events);
    peers_queue_locked(peers, w);
    g_mutex_unlock(&peers->lock);
    return (int)n;
}

/* ---- the main loop's side ------------------------------------------------- */

/* Under lock: the releases still queued, which the main loop would now
 * drop (no longer alive), in order; then the controller's. */
static GQueue *
peers_steal_releases_locked(SessionPeers *peers)
{
    GQueue *releases = g_queue_new();
    PeerWork *last;

    for (GList *l = peers->inbox.head, *next; l; l = next) {
        next = l->next;
        if (((PeerWork *)l->data)->kind == PEER_WORK_RELEASE) {
            g_queue_push_tail(releases, l->data);
            g_queue_delete_link(&peers->inbox, l);
        }
    }
    last = peers_take_held_locked(peers, peers->controller, "session stopping");
    if (last)
        g_queue_push_tail(releases, last);
    return releases;
}

void
gh_session_peers_retire(SessionPeers *peers, GhWorkerClient *worker)
{
    g_autoptr(GArray) open = NULL;
    GQueue *releases;
    PeerWork *w;

    if (!peers)
        return;
    g_mutex_lock(&peers->lock);
    open = g_steal_pointer(&peers->open);
    peers->open = g_array_new(FALSE, FALSE, sizeof(guint32));
    releases = peers_steal_releases_locked(peers);
    peers->controller = 0;
    peers->alive = FALSE;
    g_mutex_unlock(&peers->lock);
    /* Now, not through the inbox: the input still queued there is dropped,
     * so nothing can overtake these releases. */
    while ((w = g_queue_pop_head(releases))) {
        peers_deliver(peers, worker, w);
        peer_work_free(w);
    }
    g_queue_free(releases);
    /* The ABI promises peer_close for every peer before destroy. */
    for (guint i = 0; worker && i < open->len; i++)
        gh_worker_client_peer_close(worker, g_array_index(open, guint32, i));
}

void
gh_session_peers_close_all(SessionPeers *peers, const char *reason)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&peers->lock);
    g_autoptr(GArray) held = gh_input_held_release(peers->held);   /* the VM's side went with the worker */

    for (guint i = 0; peers->alive && i < peers->open->len; i++) {
        PeerWork *w = g_new0(PeerWork, 1);

        w->kind = PEER_WORK_CLOSE;
        w->peer = g_array_index(peers->open, guint32, i);
        w->text = g_strdup(reason);
        peers_queue_locked(peers, w);
    }
}

JsonNode *
gh_session_peers_json(SessionPeers *peers)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&peers->lock);

    json_builder_begin_object(b);
    gh_json_add_int(b, "connected", peers->open->len);
    json_builder_set_member_name(b, "control");
    if (peers->controller)
        json_builder_add_int_value(b, peers->controller);
    else
        json_builder_add_null_value(b);
    gh_json_begin_object(b, "input_dropped");
    gh_json_add_int(b, "malformed", (gint64)peers->dropped_malformed);
    gh_json_add_int(b, "not_controller", (gint64)peers->dropped_not_controller);
    json_builder_end_object(b);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

/* The running session's pipeline that serves players, or NULL with the
 * admission error. */
static SessionPipeline *
peers_admit(GhSessionManager *mgr, const char *id, GError **error)
{
    GhSession *s = id ? g_hash_table_lookup(mgr->sessions, id) : NULL;
    SessionPipeline *sp = s ? g_hash_table_lookup(mgr->pipelines, s->id) : NULL;
    guint connected;

    if (!s) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND, "no session '%s'", id ? id : "");
        return NULL;
    }
    /* Its own error, so that a player's page waits instead of giving up. */
    if (s->state == GH_SESSION_STARTING) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_STARTING, "session %s is still starting", s->id);
        return NULL;
    }
    if (s->state != GH_SESSION_RUNNING || !sp || sp->closing) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING, "session %s is %s, not running", s->id,
                    gh_session_state_to_string(s->state));
        return NULL;
    }
    /* Its own error again: the page waits for the worker's restart. */
    if (!sp->worker || !sp->ready) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_STARTING,
                    "session %s: its stream is restarting (its plugin worker died)", s->id);
        return NULL;
    }
    if (!gh_worker_client_view(sp->worker)->interactive) {
        const char *stream = gh_worker_client_view(sp->worker)->stream;
        if (stream)
            g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NO_STREAM,
                        "session %s streams with %s, which serves no players", s->id, stream);
        else
            g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NO_STREAM, "session %s has no stream backend",
                        s->id);
        return NULL;
    }
    g_mutex_lock(&sp->peers->lock);
    connected = sp->peers->open->len;
    g_mutex_unlock(&sp->peers->lock);
    if (connected >= mgr->config->max_viewers) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_TOO_MANY_VIEWERS,
                    "session %s already has %u players connected (at most %u)", s->id, connected,
                    mgr->config->max_viewers);
        return NULL;
    }
    return sp;
}

gboolean
gh_session_manager_peer_admit(GhSessionManager *mgr, const char *id, GError **error)
{
    return peers_admit(mgr, id, error) != NULL;
}

/* The worker hears who is in control now. */
static void
peers_tell_control(SessionPipeline *sp)
{
    if (sp->worker)
        gh_worker_client_set_control(sp->worker, gh_session_peers_controller(sp->peers));
}

/* Main loop: the stream backend refused a peer it was told of: it leaves
 * as if it had closed, and hears why. */
static void
peers_open_done(gpointer data, guint32 peer, int rc, const char *why)
{
    SessionPeers *peers = data;
    SessionPipeline *sp;
    gint at;

    if (rc < 0 && peers->alive && (sp = peers_pipeline(peers)) && sp->peers == peers) {
        /* Gone from the open ones: the backend hears no peer_close for it. */
        g_mutex_lock(&peers->lock);
        if ((at = peers_index(peers, peer)) >= 0)
            g_array_remove_index(peers->open, (guint)at);
        if (at >= 0 && peers->controller == peer) {
            peers_release_locked(peers, peer, "left");
            peers->controller = 0;
        }
        g_mutex_unlock(&peers->lock);
        peers_tell_control(sp);
        if (at >= 0 && peers->mgr->sink.reject)
            peers->mgr->sink.reject(peers->mgr->sink_data, peers->session_id, peer,
                                    why && *why ? why : "the stream backend refused the player");
    }
    gh_session_peers_unref(peers);
}

guint32
gh_session_manager_peer_open(GhSessionManager *mgr, const char *id, gboolean *control, GError **error)
{
    SessionPipeline *sp = peers_admit(mgr, id, error);
    SessionPeers *peers;
    guint32 peer;
    gboolean takes;

    *control = FALSE;
    if (!sp)
        return 0;
    peers = sp->peers;
    /* Open before the backend hears of it: its peer_open may already send
     * to the peer (what it sends is queued, so it follows the welcome).
     * The worker answers later; a refusal then closes the player. */
    g_mutex_lock(&peers->lock);
    peer = ++peers->last;
    takes = peers->controller == 0;
    g_array_append_val(peers->open, peer);
    if (takes)
        peers->controller = peer;
    g_mutex_unlock(&peers->lock);
    peers_tell_control(sp);
    gh_worker_client_peer_open(sp->worker, peer, takes ? GH_PEER_CONTROL : 0, peers_open_done, peers_ref(peers));
    *control = takes;
    return peer;
}

static void
peers_message_done(gpointer data, guint32 peer, int rc, const char *why)
{
    SessionPeers *peers = data;
    GhSessionManager *mgr = peers->mgr;

    if (rc < 0 && peers->alive && mgr->sink.refuse)
        mgr->sink.refuse(mgr->sink_data, peers->session_id, peer,
                         why && *why ? why : "the stream backend refused the message");
    gh_session_peers_unref(peers);
}

int
gh_session_manager_peer_message(GhSessionManager *mgr, const char *id, guint32 peer, const char *message,
                                char **why)
{
    SessionPipeline *sp = id ? g_hash_table_lookup(mgr->pipelines, id) : NULL;
    gboolean open;

    *why = NULL;
    if (!sp || sp->closing || !sp->worker) {
        *why = g_strdup(sp && !sp->closing ? "the stream is restarting" : "the session is not running");
        return -ENOENT;
    }
    g_mutex_lock(&sp->peers->lock);
    open = peers_index(sp->peers, peer) >= 0;
    g_mutex_unlock(&sp->peers->lock);
    if (!open) {
        *why = g_strdup("this player is not connected");
        return -ENOENT;
    }
    gh_worker_client_peer_message(sp->worker, peer, message, peers_message_done, peers_ref(sp->peers));
    return 0;
}

guint32
gh_session_manager_peer_close(GhSessionManager *mgr, const char *id, guint32 peer)
{
    SessionPipeline *sp = id ? g_hash_table_lookup(mgr->pipelines, id) : NULL;
    GhSession *s = id ? g_hash_table_lookup(mgr->sessions, id) : NULL;
    gboolean running = s && s->state == GH_SESSION_RUNNING;
    SessionPeers *peers;
    guint32 next = 0;
    gint at;

    if (!sp)
        return 0;  /* the pipeline went first and closed its peers */
    peers = sp->peers;
    g_mutex_lock(&peers->lock);
    at = peers_index(peers, peer);
    if (at >= 0) {
        g_array_remove_index(peers->open, (guint)at);
        /* The longest-connected watcher: numbers grow with connect time. */
        if (peers->controller == peer) {
            peers_release_locked(peers, peer, running ? "left" : "session stopping");
            peers->controller = peers->open->len ? g_array_index(peers->open, guint32, 0) : 0;
            next = peers->controller;
        }
    }
    g_mutex_unlock(&peers->lock);
    if (at >= 0 && sp->worker) {
        gh_worker_client_peer_close(sp->worker, peer);
        peers_tell_control(sp);
    }
    return next;
}

void
gh_session_manager_set_signal_sink(GhSessionManager *mgr, const GhSessionSignalSink *sink, gpointer data)
{
    if (sink)
        mgr->sink = *sink;
    else
        memset(&mgr->sink, 0, sizeof mgr->sink);
    mgr->sink_data = data;
}

void
gh_session_manager_input_dropped(GhSessionManager *mgr, guint64 *malformed, guint64 *not_controller,
                                 guint64 *by_reason)
{
    *malformed = __atomic_load_n(&mgr->dropped_malformed, __ATOMIC_RELAXED);
    *not_controller = __atomic_load_n(&mgr->dropped_not_controller, __ATOMIC_RELAXED);
    for (int r = 0; r < GH_INPUT_DROP_LAST; r++)
        by_reason[r] = __atomic_load_n(&mgr->input_dropped[r], __ATOMIC_RELAXED);
}
