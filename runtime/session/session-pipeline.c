/* session-pipeline: a running session's pipeline, which its plugin worker
 * runs (worker-client.h), and what the API asks of it: input, on-demand
 * frames, the live view.
 *
 * Lifetime.  The worker starts on the main loop when the session becomes
 * running (also when adopted); the session is running once the worker
 * built the pipeline.  A worker that dies unasked is restarted after a
 * backoff, until crash_limit deaths within crash_window fail the session.
 * Closing asks the worker to stop (its backends are destroyed there, frame
 * requests in flight answered first) before the domain is destroyed; the
 * worker's answers to requests come back on the main loop, so nothing here
 * waits on it. */
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>
#include "session-private.h"

#include "virt/domain.h"
#include "plugin/pipeline.h"
#include "plugin/worker-client.h"
#include "plugin/worker-start.h"
#include "virt/vm-access.h"
#include "util/json-util.h"

/* ---- checks at create --------------------------------------------------- */

/* A backend the request names (none: the pipeline chooses), checked as the
 * pipeline will check it, so a bad name is refused before anything exists. */
static gboolean
session_backend_check(GhSessionManager *mgr, const char *name, guint32 kind, GError **error)
{
    g_autoptr(GError) err = NULL;

    if (!name || gh_plugin_registry_lookup_kind(mgr->plugins, name, kind, &err))
        return TRUE;
    g_set_error_literal(error, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, err->message);
    return FALSE;
}

gboolean
gh_session_backends_check(GhSessionManager *mgr, const GhSessionRequest *req, GError **error)
{
    GHashTableIter it;
    gpointer name;

    if (!session_backend_check(mgr, req->capture, GH_BACKEND_CAPTURE, error) ||
        !session_backend_check(mgr, req->stream, GH_BACKEND_STREAM, error) ||
        !session_backend_check(mgr, req->input, GH_BACKEND_INPUT, error) ||
        !session_backend_check(mgr, req->audio, GH_BACKEND_AUDIO, error))
        return FALSE;
    if (!req->backend_options)
        return TRUE;
    g_hash_table_iter_init(&it, req->backend_options);
    while (g_hash_table_iter_next(&it, &name, NULL))
        if (!mgr->plugins || !gh_plugin_registry_lookup(mgr->plugins, name)) {
            g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, "options given for unknown backend '%s'",
                        (const char *)name);
            return FALSE;
        }
    return TRUE;
}

/* ---- building and closing ----------------------------------------------- */

static void
session_pipeline_free(SessionPipeline *sp)
{
    /* Players first, while the worker may still hear their peer_close. */
    gh_session_peers_retire(sp->peers, sp->worker);
    if (sp->restart_source) {
        g_source_destroy(sp->restart_source);
        g_source_unref(sp->restart_source);
    }
    gh_worker_client_free(sp->worker);
    gh_dbus_relay_free(sp->dbus_relay);
    gh_session_peers_unref(sp->peers);
    gh_vm_access_free(sp->vm);
    g_array_unref(sp->recent);
    gh_session_crash_clear(&sp->last);
    g_free(sp->id);
    g_free(sp);
}

static GhSession *
session_pipeline_session(SessionPipeline *sp)
{
    return sp->closing ? NULL : g_hash_table_lookup(sp->mgr->sessions, sp->id);
}

/* The session cannot go on: it stops, FAILED with reason (also before it
 * was ever running). */
static void
session_pipeline_give_up(SessionPipeline *sp, const char *reason)
{
    GhSession *s = session_pipeline_session(sp);

    if (s && (s->state == GH_SESSION_RUNNING || s->state == GH_SESSION_STARTING))
        gh_session_stop_begin(sp->mgr, s, reason);
}

/* Main loop: a backend failed at run time (not a crash: its own error). */
static void
session_pipeline_on_fail(gpointer data, const char *reason)
{
    session_pipeline_give_up(data, reason);
}

static void
session_pipeline_on_ready(gpointer data)
{
    SessionPipeline *sp = data;
    GhSession *s = session_pipeline_session(sp);

    sp->ready = TRUE;
    if (s)
        gh_session_pipeline_ready(sp->mgr, s);
}

static gboolean session_pipeline_spawn(SessionPipeline *sp, GError **error);

