/* session: the state machine of every session on this host.
 *
 * All state lives on the main loop.  Blocking work (qemu-img, domain create and
 * destroy) runs in GTask worker threads on copies of what it needs; the result
 * comes back to the main loop, which alone changes a session.  Every change is
 * persisted before subscribers hear of it. */
#include "session.h"

#include <errno.h>
#include <gio/gio.h>
#include <grp.h>
#include <libvirt/virterror.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virt/domain.h"
#include "player-token.h"
#include "session-private.h"
#include "store.h"

G_DEFINE_QUARK(gh-session-error-quark, gh_session_error)

/* What a worker needs, copied so the worker never touches a GhSession. */
typedef struct {
    GhSessionManager *mgr;
    char *id;
    char *domain_name;
    char *domain_xml;            /* create only */
    char *overlay_path;          /* create only, NULL when the image has no disk */
    char *backing_path;
    char *backing_format;
} Job;

static void
session_job_free(Job *job)
{
    g_free(job->id);
    g_free(job->domain_name);
    g_free(job->domain_xml);
    g_free(job->overlay_path);
    g_free(job->backing_path);
    g_free(job->backing_format);
    g_free(job);
}

static void
session_emit(GhSessionManager *mgr, const GhSession *s, GhSessionState previous)
{
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, mgr->subscribers);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        Subscriber *sub = value;
        sub->fn(s, previous, sub->data);
    }
}

void
gh_session_persist(GhSessionManager *mgr, const GhSession *s)
{
    g_autoptr(GError) err = NULL;

    if (!gh_store_save(mgr->store, s, &err))
        g_warning("session %s: cannot save record: %s", s->id, err->message);
}

/* The one place a session changes state. */
void
gh_session_set_state(GhSessionManager *mgr, GhSession *s, GhSessionState state, const char *reason)
{
    GhSessionState previous = s->state;

    s->state = state;
    if (reason) {
        g_free(s->reason);
        s->reason = g_strdup(reason);
    }
    if (state == GH_SESSION_RUNNING && s->started_at == 0)
        s->started_at = g_get_real_time();
    if ((state == GH_SESSION_STOPPED || state == GH_SESSION_FAILED) && s->stopped_at == 0)
        s->stopped_at = g_get_real_time();
    gh_session_persist(mgr, s);
    if (state == GH_SESSION_FAILED)
        g_warning("session %s failed: %s", s->id, s->reason);
    else
        g_message("session %s: %s → %s", s->id, gh_session_state_to_string(previous),
                  gh_session_state_to_string(state));
    session_emit(mgr, s, previous);
}

/* QEMU runs as the libvirt-qemu user: it must be able to create its VNC
 * socket and open its overlay in the session dir. */
static void
session_dir_grant_qemu(const char *dir)
{
    struct passwd *pw = getuid() == 0 ? getpwnam("libvirt-qemu") : NULL;

    if (pw && chown(dir, pw->pw_uid, pw->pw_gid) < 0)
        g_warning("cannot give %s to libvirt-qemu: %s", dir, g_strerror(errno));
}

/* Releases what a session holds on disk once its VM is gone: the overlay,
 * the VNC socket and the frame-relay memory (QEMU creates /dev/shm/gh-<id>
 * and neither it nor libvirt removes it; tried whatever the image, so a
 * manifest changed since the start leaks nothing).  The serial log stays
 * for the operator. */
void
gh_session_release(GhSessionManager *mgr, GhSession *s)
{
    g_autofree char *relay = gh_domain_relay_path(s->id);

    gh_session_gpu_release(mgr, s);
    if (s->overlay_path && unlink(s->overlay_path) < 0 && errno != ENOENT)
        g_warning("session %s: cannot remove overlay %s: %s", s->id, s->overlay_path, g_strerror(errno));
    if (s->vnc_socket)
        unlink(s->vnc_socket);
    if (unlink(relay) < 0 && errno != ENOENT)
        g_warning("session %s: cannot remove relay memory %s: %s", s->id, relay, g_strerror(errno));
}

static void
session_remove_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        unlink(path);
    }
    rmdir(dir);
}

