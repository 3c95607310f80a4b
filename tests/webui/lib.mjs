// SPDX-License-Identifier: GPL-3.0-or-later
// Shared helpers of the web console tests: environment, a tiny sequential runner, the browser, sign-in, admin
// API calls from node, the fake upstream, generated keys, the CLI. Everything waits on conditions with a deadline.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));

function need(name) {
    const v = process.env[name];
    if (!v) {
        console.error(`${name} is not set: run this through tests/webui/run.sh`);
        process.exit(2);
    }
    return v;
}

export const env = {
    proxyUrl: need('WEBUI_PROXY_URL'),
    fakeUrl: need('WEBUI_FAKE_URL'),
    daemonBin: need('WEBUI_DAEMON_BIN'),
    config: need('WEBUI_CONFIG'),
    dataDir: need('WEBUI_DATA_DIR'),
    tmp: need('WEBUI_TMP'),
    chromium: need('WEBUI_CHROMIUM'),
    shots: need('WEBUI_SCREENSHOT_DIR'),
    bigUrl: process.env.WEBUI_BIG_URL || '',
    bigConfig: process.env.WEBUI_BIG_CONFIG || '',
    bigDataDir: process.env.WEBUI_BIG_DATA_DIR || '',
};
// Secrets: kept in variables, never printed.
export const secrets = {
    admin: need('WEBUI_ADMIN_TOKEN'),
    bigAdmin: process.env.WEBUI_BIG_ADMIN_TOKEN || '',
    // every admin token value seen during the run (rotation adds one) and every key the tests made
    allAdmin: new Set([process.env.WEBUI_ADMIN_TOKEN, process.env.WEBUI_BIG_ADMIN_TOKEN].filter(Boolean)),
    keys: new Set(),
};

export const ADMIN = `${env.proxyUrl}/admin`;
export const API = `${ADMIN}/api/v1`;
export const tid = (id) => `[data-testid="${id}"]`;

// ---------------------------------------------------------------------------------------------------------------
// A tiny runner: steps run in order; a failing step is reported and the next one still runs (each step brings
// the page into the state it needs). Exit code 1 when any step failed.
const steps = [];
export function step(name, fn, { timeoutMs = 90_000 } = {}) {
    steps.push({ name, fn, timeoutMs });
}
const figures = [];
export function figure(text) {
    figures.push(text);
    console.log(`    # ${text}`);
}
export async function runSteps(title, { before, after } = {}) {
    const results = [];
    const started = Date.now();
    console.log(`== ${title}`);
    if (before) await before();
    for (const s of steps) {
        const t0 = Date.now();
        // the step's deadline: an abort signal that fires after timeoutMs
        const deadline = AbortSignal.timeout(s.timeoutMs);
        let onAbort;
        try {
            await Promise.race([
                s.fn(),
                new Promise((_, reject) => {
                    onAbort = () => reject(new Error(`step timed out after ${s.timeoutMs} ms`));
                    deadline.addEventListener('abort', onAbort, { once: true });
                }),
            ]);
            results.push({ name: s.name, ok: true });
            console.log(`ok   ${s.name} (${Date.now() - t0} ms)`);
        } catch (err) {
            results.push({ name: s.name, ok: false, err });
            console.log(`FAIL ${s.name} (${Date.now() - t0} ms)\n${indent(scrub(err?.stack || String(err)))}`);
        } finally {
            deadline.removeEventListener('abort', onAbort);
        }
    }
    if (after) {
        try {
            await after();
        } catch (err) {
            console.log(`teardown: ${scrub(String(err))}`);
        }
    }
    const failed = results.filter((r) => !r.ok);
    console.log(
        `== ${title}: ${results.length - failed.length}/${results.length} passed in ${Date.now() - started} ms`,
    );
    if (figures.length) console.log(`figures:\n${figures.map((f) => `  ${f}`).join('\n')}`);
    for (const f of failed) console.log(`  failed: ${f.name}`);
    process.exitCode = failed.length ? 1 : 0;
}
function indent(s) {
    return s
        .split('\n')
        .map((l) => `     ${l}`)
        .join('\n');
}
// Error messages may quote a request or a value: take out anything secret before printing.
export function scrub(text) {
    let s = String(text);
    for (const v of [...secrets.allAdmin, ...secrets.keys]) {
        if (v) s = s.split(v).join('<secret>');
    }
    return s.replace(keyPattern(), '<key>');
}

// ---------------------------------------------------------------------------------------------------------------
// Keys. Generated at run time; "AI" + "za" so that no key-shaped literal sits in the source.
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const KEY_PREFIX = 'AI' + 'za';
export function genKey() {
    let k = KEY_PREFIX;
    for (const b of randomBytes(35)) k += KEY_ALPHABET[b & 63];
    secrets.keys.add(k);
    return k;
}
export function keyPattern() {
    return new RegExp(`${KEY_PREFIX}[0-9A-Za-z_-]{35}`, 'g');
}

