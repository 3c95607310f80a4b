// SPDX-License-Identifier: GPL-3.0-or-later
// Real npm clients over the daemon's HTTPS listener with an ACME (pebble) certificate, started by acme-e2e.sh:
// @google/genai (generateContent, generateContentStream, a Live session over wss://) and openai (chat.completions,
// plain and streamed) at https://a.test:PORT. Trust comes from NODE_EXTRA_CA_CERTS (pebble's root) and a.test
// resolves to 127.0.0.1 through the preload resolve-test-names.cjs; the packages are tests/e2e's (pinned there).
// Environment (all set by acme-e2e.sh):
//   TLS_E2E_BASE_URL      https://a.test:PORT (the daemon's HTTPS listener under a certificate name)
//   TLS_E2E_FAKE_URL      http://127.0.0.1:PORT of fake-gemini (its /__fake/ control API)
//   TLS_E2E_ACCESS_TOKEN  the daemon's local access token (the clients' API key)
//   TLS_E2E_POOL_KEY      the pool key (made at run time): what the upstream must see instead of the token
//   TLS_E2E_ROOT          pebble's root certificate (PEM), also in NODE_EXTRA_CA_CERTS
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

import * as live from '../e2e/live.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const requireE2e = createRequire(join(HERE, '..', 'e2e', 'package.json'));
const openaiModule = requireE2e('openai');
const OpenAI = openaiModule.OpenAI ?? openaiModule.default ?? openaiModule;
const { GoogleGenAI } = live.genai310;

function required(name) {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set (run this through tests/tls/acme-e2e.sh)`);
    }
    return value;
}

const BASE = required('TLS_E2E_BASE_URL').replace(/\/$/, '');
const FAKE = required('TLS_E2E_FAKE_URL').replace(/\/$/, '');
const TOKEN = required('TLS_E2E_ACCESS_TOKEN');
const POOL_KEY = required('TLS_E2E_POOL_KEY');
const ROOT = readFileSync(required('TLS_E2E_ROOT'), 'utf8');
const HOST = new URL(BASE).hostname;

const MODEL = 'gemini-2.5-flash';
const CHUNKS = 4;
const TEXT = 'Over HTTPS: a certificate from the ACME CA, relayed by the aggregator.';

async function fake(path, init) {
    const res = await fetch(`${FAKE}/__fake/${path}`, init);
    assert.equal(res.status, 200, `fake control ${path} answered ${res.status}`);
    return res.json();
}

// What reached the upstream since the last clear: `expected` ("METHOD path-suffix" each), with the pool key, never
// the access token.
async function assertUpstream(expected) {
    const records = await fake('requests');
    const seen = records.map((r) => `${r.method} ${r.path}`);
    assert.equal(seen.length, expected.length, `upstream calls: ${JSON.stringify(seen)}`);
    expected.forEach((suffix, i) => assert.ok(seen[i].endsWith(suffix), `upstream call ${seen[i]}, expected …${suffix}`));
    for (const r of records) {
        assert.equal(r.key, POOL_KEY, `${r.method} ${r.path}: the upstream did not get the pool key`);
        assert.ok(!JSON.stringify(r).includes(TOKEN), `${r.method} ${r.path}: the access token reached the upstream`);
        assert.equal(r.status, 200);
    }
}

// GET /healthz with exactly `ca` as the trust store; resolves { status, protocol, cipher, peer } or rejects.
function healthz(ca) {
    return new Promise((resolve, reject) => {
        const req = https.get(`${BASE}/healthz`, { ca, agent: false, timeout: 10_000 }, (res) => {
            const s = res.socket;
            const info = { status: res.statusCode, protocol: s.getProtocol(), cipher: s.getCipher().name,
                peer: s.getPeerCertificate() };
            res.resume();
            res.on('end', () => resolve(info));
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error('timed out')));
    });
}

before(async () => {
    await fake('default', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ script: { chunks: CHUNKS, intervalMs: 10, text: TEXT } }),
    });
});

after(() => live.closeOpenLive());

test('node verifies the certificate: refused with only the public roots, accepted with pebble\'s', async () => {
    await assert.rejects(healthz(tls.rootCertificates), (e) => {
        assert.match(e.code ?? '', /CERT|SIGNATURE|ISSUER/, `expected a certificate error, got ${e.code}: ${e.message}`);
        console.log(`  # with the public roots only: ${e.code}`);
        return true;
    });
    const ok = await healthz([...tls.rootCertificates, ROOT]);
    assert.equal(ok.status, 200);
    const names = (ok.peer.subjectaltname ?? '').split(', ').map((s) => s.replace(/^DNS:/, ''));
    assert.ok(names.includes(HOST), `${HOST} in the certificate's names ${names}`);
    console.log(`  # ${HOST}: ${ok.protocol} ${ok.cipher}, issuer ${ok.peer.issuer?.CN}, names ${names.join(' ')}`);
});

