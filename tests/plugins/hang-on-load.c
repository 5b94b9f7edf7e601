/* hang-on-load: a plugin whose gamehost_plugin_query never returns (it
 * sleeps forever), so the scanner's timeout must end it. */
#include <unistd.h>

#include "stubs.h"

GH_PLUGIN_EXPORT const gh_plugin *gamehost_plugin_query(void);
GH_PLUGIN_EXPORT const gh_plugin *
gamehost_plugin_query(void)
{
    for (;;)
        sleep(1);
    return NULL;
}
