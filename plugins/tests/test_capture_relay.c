/* Unit tests of capture-relay: the frame relay protocol as the reader sees
 * it (relay-read.c) written by the synthetic producer (relay-producer.c), and
 * the ABI glue (capture-relay.c) driven by a fake host-services table over a
 * real region file.  Hostile headers are also read from a heap copy of exact
 * size, so that AddressSanitizer sees any read out of bounds. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <gamehost/plugin.h>
#include <gamehost/relay.h>

#include "capture-relay.h"
#include "relay-producer.h"
#include "relay-read.h"

/* Defined by GH_PLUGIN_DEFINE in capture-relay.c, linked in. */
const gh_plugin *gamehost_plugin_query(void);

/* 32x31 frames fill a 4096-byte slot, and 4096 + 3 * 4096 is a power of two:
 * the region ends exactly where the last slot does. */
#define SMALL_W    32u
#define SMALL_H    31u
#define SMALL_SIZE 16384u

/* ---- a region file and a fake host ---------------------------------------- */

/* Region files go in a directory of their own, removed by main() even when
 * a test fails before it unlinks its file (each test runs in a child). */
static char region_dir[64];

typedef struct region {
    char path[128];
    uint8_t *mem;
    uint64_t size;
    gh_relay_producer producer;
} region;

static void
region_open(region *r, uint64_t size)
{
    int fd;

    snprintf(r->path, sizeof(r->path), "%s/gh-relay.XXXXXX", region_dir);
    fd = mkstemp(r->path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
    r->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(r->mem, MAP_FAILED);
    close(fd);
    r->size = size;
}

/* A region with a producer that has written its header. */
static void
region_start(region *r, uint32_t width, uint32_t height, uint32_t slots)
{
    region_open(r, gh_relay_region_size(width, height, slots));
    ck_assert_int_eq(gh_relay_producer_init(&r->producer, r->mem, r->size, width, height, slots), 0);
}

static void
region_close(region *r)
{
    munmap(r->mem, r->size);
    unlink(r->path);
}

static gh_relay_header *
region_header(region *r)
{
    return (gh_relay_header *)r->mem;
}

static gh_relay_slot *
region_slot(region *r, uint32_t index)
{
    return (gh_relay_slot *)(r->mem + GH_RELAY_SLOTS_OFFSET + (uint64_t)index * r->producer.slot_size);
}

struct gh_host {
    const char *relay_path;
    const char *zero_copy;   /* the option, NULL: not given */
    int frozen;              /* now_ns returns now; else the real clock + skew */
    uint64_t now;
    uint64_t skew;
    char error[512];
    char logs[8][256];
    int n_logs;
};

static uint64_t
real_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
fake_now_ns(gh_host *host)
{
    return host->frozen ? host->now : real_now_ns() + host->skew;
}

static void
fake_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg);
}

static void
fake_log(gh_host *host, uint32_t level, const char *msg)
{
    if (host->n_logs < 8)
        snprintf(host->logs[host->n_logs++], sizeof(host->logs[0]), "%u %s", level, msg);
}

static const char *
fake_relay_path(gh_host *host)
{
    return host->relay_path;
}

static const char *
fake_option(gh_host *host, const char *key)
{
    return strcmp(key, "zero_copy") == 0 ? host->zero_copy : NULL;
}

static const gh_host_services fake_services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .log = fake_log,
    .now_ns = fake_now_ns,
    .set_error = fake_set_error,
    .relay_path = fake_relay_path,
    .option = fake_option,
};

static const gh_backend_factory *
relay_factory(void)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->n_factories, 1);
    return plugin->factories[0];
}

static gh_instance *
relay_open(gh_host *host, region *r)
{
    host->relay_path = r->path;
    ck_assert_int_eq(relay_factory()->probe(host, &fake_services), 0);
    gh_instance *inst = relay_factory()->create(host, &fake_services);
    ck_assert_ptr_nonnull(inst);
    return inst;
}

static int
grab(gh_instance *inst, gh_frame *frame, uint32_t timeout_ms)
{
    return relay_factory()->capture->grab(inst, frame, timeout_ms);
}

static int
release(gh_instance *inst, const gh_frame *frame)
{
    return relay_factory()->capture->release(inst, frame);
}

/* Every pixel of frame is the producer's pattern for its number. */
static void
assert_frame_whole(const gh_frame *frame)
{
    uint32_t want = gh_relay_producer_pattern(frame->frame_number);
    for (uint32_t y = 0; y < frame->height; y++) {
        const uint32_t *row = (const uint32_t *)(frame->data + (size_t)y * frame->stride);
        for (uint32_t x = 0; x < frame->width; x++)
            if (row[x] != want)
                ck_abort_msg("frame %llu: pixel %u,%u is 0x%08x, not 0x%08x (torn)",
                             (unsigned long long)frame->frame_number, x, y, row[x], want);
    }
}