const ai = new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: BASE, apiVersion: 'v1beta' } });

test('@google/genai generateContent over HTTPS', { timeout: 30_000 }, async () => {
    await fake('requests', { method: 'DELETE' });
    const res = await ai.models.generateContent({ model: MODEL, contents: 'say hi' });
    assert.equal(res.text, TEXT);
    await assertUpstream([`POST /v1beta/models/${MODEL}:generateContent`]);
});

test('@google/genai generateContentStream over HTTPS', { timeout: 30_000 }, async () => {
    await fake('requests', { method: 'DELETE' });
    const stream = await ai.models.generateContentStream({ model: MODEL, contents: 'say hi' });
    let chunks = 0;
    let text = '';
    for await (const chunk of stream) {
        chunks += 1;
        text += chunk.text ?? '';
    }
    assert.equal(chunks, CHUNKS, 'chunks received');
    assert.equal(text, TEXT);
    await assertUpstream([`POST /v1beta/models/${MODEL}:streamGenerateContent`]);
});

const openai = new OpenAI({ apiKey: TOKEN, baseURL: `${BASE}/v1beta/openai/`, maxRetries: 0, timeout: 30_000 });

test('openai chat.completions.create over HTTPS', { timeout: 30_000 }, async () => {
    await fake('requests', { method: 'DELETE' });
    const res = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'say hi' }] });
    assert.equal(res.choices[0].message.content, TEXT);
    await assertUpstream(['POST /v1beta/openai/chat/completions']);
});

test('openai chat.completions.create stream: true over HTTPS', { timeout: 30_000 }, async () => {
    await fake('requests', { method: 'DELETE' });
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
    assert.equal(text, TEXT);
    await assertUpstream(['POST /v1beta/openai/chat/completions']);
});

test('@google/genai ai.live.connect over wss://: setupComplete and a model turn', { timeout: 30_000 }, async () => {
    await fake('requests', { method: 'DELETE' });
    await fake('live', { method: 'DELETE' });
    const s = await live.openLive(live.genai310, { baseUrl: BASE, apiKey: TOKEN, apiVersion: 'v1beta' });
    assert.ok(s.inbox.messages.some((m) => m.setupComplete), `no setupComplete: ${s.inbox.describe()}`);
    const turn = await live.liveTextTurn(s);
    assert.equal(turn.text, TEXT);
    const closed = await live.closeLive(s);
    assert.deepEqual(s.inbox.errors, [], 'WebSocket errors');
    console.log(`  # Live: ${turn.messages.length} server messages in the turn, ` +
        `${turn.usage.totalTokenCount} tokens, closed with ${closed.code}`);
    const records = await fake('requests');
    const handshakes = records.filter((r) => live.LIVE_PATH_RE.test(r.path));
    assert.equal(handshakes.length, 1, `Live handshakes upstream: ${JSON.stringify(records.map((r) => r.path))}`);
    assert.equal(handshakes[0].key, POOL_KEY, 'the Live handshake upstream carries the pool key');
    assert.ok(!JSON.stringify(handshakes[0]).includes(TOKEN), 'the access token reached the upstream');
});
