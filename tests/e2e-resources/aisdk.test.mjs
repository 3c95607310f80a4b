// SPDX-License-Identifier: GPL-3.0-or-later
// Scenario 2: @ai-sdk/google 4.x uploads through the Files API (`uploadFile({ api: google.files(), … })` of `ai`):
// it starts the resumable upload at {baseURL without /v1beta}/upload/v1beta/files with x-goog-api-key, then sends
// the bytes ("upload, finalize") to the x-goog-upload-url exactly as answered, WITHOUT any credential. So the proxy
// must answer an upload URL pointing at itself, and accept a credential-less chunk for an upload_id it started,
// and only for such an id: a forged upload_id without a credential gets 401.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { generateText, uploadFile } from 'ai';

import {
    FAKE, MODEL, PROXY, TOKEN, assertOwnerOnly, clientLog, credentialOf, describeRecords, describeUploads,
    proxyFetch, ownerOf, recordUses, STEP_MS, sampleText, scrub, setClientLabel, step, upstreamMark, upstreamSince,
    uploadStartRecord,
} from './common.mjs';

const LABEL = '@ai-sdk/google 4.x';
const google = createGoogleGenerativeAI({ baseURL: `${PROXY}/v1beta`, apiKey: TOKEN });

test(`${LABEL}: uploadFile (Files API) → generateText with the file reference ×3`, { timeout: 300_000 }, async (t) => {
    setClientLabel(LABEL);
    const state = {};
    await t.test('uploadFile', { timeout: STEP_MS }, async () => {
        const mark = await upstreamMark();
        const text = sampleText('ai-sdk');
        const up = await step('uploadFile', () => uploadFile({
            api: google.files(),
            data: new TextEncoder().encode(text),
            mediaType: 'text/plain',
            providerOptions: { google: { displayName: 'e2e ai-sdk' } },
        }));
        t.diagnostic(`uploads sent by ${LABEL}:\n  ${describeUploads(LABEL)}`);
        const sent = clientLog.filter((e) => e.client === LABEL && new URL(e.url).pathname.startsWith('/upload/'));
        assert.equal(sent.length, 2, 'a start and one "upload, finalize"');
        assert.equal(new URL(sent[1].url).origin, PROXY,
            `the upload URL answered by the proxy points at ${new URL(sent[1].url).origin === FAKE ? 'the upstream' : 'another host'}, `
            + 'so the bytes bypass the proxy');
        assert.equal(credentialOf(sent[1]), 'none', '@ai-sdk/google sends no credential with the bytes');
        const records = await upstreamSince(mark);
        const start = uploadStartRecord(records);
        assert.ok(start, `no upload start reached the upstream:\n    ${describeRecords(records)}`);
        const meta = up.providerMetadata?.google ?? {};
        assert.match(meta.name ?? '', /^files\/[A-Za-z0-9_-]+$/, `file name ${meta.name}`);
        assert.equal(String(meta.sizeBytes), String(text.length), 'sizeBytes');
        state.reference = up.providerReference;
        state.name = meta.name;
        state.owner = await ownerOf(meta.name, start);
        for (const r of records) {
            assert.ok(r.status >= 200 && r.status < 300, `upload answered ${r.status}:\n    ${describeRecords(records)}`);
            if (r.project) {
                assert.equal(r.project, state.owner, `upload request went to another project:\n    ${describeRecords(records)}`);
            }
        }
        t.diagnostic(`${meta.name} owned by ${state.owner}; reference ${scrub(JSON.stringify(up.providerReference))}`);
    });

    await t.test('generateText with the file reference ×3', { timeout: STEP_MS }, async (st) => {
        if (!state.reference) {
            st.skip('no file (the upload failed)');
            return;
        }
        const mark = await upstreamMark();
        for (let i = 0; i < 3; i++) {
            const res = await step(`generateText #${i + 1}`, () => generateText({
                model: google(MODEL),
                maxRetries: 0,
                messages: [{
                    role: 'user',
                    content: [
                        { type: 'text', text: 'Summarise the file.' },
                        { type: 'file', data: { type: 'reference', reference: state.reference }, mediaType: 'text/plain' },
                    ],
                }],
            }));
            assert.ok(res.text.length > 0, 'a reply text');
        }
        const records = await upstreamSince(mark);
        assert.ok(records.some((r) => recordUses(r, state.name)), `no upstream request carried ${state.name}`);
        assertOwnerOnly(records, state.name, state.owner, 3, 'generateText');
    });
});

