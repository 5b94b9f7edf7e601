/* create-fails: probes fine, then create says why it cannot and returns NULL. */
#include "stubs.h"

static gh_instance *
fail_create(gh_host *host, const gh_host_services *services)
{
    services->set_error(host, "no display");
    return NULL;
}

static const gh_backend_factory factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.create-fails",
    .create = fail_create,
    .destroy = stub_destroy,
    .capture = &stub_capture_ops,
};

static const gh_backend_factory *const factories[] = { &factory };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "create-fails",
    .version = "1",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
