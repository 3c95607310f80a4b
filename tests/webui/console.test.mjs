// SPDX-License-Identifier: GPL-3.0-or-later
// The web console in headless Chromium against the "main" gemini-aggregatord (run.sh starts it): sign-in, keys by
// paste, bulk verify, routing mode, settings validation, the live log tail, sign-out, admin token rotation, the
// session and CSRF rules, a cross-origin page, accessibility (axe-core) and screenshots in English and Chinese,
// and a sweep for the admin token and the keys in browser storage, URLs, daemon logs and the config file.
// Numbers in the comments are the acceptance points of issue 21.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
    ADMIN,
    API,
    HERE,
    adminCall,
    assert,
    cli,
    closeBrowser,
    env,
    fakeKey,
    figure,
    genKey,
    getPath,
    keyPattern,
    KEY_PREFIX,
    launch,
    newContext,
    openPage,
    pageErrors,
    pageReady,
    readConfig,
    requestedUrls,
    runSteps,
    scrub,
    requireConsole,
    secrets,
    sessionCookie,
    settled,
    signIn,
    step,
    tid,
    until,
} from './lib.mjs';

const PAGES = ['dashboard', 'keys', 'relays', 'tokens', 'files', 'logs', 'tls', 'settings'];
const LANGS = [
    { name: 'en', button: 'lang-en' },
    { name: 'zh_CN', button: 'lang-zh' },
];

let context; // the signed-in browser context the steps share
let page;
const keys = {}; // the keys this run configured (values stay in memory; never printed)

// Makes sure `page` is signed in with the current admin token (a step before may have signed out).
async function ensureSignedIn() {
    await requireConsole();
    if (!context) {
        context = await newContext();
        page = await context.newPage();
    }
    const cookie = await sessionCookie(context);
    const valid = cookie && (await adminCall('GET', '/admin/session', { cookie })).status === 200;
    if (!valid) {
        await page.goto(`${ADMIN}/`);
        await signIn(page, secrets.admin);
    } else if (!(await page.locator(tid('signout')).isVisible())) {
        await page.goto(`${ADMIN}/`);
        await page.locator(tid('signout')).waitFor({ state: 'visible', timeout: 20_000 });
    }
}

// The CSRF token of a session, as the app gets it after a reload.
async function csrfOf(cookie) {
    const r = await adminCall('GET', '/admin/session', { cookie });
    assert.equal(r.status, 200, `GET /admin/session with the cookie answered ${r.status}`);
    assert.ok(r.json?.csrfToken, 'GET /admin/session gives a csrfToken');
    return r.json.csrfToken;
}

async function currentMode() {
    const cookie = await sessionCookie(context);
    const r = await adminCall('GET', '/mode', { cookie });
    assert.equal(r.status, 200, `GET /mode with the cookie answered ${r.status}`);
    return r.json.mode;
}

async function keyList() {
    const r = await adminCall('GET', '/keys', { bearer: secrets.admin });
    assert.equal(r.status, 200, `GET /keys answered ${r.status}`);
    return r.json;
}