/* ---- the descriptor and probe --------------------------------------------- */

START_TEST(test_plugin_descriptor)
{
    const gh_plugin *plugin = gamehost_plugin_query();
    ck_assert_uint_eq(plugin->abi_major, GH_PLUGIN_ABI_MAJOR);
    ck_assert_uint_eq(plugin->abi_minor, GH_PLUGIN_ABI_MINOR);
    ck_assert_str_eq(plugin->name, "capture-relay");
    const gh_backend_factory *f = relay_factory();
    ck_assert_uint_eq(f->kind, GH_BACKEND_CAPTURE);
    ck_assert_str_eq(f->name, "capture.relay");
    ck_assert_ptr_nonnull(f->capture->grab);
    ck_assert_uint_eq(f->capture->version, 2);
    ck_assert_uint_eq(f->capture->struct_size, sizeof(gh_capture_ops));
    ck_assert_ptr_nonnull(f->capture->release);
    ck_assert_ptr_null(f->stream);
    ck_assert_ptr_null(f->input);
}
END_TEST

START_TEST(test_probe_refuses_session_without_relay)
{
    gh_host host = { .relay_path = NULL };
    ck_assert_int_eq(relay_factory()->probe(&host, &fake_services), -ENODEV);
    ck_assert_str_eq(host.error, "capture.relay: the session has no frame relay");
    ck_assert_ptr_null(relay_factory()->create(&host, &fake_services));
}
END_TEST

START_TEST(test_probe_refuses_missing_region_file)
{
    gh_host host = { .relay_path = "/nonexistent/gh-relay" };
    ck_assert_int_eq(relay_factory()->probe(&host, &fake_services), -ENODEV);
    ck_assert_str_eq(host.error, "capture.relay: frame relay '/nonexistent/gh-relay': No such file or directory");
}
END_TEST

/* ---- delivering frames ---------------------------------------------------- */

START_TEST(test_grab_waits_until_producer_writes_header)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;
    char want[256];

    region_open(&r, SMALL_SIZE); /* all zero: the guest has not booted yet */
    gh_instance *inst = relay_open(&host, &r);
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    snprintf(want, sizeof(want), "capture.relay: %s: waiting for the producer to write the header", r.path);
    ck_assert_str_eq(host.error, want);

    ck_assert_int_eq(gh_relay_producer_init(&r.producer, r.mem, r.size, SMALL_W, SMALL_H, 3), 0);
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_str_eq(host.error, "capture.relay: no new frame within 0 ms");
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 1);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_grab_fills_frame_from_slot)
{
    region r;
    gh_host host = { .frozen = 1, .now = 777, .zero_copy = "0" };
    gh_frame frame;

    region_start(&r, 64, 48, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_heartbeat(&r.producer, 5);
    gh_relay_producer_write_frame(&r.producer, 42, 123456, 17);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.struct_size, sizeof(gh_frame));
    ck_assert_uint_eq(frame.format, GH_FORMAT_BGRX8888);
    ck_assert_uint_eq(frame.width, 64);
    ck_assert_uint_eq(frame.height, 48);
    ck_assert_uint_eq(frame.stride, 256);
    ck_assert_uint_eq(frame.n_damage, 0);
    ck_assert_ptr_null(frame.damage);
    ck_assert_uint_eq(frame.frame_number, 42);
    ck_assert_uint_eq(frame.timestamp_ns, 777); /* the host's clock, not the guest's */
    ck_assert_uint_eq(frame.input_events, 17);
    assert_frame_whole(&frame);
    /* The frame is the instance's copy: the guest overwriting the slot
     * afterwards does not change it, and release vouches for it. */
    memset((uint8_t *)region_slot(&r, 1) + sizeof(gh_relay_slot), 0, 64);
    assert_frame_whole(&frame);
    gh_relay_producer_write_frame(&r.producer, 43, 0, 0);
    gh_relay_producer_write_frame(&r.producer, 44, 0, 0);
    gh_relay_producer_write_frame(&r.producer, 45, 0, 0); /* slot 1 again */
    assert_frame_whole(&frame);
    ck_assert_int_eq(release(inst, &frame), 0);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_grab_never_redelivers_a_frame)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    uint64_t t0 = real_now_ns();
    ck_assert_int_eq(grab(inst, &frame, 30), -EAGAIN);
    ck_assert_uint_ge(real_now_ns() - t0, 30000000u); /* waited for a newer one */
    ck_assert_str_eq(host.error, "capture.relay: no new frame within 30 ms");
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_grab_refuses_older_slot_made_latest)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    uint32_t old = gh_relay_producer_write_frame(&r.producer, 9, 0, 0);
    gh_relay_producer_write_frame(&r.producer, 10, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 10);
    /* latest_slot pointing back at frame 9 is stale, not new. */
    region_header(&r)->latest_slot = old;
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_str_eq(host.error, "capture.relay: no new frame within 0 ms");
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

