/* relay-bench: measures capture.relay through the plugin ABI, the way the
 * daemon uses it: dlopen()s the installed capture-relay.so, finds the
 * "capture.relay" factory and drives it with a minimal in-process host
 * services table.  A producer (bench/relay-producer) writes the region in
 * another process.
 *
 * Usage:
 *   relay-bench grab PLUGIN_SO RELAY_PATH SECONDS [zero_copy=0|1] [touch=0|1]
 *       polls grab(timeout 0) for SECONDS; times each grab that returned a
 *       frame, with its release (the steady-state cost: checks, plus one
 *       copy with zero_copy=0; no waiting).
 *   relay-bench cpu PLUGIN_SO RELAY_PATH SECONDS [zero_copy=0|1] [touch=0|1]
 *       grabs and releases as the session pipeline does (grab with a
 *       one-period timeout, 16 ms) for SECONDS; reports the getrusage CPU
 *       time of this (single-threaded) process as % of one core.
 *   relay-bench memcpy WIDTH HEIGHT
 *       the plain memcpy of one WIDTHxHEIGHT BGRX frame, for ~1 s.
 * zero_copy is the plugin's option (absent: the plugin's default).  touch=1
 * makes the consumer read each frame once, one byte per 64-byte cache line,
 * before release: what any consumer (an encoder) pays at least to look at
 * a frame; touch=0 measures capture alone.
 * Each prints one line of key=value pairs on stdout for bench/capture-paths.sh. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gamehost/plugin.h>

#include "bench-plugin.h"

#include "relay-producer.h"

struct gh_host {
    const char *relay_path;
    const char *zero_copy;   /* the plugin's option, or NULL */
    char error[512];
};

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
svc_log(gh_host *host, uint32_t level, const char *msg)
{
    fprintf(stderr, "relay-bench: plugin log %u: %s\n", level, msg);
}

static uint64_t
svc_now_ns(gh_host *host)
{
    return now_ns();
}

static void
svc_set_error(gh_host *host, const char *msg)
{
    snprintf(host->error, sizeof(host->error), "%s", msg);
}

static const char *
svc_relay_path(gh_host *host)
{
    return host->relay_path;
}

static const char *
svc_option(gh_host *host, const char *key)
{
    return strcmp(key, "zero_copy") == 0 ? host->zero_copy : NULL;
}

static const gh_host_services services = {
    .struct_size = sizeof(gh_host_services),
    .version = GH_HOST_SERVICES_VERSION,
    .log = svc_log,
    .now_ns = svc_now_ns,
    .set_error = svc_set_error,
    .relay_path = svc_relay_path,
    .option = svc_option,
};

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Checks the first and last pixel against the producer's pattern: a cheap
 * guard that what is timed is a whole frame. */
static int
frame_whole(const gh_frame *f)
{
    uint32_t want = gh_relay_producer_pattern(f->frame_number), first, last;
    memcpy(&first, f->data, 4);
    memcpy(&last, f->data + (size_t)(f->height - 1) * f->stride + (size_t)(f->width - 1) * 4, 4);
    return first == want && last == want;
}

/* One read of every cache line of the frame, as a consumer's first look. */
static uint64_t
frame_touch(const gh_frame *f)
{
    uint64_t sum = 0;

    for (uint32_t y = 0; y < f->height; y++) {
        const volatile uint8_t *row = f->data + (size_t)y * f->stride;
        for (uint32_t x = 0; x < f->width * 4u; x += 64)
            sum += row[x];
    }
    return sum;
}