function sha256(file) {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// ------------------------------------------------------------------------------------------------------------
async function before() {
    await launch();
    // The upstream knows: good (normal), quota (429 per-minute), new (normal; added by paste). "bad" stays unknown
    // to the fake, so it answers API_KEY_INVALID for it.
    keys.good = genKey();
    keys.bad = genKey();
    keys.quota = genKey();
    keys.fresh = genKey();
    await fakeKey(keys.good);
    await fakeKey(keys.quota, { behaviour: 'rateLimited', retryDelay: '30s' });
    await fakeKey(keys.fresh);
    for (const [label, secret] of [
        ['good', keys.good],
        ['bad', keys.bad],
        ['quota', keys.quota],
    ]) {
        const r = await adminCall('POST', '/keys', { bearer: secrets.admin, body: { secret, label } });
        assert.equal(r.status, 201, `POST /keys (${label}) answered ${r.status}: ${scrub(r.text)}`);
    }
    try {
        await requireConsole();
    } catch (e) {
        console.log(`${e.message}: the browser steps will fail`);
    }
}

// 1. Sign-in through the page; a wrong token shows login-error.
step('1 sign-in: wrong token → login-error, right token → console', async () => {
    await requireConsole();
    context = await newContext();
    page = await context.newPage();
    await page.goto(`${ADMIN}/`);
    await page.locator(tid('page-login')).waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator(tid('login-token')).fill(`wrong-${randomBytes(16).toString('hex')}`);
    await page.locator(tid('login-submit')).click();
    const err = page.locator(tid('login-error'));
    await err.waitFor({ state: 'visible', timeout: 10_000 });
    assert.ok((await err.innerText()).trim().length > 0, 'login-error has a message');
    assert.equal(await sessionCookie(context), '', 'no session cookie after a wrong token');
    assert.equal(
        await page.locator(tid('login-token')).getAttribute('type'),
        'password',
        'the token input is a password field',
    );

    await signIn(page, secrets.admin);
    await pageReady(page, 'dashboard');
    const cookies = await context.cookies(`${ADMIN}/`);
    const c = cookies.find((x) => x.name === 'ga_admin');
    assert.ok(c, 'the ga_admin cookie is set');
    assert.equal(c.httpOnly, true, 'the cookie is HttpOnly');
    assert.equal(c.sameSite, 'Strict', 'the cookie is SameSite=Strict');
    assert.equal(c.path, '/admin', 'the cookie has Path=/admin');
    assert.ok(!page.url().includes(secrets.admin), 'the token is not in the URL');
    assert.equal(await page.locator(tid('insecure-banner')).isVisible(), false, 'no insecure-banner on loopback');
});

// 2. Three keys by paste: a new good one, a duplicate of a configured one, a malformed one.
step('2 keys by paste: added / duplicate / invalid', async () => {
    await ensureSignedIn();
    await openPage(page, 'keys');
    const before = (await keyList()).length;
    const malformed = `${KEY_PREFIX}${randomBytes(6).toString('hex')}!`; // wrong length and a bad character
    await page.locator(tid('keys-paste-open')).click();
    const text = page.locator(tid('keys-paste-text'));
    await text.waitFor({ state: 'visible' });
    await text.fill([keys.fresh, keys.good, malformed].join('\n'));
    await page.locator(tid('keys-paste-submit')).click();
    const rows = page.locator(tid('keys-paste-result'));
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length >= 3, tid('keys-paste-result'), {
        timeout: 15_000,
    });
    // An app that previews first (dry run: "valid") and adds on a second submit is allowed.
    const statuses = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    if (statuses.includes('valid')) {
        await page.locator(tid('keys-paste-submit')).click();
        await page.waitForFunction(
            (sel) => [...document.querySelectorAll(sel)].some((e) => e.getAttribute('data-status') === 'added'),
            tid('keys-paste-result'),
            { timeout: 15_000 },
        );
    }
    const got = await rows.evaluateAll((els) =>
        els.map((e) => ({
            line: e.getAttribute('data-line'),
            status: e.getAttribute('data-status'),
            text: e.textContent.trim(),
        })),
    );
    assert.equal(got.length, 3, `three result rows (got ${got.length})`);
    const byLine = Object.fromEntries(got.map((r) => [r.line, r]));
    assert.equal(byLine['1']?.status, 'added', `line 1 (new key) is added: ${JSON.stringify(byLine['1']?.status)}`);
    assert.equal(byLine['2']?.status, 'duplicate', `line 2 (configured key) is a duplicate: ${byLine['2']?.status}`);
    assert.equal(byLine['3']?.status, 'invalid', `line 3 (malformed) is invalid: ${byLine['3']?.status}`);
    for (const r of got) {
        // a message beyond the row's status badge and line number
        const message = r.text
            .replace(r.status, '')
            .replace(/line\s*\d+/i, '')
            .trim();
        assert.ok(message.length >= 3, `result row ${r.line} has a message (${JSON.stringify(scrub(r.text))})`);
        assert.ok(!r.text.includes(keys.fresh) && !r.text.includes(keys.good), `row ${r.line} does not echo the key`);
    }
    console.log(`    results: ${got.map((r) => `${r.line}:${r.status} "${scrub(r.text)}"`).join(' | ')}`);
    const after = await keyList();
    assert.equal(after.length, before + 1, `one key more in the config (${before} → ${after.length})`);
});

// 2b. One key edited in its dialog: the label and group reach the config.
step('2b edit one key: label and group saved', async () => {
    await ensureSignedIn();
    await page.goto(`${ADMIN}/keys`); // a fresh page: the paste dialog of step 2 is gone
    await pageReady(page, 'keys');
    const target = (await keyList()).find((k) => k.enabled !== false);
    assert.ok(target, 'a configured key to edit');
    const row = page.locator(`${tid('key-row')}[data-key-id="${target.id}"]`);
    await row.locator(tid('key-edit')).click();
    const dialog = page.locator(tid('key-edit-dialog'));
    await dialog.waitFor({ state: 'visible' });
    const label = `edited-${randomBytes(3).toString('hex')}`;
    await page.locator(tid('key-edit-label')).fill(label);
    await page.locator(tid('key-edit-group')).fill('team-a');
    await page.locator(tid('key-edit-save')).click();
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
    const saved = (await keyList()).find((k) => k.id === target.id);
    assert.equal(saved?.label, label, `the label reached the daemon (${saved?.label})`);
    assert.equal(saved?.group, 'team-a', `the group reached the daemon (${saved?.group})`);
    await row.getByText(label).waitFor({ state: 'visible', timeout: 10_000 });
});

