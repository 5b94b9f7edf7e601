/* ctl-cmd: what gamehostctl's commands share (ctl-cmd.h): the run's context
 * and its teardown, option parsing with the global options, and calls to the
 * daemon.  The commands are in ctl-cmd-host.c and ctl-cmd-sessions.c; main
 * and the command table in gamehostctl.c. */
#include <stdio.h>
#include <string.h>

#include "ctl-cmd.h"
#include "ctl-render.h"
#include "ctl-util.h"

#ifndef GH_CTL_VERSION
#define GH_CTL_VERSION "dev"
#endif

void
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
void
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

gboolean
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
gboolean
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

/* gh_ctl_parse_command_range with exactly n_args positional arguments. */
gboolean
gh_ctl_parse_command_full(GhCtl *ctl, const char *args, const char *summary, const char *description,
                          const GOptionEntry *entries, int *argc, char ***argv, int n_args, GError **error)
{
    return gh_ctl_parse_command_range(ctl, args, summary, description, entries, argc, argv, n_args, n_args,
                                      error);
}

/* gh_ctl_parse_command_full with no description. */
gboolean
gh_ctl_parse_command(GhCtl *ctl, const char *args, const char *summary, const GOptionEntry *entries,
                     int *argc, char ***argv, int n_args, GError **error)
{
    return gh_ctl_parse_command_full(ctl, args, summary, NULL, entries, argc, argv, n_args, error);
}

/* The token file the daemon generates, wherever this build put its state,
 * and the packaged location. */
static const char *const *
ctl_default_token_files(void)
{
#ifdef GH_LOCALSTATEDIR
    static const char *const files[] = { GH_LOCALSTATEDIR "/lib/gamehost/api-token",
                                         "/var/lib/gamehost/api-token", NULL };
#else
    static const char *const files[] = { "/var/lib/gamehost/api-token", NULL };
#endif
    return files;
}

/* Makes ctl->client from the global options and the environment. */
gboolean
gh_ctl_connect(GhCtl *ctl, gboolean streaming, GError **error)
{
    const char *url = gh_ctl_pick_url(ctl->url, g_getenv("GAMEHOST_URL"));
    guint timeout = streaming ? 0 : GH_CTL_DEFAULT_TIMEOUT_S;
    g_autofree char *base = NULL;
    g_autofree char *token = NULL;

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
                              ctl_default_token_files(), &token, error))
        return FALSE;
    ctl->client = gh_ctl_client_new(base, token, timeout, "gamehostctl/" GH_CTL_VERSION);
    if (token != NULL)
        memset(token, 0, strlen(token));
    return TRUE;
}

/* A call whose successful answer must be a JSON document. */
gboolean
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

/* Prints text to standard output and frees it; FALSE when text is NULL. */
gboolean
gh_ctl_print(char *text)
{
    g_autofree char *owned = text;

    if (owned == NULL)
        return FALSE;
    fputs(owned, stdout);
    fflush(stdout);
    return TRUE;
}

/* Prints reply as JSON with --json, else through render. */
gboolean
gh_ctl_show(GhCtl *ctl, JsonNode *reply, GhCtlRenderFunc render, GError **error)
{
    if (ctl->json)
        return gh_ctl_print(gh_ctl_render_json(reply));
    return gh_ctl_print(render(reply, error));
}

/* Connects, calls the daemon, and shows the reply. */
gboolean
gh_ctl_get_and_show(GhCtl *ctl, const char *method, const char *path, GhCtlRenderFunc render, GError **error)
{
    g_autoptr(JsonNode) reply = NULL;

    if (!gh_ctl_connect(ctl, FALSE, error) || !gh_ctl_call(ctl, method, path, NULL, NULL, &reply, error))
        return FALSE;
    return gh_ctl_show(ctl, reply, render, error);
}
