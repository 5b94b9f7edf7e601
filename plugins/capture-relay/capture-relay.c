/* capture-relay: the capture backend "capture.relay".
 * Reads frames a guest producer writes into the session's frame relay
 * (include/gamehost/relay.h, docs/frame-relay.md): the region's file is
 * mapped once at create, and a grab with a new frame ready is a check of the
 * header and slot metadata, with no syscall.  By default (option zero_copy,
 * "1") the frame is handed out in place, pointing into the slot, and release
 * tells the host whether the producer touched the slot meanwhile; with
 * zero_copy "0" grab copies the pixels into the instance's own buffer.  The
 * memory is the guest's: relay-read.c reads it defensively; this file is
 * the ABI glue, the wait for a new frame and the producer's heartbeat. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gamehost/plugin-util.h>
#include <gamehost/relay.h>

#include "capture-relay.h"
#include "relay-read.h"

#ifndef GH_PLUGIN_VERSION
#error "build with -DGH_PLUGIN_VERSION=\"...\""
#endif

#define CR_NAME           "capture.relay"
#define CR_TORN_RETRIES   3
#define CR_WAIT_STEP_NS   1000000ull     /* sleep between looks while no new frame exists */
#define CR_WAIT_MARGIN_NS 2000000ull     /* start looking this long before a frame is due */
#define CR_HEARTBEAT_NS   1000000000ull  /* heartbeat older than this: producer stopped */
#define CR_REPEAT_NS      1000000000ull  /* a still picture is delivered again this often */

struct gh_instance {
    gh_host *host;
    gh_host_services svc;    /* the host's table, copied at our size */
    char *path;
    const uint8_t *mem;      /* the whole region, PROT_READ */
    uint64_t size;
    cr_layout layout;        /* as last checked; bounds the buffer */
    int have_layout;
    int zero_copy;           /* hand frames out in place (option zero_copy) */
    uint8_t *buf;            /* the copy handed out by the last grab (zero_copy 0 only) */
    uint64_t buf_size;
    /* The slot the last zero-copy grab handed out, until release: its
     * offset (from a checked layout) and the even seq it was read under. */
    int held;
    uint64_t held_offset;
    uint64_t held_seq;
    const uint8_t *held_data;
    uint64_t last_frame;     /* frame_number last delivered, 0: none */
    uint64_t last_guest_ns;  /* the last frame's timestamp_ns (producer's clock) */
    uint64_t interval_ns;    /* between the producer's last two frames delivered, 0: unknown */
    uint64_t delivered_at;   /* host time of the last delivery */
    uint64_t heartbeat;      /* heartbeat_count last seen */
    uint64_t heartbeat_at;   /* host time it was first seen */
    int stopped;             /* reported as stopped, not yet resumed */
    cr_copy_hook hook;       /* tests only */
    void *hook_data;
};

static int
cr_probe(gh_host *host, const gh_host_services *services)
{
    gh_host_services svc;
    const char *path;
    struct stat st;

    gh_host_services_copy(&svc, services);
    path = svc.relay_path ? svc.relay_path(host) : NULL;
    if (!path) {
        gh_host_error(host, &svc, CR_NAME, "the session has no frame relay");
        return -ENODEV;
    }
    if (stat(path, &st) < 0) {
        gh_host_error(host, &svc, CR_NAME, "frame relay '%s': %s", path, strerror(errno));
        return -ENODEV;
    }
    return 0;
}

/* Option zero_copy: 1 (the default) or 0; -EINVAL with the error set
 * otherwise.  On by default: the copy of every frame is what capture costs
 * (a 1080p memcpy 60 times a second is most of the CPU budget), the stream
 * backend copies or encodes the frame within push_frame anyway, and a host
 * that loads this plugin has ABI 1.2 and so calls release.  Off for a
 * consumer that needs pixels the guest cannot change while it reads them. */
static int
cr_option_zero_copy(gh_host *host, const gh_host_services *svc)
{
    const char *v = svc->option ? svc->option(host, "zero_copy") : NULL;

    if (!v || strcmp(v, "1") == 0)
        return 1;
    if (strcmp(v, "0") == 0)
        return 0;
    gh_host_error(host, svc, CR_NAME, "option zero_copy is '%s', not 0 or 1", v);
    return -EINVAL;
}

