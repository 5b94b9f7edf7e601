/* probe-fails: cannot serve any session; counts creates (there must be none). */
#include "stubs.h"

GH_PLUGIN_EXPORT int gh_test_probe_fails_creates;
int gh_test_probe_fails_creates;

static int
refuse_probe(gh_host *host, const gh_host_services *services)
{
    services->set_error(host, "no display for this session");
    return -ENODEV;
}

static gh_instance *
counting_create(gh_host *host, const gh_host_services *services)
{
    gh_test_probe_fails_creates++;
    return stub_create(host, services);
}

static const gh_backend_factory factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.probe-fails",
    .probe = refuse_probe,
    .create = counting_create,
    .destroy = stub_destroy,
    .capture = &stub_capture_ops,
};

static const gh_backend_factory *const factories[] = { &factory };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "probe-fails",
    .version = "1",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
