/* gamehostctl: the operator's command line for gamehostd's REST API.  Global
 * options, then a command with options of its own; each command is one call
 * (or a poll, or a stream) through ctl-http, printed through ctl-render.
 * This file holds main, the global options and the command table; the
 * commands are in ctl-cmd-host.c and ctl-cmd-sessions.c. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ctl-cmd.h"
#include "ctl-render.h"
#include "ctl-util.h"

#ifndef GH_CTL_VERSION
#define GH_CTL_VERSION "dev"
#endif

typedef gboolean (*GhCtlRunFunc)(GhCtl *ctl, int argc, char **argv, GError **error);

typedef struct {
    const char *name;
    const char *args;
    const char *summary;
    GhCtlRunFunc run;
} GhCtlCommand;

/* ---- main ------------------------------------------------------------------------ */

static const GhCtlCommand ctl_commands[] = {
    { "host check", "[--sysfs-root DIR] [--uri URI] [--config FILE]",
      "check KVM, IOMMU, vfio, hugepages, libvirt, GPUs (local; exit 1 on FAIL)", gh_ctl_cmd_host_check },
    { "plugin check", "FILE.so", "load a plugin as gamehostd would, print the verdict (local; exit 1 if refused)",
      gh_ctl_cmd_plugin_check },
    { "image build", "SPEC [--output DIR] [--cache DIR] [--agent FILE] [--guest DIR] [--profiles DIR] [--suite NAME]",
      "build a game image from a spec and Debian packages (local; root)", gh_ctl_cmd_image_build },
    { "host", "", "show host facts", gh_ctl_cmd_host },
    { "gpus", "", "list GPUs with verdicts and claims", gh_ctl_cmd_gpus },
    { "drain", "", "stop accepting new sessions", gh_ctl_cmd_drain },
    { "undrain", "", "resume accepting new sessions", gh_ctl_cmd_drain },
    { "images", "", "list images (and invalid manifests)", gh_ctl_cmd_images },
    { "image", "ID", "show one image", gh_ctl_cmd_image },
    { "sessions", "[--state S]", "list sessions", gh_ctl_cmd_sessions },
    { "create", "IMAGE [--capture|--stream|--input BACKEND]... [--label K=V]... [--wait]",
      "create a session (--help: backend options, idempotency key)", gh_ctl_cmd_create },
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
ctl_command_matches(const char *name, int argc, char **argv)
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
ctl_commands_help(void)
{
    GString *out = g_string_new("Commands:\n");

    for (guint i = 0; i < G_N_ELEMENTS(ctl_commands); i++) {
        g_autofree char *usage = g_strdup_printf("%s %s", ctl_commands[i].name, ctl_commands[i].args);
        if (strlen(usage) > 28)
            g_string_append_printf(out, "  %s\n  %-28s %s\n", usage, "", ctl_commands[i].summary);
        else
            g_string_append_printf(out, "  %-28s %s\n", usage, ctl_commands[i].summary);
    }
    g_string_append(out, "\n'gamehostctl COMMAND --help' shows a command's options.\n"
                         "Exit status: 0 done, 1 the daemon refused or the session failed (host check:\n"
                         "a check failed; plugin check: the plugin was refused), 2 the daemon could not\n"
                         "be reached, 64 usage error.");
    return g_string_free(out, FALSE);
}

static gboolean
ctl_run(GhCtl *ctl, int argc, char **argv, GError **error)
{
    g_autoptr(GOptionContext) oc = g_option_context_new("COMMAND [ARGS…]");
    g_autofree char *help = ctl_commands_help();
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
    for (guint i = 0; i < G_N_ELEMENTS(ctl_commands); i++) {
        int words = ctl_command_matches(ctl_commands[i].name, argc - 1, argv + 1);
        if (words > 0) {
            ctl->command = ctl_commands[i].name;
            return ctl_commands[i].run(ctl, argc - words, argv + words, error);
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
    if (!ctl_run(&ctl, argc, argv, &error)) {
        fprintf(stderr, "gamehostctl: %s\n", error->message);
        if (gh_ctl_exit_code(error) == GH_CTL_EXIT_USAGE)
            fprintf(stderr, "Try 'gamehostctl%s%s --help' for more information.\n", ctl.command ? " " : "",
                    ctl.command ? ctl.command : "");
    }
    status = gh_ctl_exit_code(error);
    gh_ctl_clear(&ctl);
    return status;
}
