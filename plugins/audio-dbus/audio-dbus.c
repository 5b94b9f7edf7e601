/* audio-dbus: the audio backend "audio.dbus".  The VM's sound leaves QEMU
 * through its D-Bus audio (org.qemu.Display1.Audio on the VM's private bus,
 * which libvirt starts for <graphics type='dbus'><audio id='1'/>): we hand
 * QEMU one end of a socket pair for a playback listener and one for a
 * record listener, and QEMU, the D-Bus server on each, calls our methods.
 * Playback PCM (48 kHz, stereo, S16LE; QEMU sends it unscaled) gets the
 * guest's volume and mute and goes to the host; the player's microphone
 * waits in a bounded ring that QEMU's synchronous Read drains without ever
 * waiting.  Everything D-Bus runs on the instance's own thread and context. */
#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gamehost/plugin.h>
#include <gamehost/plugin-util.h>

#include "pcm.h"

#ifndef GH_PLUGIN_VERSION
#define GH_PLUGIN_VERSION "0"
#endif

#define AD_BUS_NAME      "org.qemu"
#define AD_OBJECT        "/org/qemu/Display1/Audio"
#define AD_INTERFACE     "org.qemu.Display1.Audio"
#define AD_OUT_PATH      "/org/qemu/Display1/AudioOutListener"
#define AD_IN_PATH       "/org/qemu/Display1/AudioInListener"
#define AD_CALL_MS       30000   /* QEMU answers from its main loop, slow while a TCG guest boots */
/* The microphone's ring: 200 ms.  QEMU reads about every 21 ms; more would
 * only be latency, and a player who talks while the guest records nothing
 * must not pile up. */
#define AD_MIC_FRAMES    (AD_RATE / 5)
#define AD_MAX_WRITE     (GH_AUDIO_MAX_FRAMES * AD_FRAME)

/* What both listeners have: a stream's life, state and volume. */
#define AD_STREAM_METHODS \
    "  <method name='Init'><arg name='id' type='t'/><arg name='bits' type='y'/><arg name='is_signed' type='b'/>" \
    "   <arg name='is_float' type='b'/><arg name='freq' type='u'/><arg name='nchannels' type='y'/>" \
    "   <arg name='bytes_per_frame' type='u'/><arg name='bytes_per_second' type='u'/><arg name='be' type='b'/></method>" \
    "  <method name='Fini'><arg name='id' type='t'/></method>" \
    "  <method name='SetEnabled'><arg name='id' type='t'/><arg name='enabled' type='b'/></method>" \
    "  <method name='SetVolume'><arg name='id' type='t'/><arg name='mute' type='b'/><arg name='volume' type='ay'/></method>"

static const char ad_listener_xml[] =
    "<node>"
    " <interface name='org.qemu.Display1.AudioOutListener'>"
    AD_STREAM_METHODS
    "  <method name='Write'><arg name='id' type='t'/><arg name='data' type='ay'/></method>"
    " </interface>"
    " <interface name='org.qemu.Display1.AudioInListener'>"
    AD_STREAM_METHODS
    "  <method name='Read'><arg name='id' type='t'/><arg name='size' type='t'/>"
    "   <arg name='data' type='ay' direction='out'/></method>"
    " </interface>"
    "</node>";

/* One direction's stream, as QEMU last described it. */
typedef struct {
    gboolean ok;                 /* Init gave our format */
    gboolean enabled, muted;
    guint8 volume[AD_CHANNELS];
    gsize n_volume;
} AdStream;

struct gh_instance {
    gh_host *host;
    gh_host_services svc;
    char *bus_path;
    AdRing *mic;

    GThread *thread;
    GCancellable *cancel;        /* stop cancels a connect QEMU never answers */
    GMainContext *context;
    gint quit;                   /* set by stop, then the context woken */
    GDBusNodeInfo *node;
    GDBusConnection *bus, *out_conn, *in_conn;
    guint out_reg, in_reg;

    GMutex lock;                 /* the streams and counters below */
    AdStream out, in;
    gboolean said_gone, said_format;
    guint64 frames_out, frames_in, underruns, dropped;
};