// 3. Bulk verify: progress reaches 100, then a summary.
step('3 bulk verify: progress to 100 and results', async () => {
    await ensureSignedIn();
    await page.goto(`${ADMIN}/`);
    await pageReady(page, 'dashboard');
    await openPage(page, 'keys');
    // Record every aria-valuenow the progress bar shows, from before the click.
    await page.evaluate((sel) => {
        window.__progress = [];
        const seen = () => {
            const el = document.querySelector(sel);
            if (el) window.__progress.push(Number(el.getAttribute('aria-valuenow')));
        };
        window.__progressObserver = new MutationObserver(seen);
        window.__progressObserver.observe(document.body, {
            subtree: true,
            childList: true,
            attributes: true,
            attributeFilter: ['aria-valuenow'],
        });
    }, tid('keys-verify-progress'));
    const selectAll = page.locator(tid('keys-select-all'));
    const verify = page.locator(tid('keys-bulk-verify'));
    if ((await verify.isDisabled()) && (await selectAll.count())) await selectAll.check();
    await verify.click();
    const done = page.locator(tid('keys-verify-done'));
    await done.waitFor({ state: 'visible', timeout: 60_000 });
    const progress = await page.evaluate((sel) => {
        window.__progressObserver.disconnect();
        const el = document.querySelector(sel);
        if (el) window.__progress.push(Number(el.getAttribute('aria-valuenow')));
        return window.__progress;
    }, tid('keys-verify-progress'));
    const summary = (await done.innerText()).trim();
    console.log(`    progress values seen: ${[...new Set(progress)].join(', ')}; summary: "${summary}"`);
    assert.ok(progress.length > 0, 'keys-verify-progress was shown');
    assert.ok(
        progress.every((v) => v >= 0 && v <= 100),
        'aria-valuenow stays within 0..100',
    );
    assert.ok(progress.includes(100), 'aria-valuenow reached 100');
    assert.match(summary, /\b4\b/, 'keys-verify-done summarises the 4 keys checked');
});

// 4. Routing mode from the top bar: the API and the file on disk agree.
step('4 routing mode: UI → GET /mode → config file', async () => {
    await ensureSignedIn();
    for (const mode of ['hybrid', 'serverless', 'local']) {
        await page.locator(tid(`mode-${mode}`)).click();
        await until(`GET /mode = ${mode}`, async () => (await currentMode()) === mode);
        // the same through the browser's own request context (it carries the cookie)
        const r = await page.request.get(`${API}/mode`);
        assert.equal(r.status(), 200);
        assert.equal((await r.json()).mode, mode, `page.request GET /mode says ${mode}`);
        await until(`config file routing.mode = ${mode}`, async () => {
            const onDisk = getPath(await readConfig(), 'routing.mode');
            return onDisk === mode || (mode === 'local' && onDisk === undefined); // local is the default
        });
        console.log(`    ${mode}: API and ${path.basename(env.config)} agree`);
    }
});

// 5. An invalid setting: the validator's message, and a save that writes nothing.
step('5 settings: listen.port 70000 → validator message, nothing saved', async () => {
    await ensureSignedIn();
    const check = await adminCall('POST', '/config/check', {
        cookie: await sessionCookie(context),
        csrf: await csrfOf(await sessionCookie(context)),
        body: { 'listen.port': 70000 },
    });
    assert.equal(check.status, 200, `POST /config/check answered ${check.status}`);
    assert.equal(check.json.ok, false, 'the daemon refuses listen.port 70000');
    const problem = check.json.problems.find((p) => p.path === 'listen.port');
    assert.ok(problem, 'the daemon names listen.port');

    const before = sha256(env.config);
    await openPage(page, 'settings');
    const tab = page.locator(tid('settings-tab-listen'));
    if (await tab.count()) await tab.click();
    const input = page.locator(tid('setting-listen.port'));
    await input.waitFor({ state: 'visible' });
    await input.fill('70000');
    await input.blur();
    const err = page.locator(tid('setting-error-listen.port'));
    await err.waitFor({ state: 'visible', timeout: 10_000 });
    const shown = (await err.innerText()).trim();
    console.log(`    shown: "${shown}"; validator: "${problem.message}"`);
    assert.ok(shown.length > 0, 'setting-error-listen.port has a message');
    assert.ok(shown.includes(problem.message), "the field shows the daemon validator's message");

    const save = page.locator(tid('settings-save'));
    if (await save.isEnabled()) {
        await save.click();
        // Either an error appears, or the page says it saved (a failure below).
        await page
            .locator(`${tid('settings-save-error')}, ${tid('settings-saved')}`)
            .first()
            .waitFor({ state: 'visible', timeout: 10_000 });
        assert.equal(await page.locator(tid('settings-saved')).isVisible(), false, 'the page does not claim a save');
    } else {
        console.log('    settings-save is disabled while a field is invalid');
    }
    // The daemon answered whatever the page sent; the file is byte for byte the same.
    const r = await adminCall('GET', '/config', { cookie: await sessionCookie(context) });
    assert.equal(r.status, 200);
    assert.notEqual(getPath(r.json, 'listen.port'), 70000, 'the running config does not have listen.port 70000');
    assert.equal(sha256(env.config), before, 'the config file is byte-identical');
    await page.goto(`${ADMIN}/`); // leave the edited form behind
});

