// A headless Chromium driven line by line, for the player's recovery tests
// (tests/e2e/player-lib.sh): the shell sends one command per line on stdin
// and reads one JSON object per line on stdout, so that it can cut links,
// kill the daemon and ask the API between the page's steps.
//
// Commands (TAB names a page; several pages share the browser):
//   open TAB URL            opens the player link in a new page
//   wait TAB STATE SECONDS  waits until ghPlayer.state is STATE (and, for
//                           "playing", 15 frames have been presented since)
//   screen TAB FILE         a screenshot to FILE, with what the page shows
//   key TAB down|up KEY     a key (Playwright's names: ArrowLeft)
//   eval TAB EXPRESSION     evaluates EXPRESSION in the page (JSON result)
//   close TAB               closes the page
//   quit
// Every reply carries ok, and the page's screen: state, role, title, text,
// whether the Reconnect button shows, and rawCode (true when the visible
// text names a close code: what a player must never see).
// Env: GH_CHROMIUM (default /usr/bin/chromium).
import { launchChromium } from './chromium.mjs';
import readline from 'node:readline';

const pages = new Map();
let browser;

function reply(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}

// What a person sees; raw codes may only be in the (hidden) F2 overlay.
async function screenOf(page) {
    return page.evaluate(() => {
        const p = window.ghPlayer || {};
        const $ = (id) => document.getElementById(id);
        const visible = document.body.innerText;
        const rawCode = /\b1[0-4]\d\d\b|code/i.test(visible);
        const background = getComputedStyle(document.body).backgroundColor;
        if (!$('message')) // the host's refusal page, not the player
            return { state: null, title: document.querySelector('h1')?.textContent ?? null,
                     text: document.querySelector('p')?.textContent ?? null, visible, rawCode, background };
        return {
            state: p.state, role: p.role, peer: p.peer, closeCode: p.closeCode, lastError: p.lastError,
            framesPresented: p.framesPresented, inputSent: p.inputSent,
            title: $('message').hidden ? null : $('message-title').textContent,
            text: $('message').hidden ? null : $('message-text').textContent,
            button: !$('message').hidden && !$('btn-reconnect').hidden ? $('btn-reconnect').textContent : null,
            badge: $('role').hidden ? null : $('role').textContent,
            notice: $('notice').hidden ? null : $('notice').textContent,
            visible, rawCode, background,
        };
    });
}

async function waitState(page, state, seconds) {
    const t0 = Date.now();
    await page.waitForFunction((s) => window.ghPlayer && window.ghPlayer.state === s, state,
        { timeout: seconds * 1000, polling: 100 });
    if (state === 'playing') {
        // Playing means moving pictures, not one frame.
        const from = await page.evaluate(() => window.ghPlayer.framesPresented);
        await page.waitForFunction((f) => window.ghPlayer.state === 'playing' &&
            window.ghPlayer.framesPresented >= f + 15, from,
        { timeout: Math.max(1000, seconds * 1000 - (Date.now() - t0)), polling: 100 });
    }
    return Date.now() - t0;
}

async function run(words, line) {
    const [cmd, tab] = words;
    const page = pages.get(tab);
    if (cmd === 'open') {
        const p = await browser.newPage({ viewport: { width: 960, height: 600 } });
        p.on('pageerror', (e) => process.stderr.write(`${tab}: pageerror: ${e.message}\n`));
        pages.set(tab, p);
        await p.goto(words[2], { waitUntil: 'load' });
        return { ok: true };
    }
    if (cmd === 'quit')
        return null;
    if (!page)
        throw new Error(`no page ${tab}`);
    switch (cmd) {
    case 'wait': {
        const ms = await waitState(page, words[2], Number(words[3]));
        return { ok: true, ms, screen: await screenOf(page) };
    }
    case 'screen':
        await page.screenshot({ path: words[2] });
        return { ok: true, screen: await screenOf(page) };
    case 'key':
        await page.keyboard[words[2]](words[3]);
        return { ok: true };
    case 'eval': {
        const expr = line.replace(/^\S+\s+\S+\s+/, '');
        return { ok: true, value: await page.evaluate(expr) };
    }
    case 'close':
        await page.close();
        pages.delete(tab);
        return { ok: true };
    default:
        throw new Error(`unknown command ${cmd}`);
    }
}

browser = await launchChromium();
reply({ ok: true, ready: true });
const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
    const words = line.trim().split(/\s+/);
    if (!words[0])
        continue;
    try {
        const r = await run(words, line.trim());
        if (!r)
            break;
        reply(r);
    } catch (err) {
        const page = pages.get(words[1]);
        const screen = page ? await screenOf(page).catch(() => null) : null;
        reply({ ok: false, error: err.message.split('\n')[0], screen });
    }
}
await browser.close().catch(() => {});
reply({ ok: true, quit: true });
