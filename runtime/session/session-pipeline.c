/* session-pipeline: a running session's pipeline (pipeline.h) and what the
 * API asks of it: input, on-demand frames, the live view.
 *
 * Lifetime.  Built on the main loop when the session becomes running (also
 * when adopted), with VM access for its domain (vm-access.h); closed before
 * the domain is destroyed and whenever the session ends.  A frame request
 * waits in a worker thread on the pipeline, so the pipeline must outlive
 * it: requests in flight are counted on the main loop, and a close that
 * finds some waits (without blocking: they end within their timeout) for
 * the last one before freeing the pipeline and going on with the stop. */
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>
#include "session-private.h"

#include "virt/domain.h"
#include "plugin/pipeline.h"
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
    /* Players first: the stream backend hears peer_close before destroy.
     * The peers go last: until destroy returns, a backend may still call
     * signal_send, peer_input or peer_close, which reach sp->peers. */
    gh_session_peers_retire(sp->peers, sp->pipeline);
    gh_pipeline_free(sp->pipeline);
    gh_dbus_relay_free(sp->dbus_relay);
    gh_session_peers_unref(sp->peers);
    gh_vm_access_free(sp->vm);
    g_free(sp->id);
    g_free(sp);
}

/* Main loop: a backend failed at run time. */
static void
session_pipeline_on_fail(gpointer data, const char *reason)
{
    SessionPipeline *sp = data;
    GhSession *s = g_hash_table_lookup(sp->mgr->sessions, sp->id);

    if (!sp->closing && s)
        gh_session_fail(sp->mgr, s, reason);
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

static gboolean
sp_peer_controls(gpointer ctx, guint32 peer)
{
    return gh_session_peers_controls(((SessionPipeline *)ctx)->peers, peer);
}

static guint32
sp_peer_in_control(gpointer ctx)
{
    return gh_session_peers_controller(((SessionPipeline *)ctx)->peers);
}

static void
sp_peer_close(gpointer ctx, guint32 peer, const char *reason)
{
    gh_session_peers_request_close(((SessionPipeline *)ctx)->peers, peer, reason);
}

/* The plugins' way to QEMU's D-Bus bus: a relay in the session dir for the
 * uid they run as (ours, until they run in a worker of their own), since
 * the bus admits QEMU's uid alone.  Without one they get the bus itself,
 * which only a root process can reach. */
static char *
session_pipeline_dbus_relay(SessionPipeline *sp, const GhSession *s, const char *bus_path)
{
    g_autofree char *path = g_build_filename(s->dir, "qemu-dbus.sock", NULL);
    g_autoptr(GError) err = NULL;

    sp->dbus_relay = gh_dbus_relay_new(path, geteuid(), getegid(), bus_path, &err);
    if (!sp->dbus_relay) {
        g_warning("session %s: no relay to QEMU's D-Bus bus (%s): the audio backend gets the bus itself", s->id,
                  err->message);
        return g_strdup(bus_path);
    }
    return g_steal_pointer(&path);
}

/* The session's options over the config's defaults for each backend
 * ([stream.webrtc] in gamehost.conf): backend name → options. */
static GHashTable *
session_resolve_options(GhSessionManager *mgr, const GhSession *s)
{
    GHashTable *out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
    GHashTable *sources[] = { mgr->config->backend_defaults, s->backend_options };

    for (gsize i = 0; i < G_N_ELEMENTS(sources); i++) {
        GHashTableIter it;
        gpointer name, options;

        if (!sources[i])
            continue;
        g_hash_table_iter_init(&it, sources[i]);
        while (g_hash_table_iter_next(&it, &name, &options)) {
            GHashTable *merged = g_hash_table_lookup(out, name);
            GHashTableIter oit;
            gpointer k, v;

            if (!merged) {
                merged = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
                g_hash_table_insert(out, g_strdup(name), merged);
            }
            g_hash_table_iter_init(&oit, options);
            while (g_hash_table_iter_next(&oit, &k, &v))
                g_hash_table_replace(merged, g_strdup(k), g_strdup(v));
        }
    }
    return out;
}

gboolean
gh_session_pipeline_start(GhSessionManager *mgr, GhSession *s, GError **error)
{
    const GhImage *image = gh_catalog_lookup(mgr->catalog, s->image_id);
    const GhProfile *profile = image ? image->profile : NULL;
    g_autoptr(GHashTable) options = NULL;
    GhPipelineChoice choice = {
        .capture = s->capture, .stream = s->stream, .input = s->input, .audio = s->audio,
        .sound = profile && profile->sound != GH_SOUND_NONE,
        .pad_keys = profile ? profile->pad_keys : NULL,
    };
    GhPluginSessionInfo info = { 0 };
    g_autofree char *relay_path = NULL;
    g_autofree char *bus_socket = NULL;
    g_autofree char *dbus_socket = NULL;
    g_auto(GStrv) pad_sockets = g_new0(char *, GH_INPUT_MAX_PADS + 1);
    g_autoptr(GError) err = NULL;
    SessionPipeline *sp;

    if (!mgr->plugins || g_hash_table_contains(mgr->pipelines, s->id))
        return TRUE;
    sp = g_new0(SessionPipeline, 1);
    sp->mgr = mgr;
    sp->id = g_strdup(s->id);
    sp->vm = gh_vm_access_new(mgr->virt, s->domain_name);
    sp->peers = gh_session_peers_new(mgr, s->id);
    sp->ops.screenshot = sp_screenshot;
    sp->ops.send_keys = sp_send_keys;
    sp->ops.qmp_command = sp_qmp_command;
    sp->ops.signal_send = sp_signal_send;
    sp->ops.peer_input = sp_peer_input;
    sp->ops.peer_close = sp_peer_close;
    sp->ops.peer_controls = sp_peer_controls;
    sp->ops.peer_in_control = sp_peer_in_control;
    options = session_resolve_options(mgr, s);
    choice.options = options;
    info.session_id = s->id;
    info.image_id = s->image_id;
    info.width = profile ? profile->width : 0;
    info.height = profile ? profile->height : 0;
    info.refresh_hz = profile ? profile->refresh_hz : 0;
    info.vnc_socket = s->vnc_socket;
    /* The domain got the relay region when the image declares the path. */
    if (gh_domain_image_has_relay(image)) {
        relay_path = gh_domain_relay_path(s->id);
        /* QEMU creates it 0644: the session's frames are nobody else's. */
        if (chmod(relay_path, 0600) < 0 && errno != ENOENT)
            g_warning("session %s: cannot restrict %s: %s", s->id, relay_path, g_strerror(errno));
    }
    info.relay_path = relay_path;
    /* The domain got QEMU's D-Bus audio when the profile has sound. */
    if (choice.sound && (bus_socket = gh_virt_dbus_socket(mgr->virt, s->domain_name)))
        dbus_socket = session_pipeline_dbus_relay(sp, s, bus_socket);
    info.dbus_socket = dbus_socket;
    /* The domain got a USB channel per pad when the profile has a gamepad. */
    G_STATIC_ASSERT(GH_DOMAIN_PADS == GH_INPUT_MAX_PADS);
    for (guint i = 0; profile && profile->gamepad && i < GH_INPUT_MAX_PADS; i++)
        info.pad_socket[i] = pad_sockets[i] = gh_domain_pad_socket(s->dir, i);
    info.session_dir = s->dir;
    info.context = mgr->context;
    info.ops = &sp->ops;
    info.ops_ctx = sp;
    sp->pipeline = gh_pipeline_new(mgr->plugins, &choice, image ? (const char *const *)image->capture : NULL, &info,
                                   session_pipeline_on_fail, sp, &err);
    if (!sp->pipeline) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, "%s", err->message);
        session_pipeline_free(sp);
        return FALSE;
    }
    g_hash_table_insert(mgr->pipelines, sp->id, sp);
    return TRUE;
}

