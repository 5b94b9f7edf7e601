/* input-qmp: the input backend "input.qmp".
 * Keyboard keys (as qcodes), mouse buttons, relative and absolute motion
 * and the wheel become one QMP input-send-event command per send(), passed
 * to the VM's QEMU through the host's qmp_command service: it needs nothing
 * from the guest but QEMU's emulated keyboard and mouse (and a tablet for
 * absolute motion), so every image can use it.  Game pads, which QEMU does
 * not emulate, are USB Xbox 360 controllers on the VM's usb-redir channels
 * where its profile has a gamepad (usbpad.c).  This file is only the ABI
 * glue; qmp-json.c builds and checks the JSON.
 *
 * Options: pads_at_start (0..4, default 0: pads plugged in when the
 * session starts), latency_log (a plain file name in the session dir: the
 * benchmark's log, one line per input report written to a pad's channel,
 * "pad <received_ns> <written_ns>", and per QMP command answered,
 * "key <received_ns> <answered_ns>" ("mouse" for a command without keys);
 * host monotonic times, bench/pad-latency.sh). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include <gamehost/plugin-util.h>

#include "bench-log.h"
#include "plugin-options.h"
#include "qmp-json.h"
#include "usbpad.h"

#ifndef GH_PLUGIN_VERSION
#error "build with -DGH_PLUGIN_VERSION=\"...\""
#endif

#define IQ_NAME "input.qmp"

struct gh_instance {
    gh_host *host;
    gh_host_services svc;    /* the host's table, copied at our size */
    IqUsbpads *pads;
    BenchLog *log;           /* NULL: no latency_log */
};

static int
iq_probe(gh_host *host, const gh_host_services *services)
{
    /* Every session's QEMU has a QMP monitor the host can reach. */
    return 0;
}

static gh_instance *
iq_create(gh_host *host, const gh_host_services *services)
{
    gh_instance *inst = calloc(1, sizeof(*inst));

    if (!inst)
        return NULL;
    inst->host = host;
    gh_host_services_copy(&inst->svc, services);
    if (!inst->svc.qmp_command) {
        gh_host_error(host, &inst->svc, IQ_NAME, "the host offers no QMP command service");
        free(inst);
        return NULL;
    }
    /* Pads plugged in before the player uses them, for games that look for
     * a pad only when they start (Chocolate Doom). */
    uint32_t at_start = 0;
    if (po_uint(host, &inst->svc, IQ_NAME, "pads_at_start", 0, GH_INPUT_MAX_PADS, 0, &at_start) < 0 ||
        bench_log_open(host, &inst->svc, IQ_NAME, "latency_log", &inst->log) < 0 ||
        !(inst->pads = iq_usbpads_new(host, &inst->svc, at_start, inst->log))) {
        bench_log_free(inst->log);
        free(inst);
        return NULL;
    }
    return inst;
}

static void
iq_destroy(gh_instance *inst)
{
    iq_usbpads_free(inst->pads);
    bench_log_free(inst->log);
    free(inst);
}

/* The latency log's line for a command QEMU answered at answered_ns: when
 * its first event was received (untimed events are not logged). */
static void
iq_log_command(gh_instance *inst, const gh_input_event *events, uint32_t n_events, uint64_t answered_ns)
{
    const char *kind = "mouse";

    if (events[0].timestamp_ns == 0)
        return;
    for (uint32_t i = 0; i < n_events; i++)
        if (events[i].type == GH_INPUT_KEY)
            kind = "key";
    bench_log_line(inst->log, "%s %" PRIu64 " %" PRIu64, kind, events[0].timestamp_ns, answered_ns);
}

