// SPDX-License-Identifier: GPL-3.0-or-later
// The scenarios and the scanner of tests/security/leak-sweep.sh (plain node >= 20, no npm packages).
//   node leak-sweep.mjs PHASE --work DIR [--daemon BIN --fake URL --fake2 URL --unreachable URL --proxy URL ...]
// Phases, in the order leak-sweep.sh runs them:
//   offline     CLI scenarios before the daemon runs (keys, tokens, JWT secret, config, instances, bind, mode)
//   live        HTTP through the running daemon (--proxy, --log: its log file) and CLI changes it picks up live
//   after-stop  CLI reports once the daemon has saved its key state
//   poke        a few requests to a daemon that is about to be killed
//   selfcheck   proves the scanner finds planted secrets (exit 1 "scanner broken" otherwise)
//   scan        searches everything captured for every known secret; exit 1 on any hit
//   dump-logs   tails of $WORK/*.log with every known secret masked (for the harness's failure output)
// Secrets are passed between phases in $WORK/.exempt/secrets.json, never on a command line or in the
// environment, and this script never prints one: only kinds, labels and masks.
import { spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import {
    appendFileSync,
    existsSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    statSync,
    writeFileSync,
    openSync,
    readSync,
    closeSync,
} from 'node:fs';
import http from 'node:http';
import { join, relative } from 'node:path';

// ---------------------------------------------------------------------------------------------------------------
// Arguments and paths

const phase = process.argv[2];
const opts = {};
for (let i = 3; i < process.argv.length; i += 2) {
    opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const WORK = opts.work;
if (!phase || !WORK) {
    console.error('usage: node leak-sweep.mjs PHASE --work DIR [options]');
    process.exit(2);
}
const EXEMPT = join(WORK, '.exempt');
const CAP = join(WORK, 'capture');
const SECRETS_FILE = join(EXEMPT, 'secrets.json');
const STATE_FILE = join(EXEMPT, 'state.json'); // ids and such between phases (no secrets)
const MODEL = 'gemini-2.5-flash';

// Progress lines go to stdout, which leak-sweep.sh does not redirect; they are also kept in capture/ and
// scanned with the rest, so this script cannot leak unnoticed either.
function say(line) {
    mkdirSync(CAP, { recursive: true });
    appendFileSync(join(CAP, 'sweep-node.log'), `${phase}: ${line}\n`);
    console.log(`  ${line}`);
}

class ScenarioError extends Error {}
function check(condition, message) {
    if (!condition) {
        throw new ScenarioError(message);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Known secrets

function loadSecrets() {
    return existsSync(SECRETS_FILE) ? JSON.parse(readFileSync(SECRETS_FILE, 'utf8')) : [];
}

function addSecret(kind, label, value) {
    check(typeof value === 'string' && value.length >= 8, `secret ${kind}/${label} is empty or too short`);
    const all = loadSecrets();
    if (!all.some((s) => s.value === value)) {
        all.push({ kind, label, value });
        writeFileSync(SECRETS_FILE, JSON.stringify(all, null, 1), { mode: 0o600 });
    }
    return value;
}

function secret(label) {
    const s = loadSecrets().find((x) => x.label === label);
    check(s, `no secret labelled ${label}`);
    return s.value;
}

function loadState() {
    return existsSync(STATE_FILE) ? JSON.parse(readFileSync(STATE_FILE, 'utf8')) : {};
}
function saveState(patch) {
    writeFileSync(STATE_FILE, JSON.stringify({ ...loadState(), ...patch }, null, 1));
}

const URLSAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function randomText(n) {
    const bytes = randomBytes(n);
    let s = '';
    for (let i = 0; i < n; ++i) {
        s += URLSAFE[bytes[i] % 64];
    }
    return s;
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');
function signJwt(claims, key, header = { alg: 'HS256', typ: 'JWT' }) {
    const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = header.alg === 'none' ? '' : createHmac('sha256', key).update(head).digest('base64url');
    return `${head}.${sig}`;
}

function mask(s) {
    return s.length < 12 ? '[…]' : `${s.slice(0, 4)}…${s.slice(-4)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Running the CLI: every run's stdout and stderr are captured; the stdout of the EXEMPT commands (whose purpose
// is to print a secret) goes to .exempt/ instead and is returned to the caller.

// The only commands whose stdout is not scanned: printing a secret is what they are for. `token jwt-secret` and
// `instances add` only when they generate the secret (nothing piped in); piped, their stdout is scanned.
const EXEMPT_COMMANDS = [
    ['token', 'show'],
    ['token', 'add'],
    ['token', 'rotate'],
    ['token', 'jwt-mint'],
    ['token', 'jwt-secret', 'generating'],
    ['instances', 'add', 'generating'],
];
function exemptAllowed(args, input) {
    return EXEMPT_COMMANDS.some(([cmd, sub, when]) => args[0] === cmd && args[1] === sub && (!when || input === ''));
}

let cliCount = 0;
function cliSeq() {
    const st = loadState();
    const n = (st.cliSeq ?? 0) + 1;
    saveState({ cliSeq: n });
    return n;
}

function cli(label, args, { input = '', exempt = false, expect = 0, configFile } = {}) {
    check(!exempt || exemptAllowed(args, input), `CLI ${label}: '${args.slice(0, 2).join(' ')}' may not be exempt`);
    const n = String(cliSeq()).padStart(3, '0');
    const base = `${n}-${phase}-${label}`;
    const argv = ['--log-level', 'debug', ...(configFile ? ['--config', configFile] : []), ...args];
    const r = spawnSync(opts.daemon, argv, { input, timeout: 60_000, maxBuffer: 64 << 20 });
    mkdirSync(join(CAP, 'cli'), { recursive: true });
    writeFileSync(join(exempt ? EXEMPT : join(CAP, 'cli'), `${base}.stdout`), r.stdout ?? '');
    writeFileSync(join(CAP, 'cli', `${base}.stderr`), r.stderr ?? '');
    const status = r.status ?? `signal ${r.signal}`;
    writeFileSync(join(CAP, 'cli', `${base}.status`), `${status}\n`);
    ++cliCount;
    if (expect !== null) {
        check(status === expect, `CLI ${label}: exit ${status}, expected ${expect} (see capture/cli/${base}.stderr)`);
    }
    return { status, stdout: (r.stdout ?? Buffer.alloc(0)).toString('utf8'), stderr: (r.stderr ?? '').toString() };
}

// An EXEMPT command: its stdout is the secret it was asked to print.
const printed = (label, args) => cli(label, args, { exempt: true }).stdout.trim();

// ---------------------------------------------------------------------------------------------------------------
// HTTP: node:http (not fetch) so that Host can be set and the raw status line and headers are kept.

let httpCount = 0;
let lastResponse = null; // the last proxy() answer, for a scenario that reads a header or the body
function httpSeq() {
    const st = loadState();
    const n = (st.httpSeq ?? 0) + 1;
    saveState({ httpSeq: n });
    return n;
}

function request(base, { method = 'POST', path, headers = {}, body, timeoutMs = 20_000 }) {
    const url = new URL(base);
    return new Promise((resolve, reject) => {
        const req = http.request(
            { host: url.hostname, port: url.port, method, path, headers, agent: false },
            (res) => {
                const chunks = [];
                res.on('data', (c) => chunks.push(c));
                res.on('end', () => resolve({ res, body: Buffer.concat(chunks), complete: res.complete }));
                res.on('error', () => resolve({ res, body: Buffer.concat(chunks), complete: false }));
                res.on('aborted', () => resolve({ res, body: Buffer.concat(chunks), complete: false }));
            },
        );
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        if (body !== undefined) {
            req.write(typeof body === 'string' ? body : JSON.stringify(body));
        }
        req.end();
    });
}

// One request to the proxy, captured as status line + headers + body. Returns the status.
async function proxy(label, spec, expectStatus) {
    const n = String(httpSeq()).padStart(3, '0');
    const file = join(CAP, 'http', `${n}-${phase}-${label}.http`);
    mkdirSync(join(CAP, 'http'), { recursive: true });
    const headers = { ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}), ...spec.headers };
    let out;
    try {
        const { res, body, complete } = await request(opts.proxy, { ...spec, headers });
        let head = `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage}\n`;
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
            head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\n`;
        }
        const tail = Buffer.from(complete ? '' : '\n[incomplete]\n');
        writeFileSync(file, Buffer.concat([Buffer.from(`${head}\n`), body, tail]));
        out = res.statusCode;
        lastResponse = { res, body };
    } catch (e) {
        writeFileSync(file, `[no response: ${e.message}]\n`);
        out = 0;
    }
    ++httpCount;
    const want = expectStatus == null ? null : [expectStatus].flat();
    if (want) {
        const where = relative(WORK, file);
        check(want.includes(out), `HTTP ${label}: status ${out}, expected ${want.join(' or ')} (see ${where})`);
    }
    return out;
}

// fake-gemini's control endpoints (their answers are not captured: /__fake/requests holds the keys by design).
async function fake(base, path, init = {}) {
    const res = await fetch(`${base}/__fake/${path}`, {
        ...init,
        headers: init.body ? { 'content-type': 'application/json' } : {},
    });
    check(res.status === 200, `fake control ${path} answered ${res.status}`);
    return res.json();
}

async function setBehaviours(map) {
    for (const base of [opts.fake, opts.fake2]) {
        for (const [key, behaviour] of map) {
            await fake(base, 'keys', { method: 'POST', body: JSON.stringify({ key, script: { behaviour } }) });
        }
    }
}
const poolKeys = () => loadSecrets().filter((s) => s.kind === 'gemini-key');
const allBehave = (behaviour) => setBehaviours(poolKeys().map((k) => [k.value, behaviour]));

// Statuses the upstreams answered since the last call (the records themselves stay in memory).
async function upstreamStatuses() {
    const out = [];
    for (const base of [opts.fake, opts.fake2]) {
        for (const r of await fake(base, 'requests')) {
            out.push(r.status);
        }
        await fake(base, 'requests', { method: 'DELETE' });
    }
    return out;
}

// Waits for a line containing `text` written to the daemon's log after byte `from` (condition polling with a
// deadline, not a fixed delay).
async function waitLog(text, from, ms = 15_000) {
    const deadline = Date.now() + ms;
    for (;;) {
        const size = statSync(opts.log).size;
        if (size > from) {
            const fd = openSync(opts.log, 'r');
            const buf = Buffer.alloc(size - from);
            readSync(fd, buf, 0, buf.length, from);
            closeSync(fd);
            if (buf.toString('utf8').includes(text)) {
                return;
            }
        }
        check(Date.now() < deadline, `the daemon did not log '${text}' within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
const logSize = () => statSync(opts.log).size;

// A CLI change the running daemon must take in before the next request.
async function cliLive(label, args, options) {
    const from = logSize();
    const r = cli(label, args, options);
    await waitLog('config applied', from);
    return r;
}

// ---------------------------------------------------------------------------------------------------------------
// Request shapes

const GEN = `/v1beta/models/${MODEL}:generateContent`;
const SSE = `/v1beta/models/${MODEL}:streamGenerateContent?alt=sse`;
const CHAT = '/v1beta/openai/chat/completions';
const genBody = { contents: [{ role: 'user', parts: [{ text: 'Say hello to the leak sweep.' }] }] };
const chatBody = (stream) => ({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream });
const viaHeader = (t) => ({ 'x-goog-api-key': t });
const viaBearer = (t) => ({ authorization: `Bearer ${t}` });
const post = (path, headers, body = genBody) => ({ path, headers, body });
const withKey = (path, t) => `${path}${path.includes('?') ? '&' : '?'}key=${encodeURIComponent(t)}`;

// The three shapes every upstream-error scenario sends: native JSON, SSE (error before the stream) and the
// OpenAI-compatible array.
const errorShapes = (token) => [
    ['generate', { path: GEN, headers: viaHeader(token), body: genBody }],
    ['sse', { path: SSE, headers: viaHeader(token), body: genBody }],
    ['openai', { path: CHAT, headers: viaBearer(token), body: chatBody(false) }],
];

// Every key answers the same, so the client gets the upstream's own error (after the daemon tried its keys).
// Errors that take keys out of rotation (400 API_KEY_INVALID, 403) would leave the next shape a local "no usable
// key" answer: with `want`, every shape must get the upstream's status, and the keys are put back in between.
async function upstreamError(behaviour, status, label, token, want = null) {
    const seen = [];
    for (const [shape, spec] of errorShapes(token)) {
        await allBehave(behaviour);
        await proxy(`upstream-${label}-${shape}`, spec, want);
        seen.push(...(await upstreamStatuses()));
        if (want) {
            await resetKeys(`${label}-${shape}`);
        }
    }
    check(seen.includes(status), `the upstream never answered ${status} (${behaviour}) to a proxied request`);
    say(`upstream ${behaviour}: the fake answered ${seen.filter((s) => s === status).length}× ${status}`);
    if (!want) {
        await resetKeys(label);
    }
}

// Back in rotation: all keys pass a `keys test`, which resets what the daemon learned about them.
async function resetKeys(label) {
    await allBehave('normal');
    await cliLive(`keys-test-reset-${label}`, ['keys', 'test']);
}

// ---------------------------------------------------------------------------------------------------------------
// Phase: offline

function parseAdded(stdout) {
    // "added k1  AIza…wxyz  label"
    return [...stdout.matchAll(/^added (\S+)\s+(\S+)/gm)].map((m) => ({ id: m[1], masked: m[2] }));
}

async function offline() {
    const pool = readFileSync(join(EXEMPT, 'pool-keys.txt'), 'utf8').trim().split('\n');
    check(pool.length === 6 && pool.every((k) => /^AIza[0-9A-Za-z_-]{35}$/.test(k)), 'pool-keys.txt is not 6 keys');
    pool.forEach((k, i) => addSecret('gemini-key', `K${i + 1}`, k));
    addSecret('passphrase', 'store passphrase', process.env.GEMINI_AGGREGATOR_PASSPHRASE);
    const malformed = addSecret('malformed-key', 'truncated key', `AIza${randomText(34)}`);
    const relaySecret = addSecret('relay-secret', 'piped relay secret', randomText(40));
    const shortRelay = addSecret('relay-secret', 'too-short relay secret', randomText(15));
    const jwtSecret = addSecret('jwt-secret', 'piped HS256 secret', randomText(48));
    const shortJwt = addSecret('jwt-secret', 'too-short HS256 secret', randomText(20));
    addSecret('access-token', 'never issued', `gat_${randomText(43)}`);

    // Both upstreams know every key (the relay-like one answers for routes through it).
    await allBehave('normal');

    // keys
    const five = `${pool.slice(0, 5).join('\n')}\n`;
    const added = parseAdded(cli('keys-add-5', ['keys', 'add', '--label', 'sweep'], { input: five }).stdout);
    check(added.length === 5, `keys add added ${added.length} keys, expected 5`);
    cli('keys-add-malformed', ['keys', 'add'], { input: `${pool[5]}\n${malformed}\n`, expect: 1 });
    cli('keys-add-token-shaped', ['keys', 'add'], { input: `${secret('never issued')}\n`, expect: 1 });
    const dup = `${pool[0]}\n${pool[5]}\n`;
    const added6 = parseAdded(cli('keys-add-dup', ['keys', 'add', '--label', 'six'], { input: dup }).stdout);
    check(added6.length === 1, 'keys add of one new key and one duplicate did not add exactly one');
    const ids = {};
    for (const a of [...added, ...added6]) {
        const i = pool.findIndex((k) => mask(k) === a.masked);
        check(i >= 0, `keys add printed a mask that matches no pool key (${a.masked.length} chars)`);
        ids[`K${i + 1}`] = a.id;
    }
    saveState({ ids });
    cli('keys-list', ['keys', 'list']);
    cli('keys-list-json', ['keys', 'list', '--json']);
    cli('keys-stats', ['keys', 'stats']);
    cli('keys-stats-json', ['keys', 'stats', '--json']);

    await setBehaviours([
        [pool[1], 'invalid'],
        [pool[2], 'rateLimited'],
        [pool[3], 'suspended'],
        [pool[4], 'overloaded'],
    ]);
    cli('keys-test-all', ['keys', 'test'], { expect: 1 });
    cli('keys-test-echo', ['keys', 'test', ids.K4], { expect: 1 });
    cli('keys-test-ok', ['keys', 'test', ids.K1]);
    await allBehave('normal');
    cli('keys-disable', ['keys', 'disable', ids.K5]);
    cli('keys-enable', ['keys', 'enable', ids.K5]);
    cli('keys-remove', ['keys', 'remove', ids.K6]);
    cli('keys-list-after', ['keys', 'list']);

    // tokens (stdout of show/add/rotate/jwt-mint and of a generating jwt-secret is EXEMPT)
    addSecret('access-token', 'default', printed('token-show-default', ['token', 'show']));
    addSecret('access-token', 'cline', printed('token-add-cline', ['token', 'add', 'cline']));
    addSecret('access-token', 'other (before rotate)',
        printed('token-add-other', ['token', 'add', 'other', '--requests-per-minute', '1000']));
    cli('token-add-taken', ['token', 'add', 'cline'], { expect: 1 });
    cli('token-list', ['token', 'list']);
    cli('token-list-json', ['token', 'list', '--json']);
    const rotated = addSecret('access-token', 'other', printed('token-rotate-other', ['token', 'rotate', 'other']));
    check(printed('token-show-other', ['token', 'show', 'other']) === rotated,
        'token show other does not print the rotated value');
    cli('token-revoke-cline', ['token', 'revoke', 'cline']);
    cli('token-show-revoked', ['token', 'show', 'cline'], { expect: 1 });
    cli('token-jwt-mint-no-secret', ['token', 'jwt-mint', '--sub', 'sweep'], { expect: 1 });
    addSecret('jwt-secret', 'generated HS256 secret', printed('token-jwt-secret-generate', ['token', 'jwt-secret']));
    cli('token-jwt-secret-short', ['token', 'jwt-secret'], { input: `${shortJwt}\n`, expect: 1 });
    cli('token-jwt-secret-piped', ['token', 'jwt-secret'], { input: `${jwtSecret}\n` });
    addSecret('jwt', 'minted by the CLI',
        printed('token-jwt-mint', ['token', 'jwt-mint', '--sub', 'sweep', '--ttl', '3600']));
    const now = Math.floor(Date.now() / 1000);
    addSecret('jwt', 'expired', signJwt({ sub: 'sweep-expired', iat: now - 7200, exp: now - 3600 }, jwtSecret));
    addSecret('jwt', 'wrong signature', signJwt({ sub: 'sweep-forged', iat: now, exp: now + 3600 }, randomText(48)));
    const none = { alg: 'none', typ: 'JWT' };
    addSecret('jwt', 'alg none', signJwt({ sub: 'sweep-none', iat: now, exp: now + 3600 }, '', none));
    cli('token-list-jwt', ['token', 'list']);

    // config
    cli('config-get', ['config', 'get']);
    cli('config-get-auth', ['config', 'get', 'auth']);
    cli('config-path', ['config', 'path']);
    cli('config-set-attempts', ['config', 'set', 'keys.maxAttempts', '6']);
    cli('config-set-leeway', ['config', 'set', 'auth.jwt.leewaySeconds', '30']);
    cli('config-set-timeout', ['config', 'set', 'upstream.firstByteTimeoutMs', '20000']);
    // The daemon's own log file (rotated small, so old files exist too): scanned with the rest of the sandbox.
    cli('config-set-log-file', ['config', 'set', 'log.file', join(WORK, 'logs', 'daemon-file.log')]);
    cli('config-set-log-size', ['config', 'set', 'log.maxFileBytes', '65536']);
    cli('config-check', ['config', 'check']);
    // Secret-shaped values are refused, and the refusal must not repeat them.
    cli('config-set-key-value', ['config', 'set', 'auth.jwt.audience', pool[1]], { expect: null });
    cli('config-set-token-value', ['config', 'set', 'auth.jwt.issuer', secret('default')], { expect: null });
    cli('config-set-jwt-value', ['config', 'set', 'auth.jwt.audience', secret('minted by the CLI')], { expect: null });
    const set = (label, path, value) => cli(label, ['config', 'set', path, value], { expect: null });
    set('config-set-key-in-url', 'upstream.baseUrl', `http://127.0.0.1:9/${pool[2]}`);
    set('config-set-key-in-proxy', 'upstream.proxy', `http://u:${pool[2]}@127.0.0.1:9`);
    for (const l of ['config-set-key-value', 'config-set-token-value', 'config-set-jwt-value']) {
        // the status files of those three must not say 0
        const f = readdirSync(join(CAP, 'cli')).find((x) => x.endsWith(`-${l}.status`));
        check(readFileSync(join(CAP, 'cli', f), 'utf8').trim() !== '0', `${l}: a secret-shaped value was accepted`);
    }
    // A config file with a key pasted by hand (the file itself is EXEMPT; what config check prints is not).
    const doc = JSON.parse(readFileSync(process.env.GEMINI_AGGREGATOR_CONFIG, 'utf8'));
    doc.auth = { ...(doc.auth ?? {}), jwt: { ...(doc.auth?.jwt ?? {}), audience: pool[3] } };
    doc[secret('default')] = true;
    writeFileSync(join(EXEMPT, 'pasted-key-config.json'), JSON.stringify(doc, null, 4));
    const pasted = join(EXEMPT, 'pasted-key-config.json');
    cli('config-check-pasted-key', ['config', 'check'], { configFile: pasted, expect: null });
    cli('keys-list-pasted-key', ['keys', 'list'], { configFile: pasted, expect: null });
    // A secret typed where an id or a word belongs.
    cli('mistake-keys-remove', ['keys', 'remove', pool[0]], { expect: null });
    cli('mistake-keys-enable', ['keys', 'enable', secret('default')], { expect: null });
    cli('mistake-keys-test', ['keys', 'test', pool[0]], { expect: null });
    cli('mistake-mode', ['mode', pool[0]], { expect: null });
    cli('mistake-config-get', ['config', 'get', pool[0]], { expect: null });
    cli('mistake-config-set-path', ['config', 'set', pool[0], '1'], { expect: null });
    cli('mistake-bind', ['bind', pool[0], 'i1'], { expect: null });
    cli('mistake-token-show', ['token', 'show', secret('default')], { expect: null });
    cli('mistake-token-revoke', ['token', 'revoke', secret('other')], { expect: null });
    cli('mistake-command', [pool[0]], { expect: null });
    cli('mistake-option', ['--log-level', pool[0], 'keys', 'list'], { expect: null });

    // relay instances
    const addInstance = (label, name, url, options) =>
        cli(label, ['instances', 'add', '--name', name, '--url', url], options);
    const unreach = parseAdded(
        addInstance('instances-add-piped', 'unreachable', opts.unreachable, { input: `${relaySecret}\n` }).stdout);
    const gen = addInstance('instances-add-generated', 'fake-relay', opts.fake2, { exempt: true });
    const m = gen.stdout.match(/relay secret[^:]*: (\S+)/);
    check(m, 'instances add did not print a generated relay secret');
    addSecret('relay-secret', 'generated relay secret', m[1]);
    const relay = parseAdded(gen.stdout);
    addInstance('instances-add-short', 'short', 'http://127.0.0.1:9', { input: `${shortRelay}\n`, expect: 1 });
    addInstance('instances-add-dup', 'again', opts.fake2, { input: `${relaySecret}\n`, expect: 1 });
    check(unreach.length === 1 && relay.length === 1, 'instances add did not print the new ids');
    saveState({ unreachable: unreach[0].id, relay: relay[0].id });
    cli('instances-list', ['instances', 'list']);
    cli('instances-list-json', ['instances', 'list', '--json']);
    cli('instances-test', ['instances', 'test'], { expect: 1 });
    cli('bind-relay', ['bind', ids.K1, relay[0].id]);
    cli('bind-unreachable', ['bind', ids.K2, unreach[0].id]);
    cli('unbind', ['unbind', ids.K2]);
    cli('bind-again', ['bind', ids.K2, unreach[0].id]);
    cli('mode-show', ['mode']);
    for (const mode of ['hybrid', 'serverless', 'local']) {
        cli(`mode-${mode}`, ['mode', mode]);
    }
    say(`offline: ${cliCount} CLI commands`);
}

// ---------------------------------------------------------------------------------------------------------------
// Phase: live

async function live() {
    const { ids, relay, unreachable } = loadState();
    const pool = poolKeys().map((k) => k.value);
    const token = secret('default');
    const other = secret('other');
    const jwt = secret('minted by the CLI');
    await allBehave('normal');
    await upstreamStatuses();

    // Good requests, every place a client puts its credential.
    await proxy('healthz', { method: 'GET', path: '/healthz' }, 200);
    await proxy('generate-header', { path: GEN, headers: viaHeader(token), body: genBody }, 200);
    await proxy('sse-header', { path: SSE, headers: viaHeader(token), body: genBody }, 200);
    await proxy('generate-query-key', { path: withKey(GEN, token), body: genBody }, 200);
    await proxy('sse-query-key', { path: withKey(SSE, token), body: genBody }, 200);
    await proxy('openai-bearer', { path: CHAT, headers: viaBearer(other), body: chatBody(false) }, 200);
    await proxy('openai-bearer-stream', { path: CHAT, headers: viaBearer(other), body: chatBody(true) }, 200);
    await proxy('models-list', { method: 'GET', path: '/v1beta/models', headers: viaHeader(token) }, 200);
    await proxy('count-tokens', post(`/v1beta/models/${MODEL}:countTokens`, viaHeader(token)), 200);
    await proxy('jwt-bearer', { path: GEN, headers: viaBearer(jwt), body: genBody }, 200);
    await proxy('jwt-header', { path: SSE, headers: viaHeader(jwt), body: genBody }, 200);
    await proxy('jwt-openai', { path: CHAT, headers: viaBearer(jwt), body: chatBody(true) }, 200);

    // Refused credentials: 401, and the answer must not repeat what was sent.
    await proxy('no-credential', { path: GEN, body: genBody }, 401);
    await proxy('unknown-token', { path: GEN, headers: viaHeader(secret('never issued')), body: genBody }, 401);
    await proxy('revoked-token', { path: GEN, headers: viaHeader(secret('cline')), body: genBody }, 401);
    await proxy('rotated-away-token', post(SSE, viaHeader(secret('other (before rotate)'))), 401);
    await proxy('gemini-key-header', { path: GEN, headers: viaHeader(pool[0]), body: genBody }, 401);
    await proxy('gemini-key-query', { path: withKey(SSE, pool[1]), body: genBody }, 401);
    await proxy('gemini-key-bearer', { path: CHAT, headers: viaBearer(pool[2]), body: chatBody(false) }, 401);
    await proxy('malformed-key-header', { path: GEN, headers: viaHeader(secret('truncated key')), body: genBody }, 401);
    await proxy('jwt-expired', { path: GEN, headers: viaBearer(secret('expired')), body: genBody }, 401);
    await proxy('jwt-wrong-signature', post(GEN, viaBearer(secret('wrong signature'))), 401);
    await proxy('jwt-alg-none', { path: CHAT, headers: viaBearer(secret('alg none')), body: chatBody(false) }, 401);
    await proxy('relay-secret-as-token', post(GEN, viaHeader(secret('piped relay secret'))), 401);
    await proxy('jwt-secret-as-token', post(GEN, viaBearer(secret('piped HS256 secret'))), 401);
    // Two credentials at once: a valid token in the header, a Gemini key in the query.
    await proxy('token-and-key', { path: withKey(GEN, pool[3]), headers: viaHeader(token), body: genBody }, null);

    // Secrets in the URL path (the upstream's 404 pages repeat the path).
    // (Not the key as the model name: the fake answers any model with 200 and repeats the name in modelVersion,
    // which Google does not; Google answers 404 NOT_FOUND naming the model, as the 'nonexistent-' case does.)
    await proxy('key-in-path', post(`/v1beta/${pool[0]}/models/${MODEL}:generateContent`, viaHeader(token)), null);
    await proxy('key-in-model-404', post(`/v1beta/models/nonexistent-${pool[1]}:generateContent`, viaHeader(token)),
        null);
    await proxy('key-as-path', { method: 'GET', path: `/${pool[2]}`, headers: viaHeader(token) }, null);
    await proxy('token-in-path', { method: 'GET', path: `/v1beta/${token}/models`, headers: viaHeader(token) }, null);
    await proxy('key-in-path-no-auth', { method: 'GET', path: `/v1beta/models/${pool[0]}` }, null);

    // Browsers: CORS preflight and a foreign Origin / Host with a valid token.
    await proxy('cors-preflight', {
        method: 'OPTIONS',
        path: GEN,
        headers: {
            origin: 'https://evil.example',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'x-goog-api-key, content-type',
        },
    }, null);
    await proxy('cors-post', post(GEN, { origin: 'https://evil.example', ...viaHeader(token) }), 403);
    await proxy('foreign-host', post(GEN, { host: 'evil.example', ...viaHeader(token) }), 421);
    await proxy('foreign-host-key', post(withKey(GEN, pool[0]), { host: 'rebind.example:8080' }), 421);

    // Files: the upload session URL (rewritten to the proxy, never with a key), the bytes sent without any
    // credential to the session an authenticated client started, a use of the file, and the CLI's file commands
    // (the owner map, resources.json, is in the config dir the scan covers).
    await proxy('upload-start', {
        path: '/upload/v1beta/files',
        headers: { ...viaHeader(token), 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start',
            'x-goog-upload-header-content-type': 'text/plain' },
        body: { file: { displayName: 'leak sweep' } },
    }, 200);
    const uploadUrl = new URL(String(lastResponse.res.headers['x-goog-upload-url']));
    check(uploadUrl.origin === new URL(opts.proxy).origin, 'the upload URL does not point at the proxy');
    await proxy('upload-bytes-no-credential', {
        path: uploadUrl.pathname + uploadUrl.search,
        headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
        body: 'leak sweep file body',
    }, 200);
    const file = JSON.parse(lastResponse.body.toString()).file;
    await proxy('upload-forged-session', {
        path: '/upload/v1beta/files?upload_id=forged-session&upload_protocol=resumable',
        headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
        body: 'x',
    }, 401);
    await proxy('generate-with-file', post(GEN, viaHeader(token), {
        contents: [{ role: 'user', parts: [{ fileData: { fileUri: file.uri, mimeType: 'text/plain' } }] }],
    }), 200);
    await proxy('files-list', { method: 'GET', path: '/v1beta/files', headers: viaHeader(token) }, 200);
    await proxy('file-get', { method: 'GET', path: `/v1beta/${file.name}`, headers: viaHeader(token) }, 200);
    // The daemon saves its owner map within a second of a change: wait for it (bounded) before the CLI reads it.
    const savedMap = join(WORK, 'resources.json');
    const deadline = Date.now() + 10_000;
    while (!(existsSync(savedMap) && readFileSync(savedMap, 'utf8').includes(file.name)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    check(existsSync(savedMap) && readFileSync(savedMap, 'utf8').includes(file.name),
        'resources.json does not name the uploaded file within 10 s');
    cli('files-list-live', ['files', 'list']);
    cli('files-list-json-live', ['files', 'list', '--json']);
    cli('files-show-live', ['files', 'show', file.name]);
    cli('caches-list-live', ['caches', 'list']);
    cli('files-delete-live', ['files', 'delete', file.name]);
    cli('files-delete-unknown-live', ['files', 'delete', 'files/unknown000'], { expect: 1 });

    // From here on the log is JSON (access records as objects).
    await cliLive('log-format-json', ['config', 'set', 'log.format', 'json']);

    // Upstream errors: every key answers the same, so the client gets the upstream's own error.
    const scenarios = [
        ['suspended', 403, 'key-echo', 403],
        ['invalid', 400, 'API_KEY_INVALID', 400],
        ['overloaded', 503, 'overloaded'],
        ['internal', 500, 'internal'],
        ['regionBlocked', 400, 'region'],
    ];
    await upstreamStatuses();
    for (const [behaviour, status, label, want] of scenarios) {
        await upstreamError(behaviour, status, label, token, want);
    }
    // A stream that breaks in the middle.
    await allBehave('midStreamError');
    await proxy('upstream-midstream-sse', { path: SSE, headers: viaHeader(token), body: genBody }, null);
    await allBehave('normal');

    // Mixed pool: one key of each kind, many requests, so the debug log sees every failure path.
    await setBehaviours([
        [pool[1], 'invalid'],
        [pool[2], 'rateLimited'],
        [pool[3], 'suspended'],
        [pool[4], 'overloaded'],
    ]);
    for (let i = 0; i < 8; ++i) {
        await proxy(`mixed-${i}`, { path: i % 2 ? SSE : GEN, headers: viaHeader(token), body: genBody }, null);
    }
    say(`mixed pool: upstream statuses ${[...new Set(await upstreamStatuses())].sort().join(',')}`);
    cli('keys-list-live', ['keys', 'list']);
    cli('keys-stats-live', ['keys', 'stats', '--json']);
    await resetKeys('mixed');

    // Routing modes with relays (one posing as a relay, one unreachable), switched while running.
    for (const mode of ['hybrid', 'serverless']) {
        await cliLive(`mode-${mode}-live`, ['mode', mode]);
        await proxy(`${mode}-generate`, { path: GEN, headers: viaHeader(token), body: genBody }, null);
        await proxy(`${mode}-sse`, { path: SSE, headers: viaHeader(token), body: genBody }, null);
        await proxy(`${mode}-openai`, { path: CHAT, headers: viaBearer(other), body: chatBody(true) }, null);
        await allBehave('suspended');
        await proxy(`${mode}-key-echo`, { path: GEN, headers: viaHeader(token), body: genBody }, null);
        await resetKeys(mode);
    }
    const statuses = await upstreamStatuses();
    say(`relay modes: upstream statuses ${[...new Set(statuses)].sort().join(',')}`);
    cli('instances-test-live', ['instances', 'test', relay, unreachable], { expect: null });
    cli('instances-list-live', ['instances', 'list']);
    await cliLive('unbind-live', ['unbind', ids.K2]);
    await cliLive('mode-local-live', ['mode', 'local']);

    // The web console: the admin token once for a session (never echoed, never logged), then the cookie and the
    // CSRF token; keys pasted into it are never repeated. The session values are in the answers by design: they
    // are not in the secret list; the admin token and the keys are.
    const admin = addSecret('admin-token', 'admin', printed('token-show-admin', ['token', 'show', '--admin']));
    await proxy('console-page', { method: 'GET', path: '/admin/' }, [200, 404]);
    await proxy('console-signin-wrong', { path: '/admin/session', body: { token: secret('never issued') } }, 401);
    await proxy('console-signin-gemini-key', { path: '/admin/session', body: { token: pool[0] } }, 401);
    await proxy('console-signin', { path: '/admin/session', body: { token: admin } }, 200);
    const cookie = String(lastResponse.res.headers['set-cookie'] ?? '').split(';')[0];
    const csrf = JSON.parse(lastResponse.body.toString('utf8')).csrfToken;
    check(cookie.startsWith('ga_admin=') && csrf, 'the console sign-in gave no session cookie or CSRF token');
    const session = { cookie, 'x-csrf-token': csrf };
    await proxy('console-status', { method: 'GET', path: '/admin/api/v1/status', headers: { cookie } }, 200);
    await proxy('console-keys', { method: 'GET', path: '/admin/api/v1/keys', headers: { cookie } }, 200);
    await proxy('console-write-without-csrf', { method: 'PUT', path: '/admin/api/v1/mode', headers: { cookie },
        body: { mode: 'local' } }, 403);
    await proxy('console-paste-keys', { path: '/admin/api/v1/keys/import', headers: session,
        body: { text: `${pool[0]}\n${secret('truncated key')}\n${pool[1]}x\n`, dryRun: true } }, 200);
    await proxy('console-history', { method: 'GET', path: '/admin/api/v1/history?limit=50', headers: { cookie } }, 200);
    await proxy('console-admin-bearer', { method: 'GET', path: '/admin/api/v1/config', headers: viaBearer(admin) },
        200);
    await proxy('console-signout', { method: 'DELETE', path: '/admin/session', headers: session }, 204);
    await proxy('console-after-signout', { method: 'GET', path: '/admin/api/v1/status', headers: { cookie } }, 401);

    // Tokens and limits changed while running.
    const live = addSecret('access-token', 'live',
        (await cliLive('token-add-live', ['token', 'add', 'live'], { exempt: true })).stdout.trim());
    await proxy('live-token', { path: GEN, headers: viaHeader(live), body: genBody }, 200);
    await cliLive('token-revoke-live', ['token', 'revoke', 'live']);
    await proxy('live-token-revoked', { path: GEN, headers: viaHeader(live), body: genBody }, 401);
    const rotated = addSecret('access-token', 'other (rotated live)',
        (await cliLive('token-rotate-live', ['token', 'rotate', 'other'], { exempt: true })).stdout.trim());
    await proxy('rotated-new', { path: CHAT, headers: viaBearer(rotated), body: chatBody(false) }, 200);
    await proxy('rotated-old', { path: CHAT, headers: viaBearer(other), body: chatBody(false) }, 401);
    await cliLive('limits-tight', ['config', 'set', 'limits.perToken.requestsPerMinute', '2']);
    const limited = [];
    for (let i = 0; i < 4; ++i) {
        limited.push(await proxy(`rate-limited-${i}`, post(GEN, viaHeader(token)), [200, 429]));
    }
    check(limited.includes(429), 'limits.perToken.requestsPerMinute 2 never answered 429');
    await cliLive('limits-off', ['config', 'set', 'limits.perToken.requestsPerMinute', '0']);
    await cliLive('jwt-secret-live', ['token', 'jwt-secret'], { input: `${secret('piped HS256 secret')}\n` });
    await proxy('jwt-after-reload', { path: GEN, headers: viaBearer(jwt), body: genBody }, 200);
    // Last: 429 from every key makes the daemon treat the connection as throttled for a few seconds, during
    // which it answers 429 itself.
    await upstreamError('rateLimited', 429, 'quota', token);
    for (const path of ['/', '/readyz', '/metrics']) {
        await proxy(`observe${path.replace('/', '-')}`, { method: 'GET', path }, null);
    }
    cli('config-get-live', ['config', 'get']);
    cli('token-list-live', ['token', 'list', '--json']);
    say(`live: ${httpCount} HTTP responses, ${cliCount} CLI commands`);
}

// ---------------------------------------------------------------------------------------------------------------
// Phase: after-stop, poke

async function afterStop() {
    check(existsSync(join(WORK, 'keystate.json')), 'the daemon did not write keystate.json when it stopped');
    check(existsSync(join(WORK, 'resources.json')), 'the daemon did not write resources.json when it stopped');
    cli('files-list-after-stop', ['files', 'list', '--json']);
    cli('keys-list-after-stop', ['keys', 'list']);
    cli('keys-list-json-after-stop', ['keys', 'list', '--json']);
    cli('keys-stats-after-stop', ['keys', 'stats']);
    cli('keys-stats-json-after-stop', ['keys', 'stats', '--json']);
    cli('instances-list-after-stop', ['instances', 'list']);
    cli('instances-list-json-after-stop', ['instances', 'list', '--json']);
    say(`after-stop: ${cliCount} CLI commands`);
}

async function poke() {
    const token = secret('default');
    const pool = poolKeys().map((k) => k.value);
    await proxy(`${opts.label}-generate`, { path: GEN, headers: viaHeader(token), body: genBody }, 200);
    await proxy(`${opts.label}-jwt`, post(SSE, viaBearer(secret('minted by the CLI'))), 200);
    await proxy(`${opts.label}-gemini-key`, { path: withKey(GEN, pool[0]), body: genBody }, 401);
    await setBehaviours([[pool[3], 'suspended']]);
    for (let i = 0; i < 4; ++i) {
        await proxy(`${opts.label}-mixed-${i}`, { path: GEN, headers: viaHeader(token), body: genBody }, null);
    }
    await allBehave('normal');
    await proxy(`${opts.label}-metrics`, { method: 'GET', path: '/metrics' }, null);
}

// ---------------------------------------------------------------------------------------------------------------
// Scanner

function needlesOf(secrets) {
    const out = [];
    for (const s of secrets) {
        out.push({ ...s, form: 'full', bytes: Buffer.from(s.value) });
        if (s.kind === 'jwt') {
            const sig = s.value.split('.')[2];
            if (sig && sig.length >= 16) {
                out.push({ ...s, form: 'signature segment', bytes: Buffer.from(sig) });
            }
        } else if (s.value.length >= 24) {
            const mid = Math.floor((s.value.length - 12) / 2);
            out.push({ ...s, form: 'middle 12 characters', bytes: Buffer.from(s.value.slice(mid, mid + 12)) });
        }
    }
    return out;
}

function* walk(dir, excluded) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (excluded.has(p)) {
            continue;
        }
        if (entry.isDirectory()) {
            yield* walk(p, excluded);
        } else if (entry.isFile()) {
            yield p;
        }
    }
}

// Replaces every known secret (and its partial forms) in text by «kind».
function maskAll(buf, needles) {
    let s = buf.toString('utf8');
    for (const n of [...needles].sort((a, b) => b.bytes.length - a.bytes.length)) {
        s = s.split(n.bytes.toString('utf8')).join(`«${n.kind}»`);
    }
    return s;
}

function scanDirs(roots, excluded, secrets) {
    const needles = needlesOf(secrets);
    const result = { files: 0, bytes: 0, hits: [], secrets: secrets.length, needles: needles.length, list: [] };
    for (const root of roots) {
        for (const file of walk(root, excluded)) {
            const buf = readFileSync(file);
            result.files += 1;
            result.bytes += buf.length;
            result.list.push(file);
            for (const n of needles) {
                for (let at = buf.indexOf(n.bytes); at >= 0; at = buf.indexOf(n.bytes, at + 1)) {
                    const context = buf.subarray(Math.max(0, at - 80), Math.min(buf.length, at + n.bytes.length + 80));
                    const { kind, label, form } = n;
                    result.hits.push({ file, offset: at, kind, label, form, context: maskAll(context, needles) });
                }
            }
        }
    }
    return result;
}

// The encrypted store: what the daemon said it uses, else the default place.
function secretStoreFiles() {
    const out = new Set();
    for (const name of readdirSync(WORK)) {
        if (name.endsWith('.log')) {
            for (const m of readFileSync(join(WORK, name), 'utf8').matchAll(/secrets: encrypted file (\S+)/g)) {
                out.add(m[1]);
            }
        }
    }
    const dataHome = process.env.XDG_DATA_HOME ?? join(WORK, 'data');
    out.add(join(dataHome, 'gemini-aggregator', 'secrets.enc'));
    return out;
}

function selfcheck() {
    const secrets = loadSecrets();
    const key = secrets.find((s) => s.kind === 'gemini-key');
    const token = secrets.find((s) => s.kind === 'access-token');
    const jwt = secrets.find((s) => s.kind === 'jwt');
    const dir = join(EXEMPT, 'canary');
    mkdirSync(dir, { recursive: true });
    const filler = 'x'.repeat(300);
    writeFileSync(join(dir, 'full-key.log'), `${filler}\nupstream said: api_key:${key.value} suspended\n${filler}`);
    const mid = Math.floor((token.value.length - 12) / 2);
    writeFileSync(join(dir, 'partial-token.json'), `{"token": "gat_…${token.value.slice(mid, mid + 12)}…"}`);
    writeFileSync(join(dir, 'jwt-signature.txt'), `sig=${jwt.value.split('.')[2]}`);
    writeFileSync(join(dir, 'masked-only.txt'), `${mask(key.value)} ${mask(token.value)} [jwt] [redacted]\n`);
    const r = scanDirs([dir], new Set(), secrets);
    const found = (file, kind) => r.hits.some((h) => h.file.endsWith(file) && h.kind === kind);
    const ok = r.files === 4 && found('full-key.log', 'gemini-key') && found('partial-token.json', 'access-token')
        && found('jwt-signature.txt', 'jwt') && !r.hits.some((h) => h.file.endsWith('masked-only.txt'));
    if (!ok) {
        console.error(`scanner broken: the canaries gave ${r.hits.length} hit(s) in ${r.files} file(s)`);
        process.exit(1);
    }
    say(`scanner self-check: ${r.hits.length} planted secrets found, masked forms ignored`);
}

function scan() {
    const secrets = loadSecrets();
    const excluded = new Set([EXEMPT, ...secretStoreFiles()]);
    const r = scanDirs([WORK], excluded, secrets);
    const kinds = {};
    for (const s of secrets) {
        kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
    }
    const count = (dir, ext) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(ext)).length : 0);
    console.log('secret-leak sweep summary');
    const cliRuns = count(join(CAP, 'cli'), '.status');
    const httpRuns = count(join(CAP, 'http'), '.http');
    const runs = '3 daemon runs (SIGTERM, SIGABRT, SIGSEGV)';
    console.log(`  scenarios: ${cliRuns} CLI commands, ${httpRuns} HTTP responses, ${runs}`);
    console.log(`  files scanned: ${r.files}, bytes scanned: ${r.bytes}`);
    const perKind = Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`  secrets checked: ${r.secrets} (${perKind}), ${r.needles} search strings`);
    const store = [...excluded].slice(1).map((p) => relative(WORK, p)).join(', ');
    console.log(`  not scanned: ${relative(WORK, EXEMPT)}/ (exempt stdout, secret list, canaries), ${store}`);
    if (opts.elapsed) {
        console.log(`  run time so far: ${opts.elapsed} s`);
    }
    const byFile = {};
    for (const f of r.list) {
        const top = relative(WORK, f).split('/')[0];
        byFile[top] = (byFile[top] ?? 0) + 1;
    }
    console.log(`  scanned: ${Object.entries(byFile).map(([k, n]) => `${k} (${n})`).join(', ')}`);
    console.log(`  hits: ${r.hits.length}`);
    for (const h of r.hits) {
        console.log(`  HIT ${relative(WORK, h.file)}:${h.offset}: ${h.kind} '${h.label}' (${h.form})`);
        console.log(`      context (secrets masked): ${JSON.stringify(h.context)}`);
    }
    process.exit(r.hits.length ? 1 : 0);
}

function dumpLogs() {
    const needles = needlesOf(loadSecrets());
    for (const name of readdirSync(WORK).filter((n) => n.endsWith('.log')).sort()) {
        const lines = readFileSync(join(WORK, name)).toString('utf8').split('\n');
        console.log(`----- last lines of ${name} (known secrets masked) -----`);
        console.log(maskAll(Buffer.from(lines.slice(-40).join('\n')), needles));
    }
}

// ---------------------------------------------------------------------------------------------------------------

const phases = { offline, live, 'after-stop': afterStop, poke, selfcheck, scan, 'dump-logs': dumpLogs };
if (!phases[phase]) {
    console.error(`unknown phase ${phase}`);
    process.exit(2);
}
try {
    await phases[phase]();
} catch (e) {
    if (e instanceof ScenarioError) {
        say(`FAILED: ${e.message}`);
    } else {
        // Not ours: a message could quote a request; keep it out of the output except its class.
        const text = maskAll(Buffer.from(String(e?.stack ?? e)), needlesOf(loadSecrets()));
        say(`FAILED: ${e.constructor?.name ?? 'error'} ${text}`);
    }
    process.exit(1);
}