// 5b. The proxy's password: written once from the Settings page into the secret store, never shown back, never in
// the config file (the leak sweep, 9c, looks for it everywhere).
const PROXY_PASSWORD = 'webui-pr0xy-pa55';
step('5b settings: the proxy password is stored, write-only', async () => {
    await ensureSignedIn();
    await openPage(page, 'settings');
    const tab = page.locator(tid('settings-tab-upstream'));
    if (await tab.count()) await tab.click();
    const input = page.locator(tid('proxy-password-input'));
    await input.waitFor({ state: 'visible' });
    assert.equal(await input.getAttribute('type'), 'password', 'the field masks what is typed');
    await input.fill(PROXY_PASSWORD);
    await page.locator(tid('proxy-password-store')).click();
    const note = page.locator(tid('proxy-password-note'));
    await note.waitFor({ state: 'visible', timeout: 10_000 });
    console.log(`    shown: "${(await note.innerText()).trim()}"`);
    assert.equal(await input.inputValue(), '', 'the field is emptied once stored');
    const r = await adminCall('GET', '/config', { cookie: await sessionCookie(context) });
    assert.equal(r.status, 200);
    assert.ok(getPath(r.json, 'upstream.proxyPasswordSetAt'), 'upstream.proxyPasswordSetAt is stamped');
    assert.ok(!JSON.stringify(r.json).includes(PROXY_PASSWORD), 'GET /config does not hold the password');
    assert.ok(!fs.readFileSync(env.config, 'latin1').includes(PROXY_PASSWORD), 'the config file does not hold it');
    await page.goto(`${ADMIN}/`);
});

// 6. A request through the proxy shows up in the live tail within 1 s.
step('6 logs: a curl request appears in the live tail within 1 s', async () => {
    await ensureSignedIn();
    await page.goto(`${ADMIN}/`);
    await pageReady(page, 'dashboard');
    await openPage(page, 'logs');
    const live = page.locator(tid('logs-live'));
    await live.waitFor({ state: 'visible' });
    const on = await live.evaluate(
        (el) =>
            el.getAttribute('aria-checked') === 'true' ||
            el.checked === true ||
            el.getAttribute('aria-pressed') === 'true' ||
            !!el.querySelector('input:checked'),
    );
    assert.ok(on, 'logs-live is on by default');

    const model = `gemini-2.5-flash-webui-${randomBytes(4).toString('hex')}`;
    await page.evaluate(
        ({ sel, model }) => {
            window.__seenAt = 0;
            const look = () => {
                if (window.__seenAt) return;
                for (const el of document.querySelectorAll(sel)) {
                    if ((el.getAttribute('data-path') || '').includes(model)) {
                        window.__seenAt = Date.now();
                        window.__seenRow = {
                            path: el.getAttribute('data-path'),
                            status: el.getAttribute('data-status'),
                        };
                    }
                }
            };
            new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true });
            look();
        },
        { sel: tid('log-row'), model },
    );

    const access = (await cli(['token', 'show'])).stdout.trim();
    const url = `${env.proxyUrl}/v1beta/models/${model}:generateContent`;
    const curl = await new Promise((resolve, reject) => {
        // the access token reaches curl through stdin (-H @-), not its argv
        const child = execFile(
            'curl',
            [
                '-sS',
                '-o',
                '/dev/null',
                '-w',
                '%{http_code}',
                '-H',
                '@-',
                '-H',
                'content-type: application/json',
                '--data',
                '{"contents":[{"parts":[{"text":"hello from the webui test"}]}]}',
                url,
            ],
            (err, stdout, stderr) =>
                err
                    ? reject(new Error(`curl failed: ${scrub(stderr)}`))
                    : resolve({ code: stdout.trim(), endedAt: Date.now() }),
        );
        child.stdin.end(`x-goog-api-key: ${access}\n`);
    });
    console.log(`    curl ${url.replace(env.proxyUrl, '')} → ${curl.code}`);
    const seenAt = await page
        .waitForFunction(() => window.__seenAt, null, { timeout: 10_000 })
        .then((h) => h.jsonValue());
    // negative: the row was there before node saw curl exit (counted as 0)
    const raw = seenAt - curl.endedAt;
    const lag = Math.max(0, raw);
    const row = await page.evaluate(() => window.__seenRow);
    figure(`live tail: the log row appeared ${lag} ms after curl finished (raw ${raw} ms; row status ${row.status})`);
    assert.ok(lag <= 1000, `the row appeared within 1 s (${lag} ms)`);
    assert.equal(row.status, curl.code, 'the row carries the status curl got');
});

// 7. Sign out: back to sign-in, the old cookie refused.
step('7 sign-out: sign-in page, old cookie 401', async () => {
    await ensureSignedIn();
    const cookie = await sessionCookie(context);
    assert.equal((await adminCall('GET', '/status', { cookie })).status, 200, 'the cookie works before sign-out');
    await page.locator(tid('signout')).click();
    await page.locator(tid('page-login')).waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal((await adminCall('GET', '/status', { cookie })).status, 401, 'GET /status with the old cookie is 401');
    assert.equal((await adminCall('GET', '/admin/session', { cookie })).status, 401, 'GET /admin/session is 401');
});

