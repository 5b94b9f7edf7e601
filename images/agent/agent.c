/* gamehost-agent's loop (agent.h): one tick per display refresh on absolute
 * CLOCK_MONOTONIC deadlines; each tick follows the relay device and the KMS
 * scanout, reads the scanout once, publishes it when it changed, and beats
 * the heartbeat.  What is missing is looked for every 2 s and said once.
 * Every log line goes to stderr (the journal and the serial console). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gamehost/relay.h>

#include "agent.h"
#include "frame.h"
#include "kms.h"
#include "pci.h"
#include "relay-writer.h"
#include "stats.h"

#define AGENT_RETRY_NS     2000000000ull   /* looking again for a missing device */
#define AGENT_IDLE_TICK_NS 50000000ull     /* pace without a scanout: heartbeat only */
#define AGENT_STATS_NS     10000000000ull
#define AGENT_DEFAULT_HZ   60u
#define AGENT_SAID         1024

typedef struct agent {
    const char *sysfs, *dri;
    int once;
    agent_pci_bar bar;           /* bar.mem: the relay is mapped */
    agent_relay relay;
    int relay_ready;             /* the header is laid out for the scanout's mode */
    int first_frame_pending;
    agent_kms kms;
    agent_frame frame;
    agent_stats stats;
    uint64_t next_relay_try, next_kms_try;
    /* The last complaint logged per topic, so each is said once. */
    char said_relay[AGENT_SAID], said_kms[AGENT_SAID], said_mode[AGENT_SAID];
    char said_scanout[AGENT_SAID];   /* the last "kms" line */
} agent;

static volatile sig_atomic_t agent_stop;

static void agent_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line, one write: lines of concurrent writers never interleave. */
static void
agent_log(const char *fmt, ...)
{
    char line[1280];
    va_list ap;
    int n = snprintf(line, sizeof(line), "gamehost-agent: ");

    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n = (int)strlen(line);
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* Nowhere else to say it. */
    }
}

/* Logs msg unless it is what was last said on this topic. */
static void
agent_say_once(char said[AGENT_SAID], const char *msg)
{
    if (strncmp(said, msg, AGENT_SAID - 1) == 0)
        return;
    snprintf(said, AGENT_SAID, "%s", msg);
    agent_log("%s", msg);
}

static uint64_t
agent_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
agent_find_relay(agent *a, uint64_t now)
{
    char addr[64], err[384], msg[AGENT_SAID];

    if (a->bar.mem || now < a->next_relay_try)
        return;
    a->next_relay_try = now + AGENT_RETRY_NS;
    if (agent_pci_find_ivshmem(a->sysfs, addr, sizeof(addr)) < 0) {
        snprintf(msg, sizeof(msg),
                 "no relay device (ivshmem %04x:%04x under %s/bus/pci/devices): looking again every 2 s",
                 AGENT_PCI_IVSHMEM_VENDOR, AGENT_PCI_IVSHMEM_DEVICE, a->sysfs);
        agent_say_once(a->said_relay, msg);
        return;
    }
    if (agent_pci_map_bar2(a->sysfs, addr, &a->bar, err, sizeof(err)) < 0) {
        snprintf(msg, sizeof(msg), "relay ivshmem at %s unusable: %s: trying again every 2 s", addr, err);
        agent_say_once(a->said_relay, msg);
        return;
    }
    a->said_relay[0] = '\0';
    agent_log("relay ivshmem at %s size=%" PRIu64, a->bar.addr, a->bar.size);
    agent_relay_attach(&a->relay, a->bar.mem, a->bar.size);
    a->relay_ready = 0;
}

static void
agent_find_scanout(agent *a, uint64_t now)
{
    char err[384], msg[AGENT_SAID];

    if (a->kms.fd >= 0 || now < a->next_kms_try)
        return;
    a->next_kms_try = now + AGENT_RETRY_NS;
    if (agent_kms_open(&a->kms, a->dri, err, sizeof(err)) < 0) {
        snprintf(msg, sizeof(msg), "no KMS scanout (%s): looking again every 2 s", err);
        agent_say_once(a->said_kms, msg);
    }
}

/* The "kms" line, once per card, CRTC, size and format (not per fb: page
 * flips change the fb every frame), with how the fb is mapped. */
