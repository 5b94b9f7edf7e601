/* agent-tick: what one gamehost-agent tick costs in CPU time: read the
 * scanout into RAM, compare it with the last frame published, and publish
 * it into the relay when it changed (frame.c, relay-writer.c).  The scanout
 * here is ordinary RAM, so on a real display it is a lower bound: VRAM and
 * BAR reads are slower.  Also times two other ways to read and compare, for
 * the choice made in frame.c.  Prints a table; never part of `make check`.
 *
 *     make -C build bench/agent-tick && build/bench/agent-tick [ITERATIONS] */
#include <emmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gamehost/relay.h>

#include "frame.h"
#include "relay-writer.h"

static uint64_t
bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
bench_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The other ways: the whole frame copied, then compared in one memcmp. */
static int
bench_copy_then_memcmp(agent_frame *f, const uint8_t *src, uint32_t stride)
{
    size_t row = (size_t)f->width * 4u;

    for (uint32_t y = 0; y < f->height; y++)
        memcpy(f->cur + y * row, src + (size_t)y * stride, row);
    return memcmp(f->cur, f->last, row * f->height) != 0;
}

/* ... and one fused pass: load 16 bytes, compare with the last frame, store;
 * plain copies once a difference is found.  Rows a multiple of 16 bytes. */
static int
bench_fused_sse2(agent_frame *f, const uint8_t *src, uint32_t stride)
{
    size_t row = (size_t)f->width * 4u;
    int changed = 0;

    for (uint32_t y = 0; y < f->height; y++) {
        const __m128i *s = (const __m128i *)(src + (size_t)y * stride);
        const __m128i *l = (const __m128i *)(f->last + y * row);
        __m128i *d = (__m128i *)(f->cur + y * row);
        size_t i = 0, n = row / 16;

        for (; !changed && i < n; i++) {
            __m128i v = _mm_loadu_si128(s + i);
            changed = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_loadu_si128(l + i))) != 0xffff;
            _mm_storeu_si128(d + i, v);
        }
        if (i < n)
            memcpy(d + i, s + i, (n - i) * 16);
    }
    return changed;
}

typedef int (*bench_read_fn)(agent_frame *f, const uint8_t *src, uint32_t stride);

/* Median and 99th percentile of n ticks, in microseconds. */
static void
bench_report(const char *what, uint32_t w, uint32_t h, uint64_t *ns, int n)
{
    qsort(ns, (size_t)n, sizeof(*ns), bench_cmp);
    printf("%-34s %5ux%-5u %9.1f %9.1f\n", what, w, h, ns[n / 2] / 1e3, ns[n * 99 / 100] / 1e3);
}

static void
bench_size(uint32_t w, uint32_t h, int iterations)
{
    uint32_t stride = w * 4u + 256u;  /* padded rows, as a driver's pitch may be */
    uint64_t size = gh_relay_region_size(w, h, GH_RELAY_MIN_SLOTS);
    uint8_t *src = malloc((size_t)stride * h), *mem = aligned_alloc(4096, size);
    uint64_t *ns = malloc(sizeof(*ns) * (size_t)iterations);
    agent_frame f = { 0 };
    agent_relay r;

    if (!src || !mem || !ns || agent_frame_resize(&f, w, h) < 0) {
        fprintf(stderr, "agent-tick: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < (size_t)stride * h; i++)
        src[i] = (uint8_t)(i * 31u);
    memset(mem, 0, size);
    agent_relay_attach(&r, mem, size);
    agent_relay_start(&r, w, h, GH_RELAY_MIN_SLOTS, 0);
    agent_frame_update(&f, &r, src, stride, GH_RELAY_FORMAT_BGRX8888, 0);

    for (int i = 0; i < iterations; i++) {
        uint64_t t = bench_now_ns();
        if (agent_frame_update(&f, &r, src, stride, GH_RELAY_FORMAT_BGRX8888, t) != 0)
            exit(1);
        ns[i] = bench_now_ns() - t;
    }
    bench_report("unchanged: read + compare", w, h, ns, iterations);

    /* The worst case for the compare: the change is in the last pixel. */
    uint8_t *last_px = src + (size_t)(h - 1) * stride + (w - 1) * 4u;
    for (int i = 0; i < iterations; i++) {
        *last_px ^= 0x01;
        uint64_t t = bench_now_ns();
        if (agent_frame_update(&f, &r, src, stride, GH_RELAY_FORMAT_BGRX8888, t) != 1)
            exit(1);
        ns[i] = bench_now_ns() - t;
    }
    bench_report("last pixel changed: + publish", w, h, ns, iterations);

    static const struct {
        const char *what;
        bench_read_fn fn;
    } others[] = {
        { "unchanged, copy then one memcmp", bench_copy_then_memcmp },
        { "unchanged, fused SSE2 pass", bench_fused_sse2 },
    };
    for (size_t k = 0; k < sizeof(others) / sizeof(others[0]); k++) {
        for (int i = 0; i < iterations; i++) {
            uint64_t t = bench_now_ns();
            if (others[k].fn(&f, src, stride) != 0)
                exit(1);
            ns[i] = bench_now_ns() - t;
        }
        bench_report(others[k].what, w, h, ns, iterations);
    }
    agent_frame_free(&f);
    free(ns);
    free(mem);
    free(src);
}

int
main(int argc, char **argv)
{
    int iterations = argc > 1 ? atoi(argv[1]) : 600;

    if (iterations < 1) {
        fprintf(stderr, "usage: agent-tick [ITERATIONS]\n");
        return 2;
    }
    printf("%-34s %11s %9s %9s\n", "tick (one CPU, scanout in RAM)", "size", "p50 us", "p99 us");
    bench_size(640, 480, iterations);
    bench_size(1280, 800, iterations);
    bench_size(1920, 1080, iterations);
    return 0;
}