// 8. Rotating the admin token (CLI) ends the sessions made with the old one.
step('8 token rotate --admin: stale cookie 401, app back to sign-in', async () => {
    await ensureSignedIn();
    await pageReady(page, 'dashboard').catch(() => {});
    const cookie = await sessionCookie(context);
    assert.equal((await adminCall('GET', '/status', { cookie })).status, 200, 'the cookie works before the rotation');
    const old = secrets.admin;
    await cli(['token', 'rotate', '--admin']);
    const fresh = (await cli(['token', 'show', '--admin'])).stdout.trim();
    secrets.allAdmin.add(fresh);
    assert.ok(fresh && fresh !== old, 'the CLI shows a new admin token');
    secrets.admin = fresh;
    // the running daemon picks up the rotation (it reads the secret store): wait for the old cookie to stop working
    await until(
        'the stale cookie to be refused',
        async () => (await adminCall('GET', '/status', { cookie })).status === 401,
    );
    assert.equal((await adminCall('GET', '/status', { bearer: old })).status, 401, 'the old token itself is refused');
    // the app's next call gets a 401 and shows the sign-in page
    await page.locator(tid('nav-keys')).click();
    await page.locator(tid('page-login')).waitFor({ state: 'visible', timeout: 10_000 });
    await signIn(page, fresh);
});

// The session route from node: sign-in with the admin token gives the cookie and a CSRF token.
async function nodeSession() {
    const r = await adminCall('POST', '/admin/session', { body: { token: secrets.admin } });
    assert.equal(r.status, 200, `POST /admin/session with the admin token answered ${r.status}: ${scrub(r.text)}`);
    const set = r.headers.getSetCookie().find((c) => c.startsWith('ga_admin='));
    assert.ok(set, 'POST /admin/session sets the ga_admin cookie');
    return { cookie: set.split(';')[0], setCookie: set, body: r.json };
}

// 9a. No cookie → 401 everywhere; cookie without the right CSRF token → 403 on every write. Run from node with a
// session cookie (made through POST /admin/session, as the sign-in page does), so it needs the server only.
step('9a session + CSRF rules (node fetch with the cookie)', async () => {
    const wrongLogin = await adminCall('POST', '/admin/session', {
        body: { token: `wrong-${randomBytes(12).toString('hex')}` },
    });
    assert.equal(wrongLogin.status, 401, `POST /admin/session with a wrong token → ${wrongLogin.status}`);
    assert.equal(wrongLogin.json?.error?.status, 'UNAUTHENTICATED', 'the error shape of a wrong token');
    assert.ok(!wrongLogin.headers.getSetCookie().some((c) => /^ga_admin=[^;]+/.test(c)), 'no cookie for a wrong token');
    const session = await nodeSession();
    const attrs = session.setCookie.split(';').map((x) => x.trim().toLowerCase());
    for (const want of ['httponly', 'samesite=strict', 'path=/admin', 'max-age=43200']) {
        assert.ok(attrs.includes(want), `Set-Cookie has ${want}: ${session.setCookie.replace(/=[^;]+/, '=…')}`);
    }
    assert.ok(session.body?.csrfToken && session.body?.expiresAt, 'the sign-in answer has csrfToken and expiresAt');
    assert.equal(session.body.insecureRemote, false, 'insecureRemote is false on loopback');
    assert.ok(!JSON.stringify(session.body).includes(secrets.admin), 'the answer does not echo the admin token');

    const reads = [
        '/status',
        '/keys',
        '/mode',
        '/config',
        '/config/schema',
        '/stats',
        '/history',
        '/tokens',
        '/instances',
        '/keys/export',
        '/history/summary?window=1h',
        '/resources',
        '/openapi.json',
    ];
    const writes = [
        ['PUT', '/mode', { mode: 'serverless' }],
        ['PATCH', '/config', { 'logging.level': 'debug' }],
        ['POST', '/config/check', { 'listen.port': 1234 }],
        ['POST', '/keys/import', { text: genKey(), dryRun: false }],
        ['POST', '/keys', { secret: genKey(), label: 'csrf' }],
        ['POST', '/keys/bulk', { ids: [], action: 'disable' }],
        ['POST', '/tokens', { name: `csrf-${randomBytes(3).toString('hex')}` }],
    ];
    const bad = [];
    for (const r of reads) {
        const res = await adminCall('GET', r);
        if (res.status !== 401) bad.push(`GET ${r} without cookie → ${res.status} (want 401)`);
    }
    const tail = await fetch(`${API}/history/tail`, { signal: AbortSignal.timeout(5000) });
    if (tail.status !== 401) bad.push(`GET /history/tail without cookie → ${tail.status} (want 401)`);
    await tail.body?.cancel();
    for (const [m, r, body] of writes) {
        const res = await adminCall(m, r, { body });
        if (res.status !== 401) bad.push(`${m} ${r} without cookie → ${res.status} (want 401)`);
    }
    if ((await adminCall('GET', '/admin/session')).status !== 401)
        bad.push('GET /admin/session without cookie is not 401');

    const { cookie } = session;
    const csrf = await csrfOf(cookie);
    const modeOf = async () => (await adminCall('GET', '/mode', { cookie })).json?.mode;
    const modeBefore = await modeOf();
    assert.ok(modeBefore, 'GET /mode works with the cookie alone');
    const keysBefore = (await keyList()).length;
    for (const [m, r, body] of writes) {
        const none = await adminCall(m, r, { body, cookie });
        if (none.status !== 403) bad.push(`${m} ${r} with cookie, no CSRF → ${none.status} (want 403)`);
        const wrong = await adminCall(m, r, {
            body,
            cookie,
            csrf: `${csrf.slice(0, -2)}${csrf.endsWith('xx') ? 'yy' : 'xx'}`,
        });
        if (wrong.status !== 403) bad.push(`${m} ${r} with cookie, wrong CSRF → ${wrong.status} (want 403)`);
    }
    const del = await adminCall('DELETE', '/admin/session', { cookie });
    if (del.status !== 403) bad.push(`DELETE /admin/session without CSRF → ${del.status} (want 403)`);
    // nothing changed, the session still works, and the right CSRF token does work (so the 403s meant something)
    assert.equal(await modeOf(), modeBefore, 'the mode did not change');
    assert.equal((await keyList()).length, keysBefore, 'no key was added');
    const ok = await adminCall('PUT', '/mode', { cookie, csrf, body: { mode: modeBefore } });
    assert.equal(ok.status, 200, `PUT /mode with cookie + CSRF works (${ok.status})`);
    // signing out through the API: 204, the cookie cleared, then refused
    const out = await adminCall('DELETE', '/admin/session', { cookie, csrf });
    assert.equal(out.status, 204, `DELETE /admin/session with CSRF → ${out.status}`);
    assert.ok(
        out.headers.getSetCookie().some((c) => /^ga_admin=/.test(c) && /max-age=0/i.test(c)),
        'the sign-out clears the cookie (Max-Age=0)',
    );
    assert.equal((await adminCall('GET', '/status', { cookie })).status, 401, 'the signed-out cookie is refused');
    assert.deepEqual(bad, [], bad.join('\n'));
});

