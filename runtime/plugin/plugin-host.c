/* plugin-host: backend instances and the host-services table they get.  A
 * gh_host is the only thing a plugin holds of the host, so every service
 * first checks that the handle is one of ours and still alive: a plugin's
 * mistake (NULL, a stale or random pointer, a bad argument, the wrong
 * thread) is answered with an error and a warning, never a crash. */
#include "plugin-registry.h"
#include "plugin-watch.h"

#include <errno.h>
#include <glib-unix.h>
#include <string.h>

/* Bounds on what one call may ask; beyond them it is a bug, not a request. */
#define GH_HOST_MAX_EVENTS 4096u
#define GH_HOST_MAX_KEYS   64u

struct gh_host {
    gint refs;                   /* the instance's, plus one per service call running */
    const GhBackend *backend;
    char *session_id, *image_id, *vnc_socket, *relay_path, *session_dir, *dbus_socket;
    char *pad_socket[GH_INPUT_MAX_PADS];
    guint width, height, refresh_hz;
    GHashTable *options;         /* ref'd, may be NULL */
    GMainContext *context;       /* ref'd */
    const GhPluginSessionOps *ops;
    gpointer ops_ctx;
    GThread *main_thread;        /* the thread that created it: the main loop's */
    GHashTable *sources;         /* source id → GSource*, main thread only */
    GMutex error_lock;
    char *last_error;
};

struct GhPluginInstance {
    const GhBackend *backend;
    gh_host *host;
    gh_instance *handle;
};

/* Live handles.  A call looks its handle up here and takes a reference under
 * the lock, so an instance freed on the main thread meanwhile cannot free
 * the host under a plugin thread still inside a service. */
static GMutex live_lock;
static GHashTable *live;

static void
host_free(gh_host *host)
{
    g_free(host->session_id);
    g_free(host->image_id);
    g_free(host->vnc_socket);
    g_free(host->relay_path);
    g_free(host->session_dir);
    g_free(host->dbus_socket);
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        g_free(host->pad_socket[i]);
    g_clear_pointer(&host->options, g_hash_table_unref);
    g_main_context_unref(host->context);
    g_hash_table_unref(host->sources);
    g_mutex_clear(&host->error_lock);
    g_free(host->last_error);
    g_free(host);
}

static void
host_unref(gh_host *host)
{
    if (host && g_atomic_int_dec_and_test(&host->refs))
        host_free(host);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(gh_host, host_unref)

/* The handle with a reference for the length of a service call, or NULL
 * (and a warning naming the service) when it is not a live one of ours.
 * Only the pointer is compared: a stale or random one is never read. */
static gh_host *
host_acquire(gh_host *host, const char *service)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&live_lock);

    if (!host || !live || !g_hash_table_contains(live, host)) {
        g_warning("plugin called %s with %s host handle %p", service, host ? "an unknown or destroyed" : "a NULL",
                  (void *)host);
        return NULL;
    }
    g_atomic_int_inc(&host->refs);
    return host;
}

#define HOST_OR_RETURN(h, host, val)                                                                   \
    g_autoptr(gh_host) h = host_acquire(host, G_STRFUNC + strlen("svc_"));                                              \
    if (!h)                                                                                            \
        return val

static const char *
host_name(const gh_host *h)
{
    return h->backend->name;
}

/* Main-loop services touch GSources of info->context: only its thread may. */
static gboolean
host_on_main_thread(gh_host *h, const char *service)
{
    if (g_thread_self() == h->main_thread || g_main_context_is_owner(h->context))
        return TRUE;
    g_warning("backend %s called %s off the main thread", host_name(h), service);
    return FALSE;
}

static void
host_set_error_locked(gh_host *h, const char *msg)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&h->error_lock);

    g_free(h->last_error);
    h->last_error = g_strdup(msg);
}

/* ---- services: logging, clock, facts ------------------------------------ */

