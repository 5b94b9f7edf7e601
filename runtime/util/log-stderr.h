/* log-stderr: the one log format of gamehostd and its workers on stderr,
 * "PREFIX: LEVEL: message", with the operator's [daemon] log_level as the
 * threshold.  A worker's stderr is the daemon's, so its lines land in the
 * same log with their own prefix. */
#pragma once
#include <glib.h>

/* level: error|warning|info|debug (anything else: info).  prefix is copied. */
void gh_log_stderr_init(const char *prefix, const char *level);
