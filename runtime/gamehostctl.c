/* gamehostctl: the operator's command line for gamehostd's REST API.  Global
 * options, then a command with options of its own; each command is one call
 * (or a poll, or a stream) through ctl-http, printed through ctl-render. */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl-hostcheck.h"
#include "ctl-http.h"
#include "ctl-input.h"
#include "ctl-render.h"
#include "ctl-util.h"
#include "plugin.h"

#ifndef GH_CTL_VERSION
#define GH_CTL_VERSION "dev"
#endif

/* Starting a VM takes seconds; polling twice a second is quick enough to
 * feel immediate and slow enough not to load the daemon. */
#define GH_CTL_POLL_USEC (500 * 1000)

typedef struct {
    char *url;
    char *token;
    char *token_file;
    char *timeout;
    gboolean json;
    const char *command;   /* for the usage hint */
    GhCtlClient *client;
} GhCtl;

typedef gboolean (*GhCtlRunFunc)(GhCtl *ctl, int argc, char **argv, GError **error);

typedef struct {
    const char *name;
    const char *args;
    const char *summary;
    GhCtlRunFunc run;
} GhCtlCommand;

static void
gh_ctl_clear(GhCtl *ctl)
{
    g_free(ctl->url);
    if (ctl->token != NULL)
        memset(ctl->token, 0, strlen(ctl->token));
    g_free(ctl->token);
    g_free(ctl->token_file);
    g_free(ctl->timeout);
    ctl->client = gh_ctl_client_free(ctl->client);
}

/* The global options are accepted after the command too, so that
 * "gamehostctl sessions --json" works as well as "gamehostctl --json sessions". */
static void
gh_ctl_add_global_entries(GOptionContext *oc, GhCtl *ctl)
{
    const GOptionEntry entries[] = {
        { "url", 0, 0, G_OPTION_ARG_STRING, &ctl->url,
          "gamehostd's API (default: $GAMEHOST_URL, else " GH_CTL_DEFAULT_URL ")", "URL" },
        { "token", 0, 0, G_OPTION_ARG_STRING, &ctl->token,
          "API token (prefer $GAMEHOST_TOKEN or --token-file: arguments are visible to other users)", "TOKEN" },
        { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &ctl->token_file,
          "read the API token from FILE (its first line that is not a comment)", "FILE" },
        { "json", 0, 0, G_OPTION_ARG_NONE, &ctl->json, "print the daemon's JSON instead of tables", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_STRING, &ctl->timeout,
          "seconds to wait for each answer (default 30; 0: no limit; events: none unless given)", "SECONDS" },
        G_OPTION_ENTRY_NULL
    };

    g_option_context_add_main_entries(oc, entries, NULL);
}

static gboolean
gh_ctl_usage_error(GError *local, const char *command, GError **error)
{
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s%s%s", command ? command : "",
                command ? ": " : "", local->message);
    g_error_free(local);
    return FALSE;
}

/* Parses a command's options (argv[0] is the command's name) and leaves
 * min_args to max_args positional arguments in argv[1..]; description, if
 * any, ends the command's --help. */
static gboolean
gh_ctl_parse_command_range(GhCtl *ctl, const char *args, const char *summary, const char *description,
                           const GOptionEntry *entries, int *argc, char ***argv, int min_args, int max_args,
                           GError **error)
{
    g_autofree char *param = g_strdup_printf("%s%s%s", ctl->command, *args ? " " : "", args);
    g_autoptr(GOptionContext) oc = g_option_context_new(param);
    GError *local = NULL;

    g_option_context_set_summary(oc, summary);
    if (description != NULL)
        g_option_context_set_description(oc, description);
    if (entries != NULL)
        g_option_context_add_main_entries(oc, entries, NULL);
    gh_ctl_add_global_entries(oc, ctl);
    if (!g_option_context_parse(oc, argc, argv, &local))
        return gh_ctl_usage_error(local, ctl->command, error);
    if (*argc - 1 < min_args) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: missing %s", ctl->command, args);
        return FALSE;
    }
    if (*argc - 1 > max_args) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: unexpected argument '%s'", ctl->command,
                    (*argv)[max_args + 1]);
        return FALSE;
    }
    return TRUE;
}

