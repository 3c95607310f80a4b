// SPDX-License-Identifier: GPL-3.0-or-later
// Real npm clients (@google/genai, openai, @google/gemini-cli) against gemini-aggregatord, which forwards to the
// fake Gemini upstream. Started by run-e2e.sh, which passes everything in the environment:
//   E2E_PROXY_URL     http://127.0.0.1:PORT of the daemon
//   E2E_FAKE_URL      http://127.0.0.1:PORT of fake-gemini (for /__fake/requests)
//   E2E_ACCESS_TOKEN  the daemon's local access token (what the clients send as their API key)
//   E2E_POOL_KEYS     comma-separated pool keys (made at run time, never stored)
//   E2E_TMP           a private temporary directory (gemini-cli's HOME and workspace)
// After every client call the upstream's recorded requests are checked: only pool keys reached it, never the
// access token, in x-goog-api-key on native paths and Authorization: Bearer on /v1beta/openai/, never in the URL.
// The Live API (ai.live.connect over WebSocket, live.mjs) is checked the same way on the fake's handshake records
// and its list of Live sessions (/__fake/live).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';

import * as live from './live.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

function required(name) {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set (run this through run-e2e.sh)`);
    }
    return value;
}

const PROXY = required('E2E_PROXY_URL').replace(/\/$/, '');
const FAKE = required('E2E_FAKE_URL').replace(/\/$/, '');
const TOKEN = required('E2E_ACCESS_TOKEN');
const POOL = required('E2E_POOL_KEYS').split(',').filter(Boolean);
const TMP = required('E2E_TMP');

const MODEL = 'gemini-2.5-flash';
const CHUNKS = 5;
const TEXT = 'End-to-end reply: the quick brown fox jumps over the lazy dog, relayed by the aggregator.';
const CLI_TIMEOUT_MS = 120_000;

// Never print a key or the token in a failure message.
function mask(s) {
    if (typeof s !== 'string' || s.length < 10) {
        return JSON.stringify(s);
    }
    return `${s.slice(0, 4)}…${s.slice(-4)} (${s.length} chars)`;
}

async function fake(path, init) {
    const res = await fetch(`${FAKE}/__fake/${path}`, init);
    assert.equal(res.status, 200, `fake control ${path} answered ${res.status}`);
    return res.json();
}

const clearUpstream = () => fake('requests', { method: 'DELETE' });
const upstreamRequests = () => fake('requests');

function headerValues(record, name) {
    return record.headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
}

// auth: 'header' (native paths) or 'bearer' (OpenAI-compatible paths).
function assertUpstreamCredentials(records, auth) {
    assert.ok(records.length > 0, 'the upstream saw no request');
    for (const r of records) {
        const where = `${r.method} ${r.path}`;
        assert.ok(POOL.includes(r.key), `${where}: upstream got key ${mask(r.key)}, not one of the pool keys`);
        assert.notEqual(r.key, TOKEN, `${where}: the access token reached the upstream as the key`);
        assert.ok(!JSON.stringify(r).includes(TOKEN), `${where}: the access token appears in the upstream request`);
        assert.equal(r.keySource, auth, `${where}: key came as ${r.keySource}, expected ${auth}`);
        const query = new URLSearchParams(r.query);
        assert.ok(!query.has('key'), `${where}: a key is in the query (${r.query.length} chars)`);
        for (const value of query.values()) {
            assert.ok(!POOL.includes(value), `${where}: a pool key is in the query`);
        }
        const apiKeyHeaders = headerValues(r, 'x-goog-api-key');
        const authHeaders = headerValues(r, 'authorization');
        if (auth === 'header') {
            assert.deepEqual(apiKeyHeaders, [r.key], `${where}: expected exactly one x-goog-api-key header`);
            assert.deepEqual(authHeaders, [], `${where}: unexpected Authorization header on a native path`);
        } else {
            assert.deepEqual(authHeaders, [`Bearer ${r.key}`], `${where}: expected exactly one Authorization: Bearer`);
            assert.deepEqual(apiKeyHeaders, [], `${where}: unexpected x-goog-api-key header on an OpenAI path`);
        }
        assert.equal(r.status, 200, `${where}: upstream answered ${r.status}`);
    }
}

before(async () => {
    await fake('default', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ script: { chunks: CHUNKS, intervalMs: 20, text: TEXT } }),
    });
});

// --- @google/genai --------------------------------------------------------------------------------------------

// Two clients: the SDK's default API version (v1 in @google/genai 3.x, v1beta in 2.x) and an explicit v1beta.
const genaiClients = [
    { label: 'default API version', version: /^v1(beta)?$/, ai: new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: PROXY } }) },
    { label: 'apiVersion v1beta', version: /^v1beta$/,
        ai: new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: PROXY, apiVersion: 'v1beta' } }) },
];

// Checks that the upstream saw exactly the calls `expected` (["METHOD model:rpc", ...]) under one API version.
function assertNativeCalls(records, version, expected) {
    const seen = records.map((r) => {
        const m = /^\/([^/]+)\/models\/(.+)$/.exec(r.path);
        assert.ok(m, `unexpected upstream path ${r.path}`);
        assert.match(m[1], version, `API version of ${r.path}`);
        return `${r.method} ${m[2]}`;
    });
    assert.deepEqual(seen, expected);
}

for (const { label, version, ai } of genaiClients) {
    test(`@google/genai generateContent (${label})`, { timeout: 60_000 }, async () => {
        await clearUpstream();
        const res = await ai.models.generateContent({ model: MODEL, contents: 'say hi' });
        assert.equal(res.text, TEXT);
        const records = await upstreamRequests();
        assertNativeCalls(records, version, [`POST ${MODEL}:generateContent`]);
        assertUpstreamCredentials(records, 'header');
    });

    test(`@google/genai generateContentStream (${label})`, { timeout: 60_000 }, async () => {
        await clearUpstream();
        const stream = await ai.models.generateContentStream({ model: MODEL, contents: 'say hi' });
        let chunks = 0;
        let text = '';
        for await (const chunk of stream) {
            chunks += 1;
            text += chunk.text ?? '';
        }
        assert.equal(chunks, CHUNKS, 'chunks received');
        assert.equal(text, TEXT, 'concatenated text');
        const records = await upstreamRequests();
        assertNativeCalls(records, version, [`POST ${MODEL}:streamGenerateContent`]);
        assert.equal(new URLSearchParams(records[0].query).get('alt'), 'sse');
        assertUpstreamCredentials(records, 'header');
    });

    test(`@google/genai countTokens (${label})`, { timeout: 60_000 }, async () => {
        await clearUpstream();
        const res = await ai.models.countTokens({ model: MODEL, contents: 'how many tokens is this?' });
        assert.equal(typeof res.totalTokens, 'number');
        assert.ok(res.totalTokens > 0, `totalTokens = ${res.totalTokens}`);
        const records = await upstreamRequests();
        assertNativeCalls(records, version, [`POST ${MODEL}:countTokens`]);
        assertUpstreamCredentials(records, 'header');
    });
}

// --- @google/genai Live API (WebSocket) ------------------------------------------------------------------------

const liveSessions = () => fake('live');
const clearLive = () => fake('live', { method: 'DELETE' });

// The Live sessions the fake saw since the last clear: `count` of them, all over, each with a pool key that came
// in x-goog-api-key (never the access token, never in the URL), on a Live path of the expected API version.
async function assertLiveUpstream(count, version) {
    // A session is listed once its handshake is done; it is over once the fake has seen the close.
    const deadline = Date.now() + 5000;
    let sessions;
    for (;;) {
        sessions = await liveSessions();
        if (sessions.length >= count && sessions.every((s) => !s.open)) {
            break;
        }
        assert.ok(Date.now() < deadline, `fake Live sessions not all over: ${JSON.stringify(sessions.map((s) => ({ open: s.open, closeCode: s.closeCode })))}`);
        await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(sessions.length, count, 'Live sessions at the upstream');
    // The fake lists keys by their SHA-256 only (the full key is in the handshake's record in /__fake/requests).
    const poolHashes = POOL.map(live.sha256);
    for (const s of sessions) {
        assert.ok(poolHashes.includes(s.keySha256), 'a Live session used a key that is not a pool key');
        assert.notEqual(s.keySha256, live.sha256(TOKEN), 'the access token reached the upstream as the Live key');
        assert.equal(s.keySource, 'header', `the Live key came as ${s.keySource}, expected the x-goog-api-key header`);
        assert.ok(!/(^|&)(key|access_token)=/.test(s.query), `a credential in the Live URL: ${s.query}`);
        assert.ok(!JSON.stringify(s).includes(TOKEN), 'the access token appears in a Live session record');
        assert.ok(s.setupCompleted, 'the fake sent setupComplete');
        assert.ok(s.closedByClient, 'the client closed the session');
        assert.ok([1000, 1005].includes(s.closeCode), `Live session closed with ${s.closeCode}`);
    }
    // The handshakes, as the fake recorded them: the key in the header, nothing in the query.
    const handshakes = (await upstreamRequests()).filter((r) => live.LIVE_PATH_RE.test(r.path));
    assert.equal(handshakes.length, count, `Live handshakes at the upstream: ${handshakes.map((r) => r.path)}`);
    for (const r of handshakes) {
        assert.equal(r.method, 'GET');
        assert.match(r.path, new RegExp(`^/ws/google\\.ai\\.generativelanguage\\.${version}\\.GenerativeService\\.BidiGenerateContent$`),
            'the upstream path is the Live path alone (no // and no base path)');
        assert.equal(r.keySource, 'header', `Live key came as ${r.keySource}, expected the x-goog-api-key header`);
        assert.deepEqual(headerValues(r, 'x-goog-api-key'), [r.key]);
        assert.ok(POOL.includes(r.key), 'the handshake carried a pool key');
        const query = new URLSearchParams(r.query);
        assert.ok(!query.has('key') && !query.has('access_token'), 'a credential is in the Live URL');
        assert.ok(![...query.values()].some((v) => POOL.includes(v) || v === TOKEN), 'a key is in the Live URL');
        assert.ok(!r.target.includes(TOKEN) && !POOL.some((k) => r.target.includes(k)), 'a key is in the Live URL');
        assert.ok(!JSON.stringify(r).includes(TOKEN), 'the access token appears in the Live handshake');
    }
    return sessions;
}

const genai130 = await live.loadGenai130();
const liveClients = [
    { label: '@google/genai 3.1.0 (default API version)', sdk: live.genai310, version: 'v1(beta)?', baseUrl: PROXY },
    { label: '@google/genai 3.1.0 (apiVersion v1beta)', sdk: live.genai310, version: 'v1beta', baseUrl: PROXY,
        apiVersion: 'v1beta' },
    { label: '@google/genai 3.1.0 (v1alpha, proxy under a base path)', sdk: live.genai310, version: 'v1alpha',
        baseUrl: `${PROXY}/gemini`, apiVersion: 'v1alpha' },
];
if (genai130) {
    liveClients.push({ label: `@google/genai ${genai130.version}`, sdk: genai130.mod, version: 'v1beta', baseUrl: PROXY });
}

for (const c of liveClients) {
    test(`${c.label} ai.live.connect: text turn, audio echoed byte for byte, tool call round trip`,
        { timeout: 60_000 }, async () => {
            await clearUpstream();
            await clearLive();
            const opts = { baseUrl: c.baseUrl, apiKey: TOKEN, apiVersion: c.apiVersion };
            try {
                const s1 = await live.openLive(c.sdk, opts);
                assert.equal((await live.liveTextTurn(s1)).text, TEXT, 'the turn\'s text (two serverContent messages)');
                await live.liveAudioEcho(s1);
                await live.liveTextTurn(s1, 'and once more');
                await live.closeLive(s1);
                const s2 = await live.openLive(c.sdk, { ...opts, config: live.toolConfig() });
                await live.liveToolCall(s2);
                await live.closeLive(s2);
                assert.deepEqual([...s1.inbox.errors, ...s2.inbox.errors], [], 'WebSocket errors');
            } finally {
                live.closeOpenLive();
            }
            await assertLiveUpstream(2, c.version);
        });
}
if (!genai130) {
    test('@google/genai 1.30.0 ai.live.connect', { skip: 'tests/e2e-resources/node_modules has no genai130 (npm ci there)' },
        () => {});
}

test('Live with a wrong access token: refused, nothing reaches the upstream', { timeout: 30_000 }, async () => {
    await clearUpstream();
    await clearLive();
    try {
        await assert.rejects(live.openLive(live.genai310, { baseUrl: PROXY, apiKey: `${TOKEN}x` }));
    } finally {
        live.closeOpenLive();
    }
    assert.deepEqual(await liveSessions(), [], 'a Live session reached the upstream without a valid token');
    assert.deepEqual((await upstreamRequests()).filter((r) => live.LIVE_PATH_RE.test(r.path)), []);
});

// --- openai (OpenAI-compatible endpoint) ------------------------------------------------------------------------

const openai = new OpenAI({ apiKey: TOKEN, baseURL: `${PROXY}/v1beta/openai/`, maxRetries: 0, timeout: 60_000 });

test('openai chat.completions.create', { timeout: 60_000 }, async () => {
    await clearUpstream();
    const res = await openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'say hi' }],
    });
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.choices[0].message.content, TEXT);
    const records = await upstreamRequests();
    assert.deepEqual(records.map((r) => `${r.method} ${r.path}`), ['POST /v1beta/openai/chat/completions']);
    assertUpstreamCredentials(records, 'bearer');
});

test('openai chat.completions.create stream: true', { timeout: 60_000 }, async () => {
    await clearUpstream();
    const stream = await openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'say hi' }],
        stream: true,
    });
    let chunks = 0;
    let text = '';
    for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta?.content;
        if (piece) {
            chunks += 1;
            text += piece;
        }
    }
    assert.equal(chunks, CHUNKS, 'content chunks received');
    assert.equal(text, TEXT, 'concatenated text');
    const records = await upstreamRequests();
    assert.deepEqual(records.map((r) => `${r.method} ${r.path}`), ['POST /v1beta/openai/chat/completions']);
    assertUpstreamCredentials(records, 'bearer');
});

// --- plain HTTP with the credential in the URL or as a Bearer token ----------------------------------------------

test('fetch with ?key=<token> and with Authorization: Bearer <token> on native paths', { timeout: 60_000 }, async () => {
    await clearUpstream();
    const body = JSON.stringify({ contents: [{ parts: [{ text: 'say hi' }] }] });
    const headers = { 'content-type': 'application/json' };
    let res = await fetch(`${PROXY}/v1beta/models/${MODEL}:generateContent?key=${encodeURIComponent(TOKEN)}`,
        { method: 'POST', headers, body });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).candidates[0].content.parts[0].text, TEXT);
    res = await fetch(`${PROXY}/v1beta/models/${MODEL}:streamGenerateContent?alt=sse&key=${encodeURIComponent(TOKEN)}`,
        { method: 'POST', headers, body });
    assert.equal(res.status, 200);
    const sse = await res.text();
    assert.equal(sse.split('data: ').length - 1, CHUNKS, 'SSE events');
    res = await fetch(`${PROXY}/v1beta/models/${MODEL}:countTokens`,
        { method: 'POST', headers: { ...headers, authorization: `Bearer ${TOKEN}` }, body });
    assert.equal(res.status, 200);
    const records = await upstreamRequests();
    assert.equal(records.length, 3);
    assert.equal(new URLSearchParams(records[1].query).get('alt'), 'sse', 'alt=sse kept');
    assertUpstreamCredentials(records, 'header');
});

// --- @google/gemini-cli -----------------------------------------------------------------------------------------

function geminiCliEntry() {
    const dir = join(HERE, 'node_modules', '@google', 'gemini-cli');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin.gemini;
    return { path: join(dir, bin), version: pkg.version };
}

function runGeminiCli(name, extraEnv) {
    const home = join(TMP, `${name}-home`);
    const workspace = join(TMP, `${name}-workspace`);
    mkdirSync(join(home, '.gemini'), { recursive: true });
    mkdirSync(workspace, { recursive: true });
    // API-key auth picked in settings: gemini-cli 0.61.0 derives auth type "gateway" from GOOGLE_GEMINI_BASE_URL
    // alone and then rejects it in non-interactive mode ("Invalid auth method selected."). No telemetry, no
    // usage statistics, no update check.
    writeFileSync(join(home, '.gemini', 'settings.json'), JSON.stringify({
        security: { auth: { selectedType: 'gemini-api-key' } },
        general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
        privacy: { usageStatisticsEnabled: false },
        telemetry: { enabled: false },
    }, null, 2));
    const env = { ...process.env };
    for (const name of Object.keys(env)) {
        if (/^(GOOGLE_|GEMINI_|CLOUD_SHELL$)/.test(name)) {
            delete env[name];
        }
    }
    Object.assign(env, {
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        GEMINI_API_KEY: TOKEN,
        GOOGLE_GEMINI_BASE_URL: PROXY,
        GEMINI_CLI_TRUST_WORKSPACE: 'true',
        NO_COLOR: '1',
        ...extraEnv,
    });
    const { path } = geminiCliEntry();
    const args = [path, '--model', MODEL, '-p', 'say hi'];
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => { stdout += d; });
        child.stderr.on('data', (d) => { stderr += d; });
        const timer = setTimeout(() => {
            child.kill('SIGKILL');
            reject(new Error(`gemini-cli did not finish within ${CLI_TIMEOUT_MS / 1000} s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, CLI_TIMEOUT_MS);
        child.on('error', (e) => { clearTimeout(timer); reject(e); });
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout, stderr });
        });
    });
}