static void
ad_log(gh_instance *ad, uint32_t level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void
ad_log(gh_instance *ad, uint32_t level, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    ad->svc.log(ad->host, level, msg);
}

/* ---- the listeners' methods (the instance's thread) ------------------------- */

/* Init of either direction: our format, or the stream is refused (and QEMU
 * told why); a refused playback stream's Writes are dropped and counted. */
static void
ad_stream_init(gh_instance *ad, AdStream *st, const char *what, GVariant *params, GDBusMethodInvocation *inv)
{
    guint64 id;
    guchar bits, nchannels;
    gboolean is_signed, is_float, be;
    guint32 freq, bpf, bps;
    const char *why;
    gboolean say;

    g_variant_get(params, "(tybbuyuub)", &id, &bits, &is_signed, &is_float, &freq, &nchannels, &bpf, &bps, &be);
    why = ad_pcm_format_refusal(bits, is_signed, is_float, freq, nchannels, bpf, be);
    g_mutex_lock(&ad->lock);
    memset(st, 0, sizeof *st);
    st->ok = why == NULL;
    say = why && !ad->said_format;
    ad->said_format |= say;
    g_mutex_unlock(&ad->lock);
    if (!why) {
        g_dbus_method_invocation_return_value(inv, NULL);
        return;
    }
    if (say)
        ad_log(ad, GH_LOG_WARNING, "the guest's %s stream is %u-bit %s%s at %u Hz with %u channels: refused (%s); "
               "the domain asks for 48000 Hz stereo s16", what, bits, is_float ? "float" : is_signed ? "signed" : "unsigned",
               be ? " big-endian" : "", freq, nchannels, why);
    g_dbus_method_invocation_return_error(inv, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "gamehost takes 48000 Hz stereo "
                                          "s16le: %s", why);
}

static void
ad_stream_set(gh_instance *ad, AdStream *st, const char *method, GVariant *params)
{
    g_mutex_lock(&ad->lock);
    if (g_str_equal(method, "SetEnabled")) {
        g_variant_get(params, "(tb)", NULL, &st->enabled);
    } else {
        g_autoptr(GVariant) vol = NULL;
        const guint8 *v;
        gsize n;

        g_variant_get(params, "(tb@ay)", NULL, &st->muted, &vol);
        v = g_variant_get_fixed_array(vol, &n, 1);
        st->n_volume = MIN(n, (gsize)AD_CHANNELS);
        memcpy(st->volume, v, st->n_volume);
    }
    g_mutex_unlock(&ad->lock);
}

/* One chunk of what the guest plays: scaled, timestamped, to the host.  Its
 * first frame was played a chunk's length before it arrived. */
static void
ad_write(gh_instance *ad, GVariant *params)
{
    g_autoptr(GVariant) data = NULL;
    g_autofree int16_t *pcm = NULL;
    gh_audio_chunk chunk = { .struct_size = sizeof chunk, .format = GH_AUDIO_S16LE, .rate = AD_RATE,
                             .channels = AD_CHANNELS };
    AdStream out;
    const void *bytes;
    gsize len;
    uint64_t now = ad->svc.now_ns(ad->host);

    g_variant_get(params, "(t@ay)", NULL, &data);
    bytes = g_variant_get_fixed_array(data, &len, 1);
    g_mutex_lock(&ad->lock);
    out = ad->out;
    g_mutex_unlock(&ad->lock);
    chunk.n_frames = (uint32_t)(MIN(len, (gsize)AD_MAX_WRITE) / AD_FRAME);
    if (!out.ok || chunk.n_frames == 0 || len % AD_FRAME != 0 || len > AD_MAX_WRITE) {
        g_mutex_lock(&ad->lock);
        ad->dropped += len / AD_FRAME;
        g_mutex_unlock(&ad->lock);
        return;
    }
    pcm = g_memdup2(bytes, len);
    ad_pcm_apply_volume(pcm, chunk.n_frames, AD_CHANNELS, out.volume, out.n_volume, out.muted);
    chunk.data = (const uint8_t *)pcm;
    chunk.timestamp_ns = now - (uint64_t)chunk.n_frames * G_GUINT64_CONSTANT(1000000000) / AD_RATE;
    ad->svc.audio_push(ad->host, &chunk);
    g_mutex_lock(&ad->lock);
    ad->frames_out += chunk.n_frames;
    g_mutex_unlock(&ad->lock);
}

/* QEMU waits for this on its main loop: answer at once with what the ring
 * has, a short read (even an empty one) rather than a wait. */
static void
ad_read(gh_instance *ad, GVariant *params, GDBusMethodInvocation *inv)
{
    g_autoptr(GBytes) got = NULL;
    guint64 size;
    gsize n;

    g_variant_get(params, "(tt)", NULL, &size);
    got = ad_ring_read(ad->mic, (gsize)MIN(size, (guint64)AD_MAX_WRITE));
    n = g_bytes_get_size(got);
    g_mutex_lock(&ad->lock);
    ad->frames_in += n / AD_FRAME;
    ad->underruns += n < size - size % AD_FRAME;
    g_mutex_unlock(&ad->lock);
    g_dbus_method_invocation_return_value(inv, g_variant_new("(@ay)", g_variant_new_from_bytes(G_VARIANT_TYPE_BYTESTRING, got, TRUE)));
}

static void
ad_method(GDBusConnection *conn, const char *sender, const char *path, const char *iface, const char *method,
          GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
    gh_instance *ad = data;
    gboolean out = g_str_equal(path, AD_OUT_PATH);
    AdStream *st = out ? &ad->out : &ad->in;

    if (g_str_equal(method, "Init"))
        return ad_stream_init(ad, st, out ? "playback" : "record", params, inv);
    if (g_str_equal(method, "Read"))
        return ad_read(ad, params, inv);
    if (g_str_equal(method, "Write"))
        ad_write(ad, params);
    else if (g_str_equal(method, "SetEnabled") || g_str_equal(method, "SetVolume"))
        ad_stream_set(ad, st, method, params);
    else if (g_str_equal(method, "Fini")) {
        g_mutex_lock(&ad->lock);
        memset(st, 0, sizeof *st);
        g_mutex_unlock(&ad->lock);
        if (!out)
            ad_ring_clear(ad->mic);
    }
    g_dbus_method_invocation_return_value(inv, NULL);
}

static const GDBusInterfaceVTable ad_vtable = { .method_call = ad_method };

/* ---- connecting (the instance's thread) --------------------------------------- */

static void
ad_on_closed(GDBusConnection *conn, gboolean remote, GError *error, gpointer data)
{
    gh_instance *ad = data;
    gboolean say;

    g_mutex_lock(&ad->lock);
    say = !ad->said_gone;
    ad->said_gone = TRUE;
    ad->out.ok = ad->out.enabled = FALSE;
    g_mutex_unlock(&ad->lock);
    if (say)
        ad_log(ad, GH_LOG_WARNING, "QEMU's D-Bus audio went away (%s): no sound from now on; the picture goes on",
               error ? error->message : "closed");
}

/* The bus admits only the uid it runs as, QEMU's (libvirt-qemu), not root.
 * Credentials are per thread in Linux; the raw syscalls change this
 * thread's alone (glibc's wrappers would change every thread's), for the
 * length of the connect and the authentication, whose peer credentials are
 * taken then.  A thread started meanwhile inherits them: GDBus's shared
 * worker, when this is the process's first connection; it only moves bytes
 * on sockets already open, which needs no privilege.  The listeners' own connections need no such thing: QEMU
 * serves them without asking for its own uid. */
static gboolean
ad_become(uid_t uid, gid_t gid)
{
    return syscall(SYS_setresgid, (gid_t)-1, gid, (gid_t)-1) == 0 && syscall(SYS_setresuid, (uid_t)-1, uid, (uid_t)-1) == 0;
}

static void
ad_store_result(GObject *source, GAsyncResult *res, gpointer data)
{
    *(GAsyncResult **)data = g_object_ref(res);
}

/* One listener: a socket pair, one end to QEMU through method (whose reply
 * comes while we authenticate on the other end, QEMU being its server). */
static GDBusConnection *
ad_listen(gh_instance *ad, const char *method, const char *path, GDBusInterfaceInfo *iface, guint *reg,
          GError **error)
{
    g_autoptr(GUnixFDList) fds = NULL;
    g_autoptr(GSocket) sock = NULL;
    g_autoptr(GSocketConnection) stream = NULL;
    g_autoptr(GVariant) reply = NULL;
    g_autoptr(GDBusConnection) conn = NULL;
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GAsyncResult) made = NULL;
    int pair[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socketpair: %s", g_strerror(errno));
        return NULL;
    }
    fds = g_unix_fd_list_new_from_array(&pair[1], 1);
    if (!(sock = g_socket_new_from_fd(pair[0], error))) {
        close(pair[0]);
        return NULL;
    }
    g_dbus_connection_call_with_unix_fd_list(ad->bus, AD_BUS_NAME, AD_OBJECT, AD_INTERFACE, method, g_variant_new("(h)", 0),
                                             NULL, G_DBUS_CALL_FLAGS_NONE, AD_CALL_MS, fds, ad->cancel,
                                             ad_store_result, &result);
    /* Never block this context while QEMU may call us: after answering,
     * QEMU's handler authenticates and then reads our listener's properties
     * synchronously on its main loop, and the first listener's properties
     * are read while the second is being set up. */
    stream = g_socket_connection_factory_create_connection(sock);
    g_dbus_connection_new(G_IO_STREAM(stream), NULL,
                          G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                              G_DBUS_CONNECTION_FLAGS_DELAY_MESSAGE_PROCESSING,
                          NULL, ad->cancel, ad_store_result, &made);
    while (!made)
        g_main_context_iteration(ad->context, TRUE);
    conn = g_dbus_connection_new_finish(made, error);
    if (conn && (*reg = g_dbus_connection_register_object(conn, path, iface, &ad_vtable, ad, NULL, error))) {
        g_signal_connect(conn, "closed", G_CALLBACK(ad_on_closed), ad);
        g_dbus_connection_start_message_processing(conn);
    }
    while (!result)
        g_main_context_iteration(ad->context, TRUE);
    reply = g_dbus_connection_call_with_unix_fd_list_finish(ad->bus, NULL, result, *reg ? error : NULL);
    if (!*reg || !reply) {
        if (*reg)
            g_dbus_connection_unregister_object(conn, *reg);
        *reg = 0;
        return NULL;
    }
    return g_steal_pointer(&conn);
}

