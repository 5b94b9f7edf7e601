/* bench-plugin: see bench-plugin.h. */
#include "bench-plugin.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

const gh_backend_factory *
bench_load_factory(const char *prog, const char *so, const char *backend)
{
    void *dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    gh_plugin_query_fn query;
    const gh_plugin *plugin;

    if (!dl) {
        fprintf(stderr, "%s: %s\n", prog, dlerror());
        return NULL;
    }
    query = (gh_plugin_query_fn)dlsym(dl, GH_PLUGIN_ENTRY);
    plugin = query ? query() : NULL;
    if (!plugin || plugin->abi_major != GH_PLUGIN_ABI_MAJOR || plugin->abi_minor > GH_PLUGIN_ABI_MINOR) {
        fprintf(stderr, "%s: %s is not a gamehost plugin of ABI %u.%u\n", prog, so, GH_PLUGIN_ABI_MAJOR,
                GH_PLUGIN_ABI_MINOR);
        return NULL;
    }
    for (uint32_t i = 0; i < plugin->n_factories; i++)
        if (strcmp(plugin->factories[i]->name, backend) == 0)
            return plugin->factories[i];
    fprintf(stderr, "%s: %s has no %s backend\n", prog, so, backend);
    return NULL;
}