typedef struct late_writer {
    region *r;
    uint64_t frame_number;
} late_writer;

static void *
late_writer_run(void *data)
{
    late_writer *w = data;
    struct timespec ts = { 0, 30000000 };
    nanosleep(&ts, NULL);
    gh_relay_producer_write_frame(&w->r->producer, w->frame_number, 0, 0);
    return NULL;
}

START_TEST(test_grab_waits_for_next_frame_within_timeout)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;
    pthread_t t;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    late_writer w = { &r, 2 };
    ck_assert_int_eq(pthread_create(&t, NULL, late_writer_run, &w), 0);
    ck_assert_int_eq(grab(inst, &frame, 1000), 0);
    ck_assert_uint_eq(frame.frame_number, 2);
    pthread_join(t, NULL);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

/* ---- torn writes ---------------------------------------------------------- */

START_TEST(test_slot_being_written_is_never_delivered)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;
    char want[256];

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    uint32_t s = gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    region_slot(&r, s)->seq += 1; /* odd: the producer is inside step 3 */
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    snprintf(want, sizeof(want), "capture.relay: %s: the latest slot was torn 3 times in a row", r.path);
    ck_assert_str_eq(host.error, want);
    region_slot(&r, s)->seq += 1;
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 1);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

typedef struct tearer {
    region *r;
    int tears_left;          /* writes to do over the slot during the copy */
    int calls;
} tearer;

/* A whole write of the latest slot between the reader's copy and its second
 * look at seq: the copy is of the old frame, seq has moved by 2. */
static void
tearer_run(void *data)
{
    tearer *t = data;
    t->calls++;
    if (t->tears_left-- <= 0)
        return;
    gh_relay_slot *s = region_slot(t->r, region_header(t->r)->latest_slot);
    s->seq += 1;
    memset((uint8_t *)s + sizeof(*s), 0xee, 64);
    s->seq += 1;
}

START_TEST(test_slot_rewritten_during_copy_is_never_delivered)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    tearer t = { &r, 1000, 0 };
    cr_instance_set_copy_hook(inst, tearer_run, &t);
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_int_eq(t.calls, 3);
    ck_assert_ptr_nonnull(strstr(host.error, "the latest slot was torn 3 times in a row"));

    /* Torn twice, whole the third time: delivered, and it is the third copy. */
    gh_relay_producer_write_frame(&r.producer, 2, 0, 0);
    t.tears_left = 2;
    t.calls = 0;
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_int_eq(t.calls, 3);
    ck_assert_uint_eq(frame.frame_number, 2);
    ck_assert_uint_eq(frame.data[0], 0xee); /* what the slot held by then */
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

typedef struct racer {
    region *r;
    volatile int stop;
    uint64_t written;
} racer;

static void *
racer_run(void *data)
{
    racer *w = data;
    uint64_t n = 0;
    while (!w->stop) {
        n++;
        gh_relay_producer_write_frame(&w->r->producer, n, 0, n);
        gh_relay_producer_heartbeat(&w->r->producer, n);
    }
    w->written = n;
    return NULL;
}

/* _i 0: copying grabs, every frame whole.  _i 1: zero-copy, a producer
 * that never waits overwrites slots under the reader, and every frame that
 * release vouches for (0) was whole when read: what a consumer read of a
 * frame released with -ESTALE is discarded, as the pipeline does. */
