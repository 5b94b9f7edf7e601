/* api-plugins: GET /v1/plugins, the plugins this host loaded (with their
 * backends) and the files it refused, as the registry describes them. */
#include "api-private.h"

void
gh_api_handle_plugins(GhApi *api, SoupServerMessage *msg, const char *arg, GHashTable *query)
{
    g_autoptr(JsonNode) node = NULL;

    if (api->plugins) {
        node = gh_plugin_registry_to_json(api->plugins);
    } else {
        g_autoptr(GhPluginRegistry) none = gh_plugin_registry_new();
        node = gh_plugin_registry_to_json(none);
    }
    gh_api_respond_json(api, msg, SOUP_STATUS_OK, node);
}
