/* no-entry: a shared object without the entry symbol (a typo in its name). */
#include "stubs.h"

GH_PLUGIN_EXPORT const gh_plugin *gamehost_plugin_querry(void);
GH_PLUGIN_EXPORT const gh_plugin *
gamehost_plugin_querry(void)
{
    return NULL;
}