static gboolean
gh_ctl_parse_command_full(GhCtl *ctl, const char *args, const char *summary, const char *description,
                          const GOptionEntry *entries, int *argc, char ***argv, int n_args, GError **error)
{
    return gh_ctl_parse_command_range(ctl, args, summary, description, entries, argc, argv, n_args, n_args,
                                      error);
}

static gboolean
gh_ctl_parse_command(GhCtl *ctl, const char *args, const char *summary, const GOptionEntry *entries,
                     int *argc, char ***argv, int n_args, GError **error)
{
    return gh_ctl_parse_command_full(ctl, args, summary, NULL, entries, argc, argv, n_args, error);
}

/* The token file the daemon generates, wherever this build put its state,
 * and the packaged location. */
static const char *const *
gh_ctl_default_token_files(void)
{
#ifdef GH_LOCALSTATEDIR
    static const char *const files[] = { GH_LOCALSTATEDIR "/lib/gamehost/api-token",
                                         "/var/lib/gamehost/api-token", NULL };
#else
    static const char *const files[] = { "/var/lib/gamehost/api-token", NULL };
#endif
    return files;
}

static gboolean
gh_ctl_connect(GhCtl *ctl, gboolean streaming, GError **error)
{
    const char *url = ctl->url ? ctl->url : g_getenv("GAMEHOST_URL");
    guint timeout = streaming ? 0 : GH_CTL_DEFAULT_TIMEOUT_S;
    g_autofree char *base = NULL;
    g_autofree char *token = NULL;

    if (url == NULL || *url == '\0')
        url = GH_CTL_DEFAULT_URL;
    base = gh_ctl_normalize_url(url, error);
    if (base == NULL)
        return FALSE;
    if (ctl->timeout != NULL && !gh_ctl_parse_timeout(ctl->timeout, &timeout, error))
        return FALSE;
    if (ctl->token != NULL && ctl->token_file != NULL) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "give --token or --token-file, not both");
        return FALSE;
    }
    if (!gh_ctl_resolve_token(ctl->token, g_getenv("GAMEHOST_TOKEN"), ctl->token_file,
                              gh_ctl_default_token_files(), &token, error))
        return FALSE;
    ctl->client = gh_ctl_client_new(base, token, timeout, "gamehostctl/" GH_CTL_VERSION);
    if (token != NULL)
        memset(token, 0, strlen(token));
    return TRUE;
}

/* A call whose successful answer must be a JSON document. */
static gboolean
gh_ctl_call(GhCtl *ctl, const char *method, const char *path, JsonNode *body, const char *idempotency_key,
            JsonNode **reply, GError **error)
{
    if (!gh_ctl_client_call(ctl->client, method, path, body, idempotency_key, reply, error))
        return FALSE;
    if (*reply == NULL) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                    "unexpected reply from gamehostd: %s %s returned no body", method, path);
        return FALSE;
    }
    return TRUE;
}

static gboolean
gh_ctl_print(char *text)
{
    g_autofree char *owned = text;

    if (owned == NULL)
        return FALSE;
    fputs(owned, stdout);
    fflush(stdout);
    return TRUE;
}

typedef char *(*GhCtlRenderFunc)(JsonNode *node, GError **error);

static gboolean
gh_ctl_show(GhCtl *ctl, JsonNode *reply, GhCtlRenderFunc render, GError **error)
{
    if (ctl->json)
        return gh_ctl_print(gh_ctl_render_json(reply));
    return gh_ctl_print(render(reply, error));
}

static char *
gh_ctl_render_session_now(JsonNode *node, GError **error)
{
    return gh_ctl_render_session(node, g_get_real_time(), error);
}

static char *
gh_ctl_render_sessions_now(JsonNode *node, GError **error)
{
    return gh_ctl_render_sessions(node, g_get_real_time(), error);
}

/* ---- commands ---------------------------------------------------------------- */

static gboolean
gh_ctl_get_and_show(GhCtl *ctl, const char *method, const char *path, GhCtlRenderFunc render, GError **error)
{
    g_autoptr(JsonNode) reply = NULL;

    if (!gh_ctl_connect(ctl, FALSE, error) || !gh_ctl_call(ctl, method, path, NULL, NULL, &reply, error))
        return FALSE;
    return gh_ctl_show(ctl, reply, render, error);
}