// 9b. A page on another origin cannot drive the console's API.
step('9b a cross-origin page cannot change anything', async () => {
    await ensureSignedIn();
    const victimCookie = await sessionCookie(context);
    const modeBefore = await currentMode();
    const keysBefore = await keyList();
    const evilKey = genKey();
    const server = http.createServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
            '<!doctype html><html lang="en"><title>elsewhere</title><body><iframe name="sink"></iframe></body></html>',
        );
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const evilOrigin = `http://127.0.0.1:${server.address().port}`;
    const seen = []; // what the daemon answered to the attacking page (Playwright sees cross-origin traffic)
    const onResponse = (res) => {
        const req = res.request();
        if (
            req.url().startsWith(ADMIN) &&
            (req.headers().origin === evilOrigin || req.frame()?.url().startsWith(evilOrigin))
        ) {
            seen.push(`${req.method()} ${req.url().replace(env.proxyUrl, '')} → ${res.status()}`);
        }
    };
    context.on('response', onResponse);
    const evil = await context.newPage();
    try {
        await evil.goto(`${evilOrigin}/`);
        const report = await evil.evaluate(
            async ({ admin, key }) => {
                const out = {};
                const attempt = async (name, fn) => {
                    try {
                        out[name] = await fn();
                    } catch (e) {
                        out[name] = `blocked (${e.name})`;
                    }
                };
                await attempt(
                    'PUT mode (cors)',
                    async () =>
                        (
                            await fetch(`${admin}/api/v1/mode`, {
                                method: 'PUT',
                                credentials: 'include',
                                headers: { 'content-type': 'application/json' },
                                body: JSON.stringify({ mode: 'serverless' }),
                            })
                        ).status,
                );
                await attempt(
                    'POST keys (no-cors text/plain)',
                    async () =>
                        (
                            await fetch(`${admin}/api/v1/keys`, {
                                method: 'POST',
                                mode: 'no-cors',
                                credentials: 'include',
                                headers: { 'content-type': 'text/plain' },
                                body: JSON.stringify({ secret: key, label: 'evil' }),
                            })
                        ).type,
                );
                await attempt(
                    'PUT mode (no-cors POST override)',
                    async () =>
                        (
                            await fetch(`${admin}/api/v1/mode`, {
                                method: 'POST',
                                mode: 'no-cors',
                                credentials: 'include',
                                headers: { 'content-type': 'text/plain' },
                                body: JSON.stringify({ mode: 'serverless' }),
                            })
                        ).type,
                );
                await attempt('GET keys (read)', async () => {
                    const r = await fetch(`${admin}/api/v1/keys`, { credentials: 'include' });
                    return `readable ${r.status} ${(await r.text()).length} bytes`;
                });
                await attempt('GET session (read csrf)', async () => {
                    const r = await fetch(`${admin}/session`, { credentials: 'include' });
                    return `readable ${r.status} ${(await r.text()).length} bytes`;
                });
                await attempt(
                    'DELETE session',
                    async () =>
                        (
                            await fetch(`${admin}/session`, {
                                method: 'DELETE',
                                credentials: 'include',
                            })
                        ).status,
                );
                await attempt(
                    'POST session (no-cors)',
                    async () =>
                        (
                            await fetch(`${admin}/session`, {
                                method: 'POST',
                                mode: 'no-cors',
                                credentials: 'include',
                                headers: { 'content-type': 'text/plain' },
                                body: JSON.stringify({ token: 'guess' }),
                            })
                        ).type,
                );
                // classic form posts (no preflight, cookies attached), into an iframe
                const formPost = (action, enctype, fields) =>
                    new Promise((resolve) => {
                        const f = document.createElement('form');
                        f.method = 'POST';
                        f.action = action;
                        f.enctype = enctype;
                        f.target = 'sink';
                        for (const [n, v] of fields) {
                            const i = document.createElement('input');
                            i.type = 'hidden';
                            i.name = n;
                            i.value = v;
                            f.appendChild(i);
                        }
                        document.body.appendChild(f);
                        document
                            .querySelector('iframe')
                            .addEventListener('load', () => resolve('submitted'), { once: true });
                        f.submit();
                    });
                await attempt('form keys (text/plain JSON)', () =>
                    formPost(`${admin}/api/v1/keys`, 'text/plain', [[`{"secret":"${key}","label":"evil","x":"`, '"}']]),
                );
                await attempt('form mode (urlencoded)', () =>
                    formPost(`${admin}/api/v1/mode`, 'application/x-www-form-urlencoded', [['mode', 'serverless']]),
                );
                await attempt('form session (text/plain JSON)', () =>
                    formPost(`${admin}/session`, 'text/plain', [['{"token":"guess","x":"', '"}']]),
                );
                return out;
            },
            { admin: ADMIN, key: evilKey },
        );
        for (const [k, v] of Object.entries(report)) console.log(`    ${k}: ${v}`);
        for (const s of seen) console.log(`    daemon: ${s}`);
        assert.equal(await currentMode(), modeBefore, 'the mode did not change');
        const keysAfter = await keyList();
        assert.equal(keysAfter.length, keysBefore.length, 'no key was added');
        assert.ok(!keysAfter.some((k) => k.label === 'evil'), 'no key labelled "evil"');
        assert.equal(
            (await adminCall('GET', '/admin/session', { cookie: victimCookie })).status,
            200,
            "the victim's session is still valid",
        );
        for (const name of ['GET keys (read)', 'GET session (read csrf)']) {
            assert.ok(!String(report[name]).startsWith('readable 200'), `${name}: the page could not read the answer`);
        }
        assert.ok(
            !String(report['PUT mode (cors)']).match(/^2\d\d$/),
            'PUT mode from the other origin did not succeed',
        );
        assert.ok(
            !String(report['DELETE session']).match(/^2\d\d$/),
            'DELETE session from the other origin did not succeed',
        );
        const accepted = seen.filter((s) => / → 2\d\d$/.test(s) && !s.startsWith('OPTIONS'));
        assert.deepEqual(accepted, [], `the daemon accepted requests of the other origin:\n${accepted.join('\n')}`);
    } finally {
        context.off('response', onResponse);
        await evil.close();
        server.close();
    }
});