static gint
session_compare_created(gconstpointer a, gconstpointer b)
{
    const GhSession *x = *(GhSession *const *)a, *y = *(GhSession *const *)b;

    if (x->created_at != y->created_at)
        return x->created_at < y->created_at ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void
session_forget(GhSessionManager *mgr, GhSession *s)
{
    g_autoptr(GError) err = NULL;

    if (!gh_store_remove(mgr->store, s->id, &err))
        g_warning("session %s: %s", s->id, err->message);
    session_remove_dir(s->dir);
    g_hash_table_remove(mgr->by_domain, s->domain_name);
    if (s->idempotency_key)
        g_hash_table_remove(mgr->by_idempotency, s->idempotency_key);
    g_hash_table_remove(mgr->sessions, s->id);
}

/* Keeps at most keep_stopped ended sessions, dropping the oldest. */
static void
session_prune(GhSessionManager *mgr)
{
    g_autoptr(GPtrArray) ended = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, mgr->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (!gh_session_state_is_active(((GhSession *)value)->state))
            g_ptr_array_add(ended, value);
    if (ended->len <= mgr->config->keep_stopped)
        return;
    g_ptr_array_sort(ended, session_compare_created);
    for (guint i = 0; i < ended->len - mgr->config->keep_stopped; i++)
        session_forget(mgr, ended->pdata[i]);
}

void
gh_session_end(GhSessionManager *mgr, GhSession *s, GhSessionState state, const char *reason)
{
    gh_session_pipeline_close(mgr, s->id, NULL);
    gh_session_release(mgr, s);
    s->stop_requested = FALSE;
    gh_session_set_state(mgr, s, state, reason);
    session_prune(mgr);
}

/* ---- workers ---------------------------------------------------------- */

static gboolean
session_job_create_overlay(Job *job, GError **error)
{
    g_autofree char *out = NULL;
    int status = 0;
    const char *argv[] = { GH_QEMU_IMG, "create", "-q", "-f", "qcow2", "-F", job->backing_format,
                           "-b", job->backing_path, job->overlay_path, NULL };

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &out, &status,
                      error))
        return FALSE;
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_INTERNAL, "qemu-img create failed: %s",
                    out ? g_strstrip(out) : "");
        return FALSE;
    }
    return TRUE;
}

static void
session_job_start(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    Job *job = data;
    GError *error = NULL;
    virDomainPtr dom;

    if (job->overlay_path && !session_job_create_overlay(job, &error)) {
        g_task_return_error(task, error);
        return;
    }
    dom = virDomainCreateXML(gh_virt_conn(job->mgr->virt), job->domain_xml, 0);
    if (!dom) {
        gh_virt_set_error(&error, "cannot start domain");
        g_task_return_error(task, error);
        return;
    }
    virDomainFree(dom);
    g_task_return_boolean(task, TRUE);
}

/* Destroys the domain.  A root reopened after a crash may report an error
 * although QEMU is gone (see DESIGN.md), so the outcome is judged by looking
 * the domain up again, not by the error. */
static void
session_job_stop(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    Job *job = data;
    virConnectPtr conn = gh_virt_conn(job->mgr->virt);
    virDomainPtr dom = virDomainLookupByName(conn, job->domain_name);
    GError *error = NULL;

    /* Only "no such domain" means gone; a dead connection says nothing. */
    if (!dom && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
        gh_virt_set_error(&error, "cannot look up domain");
        g_task_return_error(task, error);
        return;
    }
    if (dom) {
        if (virDomainDestroy(dom) < 0)
            gh_virt_set_error(&error, "cannot destroy domain");
        virDomainFree(dom);
        dom = virDomainLookupByName(conn, job->domain_name);
        if ((!dom && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) || (dom && virDomainIsActive(dom) == 0))
            g_clear_error(&error);
        if (dom)
            virDomainFree(dom);
    }
    if (error)
        g_task_return_error(task, error);
    else
        g_task_return_boolean(task, TRUE);
}

/* The session a finished job was for, when it is still in the state the job
 * expects; a job that failed ends it as failed ("<what> failed: ...").  NULL
 * when there is nothing more to do: a lifecycle event may have ended the
 * session while the job ran. */