START_TEST(test_concurrent_producer_never_yields_torn_frame)
{
    region r;
    gh_host host = { .zero_copy = _i ? "1" : "0" };
    gh_frame frame;
    pthread_t t;
    uint64_t last = 0, delivered = 0, stale = 0;
    uint8_t copy[64 * 48 * 4];

    region_start(&r, 64, 48, 3);
    gh_instance *inst = relay_open(&host, &r);
    racer w = { &r, 0, 0 };
    ck_assert_int_eq(pthread_create(&t, NULL, racer_run, &w), 0);
    uint64_t end = real_now_ns() + 300000000u;
    while (real_now_ns() < end) {
        if (grab(inst, &frame, 10) != 0)
            continue;
        ck_assert_uint_gt(frame.frame_number, last);
        last = frame.frame_number;
        memcpy(copy, frame.data, sizeof(copy)); /* the consumer's read */
        int rel = release(inst, &frame);
        ck_assert(rel == 0 || (_i && rel == -ESTALE));
        if (rel == -ESTALE) {
            stale++;
            continue;
        }
        frame.data = copy;
        assert_frame_whole(&frame);
        delivered++;
    }
    w.stop = 1;
    pthread_join(t, NULL);
    ck_assert_uint_gt(delivered, 10);
    if (!_i)
        ck_assert_uint_eq(stale, 0);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

/* ---- wraparound ----------------------------------------------------------- */

START_TEST(test_slots_and_frame_numbers_wrap_around)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;
    uint64_t n = UINT64_MAX - 500;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    for (int i = 0; i < 1000; i++) {
        if (++n == 0)
            n = 1; /* 0 means "no frame": producers skip it */
        uint32_t s = gh_relay_producer_write_frame(&r.producer, n, 0, 0);
        ck_assert_uint_eq(s, (uint32_t)(i + 1) % 3);
        ck_assert_int_eq(grab(inst, &frame, 0), 0);
        ck_assert_uint_eq(frame.frame_number, n);
        assert_frame_whole(&frame);
        ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    }
    ck_assert_uint_eq(n, 500);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_producer_restarting_its_count_is_followed)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_write_frame(&r.producer, 5000, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    /* The guest rebooted: a new header, frames from 1 again. */
    ck_assert_int_eq(gh_relay_producer_init(&r.producer, r.mem, r.size, SMALL_W, SMALL_H, 3), 0);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 1);
    ck_assert_int_eq(host.n_logs, 1);
    ck_assert_str_eq(host.logs[0], "3 relay producer restarted at frame 1 (last was 5000)");
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_frame_is_newer_rule)
{
    ck_assert_int_eq(cr_frame_is_newer(0, 0, 3), 0);
    ck_assert_int_eq(cr_frame_is_newer(1, 0, 3), 1);
    ck_assert_int_eq(cr_frame_is_newer(7, 7, 3), 0);
    ck_assert_int_eq(cr_frame_is_newer(5, 7, 3), 0);  /* an old slot */
    ck_assert_int_eq(cr_frame_is_newer(4, 7, 3), 1);  /* further back than the ring: restart */
    ck_assert_int_eq(cr_frame_is_newer(2, UINT64_MAX, 3), 1);
    ck_assert_int_eq(cr_frame_is_newer(UINT64_MAX, 1, 3), 0);  /* behind by 2 across the wrap */
}
END_TEST

/* ---- hostile regions ------------------------------------------------------ */

typedef struct hostile_case {
    const char *what;
    int in_slot;             /* offsets are in the latest slot, not the header */
    size_t offset;
    unsigned bytes;
    uint64_t value;
    size_t offset2;          /* a second field, when bytes2 != 0 */
    unsigned bytes2;
    uint64_t value2;
    const char *message;     /* after "capture.relay: PATH: " */
} hostile_case;

#define H(f) offsetof(gh_relay_header, f), sizeof(((gh_relay_header *)0)->f)
#define S(f) offsetof(gh_relay_slot, f), sizeof(((gh_relay_slot *)0)->f)

/* For 32x31 frames in 3 slots of 4096 bytes, 16384 bytes in all, slot 2 the
 * latest. */
