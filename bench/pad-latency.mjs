// bench/pad-latency.mjs: the client side of bench/pad-latency.sh (issue 14).
// Plays a session's pads over POST /v1/sessions/{id}/input (one keep-alive
// connection) and reads the session's serial log, on CLOCK_MONOTONIC
// (process.hrtime), the clock of the host's latency log.  Prints one JSON
// object; --report prints the markdown tables from it and the log.
//
// Round trips (EVENTS of them, GAP_MS apart): pad 0's left stick to a new
// ABS_X value, each one different and inside Chocolate Doom's dead zone
// (the game does not move), then the time the guest's evtest line with
// that value appears in the serial log (read every 1 ms from where it
// ended).  After each, a key (KEY_RIGHTSHIFT, Doom's "run", pressed then
// released on the next) through QMP, for the host's log.
//
// Sweep: one ABS_X event every 4 ms (250 Hz; a 1 Hz sine, full range) for
// SWEEP_S seconds to pad 0, then to pads 0 and 1 (one POST with both
// events), between two idle periods of the same length, each period once
// the serial log has been quiet for 2 s (the guest's pad log trails a
// sweep); CPU ticks of each PID (/proc/PID/stat) and of QEMU's threads by
// kind (main loop, vCPUs, others) over each period, and the serial log's
// growth.
//
//   node pad-latency.mjs URL SESSION SERIAL_LOG EVENTS GAP_MS SWEEP_S PID...
//   (GH_TOKEN: the API token)
//   node pad-latency.mjs --report RESULT.json LATENCY_LOG
import fs from 'node:fs';
import http from 'node:http';

import { cpuTicks, fmt, pct, sleep, statsRow } from './bench-lib.mjs';

const now = () => process.hrtime.bigint();
const ms = (ns) => Number(ns) / 1e6;
const TICK_NS = 4000000n;
const LINE_TIMEOUT_NS = 3000000000n;

// ---- the API and the serial log ----------------------------------------------

function apiPoster(url, session, token) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const target = new URL(`/v1/sessions/${session}/input`, url);

    return (events) => new Promise((resolve, reject) => {
        const body = JSON.stringify({ events });
        const req = http.request(target, {
            method: 'POST', agent,
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json',
                       'Content-Length': Buffer.byteLength(body) },
        }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => { text += d; });
            res.on('end', () => {
                if (res.statusCode !== 200)
                    reject(new Error(`POST input: HTTP ${res.statusCode} ${text}`));
                else
                    resolve(JSON.parse(text));
            });
        });
        req.on('error', reject);
        req.end(body);
    });
}

// The lines QEMU appends to the serial log from now on.
class SerialLog {
    constructor(path) {
        this.fd = fs.openSync(path, 'r');
        this.pos = fs.fstatSync(this.fd).size;
        this.partial = '';
        this.buf = Buffer.alloc(65536);
    }

    lines() {
        let text = '', n;
        while ((n = fs.readSync(this.fd, this.buf, 0, this.buf.length, this.pos)) > 0) {
            this.pos += n;
            text += this.buf.toString('latin1', 0, n);
        }
        const all = (this.partial + text).split('\n');
        this.partial = all.pop();
        return all.map((l) => l.replace(/\r$/, ''));
    }

    // Polls every 1 ms until match(line) gives a result: [result, time read].
    async waitFor(match, deadline) {
        for (;;) {
            for (const line of this.lines()) {
                const r = match(line);
                if (r)
                    return [r, now()];
            }
            if (now() > deadline)
                return [null, now()];
            await sleep(1);
        }
    }
}

// ---- round trips --------------------------------------------------------------

const ABS_X_LINE = /^gamehost-pad (event\d+): Event: time (\d+)\.(\d{6}), type 3 \(EV_ABS\), code 0 \(ABS_X\), value (-?\d+)$/;

// Distinct, alternating in sign, at least 2048 apart (xpad's fuzz is 16)
// and under Chocolate Doom's dead zone (32768 / 3).
function roundTripValue(i) {
    return (i % 2 ? -1 : 1) * (1024 + 32 * (i % 256));
}