static gboolean
gh_ctl_cmd_host(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "", "Show the host's facts.", NULL, &argc, &argv, 0, error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "GET", "/v1/host", gh_ctl_render_host, error);
}

/* Local: reads this host (or a fixture root) and its libvirt, never the daemon. */
static gboolean
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

static gboolean
gh_ctl_cmd_gpus(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "", "List the host's GPUs: verdicts, reasons and claims.", NULL, &argc, &argv, 0,
                              error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "GET", "/v1/gpus", gh_ctl_render_gpus, error);
}

static gboolean
gh_ctl_cmd_drain(GhCtl *ctl, int argc, char **argv, GError **error)
{
    gboolean drain = g_str_equal(ctl->command, "drain");
    const char *summary = drain ? "Stop accepting new sessions; running ones go on." : "Accept new sessions again.";

    if (!gh_ctl_parse_command(ctl, "", summary, NULL, &argc, &argv, 0, error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "POST", drain ? "/v1/host/drain" : "/v1/host/undrain", gh_ctl_render_host,
                               error);
}

static gboolean
gh_ctl_cmd_images(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "", "List the game images, and manifests that failed to load.", NULL, &argc,
                              &argv, 0, error))
        return FALSE;
    return gh_ctl_get_and_show(ctl, "GET", "/v1/images", gh_ctl_render_images, error);
}

static gboolean
gh_ctl_cmd_image(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *path = NULL;

    if (!gh_ctl_parse_command(ctl, "ID", "Show one game image.", NULL, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("image id", argv[1], error))
        return FALSE;
    path = gh_ctl_path_with_id("/v1/images", argv[1]);
    return gh_ctl_get_and_show(ctl, "GET", path, gh_ctl_render_image, error);
}

static gboolean
gh_ctl_cmd_sessions(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *state = NULL;
    g_autofree char *path = NULL;
    const GOptionEntry entries[] = {
        { "state", 0, 0, G_OPTION_ARG_STRING, &state,
          "only sessions in state S (starting, running, stopping, stopped, failed)", "S" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "", "List sessions.", entries, &argc, &argv, 0, error))
        return FALSE;
    if (state != NULL && !gh_ctl_check_state(state, error))
        return FALSE;
    path = state ? g_strconcat("/v1/sessions?state=", state, NULL) : g_strdup("/v1/sessions");
    return gh_ctl_get_and_show(ctl, "GET", path, gh_ctl_render_sessions_now, error);
}

static gboolean
gh_ctl_cmd_show(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *path = NULL;

    if (!gh_ctl_parse_command(ctl, "ID", "Show one session.", NULL, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    return gh_ctl_get_and_show(ctl, "GET", path, gh_ctl_render_session_now, error);
}

/* Polls the session until gh_ctl_wait_check decides; *session is the last
 * one seen.  A session that disappears while stopping counts as stopped:
 * the daemon may forget stopped sessions. */
static gboolean
gh_ctl_wait(GhCtl *ctl, const char *goal, JsonNode **session, GhCtlWait *outcome, GError **error)
{
    g_autofree char *path = gh_ctl_path_with_id("/v1/sessions", gh_ctl_session_id(*session));

    while ((*outcome = gh_ctl_wait_check(goal, gh_ctl_session_state(*session))) == GH_CTL_WAIT_MORE) {
        JsonNode *next = NULL;
        GError *local = NULL;

        g_usleep(GH_CTL_POLL_USEC);
        if (!gh_ctl_call(ctl, "GET", path, NULL, NULL, &next, &local)) {
            if (g_str_equal(goal, "stopped") && gh_ctl_client_last_status(ctl->client) == 404) {
                g_autofree char *id = gh_ctl_sanitize(gh_ctl_session_id(*session));
                fprintf(stderr, "gamehostctl: session %s is gone: gamehostd no longer lists it\n", id);
                g_error_free(local);
                *outcome = GH_CTL_WAIT_REACHED;
                return TRUE;
            }
            g_propagate_error(error, local);
            return FALSE;
        }
        json_node_unref(*session);
        *session = next;
    }
    return TRUE;
}

/* Shows the session, then fails if it will not reach goal. */
static gboolean
gh_ctl_wait_and_show(GhCtl *ctl, const char *goal, JsonNode **session, GError **error)
{
    GhCtlWait outcome = GH_CTL_WAIT_REACHED;
    const char *reason;
    g_autofree char *id = NULL;
    g_autofree char *state = NULL;

    if (gh_ctl_session_id(*session) == NULL) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                            "unexpected reply from gamehostd: the session has no id");
        return FALSE;
    }
    if (!gh_ctl_wait(ctl, goal, session, &outcome, error) ||
        !gh_ctl_show(ctl, *session, gh_ctl_render_session_now, error))
        return FALSE;
    if (outcome == GH_CTL_WAIT_REACHED)
        return TRUE;
    id = gh_ctl_sanitize(gh_ctl_session_id(*session));
    state = gh_ctl_sanitize(gh_ctl_session_state(*session));
    if (g_strcmp0(state, "failed") != 0) {
        g_autofree char *is = g_strdup_printf("is %s", state ? state : "in an unknown state");
        g_free(state);
        state = g_steal_pointer(&is);
    }
    reason = gh_ctl_session_reason(*session);
    if (reason != NULL && *reason != '\0') {
        g_autofree char *why = gh_ctl_sanitize(reason);
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "session %s %s: %s", id, state, why);
    } else {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "session %s %s", id, state);
    }
    return FALSE;
}

