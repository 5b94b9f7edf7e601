/* gamehost-worker: see worker.h.  Started by gamehostd only (fd 3 is its
 * socket), already as the plugin user with no_new_privs and its limits
 * (worker-sandbox.h). */
#define _GNU_SOURCE
#include "worker.h"

#include <errno.h>
#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plugin/pipeline-view.h"
#include "plugin/plugin-watch.h"
#include "plugin/worker-sandbox.h"
#include "plugin/worker-start.h"
#include "util/log-stderr.h"

#define WORKER_STATS_MS 250u

typedef struct {
    WorkerLink *link;
    GMainLoop *loop;
    GMainContext *context;
    GhPluginRegistry *registry;
    GhPipeline *pipeline;
    GhWorkerStart start;
    GhPipelineView view;
    guint frames_in_flight;      /* a stop waits for their answers */
    gboolean stopping;
} Worker;

static void
worker_send_stats(Worker *w)
{
    gh_pipeline_view_fill(&w->view, w->pipeline);
    worker_link_send(w->link, GH_WORKER_MSG_STATS, 0, gh_pipeline_view_to_variant(&w->view), NULL, 0);
}

static gboolean
worker_on_stats(gpointer data)
{
    worker_send_stats(data);
    return G_SOURCE_CONTINUE;
}

static void
worker_on_fail(gpointer data, const char *reason)
{
    Worker *w = data;

    worker_link_send(w->link, GH_WORKER_MSG_FAIL, 0, g_variant_new("(s)", reason), NULL, 0);
}

/* ---- the daemon's requests ---------------------------------------------------- */

static void
worker_input(Worker *w, GhWireMsg *m)
{
    g_autoptr(GArray) events = gh_worker_proto_events_from_variant(m->body);
    g_autoptr(GArray) drops = NULL;
    g_autoptr(GError) err = NULL;
    GVariantBuilder b;
    int rc = 0;

    if (!gh_pipeline_send_input(w->pipeline, (const gh_input_event *)events->data, events->len, &drops, &err))
        rc = g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_NO_INPUT) ? -ENODEV : -EIO;
    g_variant_builder_init(&b, G_VARIANT_TYPE("a(uus)"));
    for (guint i = 0; drops && i < drops->len; i++) {
        const GhPipelineInputDrop *d = &g_array_index(drops, GhPipelineInputDrop, i);
        g_variant_builder_add(&b, "(uus)", d->index, (guint32)d->reason, d->message ? d->message : "");
    }
    /* The counters first: the daemon answers the request with them current. */
    worker_send_stats(w);
    worker_link_send(w->link, GH_WORKER_MSG_INPUT_DONE, m->serial,
                     g_variant_new("(isa(uus))", rc, err ? err->message : "", &b), NULL, 0);
}

typedef struct {
    Worker *w;
    guint32 serial;
    guint timeout_ms;
    int rc, fd;
    char *message;
} FrameJob;

static void
frame_job_free(FrameJob *j)
{
    if (j->fd >= 0)
        close(j->fd);
    g_free(j->message);
    g_free(j);
}

static void
worker_frame_run(GTask *task, gpointer source, gpointer data, GCancellable *cancel)
{
    FrameJob *j = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) png = gh_pipeline_frame_png(j->w->pipeline, j->timeout_ms, &err);
    int fd = -1, rc = 0;
    gsize len;
    const guint8 *bytes = png ? g_bytes_get_data(png, &len) : NULL;

    if (!png)
        rc = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)                     ? -ETIMEDOUT
             : g_error_matches(err, GH_PIPELINE_ERROR, GH_PIPELINE_ERROR_NO_CAPTURE) ? -ENODEV
                                                                                       : -EIO;
    else if ((fd = memfd_create("gh-frame", MFD_CLOEXEC)) < 0 || write(fd, bytes, len) != (ssize_t)len)
        rc = -EIO;
    j->rc = rc;
    j->fd = fd;
    j->message = g_strdup(err ? err->message : rc ? "cannot pass the frame" : "");
    g_task_return_boolean(task, TRUE);
}