static GhSession *
session_job_done(GAsyncResult *res, GhSessionState expected, const char *what)
{
    Job *job = g_task_get_task_data(G_TASK(res));
    GhSessionManager *mgr = job->mgr;
    GhSession *s = g_hash_table_lookup(mgr->sessions, job->id);
    g_autoptr(GError) err = NULL;
    gboolean ok = g_task_propagate_boolean(G_TASK(res), &err);

    mgr->pending--;
    if (!s || s->state != expected)
        return NULL;
    if (!ok && expected == GH_SESSION_STOPPING) {
        /* The VM may still run: it keeps its GPU, overlay and slot until a
         * retried stop (DELETE again) or its lifecycle event ends it. */
        g_warning("session %s: stop failed, still stopping: %s", s->id, err->message);
        return NULL;
    }
    if (!ok) {
        g_autofree char *reason = g_strdup_printf("%s failed: %s", what, err->message);
        gh_session_end(mgr, s, GH_SESSION_FAILED, reason);
        return NULL;
    }
    return s;
}

void
gh_session_enter_running(GhSessionManager *mgr, GhSession *s)
{
    g_autoptr(GError) err = NULL;

    gh_session_gpu_allocated(mgr, s);
    if (s->stop_requested) {
        /* A DELETE came while it was starting (before a restart, too). */
        s->stop_requested = FALSE;
        gh_session_set_state(mgr, s, GH_SESSION_RUNNING, NULL);
        gh_session_stop_begin(mgr, s, NULL);
        return;
    }
    /* Running means its pipeline is there: one that cannot be built fails
     * the session (and takes its VM down) instead.  Its worker builds it;
     * the session is running once it did (gh_session_pipeline_ready). */
    if (!gh_session_pipeline_start(mgr, s, &err)) {
        gh_session_stop_begin(mgr, s, err->message);
        return;
    }
    if (!gh_session_pipeline_pending(mgr, s->id))
        gh_session_set_state(mgr, s, GH_SESSION_RUNNING, NULL);
}

void
gh_session_pipeline_ready(GhSessionManager *mgr, GhSession *s)
{
    if (s->state == GH_SESSION_RUNNING)
        return;      /* adopted, or back after a restart */
    if (s->stop_requested) {
        s->stop_requested = FALSE;
        gh_session_set_state(mgr, s, GH_SESSION_RUNNING, NULL);
        gh_session_stop_begin(mgr, s, NULL);
        return;
    }
    gh_session_set_state(mgr, s, GH_SESSION_RUNNING, NULL);
}

static void
session_on_started(GObject *source, GAsyncResult *res, gpointer data)
{
    GhSessionManager *mgr = ((Job *)g_task_get_task_data(G_TASK(res)))->mgr;
    GhSession *s = session_job_done(res, GH_SESSION_STARTING, "start");

    if (s)
        gh_session_enter_running(mgr, s);
}

static void
session_on_stopped(GObject *source, GAsyncResult *res, gpointer data)
{
    GhSessionManager *mgr = ((Job *)g_task_get_task_data(G_TASK(res)))->mgr;
    GhSession *s = session_job_done(res, GH_SESSION_STOPPING, "stop");
    g_autofree char *failure = s ? g_strdup(s->reason) : NULL;

    if (s && failure)
        gh_session_end(mgr, s, GH_SESSION_FAILED, failure);
    else if (s)
        gh_session_end(mgr, s, GH_SESSION_STOPPED, "stopped by request");
}

static void
session_run_job(GhSessionManager *mgr, Job *job, GTaskThreadFunc fn, GAsyncReadyCallback done)
{
    g_autoptr(GTask) task = g_task_new(NULL, NULL, done, NULL);

    job->mgr = mgr;
    g_task_set_task_data(task, job, (GDestroyNotify)session_job_free);
    mgr->pending++;
    g_task_run_in_thread(task, fn);
}

/* The pipeline is gone: the domain can go. */
static void
session_stop_destroy(GhSessionManager *mgr, const char *id)
{
    GhSession *s = g_hash_table_lookup(mgr->sessions, id);
    Job *job;

    if (!s || s->state != GH_SESSION_STOPPING)
        return;
    job = g_new0(Job, 1);
    job->id = g_strdup(s->id);
    job->domain_name = g_strdup(s->domain_name);
    session_run_job(mgr, job, session_job_stop, session_on_stopped);
}

