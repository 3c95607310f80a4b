// SPDX-License-Identifier: GPL-3.0-or-later
// Load for bench-live.sh: SESSIONS Live API sessions (WebSocket) through gemini-aggregatord and SESSIONS directly
// to fake-gemini, all open at the same time. Each session sends its setup, waits for setupComplete, then sends
// FRAMES realtimeInput.audio frames one after the other; each frame's round trip (send → the fake's inlineData echo
// with the same base64 arrives) is timed. The client is raw RFC 6455 (tests/relay/ws.mjs, node:http/net only).
// The daemon's VmRSS (/proc/PID/status) is read before, every 20 ms during, and after (once the daemon's open
// descriptors are back to where they were, with a deadline).
//   node bench-live.mjs --proxy URL --token T --direct URL --key K --daemon-pid PID   (or BENCH_TOKEN, BENCH_KEY)
//                       [--sessions 100] [--frames 20] [--frame-bytes 3200] [--interval-ms 100] [--settle-ms 3000]
// --interval-ms: a session sends a frame every INTERVAL ms (100: real-time 16 kHz audio in 3200-byte frames), or
// right after the previous echo when that came later; the sessions' first frames are spread over one interval
// (as independent clients would be). 0: back to back, each frame right after the previous echo (saturation).
// Prints human-readable lines and, last, one line `RESULT {json}`. Exit 1 when a session failed.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { wsConnect } from '../relay/ws.mjs';

const { values: opt } = parseArgs({
    options: {
        proxy: { type: 'string' },
        token: { type: 'string' },
        direct: { type: 'string' },
        key: { type: 'string' },
        'daemon-pid': { type: 'string' },
        sessions: { type: 'string', default: '100' },
        frames: { type: 'string', default: '20' },
        'frame-bytes': { type: 'string', default: '3200' },
        'settle-ms': { type: 'string', default: '3000' },
        'interval-ms': { type: 'string', default: '100' },
        model: { type: 'string', default: 'models/gemini-live-2.5-flash-preview' },
    },
});
// The token and the key may come in the environment instead (bench-live.sh does that: argv is visible in ps).
opt.token ??= process.env.BENCH_TOKEN;
opt.key ??= process.env.BENCH_KEY;
for (const need of ['proxy', 'token', 'direct', 'key', 'daemon-pid']) {
    if (!opt[need]) {
        console.error(`usage: bench-live.mjs --proxy URL --token T --direct URL --key K --daemon-pid PID (missing --${need})`);
        process.exit(2);
    }
}
const SESSIONS = Number(opt.sessions);
const FRAMES = Number(opt.frames);
const FRAME_BYTES = Number(opt['frame-bytes']);
const PID = Number(opt['daemon-pid']);
const PATH = '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
const INTERVAL_MS = Number(opt['interval-ms']);
const STEP_TIMEOUT_MS = 30_000;