// The fake upstream: register a key with a script (normal, rateLimited, invalid, …).
export async function fakeKey(key, script = {}) {
    const res = await fetch(`${env.fakeUrl}/__fake/keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key, script }),
    });
    assert.equal(res.status, 200, `fake-gemini refused /__fake/keys (${res.status})`);
}

// ---------------------------------------------------------------------------------------------------------------
// The CLI, against the main instance's config (the environment run.sh exported).
export function cli(args, { input, env: extra } = {}) {
    return new Promise((resolve, reject) => {
        const child = execFile(
            env.daemonBin,
            args,
            { env: { ...process.env, ...extra }, maxBuffer: 64 << 20 },
            (err, stdout, stderr) => {
                if (err) reject(new Error(`gemini-aggregatord ${args[0]} ${args[1] || ''} failed: ${scrub(stderr)}`));
                else resolve({ stdout, stderr });
            },
        );
        if (input !== undefined) child.stdin.end(input);
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Admin API from node. auth: { bearer } or { cookie, csrf } or nothing.
export async function adminCall(method, route, { bearer, cookie, csrf, body, base = env.proxyUrl, headers = {} } = {}) {
    const h = { ...headers };
    if (bearer) h.authorization = `Bearer ${bearer}`;
    if (cookie) h.cookie = cookie;
    if (csrf) h['x-csrf-token'] = csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const url = route.startsWith('/admin') ? `${base}${route}` : `${base}/admin/api/v1${route}`;
    const res = await fetch(url, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let json;
    try {
        json = text ? JSON.parse(text) : undefined;
    } catch {
        json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
}

// The console's session cookie of a browser context, as a Cookie header value.
export async function sessionCookie(context, base = env.proxyUrl) {
    const cookies = await context.cookies(`${base}/admin/`);
    const c = cookies.find((x) => x.name === 'ga_admin');
    return c ? `${c.name}=${c.value}` : '';
}

export async function readConfig(file = env.config) {
    return JSON.parse(await fs.promises.readFile(file, 'utf8'));
}
export function getPath(obj, dotted) {
    return dotted.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

// ---------------------------------------------------------------------------------------------------------------
// The browser. Every request any page makes is recorded (URL only) for the leak sweep.
export const requestedUrls = [];
export const pageErrors = [];
let browser;
export async function launch() {
    browser = await chromium.launch({
        executablePath: env.chromium,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    return browser;
}
export async function closeBrowser() {
    if (browser) await browser.close();
}
export async function newContext(options = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
    context.on('request', (r) => requestedUrls.push(r.url()));
    context.on('page', (p) => watchPage(p));
    return context;
}
function watchPage(p) {
    p.on('pageerror', (e) => pageErrors.push(`${p.url()}: ${e.message}`));
}
export async function newPage(context) {
    const page = await context.newPage();
    return page;
}

// Waits for a page root with data-ready="true".
export async function pageReady(page, name, timeout = 20_000) {
    await requireConsole();
    const root = page.locator(`${tid(`page-${name}`)}[data-ready="true"]`);
    await root.waitFor({ state: 'visible', timeout });
    return root;
}

// Whether the daemon serves the console at /admin/ (an HTML page): without it the browser steps fail at once
// with that reason instead of waiting for selectors that cannot appear.
const served = new Map();
export async function requireConsole(base = env.proxyUrl) {
    if (!served.has(base)) {
        let why = '';
        try {
            const r = await fetch(`${base}/admin/`, { signal: AbortSignal.timeout(10_000) });
            const type = r.headers.get('content-type') || '';
            if (r.status !== 200 || !type.includes('text/html')) why = `GET /admin/ → ${r.status} ${type}`;
        } catch (e) {
            why = `GET /admin/ failed: ${e.message}`;
        }
        served.set(base, why);
    }
    const why = served.get(base);
    if (why) throw new Error(`the daemon does not serve the console (${why}); is it built into this binary?`);
}

// Signs in through the sign-in page (the page must be on the console). Leaves the page on the shell.
export async function signIn(page, token, base = env.proxyUrl) {
    await requireConsole(base);
    if (!page.url().startsWith(`${base}/admin`)) await page.goto(`${base}/admin/`);
    const input = page.locator(tid('login-token'));
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await input.fill(token);
    await page.locator(tid('login-submit')).click();
    await page.locator(tid('signout')).waitFor({ state: 'visible', timeout: 20_000 });
}

// Waits until the page's finite CSS transitions and animations have finished (a page fading in has, mid-way, colours
// it will not have at rest: axe's contrast check and the screenshots must see the final state).
export async function settled(page) {
    await page.evaluate(async () => {
        for (let round = 0; round < 5; round++) {
            const running = document
                .getAnimations()
                .filter((a) => a.playState === 'running' && a.effect?.getComputedTiming().iterations !== Infinity);
            if (!running.length) break;
            await Promise.all(running.map((a) => a.finished.catch(() => {})));
        }
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    });
}

// Goes to a console page through its nav link and waits until it has loaded its data.
export async function openPage(page, name) {
    await page.locator(tid(`nav-${name}`)).click();
    return pageReady(page, name);
}

// Checks a condition outside the page (a file, an API answer) until it holds; fails at the deadline. The condition
// does real I/O (a request, a file read), which paces the loop; there is no timed pause.
export async function until(what, fn, { timeoutMs = 10_000 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await fn();
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await nextTurn();
    }
}

export { assert };