// 10 + 11. axe-core and screenshots of every page in both languages.
const axeFindings = [];
let axeSource;
async function axeCheck(p, label) {
    await settled(p);
    // Through the DevTools protocol, not a <script> tag: the console's Content-Security-Policy (script-src 'self')
    // rightly refuses inline scripts, and the test must not weaken it (no bypassCSP).
    axeSource ??= fs.readFileSync(path.join(HERE, 'node_modules/axe-core/axe.min.js'), 'utf8');
    if (!(await p.evaluate(() => typeof window.axe === 'object'))) await p.evaluate(axeSource);
    assert.ok(await p.evaluate(() => typeof window.axe?.run === 'function'), 'axe-core is loaded into the page');
    const result = await p.evaluate(async () => {
        // eslint-disable-next-line no-undef
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            targets: v.nodes.map((n) => n.target.join(' ')),
        }));
    });
    for (const v of result) {
        const line = `[${label}] ${v.id} (${v.impact}): ${v.help} — ${v.targets.slice(0, 5).join(' | ')}${v.targets.length > 5 ? ` (+${v.targets.length - 5})` : ''}`;
        if (v.impact === 'serious' || v.impact === 'critical') axeFindings.push(line);
        else console.log(`    axe (minor) ${line}`);
    }
}
async function shoot(p, name) {
    const file = path.join(env.shots, `${name}.png`);
    await p.screenshot({ path: file, fullPage: true });
    return file;
}

