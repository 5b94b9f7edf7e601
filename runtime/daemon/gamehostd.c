/* gamehostd: the game-server daemon.  Wires the modules together: config →
 * plugins (scanned in subprocesses, the config's backend groups checked
 * against them; gamehostd itself loads none: each running session's run in
 * a gamehost-worker of its own) → libvirt
 * connection → image catalog → sessions (QEMU's reach of their dirs checked;
 * restored, adopting running VMs) → REST API, then runs the main loop until
 * SIGINT/SIGTERM.  VMs outlive the daemon; stopping it never stops a
 * session. */

#include <glib-unix.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "api/api.h"
#include "conf/config.h"
#include "conf/catalog.h"
#include "plugin/plugin-registry.h"
#include "util/log-stderr.h"
#include "plugin/plugin-scan.h"
#include "session/session.h"
#include "virt/virt.h"

static gboolean
gamehostd_quit(gpointer loop)
{
    g_message("signal received: exiting; sessions keep running and are adopted at the next start");
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

static void
gamehostd_on_signal(GMainContext *context, int signum, GMainLoop *loop)
{
    g_autoptr(GSource) src = g_unix_signal_source_new(signum);

    g_source_set_callback(src, gamehostd_quit, loop, NULL);
    g_source_attach(src, context);
}

/* The host's GPUs with their verdicts; none (a warning) when sysfs cannot be
 * read, since a host without GPUs still serves emulated-display sessions. */
static GhGpuInventory *
gamehostd_scan_gpus(const GhConfig *config)
{
    g_autoptr(GError) err = NULL;
    GhGpuInventory *inv = gh_gpu_inventory_scan(config->gpu_sysfs_root, config->gpu_allow, &err);
    guint assignable = 0;

    if (!inv) {
        g_warning("no GPU inventory: %s", err->message);
        return NULL;
    }
    for (guint i = 0; i < inv->devices->len; i++) {
        const GhGpuDevice *d = inv->devices->pdata[i];
        assignable += d->verdict == GH_GPU_ASSIGNABLE;
        g_message("gpu %s %04x:%04x: %s", d->address, d->vendor, d->device, d->reason);
    }
    g_message("%u GPUs, %u assignable", inv->devices->len, assignable);
    return inv;
}

/* Plugins from the built-in dir, then the configured ones, each read by
 * gamehost-plugin-scanner in a process of its own (or taken from
 * <state_dir>/plugin-cache.json): a plugin that crashes or hangs while
 * loading is refused (logged with its file and reason) and never stops the
 * daemon.  The registry holds descriptors only. */
static GhPluginRegistry *
gamehostd_scan_plugins(const GhConfig *config)
{
    g_autofree char *cache = g_build_filename(config->state_dir, "plugin-cache.json", NULL);
    GhPluginScanStats stats;
    GhPluginRegistry *reg = gh_plugin_scan((const char *const *)config->plugin_dirs, gh_plugin_scan_scanner(),
                                           cache, &stats);
    const GPtrArray *plugins = gh_plugin_registry_plugins(reg);
    guint backends = 0;

    for (guint i = 0; i < plugins->len; i++)
        backends += ((const GhPlugin *)plugins->pdata[i])->backends->len;
    g_message("%u plugins loaded (%u backends), %u refused; %u of %u files from the plugin cache", plugins->len,
              backends, stats.refused, stats.cache_hits, stats.files);
    return reg;
}

static gboolean
gamehostd_backend_loaded(const char *name, gpointer registry)
{
    return gh_plugin_registry_lookup(registry, name) != NULL;
}

/* QEMU opens its files in the session dirs by path, as libvirt-qemu when
 * gamehostd runs as root (session.c gives it the session dirs): a state dir
 * it cannot traverse would fail every session with "Permission denied". */
static gboolean
gamehostd_check_qemu_reach(const GhConfig *config, GError **error)
{
    g_autofree char *sessions = g_build_filename(config->state_dir, "sessions", NULL);
    struct passwd *pw = getuid() == 0 ? getpwnam(GH_VIRT_QEMU_USER) : NULL;
    g_autoptr(GError) err = NULL;

    if (!pw || gh_virt_check_qemu_reach(sessions, pw->pw_uid, pw->pw_gid, &err))
        return TRUE;
    if (g_error_matches(err, GH_VIRT_ERROR, GH_VIRT_ERROR_REACH))
        g_set_error(error, GH_VIRT_ERROR, GH_VIRT_ERROR_REACH,
                    "[daemon] state_dir %s: %s (or choose another state_dir); as it is, every session "
                    "would fail with \"Permission denied\"",
                    config->state_dir, err->message);
    else
        g_set_error(error, err->domain, err->code, "[daemon] state_dir %s: %s", config->state_dir, err->message);
    return FALSE;
}

static GhCatalog *
gamehostd_load_catalog(const GhConfig *config, GError **error)
{
    g_autofree char *schema_dir = g_build_filename(config->data_dir, "schema", NULL);
    GhCatalog *catalog = gh_catalog_load(schema_dir, (const char *const *)config->profile_dirs,
                                         (const char *const *)config->image_dirs, error);
    const GPtrArray *problems;

    if (!catalog)
        return NULL;
    problems = gh_catalog_problems(catalog);
    for (guint i = 0; i < problems->len; i++) {
        const GhImageProblem *p = problems->pdata[i];
        g_warning("image skipped: %s:%d: %s", p->file, p->line, p->reason);
    }
    g_message("%u images in the catalog", gh_catalog_images(catalog)->len);
    return catalog;
}

int
main(int argc, char **argv)
{
    g_autofree char *config_path = NULL;
    gboolean version = FALSE;
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Config file (INI)", "FILE" },
        { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) opts = g_option_context_new("- gamehost game-server daemon");
    g_autoptr(GError) err = NULL;
    g_autoptr(GhConfig) config = NULL;
    g_autoptr(GhVirt) virt = NULL;
    g_autoptr(GhCatalog) catalog = NULL;
    g_autoptr(GhPluginRegistry) plugins = NULL; /* scanned, none loaded here; outlives the sessions */
    g_autoptr(GhGpuInventory) gpus = NULL;
    g_autoptr(GhGpuClaims) claims = NULL;     /* refers to gpus */
    g_autoptr(GhSessionManager) sessions = NULL; /* refers to claims: freed first */
    g_auto(GStrv) tokens = NULL;
    g_autoptr(GMainLoop) loop = NULL;
    g_autofree char *token_path = NULL;
    GhApi *api = NULL;

    setlocale(LC_ALL, "");
    /* libvirt's RPC and plugins write sockets whose peer may be gone. */
    signal(SIGPIPE, SIG_IGN);
    /* Our loop runs on a context of its own: libvirt's event thread iterates
     * the global default one. */
    g_autoptr(GMainContext) context = g_main_context_new();
    g_main_context_push_thread_default(context);
    g_option_context_add_main_entries(opts, entries, NULL);
    if (!g_option_context_parse(opts, &argc, &argv, &err)) {
        fprintf(stderr, "gamehostd: %s\n", err->message);
        return 64;
    }
    if (version) {
        printf("gamehostd %s\n", PACKAGE_VERSION);
        return 0;
    }
    config = config_path ? gh_config_load(config_path, &err) : gh_config_new_default();
    if (!config) {
        fprintf(stderr, "gamehostd: %s\n", err->message);
        return 78;
    }
    gh_log_stderr_init("gamehostd", config->log_level);
    /* Before anything else is opened or written (the plugin cache aside):
     * [BACKEND] groups of the config are checked against the backends. */
    plugins = gamehostd_scan_plugins(config);
    if (!gh_config_check_backend_groups(config, gamehostd_backend_loaded, plugins, &err)) {
        fprintf(stderr, "gamehostd: %s\n", err->message);
        return 78;
    }
    token_path = gh_config_token_path(config);
    if (!(tokens = gh_config_load_tokens(config, &err)) ||
        !(virt = gh_virt_open(config->libvirt_uri, config->state_dir, config->domain_type, NULL, &err)) ||
        !(catalog = gamehostd_load_catalog(config, &err)) ||
        !(sessions = gh_session_manager_new(config, virt, catalog, &err)) ||
        !gamehostd_check_qemu_reach(config, &err))
        goto fail;
    gpus = gamehostd_scan_gpus(config);
    claims = gpus ? gh_gpu_claims_new(gpus) : NULL;
    gh_session_manager_set_gpus(sessions, claims);
    if (!gh_session_manager_set_plugins(sessions, plugins, &err) || !gh_session_manager_restore(sessions, &err))
        goto fail;
    g_message("libvirt %s, domain type %s", gh_virt_uri(virt), gh_virt_domain_type(virt));

    GhApiDeps deps = {
        .config = config, .sessions = sessions, .catalog = catalog, .virt = virt,
        .tokens = (const char *const *)tokens, .version = PACKAGE_VERSION,
        .gpus = gpus, .gpu_claims = claims, .plugins = plugins,
    };
    if (!(api = gh_api_new(&deps, &err)) || !gh_api_listen(api, config->listen_host, config->listen_port, &err))
        goto fail;
    g_message("API on http://%s:%u/ (token in %s)", config->listen_host, gh_api_port(api), token_path);

    loop = g_main_loop_new(context, FALSE);
    gamehostd_on_signal(context, SIGINT, loop);
    gamehostd_on_signal(context, SIGTERM, loop);
    g_main_loop_run(loop);
    gh_api_free(api);
    return 0;

fail:
    g_critical("%s", err->message);
    gh_api_free(api);
    return 1;
}
