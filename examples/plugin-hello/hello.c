/* SPDX-License-Identifier: MIT */
/* hello: the smallest useful gamehost plugin, built out of tree against the
 * installed SDK only (pkg-config gamehost-plugin).  It offers one capture
 * backend, "capture.hello", whose frames are a solid colour of the session's
 * display size, chosen with the backend option "color" (rrggbb hex, default
 * 202040).  It paces itself to the display's refresh rate, as a real
 * capture backend waits for the VM's next frame.  MIT licensed: copy it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* plugin.h and the SDK's helpers over it (copying the services table,
 * errors and log lines through the host). */
#include <gamehost/plugin-util.h>

#define HELLO_NAME "capture.hello"

struct gh_instance {
    gh_host *host;
    gh_host_services svc;    /* the host's table, copied at our size */
    uint8_t *pixels;         /* BGRX8888, height * stride */
    uint32_t width, height, stride, refresh_hz;
    uint64_t next_ns;        /* when the next frame is due */
    uint64_t frame_number;
};

/* "ff8000" or "#ff8000" → 0xff8000; -1 if it is not six hex digits. */
static long
hello_parse_color(const char *s)
{
    char *end;
    long v;

    if (s[0] == '#')
        s++;
    if (strlen(s) != 6 || strspn(s, "0123456789abcdefABCDEF") != 6)
        return -1;
    v = strtol(s, &end, 16);
    return *end ? -1 : v;
}

static gh_instance *
hello_create(gh_host *host, const gh_host_services *services)
{
    gh_host_services svc;
    const char *color;
    long rgb = 0x202040;

    /* The host's table may be older (smaller) or newer (larger) than ours:
     * copy what both know into zeroed memory; what it lacks reads as NULL. */
    gh_host_services_copy(&svc, services);
    if (!svc.now_ns || !svc.display_size) {
        gh_host_error(host, &svc, HELLO_NAME, "the host lacks the clock or display services");
        return NULL;
    }
    color = svc.option ? svc.option(host, "color") : NULL;
    if (color && (rgb = hello_parse_color(color)) < 0) {
        gh_host_error(host, &svc, HELLO_NAME, "option color '%.32s' is not rrggbb hex", color);
        return NULL;
    }

    gh_instance *inst = calloc(1, sizeof(*inst));
    if (!inst) {
        gh_host_error(host, &svc, HELLO_NAME, "out of memory");
        return NULL;
    }
    inst->host = host;
    inst->svc = svc;
    svc.display_size(host, &inst->width, &inst->height, &inst->refresh_hz);
    if (inst->width == 0 || inst->height == 0 || inst->width > 8192 || inst->height > 8192) {
        inst->width = 640;   /* no (sane) display: a small frame all the same */
        inst->height = 480;
    }
    if (inst->refresh_hz == 0 || inst->refresh_hz > 240)
        inst->refresh_hz = 30;
    inst->stride = inst->width * 4;
    inst->pixels = malloc((size_t)inst->stride * inst->height);
    if (!inst->pixels) {
        gh_host_error(host, &svc, HELLO_NAME, "out of memory");
        free(inst);
        return NULL;
    }
    for (size_t i = 0; i < (size_t)inst->width * inst->height; i++) {
        inst->pixels[i * 4 + 0] = (uint8_t)(rgb & 0xff);          /* blue */
        inst->pixels[i * 4 + 1] = (uint8_t)((rgb >> 8) & 0xff);   /* green */
        inst->pixels[i * 4 + 2] = (uint8_t)((rgb >> 16) & 0xff);  /* red */
        inst->pixels[i * 4 + 3] = 0xff;
    }
    /* The host tags the line with "capture.hello" itself. */
    gh_host_log(host, &svc, GH_LOG_INFO, "%ux%u at %u Hz, colour %06lx", inst->width, inst->height,
                inst->refresh_hz, rgb);
    return inst;
}

static void
hello_destroy(gh_instance *inst)
{
    if (!inst)
        return;
    free(inst->pixels);
    free(inst);
}

static void
hello_sleep_ns(uint64_t ns)
{
    struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u) };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* Pipeline thread.  Waits for the next frame time, but never longer than
 * timeout_ms: when that is too short, -EAGAIN says "no frame yet". */
static int
hello_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    uint64_t now = inst->svc.now_ns(inst->host);

    if (inst->next_ns > now) {
        uint64_t wait = inst->next_ns - now;
        if (wait > (uint64_t)timeout_ms * 1000000u) {
            hello_sleep_ns((uint64_t)timeout_ms * 1000000u);
            return -EAGAIN;
        }
        hello_sleep_ns(wait);
        now = inst->svc.now_ns(inst->host);
    }
    inst->next_ns = now + 1000000000u / inst->refresh_hz;

    memset(frame, 0, sizeof(*frame));
    frame->struct_size = sizeof(*frame);
    frame->format = GH_FORMAT_BGRX8888;
    frame->width = inst->width;
    frame->height = inst->height;
    frame->stride = inst->stride;
    frame->timestamp_ns = now;
    frame->frame_number = ++inst->frame_number;
    frame->n_damage = 0;          /* 0: treat the whole frame as changed */
    frame->data = inst->pixels;   /* stays valid until the next grab */
    return 0;
}

static const gh_capture_ops hello_capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = hello_grab,
};

static const gh_backend_factory hello_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = HELLO_NAME,
    .description = "A solid colour frame (option color=rrggbb): the SDK's example plugin",
    .probe = NULL,           /* absent: it can serve any session */
    .create = hello_create,
    .destroy = hello_destroy,
    .capture = &hello_capture_ops,
};

static const gh_backend_factory *const hello_factories[] = { &hello_factory };

static const gh_plugin hello_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 1,
    .name = "hello",
    .version = "1.0",
    .license = "MIT",
    .factories = hello_factories,
};

GH_PLUGIN_DEFINE(hello_plugin)
