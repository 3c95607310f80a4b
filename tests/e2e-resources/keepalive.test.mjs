// SPDX-License-Identifier: GPL-3.0-or-later
// Scenario 5: an upload start and a following request on the SAME keep-alive connection. The start's answer has
// no body (Content-Length: 0); a proxy that frames it wrongly (no length, or a body it never ends) makes the next
// request on the socket wait. Both must be answered, each within 100 ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { PROXY, TOKEN, scrub } from './common.mjs';

const LIMIT_MS = 100;

function send(agent, method, path, headers, body) {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const req = http.request(`${PROXY}${path}`, { agent, method, headers }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({
                status: res.statusCode,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
                ms: Number(process.hrtime.bigint() - started) / 1e6,
                socket: req.socket,
                reused: req.reusedSocket,
            }));
            res.on('error', reject);
        });
        req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path}: no complete answer within 5 s`)));
        req.on('error', reject);
        req.end(body);
    });
}

test('keep-alive: upload start then GET /v1beta/models on the same socket, each within 100 ms', { timeout: 30_000 },
    async (t) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        try {
            const body = JSON.stringify({ file: { displayName: 'e2e keep-alive', mimeType: 'text/plain' } });
            const start = await send(agent, 'POST', '/upload/v1beta/files', {
                'X-Goog-Upload-Protocol': 'resumable',
                'X-Goog-Upload-Command': 'start',
                'X-Goog-Upload-Header-Content-Length': '1024',
                'X-Goog-Upload-Header-Content-Type': 'text/plain',
                'x-goog-api-key': TOKEN,
                'Content-Type': 'application/json',
                'Content-Length': String(Buffer.byteLength(body)),
            }, body);
            const models = await send(agent, 'GET', '/v1beta/models', { 'x-goog-api-key': TOKEN });
            t.diagnostic(`upload start: ${start.status} in ${start.ms.toFixed(1)} ms (content-length `
                + `${start.headers['content-length'] ?? '-'}, transfer-encoding ${start.headers['transfer-encoding'] ?? '-'}, `
                + `connection ${start.headers.connection ?? '-'})`);
            t.diagnostic(`GET /v1beta/models: ${models.status} in ${models.ms.toFixed(1)} ms, reused socket: ${models.reused}`);
            assert.equal(start.status, 200, `upload start answered ${start.status}: ${scrub(start.body).slice(0, 300)}`);
            assert.ok(start.headers['x-goog-upload-url'], 'the start answer has an x-goog-upload-url');
            assert.equal(models.status, 200, `GET /v1beta/models answered ${models.status}: ${scrub(models.body).slice(0, 300)}`);
            assert.ok(Array.isArray(JSON.parse(models.body).models), 'a model list');
            assert.ok(models.reused && models.socket === start.socket, 'the second request did not reuse the connection');
            assert.ok(start.ms < LIMIT_MS, `upload start took ${start.ms.toFixed(1)} ms (limit ${LIMIT_MS})`);
            assert.ok(models.ms < LIMIT_MS, `GET /v1beta/models after it took ${models.ms.toFixed(1)} ms (limit ${LIMIT_MS})`);
        } finally {
            agent.destroy();
        }
    });
