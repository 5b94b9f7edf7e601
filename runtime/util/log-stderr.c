/* log-stderr: see log-stderr.h. */
#include "log-stderr.h"

#include <stdio.h>

static GLogLevelFlags log_max_level = G_LOG_LEVEL_INFO;
static char *log_prefix;

static void
log_stderr(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
    const char *tag = "info";

    if ((level & G_LOG_LEVEL_MASK) > log_max_level)
        return;
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        tag = "error";
    else if (level & G_LOG_LEVEL_WARNING)
        tag = "warning";
    else if (level & G_LOG_LEVEL_DEBUG)
        tag = "debug";
    fprintf(stderr, "%s: %s: %s\n", log_prefix, tag, message);
}

void
gh_log_stderr_init(const char *prefix, const char *level)
{
    if (g_strcmp0(level, "error") == 0)
        log_max_level = G_LOG_LEVEL_CRITICAL;
    else if (g_strcmp0(level, "warning") == 0)
        log_max_level = G_LOG_LEVEL_WARNING;
    else if (g_strcmp0(level, "debug") == 0)
        log_max_level = G_LOG_LEVEL_DEBUG;
    else
        log_max_level = G_LOG_LEVEL_INFO;
    g_free(log_prefix);
    log_prefix = g_strdup(prefix);
    g_log_set_default_handler(log_stderr, NULL);
}
