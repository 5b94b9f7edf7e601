/* log-limit: per-key rate limiting of repeated log lines; see log-limit.h.
 * A suppressed burst's count is reported by the next line of that key
 * that is logged, so no timer (and no main loop) is needed. */
#include "log-limit.h"

typedef struct {
    gint64 logged_at;            /* when the last line of this key was logged */
    guint64 suppressed;          /* lines since then not logged */
} LogLimitKey;

struct GhLogLimit {
    GMutex lock;
    gint64 interval_us;
    GhLogLimitClock clock;
    GHashTable *keys;            /* key → LogLimitKey* */
};

GhLogLimit *
gh_log_limit_new(gint64 interval_us, GhLogLimitClock clock)
{
    GhLogLimit *limit = g_new0(GhLogLimit, 1);

    g_mutex_init(&limit->lock);
    limit->interval_us = interval_us;
    limit->clock = clock ? clock : g_get_monotonic_time;
    limit->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return limit;
}

GhLogLimit *
gh_log_limit_free(GhLogLimit *limit)
{
    if (!limit)
        return NULL;
    g_hash_table_unref(limit->keys);
    g_mutex_clear(&limit->lock);
    g_free(limit);
    return NULL;
}

gboolean
gh_log_limit_check(GhLogLimit *limit, const char *key, guint64 *suppressed)
{
    g_autoptr(GMutexLocker) locker G_GNUC_UNUSED = g_mutex_locker_new(&limit->lock);
    gint64 now = limit->clock();
    LogLimitKey *k = g_hash_table_lookup(limit->keys, key);

    if (!k) {
        k = g_new0(LogLimitKey, 1);
        g_hash_table_insert(limit->keys, g_strdup(key), k);
    } else if (now - k->logged_at < limit->interval_us) {
        k->suppressed++;
        return FALSE;
    }
    if (suppressed)
        *suppressed = k->suppressed;
    k->logged_at = now;
    k->suppressed = 0;
    return TRUE;
}
