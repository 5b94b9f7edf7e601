// photon.mjs: the browser half of bench/photon.sh (issue 11).  Opens a
// player link in Debian's headless Chromium, sends N arrow keydowns and
// times each from the keydown to the first presented video frame in which
// the demo's yellow square moved, with requestVideoFrameCallback.
//
// Usage: node photon.mjs URL N MIN_MS MAX_MS
//        node photon.mjs --report RESULT.json LATENCY.csv
// Env: GH_BROWSER_DIR (where playwright-core is installed, default
// tests/e2e/browser), GH_CHROMIUM (default /usr/bin/chromium).
// Prints one JSON object: per keydown its page times (ms on the page's
// clock, performance.timeOrigin + performance.now(): wall-clock ms) and
// those of its photon frame, plus getStats digests before and after.
// --report prints the markdown tables from that object and the host's
// latency log (stream.webrtc's latency_log: t_input_ns,t_frame_ns,
// t_sent_ns,encode_ns per input message, on CLOCK_MONOTONIC).
//
// Clocks.  The page's performance.timeOrigin + performance.now() is
// Chromium's monotonic clock (TimeTicks: CLOCK_MONOTONIC on Linux) plus an
// epoch offset that Chromium samples once per process; the host logs
// CLOCK_MONOTONIC.  So host = page - (CLOCK_REALTIME - CLOCK_MONOTONIC),
// and that offset is measured here, before and after the run, to a few
// microseconds: the moment Date.now() ticks to a new millisecond is read on
// process.hrtime (libuv: CLOCK_MONOTONIC).  Both ends on one machine, no
// time namespace.  Checked afterwards: no host packet may be sent after the
// browser received it (received - sent >= 0).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { pct, sleep } from './bench-lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const browserDir = process.env.GH_BROWSER_DIR || path.join(here, '../tests/e2e/browser');
const { launchChromium } = await import(pathToFileURL(path.join(browserDir, 'chromium.mjs')).href);

const argv = process.argv.slice(2);
const reportMode = argv[0] === '--report';
const [url, nArg, minArg, maxArg] = argv;
if (!url || (reportMode && argv.length < 3)) {
    console.error('usage: node photon.mjs URL N MIN_MS MAX_MS | --report RESULT.json LATENCY.csv');
    process.exit(2);
}
const N = Number(nArg || 100), MIN_MS = Number(minArg || 300), MAX_MS = Number(maxArg || 500);
// images/demo-arena/main.c: 8 px per arrow key; the square is 24x24 at
// 320,240 when the game starts, and the keys alternate so it stays there.
const STEP = 8, TOL = 2.5;
// Keydown to keyup: long enough to be a press, short against the spacing.
const HOLD_MS = 60;
// A key whose move is not presented within this is counted as lost.
const GIVE_UP_MS = 2000;

