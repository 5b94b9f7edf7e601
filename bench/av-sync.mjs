// bench/av-sync.mjs: the browser side of bench/av-sync.sh (issue 13).  Opens
// the player page of a demo-arena session with sound in Debian's headless
// Chromium (playwright-core from tests/e2e/browser), presses F8 every
// INTERVAL_MS, and for each press finds when the white frame was shown and
// when its click was heard, both on the page's performance.now() clock.
// Prints one JSON object; --report prints the markdown tables from it.
//
// Seen: requestVideoFrameCallback, for every frame the compositor takes;
// the frame is drawn into a 16x12 canvas and counts as the flash when its
// mean brightness is over 240 (the game's picture is far darker: its
// arena's mean is under 100).  Its expectedDisplayTime (the vsync the frame
// is expected on) is "seen"; presentationTime (handed to the compositor) is
// kept beside it.
//
// Heard: an AudioWorklet on the received audio track (the same track the
// <video> element plays, through a MediaStreamAudioSourceNode) reports the
// context time of the first sample over 0.5 of full scale once 200 ms of
// samples under 0.05 have gone by (armed by the quiet, not reset by the
// few small samples of Opus's pre-echo just before the click; the game's
// other sounds stay under 0.4).  A worklet sees samples when its context renders
// them for output, so "heard" is that sample's context time mapped to the
// page's clock with getOutputTimestamp() (sampled every 100 ms; the pair
// taken just before the onset): the moment Chromium expects the sample to
// leave the output device, its output latency included.  The WebAudio path
// adds its own buffer after the track (a render quantum and the source
// node's FIFO, a few ms), so the offset is an upper bound on what the
// <video> element's own audio output shows, by those few ms.
//
// Modes (N flashes, INTERVAL_MS apart; N = 0 plays without flashing):
//   node av-sync.mjs URL N INTERVAL_MS [HOLD_S [PID ...]]
// HOLD_S: with N = 0, seconds to play while the CPU time (utime + stime,
// /proc/PID/stat) of each PID is taken (bench/av-sync.sh --cpu).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { cpuTicks, fmt, pct, sleep, statsRow } from './bench-lib.mjs';

const argv = process.argv.slice(2);

// ---- the report -----------------------------------------------------------

function median(values) {
    return pct(values.filter(Number.isFinite).sort((a, b) => a - b), 50);
}

function report(file, title) {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    const both = r.flashes.filter((f) => f.seen !== null && f.heard !== null);
    const off = both.map((f) => f.heard - f.seen);
    const offPresented = both.map((f) => f.heard - f.presented);
    const lines = [
        `${title}: F8 pressed ${r.flashes.length} times; white frame seen ${r.flashes.filter((f) => f.seen !== null).length}, ` +
        `click heard ${r.flashes.filter((f) => f.heard !== null).length}, both ${both.length}; ` +
        `loudest sample ${fmt(r.loudest)} of full scale (about a second each: ${r.silentSeconds} digitally silent), onsets ${r.onsets}; ` +
        `audio context ${r.sampleRate} Hz, base latency ${fmt(r.baseLatencyMs)} ms, output latency ${fmt(r.outputLatencyMs)} ms; ` +
        `|offset| <= 40 ms: ${off.filter((x) => Math.abs(x) <= 40).length} of ${off.length}`,
        '',
        '| ms | n | p50 | p99 | min | max |',
        '|---|---|---|---|---|---|',
        statsRow('**offset: click heard − white frame seen**', off),
        statsRow('offset against the frame handed to the compositor (presentationTime)', offPresented),
        statsRow('F8 keydown → white frame seen', both.map((f) => f.seen - f.keydown)),
        statsRow('F8 keydown → click heard', both.map((f) => f.heard - f.keydown)),
    ];
    // Drift: the first minute against the last (runs of two minutes and more).
    const t0 = r.flashes.length ? r.flashes[0].keydown : 0;
    const span = r.flashes.length ? r.flashes[r.flashes.length - 1].keydown - t0 : 0;
    if (span >= 110000) {
        const first = both.filter((f) => f.keydown - t0 < 60000).map((f) => f.heard - f.seen);
        const last = both.filter((f) => f.keydown - t0 >= span - 60000).map((f) => f.heard - f.seen);
        lines.push('', `drift over ${(span / 60000).toFixed(1)} min: offset median, first minute ${fmt(median(first))} ms ` +
            `(n ${first.length}), last minute ${fmt(median(last))} ms (n ${last.length}), ` +
            `change ${fmt(median(last) - median(first))} ms`);
    }
    console.log(lines.join('\n'));
}

