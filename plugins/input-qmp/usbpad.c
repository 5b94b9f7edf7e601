/* usbpad: four pad slots over usbpad-dev (see usbpad.h).  Events that
 * arrive faster than the pad's 4 ms polling queue up as whole reports, so
 * a press and release in one message both reach the guest; past
 * USBPAD_QUEUE reports the newest state replaces the last queued one
 * (counted as coalesced), so a flood costs bounded memory and the guest
 * still ends in the player's state.  Each queued report keeps when the
 * first event it carries was received, for the latency log. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gamehost/plugin-util.h>

#include "usbpad-desc.h"
#include "usbpad-dev.h"
#include "usbpad.h"

#define USBPAD_QUEUE 16u
#define USBPAD_INTERVAL_NS ((uint64_t)IQ_USBPAD_INTERVAL_MS * 1000000u)

typedef struct IqUsbpads IqUsbpads;

typedef struct {
    IqPadState state;
    uint64_t recv_ns;            /* its first event was received (0: untimed) */
} UsbpadQueued;

typedef struct {
    IqUsbpads *owner;
    uint32_t index;
    IqUsbpadDev *dev;
    uint32_t read_id, write_id, timer_id;
    int used;                    /* ever connected: has stats */
    IqPadState cur;              /* every event applied */
    IqPadState base;             /* the last state queued or sent */
    UsbpadQueued queue[USBPAD_QUEUE];
    uint64_t cur_recv_ns;        /* the first event in cur but not in base */
    unsigned n_queued;
    uint64_t last_sent_ns;
    int warned_out;
    gh_pad_stats stats;
} Usbpad;

struct IqUsbpads {
    gh_host *host;
    const gh_host_services *svc;
    BenchLog *log;               /* NULL: no latency_log; borrowed */
    Usbpad pad[GH_INPUT_MAX_PADS];
};

static const char *
usbpad_socket(IqUsbpads *pads, uint32_t index)
{
    if (!GH_STRUCT_HAS(pads->svc, gh_host_services, pad_socket) || !pads->svc->pad_socket)
        return NULL;
    return pads->svc->pad_socket(pads->host, index);
}

static void
usbpad_feedback(Usbpad *p, uint32_t kind, uint32_t strong, uint32_t weak, uint32_t led)
{
    IqUsbpads *pads = p->owner;
    gh_pad_feedback fb = {
        .struct_size = sizeof fb, .kind = kind, .pad = p->index,
        .strong = strong, .weak = weak, .led = led, .timestamp_ns = pads->svc->now_ns(pads->host),
    };

    if (GH_STRUCT_HAS(pads->svc, gh_host_services, pad_feedback) && pads->svc->pad_feedback)
        pads->svc->pad_feedback(pads->host, &fb);
}

static void usbpad_pump(Usbpad *p);

static int
usbpad_on_timer(void *data)
{
    Usbpad *p = data;

    p->timer_id = 0;
    usbpad_pump(p);
    return 0;
}

/* Sends the oldest queued report if the polling interval allows, and
 * comes back for the rest. */
static void
usbpad_pump(Usbpad *p)
{
    IqUsbpads *pads = p->owner;

    while (p->n_queued && p->dev && iq_usbpad_dev_receiving(p->dev)) {
        uint64_t now = pads->svc->now_ns(pads->host);
        uint8_t report[IQ_USBPAD_REPORT_SIZE];
        int rc;

        if (p->last_sent_ns && now - p->last_sent_ns < USBPAD_INTERVAL_NS) {
            /* Come back when the interval is over, not a whole one later. */
            uint64_t wait_ms = (USBPAD_INTERVAL_NS - (now - p->last_sent_ns) + 999999u) / 1000000u;
            if (!p->timer_id)
                p->timer_id = pads->svc->add_timer(pads->host, (uint32_t)(wait_ms ? wait_ms : 1), usbpad_on_timer, p);
            return;
        }
        iq_usbpad_pack(&p->queue[0].state, report);
        rc = iq_usbpad_dev_send_report(p->dev, report);
        if (rc == -EAGAIN)
            return;
        if (rc == 0) {
            p->stats.reports++;
            /* The next slot follows this one's, not now: a timer's lateness
             * does not add up, so a steady stream keeps the full rate. */
            p->last_sent_ns = p->last_sent_ns && now - p->last_sent_ns < 2 * USBPAD_INTERVAL_NS
                                  ? p->last_sent_ns + USBPAD_INTERVAL_NS : now;
            if (pads->log && p->queue[0].recv_ns)
                bench_log_line(pads->log, "pad %" PRIu64 " %" PRIu64, p->queue[0].recv_ns,
                               pads->svc->now_ns(pads->host));
        } else {
            p->stats.dropped++; /* QEMU is not reading the channel */
        }
        memmove(&p->queue[0], &p->queue[1], (p->n_queued - 1) * sizeof p->queue[0]);
        p->n_queued--;
    }
}