static const hostile_case hostile_cases[] = {
    { "magic", 0, H(magic), 0x4141414141414141ull, 0, 0, 0,
      "magic 0x4141414141414141 is not the relay's (0x31594c4552484721)" },
    { "version", 0, H(version), 2, 0, 0, 0, "version 2 unsupported (this host reads version 1)" },
    { "header_size", 0, H(header_size), 64, 0, 0, 0, "header_size 64, expected 128" },
    { "region_size larger than the file", 0, H(region_size), 32768, 0, 0, 0,
      "region_size 32768 does not match the region's 16384 bytes" },
    { "slot_count 0", 0, H(slot_count), 0, 0, 0, 0, "slot_count 0 outside 3..8" },
    { "slot_count 2", 0, H(slot_count), 2, 0, 0, 0, "slot_count 2 outside 3..8" },
    { "slot_count 9", 0, H(slot_count), 9, 0, 0, 0, "slot_count 9 outside 3..8" },
    { "slot_size * slot_count overflows 32 bits", 0, H(slot_size), 0xfffff000u, H(slot_count), 8,
      "8 slots of 4294963200 bytes from slots_offset 4096 do not fit the region (16384 bytes)" },
    { "slots past the end", 0, H(slots_offset), 8192, 0, 0, 0,
      "3 slots of 4096 bytes from slots_offset 8192 do not fit the region (16384 bytes)" },
    { "slots_offset beyond the region", 0, H(slots_offset), 1ull << 40, 0, 0, 0,
      "slots_offset 1099511627776 is beyond the region (16384 bytes)" },
    { "slots_offset inside the header", 0, H(slots_offset), 64, 0, 0, 0,
      "slots_offset 64 is not a 64-byte aligned offset after the header" },
    { "slots_offset misaligned", 0, H(slots_offset), 4100, 0, 0, 0,
      "slots_offset 4100 is not a 64-byte aligned offset after the header" },
    { "slot_size not page-aligned", 0, H(slot_size), 4000, 0, 0, 0, "slot_size 4000 is not a positive multiple of 4096" },
    { "slot_size 0", 0, H(slot_size), 0, 0, 0, 0, "slot_size 0 is not a positive multiple of 4096" },
    { "max_width 100000", 0, H(max_width), 100000, 0, 0, 0, "max_width 100000 outside 1..7680" },
    { "max_height 0", 0, H(max_height), 0, 0, 0, 0, "max_height 0 outside 1..4320" },
    { "max frame larger than a slot", 0, H(max_width), 64, 0, 0, 0,
      "max_width x max_height 64x31 does not fit a slot of 4096 bytes" },
    { "latest_slot", 0, H(latest_slot), 7, 0, 0, 0, "latest_slot 7 outside 0..2" },
    { "slot width over max", 1, S(width), 33, 0, 0, 0, "slot 2: width 33 over max_width 32" },
    { "slot height over max", 1, S(height), 32, 0, 0, 0, "slot 2: height 32 over max_height 31" },
    { "slot empty", 1, S(width), 0, 0, 0, 0, "slot 2: empty frame 0x31" },
    { "stride < width * 4", 1, S(stride), 100, 0, 0, 0, "slot 2: stride 100 smaller than width * 4 (128)" },
    { "stride * height > slot", 1, S(stride), 256, 0, 0, 0,
      "slot 2: 31 rows of 256 bytes do not fit the slot (4096 bytes)" },
    { "stride * height overflows 32 bits", 1, S(stride), 0x80000000u, S(height), 2,
      "slot 2: 2 rows of 2147483648 bytes do not fit the slot (4096 bytes)" },
    { "format", 1, S(format), 9, 0, 0, 0, "slot 2: format 9 unknown" },
};

static void
poke(uint8_t *p, unsigned bytes, uint64_t value)
{
    if (bytes == 8) {
        memcpy(p, &value, 8);
    } else {
        uint32_t v = (uint32_t)value;
        ck_assert_uint_eq(bytes, 4);
        memcpy(p, &v, 4);
    }
}

/* A valid region with frames 1 and 2 (slot 2 the latest), then the case's
 * fields overwritten. */
static void
hostile_fill(uint8_t *mem, const hostile_case *c)
{
    gh_relay_producer p;
    ck_assert_int_eq(gh_relay_producer_init(&p, mem, SMALL_SIZE, SMALL_W, SMALL_H, 3), 0);
    ck_assert_uint_eq(p.slot_size, 4096);
    gh_relay_producer_write_frame(&p, 1, 0, 0);
    ck_assert_uint_eq(gh_relay_producer_write_frame(&p, 2, 0, 0), 2);
    uint8_t *base = c->in_slot ? mem + GH_RELAY_SLOTS_OFFSET + 2u * 4096u : mem;
    poke(base + c->offset, c->bytes, c->value);
    if (c->bytes2)
        poke(base + c->offset2, c->bytes2, c->value2);
}

START_TEST(test_sizing_rule_small_region_is_exact)
{
    ck_assert_uint_eq(gh_relay_slot_size(SMALL_W, SMALL_H), 4096);
    ck_assert_uint_eq(gh_relay_region_size(SMALL_W, SMALL_H, 3), SMALL_SIZE);
}
END_TEST

/* The reader's functions on a heap copy of exact size: any read past the
 * region is an AddressSanitizer error. */
START_TEST(test_hostile_region_refused_in_bounds)
{
    const hostile_case *c = &hostile_cases[_i];
    uint8_t *mem = aligned_alloc(64, SMALL_SIZE);
    uint8_t *dst = malloc(SMALL_SIZE);
    cr_layout layout;
    cr_slot_meta meta;
    uint32_t latest;
    char err[256] = "";
    int r;

    ck_assert_ptr_nonnull(mem);
    hostile_fill(mem, c);
    r = cr_layout_check(mem, SMALL_SIZE, &layout, err, sizeof(err));
    if (r == 0)
        r = cr_latest_slot(mem, &layout, &latest, err, sizeof(err));
    if (r == 0) {
        /* Only as much as the layout promises a frame may need. */
        dst = realloc(dst, cr_layout_frame_capacity(&layout));
        r = cr_slot_read(mem, &layout, latest, 0, dst, &meta, NULL, NULL, err, sizeof(err));
        if (c->in_slot) {
            /* The zero-copy look refuses the same slot, the same way. */
            char err2[256] = "";
            uint64_t seq = 0;
            ck_assert_int_eq(cr_slot_peek(mem, &layout, latest, 0, &meta, &seq, NULL, NULL, err2, sizeof(err2)), r);
            ck_assert_str_eq(err2, err);
        }
    }
    ck_assert_msg(r == -EINVAL, "%s: got %d, not -EINVAL", c->what, r);
    ck_assert_str_eq(err, c->message);
    free(dst);
    free(mem);
}
END_TEST