static void
agent_say_scanout(agent *a)
{
    char fourcc[5], msg[AGENT_SAID];
    const agent_kms *k = &a->kms;

    agent_kms_fourcc_name(k->fourcc, fourcc);
    snprintf(msg, sizeof(msg), "kms %s crtc %" PRIu32 " %" PRIu32 "x%" PRIu32 " %s", k->card, k->crtc_id, k->width,
             k->height, fourcc);
    if (strcmp(msg, a->said_scanout) == 0)
        return;
    snprintf(a->said_scanout, sizeof(a->said_scanout), "%s", msg);
    agent_log("kms %s crtc %" PRIu32 " fb %" PRIu32 " %" PRIu32 "x%" PRIu32 " %s %s", k->card, k->crtc_id, k->fb_id,
              k->width, k->height, fourcc, k->dmabuf >= 0 ? "dma-buf" : "dumb");
}

static void
agent_follow_scanout(agent *a)
{
    char err[384], msg[AGENT_SAID];
    int r = agent_kms_follow(&a->kms, err, sizeof(err));

    if (r == AGENT_KMS_SAME)
        return;
    if (r == -ENODEV) {
        snprintf(msg, sizeof(msg), "no KMS scanout (%s): looking again every 2 s", err);
        agent_say_once(a->said_kms, msg);
        agent_kms_close(&a->kms);
        a->said_scanout[0] = '\0';
        return;
    }
    if (r == -ENOTSUP) {
        snprintf(msg, sizeof(msg), "kms %s crtc %" PRIu32 ": %s: waiting for a framebuffer it can carry", a->kms.card,
                 a->kms.crtc_id, err);
        agent_say_once(a->said_kms, msg);
        return;
    }
    if (r < 0) {
        snprintf(msg, sizeof(msg), "kms %s: %s: trying again every tick", a->kms.card, err);
        agent_say_once(a->said_kms, msg);
        return;
    }
    a->said_kms[0] = '\0';
    agent_say_scanout(a);
}

/* Lays the relay out for the scanout's mode, once per mode: a valid header
 * of the same mode is adopted (the agent restarted, the guest rebooted); a
 * mode that does not fit is said once and nothing is published until the
 * mode changes. */
static void
agent_ready_relay(agent *a)
{
    uint32_t w = a->kms.width, h = a->kms.height;
    char err[384], msg[AGENT_SAID];
    int r;

    if (a->relay_ready && a->relay.max_width == w && a->relay.max_height == h)
        return;
    a->relay_ready = 0;
    if (agent_relay_fit(a->bar.size, w, h, GH_RELAY_MIN_SLOTS, err, sizeof(err)) < 0) {
        snprintf(msg, sizeof(msg), "%s: not publishing until the mode changes", err);
        agent_say_once(a->said_mode, msg);
        return;
    }
    a->said_mode[0] = '\0';
    if (a->frame.width != w || a->frame.height != h || !a->frame.cur) {
        if (agent_frame_resize(&a->frame, w, h) < 0) {
            snprintf(msg, sizeof(msg), "no memory for %" PRIu32 "x%" PRIu32 " frames", w, h);
            agent_say_once(a->said_mode, msg);
            return;
        }
    }
    r = agent_relay_start(&a->relay, w, h, GH_RELAY_MIN_SLOTS, 1);
    if (r == AGENT_RELAY_ADOPTED)
        agent_log("relay header %" PRIu32 "x%" PRIu32 " adopted, going on from frame %" PRIu64, w, h,
                  a->relay.last_frame);
    else
        agent_log("relay header %" PRIu32 "x%" PRIu32 " written: %" PRIu32 " slots of %" PRIu32 " bytes", w, h,
                  a->relay.slot_count, a->relay.slot_size);
    /* Fresh slots are empty, adopted ones hold another boot's picture. */
    agent_frame_forget(&a->frame);
    a->relay_ready = 1;
    a->first_frame_pending = 1;
}

/* Reads the scanout and publishes it if it changed: 1 published, 0
 * unchanged, -1 nothing to read or nowhere to write. */
static int
agent_capture(agent *a, uint64_t tick_ns)
{
    int r;

    if (!a->bar.mem || !a->kms.pixels)
        return -1;
    agent_ready_relay(a);
    if (!a->relay_ready)
        return -1;
    agent_kms_read_begin(&a->kms);
    r = agent_frame_update(&a->frame, &a->relay, a->kms.pixels, a->kms.pitch, a->kms.relay_format, tick_ns);
    agent_kms_read_end(&a->kms);
    if (r <= 0)
        return r == 0 ? 0 : -1;  /* -E2BIG: agent_ready_relay sized the slots for it, not reached */
    agent_stats_published(&a->stats, agent_now_ns() - tick_ns);
    if (a->first_frame_pending)
        agent_log("first frame %" PRIu32 "x%" PRIu32, a->frame.width, a->frame.height);
    a->first_frame_pending = 0;
    return 1;
}