static gh_instance *
cr_create(gh_host *host, const gh_host_services *services)
{
    gh_host_services svc;
    const char *path;
    struct stat st;
    gh_instance *inst;
    void *mem;
    int fd, zero_copy;

    gh_host_services_copy(&svc, services);
    if (!svc.now_ns || !svc.relay_path) {
        gh_host_error(host, &svc, CR_NAME, "the host offers no clock or relay_path service");
        return NULL;
    }
    zero_copy = cr_option_zero_copy(host, &svc);
    if (zero_copy < 0)
        return NULL;
    path = svc.relay_path(host);
    if (!path) {
        gh_host_error(host, &svc, CR_NAME, "the session has no frame relay");
        return NULL;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        gh_host_error(host, &svc, CR_NAME, "cannot open frame relay '%s': %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < GH_RELAY_SLOTS_OFFSET) {
        gh_host_error(host, &svc, CR_NAME, "frame relay '%s' is not a region file of at least %u bytes", path,
                      GH_RELAY_SLOTS_OFFSET);
        close(fd);
        return NULL;
    }
    mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (mem == MAP_FAILED) {
        gh_host_error(host, &svc, CR_NAME, "cannot map frame relay '%s': %s", path, strerror(errno));
        return NULL;
    }
    inst = calloc(1, sizeof(*inst));
    if (!inst || !(inst->path = strdup(path))) {
        gh_host_error(host, &svc, CR_NAME, "out of memory");
        munmap(mem, (size_t)st.st_size);
        free(inst);
        return NULL;
    }
    inst->host = host;
    inst->svc = svc;
    inst->mem = mem;
    inst->size = (uint64_t)st.st_size;
    inst->zero_copy = zero_copy;
    return inst;
}

static void
cr_destroy(gh_instance *inst)
{
    if (!inst)
        return;
    munmap((void *)inst->mem, (size_t)inst->size);
    free(inst->buf);
    free(inst->path);
    free(inst);
}

void
cr_instance_set_copy_hook(gh_instance *inst, cr_copy_hook hook, void *data)
{
    inst->hook = hook;
    inst->hook_data = data;
}

const uint8_t *
cr_instance_region(gh_instance *inst, uint64_t *size)
{
    *size = inst->size;
    return inst->mem;
}

/* Checks the header (every grab: the guest may rewrite it) and sizes the
 * frame buffer for it.  0, -EAGAIN (no producer yet) or -EINVAL. */
static int
cr_refresh_layout(gh_instance *inst, uint64_t now)
{
    cr_layout layout;
    char err[256];
    int r;

    r = cr_layout_check(inst->mem, inst->size, &layout, err, sizeof(err));
    if (r == -EAGAIN) {
        gh_host_error(inst->host, &inst->svc, CR_NAME, "%s: waiting for the producer to write the header",
                      inst->path);
        return r;
    }
    if (r < 0) {
        gh_host_error(inst->host, &inst->svc, CR_NAME, "%s: %s", inst->path, err);
        return r;
    }
    if (!inst->have_layout || memcmp(&layout, &inst->layout, sizeof(layout)) != 0) {
        uint64_t need = cr_layout_frame_capacity(&layout);
        if (!inst->zero_copy && need > inst->buf_size) {
            uint8_t *buf = realloc(inst->buf, (size_t)need);
            if (!buf) {
                gh_host_error(inst->host, &inst->svc, CR_NAME, "out of memory for a %" PRIu64 "-byte frame", need);
                return -ENOMEM;
            }
            inst->buf = buf;
            inst->buf_size = need;
        }
        if (!inst->have_layout)
            inst->heartbeat_at = now;
        inst->layout = layout;
        inst->have_layout = 1;
    }
    return 0;
}

/* -EAGAIN with the error set while the heartbeat has not moved for a
 * second; logs the stop and the resumption once each. */
static int
cr_check_heartbeat(gh_instance *inst, uint64_t now)
{
    const volatile gh_relay_header *h = (const volatile gh_relay_header *)inst->mem;
    uint64_t beat = __atomic_load_n(&h->heartbeat_count, __ATOMIC_ACQUIRE);

    if (beat != inst->heartbeat) {
        if (inst->stopped)
            gh_host_log(inst->host, &inst->svc, GH_LOG_INFO, "relay producer resumed after %" PRIu64 " ms",
                        (now - inst->heartbeat_at) / 1000000u);
        inst->stopped = 0;
        inst->heartbeat = beat;
        inst->heartbeat_at = now;
        return 0;
    }
    if (now - inst->heartbeat_at <= CR_HEARTBEAT_NS)
        return 0;
    gh_host_error(inst->host, &inst->svc, CR_NAME, "relay producer stopped (no heartbeat for %" PRIu64 " ms)",
                  (now - inst->heartbeat_at) / 1000000u);
    if (!inst->stopped)
        gh_host_log(inst->host, &inst->svc, GH_LOG_WARNING,
                    "relay producer stopped (no heartbeat for %" PRIu64 " ms)", (now - inst->heartbeat_at) / 1000000u);
    inst->stopped = 1;
    return -EAGAIN;
}

/* One look at the latest slot: 0 (frame in the buffer, or zero-copy: the
 * slot checked, *data its pixels, *offset and *seq for release), -EALREADY
 * (no frame numbered after `after`), -EAGAIN (torn every time) or -EINVAL. */
static int
cr_read_latest(gh_instance *inst, uint64_t after, cr_slot_meta *meta, const uint8_t **data, uint64_t *offset,
               uint64_t *seq)
{
    char err[256];
    int r = -EAGAIN;

    for (int i = 0; i < CR_TORN_RETRIES && r == -EAGAIN; i++) {
        uint32_t latest;
        r = cr_latest_slot(inst->mem, &inst->layout, &latest, err, sizeof(err));
        if (r == 0 && inst->zero_copy) {
            r = cr_slot_peek(inst->mem, &inst->layout, latest, after, meta, seq, inst->hook,
                             inst->hook_data, err, sizeof(err));
            *offset = cr_slot_offset(&inst->layout, latest);
            *data = inst->mem + *offset + sizeof(gh_relay_slot);
        } else if (r == 0) {
            r = cr_slot_read(inst->mem, &inst->layout, latest, after, inst->buf, meta, inst->hook,
                             inst->hook_data, err, sizeof(err));
            *data = inst->buf;
        }
    }
    if (r == -EINVAL)
        gh_host_error(inst->host, &inst->svc, CR_NAME, "%s: %s", inst->path, err);
    else if (r == -EAGAIN)
        gh_host_error(inst->host, &inst->svc, CR_NAME, "%s: the latest slot was torn %d times in a row", inst->path,
                      CR_TORN_RETRIES);
    return r;
}

static int
cr_grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    uint64_t start = inst->svc.now_ns(inst->host), now = start;
    uint64_t timeout_ns = (uint64_t)timeout_ms * 1000000u;
    cr_slot_meta meta;
    const uint8_t *data = NULL;
    uint64_t offset = 0, seq = 0;
    int r;

    /* A frame not released before the next grab is simply let go. */
    inst->held = 0;
    for (;;) {
        r = cr_refresh_layout(inst, now);
        if (r == 0)
            r = cr_check_heartbeat(inst, now);
        /* A producer that writes only what changed (the guest agent) goes
         * quiet on a still picture while its heartbeat goes on: the picture
         * is then the latest frame, delivered again once a second, so that
         * GET /frame answers and a player's stream does not look dead. */
        uint64_t after = inst->last_frame;
        if (r == 0 && after && now - inst->delivered_at >= CR_REPEAT_NS)
            after--;
        if (r == 0)
            r = cr_read_latest(inst, after, &meta, &data, &offset, &seq);
        if (r == 0)
            break;
        if (r != -EALREADY)
            return r;
        if (now - start >= timeout_ns) {
            gh_host_error(inst->host, &inst->svc, CR_NAME, "no new frame within %" PRIu32 " ms", timeout_ms);
            return -EAGAIN;
        }
        /* Only while no new frame exists: the steady state with one ready
         * never gets here.  One long sleep until shortly before the next
         * frame is due at the producer's rate, then short looks, so that a
         * 60 fps wait is a few wake-ups rather than one per millisecond. */
        uint64_t step = CR_WAIT_STEP_NS, due = inst->delivered_at + inst->interval_ns;
        if (inst->interval_ns && due > now + CR_WAIT_MARGIN_NS + step)
            step = due - now - CR_WAIT_MARGIN_NS;
        if (step > start + timeout_ns - now)
            step = start + timeout_ns - now;
        struct timespec ts = { (time_t)(step / 1000000000u), (long)(step % 1000000000u) };
        nanosleep(&ts, NULL);
        now = inst->svc.now_ns(inst->host);
    }

    if (meta.frame_number < inst->last_frame && inst->last_frame - meta.frame_number >= inst->layout.slot_count)
        gh_host_log(inst->host, &inst->svc, GH_LOG_INFO,
                    "relay producer restarted at frame %" PRIu64 " (last was %" PRIu64 ")", meta.frame_number,
                    inst->last_frame);
    /* The producer's frame interval, as its own clock says; a hostile
     * value only makes us sleep up to timeout_ms. */
    if (inst->last_frame && meta.frame_number == inst->last_frame + 1 && meta.timestamp_ns > inst->last_guest_ns)
        inst->interval_ns = meta.timestamp_ns - inst->last_guest_ns;
    else
        inst->interval_ns = 0;
    inst->last_guest_ns = meta.timestamp_ns;
    inst->last_frame = meta.frame_number;

    memset(frame, 0, sizeof(*frame));
    frame->struct_size = sizeof(*frame);
    frame->format = meta.format == GH_RELAY_FORMAT_RGBX8888 ? GH_FORMAT_RGBX8888 : GH_FORMAT_BGRX8888;
    frame->width = meta.width;
    frame->height = meta.height;
    frame->stride = meta.stride;
    frame->n_damage = 0;
    inst->delivered_at = inst->svc.now_ns(inst->host);
    frame->timestamp_ns = inst->delivered_at;
    frame->frame_number = meta.frame_number;
    frame->data = data;
    frame->damage = NULL;
    frame->input_events = meta.input_events;
    if (inst->zero_copy) {
        inst->held = 1;
        inst->held_offset = offset;
        inst->held_seq = seq;
        inst->held_data = data;
    }
    return 0;
}