/* Zero-copy (the default) and, in the second pass, copying grabs. */
START_TEST(test_hostile_region_refused_by_grab)
{
    int n = (int)(sizeof(hostile_cases) / sizeof(hostile_cases[0]));
    const hostile_case *c = &hostile_cases[_i % n];
    region r;
    gh_host host = { .zero_copy = _i < n ? NULL : "0" };
    gh_frame frame;
    char want[512];

    region_open(&r, SMALL_SIZE);
    gh_instance *inst = relay_open(&host, &r);
    hostile_fill(r.mem, c);
    ck_assert_int_eq(grab(inst, &frame, 0), -EINVAL);
    snprintf(want, sizeof(want), "capture.relay: %s: %s", r.path, c->message);
    ck_assert_str_eq(host.error, want);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_metadata_changed_after_valid_frame_is_rechecked)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    uint32_t s = gh_relay_producer_write_frame(&r.producer, 2, 0, 0);
    region_slot(&r, s)->stride = 1u << 20;
    ck_assert_int_eq(grab(inst, &frame, 0), -EINVAL);
    ck_assert_ptr_nonnull(strstr(host.error, "31 rows of 1048576 bytes do not fit the slot (4096 bytes)"));
    gh_relay_producer_write_frame(&r.producer, 3, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0); /* a good frame again is delivered again */
    ck_assert_uint_eq(frame.frame_number, 3);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_create_refuses_region_smaller_than_a_page)
{
    region r;
    gh_host host = { 0 };

    region_open(&r, 100);
    host.relay_path = r.path;
    ck_assert_ptr_null(relay_factory()->create(&host, &fake_services));
    ck_assert_ptr_nonnull(strstr(host.error, "is not a region file of at least 4096 bytes"));
    region_close(&r);
}
END_TEST

/* ---- zero-copy grabs and release ---------------------------------------- */

START_TEST(test_zero_copy_frame_points_into_the_slot)
{
    region r;
    gh_host host = { 0 }; /* no zero_copy option: on by default */
    gh_frame frame;
    uint64_t size;

    region_start(&r, 64, 48, 3);
    gh_instance *inst = relay_open(&host, &r);
    uint32_t s = gh_relay_producer_write_frame(&r.producer, 7, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    const uint8_t *mem = cr_instance_region(inst, &size);
    ck_assert_uint_eq(size, r.size);
    ck_assert_ptr_eq(frame.data, mem + GH_RELAY_SLOTS_OFFSET + (uint64_t)s * r.producer.slot_size + sizeof(gh_relay_slot));
    ck_assert(frame.data + (size_t)frame.stride * frame.height <= mem + size);
    assert_frame_whole(&frame);
    /* In place: what the producer writes there shows through the frame. */
    ((uint8_t *)region_slot(&r, s))[sizeof(gh_relay_slot)] ^= 0xff;
    ck_assert_uint_eq(frame.data[0], (uint8_t)~gh_relay_producer_pattern(7));
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_release_of_untouched_slot_is_0)
{
    region r;
    gh_host host = { .zero_copy = "1" };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    /* Frames into the other two slots: slot_count - 1 frame times of reuse
     * window, and the frame held is still intact. */
    gh_relay_producer_write_frame(&r.producer, 2, 0, 0);
    gh_relay_producer_write_frame(&r.producer, 3, 0, 0);
    assert_frame_whole(&frame);
    ck_assert_int_eq(release(inst, &frame), 0);
    ck_assert_str_eq(host.error, "");
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_release_after_producer_rewrote_slot_is_estale)
{
    region r;
    gh_host host = { .zero_copy = "1" };
    gh_frame frame;
    char want[512];

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    uint32_t s = gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    gh_relay_producer_write_frame(&r.producer, 2, 0, 0);
    gh_relay_producer_write_frame(&r.producer, 3, 0, 0);
    ck_assert_uint_eq(gh_relay_producer_write_frame(&r.producer, 4, 0, 0), s); /* the third reuses it */
    ck_assert_uint_eq(frame.data[0], (uint8_t)gh_relay_producer_pattern(4)); /* what the consumer saw changed */
    ck_assert_int_eq(release(inst, &frame), -ESTALE);
    snprintf(want, sizeof(want), "capture.relay: %s: frame 1 was overwritten while in use", r.path);
    ck_assert_str_eq(host.error, want);
    /* The next grab is the newest frame, released intact. */
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 4);
    ck_assert_int_eq(release(inst, &frame), 0);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_release_while_producer_writes_slot_is_estale)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    uint32_t s = gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    region_slot(&r, s)->seq += 1; /* step 2 of a write: odd, no pixel changed yet */
    ck_assert_int_eq(release(inst, &frame), -ESTALE);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_release_without_a_held_frame_is_refused)
{
    region r;
    gh_host host = { 0 };
    gh_frame frame, other;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    other = frame;
    other.data = frame.data + 4;
    ck_assert_int_eq(release(inst, &other), -EINVAL);
    ck_assert_str_eq(host.error, "capture.relay: release of a frame that is not the last one grabbed");
    ck_assert_int_eq(release(inst, &frame), 0);
    ck_assert_int_eq(release(inst, &frame), -EINVAL); /* once per grab */
    /* A grab that found nothing new holds nothing. */
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_int_eq(release(inst, &frame), -EINVAL);
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_zero_copy_option_other_than_0_or_1_is_refused)
{
    region r;
    gh_host host = { .zero_copy = "yes" };

    region_start(&r, SMALL_W, SMALL_H, 3);
    host.relay_path = r.path;
    ck_assert_ptr_null(relay_factory()->create(&host, &fake_services));
    ck_assert_str_eq(host.error, "capture.relay: option zero_copy is 'yes', not 0 or 1");
    region_close(&r);
}
END_TEST