static gboolean
session_pipeline_restart(gpointer data)
{
    SessionPipeline *sp = data;
    g_autoptr(GError) err = NULL;

    g_clear_pointer(&sp->restart_source, g_source_unref);
    sp->restarts++;
    __atomic_add_fetch(&sp->mgr->worker_restarts, 1, __ATOMIC_RELAXED);
    if (!session_pipeline_spawn(sp, &err))
        session_pipeline_give_up(sp, err->message);
    return G_SOURCE_REMOVE;
}

/* Deaths within the window, this one included. */
static guint
session_pipeline_count_recent(SessionPipeline *sp, gint64 now)
{
    gint64 window = (gint64)sp->mgr->config->crash_window * G_USEC_PER_SEC;

    g_array_append_val(sp->recent, now);
    while (sp->recent->len && now - g_array_index(sp->recent, gint64, 0) > window)
        g_array_remove_index(sp->recent, 0);
    return sp->recent->len;
}

/* Main loop: the worker died unasked.  Its players are closed (they come
 * back on their own); it restarts after a backoff that doubles, unless it
 * died crash_limit times within crash_window, or was cut off: then the
 * session fails, naming the backend and the signal. */
static void
session_pipeline_on_exit(gpointer data, const GhWorkerExit *exit)
{
    SessionPipeline *sp = data;
    const GhConfig *config = sp->mgr->config;
    GhSession *s = session_pipeline_session(sp);
    guint recent = session_pipeline_count_recent(sp, g_get_monotonic_time());
    g_autofree char *reason = NULL;

    sp->crashes++;
    sp->ready = FALSE;
    gh_session_crash_clear(&sp->last);
    sp->last.at = gh_session_manager_now(sp->mgr);
    sp->last.summary = g_strdup(exit->summary);
    sp->last.backend = g_strdup(exit->backend);
    sp->last.op = g_strdup(exit->op);
    sp->last.signal = exit->signal;
    sp->last.hang = exit->hang;
    sp->last.cut_off = exit->cut_off != NULL;
    /* Gone before it is told: the event's session shows it restarting. */
    g_clear_pointer(&sp->worker, gh_worker_client_free);
    gh_session_worker_crashed(sp->mgr, sp->id, &sp->last, sp->crashes);
    gh_session_peers_close_all(sp->peers, "the stream restarts: its plugin worker died");
    if (!s)
        return;
    if (exit->cut_off)
        reason = g_strdup_printf("its plugin worker was %s", exit->summary);
    else if (recent >= config->crash_limit)
        reason = g_strdup_printf("its plugin worker died %u times within %u s; the last: %s", recent,
                                 config->crash_window, exit->summary);
    if (reason) {
        g_warning("session %s: plugin worker %s: giving up", sp->id, exit->summary);
        session_pipeline_give_up(sp, reason);
        return;
    }
    g_warning("session %s: plugin worker %s (%u within %u s): restarting", sp->id, exit->summary, recent,
              config->crash_window);
    sp->restart_source = g_timeout_source_new(MIN(250u << MIN(recent - 1, 5u), 5000u));
    g_source_set_callback(sp->restart_source, session_pipeline_restart, sp, NULL);
    g_source_attach(sp->restart_source, sp->mgr->context);
}

/* ---- what the plugins reach: VM access and the players --------------------- */

static int
sp_screenshot(gpointer ctx, guint8 **data, gsize *len, char **mime, char **error_msg)
{
    SessionPipeline *sp = ctx;

    return gh_vm_access_ops()->screenshot(sp->vm, data, len, mime, error_msg);
}

static int
sp_send_keys(gpointer ctx, const guint32 *codes, guint n, guint hold_ms, char **error_msg)
{
    SessionPipeline *sp = ctx;

    return gh_vm_access_ops()->send_keys(sp->vm, codes, n, hold_ms, error_msg);
}

static int
sp_qmp_command(gpointer ctx, const char *command, char **reply, char **error_msg)
{
    SessionPipeline *sp = ctx;

    return gh_vm_access_ops()->qmp_command(sp->vm, command, reply, error_msg);
}

static int
sp_signal_send(gpointer ctx, guint32 peer, const char *message)
{
    return gh_session_peers_signal_send(((SessionPipeline *)ctx)->peers, peer, message);
}