/* 0 if the frame the last grab handed out stayed intact until now: always
 * for a copy; for a frame in place, if the slot's seq has not moved (the
 * producer reuses a slot after slot_count - 1 newer frames).  -ESTALE
 * otherwise, and -EINVAL for a frame that is not the one held. */
static int
cr_release(gh_instance *inst, const gh_frame *frame)
{
    int r;

    if (!inst->zero_copy)
        return 0;
    if (!inst->held || !frame || frame->data != inst->held_data) {
        gh_host_error(inst->host, &inst->svc, CR_NAME, "release of a frame that is not the last one grabbed");
        return -EINVAL;
    }
    inst->held = 0;
    r = cr_slot_unchanged(inst->mem, inst->held_offset, inst->held_seq);
    if (r == -ESTALE)
        gh_host_error(inst->host, &inst->svc, CR_NAME, "%s: frame %" PRIu64 " was overwritten while in use",
                      inst->path, frame->frame_number);
    return r;
}

static const gh_capture_ops cr_capture_ops = {
    .struct_size = sizeof(gh_capture_ops),
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = cr_grab,
    .release = cr_release,
};

static const gh_backend_factory cr_factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = GH_BACKEND_CAPTURE,
    .name = "capture.relay",
    .description = "Frames a guest producer writes into the session's shared-memory frame relay; no syscall per frame",
    .probe = cr_probe,
    .create = cr_create,
    .destroy = cr_destroy,
    .capture = &cr_capture_ops,
};

static const gh_backend_factory *const cr_factories[] = { &cr_factory };

static const gh_plugin cr_plugin = {
    .struct_size = sizeof(gh_plugin),
    .abi_major = GH_PLUGIN_ABI_MAJOR,
    .abi_minor = GH_PLUGIN_ABI_MINOR,
    .n_factories = sizeof(cr_factories) / sizeof(cr_factories[0]),
    .name = "capture-relay",
    .version = GH_PLUGIN_VERSION,
    .license = "MIT",
    .factories = cr_factories,
};

GH_PLUGIN_DEFINE(cr_plugin)
