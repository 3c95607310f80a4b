// SPDX-License-Identifier: GPL-3.0-or-later
// Scenario 3: the legacy @google/generative-ai 0.24.1. Its GoogleAIFileManager uploads in ONE multipart request
// (`POST {baseUrl}/upload/v1beta/files`, X-Goog-Upload-Protocol: multipart, x-goog-api-key), not resumable.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { GoogleGenerativeAI } from '@google/generative-ai';
import { GoogleAIFileManager } from '@google/generative-ai/server';

import {
    MODEL, PROXY, TOKEN, assertOwnerOnly, describeRecords, describeUploads, ownerOf, STEP_MS, sampleText, setClientLabel,
    step, upstreamMark, upstreamSince, uploadStartRecord,
} from './common.mjs';

const LABEL = '@google/generative-ai 0.24.1';
const files = new GoogleAIFileManager(TOKEN, { baseUrl: PROXY });
const model = new GoogleGenerativeAI(TOKEN).getGenerativeModel({ model: MODEL }, { baseUrl: PROXY });

test(`${LABEL}: uploadFile → generateContent ×3 → getFile → listFiles → deleteFile`, { timeout: 300_000 }, async (t) => {
    setClientLabel(LABEL);
    const state = {};
    const noFile = (st) => {
        if (!state.file) {
            st.skip('no file (the upload failed)');
            return true;
        }
        return false;
    };

    await t.test('GoogleAIFileManager.uploadFile', { timeout: STEP_MS }, async () => {
        const mark = await upstreamMark();
        const text = sampleText('legacy');
        const res = await step('uploadFile', () => files.uploadFile(Buffer.from(text), {
            mimeType: 'text/plain',
            displayName: 'e2e legacy',
        }));
        t.diagnostic(`uploads sent by ${LABEL}:\n  ${describeUploads(LABEL)}`);
        const file = res.file;
        assert.match(file?.name ?? '', /^files\/[A-Za-z0-9_-]+$/, `file name ${file?.name}`);
        // What the upstream made of the multipart body (Google takes mimeType from the metadata part and stores
        // only the file part); reported, not asserted: that is the fake's business, not the proxy's.
        if (file.mimeType !== 'text/plain' || String(file.sizeBytes) !== String(text.length)) {
            t.diagnostic(`NOTE: the upstream stored mimeType ${file.mimeType}, sizeBytes ${file.sizeBytes} `
                + `(file part: text/plain, ${text.length} bytes): it did not parse the multipart body`);
        }
        const records = await upstreamSince(mark);
        const start = uploadStartRecord(records);
        assert.ok(start, `no upload reached the upstream:\n    ${describeRecords(records)}`);
        state.file = file;
        state.owner = await ownerOf(file.name, start);
        t.diagnostic(`${file.name} owned by ${state.owner}`);
    });

    await t.test('generateContent with fileData ×3', { timeout: STEP_MS }, async (st) => {
        if (noFile(st)) {
            return;
        }
        const mark = await upstreamMark();
        for (let i = 0; i < 3; i++) {
            const res = await step(`generateContent #${i + 1}`, () => model.generateContent([
                { fileData: { mimeType: 'text/plain', fileUri: state.file.uri } },
                { text: 'Summarise the file.' },
            ]));
            assert.ok(res.response.text().length > 0, 'a reply text');
        }
        assertOwnerOnly(await upstreamSince(mark), state.file.name, state.owner, 3, 'generateContent');
    });

    await t.test('getFile', { timeout: STEP_MS }, async (st) => {
        if (noFile(st)) {
            return;
        }
        const mark = await upstreamMark();
        const got = await step('getFile', () => files.getFile(state.file.name));
        assert.equal(got.name, state.file.name);
        assertOwnerOnly(await upstreamSince(mark), state.file.name, state.owner, 1, 'getFile');
    });

    await t.test('listFiles shows it', { timeout: STEP_MS }, async (st) => {
        if (noFile(st)) {
            return;
        }
        const mark = await upstreamMark();
        const names = [];
        await step('listFiles', async () => {
            let pageToken;
            do {
                const page = await files.listFiles({ pageSize: 10, pageToken });
                names.push(...(page.files ?? []).map((f) => f.name));
                pageToken = page.nextPageToken;
            } while (pageToken);
        });
        const records = await upstreamSince(mark);
        assert.ok(names.includes(state.file.name), `listFiles did not show ${state.file.name} (saw ${names.length}: `
            + `${names.slice(0, 20).join(', ')}); upstream:\n    ${describeRecords(records)}`);
        assertOwnerOnly(records, state.file.name, state.owner, undefined, 'listFiles');
    });

    await t.test('deleteFile', { timeout: STEP_MS }, async (st) => {
        if (noFile(st)) {
            return;
        }
        const mark = await upstreamMark();
        await step('deleteFile', () => files.deleteFile(state.file.name));
        assertOwnerOnly(await upstreamSince(mark), state.file.name, state.owner, 1, 'deleteFile');
    });
});