static int
agent_tick(agent *a, uint64_t now)
{
    int r;

    agent_find_relay(a, now);
    agent_find_scanout(a, now);
    if (a->kms.fd >= 0)
        agent_follow_scanout(a);
    r = agent_capture(a, now);
    if (r <= 0)
        agent_stats_tick(&a->stats, r == 0);
    if (a->bar.mem)
        agent_relay_heartbeat(&a->relay, agent_now_ns());
    return r;
}

/* One refresh while publishing (never slower than the heartbeat needs);
 * the heartbeat's pace while there is nothing to publish (no scanout, or
 * one refused: each look costs an ioctl, which under TCG is not cheap); the
 * retry pace without a relay. */
static uint64_t
agent_period_ns(const agent *a)
{
    uint64_t period;

    if (!a->bar.mem)
        return AGENT_RETRY_NS;
    if (!a->kms.pixels || !a->relay_ready)
        return AGENT_IDLE_TICK_NS;
    /* At most 1000 ticks a second, whatever refresh a mode claims. */
    period = 1000000000u / (a->kms.vrefresh ? (a->kms.vrefresh < 1000 ? a->kms.vrefresh : 1000) : AGENT_DEFAULT_HZ);
    return period < AGENT_IDLE_TICK_NS ? period : AGENT_IDLE_TICK_NS;
}

static void
agent_maybe_stats(agent *a, uint64_t now)
{
    char line[256];
    uint64_t cpu;

    if (now - a->stats.window_start_ns < AGENT_STATS_NS)
        return;
    cpu = agent_stats_cpu_us();
    /* Quiet while waiting for a device: that was said once already. */
    if (a->bar.mem && a->kms.fd >= 0) {
        agent_stats_format(&a->stats, now, cpu, line, sizeof(line));
        agent_log("%s", line);
    }
    agent_stats_restart(&a->stats, now, cpu);
}

static int
agent_loop(agent *a)
{
    uint64_t deadline = agent_now_ns();

    agent_stats_restart(&a->stats, deadline, agent_stats_cpu_us());
    while (!agent_stop) {
        uint64_t now = agent_now_ns(), period;
        int r = agent_tick(a, now);

        if (a->once)
            return r == 1 ? 0 : 1;
        agent_maybe_stats(a, now);
        /* Absolute deadlines: no drift.  A tick that ran late skips the
         * deadlines it missed rather than catching up in a burst. */
        period = agent_period_ns(a);
        deadline += period;
        if (deadline <= now)
            deadline = now + period;
        struct timespec ts = { (time_t)(deadline / 1000000000u), (long)(deadline % 1000000000u) };
        while (!agent_stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
    }
    return 0;
}

static void
agent_on_signal(int sig)
{
    agent_stop = sig;
}

static void
agent_usage(FILE *out)
{
    fprintf(out,
            "usage: gamehost-agent [--sysfs DIR] [--dri DIR] [--once]\n"
            "Copies the KMS scanout into the gamehost frame relay (the ivshmem device).\n"
            "  --sysfs DIR  sysfs root to find the ivshmem device in (default /sys)\n"
            "  --dri DIR    directory of the DRM cards (default /dev/dri)\n"
            "  --once       one tick, then exit: 0 if a frame was published, else 1\n"
            "  --help       this text\n");
}

/* 0 and the options in a, or an exit status (help: 0, bad usage: 2) + 1. */
static int
agent_parse(agent *a, int argc, char **argv)
{
    static const struct option options[] = {
        { "sysfs", required_argument, NULL, 's' },
        { "dri", required_argument, NULL, 'd' },
        { "once", no_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    a->sysfs = "/sys";
    a->dri = "/dev/dri";
    optind = 1;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 's': a->sysfs = optarg; break;
        case 'd': a->dri = optarg; break;
        case 'o': a->once = 1; break;
        case 'h': agent_usage(stdout); return 1;
        default: agent_usage(stderr); return 3;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gamehost-agent: unexpected argument '%s'\n", argv[optind]);
        agent_usage(stderr);
        return 3;
    }
    return 0;
}

int
agent_main(int argc, char **argv)
{
    static agent a;  /* the stats window is large for a stack */
    struct sigaction sa = { .sa_handler = agent_on_signal };
    int status;

    memset(&a, 0, sizeof(a));
    agent_kms_init(&a.kms);
    status = agent_parse(&a, argc, argv);
    if (status)
        return status - 1;
    /* No SA_RESTART: the signal ends the sleep. */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    agent_stop = 0;

    agent_log("started (version %s, sysfs %s, dri %s)", PACKAGE_VERSION, a.sysfs, a.dri);
    status = agent_loop(&a);
    if (agent_stop)
        agent_log("stopped by signal %d", (int)agent_stop);
    agent_kms_close(&a.kms);
    agent_frame_free(&a.frame);
    agent_pci_unmap(&a.bar);
    return status;
}
