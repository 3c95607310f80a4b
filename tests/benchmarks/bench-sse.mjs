// SPDX-License-Identifier: GPL-3.0-or-later
// Per-event latency that gemini-aggregatord adds to an SSE stream (streamGenerateContent?alt=sse).
// Started by bench-sse.sh. The fake upstream streams CHUNKS events INTERVAL ms apart. Between it and its readers
// this script runs a byte-for-byte TCP relay ("tap") that timestamps the moment each complete event leaves for the
// reader; every event carries the stream's responseId, so the reader's arrival time of the same event can be
// joined to it on the same monotonic clock:
//     transit(event) = arrival at the client - moment the tap wrote it
//   direct:    client -> tap -> fake             (one loopback hop)
//   via proxy: client -> proxy -> tap -> fake    (the proxy's hop)
// For each of PAIRS pairs a direct and a proxied stream run at the same time, and
//     added(event i) = transit via proxy(i) - transit direct(i)
// is one sample. (Comparing two streams' arrival times from request start instead mixes in the fake's own timer
// drift, which differs per stream by several ms over 50 events.) Also printed: time to the first event from the
// request's start, via proxy minus direct, which includes the request's trip through the proxy.
// Target: p99 of the added per-event latency < 5 ms.
//   node bench-sse.mjs --fake URL --tap-port PORT --proxy URL --direct-key KEY --proxy-key TOKEN
//                      [--pairs 20] [--chunks 50]
// The proxy's upstream.baseUrl must be http://127.0.0.1:TAP_PORT.
import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
    options: {
        fake: { type: 'string' },
        'tap-port': { type: 'string' },
        proxy: { type: 'string' },
        'direct-key': { type: 'string' },
        'proxy-key': { type: 'string' },
        pairs: { type: 'string', default: '20' },
        concurrency: { type: 'string', default: '1' },
        nginx: { type: 'string' },
        chunks: { type: 'string', default: '50' },
        model: { type: 'string', default: 'gemini-2.5-flash' },
    },
});
for (const k of ['fake', 'tap-port', 'proxy', 'direct-key', 'proxy-key']) {
    if (!opt[k]) {
        console.error(`missing --${k}`);
        process.exit(2);
    }
}
const PAIRS = Number(opt.pairs);
const CONCURRENCY = Number(opt.concurrency);
const NGINX = opt.nginx; // nginx in front of the same tap, when given
const CHUNKS = Number(opt.chunks);
const PATH = `/v1beta/models/${opt.model}:streamGenerateContent?alt=sse`;
const BODY = JSON.stringify({ contents: [{ parts: [{ text: 'stream me something' }] }] });
const STREAM_TIMEOUT_MS = 30_000;
const RESPONSE_ID = /"responseId":\s*"([^"]+)"/;
const fakeUrl = new URL(opt.fake);
const now = () => process.hrtime.bigint();

// --- the tap ----------------------------------------------------------------------------------------------------

const tapTimes = new Map(); // responseId -> [ns when the tap wrote event i]
const tapSockets = new Set();
const tap = net.createServer((down) => {
    down.setNoDelay(true);
    const up = net.connect(Number(fakeUrl.port), fakeUrl.hostname);
    up.setNoDelay(true);
    tapSockets.add(down).add(up);
    down.pipe(up);
    let text = '';
    up.on('data', (buf) => {
        const t = now();
        down.write(buf);
        text += buf.toString('latin1');
        for (;;) {
            const start = text.indexOf('data: ');
            if (start < 0) {
                text = text.slice(-5);
                break;
            }
            const end = text.indexOf('\r\n\r\n', start);
            if (end < 0) {
                text = text.slice(start);
                break;
            }
            const m = RESPONSE_ID.exec(text.slice(start, end));
            text = text.slice(end + 4);
            if (m) {
                if (!tapTimes.has(m[1])) {
                    tapTimes.set(m[1], []);
                }
                tapTimes.get(m[1]).push(t);
            }
        }
    });
    up.on('end', () => down.end());
    const drop = () => { up.destroy(); down.destroy(); };
    up.on('error', drop);
    down.on('error', drop);
    down.on('close', () => up.destroy());
});
await new Promise((resolve, reject) => {
    tap.once('error', reject);
    tap.listen({ port: Number(opt['tap-port']), host: '127.0.0.1', backlog: 4096 }, resolve); // 1,000 connect at once
});
const TAP_URL = `http://127.0.0.1:${opt['tap-port']}`;

// --- the readers ------------------------------------------------------------------------------------------------

const agents = {
    direct: new http.Agent({ keepAlive: true }),
    proxy: new http.Agent({ keepAlive: true }),
    nginx: new http.Agent({ keepAlive: true }),
};

