/* session-worker-start: what a session's plugin worker starts with (the
 * "start" message, worker-start.h): the backends chosen and their options
 * over the config's defaults, the session's facts and files, the paths
 * Landlock leaves it; and the session's files handed to the worker's user,
 * with the relay to QEMU's D-Bus bus made for it. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session-private.h"
#include "virt/dbus-relay.h"
#include "virt/domain.h"

/* The plugins' way to QEMU's D-Bus bus: a relay in the session dir for the
 * uid they run as (ours, until they run in a worker of their own), since
 * the bus admits QEMU's uid alone.  Without one they get the bus itself,
 * which only a root process can reach. */
static char *
worker_start_dbus_relay(SessionPipeline *sp, const GhSession *s, const char *bus_path)
{
    g_autofree char *path = g_build_filename(s->dir, "qemu-dbus.sock", NULL);
    g_autoptr(GError) err = NULL;

    const GhWorkerSandbox *sb = &sp->mgr->worker_sandbox;

    if (sp->dbus_relay)
        return g_steal_pointer(&path);   /* a restarted worker: the same relay */
    sp->dbus_relay = gh_dbus_relay_new(path, sb->switch_user ? sb->uid : geteuid(),
                                       sb->switch_user ? sb->gid : getegid(), bus_path, &err);
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
worker_start_options(GhSessionManager *mgr, const GhSession *s)
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

/* ---- the worker's start --------------------------------------------------------- */

/* What the worker may open: the system's libraries and data read-only, its
 * session's files read-write, and nothing else (worker-sandbox.h). */
static void
worker_start_paths(GhSessionManager *mgr, const GhWorkerStart *st, GStrvBuilder *read, GStrvBuilder *write)
{
    /* Of /dev, only what libraries open: not /dev/shm, where every
     * session's frame relay lives (its own is in the write list). */
    static const char *const system[] = { "/usr",         "/lib",         "/lib64",      "/etc",     "/proc",
                                          "/sys",         "/dev/zero",    "/dev/random", "/dev/urandom",
                                          "/dev/dri",     NULL };

    g_strv_builder_addv(read, (const char **)system);
    for (gsize i = 0; mgr->config->plugin_dirs && mgr->config->plugin_dirs[i]; i++)
        g_strv_builder_add(read, mgr->config->plugin_dirs[i]);
    for (gsize i = 0; st->plugins && st->plugins[i]; i++)
        g_strv_builder_add(read, st->plugins[i]);
    if (st->info.session_dir)
        g_strv_builder_add(write, st->info.session_dir);
    if (st->info.relay_path)
        g_strv_builder_add(write, st->info.relay_path);
    g_strv_builder_add(write, "/dev/null");
    g_strv_builder_add(write, mgr->worker_home);
}

/* Hands the session's files to the worker's user: QEMU keeps what it
 * opened, and no other session's worker (another process of the same
 * user is kept out by Landlock's scoping and the modes) gets in. */
static void
worker_start_grant(SessionPipeline *sp, const GhWorkerStart *st)
{
    GhSessionManager *mgr = sp->mgr;
    const char *files[2 + GH_INPUT_MAX_PADS] = { st->info.relay_path, st->info.vnc_socket };

    if (!mgr->worker_sandbox.switch_user)
        return;
    for (guint i = 0; i < GH_INPUT_MAX_PADS; i++)
        files[2 + i] = st->info.pad_socket[i];
    /* The dir stays QEMU's group's: it makes its sockets there. */
    if (st->info.session_dir && (chown(st->info.session_dir, mgr->worker_sandbox.uid, (gid_t)-1) < 0 ||
                                 chmod(st->info.session_dir, 0770) < 0))
        g_warning("session %s: cannot give %s to the plugin worker: %s", sp->id, st->info.session_dir,
                  g_strerror(errno));
    for (guint i = 0; i < G_N_ELEMENTS(files); i++)
        if (files[i] && lchown(files[i], mgr->worker_sandbox.uid, mgr->worker_sandbox.gid) < 0 && errno != ENOENT)
            g_warning("session %s: cannot give %s to the plugin worker: %s", sp->id, files[i], g_strerror(errno));
}

GVariant *
gh_session_worker_start_message(SessionPipeline *sp, GhSession *s, GhWorkerStart *st)
{
    GhSessionManager *mgr = sp->mgr;
    const GhImage *image = gh_catalog_lookup(mgr->catalog, s->image_id);
    const GhProfile *profile = image ? image->profile : NULL;
    g_autoptr(GStrvBuilder) read = g_strv_builder_new();
    g_autoptr(GStrvBuilder) write = g_strv_builder_new();
    g_autoptr(GHashTable) options = worker_start_options(mgr, s);
    g_autofree char *bus = NULL;

    st->choice.capture = s->capture;
    st->choice.stream = s->stream;
    st->choice.input = s->input;
    st->choice.audio = s->audio;
    st->choice.sound = profile && profile->sound != GH_SOUND_NONE;
    st->choice.pad_keys = profile ? profile->pad_keys : NULL;
    st->choice.options = options;
    st->info.session_id = s->id;
    st->info.image_id = s->image_id;
    st->info.width = profile ? profile->width : 0;
    st->info.height = profile ? profile->height : 0;
    st->info.refresh_hz = profile ? profile->refresh_hz : 0;
    st->info.vnc_socket = s->vnc_socket;
    /* The domain got the relay region when the image declares the path. */
    if (gh_domain_image_has_relay(image)) {
        st->info.relay_path = gh_domain_relay_path(s->id);
        /* QEMU creates it 0644: the session's frames are nobody else's. */
        if (chmod(st->info.relay_path, 0600) < 0 && errno != ENOENT)
            g_warning("session %s: cannot restrict %s: %s", s->id, st->info.relay_path, g_strerror(errno));
    }
    /* The domain got QEMU's D-Bus audio when the profile has sound; the
     * worker reaches it through a relay (the bus admits QEMU's uid alone). */
    if (st->choice.sound && (bus = gh_virt_dbus_socket(mgr->virt, s->domain_name)))
        st->info.dbus_socket = worker_start_dbus_relay(sp, s, bus);
    /* The domain got a USB channel per pad when the profile has a gamepad. */
    G_STATIC_ASSERT(GH_DOMAIN_PADS == GH_INPUT_MAX_PADS);
    for (guint i = 0; profile && profile->gamepad && i < GH_INPUT_MAX_PADS; i++)
        st->info.pad_socket[i] = gh_domain_pad_socket(s->dir, i);
    st->info.session_dir = s->dir;
    st->plugins = gh_plugin_registry_files(mgr->plugins);
    st->image_capture = image ? image->capture : NULL;
    st->watchdog_ms = mgr->config->watchdog_ms;
    st->log_level = mgr->config->log_level;
    worker_start_paths(mgr, st, read, write);
    st->read_paths = g_strv_builder_end(read);
    st->write_paths = g_strv_builder_end(write);
    worker_start_grant(sp, st);
    return gh_worker_start_to_variant(st);
}
