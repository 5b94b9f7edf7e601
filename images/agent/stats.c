/* The stats window (stats.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "stats.h"

void
agent_stats_restart(agent_stats *s, uint64_t now_ns, uint64_t cpu_us)
{
    s->window_start_ns = now_ns;
    s->window_cpu_us = cpu_us;
    s->ticks = s->frames = s->unchanged = 0;
    s->n_ages = 0;
}

void
agent_stats_published(agent_stats *s, uint64_t age_ns)
{
    s->ticks++;
    s->frames++;
    s->frames_total++;
    if (s->n_ages < AGENT_STATS_MAX_AGES)
        s->ages_us[s->n_ages++] = (uint32_t)(age_ns / 1000u > UINT32_MAX ? UINT32_MAX : age_ns / 1000u);
}

void
agent_stats_tick(agent_stats *s, int unchanged)
{
    s->ticks++;
    if (unchanged)
        s->unchanged++;
}

static int
agent_stats_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

uint32_t
agent_stats_percentile(uint32_t *samples, uint32_t n, uint32_t pct)
{
    uint64_t rank;

    if (n == 0)
        return 0;
    qsort(samples, n, sizeof(*samples), agent_stats_cmp);
    rank = ((uint64_t)pct * n + 99u) / 100u;  /* ceil(pct% of n), 1-based */
    return samples[rank == 0 ? 0 : rank - 1];
}

void
agent_stats_format(agent_stats *s, uint64_t now_ns, uint64_t cpu_us, char *buf, size_t len)
{
    double secs = (double)(now_ns - s->window_start_ns) / 1e9;
    double cpu = secs > 0 ? (double)(cpu_us - s->window_cpu_us) / 1e4 / secs : 0;
    double fps = secs > 0 ? s->frames / secs : 0;
    uint32_t p50 = agent_stats_percentile(s->ages_us, s->n_ages, 50);
    uint32_t p99 = agent_stats_percentile(s->ages_us, s->n_ages, 99);

    snprintf(buf, len,
             "stats frames=%" PRIu64 " fps=%.1f ticks=%" PRIu32 " unchanged=%" PRIu32
             " cpu=%.1f age_p50_us=%" PRIu32 " age_p99_us=%" PRIu32,
             s->frames_total, fps, s->ticks, s->unchanged, cpu, p50, p99);
}

uint64_t
agent_stats_cpu_us(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) < 0)
        return 0;
    return (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
           (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
}