// ---- the page ---------------------------------------------------------------

// Runs in the page before the player's own script.
function avInit() {
    const av = { frames: [], onsets: [], stamps: [], keys: [], peaks: [] };
    window.ghAv = av;
    window.addEventListener('keydown', (e) => {
        if (e.code === 'F8' && !e.repeat)
            av.keys.push(performance.now());
    }, true);
    let canvas = null, g = null;
    function brightness(v) {
        if (!canvas) {
            canvas = document.createElement('canvas');
            canvas.width = 16;
            canvas.height = 12;
            g = canvas.getContext('2d', { willReadFrequently: true });
        }
        g.drawImage(v, 0, 0, 16, 12);
        const d = g.getImageData(0, 0, 16, 12).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4)
            sum += d[i] + d[i + 1] + d[i + 2];
        return sum / (d.length / 4) / 3;
    }
    av.startVideo = () => {
        const v = document.getElementById('video');
        const onFrame = (now, md) => {
            if (v.videoWidth && brightness(v) > 240)
                av.frames.push({ presented: md.presentationTime, expected: md.expectedDisplayTime });
            v.requestVideoFrameCallback(onFrame);
        };
        v.requestVideoFrameCallback(onFrame);
    };
    av.startAudio = async (track, onset, quiet, quietMs) => {
        const ctx = new AudioContext({ latencyHint: 'interactive' });
        await ctx.resume();
        // The onset detector: sample by sample, the first over `onset` after
        // quietMs under `quiet` on every channel.
        const code = `registerProcessor('gh-onset', class extends AudioWorkletProcessor {
            constructor() { super(); this.quiet = 0; this.armed = false; this.need = Math.round(${quietMs} * sampleRate / 1000); this.peak = 0; this.n = 0; this.loud = 0; this.run = 0; }
            process(inputs) {
                const ch = inputs[0];
                if (++this.n % 375 === 0) { this.port.postMessage({ peak: this.peak, loud: this.loud, run: this.run, channels: ch ? ch.length : 0 }); this.peak = 0; this.loud = 0; this.run = 0; }
                if (!ch || !ch.length) return true;
                for (let i = 0; i < ch[0].length; i++) {
                    let m = 0;
                    for (const c of ch) m = Math.max(m, Math.abs(c[i]));
                    this.peak = Math.max(this.peak, m); if (m >= ${quiet}) this.loud++; this.run = Math.max(this.run, this.quiet);
                    if (this.quiet >= this.need) this.armed = true;
                    if (m >= ${onset} && this.armed) {
                        this.port.postMessage({ t: currentTime + i / sampleRate, frame: currentFrame + i });
                        this.armed = false;
                    }
                    this.quiet = m < ${quiet} ? this.quiet + 1 : 0;
                }
                return true;
            }
        });`;
        const url = URL.createObjectURL(new Blob([code], { type: 'application/javascript' }));
        await ctx.audioWorklet.addModule(url);
        const node = new AudioWorkletNode(ctx, 'gh-onset', { numberOfOutputs: 0 });
        // Every second, the loudest sample: a run that hears no click says
        // whether the track was silent or the click too quiet.
        node.port.onmessage = (e) => (e.data.peak !== undefined ? av.peaks.push(e.data) : av.onsets.push(e.data.t));
        ctx.createMediaStreamSource(new MediaStream([track])).connect(node);
        const stamp = () => {
            const s = ctx.getOutputTimestamp();
            if (s.performanceTime > 0)
                av.stamps.push([s.contextTime, s.performanceTime]);
        };
        setInterval(stamp, 100);
        av.ctx = ctx;
        return { sampleRate: ctx.sampleRate, baseLatencyMs: ctx.baseLatency * 1000, outputLatencyMs: ctx.outputLatency * 1000 };
    };
}

// Context seconds → page ms, by the latest output timestamp at or before t.
function contextToPage(stamps, t) {
    let best = null;
    for (const s of stamps)
        if (s[0] <= t && (!best || s[0] > best[0]))
            best = s;
    if (!best)
        best = stamps[0];
    return best ? best[1] + (t - best[0]) * 1000 : null;
}