static void
svc_log(gh_host *host, uint32_t level, const char *msg)
{
    HOST_OR_RETURN(h, host, );
    /* A plugin's "error" is a warning here: G_LOG_LEVEL_ERROR (and a fatal
     * critical) would abort the daemon for one plugin's trouble. */
    GLogLevelFlags glevel = level == GH_LOG_INFO    ? G_LOG_LEVEL_INFO
                          : level == GH_LOG_DEBUG   ? G_LOG_LEVEL_DEBUG
                                                    : G_LOG_LEVEL_WARNING;

    g_log(G_LOG_DOMAIN, glevel, "%s: %s%s", host_name(h), level == GH_LOG_ERROR ? "error: " : "",
          msg ? msg : "(null message)");
}

static uint64_t
svc_now_ns(gh_host *host)
{
    HOST_OR_RETURN(h, host, 0);
    return (uint64_t)g_get_monotonic_time() * 1000u;
}

static void
svc_set_error(gh_host *host, const char *msg)
{
    HOST_OR_RETURN(h, host, );
    host_set_error_locked(h, msg);
}

static const char *
svc_session_id(gh_host *host)
{
    HOST_OR_RETURN(h, host, NULL);
    return h->session_id;
}

static const char *
svc_image_id(gh_host *host)
{
    HOST_OR_RETURN(h, host, NULL);
    return h->image_id;
}

static const char *
svc_option(gh_host *host, const char *key)
{
    HOST_OR_RETURN(h, host, NULL);
    if (!key) {
        g_warning("backend %s asked for option NULL", host_name(h));
        return NULL;
    }
    return h->options ? g_hash_table_lookup(h->options, key) : NULL;
}

static void
svc_display_size(gh_host *host, uint32_t *width, uint32_t *height, uint32_t *refresh_hz)
{
    HOST_OR_RETURN(h, host, );
    if (width)
        *width = h->width;
    if (height)
        *height = h->height;
    if (refresh_hz)
        *refresh_hz = h->refresh_hz;
}

static const char *
svc_vnc_socket(gh_host *host)
{
    HOST_OR_RETURN(h, host, NULL);
    return h->vnc_socket;
}

static const char *
svc_relay_path(gh_host *host)
{
    HOST_OR_RETURN(h, host, NULL);
    return h->relay_path;
}

static const char *
svc_session_dir(gh_host *host)
{
    HOST_OR_RETURN(h, host, NULL);
    return h->session_dir;
}

/* ---- services: main-loop sources ---------------------------------------- */

typedef struct {
    gh_host *host;               /* outlives its sources: destroy removes them */
    guint id;
    gh_timer_fn timer;
    gh_fd_fn fd;
    void *data;
} SourceClosure;

/* A callback returning 0 ends its source; forget it first so remove_source
 * and destroy do not touch a source GLib is about to free. */
static gboolean
host_source_done(SourceClosure *c, int rc)
{
    if (rc != 0)
        return G_SOURCE_CONTINUE;
    g_hash_table_remove(c->host->sources, GUINT_TO_POINTER(c->id));
    return G_SOURCE_REMOVE;
}

static gboolean
host_timer_dispatch(gpointer data)
{
    SourceClosure *c = data;

    int keep;

    GH_PLUGIN_CALL(c->host->backend, "timer", 0, keep = c->timer(c->data));
    return host_source_done(c, keep);
}

static gboolean
host_fd_dispatch(gint fd, GIOCondition cond, gpointer data)
{
    SourceClosure *c = data;

    /* GH_FD_* are poll(2) bits, as G_IO_* are on Linux; ERR and HUP too. */
    int keep;

    GH_PLUGIN_CALL(c->host->backend, "fd", 0,
                   keep = c->fd(fd, (uint32_t)cond & (G_IO_IN | G_IO_OUT | G_IO_ERR | G_IO_HUP), c->data));
    return host_source_done(c, keep);
}

static uint32_t
host_attach(gh_host *h, GSource *src, SourceClosure *c)
{
    c->host = h;
    g_source_set_name(src, host_name(h));
    c->id = g_source_attach(src, h->context);
    g_hash_table_insert(h->sources, GUINT_TO_POINTER(c->id), g_source_ref(src));
    return c->id;
}

