// Plays a session in Debian's headless Chromium through the web player and
// checks what a person would see: the demo-arena picture decoded from the
// WebRTC stream, the yellow player moving left on three ArrowLeft presses,
// and an ICE path that stays on the test's own addresses.
//
// Usage: node play.mjs URL [ALLOWED_ADDRESS...]
//        node play.mjs --wait-end URL
//   URL: the player link (http://127.0.0.1:PORT/play/ID?token=…)
//   ALLOWED_ADDRESS: addresses the selected candidate pair may use
//   (default 198.18.0.1 127.0.0.1)
//   --wait-end: only wait for the video, print READY on a line of its own,
//   then wait (60 s at most) for the page to say the session has ended.
// Env: GH_CHROMIUM (default /usr/bin/chromium), GH_PLAY_SHOT (write a PNG of
// the page there at the end), GH_PLAY_INIT_SCRIPT (a script run in the page
// before the player's own, for developing against a stand-in server).
// Prints one JSON object with what it measured; exit status 1 on a failed
// check, with the reason on stderr.
import { launchChromium } from './chromium.mjs';

const args = process.argv.slice(2);
const waitEnd = args[0] === '--wait-end';
if (waitEnd)
    args.shift();
const url = args[0];
if (!url) {
    console.error('usage: node play.mjs [--wait-end] URL [ALLOWED_ADDRESS...]');
    process.exit(2);
}
const allowed = args.length > 1 ? args.slice(1) : ['198.18.0.1', '127.0.0.1'];

// images/demo-arena/main.c: 640x480; player a 24x24 0xFFFF00 square centred
// at 320,240 (pixels 308..331, 228..251), 8 px per arrow key; border 0x00A0E0
// at 8..15 from each edge; playfield stripes 0x080A1A and a pulsing dark blue
// (at most 0x1B1547).
const W = 640, H = 480, STEP = 8, PRESSES = 3;
const START = { x: 319.5, y: 239.5 };
const BORDER = [0x00, 0xa0, 0xe0];
const TOL_POS = 2.5;        // px: codec loss blurs edges, never moves the centroid this far
const TOL_COLOUR = 48;      // per channel, mean over a region

const result = { url: url.replace(/token=[^&]*/, 'token=…') };
let browser;

function fail(msg) {
    const err = new Error(msg);
    err.check = true;
    throw err;
}

async function waitFor(page, what, fn, arg, timeoutMs) {
    try {
        await page.waitForFunction(fn, arg, { timeout: timeoutMs, polling: 200 });
    } catch (err) {
        const st = await page.evaluate(() => JSON.stringify(window.ghPlayer || null)).catch(() => '?');
        fail(`${what} within ${timeoutMs / 1000} s; ghPlayer=${st}`);
    }
}