// Each press's white frame and click: the first of each within WINDOW_MS
// after its keydown (presses are further apart than that).
const WINDOW_MS = 1000;
function matchFlashes(keys, frames, onsets, stamps) {
    const heard = onsets.map((t) => contextToPage(stamps, t));
    return keys.map((k) => {
        const f = frames.find((x) => x.expected > k && x.expected < k + WINDOW_MS);
        const h = heard.find((x) => x > k && x < k + WINDOW_MS);
        return { keydown: k, seen: f ? f.expected : null, presented: f ? f.presented : null, heard: h ?? null };
    });
}

async function run(url, n, intervalMs, holdS, pids) {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const browserDir = process.env.GH_BROWSER_DIR || path.join(here, '../tests/e2e/browser');
    const { launchChromium } = await import(pathToFileURL(path.join(browserDir, 'chromium.mjs')).href);
    const browser = await launchChromium();
    const result = { n, intervalMs };
    try {
        const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
        await page.addInitScript(avInit);
        const resp = await page.goto(url, { waitUntil: 'load' });
        if (!resp || resp.status() !== 200)
            throw new Error(`GET player page: HTTP ${resp && resp.status()}`);
        await page.waitForFunction(() => {
            const p = window.ghPlayer, v = document.getElementById('video');
            return p && p.state === 'playing' && p.role === 'control' && v.videoWidth > 0 &&
                v.getVideoPlaybackQuality().totalVideoFrames >= 60;
        }, null, { timeout: 90000, polling: 200 });
        await page.locator('#video').focus().catch(() => {});
        // A first key is the gesture that unmutes the player (the element
        // then plays the sound, as a player hears it); Shift moves nothing.
        await page.keyboard.press('ShiftLeft');
        result.audioPresent = await page.evaluate(() => window.ghPlayer.audio.present);
        if (n > 0) {
            if (!result.audioPresent)
                throw new Error('the session sends no sound (an image on a console without a sound card?)');
            Object.assign(result, await page.evaluate(() =>
                window.ghAv.startAudio(window.ghPlayer.audioTrack(), 0.5, 0.05, 200)));
        }
        await page.evaluate(() => window.ghAv.startVideo());
        await sleep(1500);
        if (holdS > 0) {
            const before = cpuTicks(pids), t0 = process.hrtime.bigint();
            await sleep(holdS * 1000);
            const after = cpuTicks(pids), secs = Number(process.hrtime.bigint() - t0) / 1e9;
            result.cpu = pids.map((pid, i) => ({ pid, ticks: after[i] - before[i], seconds: secs }));
        }
        for (let i = 0; i < n; i++) {
            await page.keyboard.down('F8');
            await sleep(50);
            await page.keyboard.up('F8');
            await sleep(intervalMs - 50);
        }
        await sleep(WINDOW_MS);
        const av = await page.evaluate(() => ({ keys: window.ghAv.keys, frames: window.ghAv.frames,
            onsets: window.ghAv.onsets, stamps: window.ghAv.stamps, peaks: window.ghAv.peaks }));
        result.loudest = av.peaks.length ? Math.max(...av.peaks.map((x) => x.peak)) : null;
        result.peaks = av.peaks;
        result.silentSeconds = av.peaks.filter((x) => x.peak === 0).length;
        result.whiteFrames = av.frames.length;
        result.onsets = av.onsets.length;
        result.flashes = matchFlashes(av.keys, av.frames, av.onsets, av.stamps);
        await page.close();
    } finally {
        await browser.close().catch(() => {});
    }
    return result;
}

if (argv[0] === '--report') {
    report(argv[1], argv[2] || 'av-sync');
} else {
    const [url, nArg, intervalArg, holdArg, ...pids] = argv;
    const n = Number(nArg), intervalMs = Number(intervalArg || 1500), holdS = Number(holdArg || 0);
    if (!url || !Number.isInteger(n) || n < 0 || !(intervalMs >= 1100) || !(holdS >= 0)) {
        console.error('usage: node av-sync.mjs URL N INTERVAL_MS [HOLD_S [PID ...]] | --report RESULT.json [TITLE]');
        process.exit(2);
    }
    const timer = setTimeout(() => {
        console.error('av-sync: timed out');
        process.exit(1);
    }, n * intervalMs + holdS * 1000 + 150000);
    try {
        console.log(JSON.stringify(await run(url, n, intervalMs, holdS, pids.map(Number))));
    } catch (err) {
        console.error(err.stack || String(err));
        process.exitCode = 1;
    } finally {
        clearTimeout(timer);
    }
}