static JsonNode *
gh_ctl_create_body(const char *image, GHashTable *labels)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(labels), (GCompareFunc) strcmp);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "image");
    json_builder_add_string_value(b, image);
    if (keys != NULL) {
        json_builder_set_member_name(b, "labels");
        json_builder_begin_object(b);
        for (GList *l = keys; l; l = l->next) {
            json_builder_set_member_name(b, l->data);
            json_builder_add_string_value(b, g_hash_table_lookup(labels, l->data));
        }
        json_builder_end_object(b);
    }
    json_builder_end_object(b);
    return json_builder_get_root(b);
}

static gboolean
gh_ctl_cmd_create(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_auto(GStrv) label_args = NULL;
    g_autofree char *key = NULL;
    gboolean wait = FALSE;
    g_autoptr(GHashTable) labels = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(JsonNode) body = NULL;
    g_autoptr(JsonNode) session = NULL;
    const GOptionEntry entries[] = {
        { "label", 0, 0, G_OPTION_ARG_STRING_ARRAY, &label_args, "attach label K=V (repeatable)", "K=V" },
        { "idempotency-key", 0, 0, G_OPTION_ARG_STRING, &key,
          "retrying with the same KEY returns the same session instead of a second one", "KEY" },
        { "wait", 0, 0, G_OPTION_ARG_NONE, &wait, "wait until the session runs (exit 1 if it fails)", NULL },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "IMAGE", "Create a session playing IMAGE.", entries, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("image id", argv[1], error) ||
        (key != NULL && !gh_ctl_check_idempotency_key(key, error)))
        return FALSE;
    for (guint i = 0; label_args && label_args[i]; i++)
        if (!gh_ctl_add_label(labels, label_args[i], error))
            return FALSE;
    body = gh_ctl_create_body(argv[1], labels);
    if (!gh_ctl_connect(ctl, FALSE, error) || !gh_ctl_call(ctl, "POST", "/v1/sessions", body, key, &session, error))
        return FALSE;
    if (!wait)
        return gh_ctl_show(ctl, session, gh_ctl_render_session_now, error);
    return gh_ctl_wait_and_show(ctl, "running", &session, error);
}

