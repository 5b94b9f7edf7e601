/* worker-client: see worker-client.h.
 *
 * Lifetime.  The owner's reference goes in gh_worker_client_free; the
 * wait on the process holds another until the exit status is in, so the
 * status is never read into freed memory.  A service job (VM access runs
 * in a thread) holds one until its answer is sent.  Once freed, nothing
 * reaches the owner again. */
#define _GNU_SOURCE
#include "worker-client.h"

#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline.h"
#include "plugin-watch.h"
#include "wire.h"
#include "worker-proto.h"

#define CLIENT_WATCH_MS     250u
#define CLIENT_START_MS     30000u       /* loading plugins and creating the backends */
#define CLIENT_SILENCE_MS   3000u        /* no word from a worker that sends its view every 250 ms */
#define CLIENT_MAX_PNG      (64u << 20)
#define CLIENT_MAX_TEXT     (1u << 20)

typedef enum { PENDING_INPUT, PENDING_FRAME, PENDING_PEER_OPEN, PENDING_PEER_MESSAGE } PendingKind;

typedef struct {
    PendingKind kind;
    GhWorkerInputDone input_done;
    GhWorkerPeerDone peer_done;
    GTask *task;                 /* PENDING_FRAME */
    guint32 peer;                /* PENDING_PEER_* */
    gpointer data;
} Pending;

struct GhWorkerClient {
    gint refs;
    GSubprocess *proc;
    int pid;
    int fd;
    GSource *fd_source, *watch_source, *kill_source;   /* on context */
    GhPluginWatchPage *page;
    const GhPluginSessionOps *ops;
    gpointer ops_ctx;
    GhWorkerClientEvents events;
    gpointer data;
    GMainContext *context;
    GHashTable *pending;         /* serial → Pending* */
    guint32 serial;
    GhPipelineView view;
    gboolean ready, stopping, freed, gone;
    gboolean failed;             /* it reported a backend's failure: its exit is no crash */
    gint64 started, last_heard;  /* monotonic us */
    guint watchdog_ms;
    GhWorkerExit exit;           /* what we killed it for, if we did */
    GCallback stop_done;
    gpointer stop_data;
};

static GhWorkerClient *
client_ref(GhWorkerClient *c)
{
    g_atomic_int_inc(&c->refs);
    return c;
}

static void
client_unref(GhWorkerClient *c)
{
    if (!g_atomic_int_dec_and_test(&c->refs))
        return;
    g_hash_table_unref(c->pending);
    gh_pipeline_view_clear(&c->view);
    gh_worker_exit_clear(&c->exit);
    if (c->page)
        munmap(c->page, sizeof *c->page);
    g_clear_object(&c->proc);
    g_main_context_unref(c->context);
    g_free(c);
}

void
gh_worker_exit_clear(GhWorkerExit *exit)
{
    g_free(exit->backend);
    g_free(exit->op);
    g_free(exit->cut_off);
    g_free(exit->summary);
    memset(exit, 0, sizeof *exit);
}

const char *
gh_worker_signal_name(int sig, char buf[16])
{
    const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

    if (abbrev)
        g_snprintf(buf, 16, "SIG%s", abbrev);
    else
        g_snprintf(buf, 16, "signal %d", sig);
    return buf;
}

/* ---- ending it ---------------------------------------------------------------- */

static void
client_kill(GhWorkerClient *c)
{
    if (c->proc && !c->gone)
        g_subprocess_force_exit(c->proc);
}

static void
pending_fail(Pending *p, const char *why)
{
    switch (p->kind) {
    case PENDING_INPUT:
        if (p->input_done) {
            g_autoptr(GArray) none = gh_pipeline_input_drops_new();
            p->input_done(p->data, -EPIPE, why, none);
        }
        break;
    case PENDING_FRAME:
        g_task_return_new_error(p->task, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, "%s", why);
        g_object_unref(p->task);
        break;
    default:
        if (p->peer_done)
            p->peer_done(p->data, p->peer, -EPIPE, why);
        break;
    }
    g_free(p);
}

static void
client_fail_pending(GhWorkerClient *c, const char *why)
{
    GHashTableIter it;
    gpointer value;

    g_hash_table_iter_init(&it, c->pending);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        g_hash_table_iter_steal(&it);
        pending_fail(value, why);
    }
}