void
gh_session_stop_begin(GhSessionManager *mgr, GhSession *s, const char *fail_reason)
{
    gh_session_set_state(mgr, s, GH_SESSION_STOPPING, fail_reason);
    gh_session_pipeline_close(mgr, s->id, session_stop_destroy);
}

void
gh_session_fail(GhSessionManager *mgr, GhSession *s, const char *reason)
{
    if (s->state != GH_SESSION_RUNNING)
        return;
    gh_session_stop_begin(mgr, s, reason);
}

/* ---- lifecycle events ------------------------------------------------- */

static const char *
session_stop_reason(int detail)
{
    switch (detail) {
    case VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN:
        return "vm stopped: the guest shut down";
    case VIR_DOMAIN_EVENT_STOPPED_DESTROYED:
        return "vm stopped: destroyed outside gamehost";
    case VIR_DOMAIN_EVENT_STOPPED_CRASHED:
        return "vm stopped: the guest crashed";
    case VIR_DOMAIN_EVENT_STOPPED_FAILED:
        return "vm stopped: qemu exited unexpectedly";
    default:
        return "vm stopped unexpectedly";
    }
}

static void
session_on_lifecycle(const char *domain_name, int event, int detail, gpointer data)
{
    GhSessionManager *mgr = data;
    GhSession *s = g_hash_table_lookup(mgr->by_domain, domain_name);

    if (!s || event != VIR_DOMAIN_EVENT_STOPPED)
        return;
    /* Our own destroy: the stop worker's completion ends the session. */
    if (s->state == GH_SESSION_STOPPING)
        return;
    if (s->state == GH_SESSION_RUNNING || s->state == GH_SESSION_STARTING)
        gh_session_end(mgr, s, GH_SESSION_FAILED, session_stop_reason(detail));
}

/* ---- public API ------------------------------------------------------- */

GhSessionManager *
gh_session_manager_new(const GhConfig *config, GhVirt *virt, const GhCatalog *catalog, GError **error)
{
    g_autofree char *dir = g_build_filename(config->state_dir, "sessions", NULL);
    GhStore *store = gh_store_open(dir, error);
    GhSessionManager *mgr;

    if (!store)
        return NULL;
    /* QEMU (libvirt-qemu) must traverse to its session dir. */
    chmod(config->state_dir, 0755);
    chmod(dir, 0755);
    mgr = g_new0(GhSessionManager, 1);
    mgr->config = config;
    mgr->virt = virt;
    mgr->catalog = catalog;
    mgr->store = store;
    mgr->sessions_dir = g_steal_pointer(&dir);
    mgr->context = g_main_context_ref_thread_default();
    mgr->sessions = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, gh_session_destroy);
    mgr->by_domain = g_hash_table_new(g_str_hash, g_str_equal);
    mgr->by_idempotency = g_hash_table_new(g_str_hash, g_str_equal);
    mgr->subscribers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    mgr->pipelines = g_hash_table_new(g_str_hash, g_str_equal);
    mgr->crash_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    mgr->crash_subscribers = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    gh_virt_set_lifecycle_handler(virt, session_on_lifecycle, mgr);
    return mgr;
}

GhSessionManager *
gh_session_manager_free(GhSessionManager *mgr)
{
    if (!mgr)
        return NULL;
    /* Workers hold a pointer to us: let them finish. */
    while (mgr->pending > 0)
        g_main_context_iteration(mgr->context, TRUE);
    /* VMs keep running; their pipelines stop with the daemon. */
    gh_session_pipelines_free(mgr);
    g_hash_table_unref(mgr->pipelines);
    g_hash_table_unref(mgr->crash_counts);
    g_hash_table_unref(mgr->crash_subscribers);
    g_strfreev(mgr->worker_env);
    g_free(mgr->worker_home);
    gh_virt_set_lifecycle_handler(mgr->virt, NULL, NULL);
    g_hash_table_unref(mgr->subscribers);
    g_hash_table_unref(mgr->by_idempotency);
    g_hash_table_unref(mgr->by_domain);
    g_hash_table_unref(mgr->sessions);
    gh_store_free(mgr->store);
    g_free(mgr->sessions_dir);
    g_main_context_unref(mgr->context);
    g_free(mgr);
    return NULL;
}

