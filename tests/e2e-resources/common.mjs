// SPDX-License-Identifier: GPL-3.0-or-later
// Shared helpers of the project-owned-resources e2e tests (files, upload sessions, cached contents through
// gemini-aggregatord). run.sh passes everything in the environment:
//   E2E_PROXY_URL      http://127.0.0.1:PORT of the daemon
//   E2E_FAKE_URL       http://127.0.0.1:PORT of fake-gemini (for /__fake/*)
//   E2E_ACCESS_TOKEN   the daemon's local access token (what the clients send as their API key)
//   E2E_POOL           comma-separated KEY@PROJECT pairs of the pool (made at run time, never stored)
//   E2E_DAEMON_BIN     gemini-aggregatord (for `keys list --json`)
//   E2E_TMP            a private temporary directory
// Nothing here prints a key or the token: messages go through mask()/scrub().
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

function required(name) {
    const value = process.env[name];
    if (!value) {
        throw new Error(`${name} is not set (run this through tests/e2e-resources/run.sh)`);
    }
    return value;
}

export const PROXY = required('E2E_PROXY_URL').replace(/\/$/, '');
export const FAKE = required('E2E_FAKE_URL').replace(/\/$/, '');
export const TOKEN = required('E2E_ACCESS_TOKEN');
export const TMP = required('E2E_TMP');
export const DAEMON_BIN = required('E2E_DAEMON_BIN');
// [{ key, project }] in the order the keys were added to the daemon.
export const POOL = required('E2E_POOL').split(',').filter(Boolean).map((pair) => {
    const at = pair.lastIndexOf('@');
    return { key: pair.slice(0, at), project: pair.slice(at + 1) };
});
export const PROJECTS = POOL.map((p) => p.project);
export const MODEL = 'gemini-2.5-flash';
// Per step (one client call or a few): a proxy that never finishes an answer fails that step, not the whole run.
export const STEP_MS = 30_000;

// Never print a key or the token in a failure message.
export function mask(s) {
    if (typeof s !== 'string' || s.length < 10) {
        return JSON.stringify(s);
    }
    return `${s.slice(0, 4)}…${s.slice(-4)} (${s.length} chars)`;
}

// Replaces the token and every pool key in a text by placeholders.
export function scrub(text) {
    let out = String(text);
    if (TOKEN) {
        out = out.split(TOKEN).join('<token>');
    }
    for (const { key, project } of POOL) {
        out = out.split(key).join(`<key of ${project}>`);
    }
    return out;
}

// ---- the fake's control API ------------------------------------------------------------------------------------

export async function fake(path, init) {
    const res = await fetchRaw(`${FAKE}/__fake/${path}`, init);
    const text = await res.text();
    assert.equal(res.status, 200, `fake control ${path} answered ${res.status}: ${scrub(text).slice(0, 300)}`);
    return JSON.parse(text);
}

export const upstreamRequests = () => fake('requests');

export async function upstreamMark() {
    const records = await upstreamRequests();
    return records.reduce((m, r) => Math.max(m, Number(r.id) || 0), 0);
}

export async function upstreamSince(mark) {
    return (await upstreamRequests()).filter((r) => (Number(r.id) || 0) > mark);
}

// GET /__fake/resources, or null when this fake does not have it yet.
export async function fakeResources() {
    const res = await fetchRaw(`${FAKE}/__fake/resources`);
    if (res.status !== 200) {
        return null;
    }
    try {
        return JSON.parse(await res.text());
    } catch {
        return null;
    }
}

// Finds the object describing resource `name` ("files/abc", "cachedContents/xyz") anywhere in the answer of
// /__fake/resources (the shape is the fake's business: an array, or objects of arrays, or a map by name).
export function findResource(doc, name) {
    const id = name.slice(name.indexOf('/') + 1);
    const seen = new Set();
    const walk = (node, keyName) => {
        if (node === null || typeof node !== 'object' || seen.has(node)) {
            return null;
        }
        seen.add(node);
        if (!Array.isArray(node)) {
            for (const field of ['name', 'id', 'resource']) {
                const v = node[field];
                if (typeof v === 'string' && (v === name || v === id || v.endsWith(`/${name}`))) {
                    return node;
                }
            }
            if (keyName !== undefined && (keyName === name || keyName === id) && typeof node.project === 'string') {
                return node;
            }
        }
        for (const [k, v] of Object.entries(node)) {
            const hit = walk(v, Array.isArray(node) ? undefined : k);
            if (hit) {
                return hit;
            }
        }
        return null;
    };
    return walk(doc, undefined);
}

export async function setFakeKey(key, project, script) {
    await fake('keys', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key, project, script }),
    });
}

// ---- reading the upstream log ----------------------------------------------------------------------------------

export function recordBody(r) {
    if (typeof r.body === 'string') {
        return r.body;
    }
    if (typeof r.bodyBase64 === 'string') {
        return Buffer.from(r.bodyBase64, 'base64').toString('latin1');
    }
    return '';
}

