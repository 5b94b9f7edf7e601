/* good: a valid plugin with one capture and one input backend, writing down
 * every call in gh_test_good_record for the test to read. */
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "stubs.h"

GH_PLUGIN_EXPORT struct gh_test_record gh_test_good_record;
struct gh_test_record gh_test_good_record;

static const uint8_t pixels[2 * 2 * 4] = { 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9, 0, 10, 11, 12, 0 };

static int
tick(void *data)
{
    gh_test_good_record.timer_fires++;
    return 1;
}

static int
good_probe(gh_host *host, const gh_host_services *services)
{
    gh_test_good_record.probes++;
    return 0;
}

static gh_instance *
good_create(gh_host *host, const gh_host_services *services)
{
    gh_instance *inst = stub_create(host, services);
    const char *timer_ms = services->option(host, "timer_ms");

    gh_test_good_record.creates++;
    gh_test_good_record.host = host;
    gh_test_good_record.services = services;
    if (timer_ms)
        gh_test_good_record.timer_id = services->add_timer(host, (uint32_t)atoi(timer_ms), tick, inst);
    return inst;
}

static void
good_destroy(gh_instance *inst)
{
    gh_test_good_record.destroys++;
    stub_destroy(inst);
}

static int
good_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    gh_test_good_record.grabs++;
    memset(frame, 0, sizeof *frame);
    frame->struct_size = sizeof *frame;
    frame->format = GH_FORMAT_BGRX8888;
    frame->width = frame->height = 2;
    frame->stride = 8;
    frame->frame_number = (uint64_t)gh_test_good_record.grabs;
    frame->timestamp_ns = inst->services->now_ns(inst->host);
    frame->data = pixels;
    return 0;
}

static int
good_send(gh_instance *inst, const gh_input_event *events, uint32_t n_events)
{
    gh_test_good_record.sends++;
    gh_test_good_record.n_events = n_events;
    if (n_events > 0)
        gh_test_good_record.first_event = events[0];
    return 0;
}

static const gh_capture_ops capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = good_grab,
};

static const gh_input_ops input_ops = {
    .struct_size = sizeof(gh_input_ops),
    .version = GH_INPUT_OPS_VERSION,
    .send = good_send,
};

static const gh_backend_factory capture = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.good",
    .description = "two by two pixels",
    .probe = good_probe,
    .create = good_create,
    .destroy = good_destroy,
    .capture = &capture_ops,
};

static const gh_backend_factory input = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_INPUT,
    .name = "input.good",
    .description = "writes events down",
    .create = good_create,
    .destroy = good_destroy,
    .input = &input_ops,
};

static const gh_backend_factory *const factories[] = { &capture, &input };

static const gh_plugin plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = 2,
    .name = "good",
    .version = "1.2.3",
    .license = "MIT",
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