/* Sources go to the owner's context, never GLib's global default (which
 * libvirt's event thread iterates, DESIGN.md). */
static GSource *
client_attach(GhWorkerClient *c, GSource *src, GSourceFunc fn)
{
    g_source_set_callback(src, fn, c, NULL);
    g_source_attach(src, c->context);
    return src;
}

static void
client_drop_source(GSource **src)
{
    if (*src) {
        g_source_destroy(*src);
        g_source_unref(*src);
    }
    *src = NULL;
}

/* Closes our end: the worker sees EOF and ends if it still runs. */
static void
client_close_socket(GhWorkerClient *c)
{
    client_drop_source(&c->fd_source);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static void
client_cut_off(GhWorkerClient *c, const char *what)
{
    if (c->exit.cut_off || c->exit.hang)
        return;
    g_warning("plugin worker %d: cut off: %s", c->pid, what);
    c->exit.cut_off = g_strdup(what);
    client_close_socket(c);
    client_kill(c);
}

static char *
client_summary(const GhWorkerExit *e)
{
    char sig[16];
    g_autofree char *where = e->backend ? g_strdup_printf(" in %s %s", e->backend, e->op) : g_strdup("");

    if (e->cut_off)
        return g_strdup_printf("cut off for a malformed message (%s)", e->cut_off);
    if (e->hang)
        return g_strdup_printf("hung%s past the watchdog, killed", where);
    if (e->signal)
        return g_strdup_printf("killed by %s%s", gh_worker_signal_name(e->signal, sig), where);
    return g_strdup_printf("exited with status %d%s", e->status, where);
}

static gboolean client_read(GhWorkerClient *c, guint max);

static void
client_waited(GObject *source, GAsyncResult *res, gpointer data)
{
    GhWorkerClient *c = data;
    GSubprocess *proc = G_SUBPROCESS(source);
    GhPluginWatchCall call;

    g_subprocess_wait_finish(proc, res, NULL);
    c->gone = TRUE;
    /* Its last words first (a backend's failure, say): the exit can be
     * reaped before the socket is read. */
    if (!c->freed)
        client_read(c, G_MAXUINT);
    client_drop_source(&c->kill_source);
    client_drop_source(&c->watch_source);
    client_close_socket(c);
    client_fail_pending(c, "the session's plugin worker is gone");
    if (!c->freed && c->stopping) {
        if (c->stop_done)
            ((void (*)(gpointer))c->stop_done)(c->stop_data);
    } else if (!c->freed && !(c->failed && !g_subprocess_get_if_signaled(proc))) {
        if (g_subprocess_get_if_signaled(proc))
            c->exit.signal = g_subprocess_get_term_sig(proc);
        else
            c->exit.status = g_subprocess_get_exit_status(proc);
        if (c->exit.cut_off || c->exit.hang)
            c->exit.signal = 0;      /* ours: the SIGKILL says nothing about the plugin */
        if (!c->exit.backend && gh_plugin_watch_latest(c->page, &call)) {
            c->exit.backend = g_strdup(call.backend);
            c->exit.op = g_strdup(call.op);
        }
        c->exit.summary = client_summary(&c->exit);
        if (c->events.exited)
            c->events.exited(c->data, &c->exit);
    }
    client_unref(c);
}

/* ---- sending ---------------------------------------------------------------- */

static gboolean
client_send(GhWorkerClient *c, GhWorkerMsg type, guint32 serial, GVariant *body, const int *fds, guint n_fds)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GVariant) sunk = body ? g_variant_ref_sink(body) : NULL;

    if (c->fd < 0)
        return FALSE;
    if (gh_wire_send(c->fd, gh_worker_proto_kind(type), serial, sunk, fds, n_fds, &err))
        return TRUE;
    /* Its socket full: it has stopped reading, as good as hung. */
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
        c->exit.hang = TRUE;
        g_warning("plugin worker %d: stopped reading its socket, killed", c->pid);
        client_kill(c);
    }
    return FALSE;
}

static guint32
client_request(GhWorkerClient *c, Pending *p)
{
    guint32 serial = ++c->serial;

    g_hash_table_insert(c->pending, GUINT_TO_POINTER(serial), p);
    return serial;
}

