/* worker-link: see worker.h.  Any thread may send (one sendmsg per message
 * on a SEQPACKET socket is atomic).  A service call blocks its caller —
 * the main thread too, as input.qmp's QMP keys do — so replies are read
 * on a thread of their own, never on the loop the caller may hold. */
#include "worker.h"

#include "util/input-json.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define LINK_SERVICE_MS (30 * 1000)   /* the daemon answers VM access within this */

typedef struct {
    gboolean done;
    GhWireMsg reply;
} LinkWaiter;

struct WorkerLink {
    int fd;
    GMainContext *context;
    WorkerHandleFunc handle;
    gpointer data;
    GMutex lock;
    GCond answered;
    GHashTable *waiters;         /* serial → LinkWaiter*, under lock */
    guint32 serial;
    gint controller;             /* atomic: a guint32 peer */
    GHashTable *peers;           /* the open peers (as the daemon opened them), under lock */
};

static WorkerLink *link_self;    /* the services table has no context pointer of ours */

typedef struct {
    WorkerLink *link;
    GhWireMsg msg;
} LinkDelivery;

static gboolean
link_deliver(gpointer data)
{
    LinkDelivery *d = data;

    d->link->handle(d->link->data, &d->msg);
    gh_wire_msg_clear(&d->msg);
    g_free(d);
    return G_SOURCE_REMOVE;
}

static gpointer
link_reader(gpointer data)
{
    WorkerLink *l = data;

    for (;;) {
        GhWireMsg m = { 0 };
        g_autoptr(GError) err = NULL;
        int rc = gh_wire_recv(l->fd, gh_worker_proto_table, gh_worker_proto_n, &m, &err);
        LinkWaiter *w;

        if (rc == 0)
            _exit(0);        /* the daemon closed: it stopped us or died */
        if (rc < 0) {
            if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                continue;
            g_printerr("gamehost-worker: from the daemon: %s\n", err->message);
            _exit(3);
        }
        if (m.kind->type == GH_WORKER_MSG_REPLY) {
            g_mutex_lock(&l->lock);
            w = g_hash_table_lookup(l->waiters, GUINT_TO_POINTER(m.serial));
            if (w) {
                w->reply = m;
                w->done = TRUE;
                g_cond_broadcast(&l->answered);
            } else {
                gh_wire_msg_clear(&m);   /* answered after its caller gave up */
            }
            g_mutex_unlock(&l->lock);
            continue;
        }
        LinkDelivery *d = g_new0(LinkDelivery, 1);
        d->link = l;
        d->msg = m;
        g_main_context_invoke(l->context, link_deliver, d);
    }
    return NULL;
}

WorkerLink *
worker_link_new(int fd, GMainContext *ctx, WorkerHandleFunc handle, gpointer data)
{
    WorkerLink *l = g_new0(WorkerLink, 1);

    l->fd = fd;
    l->context = g_main_context_ref(ctx);
    l->handle = handle;
    l->data = data;
    g_mutex_init(&l->lock);
    g_cond_init(&l->answered);
    l->waiters = g_hash_table_new(NULL, NULL);
    l->peers = g_hash_table_new(NULL, NULL);
    link_self = l;
    g_thread_unref(g_thread_new("gh-worker-link", link_reader, l));
    return l;
}

gboolean
worker_link_send(WorkerLink *l, GhWorkerMsg type, guint32 serial, GVariant *body, const int *fds, guint n_fds)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GVariant) sunk = body ? g_variant_ref_sink(body) : NULL;

    if (gh_wire_send(l->fd, gh_worker_proto_kind(type), serial, sunk, fds, n_fds, &err))
        return TRUE;
    g_printerr("gamehost-worker: to the daemon: %s\n", err->message);
    _exit(3);
}

void
worker_link_set_control(WorkerLink *l, guint32 peer)
{
    g_atomic_int_set(&l->controller, (gint)peer);
}

void
worker_link_set_peer(WorkerLink *l, guint32 peer, gboolean open)
{
    g_mutex_lock(&l->lock);
    if (open)
        g_hash_table_add(l->peers, GUINT_TO_POINTER(peer));
    else
        g_hash_table_remove(l->peers, GUINT_TO_POINTER(peer));
    g_mutex_unlock(&l->lock);
}

static gboolean
link_peer_is_open(WorkerLink *l, guint32 peer)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&l->lock);

    return g_hash_table_contains(l->peers, GUINT_TO_POINTER(peer));
}

/* ---- services that need the daemon ------------------------------------------ */

/* Sends a request and waits for its reply; 0 with *reply, or -errno. */
static int
link_call(WorkerLink *l, GhWorkerMsg type, GVariant *body, GhWireMsg *reply, char **error_msg)
{
    LinkWaiter w = { 0 };
    gint64 deadline = g_get_monotonic_time() + (gint64)LINK_SERVICE_MS * 1000;
    guint32 serial;

    g_mutex_lock(&l->lock);
    serial = ++l->serial;
    g_hash_table_insert(l->waiters, GUINT_TO_POINTER(serial), &w);
    g_mutex_unlock(&l->lock);
    worker_link_send(l, type, serial, body, NULL, 0);
    g_mutex_lock(&l->lock);
    while (!w.done && g_cond_wait_until(&l->answered, &l->lock, deadline))
        ;
    g_hash_table_remove(l->waiters, GUINT_TO_POINTER(serial));
    g_mutex_unlock(&l->lock);
    if (!w.done) {
        if (error_msg)
            *error_msg = g_strdup("the daemon did not answer in time");
        return -ETIMEDOUT;
    }
    *reply = w.reply;
    return 0;
}

