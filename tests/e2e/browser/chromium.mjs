// Debian's headless Chromium as every browser test and benchmark starts it
// (play.mjs, player.mjs, bench/photon.mjs): one set of flags, so a test and
// the benchmark measure the same browser.
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
    '--no-sandbox',   // root in a test namespace
    '--disable-features=WebRtcHideLocalIpsWithMdns',   // real host candidates, not mDNS names
    '--autoplay-policy=no-user-gesture-required',
    // A page in the background (a second tab, an occluded window) keeps
    // its timers and renderer: the tests drive several at once.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
];

// The player's microphone in a test: GH_FAKE_MIC names a WAV file that
// Chromium's fake capture device plays (looped), the permission prompt
// answers yes, and GH_SECURE_ORIGIN (the player's http origin in the test
// namespace) counts as secure, as getUserMedia requires.
function micArgs() {
    if (!process.env.GH_FAKE_MIC)
        return [];
    return ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${process.env.GH_FAKE_MIC}`,
        ...(process.env.GH_SECURE_ORIGIN ? [`--unsafely-treat-insecure-origin-as-secure=${process.env.GH_SECURE_ORIGIN}`] : [])];
}

// GH_CHROMIUM overrides /usr/bin/chromium.
export function launchChromium() {
    return chromium.launch({
        executablePath: process.env.GH_CHROMIUM || '/usr/bin/chromium',
        args: [...CHROMIUM_ARGS, ...micArgs()],
    });
}