static int
run_grab(const gh_backend_factory *f, gh_instance *inst, gh_host *host, double seconds, int pipeline, int touch)
{
    uint64_t cap = (uint64_t)(seconds * 1000) + 16, n = 0, skipped = 0, eagain = 0, last = 0, torn = 0;
    uint64_t stale = 0, touched = 0;
    uint64_t *times = calloc(cap, sizeof(*times));
    uint64_t start, end;
    struct rusage ru0, ru1;
    gh_frame frame;
    uint32_t w = 0, h = 0;

    if (!times)
        return 1;
    getrusage(RUSAGE_SELF, &ru0);
    start = now_ns();
    end = start + (uint64_t)(seconds * 1e9);
    while (now_ns() < end) {
        /* Timed: grab, (touch,) the two-pixel check and release. */
        uint64_t t0 = now_ns();
        int r = f->capture->grab(inst, &frame, pipeline ? 16 : 0);
        uint64_t t1 = now_ns();
        if (r == -EAGAIN) {
            eagain++;
            if (!pipeline) {
                struct timespec ts = { 0, 100000 };
                nanosleep(&ts, NULL);
            }
            continue;
        }
        if (r < 0) {
            fprintf(stderr, "relay-bench: grab: %s (%s)\n", strerror(-r), host->error);
            free(times);
            return 1;
        }
        if (touch)
            touched += frame_touch(&frame);
        /* Checked before release: a whole first and last pixel, then a
         * release that vouches for the frame.  A stale frame is not torn. */
        int whole = frame_whole(&frame);
        int rel = f->capture->release ? f->capture->release(inst, &frame) : 0;
        if (rel == -ESTALE)
            stale++;
        else if (rel < 0) {
            fprintf(stderr, "relay-bench: release: %s (%s)\n", strerror(-rel), host->error);
            free(times);
            return 1;
        } else if (!whole)
            torn++;
        t1 = now_ns();
        if (last && frame.frame_number > last + 1)
            skipped += frame.frame_number - last - 1;
        last = frame.frame_number;
        w = frame.width;
        h = frame.height;
        if (n < cap)
            times[n] = t1 - t0;
        n++;
    }
    double wall = (double)(now_ns() - start) / 1e9;
    getrusage(RUSAGE_SELF, &ru1);
    double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                 (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
    uint64_t m = n < cap ? n : cap;
    double sum = 0;
    for (uint64_t i = 0; i < m; i++)
        sum += (double)times[i];
    qsort(times, m, sizeof(*times), cmp_u64);
    printf("size=%ux%u frames=%" PRIu64 " seconds=%.2f fps=%.1f grab_ms_mean=%.4f grab_ms_p50=%.4f grab_ms_max=%.3f "
           "skipped=%" PRIu64 " torn=%" PRIu64 " stale=%" PRIu64 " eagain=%" PRIu64 " cpu_s=%.3f cpu_pct=%.2f "
           "nvcsw=%ld zero_copy=%s touch=%d check=%" PRIu64 "\n",
           w, h, n, wall, (double)n / wall, m ? sum / (double)m / 1e6 : 0.0, m ? (double)times[m / 2] / 1e6 : 0.0,
           m ? (double)times[m - 1] / 1e6 : 0.0, skipped, torn, stale, eagain, cpu, 100.0 * cpu / wall,
           ru1.ru_nvcsw - ru0.ru_nvcsw, host->zero_copy ? host->zero_copy : "default", touch, touched % 10);
    free(times);
    return torn ? 1 : 0;
}

static int
run_memcpy(uint32_t width, uint32_t height)
{
    size_t len = (size_t)width * height * 4;
    uint8_t *src = malloc(len), *dst = malloc(len);
    uint64_t n = 0, start, best = UINT64_MAX;

    if (!src || !dst)
        return 1;
    memset(src, 0x5a, len);
    memset(dst, 0, len);
    start = now_ns();
    while (now_ns() - start < 1000000000u) {
        uint64_t t0 = now_ns();
        src[n % len] = (uint8_t)n; /* the source changes, as a new frame would */
        memcpy(dst, src, len);
        uint64_t t1 = now_ns();
        if (t1 - t0 < best)
            best = t1 - t0;
        n++;
    }
    double mean = (double)(now_ns() - start) / (double)n / 1e6;
    printf("size=%ux%u copies=%" PRIu64 " memcpy_ms_mean=%.3f memcpy_ms_best=%.3f gbps=%.2f check=%u\n", width, height,
           n, mean, (double)best / 1e6, (double)len / (mean / 1e3) / 1e9, dst[len / 2]);
    free(src);
    free(dst);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "memcpy") == 0)
        return run_memcpy((uint32_t)strtoul(argv[2], NULL, 10), (uint32_t)strtoul(argv[3], NULL, 10));
    gh_host host = { 0 };
    int touch = 0, bad = argc < 5 || argc > 7 || (strcmp(argv[1], "grab") != 0 && strcmp(argv[1], "cpu") != 0);
    for (int i = 5; !bad && i < argc; i++) {
        if (strcmp(argv[i], "zero_copy=0") == 0 || strcmp(argv[i], "zero_copy=1") == 0)
            host.zero_copy = argv[i] + strlen("zero_copy=");
        else if (strcmp(argv[i], "touch=0") == 0 || strcmp(argv[i], "touch=1") == 0)
            touch = argv[i][strlen("touch=")] == '1';
        else
            bad = 1;
    }
    if (bad) {
        fprintf(stderr, "usage: relay-bench grab|cpu PLUGIN_SO RELAY_PATH SECONDS [zero_copy=0|1] [touch=0|1]\n"
                        "       relay-bench memcpy WIDTH HEIGHT\n");
        return 2;
    }
    const gh_backend_factory *f = bench_load_factory("relay-bench", argv[2], "capture.relay");
    host.relay_path = argv[3];
    if (!f)
        return 1;
    if (f->probe && f->probe(&host, &services) < 0) {
        fprintf(stderr, "relay-bench: probe: %s\n", host.error);
        return 1;
    }
    gh_instance *inst = f->create(&host, &services);
    if (!inst) {
        fprintf(stderr, "relay-bench: create: %s\n", host.error);
        return 1;
    }
    int rc = run_grab(f, inst, &host, strtod(argv[4], NULL), strcmp(argv[1], "cpu") == 0, touch);
    f->destroy(inst);
    return rc;
}