#define USBPAD_BUTTONS 0xffffu

/* Bits for the controls that differ between a and b: the buttons' own
 * bits (USBPAD_BUTTONS), then one per trigger and stick axis. */
static uint32_t
usbpad_diff(const IqPadState *a, const IqPadState *b)
{
    return (uint32_t)(a->buttons ^ b->buttons) | (a->lt != b->lt) << 16 | (a->rt != b->rt) << 17 |
           (a->lx != b->lx) << 18 | (a->ly != b->ly) << 19 | (a->rx != b->rx) << 20 | (a->ry != b->ry) << 21;
}

/* Queues cur, whose first new event came at cur_recv_ns; a report that
 * replaces the last one keeps the older time.  A state that differs from
 * the last waiting report in its axes alone replaces it: a stick needs
 * only its latest value, and a sweep faster than the polling would
 * otherwise wait behind a full queue (buttons keep every press and
 * release, up to USBPAD_QUEUE reports). */
static void
usbpad_enqueue(Usbpad *p)
{
    UsbpadQueued *waiting = p->n_queued ? &p->queue[p->n_queued - 1] : NULL;

    if (waiting && (p->n_queued == USBPAD_QUEUE || !(usbpad_diff(&waiting->state, &p->cur) & USBPAD_BUTTONS))) {
        UsbpadQueued *last = waiting;
        last->state = p->cur;
        if (!last->recv_ns)
            last->recv_ns = p->cur_recv_ns;
        p->stats.coalesced++;
    } else {
        p->queue[p->n_queued++] = (UsbpadQueued){ p->cur, p->cur_recv_ns };
    }
    p->base = p->cur;
    p->cur_recv_ns = 0;
}

static void
usbpad_cb_receiving(void *data, int receiving)
{
    Usbpad *p = data;

    if (receiving)
        usbpad_pump(p);
}

static void
usbpad_cb_out(void *data, const uint8_t *report, size_t len)
{
    Usbpad *p = data;
    IqPadOut out;

    p->stats.out_reports++;
    if (iq_usbpad_parse_out(report, len, &out) < 0) {
        p->stats.out_malformed++;
        if (!p->warned_out) {
            p->warned_out = 1;
            gh_host_log(p->owner->host, p->owner->svc, GH_LOG_WARNING,
                        "pad %u: the guest sent a %zu-byte output report that is neither rumble nor LED "
                        "(first byte 0x%02x); ignored, and further ones are only counted",
                        p->index, len, len ? report[0] : 0);
        }
        return;
    }
    if (out.kind == IQ_PAD_OUT_RUMBLE)
        usbpad_feedback(p, GH_PAD_RUMBLE, out.strong * 257u, out.weak * 257u, 0);
    else
        usbpad_feedback(p, GH_PAD_LED, 0, 0, out.led);
}

static void
usbpad_cb_current(void *data, uint8_t report[IQ_USBPAD_REPORT_SIZE])
{
    iq_usbpad_pack(&((Usbpad *)data)->cur, report);
}

static int usbpad_on_write(int fd, uint32_t revents, void *data);

static void
usbpad_cb_want_write(void *data, int fd, int want)
{
    Usbpad *p = data;
    IqUsbpads *pads = p->owner;

    if (want && !p->write_id)
        p->write_id = pads->svc->add_fd(pads->host, fd, GH_FD_OUT, usbpad_on_write, p);
    else if (!want && p->write_id) {
        pads->svc->remove_source(pads->host, p->write_id);
        p->write_id = 0;
    }
}

static void
usbpad_cb_log(void *data, int level, const char *msg)
{
    Usbpad *p = data;

    gh_host_log(p->owner->host, p->owner->svc, level <= 1 ? GH_LOG_ERROR : GH_LOG_WARNING,
                "pad %u: usbredir: %s", p->index, msg);
}

static const IqUsbpadCallbacks usbpad_callbacks = {
    usbpad_cb_receiving, usbpad_cb_out, usbpad_cb_current, usbpad_cb_want_write, usbpad_cb_log,
};

