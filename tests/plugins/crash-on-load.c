/* crash-on-load: a plugin that dies of SIGSEGV (a write through NULL) while
 * it is being loaded: in its constructor, or with -DCRASH_IN_QUERY in
 * gamehost_plugin_query.  Only the scanner's process may go down with it. */
#include "stubs.h"

/* volatile: the compiler cannot see the NULL and turn the write into a trap
 * (SIGILL); no_sanitize: UBSan would report it and exit instead of dying. */
static int *volatile nowhere;

__attribute__((no_sanitize("undefined"))) static void
crash(void)
{
    *nowhere = 1;
}

#ifdef CRASH_IN_QUERY
GH_PLUGIN_EXPORT const gh_plugin *gamehost_plugin_query(void);
GH_PLUGIN_EXPORT const gh_plugin *
gamehost_plugin_query(void)
{
    crash();
    return NULL;
}
#else
__attribute__((constructor)) static void
crash_on_load(void)
{
    crash();
}

GH_PLUGIN_EXPORT const gh_plugin *gamehost_plugin_query(void);
GH_PLUGIN_EXPORT const gh_plugin *
gamehost_plugin_query(void)
{
    return NULL;
}
#endif
