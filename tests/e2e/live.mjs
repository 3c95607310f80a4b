// SPDX-License-Identifier: GPL-3.0-or-later
// Live API (WebSocket) checks with @google/genai's `ai.live.connect`, shared by clients.mjs (local mode) and
// tests/relay/proxy.test.mjs (through the relays). The fake upstream's Live server (tests/fakegemini/README.md)
// answers a setup with a binary `{"setupComplete":{}}`, a text turn with two serverContent messages and a
// turnComplete carrying usageMetadata, echoes realtimeInput.audio back as inlineData with the same base64, and,
// when the setup declares functions, asks for a tool call and answers the toolResponse.
//
//   openLive(sdk, opts)        connects; resolves once setupComplete came (the SDK waits for it)
//   liveTextTurn(live)         one text turn: text, 2 serverContent, turnComplete, usageMetadata
//   liveAudioEcho(live)        audio frames of several sizes, each echoed byte for byte
//   liveToolCall(live)         toolCall → sendToolResponse → the model's answer uses it
//   closeLive(live)            closes from the client side and waits for the close event
//   closeOpenLive()            closes whatever a failed check left open (call it in a finally block)
//   loadGenai130()             @google/genai 1.30.0 (npm alias genai130) if tests/e2e-resources installed it
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as genai from '@google/genai';

const HERE = dirname(fileURLToPath(import.meta.url));

export const LIVE_MODEL = 'gemini-live-2.5-flash-preview';
export const LIVE_PATH_RE = /\/ws\/google\.ai\.generativelanguage\.(v1beta|v1alpha|v1)\.GenerativeService\.BidiGenerateContent$/;
export const genai310 = genai;
export const sha256 = (s) => createHash('sha256').update(s).digest('hex');

function sdkVersion(dir) {
    try {
        return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    } catch {
        return undefined;
    }
}

// @google/genai 1.30.0 from tests/e2e-resources (package.json there pins it as `genai130`), or null.
export async function loadGenai130() {
    const dir = join(HERE, '..', 'e2e-resources', 'node_modules', 'genai130');
    const entry = join(dir, 'dist', 'node', 'index.mjs');
    if (!existsSync(entry)) {
        return null;
    }
    const mod = await import(pathToFileURL(entry).href);
    return { mod, version: sdkVersion(dir) ?? '1.30.0' };
}

// Every server message in arrival order; `until(pred)` waits for the first one at index >= from that matches.
class Inbox {
    constructor() {
        this.messages = [];
        this.waiters = new Set();
        this.closeEvent = null;
        this.errors = [];
    }
    push(msg) {
        this.messages.push(msg);
        this.wake();
    }
    close(e) {
        this.closeEvent = { code: e?.code, reason: e?.reason?.toString?.() ?? '' };
        this.wake();
    }
    wake() {
        for (const w of [...this.waiters]) w();
    }
    until(pred, { from = 0, timeoutMs = 10_000, what = 'a message' } = {}) {
        return new Promise((resolve, reject) => {
            let timer;
            const check = () => {
                for (let i = from; i < this.messages.length; i++) {
                    if (pred(this.messages[i])) {
                        done();
                        resolve(i);
                        return;
                    }
                }
                if (this.closeEvent) {
                    done();
                    reject(new Error(`the Live session closed (${JSON.stringify(this.closeEvent)}) before ${what}; ` +
                        `got ${this.describe(from)}`));
                }
            };
            const done = () => {
                clearTimeout(timer);
                this.waiters.delete(check);
            };
            timer = setTimeout(() => {
                done();
                reject(new Error(`no ${what} within ${timeoutMs} ms; got ${this.describe(from)}`));
            }, timeoutMs);
            this.waiters.add(check);
            check();
        });
    }
    closed(timeoutMs = 10_000) {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.waiters.delete(check);
                reject(new Error(`the Live session did not close within ${timeoutMs} ms`));
            }, timeoutMs);
            const check = () => {
                if (this.closeEvent) {
                    clearTimeout(timer);
                    this.waiters.delete(check);
                    resolve(this.closeEvent);
                }
            };
            this.waiters.add(check);
            check();
        });
    }
    describe(from = 0) {
        const kinds = this.messages.slice(from).map((m) => Object.keys(plain(m)).join('+') || '{}');
        return `[${kinds.join(', ')}]`;
    }
}

// A LiveServerMessage as plain JSON (the SDK hands out class instances with getters).
function plain(msg) {
    return JSON.parse(JSON.stringify(msg ?? {}));
}

// Connects with `sdk` (a module namespace of @google/genai) to `baseUrl` with `apiKey`. `headers` go into the
// WebSocket handshake (x-test-id for the relay tests). Resolves { session, inbox, sdk } after setupComplete.
export async function openLive(sdk, { baseUrl, apiKey, apiVersion, headers, config = {}, model = LIVE_MODEL }) {
    const httpOptions = { baseUrl };
    if (apiVersion) {
        httpOptions.apiVersion = apiVersion;
    }
    if (headers) {
        httpOptions.headers = headers;
    }
    const ai = new sdk.GoogleGenAI({ apiKey, httpOptions });
    const inbox = new Inbox();
    const entry = { inbox };
    opened.add(entry);
    const session = await ai.live.connect({
        model,
        config: { responseModalities: [sdk.Modality.TEXT], ...config },
        callbacks: {
            onmessage: (m) => inbox.push(m),
            onerror: (e) => inbox.errors.push(e?.message ?? String(e)),
            onclose: (e) => inbox.close(e),
        },
    });
    entry.session = session;
    assert.ok(session, 'ai.live.connect resolved without a session');
    return { session, inbox, sdk };
}