const rssKb = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${PID}/status`, 'utf8'))[1]);
const fdCount = () => readdirSync(`/proc/${PID}/fd`).length;
const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function pct(xs, p) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

// The payload of a server message as a string (the fake sends binary frames, as Google does).
const text = (m) => (m.type === 'binary' ? m.data.toString('utf8') : m.data);

async function nextMessage(conn, what) {
    const m = await conn.next(STEP_TIMEOUT_MS);
    if (m.type === 'close') {
        throw new Error(`closed (${m.code} ${m.reason}) while waiting for ${what}`);
    }
    return m;
}

// One session: handshake, setup, FRAMES audio round trips (one at a time), close. Resolves the round trips (ms).
async function session(label, base, headers, frames, barrier, phaseMs = 0) {
    const res = await wsConnect(base.replace(/^http/, 'ws') + PATH, headers, { timeoutMs: STEP_TIMEOUT_MS });
    if (res.status !== 101) {
        throw new Error(`${label}: handshake answered ${res.status}: ${(res.body ?? '').slice(0, 200)}`);
    }
    const { conn } = res;
    conn.sendText(JSON.stringify({ setup: { model: opt.model, generationConfig: { responseModalities: ['AUDIO'] } } }));
    const first = await nextMessage(conn, 'setupComplete');
    if (!text(first).includes('"setupComplete"')) {
        throw new Error(`${label}: first message is not setupComplete: ${text(first).slice(0, 200)}`);
    }
    await barrier(); // every session is open before the first frame goes
    const start = performance.now() + phaseMs;
    const rtts = [];
    for (let i = 0; i < frames; i++) {
        const data = randomBytes(FRAME_BYTES).toString('base64');
        const due = start + i * INTERVAL_MS - performance.now();
        if (INTERVAL_MS > 0 && due > 0) {
            await sleep(due);
        }
        const t0 = performance.now();
        conn.sendText(JSON.stringify({ realtimeInput: { audio: { mimeType: 'audio/pcm;rate=16000', data } } }));
        for (;;) {
            const m = await nextMessage(conn, `the echo of frame ${i}`);
            const s = text(m);
            if (!s.includes('"inlineData"')) {
                continue; // anything else the fake may send in between
            }
            const echoed = JSON.parse(s).serverContent?.modelTurn?.parts?.find((p) => p.inlineData)?.inlineData?.data;
            if (echoed !== data) {
                throw new Error(`${label}: frame ${i} came back different (${echoed?.length} vs ${data.length} chars)`);
            }
            rtts.push(performance.now() - t0);
            break;
        }
    }
    conn.close(1000, 'done');
    for (;;) {
        const m = await conn.next(STEP_TIMEOUT_MS);
        if (m.type === 'close') {
            if (m.code !== 1000) {
                throw new Error(`${label}: closed with ${m.code} ${m.reason}`);
            }
            break;
        }
    }
    conn.socket.end();
    return rtts;
}

// A barrier for `n` parties; it also opens (and stays open) when a party failed, so nobody waits forever.
function makeBarrier(n) {
    let arrived = 0;
    let open;
    const opened = new Promise((r) => (open = r));
    return {
        arrive: () => {
            arrived += 1;
            if (arrived >= n) open();
            return opened;
        },
        fail: () => open(),
        opened,
    };
}

async function main() {
    // Warm-up: one session through the daemon (its first Live session sets up what every later one reuses).
    await session('warm-up', opt.proxy, { 'x-goog-api-key': opt.token }, 2, async () => {});
    const fdsBefore = fdCount();
    const before = rssKb();
    console.log(`daemon VmRSS before: ${mb(before)} (${fdsBefore} open fds)`);

    let peak = before;
    const sampler = setInterval(() => {
        peak = Math.max(peak, rssKb());
    }, 20);
    const barrier = makeBarrier(2 * SESSIONS);
    let openAt = 0;
    barrier.opened.then(() => {
        openAt = performance.now();
        peak = Math.max(peak, rssKb());
    });
    const t0 = performance.now();
    const run = (via, i) => {
        const headers = via === 'proxy' ? { 'x-goog-api-key': opt.token } : { 'x-goog-api-key': opt.key };
        const base = via === 'proxy' ? opt.proxy : opt.direct;
        const phase = INTERVAL_MS > 0 ? (i * INTERVAL_MS) / SESSIONS : 0; // the same phase for both ways
        return session(`${via} #${i}`, base, headers, FRAMES, () => barrier.arrive(), phase).then(
            (rtts) => ({ via, ok: true, rtts }),
            (e) => {
                barrier.fail();
                return { via, ok: false, error: e.message };
            },
        );
    };
    const all = [];
    for (let i = 0; i < SESSIONS; i++) {
        all.push(run('proxy', i), run('direct', i));
    }
    const results = await Promise.all(all);
    const elapsed = performance.now() - t0;
    clearInterval(sampler);
    const during = peak;

    // After: wait (deadline) until the daemon has let go of the sessions' descriptors, then watch RSS settle.
    const deadline = Date.now() + 30_000;
    while (fdCount() > fdsBefore && Date.now() < deadline) {
        await sleep(20);
    }
    const fdsAfter = fdCount();
    let after = rssKb();
    const settleEnd = Date.now() + Number(opt['settle-ms']);
    while (Date.now() < settleEnd) {
        await sleep(100);
        after = Math.min(after, rssKb());
    }

    const failures = results.filter((r) => !r.ok);
    const count = (via) => results.filter((r) => r.ok && r.via === via).length;
    const rtts = (via) => results.filter((r) => r.ok && r.via === via).flatMap((r) => r.rtts);
    const proxy = rtts('proxy');
    const direct = rtts('direct');
    const stats = (xs) => ({ n: xs.length, p50: pct(xs, 50), p90: pct(xs, 90), p99: pct(xs, 99), max: pct(xs, 100) });
    const result = {
        sessions: SESSIONS,
        frames: FRAMES,
        frameBytes: FRAME_BYTES,
        intervalMs: INTERVAL_MS,
        completeProxy: count('proxy'),
        completeDirect: count('direct'),
        failures: failures.map((f) => `${f.via}: ${f.error}`).slice(0, 10),
        failureCount: failures.length,
        proxyMs: proxy.length ? stats(proxy) : null,
        directMs: direct.length ? stats(direct) : null,
        addedP50Ms: proxy.length && direct.length ? pct(proxy, 50) - pct(direct, 50) : null,
        addedP99Ms: proxy.length && direct.length ? pct(proxy, 99) - pct(direct, 99) : null,
        rssKb: { before, during, after },
        fds: { before: fdsBefore, after: fdsAfter },
        wallMs: Math.round(elapsed),
        allOpenAfterMs: openAt ? Math.round(openAt - t0) : null,
    };
    console.log(`RESULT ${JSON.stringify(result)}`);
    process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
    console.error(`bench-live.mjs: ${e.stack ?? e}`);
    process.exit(1);
});
