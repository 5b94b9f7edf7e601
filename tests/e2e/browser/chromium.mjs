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

// GH_CHROMIUM overrides /usr/bin/chromium.
export function launchChromium() {
    return chromium.launch({
        executablePath: process.env.GH_CHROMIUM || '/usr/bin/chromium',
        args: CHROMIUM_ARGS,
    });
}