/* Worker: joining the pipeline thread waits for a capture call in progress
 * (a screenshot of a wedged VM can take long), which the main loop must not. */
static void
session_pipeline_stop_job(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    SessionPipeline *sp = data;

    gh_pipeline_stop(sp->pipeline);
    g_task_return_boolean(task, TRUE);
}

/* Main loop: the thread is gone; the instances are destroyed here, where
 * the ABI says destroy runs. */
static void
session_pipeline_stopped(GObject *source, GAsyncResult *res, gpointer data)
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

static void
session_pipeline_finish_close(SessionPipeline *sp)
{
    g_autoptr(GTask) task = g_task_new(NULL, NULL, session_pipeline_stopped, sp);

    sp->mgr->pending++;
    g_task_set_task_data(task, sp, NULL);
    g_task_run_in_thread(task, session_pipeline_stop_job);
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
    if (sp->users == 0)
        session_pipeline_finish_close(sp);
}

void
gh_session_pipelines_free(GhSessionManager *mgr)
{
    GHashTableIter it;
    gpointer value;

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
    return sp;
}

gboolean
gh_session_pipeline_send_input(GhSessionManager *mgr, GhPipeline *pipeline, const gh_input_event *events, guint n,
                               GArray **drops, GError **error)
{
    g_autoptr(GArray) dropped = NULL;
    gboolean ok = gh_pipeline_send_input(pipeline, events, n, &dropped, error);

    /* Read by /metrics on the main loop; atomic like the players' counts. */
    for (guint i = 0; i < dropped->len; i++)
        __atomic_add_fetch(&mgr->input_dropped[g_array_index(dropped, GhPipelineInputDrop, i).reason], 1,
                           __ATOMIC_RELAXED);
    if (drops)
        *drops = g_steal_pointer(&dropped);
    return ok;
}