static gboolean
ad_connect(gh_instance *ad, GError **error)
{
    g_autofree char *escaped = g_dbus_address_escape_value(ad->bus_path);
    g_autofree char *address = g_strconcat("unix:path=", escaped, NULL);
    gboolean become, ok;
    struct stat st;

    if (stat(ad->bus_path, &st) < 0) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: %s", ad->bus_path, g_strerror(errno));
        return FALSE;
    }
    become = geteuid() == 0 && st.st_uid != 0;
    if (become && !ad_become(st.st_uid, st.st_gid)) {
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "cannot take uid %u to reach the bus: %s",
                    (unsigned)st.st_uid, g_strerror(errno));
        ad_become(0, 0);
        return FALSE;
    }
    ad->bus = g_dbus_connection_new_for_address_sync(address,
                                                     G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                     NULL, ad->cancel, error);
    if (become)
        ad_become(0, 0);
    ok = ad->bus && (ad->out_conn = ad_listen(ad, "RegisterOutListener", AD_OUT_PATH, ad->node->interfaces[0],
                                              &ad->out_reg, error)) &&
         (ad->in_conn = ad_listen(ad, "RegisterInListener", AD_IN_PATH, ad->node->interfaces[1], &ad->in_reg, error));
    if (ad->bus)
        g_signal_connect(ad->bus, "closed", G_CALLBACK(ad_on_closed), ad);
    return ok;
}