/* ---- the heartbeat -------------------------------------------------------- */

START_TEST(test_stopped_heartbeat_reported_once_and_resume_logged)
{
    region r;
    gh_host host = { .frozen = 1, .now = 1000000000u };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_heartbeat(&r.producer, 1);
    gh_relay_producer_write_frame(&r.producer, 1, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);

    host.now += 1000000000u; /* exactly 1 s: not yet */
    gh_relay_producer_write_frame(&r.producer, 2, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);

    host.now += 500000000u;
    gh_relay_producer_write_frame(&r.producer, 3, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_str_eq(host.error, "capture.relay: relay producer stopped (no heartbeat for 1500 ms)");
    host.now += 500000000u;
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_str_eq(host.error, "capture.relay: relay producer stopped (no heartbeat for 2000 ms)");
    ck_assert_int_eq(host.n_logs, 1);
    ck_assert_str_eq(host.logs[0], "2 relay producer stopped (no heartbeat for 1500 ms)");

    host.now += 10000000u;
    gh_relay_producer_heartbeat(&r.producer, 2);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 3);
    ck_assert_int_eq(host.n_logs, 2);
    ck_assert_str_eq(host.logs[1], "3 relay producer resumed after 2010 ms");
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

/* A producer that writes only what changed goes quiet on a still picture,
 * heartbeat going on: the latest frame is delivered again once a second,
 * never sooner, and never when the heartbeat has stopped. */
START_TEST(test_still_picture_delivered_again_each_second_while_the_heartbeat_goes_on)
{
    region r;
    gh_host host = { .frozen = 1, .now = 1000000000u };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    gh_relay_producer_heartbeat(&r.producer, 1);
    gh_relay_producer_write_frame(&r.producer, 7, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 7);

    host.now += 999999999u;
    gh_relay_producer_heartbeat(&r.producer, 2);
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_str_eq(host.error, "capture.relay: no new frame within 0 ms");

    host.now += 1u;
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 7);
    ck_assert_uint_eq(((const uint32_t *)frame.data)[0], gh_relay_producer_pattern(7));
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN); /* the repeat counts as a delivery */

    gh_relay_producer_write_frame(&r.producer, 8, 0, 0);
    ck_assert_int_eq(grab(inst, &frame, 0), 0);
    ck_assert_uint_eq(frame.frame_number, 8);

    host.now += 1500000000u; /* a second and a half, the heartbeat stopped */
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_str_eq(host.error, "capture.relay: relay producer stopped (no heartbeat for 1500 ms)");
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

START_TEST(test_producer_that_never_beats_is_reported)
{
    region r;
    gh_host host = { .frozen = 1, .now = 5 };
    gh_frame frame;

    region_start(&r, SMALL_W, SMALL_H, 3);
    gh_instance *inst = relay_open(&host, &r);
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN); /* header seen: the clock starts */
    host.now += 1200000000u;
    ck_assert_int_eq(grab(inst, &frame, 0), -EAGAIN);
    ck_assert_str_eq(host.error, "capture.relay: relay producer stopped (no heartbeat for 1200 ms)");
    relay_factory()->destroy(inst);
    region_close(&r);
}
END_TEST

/* ---- the sizing rule ------------------------------------------------------ */