// Sessions opened here and not seen closed: a failed check must not leave a WebSocket open (it would keep the
// test process alive). Call closeOpenLive() in a finally block.
const opened = new Set();
export function closeOpenLive() {
    for (const entry of opened) {
        if (entry.session && !entry.inbox.closeEvent) {
            try {
                entry.session.close();
            } catch {
                // not connected
            }
        }
    }
    opened.clear();
}

const turnComplete = (m) => plain(m).serverContent?.turnComplete === true;

// One text turn: two serverContent messages with text, then turnComplete; usageMetadata on the way.
export async function liveTextTurn({ session, inbox }, prompt = 'Hello through the aggregator') {
    const from = inbox.messages.length;
    session.sendClientContent({ turns: [{ role: 'user', parts: [{ text: prompt }] }], turnComplete: true });
    const end = await inbox.until(turnComplete, { from, what: 'serverContent.turnComplete after a text turn' });
    const turn = inbox.messages.slice(from, end + 1).map(plain);
    const withText = turn.filter((m) => m.serverContent?.modelTurn?.parts?.some((p) => typeof p.text === 'string'));
    assert.equal(withText.length, 2, `serverContent messages with text in the turn: ${inbox.describe(from)}`);
    const text = withText.flatMap((m) => m.serverContent.modelTurn.parts.map((p) => p.text ?? '')).join('');
    assert.ok(text.length > 0, 'the turn has text');
    const usage = turn.map((m) => m.usageMetadata).find(Boolean);
    assert.ok(usage, `no usageMetadata in the turn: ${inbox.describe(from)}`);
    assert.ok(usage.totalTokenCount > 0, `usageMetadata.totalTokenCount = ${usage.totalTokenCount}`);
    return { text, usage, messages: turn };
}

// Audio frames of several sizes (one with a 64-bit WebSocket length): each comes back as inlineData with exactly
// the base64 that was sent, in order. Returns the frames sent (base64).
export async function liveAudioEcho({ session, inbox }, sizes = [320, 3_200, 32_000, 100_000]) {
    const sent = [];
    for (const size of sizes) {
        const pcm = randomBytes(size);
        const data = pcm.toString('base64');
        const from = inbox.messages.length;
        session.sendRealtimeInput({ audio: { data, mimeType: 'audio/pcm;rate=16000' } });
        const at = await inbox.until((m) => plain(m).serverContent?.modelTurn?.parts?.some((p) => p.inlineData),
            { from, what: `the echo of a ${size}-byte audio frame` });
        const parts = plain(inbox.messages[at]).serverContent.modelTurn.parts.filter((p) => p.inlineData);
        assert.equal(parts.length, 1, 'one inlineData part per echo');
        const echoed = parts[0].inlineData.data;
        assert.equal(echoed.length, data.length, `echo of a ${size}-byte frame: base64 length`);
        assert.ok(echoed === data, `echo of a ${size}-byte frame differs from what was sent`);
        assert.ok(Buffer.from(echoed, 'base64').equals(pcm), 'decoded echo equals the PCM bytes');
        sent.push(data);
    }
    return sent;
}

export const TOOL_DECLARATION = {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] },
};
export const toolConfig = () => ({ tools: [{ functionDeclarations: [TOOL_DECLARATION] }] });

// A text turn that makes the model call the declared function; the client answers with sendToolResponse and the
// model's reply (up to turnComplete) carries the answer's marker.
export async function liveToolCall({ session, inbox }) {
    let from = inbox.messages.length;
    session.sendClientContent({ turns: [{ role: 'user', parts: [{ text: 'What is the weather in Paris?' }] }],
        turnComplete: true });
    const at = await inbox.until((m) => plain(m).toolCall, { from, what: 'a toolCall' });
    const calls = plain(inbox.messages[at]).toolCall.functionCalls;
    assert.ok(Array.isArray(calls) && calls.length >= 1, 'toolCall.functionCalls');
    const call = calls[0];
    assert.equal(call.name, TOOL_DECLARATION.name, 'the declared function is called');
    assert.equal(typeof call.id, 'string', 'a function call id (needed for the response on the Gemini API)');
    assert.ok(call.id.length > 0);
    const marker = `forecast-${randomBytes(6).toString('hex')}`;
    from = inbox.messages.length;
    session.sendToolResponse({ functionResponses: [{ id: call.id, name: call.name, response: { output: marker } }] });
    const end = await inbox.until(turnComplete, { from, what: 'turnComplete after the toolResponse' });
    const reply = inbox.messages.slice(from, end + 1).map(plain);
    assert.ok(JSON.stringify(reply).includes(marker),
        `the model's answer after the toolResponse does not use it: ${JSON.stringify(reply).slice(0, 400)}`);
    return { call, marker };
}

export async function closeLive({ session, inbox }) {
    session.close();
    return inbox.closed();
}