/* The reply's (rc, error, text): rc, with *error_msg on failure. */
static int
link_reply_rc(GhWireMsg *reply, char **text, char **error_msg)
{
    const char *err, *t;
    int rc;

    g_variant_get(reply->body, "(i&s&s)", &rc, &err, &t);
    if (rc < 0 && error_msg)
        *error_msg = g_strdup(err);
    if (rc == 0 && text)
        *text = g_strdup(t);
    return rc < 0 ? rc : 0;
}

static int
link_screenshot(gpointer ctx, guint8 **data, gsize *len, char **mime, char **error_msg)
{
    g_auto(GhWireMsg) reply = { 0 };
    struct stat st;
    int rc = link_call(link_self, GH_WORKER_MSG_SCREENSHOT, NULL, &reply, error_msg);

    if (rc < 0 || (rc = link_reply_rc(&reply, mime, error_msg)) < 0)
        return rc;
    if (reply.n_fds != 1 || fstat(reply.fds[0], &st) < 0 || st.st_size <= 0) {
        g_free(*mime);
        *mime = NULL;
        *error_msg = g_strdup("the daemon sent no screenshot");
        return -EIO;
    }
    *data = g_malloc(st.st_size);
    *len = st.st_size;
    if (pread(reply.fds[0], *data, *len, 0) != (ssize_t)*len) {
        g_clear_pointer(data, g_free);
        g_clear_pointer(mime, g_free);
        *error_msg = g_strdup("cannot read the screenshot");
        return -EIO;
    }
    return 0;
}

static int
link_send_keys(gpointer ctx, const guint32 *codes, guint n, guint hold_ms, char **error_msg)
{
    g_auto(GhWireMsg) reply = { 0 };
    GVariant *body = g_variant_new("(@auu)", g_variant_new_fixed_array(G_VARIANT_TYPE_UINT32, codes, n, sizeof *codes),
                                   hold_ms);
    int rc = link_call(link_self, GH_WORKER_MSG_SEND_KEYS, body, &reply, error_msg);

    return rc < 0 ? rc : link_reply_rc(&reply, NULL, error_msg);
}

static int
link_qmp_command(gpointer ctx, const char *command, char **out, char **error_msg)
{
    g_auto(GhWireMsg) reply = { 0 };
    int rc = link_call(link_self, GH_WORKER_MSG_QMP, g_variant_new("(s)", command), &reply, error_msg);

    return rc < 0 ? rc : link_reply_rc(&reply, out, error_msg);
}

/* The players' services answer here what the daemon's would (the SDK's
 * return values), from what the daemon told the worker; the daemon
 * checks again and does the work. */
static int
link_signal_send(gpointer ctx, guint32 peer, const char *message)
{
    if (!link_peer_is_open(link_self, peer))
        return -ENOENT;
    worker_link_send(link_self, GH_WORKER_MSG_SIGNAL_SEND, 0, g_variant_new("(us)", peer, message), NULL, 0);
    return 0;
}

static int
link_peer_input(gpointer ctx, guint32 peer, const char *json, gsize len)
{
    g_autofree char *text = g_strndup(json, len);
    g_autoptr(GArray) events = NULL;
    int rc;

    /* Sent whatever the answer: the daemon counts what it drops. */
    worker_link_send(link_self, GH_WORKER_MSG_PEER_INPUT, 0, g_variant_new("(us)", peer, text), NULL, 0);
    if (peer == 0 || (guint32)g_atomic_int_get(&link_self->controller) != peer)
        return -EPERM;
    events = gh_input_events_parse(json, len, GH_SIGNAL_MAX_MESSAGE);
    rc = events ? (int)events->len : -EINVAL;
    return rc;
}

static void
link_peer_close(gpointer ctx, guint32 peer, const char *reason)
{
    worker_link_send(link_self, GH_WORKER_MSG_PEER_CLOSE_REQUEST, 0, g_variant_new("(us)", peer, reason ? reason : ""),
                     NULL, 0);
}

static gboolean
link_peer_controls(gpointer ctx, guint32 peer)
{
    return peer != 0 && (guint32)g_atomic_int_get(&link_self->controller) == peer;
}

static guint32
link_peer_in_control(gpointer ctx)
{
    return (guint32)g_atomic_int_get(&link_self->controller);
}

static const GhPluginSessionOps link_ops = {
    .screenshot = link_screenshot,
    .send_keys = link_send_keys,
    .qmp_command = link_qmp_command,
    .signal_send = link_signal_send,
    .peer_input = link_peer_input,
    .peer_close = link_peer_close,
    .peer_controls = link_peer_controls,
    .peer_in_control = link_peer_in_control,
};

const GhPluginSessionOps *
worker_link_ops(void)
{
    return &link_ops;
}
