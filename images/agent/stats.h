/* The guest agent's 10-second stats window: ticks, frames published and
 * unchanged, CPU time, and the age of each published frame (publish time
 * minus the tick's start), formatted as the "stats" log line.  No clock, no
 * logging: callers pass times. */
#ifndef AGENT_STATS_H
#define AGENT_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Ages kept per window: 10 s at 240 Hz, with room to spare; ages beyond it
 * are counted but not in the percentiles. */
#define AGENT_STATS_MAX_AGES 4096u

typedef struct agent_stats {
    uint64_t frames_total;          /* published since the agent started */
    uint64_t window_start_ns;
    uint64_t window_cpu_us;         /* the process's CPU time at the window's start */
    uint32_t ticks, frames, unchanged;
    uint32_t n_ages;
    uint32_t ages_us[AGENT_STATS_MAX_AGES];
} agent_stats;

/* Starts a window at now_ns with cpu_us of CPU time used so far. */
void agent_stats_restart(agent_stats *s, uint64_t now_ns, uint64_t cpu_us);

/* One tick: a frame published age_ns after the tick started, or nothing
 * (the picture was unchanged when unchanged is set). */
void agent_stats_published(agent_stats *s, uint64_t age_ns);
void agent_stats_tick(agent_stats *s, int unchanged);

/* The pct-th percentile (nearest rank: the smallest sample with at least
 * pct% of the samples at or below it) of n samples, which it sorts; 0 when
 * n is 0. */
uint32_t agent_stats_percentile(uint32_t *samples, uint32_t n, uint32_t pct);

/* The window's line (without the "gamehost-agent: " prefix) at now_ns with
 * cpu_us of CPU time used so far:
 *   stats frames=F fps=X ticks=T unchanged=U cpu=C age_p50_us=A age_p99_us=B */
void agent_stats_format(agent_stats *s, uint64_t now_ns, uint64_t cpu_us, char *buf, size_t len);

/* The process's user + system CPU time in microseconds (getrusage). */
uint64_t agent_stats_cpu_us(void);

#endif /* AGENT_STATS_H */
