/* old-minor: as built against an older header, whose factory ended after the
 * capture ops pointer and whose capture ops had only grab.  The structs are
 * declared here at that size, so a host reading past struct_size reads past
 * the object (AddressSanitizer reports it). */
#include <string.h>

#include "stubs.h"

struct old_capture_ops {
    uint32_t struct_size, version;
    int (*grab)(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms);
};

struct old_factory {
    uint32_t struct_size, kind;
    const char *name, *description;
    int (*probe)(gh_host *host, const gh_host_services *services);
    gh_instance *(*create)(gh_host *host, const gh_host_services *services);
    void (*destroy)(gh_instance *inst);
    const struct old_capture_ops *capture;
};

static int
old_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    static const uint8_t pixel[4] = { 9, 9, 9, 0 };

    memset(frame, 0, sizeof *frame);
    frame->struct_size = sizeof *frame;
    frame->format = GH_FORMAT_BGRX8888;
    frame->width = frame->height = 1;
    frame->stride = 4;
    frame->frame_number = 1;
    frame->data = pixel;
    return 0;
}

static const struct old_capture_ops ops = {
    .struct_size = sizeof(struct old_capture_ops),
    .version = 1,
    .grab = old_grab,
};

static const struct old_factory factory = {
    .struct_size = sizeof(struct old_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.old",
    .description = "built against an older minor",
    .create = stub_create,
    .destroy = stub_destroy,
    .capture = &ops,
};

static const gh_backend_factory *const factories[] = { (const gh_backend_factory *)(const void *)&factory };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = 0,
    .n_factories = 1,
    .name = "old-minor",
    .version = "0.9",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