static Pending *
client_take_pending(GhWorkerClient *c, guint32 serial, PendingKind kind)
{
    Pending *p = g_hash_table_lookup(c->pending, GUINT_TO_POINTER(serial));

    if (!p || p->kind != kind)
        return NULL;
    g_hash_table_steal(c->pending, GUINT_TO_POINTER(serial));
    return p;
}

/* ---- what the worker sends ---------------------------------------------------- */

/* A string from the worker, bounded; NULL (and the worker cut off) past it. */
static const char *
client_text(GhWorkerClient *c, const char *s, gsize max, const char *what)
{
    if (strlen(s) <= max)
        return s;
    client_cut_off(c, what);
    return NULL;
}

static void
client_on_ready(GhWorkerClient *c, GVariant *body)
{
    const char *names[4];
    gboolean interactive;
    char **slots[4] = { &c->view.capture, &c->view.stream, &c->view.input, &c->view.audio };

    g_variant_get(body, "(&s&s&s&sb)", &names[0], &names[1], &names[2], &names[3], &interactive);
    for (guint i = 0; i < 4; i++) {
        if (!client_text(c, names[i], 256, "a backend name longer than 256 bytes"))
            return;
        g_free(*slots[i]);
        *slots[i] = names[i][0] ? g_strdup(names[i]) : NULL;
    }
    c->view.interactive = interactive;
    c->ready = TRUE;
    if (c->events.ready)
        c->events.ready(c->data);
}

static void
client_on_input_done(GhWorkerClient *c, guint32 serial, GVariant *body)
{
    Pending *p = client_take_pending(c, serial, PENDING_INPUT);
    g_autoptr(GArray) drops = gh_pipeline_input_drops_new();
    g_autoptr(GVariantIter) it = NULL;
    const char *message, *why;
    guint32 index, reason;
    int rc;

    if (!p) {
        client_cut_off(c, "an input answer to no request");
        return;
    }
    g_variant_get(body, "(i&sa(uus))", &rc, &message, &it);
    while (g_variant_iter_next(it, "(uu&s)", &index, &reason, &why)) {
        GhPipelineInputDrop d = { .index = index, .reason = reason };

        if (reason >= GH_INPUT_DROP_LAST) {
            client_cut_off(c, "an input drop with an unknown reason");
            break;
        }
        d.message = g_strndup(why, 1024);
        g_array_append_val(drops, d);
    }
    if (p->input_done)
        p->input_done(p->data, rc, message, drops);
    g_free(p);
}

static GBytes *
client_read_memfd(int fd, gsize max, GError **error)
{
    struct stat st;
    g_autofree guint8 *buf = NULL;
    gsize done = 0;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || (guint64)st.st_size > max) {
        g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, "the worker's frame is not a file of 1 to %"
                    G_GSIZE_FORMAT " bytes", max);
        return NULL;
    }
    buf = g_malloc(st.st_size);
    while (done < (gsize)st.st_size) {
        ssize_t n = pread(fd, buf + done, st.st_size - done, done);
        if (n <= 0) {
            g_set_error(error, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, "cannot read the worker's frame: %s",
                        n < 0 ? g_strerror(errno) : "short");
            return NULL;
        }
        done += n;
    }
    return g_bytes_new_take(g_steal_pointer(&buf), st.st_size);
}

