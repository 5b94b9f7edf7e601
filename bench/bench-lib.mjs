// bench/bench-lib.mjs: what the node sides of the benchmarks share
// (av-sync.mjs, photon.mjs, pad-latency.mjs): nearest-rank percentiles, the
// markdown row of a distribution, a sleep, and the CPU time of processes.

import fs from 'node:fs';

// Nearest-rank percentile of a sorted array.
export function pct(sorted, p) {
    return sorted.length ? sorted[Math.max(0, Math.ceil((p * sorted.length) / 100) - 1)] : NaN;
}

export function fmt(x, digits = 1) {
    return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

// "| name | n | p50 | p99 | min | max |" of the finite values.
export function statsRow(name, values, digits = 1) {
    const v = values.filter(Number.isFinite).sort((a, b) => a - b);
    const f = (x) => fmt(x, digits);
    return `| ${name} | ${v.length} | ${f(pct(v, 50))} | ${f(pct(v, 99))} | ${f(v[0])} | ${f(v[v.length - 1])} |`;
}

export function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}

// utime + stime of each PID (/proc/PID/stat fields 14 and 15), in clock ticks.
export function cpuTicks(pids) {
    return pids.map((pid) => {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(f[11]) + Number(f[12]);
    });
}