// Runs in the page before the player's own script, so that its keydown
// listener is the first on window.  For every presented frame: the square's
// centroid, read from a band of the frame around y = 240, and the frame's
// metadata (performance.now() timeline).
function photonInit() {
    const ph = { keys: [], frames: [], started: false };
    window.ghPhoton = ph;
    window.addEventListener('keydown', (e) => {
        if (e.key.startsWith('Arrow'))
            ph.keys.push({ key: e.key, now: performance.now(), stamp: e.timeStamp });
    }, true);
    // The answer's header extensions: what Chromium accepted of the offer's.
    const setLocal = RTCPeerConnection.prototype.setLocalDescription;
    RTCPeerConnection.prototype.setLocalDescription = async function (...args) {
        await setLocal.apply(this, args);
        ph.answerExtmaps = (this.localDescription.sdp.match(/^a=extmap:.*$/gm) || []).join(', ');
    };
    const Y0 = 216, ROWS = 48;
    let canvas = null, g = null;
    function centroid(v) {
        const w = v.videoWidth;
        if (!canvas || canvas.width !== w) {
            canvas = document.createElement('canvas');
            canvas.width = w;
            canvas.height = ROWS;
            g = canvas.getContext('2d', { willReadFrequently: true });
        }
        g.drawImage(v, 0, Y0, w, ROWS, 0, 0, w, ROWS);
        const d = g.getImageData(0, 0, w, ROWS).data;
        let n = 0, sx = 0;
        for (let i = 0; i < d.length; i += 4)
            if (d[i] > 180 && d[i + 1] > 180 && d[i + 2] < 110) {
                n++;
                sx += (i / 4) % w;
            }
        return n >= 100 ? sx / n : null;
    }
    ph.start = () => {
        if (ph.started)
            return;
        ph.started = true;
        const v = document.getElementById('video');
        const onFrame = (now, md) => {
            ph.frames.push({
                cx: v.videoWidth ? centroid(v) : null, presented: md.presentationTime,
                expected: md.expectedDisplayTime, received: md.receiveTime ?? null,
                rtp: md.rtpTimestamp ?? null, processing: md.processingDuration ?? null, cb: now,
            });
            v.requestVideoFrameCallback(onFrame);
        };
        v.requestVideoFrameCallback(onFrame);
    };
}

// The inbound video's counters that split the browser's part: jitter buffer,
// decode, and the candidate pair's round trip.
async function statsDigest(page) {
    return page.evaluate(async () => {
        const report = await window.ghPlayer.getStats();
        const out = {};
        if (!report)
            return out;
        report.forEach((r) => {
            if (r.type === 'inbound-rtp' && r.kind === 'video')
                Object.assign(out, {
                    jitterBufferDelay: r.jitterBufferDelay, jitterBufferEmittedCount: r.jitterBufferEmittedCount,
                    totalDecodeTime: r.totalDecodeTime, framesDecoded: r.framesDecoded,
                    totalProcessingDelay: r.totalProcessingDelay, framesDropped: r.framesDropped,
                    packetsLost: r.packetsLost, nackCount: r.nackCount, pliCount: r.pliCount,
                    keyFramesDecoded: r.keyFramesDecoded, decoderImplementation: r.decoderImplementation,
                });
            if (r.type === 'candidate-pair' && r.nominated && r.currentRoundTripTime !== undefined)
                out.rttMs = r.currentRoundTripTime * 1000;
        });
        return out;
    });
}

// CLOCK_REALTIME - CLOCK_MONOTONIC in ns (see Clocks above): the median of
// five ticks of Date.now(), each read within a loop turn (< 1 us here).
function clockOffsetNs() {
    const v = [];
    for (let i = 0; i < 5; i++) {
        const ms = Date.now();
        let now;
        while ((now = Date.now()) === ms)
            ;
        const t = process.hrtime.bigint();
        v.push(BigInt(now) * 1000000n - t);
    }
    v.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return Number(v[2]);
}

async function main() {
    const browser = await launchChromium();
    const result = { n: N, keys: [], offsetStartNs: clockOffsetNs() };
    try {
        const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
        await page.addInitScript(photonInit);
        const resp = await page.goto(url, { waitUntil: 'load' });
        if (!resp || resp.status() !== 200)
            throw new Error(`GET player page: HTTP ${resp && resp.status()}`);
        await page.waitForFunction(() => {
            const p = window.ghPlayer, v = document.getElementById('video');
            return p && p.state === 'playing' && p.role === 'control' && v.videoWidth > 0 &&
                v.getVideoPlaybackQuality().totalVideoFrames >= 60;
        }, null, { timeout: 90000, polling: 200 });
        result.timeOrigin = await page.evaluate(() => performance.timeOrigin);
        await page.evaluate(() => window.ghPhoton.start());
        await page.locator('#video').focus().catch(() => {});
        await sleep(1000);
        result.statsBefore = await statsDigest(page);
        for (let i = 0; i < N; i++) {
            const key = i % 2 ? 'ArrowRight' : 'ArrowLeft';
            await page.keyboard.down(key);
            await sleep(HOLD_MS);
            await page.keyboard.up(key);
            await sleep(MIN_MS - HOLD_MS + Math.random() * (MAX_MS - MIN_MS));
        }
        await sleep(GIVE_UP_MS);
        result.statsAfter = await statsDigest(page);
        const ph = await page.evaluate(() => ({ keys: window.ghPhoton.keys, frames: window.ghPhoton.frames }));
        result.frames = ph.frames.length;
        result.answerExtmaps = await page.evaluate(() => window.ghPhoton.answerExtmaps ?? null);
        result.keys = matchKeys(ph.keys, ph.frames, result.timeOrigin);
        result.offsetEndNs = clockOffsetNs();
        await page.close();
    } finally {
        await browser.close().catch(() => {});
    }
    return result;
}