static void
ad_disconnect(gh_instance *ad)
{
    GDBusConnection **conns[] = { &ad->out_conn, &ad->in_conn, &ad->bus };

    if (ad->out_reg)
        g_dbus_connection_unregister_object(ad->out_conn, ad->out_reg);
    if (ad->in_reg)
        g_dbus_connection_unregister_object(ad->in_conn, ad->in_reg);
    ad->out_reg = ad->in_reg = 0;
    for (guint i = 0; i < G_N_ELEMENTS(conns); i++) {
        if (!*conns[i])
            continue;
        g_signal_handlers_disconnect_by_data(*conns[i], ad);
        g_dbus_connection_close_sync(*conns[i], NULL, NULL);
        g_clear_object(conns[i]);
    }
}

static gpointer
ad_thread(gpointer data)
{
    gh_instance *ad = data;
    g_autoptr(GError) error = NULL;

    g_main_context_push_thread_default(ad->context);
    if (ad_connect(ad, &error))
        ad_log(ad, GH_LOG_INFO, "listening to QEMU's D-Bus audio at %s (48000 Hz, stereo, s16le)", ad->bus_path);
    else
        ad_log(ad, GH_LOG_WARNING, "no sound: QEMU's D-Bus audio at %s: %s", ad->bus_path, error->message);
    /* A flag, not a GMainLoop: a stop that comes while we still connect
     * must not be lost. */
    while (!g_atomic_int_get(&ad->quit))
        g_main_context_iteration(ad->context, TRUE);
    ad_disconnect(ad);
    g_main_context_pop_thread_default(ad->context);
    return NULL;
}