void
gh_session_index(GhSessionManager *mgr, GhSession *s)
{
    g_hash_table_insert(mgr->sessions, s->id, s);
    g_hash_table_insert(mgr->by_domain, s->domain_name, s);
    if (s->idempotency_key)
        g_hash_table_insert(mgr->by_idempotency, s->idempotency_key, s);
}

static GhSession *
session_new_record(GhSessionManager *mgr, const GhImage *image, const GhSessionRequest *req)
{
    GhSession *s = g_new0(GhSession, 1);

    s->id = g_uuid_string_random();
    s->image_id = g_strdup(image->id);
    s->state = GH_SESSION_STARTING;
    s->domain_name = gh_domain_name_for_session(s->id);
    s->dir = g_build_filename(mgr->sessions_dir, s->id, NULL);
    s->serial_log = g_build_filename(s->dir, "serial.log", NULL);
    s->vnc_socket = g_build_filename(s->dir, "vnc.sock", NULL);
    /* A disk booted by the firmware or a kernel's root disk alike: the
     * guest writes to its overlay, discarded with the session. */
    if (gh_image_has_disk(image))
        s->overlay_path = g_build_filename(s->dir, "overlay.qcow2", NULL);
    s->created_at = g_get_real_time();
    s->labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (req->labels) {
        GHashTableIter it;
        gpointer k, v;
        g_hash_table_iter_init(&it, req->labels);
        while (g_hash_table_iter_next(&it, &k, &v))
            g_hash_table_insert(s->labels, g_strdup(k), g_strdup(v));
    }
    s->idempotency_key = g_strdup(req->idempotency_key);
    s->request_hash = g_strdup(req->request_hash);
    s->capture = g_strdup(req->capture);
    s->stream = g_strdup(req->stream);
    s->input = g_strdup(req->input);
    s->audio = g_strdup(req->audio);
    if (req->backend_options) {
        GHashTableIter it;
        gpointer k, v;
        s->backend_options = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                   (GDestroyNotify)g_hash_table_unref);
        g_hash_table_iter_init(&it, req->backend_options);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            GHashTable *copy = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
            GHashTableIter oit;
            gpointer ok, ov;
            g_hash_table_iter_init(&oit, v);
            while (g_hash_table_iter_next(&oit, &ok, &ov))
                g_hash_table_insert(copy, g_strdup(ok), g_strdup(ov));
            g_hash_table_insert(s->backend_options, g_strdup(k), copy);
        }
    }
    return s;
}

/* Checks that need no resources; NULL image with *error set on refusal. */
static const GhImage *
session_admit(GhSessionManager *mgr, const GhSessionRequest *req, GError **error)
{
    const GhImage *image;

    if (mgr->draining) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_DRAINING, "host is draining: no new sessions");
        return NULL;
    }
    image = req->image_id ? gh_catalog_lookup(mgr->catalog, req->image_id) : NULL;
    if (!image) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_UNKNOWN_IMAGE, "unknown image '%s'",
                    req->image_id ? req->image_id : "");
        return NULL;
    }
    if (gh_session_manager_active(mgr) >= mgr->config->max_sessions) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_CAPACITY,
                    "host is at capacity: %u of %u sessions active", gh_session_manager_active(mgr),
                    mgr->config->max_sessions);
        return NULL;
    }
    return image;
}