/* The channel went (QEMU stopped, or the VM went): the pad is out of the
 * guest; the next event connects again. */
static void
usbpad_disconnect(Usbpad *p)
{
    IqUsbpads *pads = p->owner;
    int was_plugged = p->dev && iq_usbpad_dev_plugged(p->dev);

    if (p->read_id)
        pads->svc->remove_source(pads->host, p->read_id);
    if (p->write_id)
        pads->svc->remove_source(pads->host, p->write_id);
    if (p->timer_id)
        pads->svc->remove_source(pads->host, p->timer_id);
    p->read_id = p->write_id = p->timer_id = 0;
    iq_usbpad_dev_free(p->dev);
    p->dev = NULL;
    p->n_queued = 0;
    p->stats.attached = 0;
    if (was_plugged)
        usbpad_feedback(p, GH_PAD_DETACHED, 0, 0, 0);
}

static int
usbpad_on_read(int fd, uint32_t revents, void *data)
{
    Usbpad *p = data;

    (void)fd;
    (void)revents;
    if (iq_usbpad_dev_read(p->dev) < 0) {
        gh_host_log(p->owner->host, p->owner->svc, GH_LOG_WARNING,
                    "pad %u: QEMU closed its USB channel; the pad is unplugged", p->index);
        p->read_id = 0; /* removed by returning 0 */
        usbpad_disconnect(p);
        return 0;
    }
    return 1;
}

static int
usbpad_on_write(int fd, uint32_t revents, void *data)
{
    Usbpad *p = data;

    (void)fd;
    (void)revents;
    if (iq_usbpad_dev_write(p->dev) < 0) {
        p->write_id = 0;
        usbpad_disconnect(p);
        return 0;
    }
    return 1;
}