static void
client_on_frame_done(GhWorkerClient *c, guint32 serial, GVariant *body, const int *fds, guint n_fds)
{
    Pending *p = client_take_pending(c, serial, PENDING_FRAME);
    const char *message;
    GError *err = NULL;
    GBytes *png = NULL;
    int rc;

    if (!p) {
        client_cut_off(c, "a frame answer to no request");
        return;
    }
    g_variant_get(body, "(i&s)", &rc, &message);
    if (rc == 0 && n_fds == 1)
        png = client_read_memfd(fds[0], CLIENT_MAX_PNG, &err);
    else if (rc == -ETIMEDOUT)
        err = g_error_new(G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%.1024s", message);
    else if (rc == -ENODEV)
        err = g_error_new(GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_NO_CAPTURE, "%.1024s", message);
    else
        err = g_error_new(GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_FAILED, "%.1024s",
                          rc == 0 ? "the worker sent no frame" : message);
    if (png)
        g_task_return_pointer(p->task, png, (GDestroyNotify)g_bytes_unref);
    else
        g_task_return_error(p->task, err);
    g_object_unref(p->task);
    g_free(p);
}

static void
client_on_peer_done(GhWorkerClient *c, guint32 serial, GVariant *body, PendingKind kind)
{
    Pending *p = client_take_pending(c, serial, kind);
    const char *why;
    guint32 peer;
    int rc;

    if (!p) {
        client_cut_off(c, "a player answer to no request");
        return;
    }
    g_variant_get(body, "(ui&s)", &peer, &rc, &why);
    if (p->peer_done)
        p->peer_done(p->data, p->peer, rc > 0 ? -EINVAL : rc, client_text(c, why, 4096, "a reason over 4 KiB"));
    g_free(p);
}

/* ---- services it asks for: VM access, in a thread --------------------------- */

typedef struct {
    GhWorkerClient *c;
    GhWorkerMsg type;
    guint32 serial;
    GArray *codes;               /* send-keys */
    guint32 hold_ms;
    char *command;               /* qmp */
    int rc;
    char *error, *text;
    guint8 *data;                /* screenshot */
    gsize len;
} ServiceJob;

static void
service_job_free(ServiceJob *j)
{
    if (j->codes)
        g_array_unref(j->codes);
    g_free(j->command);
    g_free(j->error);
    g_free(j->text);
    g_free(j->data);
    client_unref(j->c);
    g_free(j);
}

static void
service_job_run(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    ServiceJob *j = data;
    const GhPluginSessionOps *ops = j->c->ops;

    if (j->type == GH_WORKER_MSG_SCREENSHOT)
        j->rc = ops->screenshot ? ops->screenshot(j->c->ops_ctx, &j->data, &j->len, &j->text, &j->error) : -ENOSYS;
    else if (j->type == GH_WORKER_MSG_SEND_KEYS)
        j->rc = ops->send_keys ? ops->send_keys(j->c->ops_ctx, (const guint32 *)j->codes->data, j->codes->len,
                                                j->hold_ms, &j->error)
                               : -ENOSYS;
    else
        j->rc = ops->qmp_command ? ops->qmp_command(j->c->ops_ctx, j->command, &j->text, &j->error) : -ENOSYS;
    g_task_return_boolean(task, TRUE);
}

/* Main loop: the answer, with the screenshot in a memfd. */
static void
service_job_done(GObject *source, GAsyncResult *res, gpointer data)
{
    ServiceJob *j = g_task_get_task_data(G_TASK(res));
    int fd = -1;

    if (j->rc == 0 && j->data) {
        fd = memfd_create("gh-screenshot", MFD_CLOEXEC);
        if (fd < 0 || write(fd, j->data, j->len) != (ssize_t)j->len) {
            j->rc = -EIO;
            g_free(j->error);
            j->error = g_strdup("cannot pass the screenshot to the worker");
        }
    }
    if (!j->c->freed && !j->c->gone)
        client_send(j->c, GH_WORKER_MSG_REPLY, j->serial,
                    g_variant_new("(iss)", j->rc, j->error ? j->error : "", j->text ? j->text : ""),
                    fd >= 0 && j->rc == 0 ? &fd : NULL, fd >= 0 && j->rc == 0 ? 1 : 0);
    if (fd >= 0)
        close(fd);
}

static void
client_on_service(GhWorkerClient *c, GhWorkerMsg type, guint32 serial, GVariant *body)
{
    ServiceJob *j = g_new0(ServiceJob, 1);
    g_autoptr(GTask) task = g_task_new(NULL, NULL, service_job_done, NULL);

    j->c = client_ref(c);
    j->type = type;
    j->serial = serial;
    if (type == GH_WORKER_MSG_SEND_KEYS) {
        g_autoptr(GVariant) codes = NULL;
        gsize n;
        const guint32 *v;

        g_variant_get(body, "(@auu)", &codes, &j->hold_ms);
        v = g_variant_get_fixed_array(codes, &n, sizeof(guint32));
        j->codes = g_array_sized_new(FALSE, FALSE, sizeof(guint32), n);
        g_array_append_vals(j->codes, v, n);
    } else if (type == GH_WORKER_MSG_QMP) {
        g_variant_get(body, "(s)", &j->command);
    }
    g_task_set_task_data(task, j, (GDestroyNotify)service_job_free);
    g_task_run_in_thread(task, service_job_run);
}

/* ---- dispatch ---------------------------------------------------------------- */

static void
client_dispatch(GhWorkerClient *c, GhWireMsg *m)
{
    GhWorkerMsg type = m->kind->type;
    const char *a, *b;
    guint32 peer;

    c->last_heard = g_get_monotonic_time();
    switch (type) {
    case GH_WORKER_MSG_READY:
        client_on_ready(c, m->body);
        break;
    case GH_WORKER_MSG_FAIL:
        c->failed = TRUE;
        g_variant_get(m->body, "(&s)", &a);
        if (client_text(c, a, 4096, "a failure reason over 4 KiB") && c->events.failed && !c->stopping)
            c->events.failed(c->data, a);
        break;
    case GH_WORKER_MSG_STATS:
        gh_pipeline_view_update(&c->view, m->body);
        break;
    case GH_WORKER_MSG_INPUT_DONE:
        client_on_input_done(c, m->serial, m->body);
        break;
    case GH_WORKER_MSG_FRAME_DONE:
        client_on_frame_done(c, m->serial, m->body, m->fds, m->n_fds);
        break;
    case GH_WORKER_MSG_PEER_OPEN_DONE:
        client_on_peer_done(c, m->serial, m->body, PENDING_PEER_OPEN);
        break;
    case GH_WORKER_MSG_PEER_MESSAGE_DONE:
        client_on_peer_done(c, m->serial, m->body, PENDING_PEER_MESSAGE);
        break;
    case GH_WORKER_MSG_SIGNAL_SEND:
    case GH_WORKER_MSG_PEER_INPUT:
    case GH_WORKER_MSG_PEER_CLOSE_REQUEST:
        g_variant_get(m->body, "(u&s)", &peer, &b);
        if (!client_text(c, b, GH_SIGNAL_MAX_MESSAGE, "a player message over the signalling bound"))
            break;
        if (type == GH_WORKER_MSG_SIGNAL_SEND && c->ops->signal_send)
            c->ops->signal_send(c->ops_ctx, peer, b);
        else if (type == GH_WORKER_MSG_PEER_INPUT && c->ops->peer_input)
            c->ops->peer_input(c->ops_ctx, peer, b, strlen(b));
        else if (type == GH_WORKER_MSG_PEER_CLOSE_REQUEST && c->ops->peer_close)
            c->ops->peer_close(c->ops_ctx, peer, b);
        break;
    case GH_WORKER_MSG_SCREENSHOT:
    case GH_WORKER_MSG_SEND_KEYS:
    case GH_WORKER_MSG_QMP:
        client_on_service(c, type, m->serial, m->body);
        break;
    default:
        client_cut_off(c, m->kind->name);   /* a daemon-to-worker message, sent back */
        break;
    }
}

/* Reads and dispatches up to max messages; FALSE once the socket is done
 * (EOF, an I/O error, or the worker cut off). */
static gboolean
client_read_some(GhWorkerClient *c, guint max)
{
    for (guint i = 0; i < max && c->fd >= 0 && !c->freed; i++) {
        g_auto(GhWireMsg) m = { 0 };
        g_autoptr(GError) err = NULL;
        int rc = gh_wire_recv(c->fd, gh_worker_proto_table, gh_worker_proto_n, &m, &err);

        if (rc == 1) {
            if (m.kind->type < GH_WORKER_MSG_READY) {
                client_cut_off(c, "a message only the daemon sends");
                break;
            }
            client_dispatch(c, &m);
            continue;
        }
        if (rc < 0 && g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            return TRUE;
        /* A reset is a worker gone with our messages unread, not garbage. */
        if (rc < 0 && !g_error_matches(err, GH_WIRE_ERROR, GH_WIRE_ERROR_IO))
            client_cut_off(c, err->message);
        else
            client_fail_pending(c, "the session's plugin worker is gone");   /* the exit follows */
        client_drop_source(&c->fd_source);
        return FALSE;
    }
    return c->fd >= 0;
}

/* What the worker sent, up to max messages: a dispatch may free the client
 * (the owner stops the session), hence the reference. */
static gboolean
client_read(GhWorkerClient *c, guint max)
{
    gboolean more;

    client_ref(c);
    more = client_read_some(c, max);
    client_unref(c);
    return more;
}

static gboolean
client_on_readable(gint fd, GIOCondition cond, gpointer data)
{
    return client_read(data, 64) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- the watchdog ------------------------------------------------------------- */

static gboolean
client_on_watch(gpointer data)
{
    GhWorkerClient *c = data;
    GhPluginWatchCall call;
    gint64 now = g_get_monotonic_time();
    guint silence = c->ready ? c->watchdog_ms + CLIENT_SILENCE_MS : c->watchdog_ms + CLIENT_START_MS;

    if (c->exit.hang || c->exit.cut_off)
        return G_SOURCE_CONTINUE;
    if (gh_plugin_watch_overdue(c->page, gh_plugin_watch_now_ns(), &call)) {
        c->exit.hang = TRUE;
        c->exit.backend = g_strdup(call.backend);
        c->exit.op = g_strdup(call.op);
        g_warning("plugin worker %d: %s %s has run %.1f s, past the watchdog: killed", c->pid, call.backend, call.op,
                  (gh_plugin_watch_now_ns() - call.since_ns) / 1e9);
        client_kill(c);
    } else if (now - c->last_heard > (gint64)silence * 1000) {
        c->exit.hang = TRUE;
        g_warning("plugin worker %d: silent for %u ms: killed", c->pid, silence);
        client_kill(c);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- public ------------------------------------------------------------------- */

static GhPluginWatchPage *
client_map_page(int *fd_out, GError **error)
{
    int fd = memfd_create("gh-watch", MFD_CLOEXEC);
    GhPluginWatchPage *page;

    if (fd < 0 || ftruncate(fd, sizeof *page) < 0 ||
        (page = mmap(NULL, sizeof *page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot make the worker's watch page: %s",
                    g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    gh_plugin_watch_page_init(page);
    *fd_out = fd;
    return page;
}

static GSubprocess *
client_spawn(const GhWorkerSpawn *spawn, int child_fd, GError **error)
{
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);

    g_subprocess_launcher_set_environ(l, (char **)spawn->env);
    g_subprocess_launcher_take_fd(l, child_fd, 3);
    g_subprocess_launcher_set_child_setup(l, gh_worker_sandbox_child_setup, g_memdup2(&spawn->sandbox, sizeof spawn->sandbox),
                                          g_free);
    return g_subprocess_launcher_spawn(l, error, spawn->path, "--ipc-fd", "3", NULL);
}

GhWorkerClient *
gh_worker_client_new(const GhWorkerSpawn *spawn, GVariant *start, const GhPluginSessionOps *ops,
                     gpointer ops_ctx, const GhWorkerClientEvents *events, gpointer data, GError **error)
{
    g_autoptr(GVariant) body = g_variant_ref_sink(start);
    GhWorkerClient *c;
    int pair[2], page_fd = -1;

    /* The wire's pair: buffers that take its largest message. */
    if (!gh_wire_socketpair(pair, error))
        return NULL;
    c = g_new0(GhWorkerClient, 1);
    c->refs = 1;
    c->fd = pair[0];
    c->ops = ops;
    c->ops_ctx = ops_ctx;
    c->events = *events;
    c->data = data;
    c->watchdog_ms = spawn->watchdog_ms;
    c->context = g_main_context_ref_thread_default();
    c->pending = g_hash_table_new(NULL, NULL);
    c->started = c->last_heard = g_get_monotonic_time();
    if (!(c->page = client_map_page(&page_fd, error)) || !(c->proc = client_spawn(spawn, pair[1], error))) {
        close(pair[0]);
        if (!c->page)
            close(pair[1]);
        if (page_fd >= 0)
            close(page_fd);
        client_unref(c);
        return NULL;
    }
    c->pid = atoi(g_subprocess_get_identifier(c->proc));
    g_unix_set_fd_nonblocking(c->fd, TRUE, NULL);
    client_send(c, GH_WORKER_MSG_START, 0, g_steal_pointer(&body), &page_fd, 1);
    close(page_fd);
    c->fd_source = client_attach(c, g_unix_fd_source_new(c->fd, G_IO_IN | G_IO_HUP | G_IO_ERR),
                                 G_SOURCE_FUNC(client_on_readable));
    c->watch_source = client_attach(c, g_timeout_source_new(CLIENT_WATCH_MS), client_on_watch);
    g_subprocess_wait_async(c->proc, NULL, client_waited, client_ref(c));
    return c;
}

void
gh_worker_client_free(GhWorkerClient *c)
{
    if (!c)
        return;
    c->freed = TRUE;
    client_drop_source(&c->watch_source);
    client_drop_source(&c->kill_source);
    client_close_socket(c);
    client_kill(c);
    client_fail_pending(c, "the session's plugin worker was stopped");
    client_unref(c);
}

static gboolean
client_on_grace_over(gpointer data)
{
    GhWorkerClient *c = data;

    client_drop_source(&c->kill_source);
    g_warning("plugin worker %d: did not end within its grace: killed", c->pid);
    client_kill(c);
    return G_SOURCE_REMOVE;
}

void
gh_worker_client_stop(GhWorkerClient *c, guint grace_ms, GCallback done, gpointer data)
{
    c->stopping = TRUE;
    c->stop_done = done;
    c->stop_data = data;
    if (c->gone) {
        if (done)
            ((void (*)(gpointer))done)(data);
        return;
    }
    if (!client_send(c, GH_WORKER_MSG_STOP, 0, NULL, NULL, 0))
        client_kill(c);
    c->kill_source = client_attach(c, g_timeout_source_new(grace_ms), client_on_grace_over);
}

int
gh_worker_client_pid(GhWorkerClient *c)
{
    return c->pid;
}

const GhPipelineView *
gh_worker_client_view(GhWorkerClient *c)
{
    return &c->view;
}

void
gh_worker_client_send_input(GhWorkerClient *c, const gh_input_event *events, guint n, GhWorkerInputDone done,
                            gpointer data)
{
    Pending *p = g_new0(Pending, 1);
    guint32 serial;

    p->kind = PENDING_INPUT;
    p->input_done = done;
    p->data = data;
    serial = client_request(c, p);
    if (!client_send(c, GH_WORKER_MSG_INPUT, serial, gh_worker_proto_events_to_variant(events, n), NULL, 0) &&
        (p = client_take_pending(c, serial, PENDING_INPUT)))
        pending_fail(p, "the session's plugin worker is not running");
}

void
gh_worker_client_frame_png_async(GhWorkerClient *c, guint timeout_ms, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer data)
{
    Pending *p = g_new0(Pending, 1);
    guint32 serial;

    p->kind = PENDING_FRAME;
    p->task = g_task_new(NULL, cancellable, callback, data);
    serial = client_request(c, p);
    if (!client_send(c, GH_WORKER_MSG_FRAME, serial, g_variant_new("(u)", timeout_ms), NULL, 0) &&
        (p = client_take_pending(c, serial, PENDING_FRAME)))
        pending_fail(p, "the session's plugin worker is not running");
}

GBytes *
gh_worker_client_frame_png_finish(GhWorkerClient *c, GAsyncResult *result, GError **error)
{
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
client_peer_request(GhWorkerClient *c, PendingKind kind, GhWorkerMsg type, GVariant *body, guint32 peer,
                    GhWorkerPeerDone done, gpointer data)
{
    Pending *p = g_new0(Pending, 1);
    guint32 serial;

    p->kind = kind;
    p->peer = peer;
    p->peer_done = done;
    p->data = data;
    serial = client_request(c, p);
    if (!client_send(c, type, serial, body, NULL, 0) && (p = client_take_pending(c, serial, kind)))
        pending_fail(p, "the session's plugin worker is not running");
}

void
gh_worker_client_peer_open(GhWorkerClient *c, guint32 peer, guint32 flags, GhWorkerPeerDone done, gpointer data)
{
    client_peer_request(c, PENDING_PEER_OPEN, GH_WORKER_MSG_PEER_OPEN, g_variant_new("(uu)", peer, flags), peer, done,
                        data);
}

void
gh_worker_client_peer_message(GhWorkerClient *c, guint32 peer, const char *message, GhWorkerPeerDone done,
                              gpointer data)
{
    client_peer_request(c, PENDING_PEER_MESSAGE, GH_WORKER_MSG_PEER_MESSAGE, g_variant_new("(us)", peer, message),
                        peer, done, data);
}

void
gh_worker_client_peer_close(GhWorkerClient *c, guint32 peer)
{
    client_send(c, GH_WORKER_MSG_PEER_CLOSE, 0, g_variant_new("(u)", peer), NULL, 0);
}

void
gh_worker_client_set_control(GhWorkerClient *c, guint32 peer)
{
    client_send(c, GH_WORKER_MSG_CONTROL, 0, g_variant_new("(u)", peer), NULL, 0);
}
