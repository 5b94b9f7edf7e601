/* null-entry: the entry symbol is there but hands back no descriptor. */
#include "stubs.h"

GH_PLUGIN_EXPORT const gh_plugin *gamehost_plugin_query(void);
GH_PLUGIN_EXPORT const gh_plugin *
gamehost_plugin_query(void)
{
    return NULL;
}