async function roundTrips(post, serial, n, gapMs) {
    const out = [];
    let node = null;

    for (let i = -2; i < n; i++) {            // two warm-ups find pad 0's node
        const value = roundTripValue(i + 2);
        const match = (line) => {
            const m = ABS_X_LINE.exec(line);
            return m && Number(m[4]) === value && (!node || m[1] === node) ? m : null;
        };
        const t0 = now();
        const seen = serial.waitFor(match, t0 + LINE_TIMEOUT_NS);
        const reply = await post([{ type: 'pad_axis', code: 'ABS_X', value, pad: 0 }]);
        const t1 = now();
        const [m, t2] = await seen;
        if (reply.delivered !== 1)
            throw new Error(`pad event ${i}: ${JSON.stringify(reply)}`);
        node = node || (m && m[1]);
        const k0 = now();
        await post([{ type: 'key', code: 'KEY_RIGHTSHIFT', value: (i + 2) % 2 ? 0 : 1 }]);
        const key = { post: k0, reply: now() };
        if (i >= 0)
            out.push({ value, post: t0, reply: t1, seen: m ? t2 : null,
                       guest: m ? BigInt(m[2]) * 1000000000n + BigInt(m[3]) * 1000n : null, key });
        await sleep(gapMs);
    }
    return { node, events: out };
}

// ---- the sweep ----------------------------------------------------------------

// CPU ticks of PID's threads by class: its main loop (the thread whose id
// is the PID), the vCPUs ("CPU n/TCG"), and the rest.
function threadTicks(pid) {
    const out = new Map();
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        try {
            const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
            const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            out.set(tid, { cls: tid === String(pid) ? 'main' : /^CPU \d+\//.test(comm) ? 'vcpu' : 'other',
                           ticks: Number(f[11]) + Number(f[12]) });
        } catch {
            /* the thread ended meanwhile */
        }
    }
    return out;
}

// Ticks by class between two threadTicks (a thread that ended in between
// is lost: QEMU's short-lived workers, a few ticks at most).
function threadDelta(before, after) {
    const d = { main: 0, vcpu: 0, other: 0 };
    for (const [tid, t] of after)
        d[t.cls] += t.ticks - (before.get(tid)?.ticks ?? 0);
    return d;
}

// Until the serial log has not grown for 2 s (at most 120 s): the guest's
// pad log trails a sweep, and must not spill into the next period.
async function serialQuiet(serialPath) {
    const t0 = now();
    let size = fs.statSync(serialPath).size, since = now();
    while (now() - since < 2000000000n && now() - t0 < 120000000000n) {
        await sleep(100);
        const s = fs.statSync(serialPath).size;
        if (s !== size)
            [size, since] = [s, now()];
    }
    return ms(now() - t0) / 1000;
}

// One POST every 4 ms, each with an ABS_X event for pads 0 .. pads-1; a
// tick whose time has passed when the previous POST returns is skipped
// (the latest one due goes at once), so the rate never exceeds 250/s.
async function sweepPosts(post, t0, end, pads) {
    let posts = 0, skipped = 0, k = 0;

    while (BigInt(k) * TICK_NS < end) {
        const due = t0 + BigInt(k) * TICK_NS;
        while (now() < due)
            await sleep(Math.max(0, ms(due - now()) - 0.5));
        const value = Math.max(-32768, Math.round(32767 * Math.sin((2 * Math.PI * ms(now() - t0)) / 1000)));
        const events = [];
        for (let p = 0; p < pads; p++)
            events.push({ type: 'pad_axis', code: 'ABS_X', value, pad: p });
        await post(events);
        posts++;
        const latest = Number((now() - t0) / TICK_NS);
        const next = Math.max(k + 1, latest);
        skipped += next - k - 1;
        k = next;
    }
    return { posts, skipped };
}

async function sweepPeriod(post, serialPath, name, seconds, pads, pids) {
    const quiet = await serialQuiet(serialPath);
    const end = BigInt(seconds) * 1000000000n;
    const size0 = fs.statSync(serialPath).size, ticks0 = cpuTicks(pids), threads0 = threadTicks(pids[1]), t0 = now();
    let sent = { posts: 0, skipped: 0 };

    if (pads > 0)
        sent = await sweepPosts(post, t0, end, pads);
    else
        await sleep(seconds * 1000);
    const t1 = now(), ticks = cpuTicks(pids), qemu = threadDelta(threads0, threadTicks(pids[1]));
    return { name, pads, quiet, start: t0, end: t1, seconds: ms(t1 - t0) / 1000, ...sent,
             ticks: ticks.map((x, i) => x - ticks0[i]), qemu, serialBytes: fs.statSync(serialPath).size - size0 };
}