/* Main loop: the counters first (the frame counted), then the frame. */
static void
worker_frame_done(GObject *source, GAsyncResult *res, gpointer data)
{
    FrameJob *j = g_task_get_task_data(G_TASK(res));

    worker_send_stats(j->w);
    worker_link_send(j->w->link, GH_WORKER_MSG_FRAME_DONE, j->serial, g_variant_new("(is)", j->rc, j->message),
                     j->rc == 0 ? &j->fd : NULL, j->rc == 0 ? 1 : 0);
    if (--j->w->frames_in_flight == 0 && j->w->stopping)
        g_main_loop_quit(j->w->loop);
}

static void
worker_frame(Worker *w, GhWireMsg *m)
{
    g_autoptr(GTask) task = g_task_new(NULL, NULL, worker_frame_done, NULL);
    FrameJob *j = g_new0(FrameJob, 1);

    j->w = w;
    j->serial = m->serial;
    j->fd = -1;
    g_variant_get(m->body, "(u)", &j->timeout_ms);
    w->frames_in_flight++;
    g_task_set_task_data(task, j, (GDestroyNotify)frame_job_free);
    g_task_run_in_thread(task, worker_frame_run);
}

static void
worker_peer(Worker *w, GhWireMsg *m)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *why = NULL;
    const char *text;
    guint32 peer, flags;
    int rc;

    if (m->kind->type == GH_WORKER_MSG_PEER_OPEN) {
        g_variant_get(m->body, "(uu)", &peer, &flags);
        worker_link_set_peer(w->link, peer, TRUE);
        rc = gh_pipeline_peer_open(w->pipeline, peer, flags, &err) ? 0 : -EINVAL;
        if (rc < 0)
            worker_link_set_peer(w->link, peer, FALSE);
        worker_link_send(w->link, GH_WORKER_MSG_PEER_OPEN_DONE, m->serial,
                         g_variant_new("(uis)", peer, rc, err ? err->message : ""), NULL, 0);
    } else if (m->kind->type == GH_WORKER_MSG_PEER_MESSAGE) {
        g_variant_get(m->body, "(u&s)", &peer, &text);
        rc = gh_pipeline_peer_message(w->pipeline, peer, text, &why);
        worker_link_send(w->link, GH_WORKER_MSG_PEER_MESSAGE_DONE, m->serial,
                         g_variant_new("(uis)", peer, rc, why ? why : ""), NULL, 0);
    } else {
        g_variant_get(m->body, "(u)", &peer);
        worker_link_set_peer(w->link, peer, FALSE);
        gh_pipeline_peer_close(w->pipeline, peer);
    }
}

static void
worker_handle(gpointer data, GhWireMsg *m)
{
    Worker *w = data;
    guint32 peer;

    switch ((GhWorkerMsg)m->kind->type) {
    case GH_WORKER_MSG_INPUT:
        worker_input(w, m);
        break;
    case GH_WORKER_MSG_FRAME:
        worker_frame(w, m);
        break;
    case GH_WORKER_MSG_PEER_OPEN:
    case GH_WORKER_MSG_PEER_MESSAGE:
    case GH_WORKER_MSG_PEER_CLOSE:
        worker_peer(w, m);
        break;
    case GH_WORKER_MSG_CONTROL:
        g_variant_get(m->body, "(u)", &peer);
        worker_link_set_control(w->link, peer);
        break;
    case GH_WORKER_MSG_STOP:
        /* Frames asked for before are answered first (within their timeout). */
        w->stopping = TRUE;
        if (w->frames_in_flight == 0)
            g_main_loop_quit(w->loop);
        break;
    default:
        g_printerr("gamehost-worker: unexpected %s from the daemon\n", m->kind->name);
        _exit(3);
    }
}

/* ---- starting and ending --------------------------------------------------------- */

/* What the worker holds, let go at an orderly end (the link's thread still
 * waits on the socket: the process ends next). */
static void
worker_clear(Worker *w)
{
    w->pipeline = gh_pipeline_free(w->pipeline);
    w->registry = gh_plugin_registry_free(w->registry);
    gh_pipeline_view_clear(&w->view);
    gh_worker_start_clear(&w->start);
    g_clear_pointer(&w->loop, g_main_loop_unref);
}