// Resolves with { start, events: [{ id, t }] }: the arrival time (ns) of every complete SSE event.
function stream(which, base, key) {
    return new Promise((resolve, reject) => {
        const start = now();
        const events = [];
        const req = http.request(new URL(PATH, base), {
            method: 'POST',
            agent: agents[which],
            headers: { 'content-type': 'application/json', 'x-goog-api-key': key, 'content-length': Buffer.byteLength(BODY) },
        }, (res) => {
            if (res.statusCode !== 200) {
                res.resume();
                reject(new Error(`${which}: HTTP ${res.statusCode}`));
                return;
            }
            let buf = '';
            res.setEncoding('utf8');
            res.on('data', (d) => {
                const t = now();
                buf += d;
                for (;;) {
                    const m = /\r\n\r\n|\n\n|\r\r/.exec(buf);
                    if (!m) {
                        break;
                    }
                    const event = buf.slice(0, m.index);
                    buf = buf.slice(m.index + m[0].length);
                    const id = RESPONSE_ID.exec(event);
                    if (event.startsWith('data:') && id) {
                        events.push({ id: id[1], t });
                    }
                }
            });
            res.on('end', () => resolve({ start, events }));
            res.on('error', reject);
        });
        req.setTimeout(STREAM_TIMEOUT_MS, () => req.destroy(new Error(`${which}: no data for ${STREAM_TIMEOUT_MS} ms`)));
        req.on('error', reject);
        req.end(BODY);
    });
}

// Transit time (ms) of each event, tap write -> client arrival; null when an event is missing on either side.
function transits(s) {
    if (s.events.length !== CHUNKS) {
        return null;
    }
    const written = tapTimes.get(s.events[0].id);
    if (!written || written.length !== CHUNKS || s.events.some((e) => e.id !== s.events[0].id)) {
        return null;
    }
    return s.events.map((e, i) => Number(e.t - written[i]) / 1e6);
}

function percentile(sorted, p) {
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[i];
}

function summary(label, samples) {
    const s = [...samples].sort((a, b) => a - b);
    const f = (x) => x.toFixed(3).padStart(7);
    console.log(`${label.padEnd(40)} n=${String(s.length).padStart(5)}  p50 ${f(percentile(s, 50))} ms`
        + `  p90 ${f(percentile(s, 90))} ms  p99 ${f(percentile(s, 99))} ms  max ${f(s[s.length - 1])} ms`);
    return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

// One group of streams, started together: direct, via the proxy and (when given) via nginx.
function group() {
    return Promise.all([
        stream('direct', TAP_URL, opt['direct-key']),
        stream('proxy', opt.proxy, opt['proxy-key']),
        NGINX ? stream('nginx', NGINX, opt['direct-key']) : Promise.resolve(null),
    ]);
}

// One unmeasured group first: connections and the proxy's upstream pool get warm for every side alike.
await group();

const direct = [];
const viaProxy = [];
const viaNginx = [];
const added = [];
const addedNginx = [];
const firstEvent = [];
let bad = 0;
for (let p = 0; p < PAIRS; ++p) {
    const groups = await Promise.all(Array.from({ length: CONCURRENCY }, group));
    for (const [d, x, n] of groups) {
        const td = transits(d);
        const tx = transits(x);
        const tn = n ? transits(n) : [];
        if (!td || !tx || !tn) {
            console.error(`round ${p}: ${d.events.length} events direct, ${x.events.length} via the proxy`
                + `${n ? `, ${n.events.length} via nginx` : ''} (expected ${CHUNKS}), or an event did not pass the tap`);
            bad += 1;
            continue;
        }
        for (let i = 0; i < CHUNKS; ++i) {
            direct.push(td[i]);
            viaProxy.push(tx[i]);
            added.push(tx[i] - td[i]);
            if (n) {
                viaNginx.push(tn[i]);
                addedNginx.push(tn[i] - td[i]);
            }
        }
        firstEvent.push(Number((x.events[0].t - x.start) - (d.events[0].t - d.start)) / 1e6);
    }
}
for (const a of Object.values(agents)) {
    a.destroy();
}
tap.close();
for (const s of tapSockets) {
    s.destroy(); // the proxy keeps its upstream connections open
}

console.log(`== bench-sse: ${PAIRS} rounds of ${CONCURRENCY} group(s) (direct + via proxy${NGINX ? ' + via nginx' : ''}`
    + ` at the same time: ${CONCURRENCY * (NGINX ? 3 : 2)} streams open) x ${CHUNKS} events`);
if (direct.length === 0) {
    console.error('no complete pair measured');
    process.exit(1);
}
summary('transit direct (tap -> client)', direct);
const tp = summary('transit via proxy (tap -> proxy -> client)', viaProxy);
const tn = NGINX ? summary('transit via nginx (tap -> nginx -> client)', viaNginx) : null;
const a = summary('added per event (via proxy - direct)', added);
if (NGINX) {
    summary('added per event (via nginx - direct)', addedNginx);
}
summary('time to first event, added (incl. request)', firstEvent);
console.log(`target p99 added per event < 5 ms: ${a.p99 < 5 ? 'met' : 'MISSED'} (p99 ${a.p99.toFixed(3)} ms)`);
if (tn) {
    const ok50 = tp.p50 <= tn.p50 + 0.2;
    const ok99 = tp.p99 <= tn.p99;
    console.log(`target p50 transit <= nginx's + 0.2 ms (issue 18): ${ok50 ? 'met' : 'MISSED'}`
        + ` (${tp.p50.toFixed(3)} vs ${tn.p50.toFixed(3)} ms)`);
    console.log(`target p99 transit <= nginx's (issue 18): ${ok99 ? 'met' : 'MISSED'}`
        + ` (${tp.p99.toFixed(3)} vs ${tn.p99.toFixed(3)} ms)`);
}
if (bad > 0) {
    console.error(`${bad} pair(s) incomplete`);
}
process.exit(bad > 0 ? 1 : 0);