step('10+11 axe-core and screenshots: every page, en and zh_CN', async () => {
    await ensureSignedIn();
    // Canary: the same injection finds a nameless button (critical) on a page made for it.
    const canary = await context.newPage();
    await canary.setContent(
        '<!doctype html><html lang="en"><title>canary</title><body><main><button></button></main></body></html>',
    );
    const before = axeFindings.length;
    await axeCheck(canary, 'canary');
    const caught = axeFindings.splice(before).filter((l) => l.includes('button-name'));
    await canary.close();
    assert.equal(caught.length, 1, "axe-core reports the canary's nameless button as serious or critical");
    fs.mkdirSync(env.shots, { recursive: true });
    const navTexts = {};
    let shots = 0;
    for (const lang of LANGS) {
        await page.goto(`${ADMIN}/`);
        await pageReady(page, 'dashboard');
        await page.locator(tid(lang.button)).click();
        const stored = await page.evaluate(() => localStorage.getItem('ga.lang'));
        assert.ok(stored, `${lang.button} stores the language in localStorage ga.lang`);
        navTexts[lang.name] = (await page.locator(tid('nav-keys')).innerText()).trim();
        for (const name of PAGES) {
            if (name !== 'dashboard') await openPage(page, name);
            await axeCheck(page, `${lang.name}/${name}`);
            await shoot(page, `${lang.name}-${name}`);
            shots++;
        }
        // the sign-in page in the same language: a fresh context with the stored language choice
        const ctx = await newContext();
        await ctx.addInitScript((v) => {
            try {
                localStorage.setItem('ga.lang', v);
            } catch {
                // about:blank has no storage; the console's own pages do
            }
        }, stored);
        const p = await ctx.newPage();
        await p.goto(`${ADMIN}/`);
        await p.locator(tid('page-login')).waitFor({ state: 'visible', timeout: 20_000 });
        await axeCheck(p, `${lang.name}/login`);
        await shoot(p, `${lang.name}-login`);
        shots++;
        await ctx.close();
    }
    figure(`${shots} screenshots in ${env.shots}`);
    assert.notEqual(
        navTexts.en,
        navTexts.zh_CN,
        `the nav text changes with the language (${JSON.stringify(navTexts)})`,
    );
    await page.locator(tid('lang-en')).click();
    if (axeFindings.length) console.log(axeFindings.map((l) => `    axe: ${l}`).join('\n'));
    figure(`axe: ${axeFindings.length} serious/critical violation(s) over ${PAGES.length + 1} pages × 2 languages`);
    assert.equal(axeFindings.length, 0, 'no serious or critical axe violation');
});

// 9c. After everything: the admin token and the keys are nowhere they should not be.
step('9c leak sweep: storage, URLs, daemon logs, config file', async () => {
    await ensureSignedIn();
    const csrf = await csrfOf(await sessionCookie(context));
    const storage = await page.evaluate(() => {
        const dump = (s) =>
            Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]));
        return { local: dump(localStorage), session: dump(sessionStorage) };
    });
    console.log(
        `    localStorage keys: ${Object.keys(storage.local).join(', ') || '(none)'}; sessionStorage keys: ${Object.keys(storage.session).join(', ') || '(none)'}`,
    );
    const sources = [
        ['localStorage/sessionStorage', JSON.stringify(storage)],
        ['requested URLs', requestedUrls.join('\n')],
    ];
    // Everything the daemons and their CLI wrote in the sandbox: stdout+stderr (run.sh's *.log), log files, history,
    // config files (main and big). Not: the encrypted secret stores, fake-gemini's output (the upstream sees keys by
    // design), run.sh's scratch folder.
    const files = [];
    const walk = (dir) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) {
                if (p !== path.join(env.tmp, 'scratch')) walk(p);
            } else if (e.isFile() && e.name !== 'secrets.enc' && e.name !== 'fake-gemini.log') files.push(p);
        }
    };
    walk(env.tmp);
    assert.ok(
        files.includes(env.config) && files.includes(path.join(env.tmp, 'daemon.log')),
        'the sweep reads the config and the daemon output',
    );
    for (const f of files) sources.push([f.replace(env.tmp, '$TMP'), fs.readFileSync(f, 'latin1')]);
    console.log(`    files swept: ${files.map((f) => f.replace(env.tmp, '$TMP')).join(', ')}`);
    const scan = (where, text) => {
        const found = [];
        for (const t of secrets.allAdmin) if (t && text.includes(t)) found.push(`${where}: an admin token`);
        if (text.includes(PROXY_PASSWORD)) found.push(`${where}: the proxy password`);
        for (const m of text.matchAll(keyPattern())) {
            const whose = secrets.keys.has(m[0]) ? 'one this test made' : 'unknown';
            found.push(`${where}: a full key (${whose}) at offset ${m.index}`);
        }
        if (text.includes(csrf) && where.includes('Storage')) found.push(`${where}: the CSRF token`);
        return found;
    };
    // Canary: the scanner finds a planted token and a planted key (else a broken scanner would pass everything).
    const planted = scan('canary', `x${[...secrets.allAdmin][0]}x ${genKey()}. ${PROXY_PASSWORD}`);
    assert.equal(planted.length, 3, `the scanner finds the planted secrets (${planted.length})`);
    const leaks = sources.flatMap(([where, text]) => scan(where, text));
    // The session cookie is HttpOnly: the page's script cannot read it.
    const docCookie = await page.evaluate(() => document.cookie);
    if (docCookie.includes('ga_admin')) leaks.push('document.cookie shows ga_admin (not HttpOnly)');
    console.log(`    swept ${sources.length} sources (${requestedUrls.length} URLs, ${files.length} files)`);
    assert.deepEqual(leaks, [], leaks.join('\n'));
});

await runSteps('web console (main instance)', {
    before,
    after: async () => {
        if (pageErrors.length) console.log(`page errors:\n${pageErrors.map((e) => `  ${scrub(e)}`).join('\n')}`);
        await closeBrowser();
    },
});