// Each keydown's photon frame: the first frame presented after it whose
// square sits one step from where the last frame before the key showed it.
// All times become wall-clock ms (timeOrigin + the page's clock).
function matchKeys(keys, frames, origin) {
    return keys.map((k) => {
        const dir = k.key === 'ArrowLeft' ? -1 : k.key === 'ArrowRight' ? 1 : 0;
        let before = null, hit = null;
        for (const f of frames) {
            if (f.presented <= k.now) {
                if (f.cx !== null)
                    before = f;
                continue;
            }
            if (f.presented > k.now + GIVE_UP_MS)
                break;
            if (before && f.cx !== null && Math.abs(f.cx - before.cx - dir * STEP) <= TOL) {
                hit = f;
                break;
            }
        }
        const wall = (t) => (t === null || t === undefined ? null : origin + t);
        return {
            key: k.key, keydown: wall(k.now), eventStamp: wall(k.stamp),
            from: before ? before.cx : null,
            presented: hit ? wall(hit.presented) : null, expected: hit ? wall(hit.expected) : null,
            received: hit ? wall(hit.received) : null, rtp: hit ? hit.rtp : null, cx: hit ? hit.cx : null,
        };
    });
}

// ---- the report -----------------------------------------------------------

function row(name, values) {
    const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
    const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
    return `| ${name} | ${f(pct(v, 50))} | ${f(pct(v, 95))} | ${f(v[v.length - 1])} | ${v.length} |`;
}

// Mean per frame of a cumulative getStats counter over the run, in ms.
function perFrame(before, after, total, count) {
    const dn = (after[count] ?? 0) - (before[count] ?? 0);
    return dn > 0 ? ((after[total] - before[total]) / dn) * 1000 : NaN;
}

