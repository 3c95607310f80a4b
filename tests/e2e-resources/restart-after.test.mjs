// SPDX-License-Identifier: GPL-3.0-or-later
// Scenario 4, after the restart: the daemon must still know which project owns the file uploaded before it was
// stopped, so every generateContent with it reaches a key of that project on the first attempt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { GoogleGenAI, createPartFromUri, createUserContent } from '@google/genai';

import {
    MODEL, PROXY, TMP, TOKEN, assertNoInvalidKey, assertOwnerOnly, setClientLabel, step, upstreamMark,
    upstreamSince,
} from './common.mjs';

const STATE = join(TMP, 'restart-file.json');

test('restart, after: generateContent ×3 with the file uploaded before the restart', { timeout: 60_000 },
    async (t) => {
        if (!existsSync(STATE)) {
            assert.fail('the upload before the restart failed (no restart-file.json), nothing to check');
        }
        setClientLabel('restart');
        const file = JSON.parse(readFileSync(STATE, 'utf8'));
        const ai = new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: PROXY } });
        const mark = await upstreamMark();
        // Three calls: after a restart a round-robin pool that forgot the owner would send two of them elsewhere.
        for (let i = 0; i < 3; i++) {
            const res = await step(`generateContent #${i + 1}`, () => ai.models.generateContent({
                model: MODEL,
                contents: [createUserContent([createPartFromUri(file.uri, file.mimeType), 'Summarise the file.'])],
            }));
            assert.ok(typeof res.text === 'string' && res.text.length > 0, 'a reply text');
        }
        assertOwnerOnly(await upstreamSince(mark), file.name, file.owner, 3, 'generateContent after restart');
        const states = await assertNoInvalidKey('after the restart');
        t.diagnostic(`keys list: ${states.local}`);
    });