gboolean
gh_session_manager_send_input(GhSessionManager *mgr, const char *id, const gh_input_event *events, guint n,
                              GArray **drops, GError **error)
{
    SessionPipeline *sp = session_pipeline_for(mgr, id, error);
    g_autoptr(GError) err = NULL;

    if (!sp)
        return FALSE;
    if (!gh_session_pipeline_send_input(mgr, sp->pipeline, events, n, drops, &err)) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, "%s", err->message);
        return FALSE;
    }
    return TRUE;
}

typedef struct {
    SessionPipeline *sp;
    guint timeout_ms;
} FrameJob;

static void
frame_job_run(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    FrameJob *job = data;
    GError *err = NULL;
    GBytes *png = gh_pipeline_frame_png(job->sp->pipeline, job->timeout_ms, &err);

    if (!png) {
        /* A timeout stays a timeout (504); anything else the capture backend did wrong (502). */
        if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
            GError *mine = g_error_new_literal(GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, err->message);
            g_error_free(err);
            err = mine;
        }
        g_task_return_error(task, err);
        return;
    }
    g_task_return_pointer(task, png, (GDestroyNotify)g_bytes_unref);
}

/* Main loop: the worker is done with the pipeline. */
static void
frame_job_done(GObject *source, GAsyncResult *res, gpointer data)
{
    GTask *outer = data;
    FrameJob *job = g_task_get_task_data(G_TASK(res));
    SessionPipeline *sp = job->sp;
    GError *err = NULL;
    GBytes *png = g_task_propagate_pointer(G_TASK(res), &err);

    sp->mgr->pending--;
    if (--sp->users == 0 && sp->closing)
        session_pipeline_finish_close(sp);
    if (png)
        g_task_return_pointer(outer, png, (GDestroyNotify)g_bytes_unref);
    else
        g_task_return_error(outer, err);
    g_object_unref(outer);
}

void
gh_session_manager_frame_png_async(GhSessionManager *mgr, const char *id, guint timeout_ms,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
    GTask *outer = g_task_new(NULL, cancellable, callback, user_data);
    g_autoptr(GTask) inner = NULL;
    GError *err = NULL;
    SessionPipeline *sp = session_pipeline_for(mgr, id, &err);
    FrameJob *job;

    g_task_set_source_tag(outer, gh_session_manager_frame_png_async);
    if (sp && !gh_pipeline_backend_name(sp->pipeline, GH_BACKEND_CAPTURE))
        err = g_error_new(GH_SESSION_ERROR, GH_SESSION_ERROR_BACKEND, "session %s has no capture backend", id);
    if (err) {
        g_task_return_error(outer, err);
        g_object_unref(outer);
        return;
    }
    job = g_new0(FrameJob, 1);
    job->sp = sp;
    job->timeout_ms = timeout_ms;
    sp->users++;
    mgr->pending++;
    inner = g_task_new(NULL, NULL, frame_job_done, outer);
    g_task_set_task_data(inner, job, g_free);
    g_task_run_in_thread(inner, frame_job_run);
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

void
gh_session_manager_audio_totals(GhSessionManager *mgr, GhSessionAudioTotals *totals)
{
    GHashTableIter it;
    gpointer value;

    memset(totals, 0, sizeof *totals);
    g_hash_table_iter_init(&it, mgr->pipelines);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        SessionPipeline *sp = value;
        GhPipelineAudioStats a;

        if (!sp->pipeline || !gh_pipeline_get_audio_stats(sp->pipeline, &a))
            continue;
        totals->sessions++;
        totals->frames += a.frames;
        totals->refused += a.refused;
        totals->dropped += a.backend.dropped;
        totals->mic_frames += a.mic_frames;
        totals->mic_dropped += a.mic_dropped;
        totals->mic_underruns += a.backend.underruns;
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
        SessionPipeline *sp = value;
        GhPipelinePadStats pads[GH_INPUT_MAX_PADS];
        GhPipelineStats st;
        guint n;

        if (!sp->pipeline)
            continue;
        gh_pipeline_get_stats(sp->pipeline, &st);
        totals->events += st.pad_events;
        n = gh_pipeline_get_pad_stats(sp->pipeline, pads);
        for (guint i = 0; i < n; i++) {
            totals->attached += pads[i].attached;
            totals->rumble_reports += pads[i].rumble_reports;
        }
    }
}