const GhSession *
gh_session_manager_create(GhSessionManager *mgr, const GhSessionRequest *req, gboolean *replayed,
                          GError **error)
{
    const GhImage *image;
    GhDomainParams params = { 0 };
    g_autofree char *xml = NULL;
    GhSession *s;
    Job *job;

    *replayed = FALSE;
    if (req->idempotency_key) {
        GhSession *prior = g_hash_table_lookup(mgr->by_idempotency, req->idempotency_key);
        if (prior && g_strcmp0(prior->request_hash, req->request_hash) == 0) {
            *replayed = TRUE;
            return prior;
        }
        if (prior) {
            g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_IDEMPOTENCY,
                        "idempotency key was already used for a different request (session %s)", prior->id);
            return NULL;
        }
    }
    image = session_admit(mgr, req, error);
    if (!image || !gh_session_backends_check(mgr, req, error))
        return NULL;

    s = session_new_record(mgr, image, req);
    if (!gh_session_gpu_claim(mgr, s, image, req, error)) {
        gh_session_free(s);
        return NULL;
    }
    params.session_id = s->id;
    params.domain_type = gh_virt_domain_type(mgr->virt);
    params.overlay_path = s->overlay_path;
    params.serial_log = s->serial_log;
    params.vnc_socket = s->vnc_socket;
    params.created_at = s->created_at;
    params.gpu = s->gpu;
    params.hugepages = s->gpu && mgr->config->hugepages;
    params.session_dir = s->dir;
    xml = gh_domain_build_xml(image, &params, error);
    if (!xml || g_mkdir_with_parents(s->dir, 0750) < 0) {
        if (xml)
            g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_INTERNAL, "cannot create %s: %s", s->dir,
                        g_strerror(errno));
        gh_session_gpu_release(mgr, s);
        gh_session_free(s);
        return NULL;
    }
    session_dir_grant_qemu(s->dir);
    gh_session_index(mgr, s);
    gh_session_persist(mgr, s);
    g_message("session %s: created for image %s", s->id, image->id);
    session_emit(mgr, s, s->state);

    job = g_new0(Job, 1);
    job->id = g_strdup(s->id);
    job->domain_name = g_strdup(s->domain_name);
    job->domain_xml = g_steal_pointer(&xml);
    job->overlay_path = g_strdup(s->overlay_path);
    job->backing_path = g_strdup(image->disk_path);
    job->backing_format = g_strdup(image->disk_format);
    session_run_job(mgr, job, session_job_start, session_on_started);
    return s;
}

const GhSession *
gh_session_manager_stop(GhSessionManager *mgr, const char *id, GError **error)
{
    GhSession *s = id ? g_hash_table_lookup(mgr->sessions, id) : NULL;

    if (!s) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND, "no session '%s'", id ? id : "");
        return NULL;
    }
    if (s->state == GH_SESSION_STARTING && !s->stop_requested) {
        /* Recorded, so a daemon restarted meanwhile still honours it. */
        s->stop_requested = TRUE;
        gh_session_persist(mgr, s);
    } else if (s->state == GH_SESSION_RUNNING)
        gh_session_stop_begin(mgr, s, NULL);
    else if (s->state == GH_SESSION_STOPPING && !g_hash_table_contains(mgr->pipelines, s->id))
        session_stop_destroy(mgr, s->id); /* a retry after a failed stop; a duplicate finds it gone */
    return s;
}

const GhSession *
gh_session_manager_lookup(GhSessionManager *mgr, const char *id)
{
    return id ? g_hash_table_lookup(mgr->sessions, id) : NULL;
}

GPtrArray *
gh_session_manager_list(GhSessionManager *mgr)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, mgr->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(out, value);
    g_ptr_array_sort(out, session_compare_created);
    return out;
}

void
gh_session_manager_set_gpus(GhSessionManager *mgr, GhGpuClaims *claims)
{
    mgr->gpus = claims;
}

gboolean
gh_session_manager_set_plugins(GhSessionManager *mgr, GhPluginRegistry *plugins, GError **error)
{
    mgr->plugins = plugins;
    return !plugins || gh_session_workers_init(mgr, error);
}

void
gh_session_manager_set_draining(GhSessionManager *mgr, gboolean draining)
{
    if (mgr->draining != draining)
        g_message("host %s", draining ? "draining: new sessions refused" : "accepting sessions again");
    mgr->draining = draining;
}

gboolean
gh_session_manager_is_draining(GhSessionManager *mgr)
{
    return mgr->draining;
}

guint
gh_session_manager_capacity(GhSessionManager *mgr)
{
    return mgr->config->max_sessions;
}

guint
gh_session_manager_count_in_state(GhSessionManager *mgr, GhSessionState state)
{
    GHashTableIter it;
    gpointer value;
    guint n = 0;

    g_hash_table_iter_init(&it, mgr->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value))
        n += ((GhSession *)value)->state == state;
    return n;
}

guint
gh_session_manager_active(GhSessionManager *mgr)
{
    return gh_session_manager_count_in_state(mgr, GH_SESSION_STARTING) +
           gh_session_manager_count_in_state(mgr, GH_SESSION_RUNNING) +
           gh_session_manager_count_in_state(mgr, GH_SESSION_STOPPING);
}