// The same protocol by hand: the start with the token, the bytes with no credential, and a forged upload_id.
test('raw fetch: start with the token, bytes to x-goog-upload-url with no credential; forged upload_id → 401',
    { timeout: 150_000 }, async (t) => {
        setClientLabel('raw fetch');
        const text = sampleText('raw fetch', 4096);
        const state = {};
        const needs = (st, what) => {
            if (!state[what]) {
                st.skip(`no ${what} (an earlier step failed)`);
                return true;
            }
            return false;
        };

        await t.test('start through the proxy with the token', { timeout: STEP_MS }, async () => {
            state.mark = await upstreamMark();
            const start = await proxyFetch(`${PROXY}/upload/v1beta/files`, {
                method: 'POST',
                headers: {
                    'x-goog-api-key': TOKEN,
                    'content-type': 'application/json',
                    'x-goog-upload-protocol': 'resumable',
                    'x-goog-upload-command': 'start',
                    'x-goog-upload-header-content-length': String(text.length),
                    'x-goog-upload-header-content-type': 'text/plain',
                },
                body: JSON.stringify({ file: { displayName: 'e2e raw' } }),
            });
            if (start.status !== 200) {
                assert.fail(`upload start answered ${start.status}: ${scrub(await start.text()).slice(0, 500)}`);
            }
            // The start's answer has no body; not waiting for its end keeps this test apart from the keep-alive one.
            await start.body?.cancel();
            const uploadUrl = start.headers.get('x-goog-upload-url');
            assert.ok(uploadUrl, 'no x-goog-upload-url in the answer');
            const u = new URL(uploadUrl);
            assert.equal(u.origin, PROXY, 'the upload URL must point at the proxy');
            assert.ok(!u.searchParams.has('key'), 'the upload URL carries a key');
            assert.ok(!uploadUrl.includes(TOKEN), 'the upload URL carries the token');
            assert.ok(u.searchParams.get('upload_id'), 'the upload URL has an upload_id');
            state.uploadUrl = uploadUrl;
            state.controlUrl = start.headers.get('x-goog-upload-control-url');
        });

        await t.test('x-goog-upload-control-url (if any) points at the proxy too, without a key', async (st) => {
            if (needs(st, 'uploadUrl')) {
                return;
            }
            // Google's front end also answers X-Goog-Upload-Control-URL (the same session URL): it must not lead a
            // client past the proxy either, nor carry a key when Google puts one in the session URL.
            if (!state.controlUrl) {
                t.diagnostic('no x-goog-upload-control-url in the answer');
                return;
            }
            const c = new URL(state.controlUrl);
            assert.equal(c.origin, PROXY, `x-goog-upload-control-url points at ${c.origin === FAKE ? 'the upstream' : c.origin} `
                + `(${c.pathname}?${[...c.searchParams.keys()].join('&')}), while x-goog-upload-url points at the proxy`);
            assert.ok(!c.searchParams.has('key') && !state.controlUrl.includes(TOKEN), 'x-goog-upload-control-url carries a key');
        });

        await t.test('bytes to x-goog-upload-url with no credential', { timeout: STEP_MS }, async (st) => {
            if (needs(st, 'uploadUrl')) {
                return;
            }
            const chunk = await proxyFetch(state.uploadUrl, {
                method: 'POST',
                headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
                body: text,
            });
            const chunkBody = await chunk.text();
            assert.equal(chunk.status, 200, `credential-less bytes to the proxy's upload URL answered ${chunk.status}: `
                + `${scrub(chunkBody).slice(0, 500)}`);
            assert.equal(chunk.headers.get('x-goog-upload-status'), 'final');
            const file = JSON.parse(chunkBody).file;
            assert.match(file?.name ?? '', /^files\//);
            const records = await upstreamSince(state.mark);
            state.owner = await ownerOf(file.name, uploadStartRecord(records));
            for (const r of records) {
                if (r.project) {
                    assert.equal(r.project, state.owner, `upload went to another project:\n    ${describeRecords(records)}`);
                }
            }
            state.file = file;
            t.diagnostic(`${file.name} owned by ${state.owner}; upstream:\n    ${describeRecords(records)}`);
        });

        await t.test('a forged upload_id without credential → 401, nothing upstream', { timeout: STEP_MS }, async (st) => {
            if (needs(st, 'uploadUrl')) {
                return;
            }
            const forgedMark = await upstreamMark();
            const forgedUrl = new URL(state.uploadUrl);
            forgedUrl.searchParams.set('upload_id', `forged${forgedUrl.searchParams.get('upload_id').split('').reverse().join('')}`);
            const forged = await proxyFetch(forgedUrl.href, {
                method: 'POST',
                headers: { 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0' },
                body: text,
            });
            const forgedBody = await forged.text();
            assert.equal(forged.status, 401, `a forged upload_id without credential answered ${forged.status}: `
                + `${scrub(forgedBody).slice(0, 500)}`);
            const leaked = await upstreamSince(forgedMark);
            assert.equal(leaked.length, 0, `the forged upload reached the upstream:\n    ${describeRecords(leaked)}`);
        });

        await t.test('generateContent with the uploaded file → its owner only', { timeout: STEP_MS }, async (st) => {
            if (needs(st, 'file')) {
                return;
            }
            const useMark = await upstreamMark();
            const gen = await proxyFetch(`${PROXY}/v1beta/models/${MODEL}:generateContent`, {
                method: 'POST',
                headers: { 'x-goog-api-key': TOKEN, 'content-type': 'application/json' },
                body: JSON.stringify({ contents: [{ role: 'user', parts: [
                    { fileData: { mimeType: 'text/plain', fileUri: state.file.uri } }, { text: 'Summarise the file.' }] }] }),
            });
            const genBody = await gen.text();
            assert.equal(gen.status, 200, `generateContent with ${state.file.name} answered ${gen.status}: `
                + `${scrub(genBody).slice(0, 500)}`);
            assertOwnerOnly(await upstreamSince(useMark), state.file.name, state.owner, 1, 'generateContent (raw)');
        });
    });
