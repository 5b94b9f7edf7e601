/* relay-producer: a host process writing the frame relay protocol
 * (include/gamehost/relay.h) at any resolution and rate, standing in for a
 * guest producer in benchmarks and by-hand tests of capture.relay.
 *
 * Usage: relay-producer PATH WIDTH HEIGHT FPS SECONDS
 *   PATH     the region file to create (e.g. /dev/shm/gh-bench), sized by
 *            the sizing rule for 3 slots; removed on exit
 *   FPS      frames per second, 0 for as fast as it can write
 *   SECONDS  how long to run, 0 until SIGINT/SIGTERM
 * The heartbeat is bumped with every frame and at least every 100 ms.
 * On exit it prints "frames=N seconds=S fps=F" on stderr. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <gamehost/relay.h>

#include "relay-producer.h"

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
    (void)sig;
    quit = 1;
}

static uint64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
parse_u32(const char *s, const char *what, uint32_t *out)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || end == s || v > UINT32_MAX) {
        fprintf(stderr, "relay-producer: %s '%s' is not a number\n", what, s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int
main(int argc, char **argv)
{
    uint32_t width, height, fps, seconds;
    gh_relay_producer p;
    uint64_t size, start, next, last_beat, end, period, n = 0;
    void *mem;
    int fd;

    if (argc != 6) {
        fprintf(stderr, "usage: relay-producer PATH WIDTH HEIGHT FPS SECONDS\n");
        return 2;
    }
    if (parse_u32(argv[2], "WIDTH", &width) < 0 || parse_u32(argv[3], "HEIGHT", &height) < 0 ||
        parse_u32(argv[4], "FPS", &fps) < 0 || parse_u32(argv[5], "SECONDS", &seconds) < 0)
        return 2;
    if (width == 0 || height == 0 || width > GH_RELAY_MAX_WIDTH || height > GH_RELAY_MAX_HEIGHT) {
        fprintf(stderr, "relay-producer: %ux%u outside 1x1..%ux%u\n", width, height, GH_RELAY_MAX_WIDTH,
                GH_RELAY_MAX_HEIGHT);
        return 2;
    }
    size = gh_relay_region_size(width, height, GH_RELAY_MIN_SLOTS);

    fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        fprintf(stderr, "relay-producer: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (mem == MAP_FAILED) {
        fprintf(stderr, "relay-producer: mmap %s: %s\n", argv[1], strerror(errno));
        unlink(argv[1]);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    gh_relay_producer_init(&p, mem, size, width, height, GH_RELAY_MIN_SLOTS);

    period = fps ? 1000000000u / fps : 0;
    start = next = last_beat = now_ns();
    end = seconds ? start + (uint64_t)seconds * 1000000000u : UINT64_MAX;
    gh_relay_producer_heartbeat(&p, start);
    while (!quit) {
        uint64_t t = now_ns();
        if (t >= end)
            break;
        if (t >= next) {
            n++;
            gh_relay_producer_write_frame(&p, n, t, 0);
            gh_relay_producer_heartbeat(&p, t);
            last_beat = t;
            next += period;
            if (next < t)
                next = t; /* fell behind: no burst to catch up */
            continue;
        }
        if (t - last_beat >= 100000000u) {
            gh_relay_producer_heartbeat(&p, t);
            last_beat = t;
        }
        uint64_t until = next < last_beat + 100000000u ? next : last_beat + 100000000u;
        struct timespec ts = { (time_t)(until / 1000000000u), (long)(until % 1000000000u) };
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    double secs = (double)(now_ns() - start) / 1e9;
    fprintf(stderr, "frames=%" PRIu64 " seconds=%.2f fps=%.1f\n", n, secs, (double)n / secs);
    munmap(mem, size);
    unlink(argv[1]);
    return 0;
}