guint
gh_session_manager_subscribe(GhSessionManager *mgr, GhSessionEventFunc fn, gpointer user_data)
{
    Subscriber *sub = g_new0(Subscriber, 1);

    sub->fn = fn;
    sub->data = user_data;
    g_hash_table_insert(mgr->subscribers, GUINT_TO_POINTER(++mgr->next_subscriber), sub);
    return mgr->next_subscriber;
}

void
gh_session_manager_unsubscribe(GhSessionManager *mgr, guint id)
{
    /* One sequence of ids: a crash subscription ends here too. */
    g_hash_table_remove(mgr->subscribers, GUINT_TO_POINTER(id));
    g_hash_table_remove(mgr->crash_subscribers, GUINT_TO_POINTER(id));
}

void
gh_session_manager_stop_all_sync(GhSessionManager *mgr)
{
    g_autoptr(GPtrArray) all = gh_session_manager_list(mgr);

    for (guint i = 0; i < all->len; i++)
        gh_session_manager_stop(mgr, ((GhSession *)all->pdata[i])->id, NULL);
    while (gh_session_manager_active(mgr) > 0 || mgr->pending > 0)
        g_main_context_iteration(mgr->context, TRUE);
}

/* ---- player tokens ------------------------------------------------------ */

void
gh_session_manager_set_clock(GhSessionManager *mgr, GhSessionClock clock)
{
    mgr->clock = clock;
}

gint64
gh_session_manager_now(GhSessionManager *mgr)
{
    return mgr->clock ? mgr->clock() : g_get_real_time();
}

char *
gh_session_manager_mint_player_token(GhSessionManager *mgr, const char *id, guint ttl_s, gint64 *expires_at,
                                     GError **error)
{
    GhSession *s = id ? g_hash_table_lookup(mgr->sessions, id) : NULL;
    g_autoptr(GError) err = NULL;
    char *token;

    if (!s) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_FOUND, "no session '%s'", id ? id : "");
        return NULL;
    }
    if (s->state != GH_SESSION_STARTING && s->state != GH_SESSION_RUNNING) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_NOT_RUNNING, "session %s is %s: it has no player",
                    s->id, gh_session_state_to_string(s->state));
        return NULL;
    }
    if (!(token = gh_player_token_mint(&err))) {
        g_set_error(error, GH_SESSION_ERROR, GH_SESSION_ERROR_INTERNAL, "%s", err->message);
        return NULL;
    }
    if (ttl_s == 0 || ttl_s > mgr->config->player_token_ttl)
        ttl_s = mgr->config->player_token_ttl;
    gh_player_token_digest(token, s->player_token_sha256);
    /* Whole seconds, as expires_at is shown. */
    s->player_token_expires_at = (gh_session_manager_now(mgr) / G_USEC_PER_SEC + ttl_s) * G_USEC_PER_SEC;
    s->has_player_token = TRUE;
    gh_session_persist(mgr, s);
    *expires_at = s->player_token_expires_at;
    return token;
}

GhPlayerTokenCheck
gh_session_manager_check_player_token(GhSessionManager *mgr, const char *id, const char *token)
{
    guint8 got[GH_PLAYER_DIGEST_BYTES];
    GhSession *mine = NULL;
    gboolean other = FALSE;
    GHashTableIter it;
    gpointer value;

    if (!token || !gh_player_token_is_well_formed(token))
        return GH_PLAYER_TOKEN_UNKNOWN;
    gh_player_token_digest(token, got);
    /* Every session is compared, whichever matches. */
    g_hash_table_iter_init(&it, mgr->sessions);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        GhSession *s = value;
        gboolean match = s->has_player_token && gh_player_token_digest_equal(got, s->player_token_sha256);

        if (match && id && g_str_equal(s->id, id))
            mine = s;
        else if (match)
            other = TRUE;
    }
    if (mine)
        return gh_player_token_expired(mine->player_token_expires_at, gh_session_manager_now(mgr))
                   ? GH_PLAYER_TOKEN_EXPIRED : GH_PLAYER_TOKEN_ACCEPTED;
    return other ? GH_PLAYER_TOKEN_WRONG_SESSION : GH_PLAYER_TOKEN_UNKNOWN;
}
