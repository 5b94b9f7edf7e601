/* session-workers: what the manager keeps for the sessions' plugin
 * workers as a whole: how they start (the unprivileged user, its HOME,
 * the environment they get) and their deaths (counted per backend and
 * signal for /metrics, told to subscribers for the SSE stream).  One
 * worker's life is session-pipeline.c's. */
#include <errno.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "session-private.h"
#include "util/json-util.h"

/* Variables a worker inherits: GLib's and GStreamer's debugging, the
 * sanitizers' options; nothing else of the daemon's (no token, no path
 * of its state). */
static const char *const workers_env_prefixes[] = { "G_", "GST_", "ASAN_", "UBSAN_", "LSAN_", "LANG", "LC_",
                                                      "GH_TEST_", NULL };

static void
workers_env_add(GStrvBuilder *b, const char *name, const char *value)
{
    g_autofree char *var = g_strconcat(name, value, NULL);

    g_strv_builder_add(b, var);
}

static GStrv
workers_env(const char *home)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_auto(GStrv) all = g_get_environ();
    g_autofree char *registry = g_build_filename(home, "gstreamer-registry.bin", NULL);

    for (gsize i = 0; all[i]; i++)
        for (gsize p = 0; workers_env_prefixes[p]; p++)
            if (g_str_has_prefix(all[i], workers_env_prefixes[p]) && !g_str_has_prefix(all[i], "GST_REGISTRY=") &&
                !g_str_has_prefix(all[i], "ASAN_OPTIONS=")) {
                g_strv_builder_add(b, all[i]);
                break;
            }
#if defined(__SANITIZE_ADDRESS__)
    /* A sanitizer build's worker: a plugin's SIGSEGV must reach the daemon
     * as the signal it is, not as ASan's report and exit status 1. */
    {
        const char *asan = g_getenv("ASAN_OPTIONS");
        g_autofree char *opts = g_strconcat(asan && *asan ? asan : "", asan && *asan ? ":" : "", "handle_segv=0", NULL);
        workers_env_add(b, "ASAN_OPTIONS=", opts);
    }
#endif
    workers_env_add(b, "HOME=", home);
    workers_env_add(b, "XDG_CACHE_HOME=", home);
    /* One registry for every worker: scanned once, not per session. */
    workers_env_add(b, "GST_REGISTRY=", registry);
    g_strv_builder_add(b, "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
    return g_strv_builder_end(b);
}

gboolean
gh_session_workers_init(GhSessionManager *mgr, GError **error)
{
    const GhConfig *config = mgr->config;
    GhWorkerSandbox *sb = &mgr->worker_sandbox;

    memset(sb, 0, sizeof *sb);
    /* Only root can become another user; anyone else's workers run as
     * themselves, still with no_new_privs, the limits and Landlock. */
    sb->switch_user = geteuid() == 0 && !config->worker_keep_user;
    if (sb->switch_user && !gh_worker_sandbox_user(config->plugin_user, &sb->uid, &sb->gid, error))
        return FALSE;
#if !defined(__SANITIZE_ADDRESS__)
    /* ASan reserves terabytes of address space: no limit under it. */
    sb->memory_bytes = config->worker_memory;
#endif
    sb->open_files = config->worker_open_files;
    g_free(mgr->worker_home);
    mgr->worker_home = g_build_filename(config->state_dir, "worker", NULL);
    if (g_mkdir_with_parents(mgr->worker_home, 0700) < 0 ||
        (sb->switch_user && chown(mgr->worker_home, sb->uid, sb->gid) < 0)) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "cannot prepare %s for the plugin workers: %s",
                    mgr->worker_home, g_strerror(errno));
        return FALSE;
    }
    g_strfreev(mgr->worker_env);
    mgr->worker_env = workers_env(mgr->worker_home);
    g_message("plugins run in one worker per session, as %s (%s)", sb->switch_user ? config->plugin_user : g_get_user_name(),
              config->worker_path);
    return TRUE;
}

/* ---- deaths ------------------------------------------------------------------ */

void
gh_session_crash_clear(GhSessionCrash *crash)
{
    g_free(crash->summary);
    g_free(crash->backend);
    g_free(crash->op);
    memset(crash, 0, sizeof *crash);
}

JsonNode *
gh_session_crash_json(const GhSessionCrash *crash)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    char sig[16];

    json_builder_begin_object(b);
    gh_json_add_time(b, "at", crash->at);
    gh_json_add_string(b, "summary", crash->summary);
    gh_json_add_string(b, "backend", crash->backend);
    gh_json_add_string(b, "op", crash->op);
    gh_json_add_string(b, "signal", crash->signal ? gh_worker_signal_name(crash->signal, sig) : NULL);
    gh_json_add_string(b, "kind", crash->cut_off ? "cut_off" : crash->hang ? "hang" : crash->signal ? "signal" : "exit");
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

void
gh_session_worker_crashed(GhSessionManager *mgr, const char *id, const GhSessionCrash *crash, guint64 count)
{
    char sig[16];
    g_autofree char *key = g_strdup_printf("%s\n%s", crash->backend ? crash->backend : "",
                                           crash->signal  ? gh_worker_signal_name(crash->signal, sig)
                                           : crash->hang  ? "hang"
                                           : crash->cut_off ? "cut_off"
                                                          : "exit");
    guint64 *n = g_hash_table_lookup(mgr->crash_counts, key);
    GhSession *s = g_hash_table_lookup(mgr->sessions, id);
    GHashTableIter it;
    gpointer value;

    if (!n) {
        n = g_new0(guint64, 1);
        g_hash_table_insert(mgr->crash_counts, g_steal_pointer(&key), n);
    }
    (*n)++;
    mgr->worker_crashes++;
    if (!s)
        return;
    g_hash_table_iter_init(&it, mgr->crash_subscribers);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        CrashSubscriber *sub = value;
        sub->fn(s, crash, count, sub->data);
    }
}

guint
gh_session_manager_subscribe_crashes(GhSessionManager *mgr, GhSessionCrashFunc fn, gpointer user_data)
{
    CrashSubscriber *sub = g_new0(CrashSubscriber, 1);

    sub->fn = fn;
    sub->data = user_data;
    g_hash_table_insert(mgr->crash_subscribers, GUINT_TO_POINTER(++mgr->next_subscriber), sub);
    return mgr->next_subscriber;
}

void
gh_session_manager_foreach_crash(GhSessionManager *mgr,
                                 void (*fn)(const char *backend, const char *signal, guint64 n, gpointer data),
                                 gpointer data)
{
    g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(mgr->crash_counts), (GCompareFunc)g_strcmp0);

    for (GList *l = keys; l; l = l->next) {
        g_auto(GStrv) parts = g_strsplit(l->data, "\n", 2);
        fn(parts[0], parts[1], *(guint64 *)g_hash_table_lookup(mgr->crash_counts, l->data), data);
    }
}