export function header(r, name) {
    const h = (r.headers ?? []).find(([n]) => n.toLowerCase() === name);
    return h ? h[1] : undefined;
}

// Does upstream record `r` use resource `name` (in its path, query or body)?
export function recordUses(r, name) {
    const id = name.slice(name.indexOf('/') + 1);
    const kind = name.slice(0, name.indexOf('/'));
    const needle = new RegExp(`${kind}/${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_-])`);
    return needle.test(r.path ?? '') || needle.test(r.query ?? '') || needle.test(recordBody(r));
}

export function describeRecord(r) {
    const q = r.query ? `?${r.query}` : '';
    return `#${r.id} ${r.method} ${r.path}${q} → ${r.status} (project ${r.project || '-'}, key ${r.keySource ?? '?'})`;
}

export function describeRecords(records) {
    return scrub(records.map(describeRecord).join('\n    ')) || '(none)';
}

// The upstream request that created an upload session or a file: the resumable start (or one-shot upload).
export function uploadStartRecord(records) {
    const starts = records.filter((r) => r.method === 'POST' && /^\/upload\/[^/]+\/files$/.test(r.path)
        && !new URLSearchParams(r.query ?? '').has('upload_id'));
    return starts.at(-1) ?? null;
}

// Checks that every upstream request using `name` went to a key of `owner` on the first attempt: exactly
// `expectedUses` such requests (one per client call: no retry on another key), none answered 403, none from
// another project, and no 403 at all in the window.
export function assertOwnerOnly(records, name, owner, expectedUses, what) {
    const uses = records.filter((r) => recordUses(r, name));
    const listing = `upstream requests in this step:\n    ${describeRecords(records)}`;
    for (const r of uses) {
        assert.equal(r.project, owner, `${what}: ${scrub(describeRecord(r))} used ${name} from project `
            + `${r.project || '(none)'}, but ${owner} owns it\n  ${listing}`);
        assert.ok(POOL.some((p) => p.key === r.key), `${what}: ${scrub(describeRecord(r))} did not carry a pool key`);
    }
    const forbidden = records.filter((r) => r.status === 403);
    assert.equal(forbidden.length, 0, `${what}: the upstream answered 403\n  ${listing}`);
    if (expectedUses !== undefined) {
        assert.equal(uses.length, expectedUses, `${what}: expected ${expectedUses} upstream request(s) using ${name} `
            + `(one per client call, first attempt), saw ${uses.length}\n  ${listing}`);
    }
    for (const r of records) {
        assert.ok(!JSON.stringify(r).includes(TOKEN), `${what}: the access token reached the upstream (${describeRecord(r)})`);
    }
}

// The owner project of a resource: from /__fake/resources when the fake has it, else from the upstream request
// that created it. Both must agree when both are there.
export async function ownerOf(name, creatingRecord) {
    const fromLog = creatingRecord?.project || null;
    const doc = await fakeResources();
    const entry = doc ? findResource(doc, name) : null;
    const fromFake = entry && typeof entry.project === 'string' ? entry.project : null;
    if (fromFake && fromLog) {
        assert.equal(fromFake, fromLog, `/__fake/resources says ${name} belongs to ${fromFake}, `
            + `but the upstream request that created it was made by a key of ${fromLog}`);
    }
    const owner = fromFake ?? fromLog;
    assert.ok(owner, `cannot tell which project owns ${name} (no /__fake/resources entry, no creating request)`);
    assert.ok(PROJECTS.includes(owner), `owner ${owner} of ${name} is not one of the pool projects`);
    return owner;
}

// ---- what the clients send: a recorder around globalThis.fetch --------------------------------------------------

const realFetch = globalThis.fetch.bind(globalThis);
export const fetchRaw = realFetch;
export const clientLog = [];
let clientLabel = '';

export function setClientLabel(label) {
    clientLabel = label;
}

function headersOf(init, input) {
    const out = {};
    const add = (h) => {
        if (!h) {
            return;
        }
        if (typeof h.forEach === 'function' && !Array.isArray(h)) {
            h.forEach((v, k) => { out[k.toLowerCase()] = v; });
        } else if (Array.isArray(h)) {
            for (const [k, v] of h) {
                out[k.toLowerCase()] = v;
            }
        } else {
            for (const [k, v] of Object.entries(h)) {
                out[k.toLowerCase()] = String(v);
            }
        }
    };
    if (input && typeof input === 'object' && 'headers' in input) {
        add(input.headers);
    }
    add(init?.headers);
    return out;
}

globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith(FAKE + '/__fake/')) {
        const headers = headersOf(init, input);
        const method = (init?.method ?? (typeof input === 'object' && input.method) ?? 'GET').toUpperCase();
        const entry = { client: clientLabel, method, url, headers, status: null, responseHeaders: {} };
        clientLog.push(entry);
        const res = await realFetch(input, init);
        entry.status = res.status;
        res.headers.forEach((v, k) => { entry.responseHeaders[k] = v; });
        return res;
    }
    return realFetch(input, init);
};

