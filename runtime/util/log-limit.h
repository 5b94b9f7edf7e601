/* log-limit: keeps a per-event log path from flooding the daemon's log.
 * The first line of each key is logged; after that at most one line per
 * interval, which carries the count of lines suppressed since the last one.
 * One limiter per session (keys are reasons); safe from any thread. */
#pragma once

#include <glib.h>

/* How often a repeated line may be logged again. */
#define GH_LOG_LIMIT_INTERVAL_US (5 * G_USEC_PER_SEC)

/* Monotonic microseconds; tests pass their own. */
typedef gint64 (*GhLogLimitClock)(void);

typedef struct GhLogLimit GhLogLimit;

/* clock NULL: g_get_monotonic_time. */
GhLogLimit *gh_log_limit_new(gint64 interval_us, GhLogLimitClock clock);
GhLogLimit *gh_log_limit_free(GhLogLimit *limit);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GhLogLimit, gh_log_limit_free)

/* Whether a line for key may be logged now.  TRUE sets *suppressed (may be
 * NULL) to the lines of key not logged since the last one that was, and
 * starts a new interval; FALSE counts this line as suppressed. */
gboolean gh_log_limit_check(GhLogLimit *limit, const char *key, guint64 *suppressed);
