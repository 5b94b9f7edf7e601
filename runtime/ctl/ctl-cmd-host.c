/* ctl-cmd-host: gamehostctl's commands about the host and what it offers:
 * host facts, drain, GPUs, images, plugins and the event stream, plus the
 * two local checks (host check, plugin check) that need no daemon. */
#include <stdio.h>

#include "conf/config.h"
#include "ctl-cmd.h"
#include "ctl-hostcheck.h"
#include "ctl-render.h"
#include "ctl-util.h"
#include "plugin/plugin-registry.h"
#include "plugin/plugin-scan.h"

gboolean
gh_ctl_cmd_host(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "", "Show the host's facts.", NULL, &argc, &argv, 0, error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "GET", "/v1/host", gh_ctl_render_host, error);
}

/* Local: reads this host (or a fixture root) and its libvirt, never the daemon. */
gboolean
gh_ctl_cmd_host_check(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *root_opt = NULL;
    g_autofree char *uri_opt = NULL;
    g_autofree char *config_path = NULL;
    g_autoptr(GhConfig) config = NULL;
    g_autoptr(GhHostCheckReport) report = NULL;
    guint failed;
    const GOptionEntry entries[] = {
        { "sysfs-root", 0, 0, G_OPTION_ARG_FILENAME, &root_opt,
          "read sys/ and proc/ below DIR (default: the config's [gpu] sysfs_root, else /); "
          "the KVM test VM runs only when DIR is /", "DIR" },
        { "uri", 0, 0, G_OPTION_ARG_STRING, &uri_opt,
          "libvirt URI to check (default: the config's [libvirt] uri, else " GH_HOST_CHECK_DEFAULT_URI ")", "URI" },
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
          "gamehostd's config file, for the libvirt URI and the GPU allowlist ([gpu.ALIAS] groups)", "FILE" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command_full(ctl, "",
                                   "Check that this host can run sessions with GPUs: KVM, the IOMMU, vfio, "
                                   "hugepages,\nlibvirt and each GPU's verdict, one PASS/WARN/FAIL line each. "
                                   "Needs no gamehostd.",
                                   "Exit status: 0 when no check fails (warnings allowed), 1 when any check fails "
                                   "or the\nconfig cannot be read, 64 usage error.",
                                   entries, &argc, &argv, 0, error))
        return FALSE;
    if (config_path != NULL && (config = gh_config_load(config_path, error)) == NULL)
        return FALSE;
    report = gh_host_check_run(gh_host_check_pick_root(root_opt, config), gh_host_check_pick_uri(uri_opt, config),
                               gh_host_check_config_allowlist(config));
    if (ctl->json) {
        g_autoptr(JsonNode) node = gh_host_check_to_json(report);
        gh_ctl_print(gh_ctl_render_json(node));
    } else {
        gh_ctl_print(gh_host_check_render(report));
    }
    failed = gh_host_check_report_count(report, GH_HOST_CHECK_FAIL);
    if (failed > 0) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%u %s failed", failed,
                    failed == 1 ? "check" : "checks");
        return FALSE;
    }
    return TRUE;
}

gboolean
gh_ctl_cmd_gpus(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "", "List the host's GPUs: verdicts, reasons and claims.", NULL, &argc, &argv, 0,
                              error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "GET", "/v1/gpus", gh_ctl_render_gpus, error);
}

gboolean
gh_ctl_cmd_drain(GhCtl *ctl, int argc, char **argv, GError **error)
{
    gboolean drain = g_str_equal(ctl->command, "drain");
    const char *summary = drain ? "Stop accepting new sessions; running ones go on." : "Accept new sessions again.";

    if (!gh_ctl_parse_command(ctl, "", summary, NULL, &argc, &argv, 0, error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "POST", drain ? "/v1/host/drain" : "/v1/host/undrain", gh_ctl_render_host,
                               error);
}

gboolean
gh_ctl_cmd_images(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "", "List the game images, and manifests that failed to load.", NULL, &argc,
                              &argv, 0, error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "GET", "/v1/images", gh_ctl_render_images, error);
}

gboolean
gh_ctl_cmd_image(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *path = NULL;

    if (!gh_ctl_parse_command(ctl, "ID", "Show one game image.", NULL, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("image id", argv[1], error))
        return FALSE;
    path = gh_ctl_path_with_id("/v1/images", argv[1]);
    return gh_ctl_get_and_show(ctl, "GET", path, gh_ctl_render_image, error);
}

/* An event that cannot be shown is reported and skipped: one odd event
 * must not end an operator's watch. */
static gboolean
ctl_print_event(const char *event, const char *data, G_GNUC_UNUSED const char *id, gpointer user_data)
{
    GhCtl *ctl = user_data;
    g_autoptr(GError) local = NULL;
    char *line = gh_ctl_render_event(event, data, g_get_real_time(), ctl->json, &local);

    if (line == NULL)
        fprintf(stderr, "gamehostctl: skipping an event: %s\n", local->message);
    else
        gh_ctl_print(line);
    return TRUE;
}

gboolean
gh_ctl_cmd_events(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "",
                              "Follow the event stream, one line per event (with --json: the event's JSON).",
                              NULL, &argc, &argv, 0, error) ||
        !gh_ctl_connect(ctl, TRUE, error))
        return FALSE;
    return gh_ctl_client_follow(ctl->client, "/v1/events", ctl_print_event, ctl, error);
}

/* ---- plugins ---------------------------------------------------------------------- */

gboolean
gh_ctl_cmd_plugins(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "", "List the daemon's plugins, one row per backend, then the files it refused.",
                              NULL, &argc, &argv, 0, error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "GET", "/v1/plugins", gh_ctl_render_plugins, error);
}

/* The loader logs each refusal for the daemon's journal; here the verdict
 * is the output, so the log line would only repeat it. */
static void
ctl_drop_log(const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

/* Local: the daemon's own scanner loads the file in a process of its own,
 * so a plugin that crashes while loading is refused with the reason. */
gboolean
gh_ctl_cmd_plugin_check(GhCtl *ctl, int argc, char **argv, GError **error)
{
    const GhPluginScanOptions opts = { .scanner = gh_plugin_scan_scanner() };
    g_autoptr(GhPluginRegistry) reg = NULL;
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    gboolean ok = FALSE;
    guint handler;

    if (!gh_ctl_parse_command_full(ctl, "FILE.so",
                                   "Load a plugin exactly as gamehostd would (ABI version, struct sizes, required ops,\n"
                                   "backend names) and print the verdict: OK with its backends, or REFUSED and why.\n"
                                   "Needs no gamehostd; with --json, prints the registry's JSON.",
                                   "Exit status: 0 the plugin loads, 1 it is refused, 64 usage error.",
                                   NULL, &argc, &argv, 1, error))
        return FALSE;
    /* dlopen searches the library path for a bare name: always give it a path. */
    path = g_canonicalize_filename(argv[1], NULL);
    reg = gh_plugin_registry_new();
    handler = g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO |
                                G_LOG_LEVEL_DEBUG, ctl_drop_log, NULL);
    gh_plugin_scan_file(reg, path, &opts, NULL);
    g_log_remove_handler(G_LOG_DOMAIN, handler);
    node = gh_plugin_registry_to_json(reg);
    text = gh_ctl_render_plugin_check(argv[1], node, &ok, error);
    if (text == NULL)
        return FALSE;
    gh_ctl_print(ctl->json ? gh_ctl_render_json(node) : g_steal_pointer(&text));
    if (!ok) {
        g_autofree char *shown = gh_ctl_sanitize(argv[1]);
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s was refused", shown);
        return FALSE;
    }
    return TRUE;
}