/* ---- the backend ----------------------------------------------------------- */

static int
ad_probe(gh_host *host, const gh_host_services *services)
{
    if (!GH_STRUCT_HAS(services, gh_host_services, mic_push) || !services->mic_push) {
        services->set_error(host, "audio.dbus needs a host of ABI 1.3 or later");
        return -ENOTSUP;
    }
    if (!services->dbus_socket(host)) {
        services->set_error(host, "the session's VM has no D-Bus audio (its image has no sound device)");
        return -ENODEV;
    }
    return 0;
}

static gh_instance *
ad_create(gh_host *host, const gh_host_services *services)
{
    gh_instance *ad;

    if (ad_probe(host, services) < 0)
        return NULL;
    ad = g_new0(gh_instance, 1);
    ad->host = host;
    gh_host_services_copy(&ad->svc, services);
    ad->bus_path = g_strdup(services->dbus_socket(host));
    ad->mic = ad_ring_new(AD_MIC_FRAMES);
    ad->node = g_dbus_node_info_new_for_xml(ad_listener_xml, NULL);
    g_mutex_init(&ad->lock);
    return ad;
}

static int
ad_format(gh_instance *ad, uint32_t *format, uint32_t *rate, uint32_t *channels)
{
    *format = GH_AUDIO_S16LE;
    *rate = AD_RATE;
    *channels = AD_CHANNELS;
    return 0;
}

static int
ad_start(gh_instance *ad)
{
    ad->cancel = g_cancellable_new();
    ad->context = g_main_context_new();
    ad->thread = g_thread_new("gh-audio-dbus", ad_thread, ad);
    return 0;
}

static void
ad_stop(gh_instance *ad)
{
    if (!ad->thread)
        return;
    g_atomic_int_set(&ad->quit, 1);
    g_cancellable_cancel(ad->cancel);
    g_main_context_wakeup(ad->context);
    g_thread_join(g_steal_pointer(&ad->thread));
    g_clear_object(&ad->cancel);
    g_clear_pointer(&ad->context, g_main_context_unref);
}

static int
ad_mic_write(gh_instance *ad, const gh_audio_chunk *chunk)
{
    gsize taken = ad_ring_write(ad->mic, chunk->data, chunk->n_frames);

    g_mutex_lock(&ad->lock);
    ad->dropped += chunk->n_frames - taken;
    g_mutex_unlock(&ad->lock);
    return (int)taken;
}

static void
ad_stats(gh_instance *ad, gh_audio_stats *stats)
{
    g_mutex_lock(&ad->lock);
    stats->enabled = ad->out.ok && ad->out.enabled;
    stats->muted = ad->out.muted;
    stats->volume = ad->out.n_volume ? ad->out.volume[0] : 255;
    stats->frames_out = ad->frames_out;
    stats->frames_in = ad->frames_in;
    stats->underruns = ad->underruns;
    stats->dropped = ad->dropped;
    g_mutex_unlock(&ad->lock);
}

static void
ad_destroy(gh_instance *ad)
{
    ad_stop(ad);
    ad_ring_free(ad->mic);
    g_dbus_node_info_unref(ad->node);
    g_mutex_clear(&ad->lock);
    g_free(ad->bus_path);
    g_free(ad);
}

static const gh_audio_ops ad_ops = {
    .struct_size = sizeof(gh_audio_ops),
    .version = GH_AUDIO_OPS_VERSION,
    .format = ad_format,
    .start = ad_start,
    .stop = ad_stop,
    .mic_write = ad_mic_write,
    .stats = ad_stats,
};

static const gh_backend_factory ad_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_AUDIO,
    .name = "audio.dbus",
    .description = "the VM's sound through QEMU's D-Bus audio, 48 kHz stereo; the player's microphone back",
    .probe = ad_probe,
    .create = ad_create,
    .destroy = ad_destroy,
    .audio = &ad_ops,
};

static const gh_backend_factory *const ad_factories[] = { &ad_factory };

static const gh_plugin ad_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "audio-dbus",
    .version = GH_PLUGIN_VERSION,
    .license = "MIT",
    .factories = ad_factories,
};

GH_PLUGIN_DEFINE(ad_plugin)