static int
usbpad_connect(Usbpad *p, char *err, size_t err_size)
{
    IqUsbpads *pads = p->owner;
    const char *path = usbpad_socket(pads, p->index);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd;

    if (p->dev)
        return 0;
    if (!path || strlen(path) >= sizeof addr.sun_path) {
        snprintf(err, err_size, "pad %u: the VM has no USB channel for it", p->index);
        return -EOPNOTSUPP;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        snprintf(err, err_size, "pad %u: cannot connect to QEMU's USB channel %s: %s", p->index, path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -EIO;
    }
    if (!(p->dev = iq_usbpad_dev_new(fd, &usbpad_callbacks, p))) {
        snprintf(err, err_size, "pad %u: out of memory", p->index);
        return -ENOMEM;
    }
    p->read_id = pads->svc->add_fd(pads->host, fd, GH_FD_IN, usbpad_on_read, p);
    p->used = 1;
    return 0;
}

static int
usbpad_plug(Usbpad *p, char *err, size_t err_size)
{
    int rc = usbpad_connect(p, err, err_size);

    if (rc < 0)
        return rc;
    if (!iq_usbpad_dev_plugged(p->dev)) {
        iq_usbpad_dev_plug(p->dev);
        p->stats.attached = 1;
        usbpad_feedback(p, GH_PAD_ATTACHED, 0, 0, 0);
    }
    return 0;
}

static void
usbpad_unplug(Usbpad *p)
{
    static const IqPadState neutral;

    p->cur = p->base = neutral;
    p->cur_recv_ns = 0;
    p->n_queued = 0;
    if (p->dev && iq_usbpad_dev_plugged(p->dev)) {
        iq_usbpad_dev_unplug(p->dev);
        p->stats.attached = 0;
        usbpad_feedback(p, GH_PAD_DETACHED, 0, 0, 0);
    }
}

IqUsbpads *
iq_usbpads_new(gh_host *host, const gh_host_services *svc, unsigned pads_at_start, BenchLog *log)
{
    IqUsbpads *pads = calloc(1, sizeof *pads);

    if (!pads)
        return NULL;
    pads->host = host;
    pads->svc = svc;
    pads->log = log;
    for (uint32_t i = 0; i < GH_INPUT_MAX_PADS; i++) {
        pads->pad[i].owner = pads;
        pads->pad[i].index = i;
        pads->pad[i].stats.struct_size = sizeof pads->pad[i].stats;
    }
    for (uint32_t i = 0; i < pads_at_start && i < GH_INPUT_MAX_PADS; i++) {
        char err[256];
        if (usbpad_plug(&pads->pad[i], err, sizeof err) < 0)
            gh_host_log(host, svc, GH_LOG_WARNING, "%s", err);
    }
    return pads;
}

void
iq_usbpads_free(IqUsbpads *pads)
{
    if (!pads)
        return;
    for (uint32_t i = 0; i < GH_INPUT_MAX_PADS; i++)
        if (pads->pad[i].dev) {
            /* A clean unplug, so the guest's driver sees the pad go now. */
            iq_usbpad_dev_unplug(pads->pad[i].dev);
            iq_usbpad_dev_write(pads->pad[i].dev);
            usbpad_disconnect(&pads->pad[i]);
        }
    free(pads);
}

int
iq_usbpads_event(const gh_input_event *ev)
{
    return ev->type == GH_INPUT_PAD_BUTTON || ev->type == GH_INPUT_PAD_AXIS || ev->type == GH_INPUT_PAD_CONNECT;
}

int
iq_usbpads_check(IqUsbpads *pads, const gh_input_event *events, uint32_t n, char *err, size_t err_size)
{
    for (uint32_t i = 0; i < n; i++) {
        const gh_input_event *ev = &events[i];
        IqPadState scratch = { 0 };
        int rc;

        if (!iq_usbpads_event(ev))
            continue;
        if (ev->device >= GH_INPUT_MAX_PADS) {
            snprintf(err, err_size, "event %u: pad %u is out of range (0..%u)", i, ev->device, GH_INPUT_MAX_PADS - 1);
            return -EINVAL;
        }
        if (!usbpad_socket(pads, ev->device)) {
            snprintf(err, err_size, "event %u: pad %u: the VM has no USB channel for pads (its profile has no gamepad)",
                     i, ev->device);
            return -EOPNOTSUPP;
        }
        if (ev->type == GH_INPUT_PAD_CONNECT) {
            if (ev->value != 0 && ev->value != 1) {
                snprintf(err, err_size, "event %u: pad %u connect value %d is neither 1 nor 0", i, ev->device,
                         ev->value);
                return -EINVAL;
            }
            continue;
        }
        if ((rc = iq_usbpad_apply(&scratch, ev, err, err_size)) < 0)
            return rc;
    }
    return 0;
}


int
iq_usbpads_send(IqUsbpads *pads, const gh_input_event *events, uint32_t n, char *err, size_t err_size)
{
    int touched[GH_INPUT_MAX_PADS] = { 0 };
    int rc = 0;

    for (uint32_t i = 0; i < n; i++) {
        const gh_input_event *ev = &events[i];
        Usbpad *p;
        IqPadState next;
        char scratch[8];

        if (!iq_usbpads_event(ev))
            continue;
        p = &pads->pad[ev->device];
        if (ev->type == GH_INPUT_PAD_CONNECT && ev->value == 0) {
            usbpad_unplug(p);
            touched[ev->device] = 0;
            continue;
        }
        if ((rc = usbpad_plug(p, err, err_size)) < 0)
            break;
        touched[ev->device] = 1;
        if (ev->type == GH_INPUT_PAD_CONNECT)
            continue;
        next = p->cur;
        iq_usbpad_apply(&next, ev, scratch, sizeof scratch);
        if (!usbpad_diff(&next, &p->cur))
            continue;
        /* A control that changes again before its last change was queued:
         * queue the state in between, so both changes reach the guest. */
        if (usbpad_diff(&p->cur, &p->base) & usbpad_diff(&next, &p->cur))
            usbpad_enqueue(p);
        if (!p->cur_recv_ns)
            p->cur_recv_ns = ev->timestamp_ns;
        p->cur = next;
    }
    for (uint32_t i = 0; i < GH_INPUT_MAX_PADS; i++) {
        Usbpad *p = &pads->pad[i];
        if (!touched[i] || !p->dev)
            continue;
        if (usbpad_diff(&p->cur, &p->base))
            usbpad_enqueue(p);
        else
            p->cur_recv_ns = 0; /* back where it was: nothing to report */
        usbpad_pump(p);
    }
    return rc;
}

int
iq_usbpads_stats(IqUsbpads *pads, uint32_t pad, gh_pad_stats *stats)
{
    size_t size;

    if (pad >= GH_INPUT_MAX_PADS || !pads->pad[pad].used)
        return -ENOENT;
    size = stats->struct_size < sizeof pads->pad[pad].stats ? stats->struct_size : sizeof pads->pad[pad].stats;
    memcpy((char *)stats + sizeof stats->struct_size, (const char *)&pads->pad[pad].stats + sizeof stats->struct_size,
           size - sizeof stats->struct_size);
    return 0;
}