static gboolean
gh_ctl_cmd_stop(GhCtl *ctl, int argc, char **argv, GError **error)
{
    gboolean wait = FALSE;
    g_autofree char *path = NULL;
    g_autoptr(JsonNode) session = NULL;
    const GOptionEntry entries[] = {
        { "wait", 0, 0, G_OPTION_ARG_NONE, &wait, "wait until the session has stopped", NULL },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "ID", "Stop a session.", entries, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    if (!gh_ctl_connect(ctl, FALSE, error) || !gh_ctl_call(ctl, "DELETE", path, NULL, NULL, &session, error))
        return FALSE;
    if (!wait)
        return gh_ctl_show(ctl, session, gh_ctl_render_session_now, error);
    return gh_ctl_wait_and_show(ctl, "stopped", &session, error);
}

/* An event that cannot be shown is reported and skipped: one odd event
 * must not end an operator's watch. */
static gboolean
gh_ctl_print_event(const char *event, const char *data, G_GNUC_UNUSED const char *id, gpointer user_data)
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

static gboolean
gh_ctl_cmd_events(GhCtl *ctl, int argc, char **argv, GError **error)
{
    if (!gh_ctl_parse_command(ctl, "",
                              "Follow the event stream, one line per event (with --json: the event's JSON).",
                              NULL, &argc, &argv, 0, error) ||
        !gh_ctl_connect(ctl, TRUE, error))
        return FALSE;
    return gh_ctl_client_follow(ctl->client, "/v1/events", gh_ctl_print_event, ctl, error);
}

/* ---- plugins, input, frames --------------------------------------------------------- */

static gboolean
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
gh_ctl_drop_log(const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

/* Local: loads the file in this process with the daemon's own loader. */
static gboolean
gh_ctl_cmd_plugin_check(GhCtl *ctl, int argc, char **argv, GError **error)
{
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
                                G_LOG_LEVEL_DEBUG, gh_ctl_drop_log, NULL);
    gh_plugin_registry_load_file(reg, path, NULL);
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

static JsonNode *
gh_ctl_read_json_file(const char *file, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;

    if (strcmp(file, "-") == 0) {
        g_autoptr(GByteArray) buf = g_byte_array_new();
        guint8 chunk[8192];
        size_t n;

        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
            g_byte_array_append(buf, chunk, n);
        if (ferror(stdin)) {
            g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "cannot read standard input: %s",
                        g_strerror(errno));
            return NULL;
        }
        len = buf->len;
        text = (char *) g_byte_array_free(g_steal_pointer(&buf), FALSE);
    } else if (!g_file_get_contents(file, &text, &len, &local)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s", local->message);
        return NULL;
    }
    if (!json_parser_load_from_data(parser, text ? text : "", len, &local) || !json_parser_get_root(parser)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: not JSON: %s",
                    strcmp(file, "-") == 0 ? "standard input" : file, local ? local->message : "empty");
        return NULL;
    }
    return json_parser_steal_root(parser);
}

static gboolean
gh_ctl_cmd_input(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *body_file = NULL;
    g_autofree char *session_path = NULL;
    g_autofree char *path = NULL;
    g_autoptr(JsonNode) body = NULL;
    g_autoptr(JsonNode) reply = NULL;
    JsonObject *o;
    const GOptionEntry entries[] = {
        { "body", 0, 0, G_OPTION_ARG_FILENAME, &body_file,
          "send FILE ('-': standard input) as the request body instead of EVENTs", "FILE" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command_range(ctl, "ID EVENT…",
                                    "Send input events to a running session's input backend, in order.",
                                    "EVENT is one of:\n"
                                    "  key:KEY_NAME[:down|up|tap]     a key (default: tap, press then release)\n"
                                    "  button:BTN_NAME[:down|up|tap]  a mouse button (BTN_LEFT, BTN_RIGHT, ...)\n"
                                    "  rel:REL_X|REL_Y:DELTA          relative motion, -10000..10000\n"
                                    "  abs:ABS_X|ABS_Y:VALUE          absolute position, 0..32767\n"
                                    "  wheel:DELTA                    the wheel (REL_WHEEL)\n"
                                    "Names are Linux evdev names (KEY_LEFT, KEY_SPACE, BTN_LEFT). Pads and touch:\n"
                                    "--body with {\"events\": [...]} as docs/api.yaml describes.",
                                    entries, &argc, &argv, 1, G_MAXINT, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    if (body_file != NULL && argc > 2) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: give EVENTs or --body, not both", ctl->command);
        return FALSE;
    }
    if (body_file != NULL)
        body = gh_ctl_read_json_file(body_file, error);
    else if (argc > 2)
        body = gh_ctl_input_body((const char *const *) argv + 2, argc - 2, error);
    else
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "%s: missing EVENT", ctl->command);
    if (body == NULL)
        return FALSE;
    session_path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    path = g_strconcat(session_path, "/input", NULL);
    if (!gh_ctl_connect(ctl, FALSE, error) || !gh_ctl_call(ctl, "POST", path, body, NULL, &reply, error))
        return FALSE;
    if (ctl->json)
        return gh_ctl_print(gh_ctl_render_json(reply));
    o = JSON_NODE_HOLDS_OBJECT(reply) ? json_node_get_object(reply) : NULL;
    if (o == NULL || !json_object_has_member(o, "delivered")) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED,
                            "unexpected reply from gamehostd: no 'delivered' count");
        return FALSE;
    }
    printf("delivered %" G_GINT64_FORMAT " events\n", json_object_get_int_member(o, "delivered"));
    return TRUE;
}

