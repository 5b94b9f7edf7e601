/* stream-1-2: an interactive stream backend as built against the ABI 1.2
 * header, before sound: its factory ends at the input ops pointer and its
 * stream ops at peer_close.  The structs are declared here at that size, so
 * a 1.3 host reading past struct_size (the factory's audio member, the
 * ops' push_audio) reads past the object (AddressSanitizer reports it). */
#include "stubs.h"

struct stream_ops_1_2 {
    uint32_t struct_size, version;
    int (*push_frame)(gh_instance *inst, const gh_frame *frame);
    void (*request_keyframe)(gh_instance *inst);
    int (*peer_open)(gh_instance *inst, uint32_t peer, uint32_t flags);
    int (*peer_message)(gh_instance *inst, uint32_t peer, const char *message);
    void (*peer_close)(gh_instance *inst, uint32_t peer);
};

struct factory_1_2 {
    uint32_t struct_size, kind;
    const char *name, *description;
    int (*probe)(gh_host *host, const gh_host_services *services);
    gh_instance *(*create)(gh_host *host, const gh_host_services *services);
    void (*destroy)(gh_instance *inst);
    const gh_capture_ops *capture;
    const struct stream_ops_1_2 *stream;
    const gh_input_ops *input;
};

static int
s12_push(gh_instance *inst, const gh_frame *frame)
{
    return 0;
}

static int
s12_peer_open(gh_instance *inst, uint32_t peer, uint32_t flags)
{
    return 0;
}

static const struct stream_ops_1_2 ops = {
    .struct_size = sizeof(struct stream_ops_1_2),
    .version = 2,
    .push_frame = s12_push,
    .peer_open = s12_peer_open,
};

static const struct factory_1_2 factory = {
    .struct_size = sizeof(struct factory_1_2),
    .kind = GH_BACKEND_STREAM,
    .name = "stream.one-two",
    .description = "built against ABI 1.2, before sound",
    .create = stub_create,
    .destroy = stub_destroy,
    .stream = &ops,
};

static const gh_backend_factory *const factories[] = { (const gh_backend_factory *)(const void *)&factory };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = 2,
    .n_factories = 1,
    .name = "stream-1-2",
    .version = "1.2",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
