// SPDX-License-Identifier: GPL-3.0-or-later
// Scenario 1: @google/genai (current, and 1.30.0 as gemini-cli pins it) with files and cached contents through
// gemini-aggregatord. Every use of a file or cache must reach a key of the project that owns it on the first
// attempt: no 403 from the upstream, no request for it from another project's key, no key marked invalid.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
    MODEL, PROXY, TOKEN, assertNoInvalidKey, assertOwnerOnly, describeRecords, describeUploads, ownerOf,
    STEP_MS, sampleText, setClientLabel, step, upstreamMark, upstreamSince, uploadStartRecord, recordUses,
} from './common.mjs';
import * as genaiNew from '@google/genai';
import * as genai130 from 'genai130';

const GENERATIONS = 3; // > 1 so that a round-robin pool would move on to another project's key

const sdks = [
    { label: '@google/genai 3.3.0', mod: genaiNew },
    { label: '@google/genai 1.30.0', mod: genai130 },
];

for (const { label, mod } of sdks) {
    const ai = new mod.GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: PROXY } });

    test(`${label}: files upload → generateContent ×${GENERATIONS} → stream → get → list → delete`,
        { timeout: 300_000 }, async (t) => {
            setClientLabel(label);
            const state = {};
            const skipIfNoFile = (st) => {
                if (!state.file) {
                    st.skip('no file (the upload failed)');
                    return true;
                }
                return false;
            };

            await t.test('files.upload', { timeout: STEP_MS }, async () => {
                const mark = await upstreamMark();
                const text = sampleText(`genai ${label}`);
                const file = await step('files.upload', () => ai.files.upload({
                    file: new Blob([text], { type: 'text/plain' }),
                    config: { mimeType: 'text/plain', displayName: `e2e ${label}` },
                }));
                t.diagnostic(`uploads sent by ${label}:\n  ${describeUploads(label)}`);
                assert.match(file.name ?? '', /^files\/[A-Za-z0-9_-]+$/, `file name ${file.name}`);
                assert.equal(String(file.sizeBytes), String(Buffer.byteLength(text)), 'sizeBytes');
                const records = await upstreamSince(mark);
                const start = uploadStartRecord(records);
                assert.ok(start, `no upload start reached the upstream:\n    ${describeRecords(records)}`);
                state.file = file;
                state.owner = await ownerOf(file.name, start);
                // The chunks must not go to another project (the session belongs to the starting key's project).
                for (const r of records) {
                    if (r.project) {
                        assert.equal(r.project, state.owner, `upload request ${describeRecords([r])} went to another project`);
                    }
                    assert.ok(r.status >= 200 && r.status < 300, `upload request answered ${r.status}:\n    ${describeRecords(records)}`);
                }
                t.diagnostic(`${file.name} owned by ${state.owner}; uri ${file.uri}`);
            });

            await t.test(`generateContent with the file ×${GENERATIONS}`, { timeout: STEP_MS }, async (st) => {
                if (skipIfNoFile(st)) {
                    return;
                }
                const mark = await upstreamMark();
                for (let i = 0; i < GENERATIONS; i++) {
                    const res = await step(`generateContent #${i + 1}`, () => ai.models.generateContent({
                        model: MODEL,
                        contents: [mod.createUserContent([
                            mod.createPartFromUri(state.file.uri, state.file.mimeType ?? 'text/plain'),
                            'Summarise the file.',
                        ])],
                    }));
                    assert.ok(typeof res.text === 'string' && res.text.length > 0, 'a reply text');
                }
                assertOwnerOnly(await upstreamSince(mark), state.file.name, state.owner, GENERATIONS, 'generateContent');
            });

            await t.test('generateContentStream with the file', { timeout: STEP_MS }, async (st) => {
                if (skipIfNoFile(st)) {
                    return;
                }
                const mark = await upstreamMark();
                let text = '';
                await step('generateContentStream', async () => {
                    const stream = await ai.models.generateContentStream({
                        model: MODEL,
                        contents: [mod.createUserContent([
                            mod.createPartFromUri(state.file.uri, state.file.mimeType ?? 'text/plain'),
                            'Summarise the file.',
                        ])],
                    });
                    for await (const chunk of stream) {
                        text += chunk.text ?? '';
                    }
                });
                assert.ok(text.length > 0, 'streamed text');
                assertOwnerOnly(await upstreamSince(mark), state.file.name, state.owner, 1, 'generateContentStream');
            });

            await t.test('files.get', { timeout: STEP_MS }, async (st) => {
                if (skipIfNoFile(st)) {
                    return;
                }
                const mark = await upstreamMark();
                const got = await step('files.get', () => ai.files.get({ name: state.file.name }));
                assert.equal(got.name, state.file.name);
                assertOwnerOnly(await upstreamSince(mark), state.file.name, state.owner, 1, 'files.get');
            });

            await t.test('files.list shows it', { timeout: STEP_MS }, async (st) => {
                if (skipIfNoFile(st)) {
                    return;
                }
                const mark = await upstreamMark();
                const names = [];
                await step('files.list', async () => {
                    const pager = await ai.files.list({ config: { pageSize: 10 } });
                    for await (const f of pager) {
                        names.push(f.name);
                    }
                });
                const records = await upstreamSince(mark);
                assert.ok(names.includes(state.file.name), `files.list did not show ${state.file.name} (saw `
                    + `${names.length}: ${names.slice(0, 20).join(', ')}); upstream:\n    ${describeRecords(records)}`);
                assertOwnerOnly(records, state.file.name, state.owner, undefined, 'files.list');
            });

            await t.test('files.delete', { timeout: STEP_MS }, async (st) => {
                if (skipIfNoFile(st)) {
                    return;
                }
                const mark = await upstreamMark();
                await step('files.delete', () => ai.files.delete({ name: state.file.name }));
                assertOwnerOnly(await upstreamSince(mark), state.file.name, state.owner, 1, 'files.delete');
            });
        });

    test(`${label}: caches.create → generateContent with cachedContent ×2 → caches.delete`, { timeout: 300_000 },
        async (t) => {
            setClientLabel(label);
            const state = {};
            await t.test('caches.create', { timeout: STEP_MS }, async () => {
                const mark = await upstreamMark();
                const cache = await step('caches.create', () => ai.caches.create({
                    model: MODEL,
                    config: {
                        contents: [mod.createUserContent(sampleText(`cache ${label}`, 8 * 1024))],
                        ttl: '300s',
                        displayName: `e2e cache ${label}`,
                    },
                }));
                assert.match(cache.name ?? '', /^cachedContents\/[A-Za-z0-9_-]+$/, `cache name ${cache.name}`);
                const records = await upstreamSince(mark);
                const create = records.filter((r) => r.method === 'POST' && /\/cachedContents$/.test(r.path));
                assert.equal(create.length, 1, `expected one cachedContents create upstream:\n    ${describeRecords(records)}`);
                state.cache = cache;
                state.owner = await ownerOf(cache.name, create[0]);
                t.diagnostic(`${cache.name} owned by ${state.owner}`);
            });

            await t.test('generateContent with config.cachedContent ×2', { timeout: STEP_MS }, async (st) => {
                if (!state.cache) {
                    st.skip('no cache (create failed)');
                    return;
                }
                const mark = await upstreamMark();
                for (let i = 0; i < 2; i++) {
                    const res = await step(`generateContent(cachedContent) #${i + 1}`, () => ai.models.generateContent({
                        model: MODEL,
                        contents: 'What does the cached text say?',
                        config: { cachedContent: state.cache.name },
                    }));
                    assert.ok(typeof res.text === 'string' && res.text.length > 0, 'a reply text');
                }
                assertOwnerOnly(await upstreamSince(mark), state.cache.name, state.owner, 2, 'generateContent(cachedContent)');
            });

            await t.test('caches.delete', { timeout: STEP_MS }, async (st) => {
                if (!state.cache) {
                    st.skip('no cache (create failed)');
                    return;
                }
                const mark = await upstreamMark();
                await step('caches.delete', () => ai.caches.delete({ name: state.cache.name }));
                const records = await upstreamSince(mark);
                assertOwnerOnly(records, state.cache.name, state.owner, 1, 'caches.delete');
                assert.ok(records.filter((r) => recordUses(r, state.cache.name)).every((r) => r.method === 'DELETE'));
            });
        });
}

test('no key is marked invalid after the @google/genai flows', { timeout: 30_000 }, async (t) => {
    const states = await assertNoInvalidKey('after @google/genai');
    t.diagnostic(`keys list: ${states.local}; live: ${states.live}`);
});
