/* capture-screenshot: the capture backend "capture.screenshot".
 * Every grab asks the host for a screenshot of the VM's display (libvirt's
 * screenshot, as a PPM or PNG file) and decodes it into a BGRX frame.  It is
 * slow, tens of milliseconds a frame, but it works for any VM with an
 * emulated display, so it is the fallback every other capture path is
 * measured against.  This file is only the ABI glue; decode.c does the work. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <gamehost/plugin-util.h>

#include "decode.h"

#ifndef GH_PLUGIN_VERSION
#error "build with -DGH_PLUGIN_VERSION=\"...\""
#endif

#define CS_NAME "capture.screenshot"

struct gh_instance {
    gh_host *host;
    gh_host_services svc;    /* the host's table, copied at our size */
    cs_image image;          /* the frame handed out by the last grab */
    uint64_t frame_number;   /* of the last frame handed out */
};

static int
cs_probe(gh_host *host, const gh_host_services *services)
{
    uint32_t width = 0, height = 0, hz = 0;

    /* Any VM with an emulated display can be screenshot; one without a
     * display (a profile of size 0) cannot. */
    if (services->display_size)
        services->display_size(host, &width, &height, &hz);
    if (width == 0 || height == 0) {
        gh_host_error(host, services, CS_NAME, "the session has no display");
        return -ENODEV;
    }
    return 0;
}

static gh_instance *
cs_create(gh_host *host, const gh_host_services *services)
{
    gh_host_services svc;
    uint32_t width = 0, height = 0, hz = 0;

    gh_host_services_copy(&svc, services);
    if (!svc.screenshot || !svc.now_ns) {
        gh_host_error(host, &svc, CS_NAME, "the host offers no screenshot or clock service");
        return NULL;
    }
    if (svc.display_size)
        svc.display_size(host, &width, &height, &hz);
    if (width == 0 || height == 0) {
        gh_host_error(host, &svc, CS_NAME, "the session has no display to screenshot");
        return NULL;
    }

    gh_instance *inst = calloc(1, sizeof(*inst));
    if (!inst) {
        gh_host_error(host, &svc, CS_NAME, "out of memory");
        return NULL;
    }
    inst->host = host;
    inst->svc = svc;
    return inst;
}

static void
cs_destroy(gh_instance *inst)
{
    if (!inst)
        return;
    cs_image_clear(&inst->image);
    free(inst);
}

static int
cs_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char *mime = NULL;
    char err[256];
    int r;

    /* The screenshot service blocks until the image is there; it has no
     * notion of "no new frame", so timeout_ms does not apply. */
    r = inst->svc.screenshot(inst->host, &data, &len, &mime);
    if (r < 0) {
        /* The host has recorded why its own service failed. */
        free(data);
        free(mime);
        return r;
    }
    uint64_t now = inst->svc.now_ns(inst->host);
    r = cs_decode(&inst->image, data, len, mime, err, sizeof(err));
    free(data);
    free(mime);
    if (r < 0) {
        gh_host_error(inst->host, &inst->svc, CS_NAME, "%s", err);
        return r;
    }

    memset(frame, 0, sizeof(*frame));
    frame->struct_size = sizeof(*frame);
    frame->format = GH_FORMAT_BGRX8888;
    frame->width = inst->image.width;
    frame->height = inst->image.height;
    frame->stride = inst->image.stride;
    frame->n_damage = 0;
    frame->timestamp_ns = now;
    frame->frame_number = ++inst->frame_number;
    frame->data = inst->image.data;
    frame->damage = NULL;
    return 0;
}

static void
cs_stop(gh_instance *inst)
{
    /* The last frame was borrowed until stop: give its memory back while
     * the session is not capturing. */
    cs_image_clear(&inst->image);
}

static const gh_capture_ops cs_capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = cs_grab,
    .stop = cs_stop,
};

static const gh_backend_factory cs_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = CS_NAME,
    .description = "Frames from the VM display's screenshot (PPM/PNG); slow, works with any emulated display",
    .probe = cs_probe,
    .create = cs_create,
    .destroy = cs_destroy,
    .capture = &cs_capture_ops,
};

static const gh_backend_factory *const cs_factories[] = { &cs_factory };

static const gh_plugin cs_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = sizeof(cs_factories) / sizeof(cs_factories[0]),
    .name = "capture-screenshot",
    .version = GH_PLUGIN_VERSION,
    .license = "MIT",
    .factories = cs_factories,
};

GH_PLUGIN_DEFINE(cs_plugin)
