// SPDX-License-Identifier: GPL-3.0-or-later
// Scenario 6: the owner of a file is rate limited. The proxy must not try the file on another project's key
// (Google would answer 403 "no permission to access the File", which says nothing about that key); the client gets
// the owner's 429 with a Retry-After from the owner's retryDelay and a message naming the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { GoogleGenAI } from '@google/genai';

import {
    MODEL, POOL, PROXY, TOKEN, assertNoInvalidKey, assertOwnerOnly, describeRecords, proxyFetch, ownerOf,
    sampleText, scrub, setClientLabel, setFakeKey, step, upstreamMark, upstreamSince, uploadStartRecord,
} from './common.mjs';

test('owner cooling: generateContent with a file whose owner key is rate limited → 429 + Retry-After, no other project',
    { timeout: 120_000 }, async (t) => {
        setClientLabel('cooling');
        const ai = new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: PROXY } });
        let mark = await upstreamMark();
        const file = await step('files.upload', () => ai.files.upload({
            file: new Blob([sampleText('cooling')], { type: 'text/plain' }),
            config: { mimeType: 'text/plain', displayName: 'e2e cooling' },
        }));
        const records = await upstreamSince(mark);
        const start = uploadStartRecord(records);
        assert.ok(start, `no upload start reached the upstream:\n    ${describeRecords(records)}`);
        const owner = await ownerOf(file.name, start);
        const ownerKey = POOL.find((p) => p.project === owner);
        t.diagnostic(`${file.name} owned by ${owner}`);

        await setFakeKey(ownerKey.key, owner, { behaviour: 'rateLimited', retryDelay: '30s' });
        try {
            mark = await upstreamMark();
            const res = await proxyFetch(`${PROXY}/v1beta/models/${MODEL}:generateContent`, {
                method: 'POST',
                headers: { 'x-goog-api-key': TOKEN, 'content-type': 'application/json' },
                body: JSON.stringify({ contents: [{ role: 'user', parts: [
                    { fileData: { mimeType: 'text/plain', fileUri: file.uri } }, { text: 'Summarise the file.' }] }] }),
            });
            const body = await res.text();
            const upstream = await upstreamSince(mark);
            const detail = `answer ${res.status}, Retry-After ${res.headers.get('retry-after')}: `
                + `${scrub(body).replace(/\s+/g, ' ').slice(0, 800)}\n  upstream:\n    ${describeRecords(upstream)}`;
            t.diagnostic(detail);
            assert.equal(res.status, 429, detail);
            const retryAfter = Number(res.headers.get('retry-after'));
            assert.ok(Number.isFinite(retryAfter) && retryAfter >= 28 && retryAfter <= 30,
                `Retry-After ${res.headers.get('retry-after')} is not between 28 and 30\n  ${detail}`);
            let message = '';
            try {
                message = JSON.parse(body)?.error?.message ?? '';
            } catch {
                message = body;
            }
            assert.ok(message.includes(file.name), `the error message does not name ${file.name}: ${scrub(message)}`);
            assertOwnerOnly(upstream, file.name, owner, 1, 'generateContent while the owner cools');
        } finally {
            await setFakeKey(ownerKey.key, owner, { behaviour: 'normal' });
        }
        const states = await assertNoInvalidKey('after owner cooling');
        t.diagnostic(`keys list: ${states.local}; live: ${states.live}`);
    });
