/* stream-old-minor: an interactive stream backend as built against an
 * older minor's header, STREAM_MINOR (2 or 3, given with -D):
 *
 *   1.2  before sound: the factory ends at the input ops pointer and the
 *        stream ops (version 2) at peer_close;
 *   1.3  before game pads: the factory ends at the audio ops pointer and
 *        the stream ops (version 3) at push_audio, with no pad_feedback.
 *
 * The structs are declared here at that size, so a newer host reading past
 * struct_size (the 1.2 factory's audio member, a stream op of a later
 * minor) reads past the object (AddressSanitizer reports it). */
#include "stubs.h"

#if STREAM_MINOR != 2 && STREAM_MINOR != 3
#error "build with -DSTREAM_MINOR=2 or 3"
#endif

#define STREAM_STR(x)  #x
#define STREAM_XSTR(x) STREAM_STR(x)

struct stream_ops_old {
    uint32_t struct_size, version;
    int (*push_frame)(gh_instance *inst, const gh_frame *frame);
    void (*request_keyframe)(gh_instance *inst);
    int (*peer_open)(gh_instance *inst, uint32_t peer, uint32_t flags);
    int (*peer_message)(gh_instance *inst, uint32_t peer, const char *message);
    void (*peer_close)(gh_instance *inst, uint32_t peer);
#if STREAM_MINOR >= 3
    int (*push_audio)(gh_instance *inst, const gh_audio_chunk *chunk);
#endif
};

struct factory_old {
    uint32_t struct_size, kind;
    const char *name, *description;
    int (*probe)(gh_host *host, const gh_host_services *services);
    gh_instance *(*create)(gh_host *host, const gh_host_services *services);
    void (*destroy)(gh_instance *inst);
    const gh_capture_ops *capture;
    const struct stream_ops_old *stream;
    const gh_input_ops *input;
#if STREAM_MINOR >= 3
    const gh_audio_ops *audio;
#endif
};

static int
old_push(gh_instance *inst, const gh_frame *frame)
{
    return 0;
}

static int
old_peer_open(gh_instance *inst, uint32_t peer, uint32_t flags)
{
    return 0;
}

#if STREAM_MINOR >= 3
static int
old_push_audio(gh_instance *inst, const gh_audio_chunk *chunk)
{
    return 0;
}
#endif

static const struct stream_ops_old ops = {
    .struct_size = sizeof(struct stream_ops_old),
    .version = STREAM_MINOR,
    .push_frame = old_push,
    .peer_open = old_peer_open,
#if STREAM_MINOR >= 3
    .push_audio = old_push_audio,
#endif
};

static const struct factory_old factory = {
    .struct_size = sizeof(struct factory_old),
    .kind = GH_BACKEND_STREAM,
#if STREAM_MINOR == 2
    .name = "stream.one-two",
    .description = "built against ABI 1.2, before sound",
#else
    .name = "stream.one-three",
    .description = "built against ABI 1.3, before game pads",
#endif
    .create = stub_create,
    .destroy = stub_destroy,
    .stream = &ops,
};

static const gh_backend_factory *const factories[] = { (const gh_backend_factory *)(const void *)&factory };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = STREAM_MINOR,
    .n_factories = 1,
    .name = "stream-1-" STREAM_XSTR(STREAM_MINOR),
    .version = "1." STREAM_XSTR(STREAM_MINOR),
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
