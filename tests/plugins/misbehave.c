/* misbehave: a third-party plugin that does what a host must survive, one
 * fault per session, chosen by the option "fault":
 *
 *   capture.misbehave  segv-create (a NULL write in create), loop-grab (an
 *                      endless loop in grab), malloc-grab (allocates 64 MiB
 *                      blocks in grab until malloc fails, then aborts as
 *                      most code does), escape (at create, tries to read the
 *                      file the option "token" names and to create the one
 *                      "outside" names, logs what happened, then serves
 *                      frames like "none");
 *   stream.misbehave   segv-push (a NULL write in the push_frame after
 *                      "after" frames, default 30).
 *
 * Without a fault each serves: the capture a grey frame of the display's
 * size (a counter in its first pixel), the stream counting what it gets.
 * Built out of tree against the installed SDK by tests/e2e/test-worker-faults.sh. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gamehost/plugin.h>

struct gh_instance {
    gh_host *host;
    const gh_host_services *svc;
    char fault[32];
    unsigned long after, frames;
    uint32_t width, height;
    uint8_t *pixels;
};

/* The first page is never mapped: a write there faults.  Not NULL, which
 * a sanitizer build would report (and exit) before the fault. */
static volatile int *volatile misbehave_null = (volatile int *)16;

static void
misbehave_log(gh_instance *inst, const char *what, const char *path, int rc)
{
    char line[512];

    snprintf(line, sizeof line, "misbehave: %s %s: %s", what, path, rc < 0 ? strerror(-rc) : "done (not refused!)");
    inst->svc->log(inst->host, GH_LOG_WARNING, line);
}

/* What a hostile plugin would try: the daemon's secrets, and a file of its
 * own outside its session's directory. */
static void
misbehave_escape(gh_instance *inst)
{
    const char *token = inst->svc->option(inst->host, "token");
    const char *outside = inst->svc->option(inst->host, "outside");
    int fd;

    if (token) {
        fd = open(token, O_RDONLY | O_CLOEXEC);
        misbehave_log(inst, "read", token, fd < 0 ? -errno : 0);
        if (fd >= 0)
            close(fd);
    }
    if (outside) {
        fd = open(outside, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        misbehave_log(inst, "create", outside, fd < 0 ? -errno : 0);
        if (fd >= 0)
            close(fd);
    }
}

static gh_instance *
misbehave_create(gh_host *host, const gh_host_services *svc)
{
    gh_instance *inst = calloc(1, sizeof *inst);
    const char *fault = svc->option(host, "fault");
    const char *after = svc->option(host, "after");

    inst->host = host;
    inst->svc = svc;
    snprintf(inst->fault, sizeof inst->fault, "%s", fault ? fault : "none");
    inst->after = after ? strtoul(after, NULL, 10) : 30;
    svc->display_size(host, &inst->width, &inst->height, NULL);
    if (!inst->width || !inst->height)
        inst->width = 640, inst->height = 480;
    if (strcmp(inst->fault, "segv-create") == 0)
        *misbehave_null = 1;
    if (strcmp(inst->fault, "escape") == 0)
        misbehave_escape(inst);
    inst->pixels = malloc((size_t)inst->width * inst->height * 4);
    memset(inst->pixels, 0x80, (size_t)inst->width * inst->height * 4);
    return inst;
}

static void
misbehave_destroy(gh_instance *inst)
{
    free(inst->pixels);
    free(inst);
}

static int
misbehave_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    if (strcmp(inst->fault, "loop-grab") == 0)
        for (volatile unsigned long spin = 0;; spin++)
            ;
    if (strcmp(inst->fault, "malloc-grab") == 0)
        for (;;)
            if (!malloc(64u << 20))
                abort();
    memset(frame, 0, sizeof *frame);
    frame->struct_size = sizeof *frame;
    frame->format = GH_FORMAT_BGRX8888;
    frame->width = inst->width;
    frame->height = inst->height;
    frame->stride = inst->width * 4;
    frame->frame_number = ++inst->frames;
    frame->timestamp_ns = inst->svc->now_ns(inst->host);
    memcpy(inst->pixels, &inst->frames, sizeof inst->frames);
    frame->data = inst->pixels;
    return 0;
}

static int
misbehave_push_frame(gh_instance *inst, const gh_frame *frame)
{
    if (++inst->frames > inst->after && strcmp(inst->fault, "segv-push") == 0)
        *misbehave_null = 1;
    return 0;
}

static const gh_capture_ops capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = misbehave_grab,
};

static const gh_stream_ops stream_ops = {
    .struct_size = sizeof(gh_stream_ops),
    .version = GH_STREAM_OPS_VERSION,
    .push_frame = misbehave_push_frame,
};

static const gh_backend_factory capture = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.misbehave",
    .description = "a capture that faults as its option says",
    .create = misbehave_create,
    .destroy = misbehave_destroy,
    .capture = &capture_ops,
};

static const gh_backend_factory stream = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_STREAM,
    .name = "stream.misbehave",
    .description = "a stream that faults as its option says",
    .create = misbehave_create,
    .destroy = misbehave_destroy,
    .stream = &stream_ops,
};

static const gh_backend_factory *const factories[] = { &capture, &stream };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 2,
    .name = "misbehave",
    .version = "1.0.0",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