static int
sp_peer_input(gpointer ctx, guint32 peer, const char *json, gsize len)
{
    return gh_session_peers_input(((SessionPipeline *)ctx)->peers, peer, json, len);
}

static void
sp_peer_close(gpointer ctx, guint32 peer, const char *reason)
{
    gh_session_peers_request_close(((SessionPipeline *)ctx)->peers, peer, reason);
}

static gboolean
session_pipeline_spawn(SessionPipeline *sp, GError **error)
{
    static const GhWorkerClientEvents events = {
        .ready = session_pipeline_on_ready,
        .failed = session_pipeline_on_fail,
        .exited = session_pipeline_on_exit,
    };
    GhSessionManager *mgr = sp->mgr;
    GhSession *s = g_hash_table_lookup(mgr->sessions, sp->id);
    GhWorkerStart st = { 0 };
    GhWorkerSpawn spawn = {
        .path = mgr->config->worker_path,
        .sandbox = mgr->worker_sandbox,
        .watchdog_ms = mgr->config->watchdog_ms,
        .env = (const char *const *)mgr->worker_env,
    };
    GVariant *start;
    g_autoptr(GError) err = NULL;

    if (!s)
        return TRUE;
    start = gh_session_worker_start_message(sp, s, &st);
    sp->worker = gh_worker_client_new(&spawn, start, &sp->ops, sp, &events, sp, &err);
    /* Only what the start message computed is ours to free. */
    g_free((char *)st.info.relay_path);
    g_free((char *)st.info.dbus_socket);
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        g_free((char *)st.info.pad_socket[i]);
    g_strfreev(st.plugins);
    g_strfreev(st.read_paths);
    g_strfreev(st.write_paths);
    if (!sp->worker) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, "cannot start the plugin worker %s: %s",
                    spawn.path, err->message);
        return FALSE;
    }
    gh_worker_client_set_control(sp->worker, gh_session_peers_controller(sp->peers));
    return TRUE;
}

gboolean
gh_session_pipeline_start(GhSessionManager *mgr, GhSession *s, GError **error)
{
    SessionPipeline *sp;

    if (!mgr->plugins || g_hash_table_contains(mgr->pipelines, s->id))
        return TRUE;
    sp = g_new0(SessionPipeline, 1);
    sp->mgr = mgr;
    sp->id = g_strdup(s->id);
    sp->vm = gh_vm_access_new(mgr->virt, s->domain_name);
    sp->peers = gh_session_peers_new(mgr, s->id);
    sp->recent = g_array_new(FALSE, FALSE, sizeof(gint64));
    sp->ops.screenshot = sp_screenshot;
    sp->ops.send_keys = sp_send_keys;
    sp->ops.qmp_command = sp_qmp_command;
    sp->ops.signal_send = sp_signal_send;
    sp->ops.peer_input = sp_peer_input;
    sp->ops.peer_close = sp_peer_close;
    if (!session_pipeline_spawn(sp, error)) {
        session_pipeline_free(sp);
        return FALSE;
    }
    g_hash_table_insert(mgr->pipelines, sp->id, sp);
    return TRUE;
}

gboolean
gh_session_pipeline_pending(GhSessionManager *mgr, const char *id)
{
    SessionPipeline *sp = g_hash_table_lookup(mgr->pipelines, id);

    return sp && !sp->ready;
}

/* Main loop: the worker is gone; its backends were destroyed there. */
static void
session_pipeline_stopped(gpointer data)
{
    SessionPipeline *sp = data;
    GhSessionManager *mgr = sp->mgr;
    SessionPipelineClosed then = sp->then;
    g_autofree char *id = g_strdup(sp->id);

    mgr->pending--;
    session_pipeline_free(sp);
    if (then)
        then(mgr, id);
}

void
gh_session_pipeline_close(GhSessionManager *mgr, const char *id, SessionPipelineClosed then)
{
    SessionPipeline *sp = g_hash_table_lookup(mgr->pipelines, id);

    if (!sp) {
        if (then)
            then(mgr, id);
        return;
    }
    g_hash_table_remove(mgr->pipelines, id);
    sp->closing = TRUE;
    sp->then = then;
    mgr->pending++;
    /* Players first: the stream backend hears peer_close before destroy. */
    gh_session_peers_retire(sp->peers, sp->worker);
    if (sp->worker)
        gh_worker_client_stop(sp->worker, SESSION_WORKER_GRACE_MS, G_CALLBACK(session_pipeline_stopped), sp);
    else
        session_pipeline_stopped(sp);
}