static gboolean
gh_ctl_write_stdout(GBytes *bytes, GError **error)
{
    gsize len = 0;
    const void *data = g_bytes_get_data(bytes, &len);

    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "cannot write to standard output: %s",
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

static gboolean
gh_ctl_cmd_frame(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autofree char *out = NULL;
    g_autofree char *session_path = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GBytes) png = NULL;
    g_autoptr(GError) local = NULL;
    gboolean to_stdout;
    const GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "write the PNG to FILE ('-': standard output)", "FILE" },
        G_OPTION_ENTRY_NULL
    };

    if (!gh_ctl_parse_command(ctl, "ID", "Write a running session's current frame, as PNG, to standard output.",
                              entries, &argc, &argv, 1, error) ||
        !gh_ctl_check_id("session id", argv[1], error))
        return FALSE;
    to_stdout = out == NULL || strcmp(out, "-") == 0;
    if (out == NULL && isatty(STDOUT_FILENO)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE,
                    "%s: refusing to write PNG data to a terminal: redirect standard output or give -o FILE",
                    ctl->command);
        return FALSE;
    }
    session_path = gh_ctl_path_with_id("/v1/sessions", argv[1]);
    path = g_strconcat(session_path, "/frame", NULL);
    if (!gh_ctl_connect(ctl, FALSE, error) ||
        !gh_ctl_client_get_bytes(ctl->client, path, "image/png", &png, error))
        return FALSE;
    if (to_stdout)
        return gh_ctl_write_stdout(png, error);
    if (!g_file_set_contents(out, g_bytes_get_data(png, NULL), g_bytes_get_size(png), &local)) {
        g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_FAILED, "%s", local->message);
        return FALSE;
    }
    return TRUE;
}

/* ---- main ------------------------------------------------------------------------ */

static const GhCtlCommand gh_ctl_commands[] = {
    { "host check", "[--sysfs-root DIR] [--uri URI] [--config FILE]",
      "check KVM, IOMMU, vfio, hugepages, libvirt, GPUs (local; exit 1 on FAIL)", gh_ctl_cmd_host_check },
    { "plugin check", "FILE.so", "load a plugin as gamehostd would, print the verdict (local; exit 1 if refused)",
      gh_ctl_cmd_plugin_check },
    { "host", "", "show host facts", gh_ctl_cmd_host },
    { "gpus", "", "list GPUs with verdicts and claims", gh_ctl_cmd_gpus },
    { "drain", "", "stop accepting new sessions", gh_ctl_cmd_drain },
    { "undrain", "", "resume accepting new sessions", gh_ctl_cmd_drain },
    { "images", "", "list images (and invalid manifests)", gh_ctl_cmd_images },
    { "image", "ID", "show one image", gh_ctl_cmd_image },
    { "sessions", "[--state S]", "list sessions", gh_ctl_cmd_sessions },
    { "create", "IMAGE [--label K=V]... [--idempotency-key KEY] [--wait]", "create a session", gh_ctl_cmd_create },
    { "show", "ID", "show one session", gh_ctl_cmd_show },
    { "stop", "ID [--wait]", "stop a session", gh_ctl_cmd_stop },
    { "input", "ID EVENT... | ID --body FILE", "send input events (key:KEY_LEFT, rel:REL_X:-5, ...)",
      gh_ctl_cmd_input },
    { "frame", "ID [-o FILE]", "write the session's current frame as PNG", gh_ctl_cmd_frame },
    { "plugins", "", "list plugins and their backends (and refused files)", gh_ctl_cmd_plugins },
    { "events", "", "follow the event stream", gh_ctl_cmd_events },
};