async function report(resultFile, csvFile) {
    const fs = await import('node:fs');
    const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    const host = fs.readFileSync(csvFile, 'utf8').trim().split('\n').filter(Boolean)
        .map((l) => l.split(',').map(Number)).map(([input, frame, sent, enc]) => ({ input, frame, sent, enc }))
        .sort((a, b) => a.input - b.input);
    const off = (r.offsetStartNs + r.offsetEndNs) / 2;
    const mono = (wallMs) => wallMs * 1e6 - off; // page ms -> host ns
    const ms = (ns) => ns / 1e6;
    const parts = { total: [], net: [], host: [], hostFrame: [], hostSend: [], enc: [], browser: [], vidNet: [],
                    recvPresent: [], presentDisplay: [] };
    let lost = 0, unmatched = 0, negative = 0;
    for (const k of r.keys) {
        if (k.presented === null) {
            lost++;
            continue;
        }
        parts.total.push(k.presented - k.keydown);
        parts.presentDisplay.push(k.expected - k.presented);
        // The keydown's message: one the host took from 2 ms before the
        // keydown (clock error) until its keyup was sent, HOLD_MS later.
        // A keydown whose line is missing (its frame never went out: a
        // viewer's queue drops frames when the encoder is behind) is
        // counted, never paired with its keyup's line.
        const kd = mono(k.keydown);
        const h = host.find((x) => x.input >= kd - 2e6 && x.input < kd + HOLD_MS * 1e6);
        if (!h) {
            unmatched++;
            continue;
        }
        parts.net.push(ms(h.input - kd));
        parts.host.push(ms(h.sent - h.input));
        parts.hostFrame.push(ms(h.frame - h.input));
        parts.hostSend.push(ms(h.sent - h.frame));
        parts.enc.push(ms(h.enc));
        parts.browser.push(ms(mono(k.presented) - h.sent));
        if (k.received !== null) {
            const vn = ms(mono(k.received) - h.sent);
            parts.vidNet.push(vn);
            parts.recvPresent.push(k.presented - k.received);
            if (vn < 0)
                negative++;
        }
    }
    const b = r.statsBefore || {}, a = r.statsAfter || {};
    const lines = [
        `keydowns: ${r.keys.length} of ${r.n}; moves presented: ${r.keys.length - lost}; ` +
        `lost (no move presented within 2 s): ${lost}; no host log line: ${unmatched}; ` +
        `frames seen: ${r.frames}; host log lines: ${host.length}`,
        `clock offset (realtime - monotonic) drift over the run: ${((r.offsetEndNs - r.offsetStartNs) / 1e3).toFixed(1)} us; ` +
        `frames received before the host sent them (clock check, must be 0): ${negative}` +
        (negative ? ` (earliest by ${(-Math.min(...parts.vidNet)).toFixed(1)} ms)` : ''),
        `getStats over the run: jitter buffer ${perFrame(b, a, 'jitterBufferDelay', 'jitterBufferEmittedCount').toFixed(1)} ms/frame, ` +
        `decode ${perFrame(b, a, 'totalDecodeTime', 'framesDecoded').toFixed(1)} ms/frame, ` +
        `receive→decoded ${perFrame(b, a, 'totalProcessingDelay', 'framesDecoded').toFixed(1)} ms/frame, ` +
        `RTT ${a.rttMs !== undefined ? a.rttMs.toFixed(1) : '-'} ms, decoder ${a.decoderImplementation || '-'}, ` +
        `frames dropped ${(a.framesDropped ?? 0) - (b.framesDropped ?? 0)}, packets lost ${(a.packetsLost ?? 0) - (b.packetsLost ?? 0)}, ` +
        `PLI ${(a.pliCount ?? 0) - (b.pliCount ?? 0)}, keyframes decoded ${(a.keyFramesDecoded ?? 0) - (b.keyFramesDecoded ?? 0)}`,
        `the answer's header extensions: ${r.answerExtmaps || 'none'}`,
        '',
        '| ms | p50 | p95 | max | n |',
        '|---|---|---|---|---|',
        row('**keydown → presented (input-to-photon)**', parts.total),
        row('network + data channel: keydown → host received', parts.net),
        row('host: received → first packet out', parts.host),
        row('&nbsp;&nbsp;received → frame pushed (guest applies, capture)', parts.hostFrame),
        row('&nbsp;&nbsp;frame pushed → first packet (convert, encode, queue)', parts.hostSend),
        row('&nbsp;&nbsp;of which encode', parts.enc),
        row('browser: first packet out → presented', parts.browser),
        row('&nbsp;&nbsp;first packet out → frame received (receiveTime)', parts.vidNet),
        row('&nbsp;&nbsp;received → presented (jitter buffer, decode, render)', parts.recvPresent),
        row('presented → expected display', parts.presentDisplay),
    ];
    console.log(lines.join('\n'));
}

if (reportMode) {
    await report(argv[1], argv[2]);
} else {
    const timer = setTimeout(() => {
        console.error('photon: timed out');
        process.exit(1);
    }, N * MAX_MS + 150000);
    try {
        console.log(JSON.stringify(await main()));
    } catch (err) {
        console.error(err.stack || String(err));
        process.exitCode = 1;
    } finally {
        clearTimeout(timer);
    }
}