static void
session_pipeline_count_down(gpointer data)
{
    (*(guint *)data)--;
}

/* The daemon ends (its VMs go on): each worker is asked to stop, so its
 * backends are destroyed (a recording is finished), and waited for a
 * little; those still there then are killed. */
void
gh_session_pipelines_free(GhSessionManager *mgr)
{
    GHashTableIter it;
    gpointer value;
    guint running = 0;
    gint64 deadline = g_get_monotonic_time() + (gint64)SESSION_WORKER_GRACE_MS * 1000;

    g_hash_table_iter_init(&it, mgr->pipelines);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SessionPipeline *sp = value;

        sp->closing = TRUE;
        gh_session_peers_retire(sp->peers, sp->worker);
        if (sp->worker) {
            running++;
            gh_worker_client_stop(sp->worker, SESSION_WORKER_GRACE_MS, G_CALLBACK(session_pipeline_count_down),
                                  &running);
        }
    }
    while (running > 0 && g_get_monotonic_time() < deadline)
        g_main_context_iteration(mgr->context, TRUE);
    g_hash_table_iter_init(&it, mgr->pipelines);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        g_hash_table_iter_steal(&it);
        session_pipeline_free(value);
    }
}

/* ---- what the API asks -------------------------------------------------- */

/* The running session's pipeline, or NULL with the error. */
static SessionPipeline *
session_pipeline_for(GhSessionManager *mgr, const char *id, GError **error)
{
    GhSession *s = id ? g_hash_table_lookup(mgr->sessions, id) : NULL;
    SessionPipeline *sp;

    if (!s) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND, "no session '%s'", id ? id : "");
        return NULL;
    }
    if (s->state != GH_SESSION_RUNNING) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING, "session %s is %s, not running", s->id,
                    gh_session_state_to_string(s->state));
        return NULL;
    }
    sp = g_hash_table_lookup(mgr->pipelines, s->id);
    if (!sp)
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND,
                    "session %s has no pipeline: this host loaded no plugins", s->id);
    else if (!sp->worker)
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND,
                    "session %s: its plugin worker is restarting (%s)", s->id,
                    sp->last.summary ? sp->last.summary : "it died");
    return sp && sp->worker ? sp : NULL;
}

typedef struct {
    GhSessionManager *mgr;
    GhSessionInputDone done;
    gpointer data;
} InputJob;

static void
session_input_done(gpointer data, int rc, const char *message, GArray *drops)
{
    InputJob *job = data;
    g_autoptr(GError) err = NULL;

    /* Read by /metrics on the main loop; atomic like the players' counts. */
    for (guint i = 0; i < drops->len; i++)
        __atomic_add_fetch(&job->mgr->input_dropped[g_array_index(drops, GhPipelineInputDrop, i).reason], 1,
                           __ATOMIC_RELAXED);
    if (rc < 0)
        err = g_error_new_literal(GH_PIPELINE_ERROR,
                                  rc == -ENODEV ? GH_PIPELINE_ERROR_NO_INPUT : GH_PIPELINE_ERROR_FAILED, message);
    if (job->done)
        job->done(job->data, drops, err);
    g_free(job);
}

void
gh_session_pipeline_send_input(GhSessionManager *mgr, GhWorkerClient *worker, const gh_input_event *events, guint n,
                               GhSessionInputDone done, gpointer data)
{
    InputJob *job = g_new0(InputJob, 1);

    job->mgr = mgr;
    job->done = done;
    job->data = data;
    gh_worker_client_send_input(worker, events, n, session_input_done, job);
}

typedef struct {
    GhSessionInputDone done;
    gpointer data;
} InputRequest;

static void
session_manager_input_done(gpointer data, GArray *drops, const GError *error)
{
    InputRequest *req = data;
    g_autoptr(GError) err = NULL;

    if (error)
        err = g_error_new_literal(GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, error->message);
    req->done(req->data, drops, err);
    g_free(req);
}

