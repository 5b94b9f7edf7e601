/* stubs: the smallest valid backend pieces, shared by the test plugins. */
#pragma once

#include <errno.h>
#include <stdlib.h>

#include <gamehost/plugin.h>

#define STUB_UNUSED __attribute__((unused))

struct gh_instance {
    gh_host *host;
    const gh_host_services *services;
};

static STUB_UNUSED gh_instance *
stub_create(gh_host *host, const gh_host_services *services)
{
    gh_instance *inst = calloc(1, sizeof *inst);

    if (inst) {
        inst->host = host;
        inst->services = services;
    }
    return inst;
}

static STUB_UNUSED void
stub_destroy(gh_instance *inst)
{
    free(inst);
}

static STUB_UNUSED int
stub_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    return -EAGAIN;
}

static STUB_UNUSED int
stub_send(gh_instance *inst, const gh_input_event *events, uint32_t n_events)
{
    return 0;
}

static STUB_UNUSED const gh_capture_ops stub_capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = stub_grab,
};

static STUB_UNUSED const gh_input_ops stub_input_ops = {
    .struct_size = sizeof(gh_input_ops),
    .version = GH_INPUT_OPS_VERSION,
    .send = stub_send,
};