/* "pads": each pad ever attached or with feedback; the input backend's
 * counters where it keeps them. */
static void
session_pipeline_pads_json(JsonBuilder *b, GhPipeline *pipeline)
{
    GhPipelinePadStats pads[GH_INPUT_MAX_PADS];
    guint n = gh_pipeline_get_pad_stats(pipeline, pads);

    gh_json_begin_array(b, "pads");
    for (guint i = 0; i < n; i++) {
        const GhPipelinePadStats *pad = &pads[i];

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
session_pipeline_audio_json(JsonBuilder *b, GhPipeline *pipeline)
{
    GhPipelineAudioStats a;

    json_builder_set_member_name(b, "audio");
    if (!gh_pipeline_get_audio_stats(pipeline, &a)) {
        json_builder_add_null_value(b);
        return;
    }
    json_builder_begin_object(b);
    gh_json_add_string(b, "backend", gh_pipeline_backend_name(pipeline, GH_BACKEND_AUDIO));
    gh_json_add_string(b, "format", a.format == GH_AUDIO_S16LE ? "s16le" : "unknown");
    gh_json_add_int(b, "rate", a.rate);
    gh_json_add_int(b, "channels", a.channels);
    gh_json_add_bool(b, "playing", a.backend.enabled != 0);
    gh_json_add_bool(b, "muted", a.backend.muted != 0);
    gh_json_add_int(b, "volume", a.backend.volume);
    gh_json_add_int(b, "frames", (gint64)a.frames);
    gh_json_add_int(b, "chunks", (gint64)a.chunks);
    gh_json_add_int(b, "refused", (gint64)a.refused);
    gh_json_add_int(b, "dropped", (gint64)a.backend.dropped);
    gh_json_add_int(b, "mic_frames", (gint64)a.mic_frames);
    gh_json_add_int(b, "mic_dropped", (gint64)a.mic_dropped);
    gh_json_add_int(b, "mic_underruns", (gint64)a.backend.underruns);
    json_builder_end_object(b);
}

static JsonNode *
session_pipeline_json(SessionPipeline *sp)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    GhPipelineStats st;

    gh_pipeline_get_stats(sp->pipeline, &st);
    json_builder_begin_object(b);
    gh_json_add_string(b, "capture", gh_pipeline_backend_name(sp->pipeline, GH_BACKEND_CAPTURE));
    gh_json_add_string(b, "stream", gh_pipeline_backend_name(sp->pipeline, GH_BACKEND_STREAM));
    gh_json_add_string(b, "input", gh_pipeline_backend_name(sp->pipeline, GH_BACKEND_INPUT));
    gh_json_begin_object(b, "stats");
    gh_json_add_int(b, "frames_captured", (gint64)st.frames_captured);
    gh_json_add_double(b, "fps", st.fps);
    gh_json_add_double(b, "capture_ms", st.capture_ms_avg);
    gh_json_add_double(b, "capture_ms_last", st.capture_ms_last);
    gh_json_add_int(b, "frames_torn", (gint64)st.frames_torn);
    gh_json_add_int(b, "input_events", (gint64)st.input_events);
    gh_json_add_int(b, "pad_events", (gint64)st.pad_events);
    gh_json_add_int(b, "input_errors", (gint64)st.input_errors);
    gh_json_begin_object(b, "input_dropped");
    for (int r = 0; r < GH_INPUT_DROP_LAST; r++)
        gh_json_add_int(b, gh_input_drop_to_string(r), (gint64)st.input_dropped[r]);
    json_builder_end_object(b);
    json_builder_end_object(b);
    session_pipeline_audio_json(b, sp->pipeline);
    session_pipeline_pads_json(b, sp->pipeline);
    gh_json_add_node(b, "players", gh_session_peers_json(sp->peers));
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
