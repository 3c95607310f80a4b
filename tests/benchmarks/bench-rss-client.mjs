// SPDX-License-Identifier: GPL-3.0-or-later
// Opens STREAMS concurrent streamGenerateContent?alt=sse requests to URL and holds them open. Prints
// "READY <n> <ms>" once every stream has received its first event (or "FAILED ..." and exits 1), then keeps the
// streams open until SIGTERM/SIGINT, when it closes them all and exits 0. Used by bench-rss.sh.
//   node bench-rss-client.mjs --url URL --key KEY [--streams 1000] [--timeout-ms 60000]
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
    options: {
        url: { type: 'string' },
        key: { type: 'string' },
        streams: { type: 'string', default: '1000' },
        'timeout-ms': { type: 'string', default: '60000' },
        model: { type: 'string', default: 'gemini-2.5-flash' },
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
            if (got) {
                return;
            }
            buf += d;
            if (/\r\n\r\n|\n\n/.test(buf) && buf.includes('data:')) {
                got = true;
                firstEvents += 1;
                report();
            }
        });
        res.on('error', () => {});
        res.on('end', () => {
            if (!got) {
                failed += 1;
                report();
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