// Draws the current video frame into a canvas and measures it.
function measureFrame() {
    const v = document.getElementById('video');
    const w = v.videoWidth, h = v.videoHeight;
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const g = c.getContext('2d', { willReadFrequently: true });
    g.drawImage(v, 0, 0, w, h);
    const d = g.getImageData(0, 0, w, h).data;
    const px = (x, y) => { const i = (y * w + x) * 4; return [d[i], d[i + 1], d[i + 2]]; };
    const mean = (x0, y0, x1, y1) => {
        const s = [0, 0, 0];
        let n = 0;
        for (let y = y0; y < y1; y++)
            for (let x = x0; x < x1; x++) {
                const p = px(x, y);
                s[0] += p[0]; s[1] += p[1]; s[2] += p[2]; n++;
            }
        return s.map((v) => Math.round(v / n));
    };
    // Yellow: the player (the hue frame never reaches pure yellow, and stays outside 16..w-16).
    let n = 0, sx = 0, sy = 0, x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (let y = 16; y < h - 16; y++)
        for (let x = 16; x < w - 16; x++) {
            const [r, gg, b] = px(x, y);
            if (r > 180 && gg > 180 && b < 110) {
                n++; sx += x; sy += y;
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
        }
    // Dark blue playfield: share of the upper-left quarter that looks like it
    // (the ball, 21 px across, may cover a little of it).
    let dark = 0, total = 0;
    for (let y = 24; y < 200; y += 2)
        for (let x = 24; x < 280; x += 2) {
            const [r, gg, b] = px(x, y);
            total++;
            if (r < 70 && gg < 70 && b < 110 && b >= r && b >= gg)
                dark++;
        }
    return {
        width: w, height: h,
        yellow: n ? { count: n, cx: sx / n, cy: sy / n, bbox: [x0, y0, x1, y1] } : null,
        borderLeft: mean(9, 100, 15, 380), borderTop: mean(100, 9, 540, 15),
        borderRight: mean(w - 15, 100, w - 9, 380), borderBottom: mean(100, h - 15, 540, h - 9),
        darkShare: total ? dark / total : 0,
    };
}

function near(a, b, tol) {
    return a.every((v, i) => Math.abs(v - b[i]) <= tol);
}

function checkArena(m, where) {
    if (m.width !== W || m.height !== H)
        fail(`${where}: video is ${m.width}x${m.height}, expected ${W}x${H}`);
    for (const side of ['borderLeft', 'borderTop', 'borderRight', 'borderBottom'])
        if (!near(m[side], BORDER, TOL_COLOUR))
            fail(`${where}: ${side} colour ${m[side]}, expected about ${BORDER}`);
    if (m.darkShare < 0.8)
        fail(`${where}: only ${(m.darkShare * 100).toFixed(0)}% of the playfield sample is dark blue`);
    if (!m.yellow)
        fail(`${where}: no yellow player in the picture`);
    const [bx0, by0, bx1, by1] = m.yellow.bbox;
    const bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
    if (Math.abs(bw - 24) > 3 || Math.abs(bh - 24) > 3 || m.yellow.count < 400 || m.yellow.count > 750)
        fail(`${where}: yellow region ${bw}x${bh} (${m.yellow.count} px) is not the 24x24 player`);
}

async function main() {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 960, height: 600 } });
    const console_ = [];
    page.on('console', (m) => console_.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => console_.push(`pageerror: ${e.message}`));
    if (process.env.GH_PLAY_INIT_SCRIPT)
        await page.addInitScript({ path: process.env.GH_PLAY_INIT_SCRIPT });
    try {
        const resp = await page.goto(url, { waitUntil: 'load' });
        if (!resp || resp.status() !== 200)
            fail(`GET player page: HTTP ${resp && resp.status()}`);
        result.codecsOffered = await page.evaluate(() =>
            RTCRtpReceiver.getCapabilities('video').codecs.map((c) => c.mimeType)
                .filter((m, i, a) => /H264|VP8/.test(m) && a.indexOf(m) === i));

        await waitFor(page, 'video did not start playing', () => {
            const p = window.ghPlayer, v = document.getElementById('video');
            return p && p.state === 'playing' && v.videoWidth > 0 &&
                v.getVideoPlaybackQuality().totalVideoFrames >= 30;
        }, null, 90000);
        result.role = await page.evaluate(() => window.ghPlayer.role);
        if (waitEnd) {
            console.log('READY');
            await waitFor(page, 'the page did not say the session ended',
                () => window.ghPlayer.state === 'ended', null, 60000);
            result.ended = await page.evaluate(() => ({
                title: document.getElementById('message-title').textContent,
                text: document.getElementById('message-text').textContent,
                shown: !document.getElementById('message').hidden,
                closeCode: window.ghPlayer.closeCode,
            }));
            if (!result.ended.shown || result.ended.title !== 'The session has ended')
                fail(`end of session shown as ${JSON.stringify(result.ended)}`);
            if (process.env.GH_PLAY_SHOT)
                await page.screenshot({ path: process.env.GH_PLAY_SHOT });
            result.ok = true;
            return;
        }
        if (result.role !== 'control')
            fail(`role is ${result.role}, expected control (first peer)`);

        const before = await page.evaluate(measureFrame);
        checkArena(before, 'first frames');
        if (Math.abs(before.yellow.cx - START.x) > TOL_POS || Math.abs(before.yellow.cy - START.y) > TOL_POS)
            fail(`player starts at ${before.yellow.cx.toFixed(1)},${before.yellow.cy.toFixed(1)}, expected ${START.x},${START.y}`);
        result.before = before;

        // Three ArrowLeft taps to the page; the game moves 8 px per press.
        await page.locator('#video').focus().catch(() => {});
        for (let i = 0; i < PRESSES; i++) {
            await page.keyboard.press('ArrowLeft', { delay: 40 });
            await page.waitForTimeout(150);
        }
        const target = before.yellow.cx - STEP * PRESSES;
        const t0 = Date.now();
        let after = null;
        while (Date.now() - t0 < 20000) {
            after = await page.evaluate(measureFrame);
            if (after.yellow && Math.abs(after.yellow.cx - target) <= TOL_POS)
                break;
            await page.waitForTimeout(200);
        }
        result.moveMs = Date.now() - t0;
        if (!after || !after.yellow || Math.abs(after.yellow.cx - target) > TOL_POS)
            fail(`after ${PRESSES} ArrowLeft presses the player is at ${after && after.yellow ?
                after.yellow.cx.toFixed(1) : 'nowhere'}, expected x ${target}`);
        // It stays there: no repeat, no extra presses.
        await page.waitForTimeout(1000);
        after = await page.evaluate(measureFrame);
        checkArena(after, 'after the presses');
        if (Math.abs(after.yellow.cx - target) > TOL_POS || Math.abs(after.yellow.cy - before.yellow.cy) > TOL_POS)
            fail(`player drifted to ${after.yellow.cx.toFixed(1)},${after.yellow.cy.toFixed(1)} (expected ${target},${before.yellow.cy.toFixed(1)})`);
        result.after = after;

        // The path WebRTC chose, and what the overlay would say.
        const net = await page.evaluate(async () => {
            const report = await window.ghPlayer.getStats();
            const byId = new Map();
            report.forEach((r) => byId.set(r.id, r));
            let pair = null, codec = null;
            const addresses = [];
            report.forEach((r) => {
                if (r.type === 'transport' && r.selectedCandidatePairId)
                    pair = byId.get(r.selectedCandidatePairId);
                if (r.type === 'inbound-rtp' && r.kind === 'video' && r.codecId)
                    codec = byId.get(r.codecId).mimeType;
                if (r.type === 'local-candidate' || r.type === 'remote-candidate')
                    addresses.push(r.address || r.ip);
            });
            const l = pair && byId.get(pair.localCandidateId), rm = pair && byId.get(pair.remoteCandidateId);
            return {
                local: l ? l.address || l.ip : null, remote: rm ? rm.address || rm.ip : null,
                localPort: l ? l.port : null, remotePort: rm ? rm.port : null,
                protocol: l ? l.protocol : null, candidates: [...new Set(addresses)], codec,
                rttMs: pair && pair.currentRoundTripTime !== undefined ? pair.currentRoundTripTime * 1000 : null,
            };
        });
        result.net = net;
        if (!net.local || !net.remote)
            fail(`no selected candidate pair: ${JSON.stringify(net)}`);
        if (!allowed.includes(net.local) || !allowed.includes(net.remote))
            fail(`selected pair ${net.local} <-> ${net.remote} leaves the allowed addresses ${allowed}`);
        // Every gathered candidate too; Chromium lists an unspecified "::" host
        // candidate when the namespace has no IPv6 address, which reaches nothing.
        for (const a of net.candidates)
            if (!allowed.includes(a) && a !== '::' && a !== '0.0.0.0')
                fail(`candidate address ${a} is outside ${allowed}`);

        // The overlay toggles and shows numbers.
        await page.keyboard.press('F2');
        await page.waitForTimeout(1200);
        result.overlay = await page.evaluate(() => document.getElementById('overlay').textContent);
        if (!/fps\s+\d/.test(result.overlay) || !/codec\s+(H264|VP8)/.test(result.overlay))
            fail(`overlay does not show fps and codec: ${result.overlay}`);
        result.player = await page.evaluate(() => {
            const p = window.ghPlayer;
            return { state: p.state, role: p.role, codec: p.codec, framesDecoded: p.framesDecoded,
                     inputSent: p.inputSent, lastError: p.lastError, stats: p.stats };
        });
        if (result.player.inputSent !== 2 * PRESSES)
            fail(`player sent ${result.player.inputSent} input events, expected ${2 * PRESSES}`);
        if (process.env.GH_PLAY_SHOT)
            await page.screenshot({ path: process.env.GH_PLAY_SHOT });
        await page.close();
        result.ok = true;
    } finally {
        result.console = console_.slice(-20);
    }
}

try {
    await main();
    console.log(JSON.stringify(result));
} catch (err) {
    result.ok = false;
    result.error = err.message;
    console.log(JSON.stringify(result));
    console.error(err.check ? err.message : err.stack);
    process.exitCode = 1;
} finally {
    if (browser)
        await browser.close().catch(() => {});
}