START_TEST(test_sizing_rule_values)
{
    ck_assert_uint_eq(gh_relay_slot_size(640, 480), 1232896);      /* 64 + 1228800, to 4 KiB */
    ck_assert_uint_eq(gh_relay_region_size(640, 480, 3), 4u << 20);
    ck_assert_uint_eq(gh_relay_region_size(1920, 1080, 3), 32u << 20);
    ck_assert_uint_eq(gh_relay_region_size(3840, 2160, 3), 128u << 20);
    ck_assert_uint_eq(gh_relay_region_size(1920, 1080, 8), 64u << 20);
}
END_TEST

START_TEST(test_producer_refuses_region_below_sizing_rule)
{
    static uint8_t mem[SMALL_SIZE];
    gh_relay_producer p;
    ck_assert_int_eq(gh_relay_producer_init(&p, mem, SMALL_SIZE - 4096, SMALL_W, SMALL_H, 3), -EINVAL);
    ck_assert_int_eq(gh_relay_producer_init(&p, mem, SMALL_SIZE, SMALL_W, SMALL_H, 2), -EINVAL);
    ck_assert_int_eq(gh_relay_producer_init(&p, mem, SMALL_SIZE, SMALL_W, SMALL_H, 3), 0);
}
END_TEST

static Suite *
relay_suite(void)
{
    Suite *s = suite_create("capture-relay");
    TCase *tc;
    int n_hostile = (int)(sizeof(hostile_cases) / sizeof(hostile_cases[0]));

    tc = tcase_create("plugin");
    tcase_add_test(tc, test_plugin_descriptor);
    tcase_add_test(tc, test_probe_refuses_session_without_relay);
    tcase_add_test(tc, test_probe_refuses_missing_region_file);
    tcase_add_test(tc, test_create_refuses_region_smaller_than_a_page);
    suite_add_tcase(s, tc);

    tc = tcase_create("frames");
    tcase_add_test(tc, test_grab_waits_until_producer_writes_header);
    tcase_add_test(tc, test_grab_fills_frame_from_slot);
    tcase_add_test(tc, test_grab_never_redelivers_a_frame);
    tcase_add_test(tc, test_grab_refuses_older_slot_made_latest);
    tcase_add_test(tc, test_grab_waits_for_next_frame_within_timeout);
    tcase_add_test(tc, test_slots_and_frame_numbers_wrap_around);
    tcase_add_test(tc, test_producer_restarting_its_count_is_followed);
    tcase_add_test(tc, test_frame_is_newer_rule);
    suite_add_tcase(s, tc);

    tc = tcase_create("torn");
    tcase_add_test(tc, test_slot_being_written_is_never_delivered);
    tcase_add_test(tc, test_slot_rewritten_during_copy_is_never_delivered);
    tcase_add_loop_test(tc, test_concurrent_producer_never_yields_torn_frame, 0, 2);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_test(tc, test_sizing_rule_small_region_is_exact);
    tcase_add_loop_test(tc, test_hostile_region_refused_in_bounds, 0, n_hostile);
    tcase_add_loop_test(tc, test_hostile_region_refused_by_grab, 0, 2 * n_hostile);
    tcase_add_test(tc, test_metadata_changed_after_valid_frame_is_rechecked);
    suite_add_tcase(s, tc);

    tc = tcase_create("zero-copy");
    tcase_add_test(tc, test_zero_copy_frame_points_into_the_slot);
    tcase_add_test(tc, test_release_of_untouched_slot_is_0);
    tcase_add_test(tc, test_release_after_producer_rewrote_slot_is_estale);
    tcase_add_test(tc, test_release_while_producer_writes_slot_is_estale);
    tcase_add_test(tc, test_release_without_a_held_frame_is_refused);
    tcase_add_test(tc, test_zero_copy_option_other_than_0_or_1_is_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("heartbeat");
    tcase_add_test(tc, test_stopped_heartbeat_reported_once_and_resume_logged);
    tcase_add_test(tc, test_producer_that_never_beats_is_reported);
    tcase_add_test(tc, test_still_picture_delivered_again_each_second_while_the_heartbeat_goes_on);
    suite_add_tcase(s, tc);

    tc = tcase_create("sizing");
    tcase_add_test(tc, test_sizing_rule_values);
    tcase_add_test(tc, test_producer_refuses_region_below_sizing_rule);
    suite_add_tcase(s, tc);
    return s;
}

static void
region_dir_remove(void)
{
    DIR *d = opendir(region_dir);
    struct dirent *e;
    char path[384];

    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", region_dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(region_dir);
}

int
main(void)
{
    snprintf(region_dir, sizeof(region_dir), "%s/gh-test-relay.XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(region_dir)) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(relay_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    region_dir_remove();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
