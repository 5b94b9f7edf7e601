/* gamehost-plugin-scanner: loads one plugin file with the daemon's own loader
 * in a process of its own and prints that one-file registry as JSON, which
 * plugin/plugin-scan.c reads: a plugin that crashes or hangs while loading
 * takes only this process down.  Usage: gamehost-plugin-scanner FILE */
#include <errno.h>
#include <fcntl.h>
#include <gio/gunixoutputstream.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "plugin/plugin-registry.h"

/* A refusal is the answer itself; the loader's log line would only repeat it. */
static void
scanner_drop_log(const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
}

/* The answer goes to the stdout we were given; what the plugin prints to
 * stdout goes to stderr, so it can never corrupt the answer. */
static int
scanner_take_stdout(void)
{
    int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);

    if (fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return -1;
    return fd;
}

int
main(int argc, char **argv)
{
    g_autoptr(GhPluginRegistry) reg = NULL;
    g_autoptr(JsonNode) answer = NULL;
    g_autoptr(GOutputStream) out = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *json = NULL;
    g_autofree char *text = NULL;
    int fd;

    if (argc != 2 || !*argv[1]) {
        fprintf(stderr, "usage: gamehost-plugin-scanner FILE\n"
                        "Loads the plugin FILE as gamehostd would and prints its verdict as JSON.\n");
        return 64;
    }
    if ((fd = scanner_take_stdout()) < 0) {
        fprintf(stderr, "gamehost-plugin-scanner: cannot set up stdout: %s\n", g_strerror(errno));
        return 71;
    }
    g_log_set_handler(G_LOG_DOMAIN, G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
                      scanner_drop_log, NULL);
    reg = gh_plugin_registry_new();
    gh_plugin_registry_load_file(reg, argv[1], NULL);
    answer = gh_plugin_registry_to_json(reg);
    json = json_to_string(answer, FALSE);
    text = g_strconcat(json, "\n", NULL);
    out = g_unix_output_stream_new(fd, TRUE);
    if (!g_output_stream_write_all(out, text, strlen(text), NULL, NULL, &err) ||
        !g_output_stream_close(out, NULL, &err)) {
        fprintf(stderr, "gamehost-plugin-scanner: cannot write the answer: %s\n", err->message);
        return 74;
    }
    return 0;
}