void
gh_session_manager_send_input(GhSessionManager *mgr, const char *id, const gh_input_event *events, guint n,
                              GhSessionInputDone done, gpointer data)
{
    g_autoptr(GError) err = NULL;
    SessionPipeline *sp = session_pipeline_for(mgr, id, &err);
    InputRequest *req;

    if (!sp) {
        g_autoptr(GArray) none = gh_pipeline_input_drops_new();
        done(data, none, err);
        return;
    }
    req = g_new0(InputRequest, 1);
    req->done = done;
    req->data = data;
    gh_session_pipeline_send_input(mgr, sp->worker, events, n, session_manager_input_done, req);
}

/* Main loop: the worker's answer.  A timeout stays a timeout (504);
 * anything else the capture backend did wrong (502). */
static void
session_frame_done(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *outer = data;
    GError *err = NULL;
    GBytes *png = g_task_propagate_pointer(G_TASK(res), &err);

    if (png) {
        g_task_return_pointer(outer, png, (GDestroyNotify)g_bytes_unref);
    } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
        g_task_return_error(outer, err);
    } else {
        g_task_return_new_error(outer, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, "%s", err->message);
        g_error_free(err);
    }
    g_object_unref(outer);
}

void
gh_session_manager_frame_png_async(GhSessionManager *mgr, const char *id, guint timeout_ms,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *outer = g_task_new(NULL, cancellable, callback, user_data);
    GError *err = NULL;
    SessionPipeline *sp = session_pipeline_for(mgr, id, &err);

    g_task_set_source_tag(outer, gh_session_manager_frame_png_async);
    if (sp && sp->ready && !gh_worker_client_view(sp->worker)->capture)
        err = g_error_new(GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, "session %s has no capture backend", id);
    if (err) {
        g_task_return_error(outer, err);
        g_object_unref(outer);
        return;
    }
    gh_worker_client_frame_png_async(sp->worker, timeout_ms, NULL, session_frame_done, outer);
}

GBytes *
gh_session_manager_frame_png_finish(GhSessionManager *mgr, GAsyncResult *result, GError **error)
{
    g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
    return g_task_propagate_pointer(G_TASK(result), error);
}

/* gh_session_manager_frame_png: the async form run on the main loop for a
 * thread that waits. */
typedef struct {
    GhSessionManager *mgr;
    char *id;
    guint timeout_ms;
    GMutex lock;
    GCond cond;
    gboolean done;
    GBytes *png;
    GError *error;
} FrameWait;

static void
frame_wait_done(GObject *source, GAsyncResult *res, gpointer data)
{
    FrameWait *w = data;
    GBytes *png = gh_session_manager_frame_png_finish(w->mgr, res, &w->error);

    g_mutex_lock(&w->lock);
    w->png = png;
    w->done = TRUE;
    g_cond_signal(&w->cond);
    g_mutex_unlock(&w->lock);
}

static gboolean
frame_wait_start(gpointer data)
{
    FrameWait *w = data;

    g_main_context_push_thread_default(w->mgr->context);
    gh_session_manager_frame_png_async(w->mgr, w->id, w->timeout_ms, NULL, frame_wait_done, w);
    g_main_context_pop_thread_default(w->mgr->context);
    return G_SOURCE_REMOVE;
}

GBytes *
gh_session_manager_frame_png(GhSessionManager *mgr, const char *id, guint timeout_ms, GError **error)
{
    FrameWait w = { .mgr = mgr, .id = g_strdup(id), .timeout_ms = timeout_ms };

    if (g_main_context_is_owner(mgr->context)) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_INTERNAL,
                    "gh_session_manager_frame_png called on the main loop: use the async form");
        g_free(w.id);
        return NULL;
    }
    g_mutex_init(&w.lock);
    g_cond_init(&w.cond);
    g_main_context_invoke(mgr->context, frame_wait_start, &w);
    g_mutex_lock(&w.lock);
    while (!w.done)
        g_cond_wait(&w.cond, &w.lock);
    g_mutex_unlock(&w.lock);
    g_mutex_clear(&w.lock);
    g_cond_clear(&w.cond);
    g_free(w.id);
    if (w.error)
        g_propagate_error(error, w.error);
    return w.png;
}

/* ---- the live view -------------------------------------------------------- */

/* The last view the session's worker sent; NULL while none runs. */
static const GhPipelineView *
session_pipeline_view(SessionPipeline *sp)
{
    return sp->worker ? gh_worker_client_view(sp->worker) : NULL;
}