/* How many of argv's words name the command ("host check" is two), 0 if
 * they do not; two-word commands come first in the table. */
static int
gh_ctl_command_matches(const char *name, int argc, char **argv)
{
    const char *space = strchr(name, ' ');

    if (space == NULL)
        return g_str_equal(argv[0], name) ? 1 : 0;
    if (argc < 2 || strlen(argv[0]) != (size_t) (space - name) || strncmp(argv[0], name, space - name) != 0 ||
        !g_str_equal(argv[1], space + 1))
        return 0;
    return 2;
}

static char *
gh_ctl_commands_help(void)
{
    GString *out = g_string_new("Commands:\n");

    for (guint i = 0; i < G_N_ELEMENTS(gh_ctl_commands); i++) {
        g_autofree char *usage = g_strdup_printf("%s %s", gh_ctl_commands[i].name, gh_ctl_commands[i].args);
        if (strlen(usage) > 28)
            g_string_append_printf(out, "  %s\n  %-28s %s\n", usage, "", gh_ctl_commands[i].summary);
        else
            g_string_append_printf(out, "  %-28s %s\n", usage, gh_ctl_commands[i].summary);
    }
    g_string_append(out, "\n'gamehostctl COMMAND --help' shows a command's options.\n"
                         "Exit status: 0 done, 1 the daemon refused or the session failed (host check:\n"
                         "a check failed; plugin check: the plugin was refused), 2 the daemon could not\n"
                         "be reached, 64 usage error.");
    return g_string_free(out, FALSE);
}

static gboolean
gh_ctl_run(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autoptr(GOptionContext) oc = g_option_context_new("COMMAND [ARGS…]");
    g_autofree char *help = gh_ctl_commands_help();
    gboolean version = FALSE;
    const GOptionEntry entries[] = {
        { "version", 0, 0, G_OPTION_ARG_NONE, &version, "print the version and exit", NULL },
        G_OPTION_ENTRY_NULL
    };
    GError *local = NULL;

    g_option_context_set_summary(oc, "Drive gamehostd, the cloud-gaming host runtime, through its API.");
    g_option_context_set_description(oc, help);
    g_option_context_add_main_entries(oc, entries, NULL);
    gh_ctl_add_global_entries(oc, ctl);
    /* Stop at the command: what follows is parsed by the command. */
    g_option_context_set_strict_posix(oc, TRUE);
    if (!g_option_context_parse(oc, &argc, &argv, &local))
        return gh_ctl_usage_error(local, NULL, error);
    if (version) {
        printf("gamehostctl %s\n", GH_CTL_VERSION);
        return TRUE;
    }
    if (argc < 2) {
        g_set_error_literal(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "no command given");
        return FALSE;
    }
    for (guint i = 0; i < G_N_ELEMENTS(gh_ctl_commands); i++) {
        int words = gh_ctl_command_matches(gh_ctl_commands[i].name, argc - 1, argv + 1);
        if (words > 0) {
            ctl->command = gh_ctl_commands[i].name;
            return gh_ctl_commands[i].run(ctl, argc - words, argv + words, error);
        }
    }
    g_set_error(error, GH_CTL_ERROR, GH_CTL_ERROR_USAGE, "unknown command '%s'", argv[1]);
    return FALSE;
}

int
main(int argc, char **argv)
{
    GhCtl ctl = { 0 };
    g_autoptr(GError) error = NULL;
    int status;

    setlocale(LC_ALL, "");
    g_set_prgname("gamehostctl");
    if (!gh_ctl_run(&ctl, argc, argv, &error)) {
        fprintf(stderr, "gamehostctl: %s\n", error->message);
        if (gh_ctl_exit_code(error) == GH_CTL_EXIT_USAGE)
            fprintf(stderr, "Try 'gamehostctl%s%s --help' for more information.\n", ctl.command ? " " : "",
                    ctl.command ? ctl.command : "");
    }
    status = gh_ctl_exit_code(error);
    gh_ctl_clear(&ctl);
    return status;
}