// fetch() to the proxy that gives up after STEP_MS with an error naming the request (a proxy that never ends an
// answer fails the step instead of hanging the run).
export async function proxyFetch(url, init = {}) {
    try {
        return await realFetch(url, { ...init, signal: AbortSignal.timeout(STEP_MS) });
    } catch (e) {
        const u = new URL(url);
        throw new Error(`${init.method ?? 'GET'} ${u.pathname}: ${e.name === 'TimeoutError' ? `no answer within ${STEP_MS} ms` : e.message}`);
    }
}

export function credentialOf(entry) {
    const u = new URL(entry.url);
    if (entry.headers['x-goog-api-key']) {
        return `x-goog-api-key: ${entry.headers['x-goog-api-key'] === TOKEN ? '<token>' : '<other>'}`;
    }
    if (entry.headers.authorization) {
        return 'Authorization';
    }
    if (u.searchParams.has('key')) {
        return '?key=';
    }
    return 'none';
}

// One line per upload-related request a client sent (for the report: paths, headers, credential, host).
export function describeUploads(label) {
    const lines = [];
    for (const e of clientLog.filter((x) => x.client === label && new URL(x.url).pathname.startsWith('/upload/'))) {
        const u = new URL(e.url);
        const goog = Object.entries(e.headers).filter(([k]) => k.startsWith('x-goog-upload') || k === 'content-type')
            .map(([k, v]) => `${k}: ${v}`).join('; ');
        const host = u.origin === PROXY ? 'proxy' : u.origin === FAKE ? 'FAKE (bypassed the proxy)' : u.origin;
        const params = [...u.searchParams.keys()].join(',');
        lines.push(`${e.method} ${u.pathname}${params ? ` [query: ${params}]` : ''} → ${e.status} host=${host} `
            + `credential=${credentialOf(e)} {${goog}}`);
    }
    return scrub(lines.join('\n  '));
}

// ---- the daemon's view of the keys ------------------------------------------------------------------------------

const execFileP = promisify(execFile);

// `gemini-aggregatord keys list --json`, both from the state file (as a user would run it) and, live, from the
// running daemon through its admin API (`--remote`): the state file is written up to a second after a change.
export async function keyStates() {
    const env = { ...process.env };
    const local = JSON.parse((await execFileP(DAEMON_BIN, ['keys', 'list', '--json'], { env })).stdout);
    let live = null;
    try {
        const admin = (await execFileP(DAEMON_BIN, ['token', 'show', '--admin'], { env })).stdout.trim();
        const out = await execFileP(DAEMON_BIN, ['--remote', PROXY, 'keys', 'list', '--json'],
            { env: { ...env, GEMINI_AGGREGATOR_ADMIN_TOKEN: admin } });
        const parsed = JSON.parse(out.stdout);
        live = Array.isArray(parsed) ? parsed : parsed.keys ?? parsed.items ?? null;
    } catch (e) {
        live = { error: scrub(e.message).slice(0, 300) };
    }
    return { local, live };
}

export async function assertNoInvalidKey(what) {
    const { local, live } = await keyStates();
    const bad = (list) => (Array.isArray(list) ? list.filter((k) => k.state === 'invalid') : []);
    const show = (list) => (Array.isArray(list) ? list.map((k) => `${k.id}/${k.group ?? '-'}=${k.state}`
        + `${k.reason ? ` (${k.reason})` : ''}`).join(', ') : JSON.stringify(list));
    assert.deepEqual(bad(local), [], `${what}: keys list --json shows an invalid key: ${scrub(show(local))}`);
    assert.deepEqual(bad(live), [], `${what}: keys list (live, --remote) shows an invalid key: ${scrub(show(live))}`);
    return { local: show(local), live: show(live) };
}

// ---- test data --------------------------------------------------------------------------------------------------

// About 40 KB of text/plain; `tag` makes each file distinct.
export function sampleText(tag, bytes = 40 * 1024) {
    const line = `${tag}: the quick brown fox jumps over the lazy dog, relayed by the aggregator.\n`;
    return line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes);
}

export function errorText(e) {
    const parts = [e?.name, e?.status ?? e?.statusCode, e?.message];
    if (e?.responseBody) {
        parts.push(`body: ${e.responseBody}`);
    }
    if (e?.cause?.message) {
        parts.push(`cause: ${e.cause.message}`);
    }
    return scrub(parts.filter((x) => x !== undefined && x !== null).join(' | '));
}

// Runs one step; a thrown SDK error is rethrown with its status/body and no secrets.
export async function step(what, fn) {
    try {
        return await fn();
    } catch (e) {
        if (e instanceof assert.AssertionError) {
            e.message = scrub(e.message);
            throw e;
        }
        const err = new Error(`${what} failed: ${errorText(e)}`);
        err.stack = `${err.message}\n${scrub(e?.stack ?? '')}`;
        throw err;
    }
}