static uint32_t
svc_add_timer(gh_host *host, uint32_t interval_ms, gh_timer_fn fn, void *data)
{
    HOST_OR_RETURN(h, host, 0);
    g_autoptr(GSource) src = NULL;
    SourceClosure *c;

    if (!host_on_main_thread(h, "add_timer"))
        return 0;
    if (!fn) {
        g_warning("backend %s: add_timer without a callback", host_name(h));
        return 0;
    }
    src = g_timeout_source_new(interval_ms);
    c = g_new0(SourceClosure, 1);
    c->timer = fn;
    c->data = data;
    g_source_set_callback(src, host_timer_dispatch, c, g_free);
    return host_attach(h, src, c);
}

static uint32_t
svc_add_fd(gh_host *host, int fd, uint32_t events, gh_fd_fn fn, void *data)
{
    HOST_OR_RETURN(h, host, 0);
    g_autoptr(GSource) src = NULL;
    SourceClosure *c;

    if (!host_on_main_thread(h, "add_fd"))
        return 0;
    if (fd < 0 || !fn || events == 0 || (events & ~(GH_FD_IN | GH_FD_OUT))) {
        g_warning("backend %s: add_fd(fd %d, events %#x, %s) is invalid", host_name(h), fd, events,
                  fn ? "callback" : "no callback");
        return 0;
    }
    src = g_unix_fd_source_new(fd, (events & GH_FD_IN ? G_IO_IN : 0) | (events & GH_FD_OUT ? G_IO_OUT : 0));
    c = g_new0(SourceClosure, 1);
    c->fd = fn;
    c->data = data;
    g_source_set_callback(src, G_SOURCE_FUNC(host_fd_dispatch), c, g_free);
    return host_attach(h, src, c);
}

static void
svc_remove_source(gh_host *host, uint32_t id)
{
    HOST_OR_RETURN(h, host, );
    GSource *src;

    if (!host_on_main_thread(h, "remove_source"))
        return;
    src = g_hash_table_lookup(h->sources, GUINT_TO_POINTER(id));
    if (!src) {
        g_warning("backend %s: remove_source(%u): not one of its sources", host_name(h), id);
        return;
    }
    g_source_destroy(src);
    g_hash_table_remove(h->sources, GUINT_TO_POINTER(id));
}

/* ---- services: VM access through the session ----------------------------- */

/* The session's answer: its message becomes the instance's last error. */
static int
host_result(gh_host *h, int rc, char *error_msg)
{
    g_autofree char *msg = error_msg;

    if (rc < 0 && msg)
        host_set_error_locked(h, msg);
    return rc < 0 ? rc : 0;
}

static int
svc_screenshot(gh_host *host, uint8_t **data, size_t *len, char **mime)
{
    HOST_OR_RETURN(h, host, -EINVAL);
    char *error_msg = NULL;
    gsize n = 0;
    int rc;

    if (!data || !len || !mime) {
        g_warning("backend %s: screenshot with a NULL out-parameter", host_name(h));
        return -EINVAL;
    }
    *data = NULL;
    *len = 0;
    *mime = NULL;
    if (!h->ops || !h->ops->screenshot)
        return -ENOTSUP;
    rc = h->ops->screenshot(h->ops_ctx, data, &n, mime, &error_msg);
    *len = n;
    return host_result(h, rc, error_msg);
}

static int
svc_send_keys(gh_host *host, const uint32_t *codes, uint32_t n_codes, uint32_t hold_ms)
{
    HOST_OR_RETURN(h, host, -EINVAL);
    char *error_msg = NULL;
    int rc;

    if (!codes || n_codes == 0 || n_codes > GH_HOST_MAX_KEYS) {
        g_warning("backend %s: send_keys with %u codes at %p", host_name(h), n_codes, (const void *)codes);
        return -EINVAL;
    }
    if (!h->ops || !h->ops->send_keys)
        return -ENOTSUP;
    /* rc first: an argument list has no order of evaluation. */
    rc = h->ops->send_keys(h->ops_ctx, codes, n_codes, hold_ms, &error_msg);
    return host_result(h, rc, error_msg);
}