void
gh_session_manager_audio_totals(GhSessionManager *mgr, GhSessionAudioTotals *totals)
{
    GHashTableIter it;
    gpointer value;

    memset(totals, 0, sizeof *totals);
    g_hash_table_iter_init(&it, mgr->pipelines);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const GhPipelineView *v = session_pipeline_view(value);
        const GhPipelineAudioStats *a = v ? &v->audio_stats : NULL;

        if (!v || !v->has_audio)
            continue;
        totals->sessions++;
        totals->frames += a->frames;
        totals->refused += a->refused;
        totals->dropped += a->backend.dropped;
        totals->mic_frames += a->mic_frames;
        totals->mic_dropped += a->mic_dropped;
        totals->mic_underruns += a->backend.underruns;
    }
}

void
gh_session_manager_pad_totals(GhSessionManager *mgr, GhSessionPadTotals *totals)
{
    GHashTableIter it;
    gpointer value;

    memset(totals, 0, sizeof *totals);
    g_hash_table_iter_init(&it, mgr->pipelines);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const GhPipelineView *v = session_pipeline_view(value);

        if (!v)
            continue;
        totals->events += v->stats.pad_events;
        for (guint i = 0; i < v->n_pads; i++) {
            totals->attached += v->pads[i].attached;
            totals->rumble_reports += v->pads[i].rumble_reports;
        }
    }
}

void
gh_session_manager_worker_totals(GhSessionManager *mgr, GhSessionWorkerTotals *totals)
{
    GHashTableIter it;
    gpointer value;

    memset(totals, 0, sizeof *totals);
    g_hash_table_iter_init(&it, mgr->pipelines);
    while (g_hash_table_iter_next(&it, NULL, &value))
        totals->running += ((SessionPipeline *)value)->worker != NULL;
    totals->restarts = __atomic_load_n(&mgr->worker_restarts, __ATOMIC_RELAXED);
    totals->crashes = mgr->worker_crashes;
}

/* "pads": each pad ever attached or with feedback; the input backend's
 * counters where it keeps them. */
