// SPDX-License-Identifier: GPL-3.0-or-later
// Opens STREAMS concurrent streamGenerateContent?alt=sse requests to URL and holds them open. Prints
// "READY <n> <ms>" once every stream has received its first event (or "FAILED ..." and exits 1), then keeps the
// streams open until SIGTERM/SIGINT, when it closes them all and exits 0. With --expect-events K it instead waits
// for every stream to end and checks it: K events, each a whole JSON object, and the body's proper end (not a cut
// connection); then it prints "COMPLETE <ok> of <n>" and exits 0 only if all were. Used by bench-rss.sh.
//   node bench-rss-client.mjs --url URL --key KEY [--streams 1000] [--timeout-ms 60000] [--expect-events K]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
    options: {
        url: { type: 'string' },
        key: { type: 'string' },
        streams: { type: 'string', default: '1000' },
        'timeout-ms': { type: 'string', default: '60000' },
        model: { type: 'string', default: 'gemini-2.5-flash' },
        'expect-events': { type: 'string', default: '0' },
    },
});
if (!opt.url || !opt.key) {
    console.error('usage: bench-rss-client.mjs --url URL --key KEY [--streams N]');
    process.exit(2);
}
const N = Number(opt.streams);
const url = new URL(`/v1beta/models/${opt.model}:streamGenerateContent?alt=sse`, opt.url);
const body = JSON.stringify({ contents: [{ parts: [{ text: 'hold this stream open' }] }] });
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const requests = [];
const t0 = Date.now();
let firstEvents = 0;
let failed = 0;
const expectEvents = Number(opt['expect-events']);
let ended = 0;
let complete = 0;

function streamEnded(ok, i, why) {
    ended += 1;
    if (ok) {
        complete += 1;
    } else if (complete + 10 > ended) {
        console.error(`stream ${i}: ${why}`);
    }
    if (expectEvents > 0 && ended === N) {
        console.log(`COMPLETE ${complete} of ${N}`);
        process.exit(complete === N ? 0 : 1);
    }
}
let reported = false;

function report() {
    if (reported) {
        return;
    }
    if (firstEvents === N) {
        reported = true;
        console.log(`READY ${N} ${Date.now() - t0}`);
    } else if (firstEvents + failed === N) {
        reported = true;
        console.log(`FAILED ${failed} of ${N} streams; ${firstEvents} got their first event`);
        process.exit(1);
    }
}

for (let i = 0; i < N; ++i) {
    const req = http.request(url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'x-goog-api-key': opt.key, 'content-length': Buffer.byteLength(body) },
    }, (res) => {
        let got = false;
        let buf = '';
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
            console.error(`stream ${i}: HTTP ${res.statusCode}`);
            failed += 1;
            res.resume();
            report();
            return;
        }
        res.on('data', (d) => {
            if (got && expectEvents === 0) {
                return;
            }
            buf += d;
            if (!got && /\r\n\r\n|\n\n/.test(buf) && buf.includes('data:')) {
                got = true;
                firstEvents += 1;
                report();
            }
        });
        res.on('error', () => {});
        res.on('aborted', () => streamEnded(false, i, 'cut before its end'));
        res.on('end', () => {
            if (!got) {
                failed += 1;
                report();
            }
            if (expectEvents > 0 && res.complete) {
                const events = buf.split(/\r?\n\r?\n/).filter((e) => e.startsWith('data:'));
                let whole = true;
                for (const e of events) {
                    try {
                        JSON.parse(e.slice(5));
                    } catch {
                        whole = false;
                    }
                }
                streamEnded(events.length === expectEvents && whole, i, `${events.length} events (whole: ${whole})`);
            }
        });
    });
    req.on('error', (e) => {
        if (!reported) {
            console.error(`stream ${i}: ${e.message}`);
            failed += 1;
            report();
        }
    });
    req.end(body);
    requests.push(req);
}

const timer = setTimeout(() => {
    if (expectEvents > 0 && reported) {
        console.log(`COMPLETE ${complete} of ${N} (timeout: ${N - ended} still open)`);
        process.exit(1);
    }
    if (!reported) {
        console.log(`FAILED timeout: ${firstEvents} of ${N} streams got their first event in ${opt['timeout-ms']} ms`);
        process.exit(1);
    }
}, Number(opt['timeout-ms']));

function closeAll() {
    clearTimeout(timer);
    for (const r of requests) {
        r.destroy();
    }
    process.exit(0);
}
process.on('SIGTERM', closeAll);
process.on('SIGINT', closeAll);