static int
svc_qmp_command(gh_host *host, const char *command, char **reply)
{
    HOST_OR_RETURN(h, host, -EINVAL);
    char *error_msg = NULL;
    int rc;

    if (!command || !reply) {
        g_warning("backend %s: qmp_command with a NULL %s", host_name(h), command ? "reply" : "command");
        return -EINVAL;
    }
    *reply = NULL;
    if (!h->ops || !h->ops->qmp_command)
        return -ENOTSUP;
    rc = h->ops->qmp_command(h->ops_ctx, command, reply, &error_msg);
    return host_result(h, rc, error_msg);
}

static int
svc_submit_input(gh_host *host, const gh_input_event *events, uint32_t n_events)
{
    HOST_OR_RETURN(h, host, -EINVAL);

    if (!host_on_main_thread(h, "submit_input"))
        return -EPERM;
    if ((!events && n_events > 0) || n_events > GH_HOST_MAX_EVENTS) {
        g_warning("backend %s: submit_input with %u events at %p", host_name(h), n_events, (const void *)events);
        return -EINVAL;
    }
    if (n_events == 0)
        return 0;
    if (!h->ops || !h->ops->submit_input)
        return -ENOTSUP;
    return host_result(h, h->ops->submit_input(h->ops_ctx, events, n_events), NULL);
}

/* ---- services: the players of the signal endpoint (since 1.2) ----------- */

static int
svc_signal_send(gh_host *host, uint32_t peer, const char *message)
{
    HOST_OR_RETURN(h, host, -EINVAL);
    gsize len;

    if (!message || peer == 0) {
        g_warning("backend %s: signal_send to peer %u with %s message", host_name(h), peer,
                  message ? "a" : "a NULL");
        return -EINVAL;
    }
    /* strnlen: a message without its NUL is not read past the limit. */
    len = strnlen(message, GH_SIGNAL_MAX_MESSAGE + 1);
    if (len > GH_SIGNAL_MAX_MESSAGE)
        return -EMSGSIZE;
    if (!g_utf8_validate(message, (gssize)len, NULL)) {
        g_warning("backend %s: signal_send to peer %u: the message is not UTF-8", host_name(h), peer);
        return -EINVAL;
    }
    if (!h->ops || !h->ops->signal_send)
        return -ENOENT;
    return h->ops->signal_send(h->ops_ctx, peer, message);
}

static int
svc_peer_input(gh_host *host, uint32_t peer, const char *json, size_t len)
{
    HOST_OR_RETURN(h, host, -EINVAL);

    if (!json && len > 0) {
        g_warning("backend %s: peer_input from peer %u with NULL json of %zu bytes", host_name(h), peer, len);
        return -EINVAL;
    }
    if (!h->ops || !h->ops->peer_input)
        return -EPERM;
    return h->ops->peer_input(h->ops_ctx, peer, json, len);
}

static void
svc_peer_close(gh_host *host, uint32_t peer, const char *reason)
{
    HOST_OR_RETURN(h, host, );
    g_autofree char *shown = NULL;

    if (h->ops && h->ops->peer_close) {
        /* The reason goes to a browser: bounded and valid UTF-8. */
        if (reason)
            shown = g_utf8_make_valid(reason, (gssize)strnlen(reason, 1024));
        h->ops->peer_close(h->ops_ctx, peer, shown);
    }
}

/* ---- services: sound (since 1.3) ----------------------------------------- */

static const char *
svc_dbus_socket(gh_host *host)
{
    HOST_OR_RETURN(h, host, NULL);

    return h->dbus_socket;
}

static int
svc_audio_format(gh_host *host, uint32_t *format, uint32_t *rate, uint32_t *channels)
{
    HOST_OR_RETURN(h, host, -EINVAL);
    guint32 f = 0, r = 0, c = 0;
    int rc;

    rc = h->ops && h->ops->audio_format ? h->ops->audio_format(h->ops_ctx, &f, &r, &c) : -ENODEV;
    if (format)
        *format = rc == 0 ? f : 0;
    if (rate)
        *rate = rc == 0 ? r : 0;
    if (channels)
        *channels = rc == 0 ? c : 0;
    return rc;
}

/* A chunk a plugin hands the host: its struct, format and size within the
 * SDK's limits (the data is only read once these hold). */