static int
iq_send_qmp(gh_instance *inst, const gh_input_event *events, uint32_t n_events)
{
    char err[256];
    size_t length = 0;
    uint32_t n_qemu = 0;
    uint64_t answered_ns = 0;
    char *command, *reply = NULL;
    int r;

    if (n_events == 0)
        return 0;
    /* Measure (and validate) first, then build into a buffer of that size. */
    if ((r = iq_build_command(events, n_events, NULL, 0, &length, &n_qemu, err, sizeof(err))) < 0) {
        gh_host_error(inst->host, &inst->svc, IQ_NAME, "%s", err);
        return r;
    }
    if (n_qemu == 0)
        return 0;
    if (length > IQ_MAX_COMMAND_BYTES) {
        gh_host_error(inst->host, &inst->svc, IQ_NAME, "%u events make a %zu-byte command, over %u bytes", n_events,
                      length, IQ_MAX_COMMAND_BYTES);
        return -E2BIG;
    }
    if (!(command = malloc(length + 1)))
        return -ENOMEM;
    r = iq_build_command(events, n_events, command, length + 1, &length, &n_qemu, err, sizeof(err));
    if (r == 0)
        r = inst->svc.qmp_command(inst->host, command, &reply);
    if (r == 0 && inst->log)
        answered_ns = inst->svc.now_ns(inst->host);
    free(command);
    if (r < 0) {
        /* The host has recorded why its own service failed. */
        free(reply);
        return r;
    }
    r = iq_reply_check(reply, err, sizeof(err));
    free(reply);
    if (r < 0)
        gh_host_error(inst->host, &inst->svc, IQ_NAME, "input-send-event: %s", err);
    else if (inst->log)
        iq_log_command(inst, events, n_events, answered_ns);
    return r;
}

/* Pad events go to the USB pads, the rest through QMP; everything is
 * checked before anything is delivered, as the send contract asks. */
static int
iq_send(gh_instance *inst, const gh_input_event *events, uint32_t n_events)
{
    char err[256];
    gh_input_event *others;
    uint32_t n_others = 0;
    int r;

    for (uint32_t i = 0; i < n_events; i++)
        n_others += !iq_usbpads_event(&events[i]);
    if (n_others == n_events)
        return iq_send_qmp(inst, events, n_events);
    if ((r = iq_usbpads_check(inst->pads, events, n_events, err, sizeof err)) < 0) {
        gh_host_error(inst->host, &inst->svc, IQ_NAME, "%s", err);
        return r;
    }
    if (n_others) {
        if (!(others = malloc(n_others * sizeof *others)))
            return -ENOMEM;
        n_others = 0;
        for (uint32_t i = 0; i < n_events; i++)
            if (!iq_usbpads_event(&events[i]))
                others[n_others++] = events[i];
        r = iq_send_qmp(inst, others, n_others);
        free(others);
        if (r < 0)
            return r;
    }
    if ((r = iq_usbpads_send(inst->pads, events, n_events, err, sizeof err)) < 0)
        gh_host_error(inst->host, &inst->svc, IQ_NAME, "%s", err);
    return r;
}

static int
iq_pad_stats(gh_instance *inst, uint32_t pad, gh_pad_stats *stats)
{
    return iq_usbpads_stats(inst->pads, pad, stats);
}

static const gh_input_ops iq_input_ops = {
    .struct_size = sizeof(gh_input_ops),
    .version = GH_INPUT_OPS_VERSION,
    .send = iq_send,
    .pad_stats = iq_pad_stats,
};

static const gh_backend_factory iq_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_INPUT,
    .name = IQ_NAME,
    .description = "Keyboard and mouse into the VM with QMP input-send-event; game pads as USB Xbox 360 controllers",
    .probe = iq_probe,
    .create = iq_create,
    .destroy = iq_destroy,
    .input = &iq_input_ops,
};

static const gh_backend_factory *const iq_factories[] = { &iq_factory };

static const gh_plugin iq_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = sizeof(iq_factories) / sizeof(iq_factories[0]),
    .name = "input-qmp",
    .version = GH_PLUGIN_VERSION,
    .license = "MIT",
    .factories = iq_factories,
};

GH_PLUGIN_DEFINE(iq_plugin)