async function run(url, session, serialPath, n, gapMs, sweepS, pids) {
    const post = apiPoster(url, session, process.env.GH_TOKEN);
    const serial = new SerialLog(serialPath);
    const result = { hz: Number(process.env.GH_CLK_TCK || 100), pids, node: null, events: [], sweep: [] };

    process.stderr.write(`  .. ${n} round trips, ${gapMs} ms apart\n`);
    Object.assign(result, await roundTrips(post, serial, n, gapMs));
    for (const [name, pads] of [['idle', 0], ['one pad', 1], ['two pads', 2], ['idle', 0]]) {
        process.stderr.write(`  .. ${name}: ${sweepS} s\n`);
        result.sweep.push(await sweepPeriod(post, serialPath, name, sweepS, pads, pids));
    }
    return JSON.stringify(result, (k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

// ---- the report ---------------------------------------------------------------

function readLog(file) {
    return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
        const [kind, recv, done] = l.split(' ');
        return { kind, recv: BigInt(recv), done: BigInt(done) };
    });
}

// The log line of each event: the one whose receive time falls within its POST.
function matchLog(log, kind, post, reply) {
    return log.find((l) => l.kind === kind && l.recv >= post && l.recv <= reply) || null;
}

// The guest's evdev time g is on its own clock: g = host time + offset.
// Causality bounds the offset: each report was written before its evdev
// event (offset <= min(g − written)), and each evdev event came before its
// line was seen (offset >= max(g − seen)).  So each guest-side latency is
// known to within the bound's width, min(written → evdev) + min(evdev →
// seen).  No drift is assumed (under TCG the guest's clock follows QEMU's
// virtual clock, the host's monotonic one); the bounds taken over the
// first and over the last quarter of the run show any.  In ns, relative to
// the first event's g − written.
function guestSplit(full) {
    const c = full[0].guest - full[0].line.done;
    const d1 = full.map((e) => Number(e.guest - e.line.done - c));
    const d2 = full.map((e) => Number(e.seen - e.guest + c));
    const bounds = (from, to) => [-Math.min(...d2.slice(from, to)), Math.min(...d1.slice(from, to))];
    const q = Math.max(1, Math.floor(full.length / 4));
    const [lo, hi] = bounds(0, full.length);
    return {
        width: hi - lo, first: bounds(0, q), last: bounds(full.length - q, full.length),
        // [value if the offset is at its lowest, at its highest]
        guestIn: d1.map((v) => [v - lo, v - hi]),
        serial: d2.map((v) => [v + lo, v + hi]),
    };
}

// p50 and p99 of each end of a range.
function rangeRow(name, ranges) {
    const end = (k, p) => pct(ranges.map((r) => r[k]).sort((a, b) => a - b), p) / 1e6;
    const cell = (p) => [end(1, p), end(0, p)].sort((a, b) => a - b).map((v) => fmt(v)).join(' … ');
    return `| ${name} | ${ranges.length} | ${cell(50)} | ${cell(99)} |`;
}

function roundTripTables(r, log) {
    const big = (v) => (v === null ? null : BigInt(v));
    const ev = r.events.map((e) => ({ ...e, post: big(e.post), reply: big(e.reply), seen: big(e.seen),
                                      guest: big(e.guest) }))
        .map((e) => ({ ...e, line: matchLog(log, 'pad', e.post, e.reply) }));
    const full = ev.filter((e) => e.seen !== null && e.line);
    const keys = ev.map((e) => matchLog(log, 'key', BigInt(e.key.post), BigInt(e.key.reply))).filter(Boolean);
    const t = (f) => full.map(f);
    const lines = [
        `round trips: ${ev.length} pad events on ${r.node}; evtest line seen for ${ev.filter((e) => e.seen !== null).length}, ` +
        `host log line for ${ev.filter((e) => e.line).length}; keys with a host log line: ${keys.length} of ${ev.length}`,
        '',
        '| ms | n | p50 | p99 | min | max |',
        '|---|---|---|---|---|---|',
        statsRow('**round trip: POST sent → evtest line seen in the serial log**', t((e) => ms(e.seen - e.post))),
        statsRow('POST sent → event received by gamehostd (HTTP, JSON, the API)', t((e) => ms(e.line.recv - e.post))),
        statsRow('**host: pad event received → input report written to usb-redir**', t((e) => ms(e.line.done - e.line.recv)), 2),
        statsRow('report written → evtest line seen (QEMU, guest, serial console)', t((e) => ms(e.seen - e.line.done))),
        statsRow('**host: key event received → QMP command answered**', keys.map((l) => ms(l.done - l.recv))),
        statsRow('POST sent → reply received, pad events', ev.map((e) => ms(e.reply - e.post))),
        statsRow('POST sent → reply received, key events', ev.map((e) => ms(BigInt(e.key.reply) - BigInt(e.key.post)))),
    ];
    if (full.length < 2)
        return lines;
    const g = guestSplit(full);
    const range = ([a, b]) => `[${fmt(a / 1e6)}, ${fmt(b / 1e6)}]`;
    lines.push('',
               `guest clock offset, bounded by causality: a range ${fmt(g.width / 1e6)} ms wide, so each cell below ` +
               `is a range of that width (relative bounds over the first quarter ${range(g.first)} ms, the last ` +
               `${range(g.last)} ms: a drifting guest clock would move both ends the same way)`, '',
               '| ms, split at the guest\'s evdev time | n | p50 | p99 |',
               '|---|---|---|---|',
               rangeRow('**guest: report written → evdev event** (QEMU usb-redir, xHCI, xpad)', g.guestIn),
               rangeRow('evdev event → line seen (evtest, shell loop, serial console, 1 ms poll)', g.serial));
    return lines;
}

function sweepTables(r, log) {
    const idle = r.sweep.filter((s) => s.pads === 0);
    // % of one core of each column: gamehostd, QEMU, its main loop, its vCPUs, its other threads.
    const cols = (s) => [s.ticks[0], s.ticks[1], s.qemu.main, s.qemu.vcpu, s.qemu.other]
        .map((t) => (100 * t) / r.hz / s.seconds);
    const idleMean = cols(idle[0]).map((v, i) => idle.reduce((a, s) => a + cols(s)[i], 0) / idle.length);
    const lines = [
        '| period (each after the serial log was quiet for 2 s) | s | POSTs/s | ticks skipped | serial log bytes/s | ' +
        'gamehostd | QEMU | QEMU main loop | QEMU vCPUs | QEMU other threads |',
        '|---|---|---|---|---|---|---|---|---|---|',
    ];
    for (const s of r.sweep)
        lines.push(`| ${s.name} | ${fmt(s.seconds)} | ${fmt(s.posts / s.seconds)} | ${s.skipped} | ` +
                   `${Math.round(s.serialBytes / s.seconds)} | ${cols(s).map((v) => fmt(v)).join(' | ')} |`);
    lines.push('', '% of one core (utime + stime, /proc/PID/stat and /proc/PID/task/TID/stat)', '',
               '| per pad at 250 Hz: (sweep − mean of the idle periods) / pads | gamehostd | QEMU | QEMU main loop | ' +
               'QEMU vCPUs | QEMU other threads |', '|---|---|---|---|---|---|');
    for (const s of r.sweep.filter((x) => x.pads > 0))
        lines.push(`| ${s.name} | ${cols(s).map((v, i) => fmt((v - idleMean[i]) / s.pads)).join(' | ')} |`);
    // The host's log over each sweep: reports written per second, and how
    // long each waited for the pad's 4 ms polling interval.
    lines.push('', '| host during the sweep: pad event received → report written, ms | reports/s | n | p50 | p99 | ' +
               'min | max |', '|---|---|---|---|---|---|---|');
    for (const s of r.sweep.filter((x) => x.pads > 0)) {
        const [a, b] = [BigInt(s.start), BigInt(s.end)];
        const during = log.filter((l) => l.kind === 'pad' && l.recv >= a && l.recv <= b);
        const row = statsRow(s.name, during.map((l) => ms(l.done - l.recv)));
        lines.push(row.replace(`| ${s.name} |`, `| ${s.name} | ${fmt(during.length / s.seconds)} |`));
    }
    return lines;
}

function report(resultFile, logFile) {
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    const log = readLog(logFile);
    console.log([...roundTripTables(r, log), '', ...sweepTables(r, log)].join('\n'));
}

const argv = process.argv.slice(2);
if (argv[0] === '--report' && argv.length === 3) {
    report(argv[1], argv[2]);
} else if (argv.length >= 7) {
    const [url, session, serial, n, gap, sweep, ...pids] = argv;
    run(url, session, serial, Number(n), Number(gap), Number(sweep), pids.map(Number))
        .then((json) => { console.log(json); process.exit(0); })
        .catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
} else {
    console.error('usage: node pad-latency.mjs URL SESSION SERIAL_LOG EVENTS GAP_MS SWEEP_S PID... | ' +
                  '--report RESULT.json LATENCY_LOG');
    process.exit(2);
}