static gboolean
host_audio_chunk_valid(gh_host *h, const char *service, const gh_audio_chunk *chunk)
{
    const char *why = NULL;

    if (!chunk)
        why = "a NULL chunk";
    else if (chunk->struct_size < offsetof(gh_audio_chunk, data) + sizeof chunk->data)
        why = "a chunk smaller than gh_audio_chunk";
    else if (chunk->format != GH_AUDIO_S16LE)
        why = "a sample format other than S16LE";
    else if (chunk->rate < GH_AUDIO_MIN_RATE || chunk->rate > GH_AUDIO_MAX_RATE)
        why = "a rate outside 8000..192000 Hz";
    else if (chunk->channels < 1 || chunk->channels > GH_AUDIO_MAX_CHANNELS)
        why = "a channel count other than 1 or 2";
    else if (chunk->n_frames > GH_AUDIO_MAX_FRAMES)
        why = "more than 16384 frames";
    else if (chunk->n_frames > 0 && !chunk->data)
        why = "frames but no data";
    if (why)
        g_warning("backend %s: %s refused: %s", host_name(h), service, why);
    return why == NULL;
}

static int
svc_audio_push(gh_host *host, const gh_audio_chunk *chunk)
{
    HOST_OR_RETURN(h, host, -EINVAL);

    if (h->backend->kind != GH_BACKEND_AUDIO) {
        g_warning("backend %s: audio_push is for audio backends", host_name(h));
        return -EPERM;
    }
    if (!h->ops || !h->ops->audio_push)
        return -ENODEV;
    return h->ops->audio_push(h->ops_ctx, chunk, host_audio_chunk_valid(h, "audio_push", chunk));
}

static int
svc_mic_push(gh_host *host, uint32_t peer, const gh_audio_chunk *chunk)
{
    HOST_OR_RETURN(h, host, -EINVAL);

    if (h->backend->kind != GH_BACKEND_STREAM) {
        g_warning("backend %s: mic_push is for stream backends", host_name(h));
        return -EPERM;
    }
    if (!h->ops || !h->ops->mic_push)
        return -ENODEV;
    return h->ops->mic_push(h->ops_ctx, peer, chunk, host_audio_chunk_valid(h, "mic_push", chunk));
}

/* ---- services: game pads (since 1.4) ------------------------------------- */

static const char *
svc_pad_socket(gh_host *host, uint32_t pad)
{
    HOST_OR_RETURN(h, host, NULL);

    return pad < GH_INPUT_MAX_PADS ? h->pad_socket[pad] : NULL;
}

/* Why fb cannot be taken (a message for set_error), or NULL.  Strengths
 * mean something only in a rumble, so only a rumble's are checked. */
static char *
host_pad_feedback_refusal(const gh_pad_feedback *fb)
{
    if (!fb)
        return g_strdup("pad_feedback: no feedback (NULL)");
    if (fb->struct_size < sizeof *fb)
        return g_strdup_printf("pad_feedback: struct_size %u is smaller than gh_pad_feedback (%zu)", fb->struct_size,
                               sizeof *fb);
    if (fb->kind < GH_PAD_ATTACHED || fb->kind > GH_PAD_LED)
        return g_strdup_printf("pad_feedback: unknown kind %u (GH_PAD_ATTACHED, DETACHED, RUMBLE or LED)", fb->kind);
    if (fb->pad >= GH_INPUT_MAX_PADS)
        return g_strdup_printf("pad_feedback: pad %u is out of range (0..%u)", fb->pad, GH_INPUT_MAX_PADS - 1);
    if (fb->kind == GH_PAD_RUMBLE && (fb->strong > GH_PAD_RUMBLE_MAX || fb->weak > GH_PAD_RUMBLE_MAX))
        return g_strdup_printf("pad_feedback: rumble strength %u is over %u (%s motor)",
                               fb->strong > GH_PAD_RUMBLE_MAX ? fb->strong : fb->weak, GH_PAD_RUMBLE_MAX,
                               fb->strong > GH_PAD_RUMBLE_MAX ? "strong" : "weak");
    return NULL;
}