async function geminiCliCase(name, extraEnv) {
    await clearUpstream();
    const { code, signal, stdout, stderr } = await runGeminiCli(name, extraEnv);
    const detail = `exit ${code}${signal ? ` (${signal})` : ''}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
    assert.ok(!stdout.includes(TOKEN) && !stderr.includes(TOKEN), 'gemini-cli output contains the token');
    assert.equal(code, 0, `gemini-cli failed: ${detail}`);
    assert.ok(stdout.includes(TEXT), `gemini-cli did not print the model's reply: ${detail}`);
    const records = await upstreamRequests();
    for (const r of records) {
        assert.match(r.path, /^\/v1beta\/models\/[^/]+:(streamGenerateContent|generateContent|countTokens|embedContent|batchEmbedContents)$/,
            `unexpected upstream call ${r.method} ${r.path}`);
    }
    assert.ok(records.some((r) => r.path === `/v1beta/models/${MODEL}:streamGenerateContent`),
        `no streamGenerateContent for ${MODEL}; saw ${records.map((r) => r.path).join(', ')}`);
    assertUpstreamCredentials(records, 'header');
    return records;
}

test(`@google/gemini-cli ${geminiCliEntry().version} -p (x-goog-api-key)`, { timeout: CLI_TIMEOUT_MS + 30_000 }, async () => {
    await geminiCliCase('cli-header', {});
});

test(`@google/gemini-cli ${geminiCliEntry().version} -p (GEMINI_API_KEY_AUTH_MECHANISM=bearer)`,
    { timeout: CLI_TIMEOUT_MS + 30_000 }, async () => {
        await geminiCliCase('cli-bearer', { GEMINI_API_KEY_AUTH_MECHANISM: 'bearer' });
    });