/* The start message, before the link's thread exists. */
static gboolean
worker_read_start(int fd, GhWorkerStart *start, GhPluginWatchPage **page, GError **error)
{
    g_auto(GhWireMsg) m = { 0 };
    int rc = gh_wire_recv(fd, gh_worker_proto_table, gh_worker_proto_n, &m, error);

    if (rc <= 0 || m.kind->type != GH_WORKER_MSG_START || m.n_fds < 1) {
        if (rc >= 0)
            g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the daemon's first message is not a start");
        return FALSE;
    }
    *page = mmap(NULL, sizeof **page, PROT_READ | PROT_WRITE, MAP_SHARED, m.fds[0], 0);
    if (*page == MAP_FAILED) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot map the watch page: %s",
                    g_strerror(errno));
        return FALSE;
    }
    return gh_worker_start_from_variant(m.body, start, error);
}

static gboolean
worker_begin(Worker *w, GError **error)
{
    g_autoptr(GError) err = NULL;
    const char *const *files = (const char *const *)w->start.plugins;

    for (gsize i = 0; files && files[i]; i++)
        if (!gh_plugin_registry_load_file(w->registry, files[i], &err)) {
            g_printerr("gamehost-worker: %s\n", err->message);
            g_clear_error(&err);
        }
    w->start.info.ops = worker_link_ops();
    w->start.info.context = w->context;
    w->pipeline = gh_pipeline_new(w->registry, &w->start.choice, (const char *const *)w->start.image_capture,
                                  &w->start.info, worker_on_fail, w, error);
    return w->pipeline != NULL;
}

int
main(int argc, char **argv)
{
    Worker w = { 0 };
    GhPluginWatchPage *page = NULL;
    g_autoptr(GError) err = NULL;
    int fd = -1, abi;
    gint64 t0;

    if (argc == 3 && strcmp(argv[1], "--ipc-fd") == 0)
        fd = atoi(argv[2]);
    if (fd < 3) {
        g_printerr("gamehost-worker runs one session's plugins for gamehostd, which starts it; it takes no "
                   "command of its own\n");
        return 64;
    }
    if (!worker_read_start(fd, &w.start, &page, &err)) {
        g_printerr("gamehost-worker: %s\n", err->message);
        return 3;
    }
    g_set_prgname("gamehost-worker");
    {
        g_autofree char *prefix = g_strdup_printf("gamehost-worker[%d] %s", (int)getpid(),
                                                  w.start.info.session_id ? w.start.info.session_id : "?");
        gh_log_stderr_init(prefix, w.start.log_level);
    }
    gh_plugin_watch_attach(page, w.start.watchdog_ms);
    t0 = g_get_monotonic_time();
    abi = gh_worker_sandbox_landlock((const char *const *)w.start.read_paths,
                                     (const char *const *)w.start.write_paths, &err);
    if (abi < 0) {
        /* Not a crash: the session fails at once, with why. */
        g_warning("%s", err->message);
        gh_wire_send(fd, gh_worker_proto_kind(GH_WORKER_MSG_FAIL), 0,
                     g_variant_new("(s)", err->message), NULL, 0, NULL);
        return 3;
    }
    if (abi)
        g_info("Landlock ABI %d: %u read-only and %u read-write paths, applied in %.3f ms", abi,
               g_strv_length(w.start.read_paths), g_strv_length(w.start.write_paths),
               (g_get_monotonic_time() - t0) / 1000.0);
    else
        g_warning("this kernel has no Landlock: the plugins' file access is bounded by their user alone");
    w.context = g_main_context_new();
    g_main_context_push_thread_default(w.context);
    w.loop = g_main_loop_new(w.context, FALSE);
    w.registry = gh_plugin_registry_new();
    w.link = worker_link_new(fd, w.context, worker_handle, &w);
    if (!worker_begin(&w, &err)) {
        worker_on_fail(&w, err->message);
        worker_clear(&w);
        return 0;
    }
    gh_pipeline_view_fill(&w.view, w.pipeline);
    worker_link_send(w.link, GH_WORKER_MSG_READY, 0,
                     g_variant_new("(ssssb)", w.view.capture ? w.view.capture : "", w.view.stream ? w.view.stream : "",
                                   w.view.input ? w.view.input : "", w.view.audio ? w.view.audio : "",
                                   w.view.interactive),
                     NULL, 0);
    worker_send_stats(&w);
    {
        g_autoptr(GSource) stats = g_timeout_source_new(WORKER_STATS_MS);
        g_source_set_callback(stats, worker_on_stats, &w, NULL);
        g_source_attach(stats, w.context);
    }
    g_main_loop_run(w.loop);
    /* An orderly stop: the backends are destroyed, in the pipeline's order. */
    worker_clear(&w);
    return 0;
}