static int
svc_pad_feedback(gh_host *host, const gh_pad_feedback *fb)
{
    HOST_OR_RETURN(h, host, -EINVAL);
    g_autofree char *why = NULL;
    gh_pad_feedback copy = { 0 };

    if (h->backend->kind != GH_BACKEND_INPUT) {
        g_warning("backend %s: pad_feedback is for input backends", host_name(h));
        return -EPERM;
    }
    if (!host_on_main_thread(h, "pad_feedback"))
        return -EPERM;
    if ((why = host_pad_feedback_refusal(fb))) {
        host_set_error_locked(h, why);
        return -EINVAL;
    }
    /* What the session and the stream backend see is the host's struct,
     * whatever size the plugin's was. */
    memcpy(&copy, fb, sizeof copy);
    copy.struct_size = sizeof copy;
    if (copy.timestamp_ns == 0)
        copy.timestamp_ns = (uint64_t)g_get_monotonic_time() * 1000u;
    if (!h->ops || !h->ops->pad_feedback)
        return 0;
    return h->ops->pad_feedback(h->ops_ctx, &copy);
}

static const gh_host_services services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .log = svc_log,
    .now_ns = svc_now_ns,
    .set_error = svc_set_error,
    .session_id = svc_session_id,
    .image_id = svc_image_id,
    .option = svc_option,
    .display_size = svc_display_size,
    .add_timer = svc_add_timer,
    .add_fd = svc_add_fd,
    .remove_source = svc_remove_source,
    .screenshot = svc_screenshot,
    .send_keys = svc_send_keys,
    .qmp_command = svc_qmp_command,
    .vnc_socket = svc_vnc_socket,
    .relay_path = svc_relay_path,
    .submit_input = svc_submit_input,
    .session_dir = svc_session_dir,
    .signal_send = svc_signal_send,
    .peer_input = svc_peer_input,
    .peer_close = svc_peer_close,
    .dbus_socket = svc_dbus_socket,
    .audio_format = svc_audio_format,
    .audio_push = svc_audio_push,
    .mic_push = svc_mic_push,
    .pad_socket = svc_pad_socket,
    .pad_feedback = svc_pad_feedback,
};

/* ---- hosts and instances ------------------------------------------------ */

static gh_host *
host_new(const GhBackend *backend, const GhPluginSessionInfo *info)
{
    gh_host *h = g_new0(gh_host, 1);

    h->refs = 1;
    h->backend = backend;
    h->session_id = g_strdup(info->session_id);
    h->image_id = g_strdup(info->image_id);
    h->vnc_socket = g_strdup(info->vnc_socket);
    h->relay_path = g_strdup(info->relay_path);
    h->session_dir = g_strdup(info->session_dir);
    h->dbus_socket = g_strdup(info->dbus_socket);
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        h->pad_socket[i] = g_strdup(info->pad_socket[i]);
    h->width = info->width;
    h->height = info->height;
    h->refresh_hz = info->refresh_hz;
    h->options = info->options ? g_hash_table_ref(info->options) : NULL;
    h->context = g_main_context_ref(info->context ? info->context : g_main_context_default());
    h->ops = info->ops;
    h->ops_ctx = info->ops_ctx;
    h->main_thread = g_thread_self();
    h->sources = g_hash_table_new_full(NULL, NULL, NULL, (GDestroyNotify)g_source_unref);
    g_mutex_init(&h->error_lock);
    g_mutex_lock(&live_lock);
    if (!live)
        live = g_hash_table_new(NULL, NULL);
    g_hash_table_add(live, h);
    g_mutex_unlock(&live_lock);
    return h;
}

/* Removes what the plugin left on the main loop and invalidates the handle;
 * the memory goes when the last service call in flight returns. */
static void
host_retire(gh_host *h)
{
    GHashTableIter it;
    gpointer src;

    g_hash_table_iter_init(&it, h->sources);
    while (g_hash_table_iter_next(&it, NULL, &src))
        g_source_destroy(src);
    g_hash_table_remove_all(h->sources);
    g_mutex_lock(&live_lock);
    g_hash_table_remove(live, h);
    if (g_hash_table_size(live) == 0)
        g_clear_pointer(&live, g_hash_table_unref);
    g_mutex_unlock(&live_lock);
    host_unref(h);
}