static void
session_pipeline_pads_json(JsonBuilder *b, const GhPipelineView *v)
{
    gh_json_begin_array(b, "pads");
    for (guint i = 0; i < v->n_pads; i++) {
        const GhPipelinePadStats *pad = &v->pads[i];

        json_builder_begin_object(b);
        gh_json_add_int(b, "pad", pad->pad);
        gh_json_add_bool(b, "attached", pad->attached);
        if (pad->led >= 0)
            gh_json_add_int(b, "led", pad->led);
        else
            gh_json_add_node(b, "led", NULL);
        gh_json_begin_object(b, "rumble");
        gh_json_add_int(b, "strong", pad->strong);
        gh_json_add_int(b, "weak", pad->weak);
        json_builder_end_object(b);
        gh_json_add_int(b, "rumble_reports", (gint64)pad->rumble_reports);
        gh_json_add_time(b, "last_feedback_at", pad->feedback_at);
        if (pad->has_backend) {
            gh_json_add_int(b, "reports", (gint64)pad->backend.reports);
            gh_json_add_int(b, "coalesced", (gint64)pad->backend.coalesced);
            gh_json_add_int(b, "dropped", (gint64)pad->backend.dropped);
            gh_json_add_int(b, "out_reports", (gint64)pad->backend.out_reports);
            gh_json_add_int(b, "out_malformed", (gint64)pad->backend.out_malformed);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

/* "audio": what the session's sound did, or null when it has none. */
static void
session_pipeline_audio_json(JsonBuilder *b, const GhPipelineView *v)
{
    const GhPipelineAudioStats *a = &v->audio_stats;

    json_builder_set_member_name(b, "audio");
    if (!v->has_audio) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    gh_json_add_string(b, "backend", v->audio);
    gh_json_add_string(b, "format", a->format == GH_AUDIO_S16LE ? "s16le" : "unknown");
    gh_json_add_int(b, "rate", a->rate);
    gh_json_add_int(b, "channels", a->channels);
    gh_json_add_bool(b, "playing", a->backend.enabled != 0);
    gh_json_add_bool(b, "muted", a->backend.muted != 0);
    gh_json_add_int(b, "volume", a->backend.volume);
    gh_json_add_int(b, "frames", (gint64)a->frames);
    gh_json_add_int(b, "chunks", (gint64)a->chunks);
    gh_json_add_int(b, "refused", (gint64)a->refused);
    gh_json_add_int(b, "dropped", (gint64)a->backend.dropped);
    gh_json_add_int(b, "mic_frames", (gint64)a->mic_frames);
    gh_json_add_int(b, "mic_dropped", (gint64)a->mic_dropped);
    gh_json_add_int(b, "mic_underruns", (gint64)a->backend.underruns);
    json_builder_end_object(b);
}

/* "worker": the process running the session's plugins, and its deaths. */
static void
session_pipeline_worker_json(JsonBuilder *b, SessionPipeline *sp)
{
    gh_json_begin_object(b, "worker");
    if (sp->worker)
        gh_json_add_int(b, "pid", gh_worker_client_pid(sp->worker));
    else
        gh_json_add_node(b, "pid", NULL);
    gh_json_add_string(b, "state", !sp->worker ? "restarting" : sp->ready ? "running" : "starting");
    gh_json_add_string(b, "user", sp->mgr->worker_sandbox.switch_user ? sp->mgr->config->plugin_user : NULL);
    gh_json_add_int(b, "restarts", sp->restarts);
    gh_json_add_int(b, "crashes", (gint64)sp->crashes);
    if (sp->crashes)
        gh_json_add_node(b, "last_crash", gh_session_crash_json(&sp->last));
    else
        gh_json_add_node(b, "last_crash", NULL);
    json_builder_end_object(b);
}

static JsonNode *
session_pipeline_json(SessionPipeline *sp)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    static const GhPipelineView none;
    const GhPipelineView *v = session_pipeline_view(sp);
    const GhPipelineStats *st;

    if (!v)
        v = &none;
    st = &v->stats;
    json_builder_begin_object(b);
    gh_json_add_string(b, "capture", v->capture);
    gh_json_add_string(b, "stream", v->stream);
    gh_json_add_string(b, "input", v->input);
    gh_json_begin_object(b, "stats");
    gh_json_add_int(b, "frames_captured", (gint64)st->frames_captured);
    gh_json_add_double(b, "fps", st->fps);
    gh_json_add_double(b, "capture_ms", st->capture_ms_avg);
    gh_json_add_double(b, "capture_ms_last", st->capture_ms_last);
    gh_json_add_int(b, "frames_torn", (gint64)st->frames_torn);
    gh_json_add_int(b, "input_events", (gint64)st->input_events);
    gh_json_add_int(b, "pad_events", (gint64)st->pad_events);
    gh_json_add_int(b, "input_errors", (gint64)st->input_errors);
    gh_json_begin_object(b, "input_dropped");
    for (int r = 0; r < GH_INPUT_DROP_LAST; r++)
        gh_json_add_int(b, gh_input_drop_to_string(r), (gint64)st->input_dropped[r]);
    json_builder_end_object(b);
    json_builder_end_object(b);
    session_pipeline_audio_json(b, v);
    session_pipeline_pads_json(b, v);
    gh_json_add_node(b, "players", gh_session_peers_json(sp->peers));
    session_pipeline_worker_json(b, sp);
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

JsonNode *
gh_session_manager_session_json(GhSessionManager *mgr, const GhSession *session)
{
    JsonNode *node = gh_session_to_json(session);
    SessionPipeline *sp = g_hash_table_lookup(mgr->pipelines, session->id);
    JsonObject *o = json_node_get_object(node);

    /* Not even the token's digest leaves the host: only when it expires. */
    json_object_remove_member(o, "player_token");
    if (session->has_player_token) {
        g_autoptr(GDateTime) at = g_date_time_new_from_unix_utc(session->player_token_expires_at / G_USEC_PER_SEC);
        g_autofree char *text = g_date_time_format(at, "%Y-%m-%dT%H:%M:%SZ");
        JsonObject *player = json_object_new();
        json_object_set_string_member(player, "expires_at", text);
        json_object_set_object_member(o, "player", player);
    } else {
        json_object_set_null_member(o, "player");
    }

    if (sp)
        json_object_set_member(json_node_get_object(node), "pipeline", session_pipeline_json(sp));
    else
        json_object_set_null_member(json_node_get_object(node), "pipeline");
    return node;
}