/* The plugin's message if it gave one, else the errno's text. */
static char *
host_take_reason(gh_host *h, int rc, const char *fallback)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&h->error_lock);

    if (h->last_error)
        return g_strdup(h->last_error);
    return g_strdup(rc < 0 ? g_strerror(-rc) : fallback);
}

static gboolean
host_probe(gh_host *h, GError **error)
{
    int rc;
    g_autofree char *why = NULL;

    if (!h->backend->factory.probe)
        return TRUE;
    GH_PLUGIN_CALL(h->backend, "probe", GH_PLUGIN_WATCH_LOAD_MS, rc = h->backend->factory.probe(h, &services));
    if (rc == 0)
        return TRUE;
    why = host_take_reason(h, rc, "probe returned a positive value");
    g_set_error(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_CREATE, "backend %s cannot serve session %s: %s",
                host_name(h), h->session_id ? h->session_id : "(none)", why);
    return FALSE;
}

/* A scanned backend (plugin-scan.c) describes a plugin loaded in another
 * process: nothing of it can be called here. */
static gboolean
host_backend_loaded(const GhBackend *backend, GError **error)
{
    if (backend->plugin && backend->plugin->handle)
        return TRUE;
    g_set_error(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_NOT_LOADED,
                "backend %s is not loaded in this process (its plugin %s was only scanned)", backend->name,
                backend->plugin ? backend->plugin->path : "(none)");
    return FALSE;
}

gboolean
gh_plugin_backend_probe(const GhBackend *backend, const GhPluginSessionInfo *info, GError **error)
{
    gh_host *h;
    gboolean ok;

    g_return_val_if_fail(backend && info, FALSE);
    if (!host_backend_loaded(backend, error))
        return FALSE;
    h = host_new(backend, info);
    ok = host_probe(h, error);
    host_retire(h);
    return ok;
}

GhPluginInstance *
gh_plugin_instance_new(const GhBackend *backend, const GhPluginSessionInfo *info, GError **error)
{
    GhPluginInstance *inst;
    gh_instance *handle;
    gh_host *h;

    g_return_val_if_fail(backend && info, NULL);
    if (!host_backend_loaded(backend, error))
        return NULL;
    h = host_new(backend, info);
    if (!host_probe(h, error)) {
        host_retire(h);
        return NULL;
    }
    GH_PLUGIN_CALL(backend, "create", GH_PLUGIN_WATCH_LOAD_MS, handle = backend->factory.create(h, &services));
    if (!handle) {
        g_autofree char *why = host_take_reason(h, 0, "create returned NULL");

        g_set_error(error, GH_PLUGIN_ERROR, GH_PLUGIN_ERROR_CREATE, "backend %s failed to create: %s",
                    host_name(h), why);
        host_retire(h);
        return NULL;
    }
    /* A message from create that still succeeded is not the instance's error. */
    host_set_error_locked(h, NULL);
    inst = g_new0(GhPluginInstance, 1);
    inst->backend = backend;
    inst->host = h;
    inst->handle = handle;
    gh_plugin_instance_added(backend->plugin);
    return inst;
}

GhPluginInstance *
gh_plugin_instance_free(GhPluginInstance *inst)
{
    if (!inst)
        return NULL;
    /* The handle stays valid through destroy: it may remove its own sources. */
    GH_PLUGIN_CALL(inst->backend, "destroy", 0, inst->backend->factory.destroy(inst->handle));
    host_retire(inst->host);
    gh_plugin_instance_removed(inst->backend->plugin);
    g_free(inst);
    return NULL;
}

const GhBackend *
gh_plugin_instance_backend(GhPluginInstance *inst)
{
    return inst->backend;
}

gh_instance *
gh_plugin_instance_handle(GhPluginInstance *inst)
{
    return inst->handle;
}

char *
gh_plugin_instance_last_error(GhPluginInstance *inst)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&inst->host->error_lock);

    /* A copy: the plugin may set another error from its own thread meanwhile. */
    return g_strdup(inst->host->last_error);
}

void
gh_plugin_instance_clear_error(GhPluginInstance *inst)
{
    host_set_error_locked(inst->host, NULL);
}
