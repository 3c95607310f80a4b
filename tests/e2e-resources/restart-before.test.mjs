// SPDX-License-Identifier: GPL-3.0-or-later
// Scenario 4, before the restart: upload a file through the proxy with @google/genai 3.3.0 and remember it (and
// its owner) in $E2E_TMP/restart-file.json. run.sh then stops the daemon (SIGTERM, waits for its exit), starts it
// again, and runs restart-after.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { GoogleGenAI } from '@google/genai';

import {
    PROXY, TMP, TOKEN, describeRecords, ownerOf, sampleText, setClientLabel, step, upstreamMark, upstreamSince,
    uploadStartRecord,
} from './common.mjs';

test('restart, before: files.upload through the proxy', { timeout: 60_000 }, async (t) => {
    setClientLabel('restart');
    const ai = new GoogleGenAI({ apiKey: TOKEN, httpOptions: { baseUrl: PROXY } });
    const mark = await upstreamMark();
    const file = await step('files.upload', () => ai.files.upload({
        file: new Blob([sampleText('restart')], { type: 'text/plain' }),
        config: { mimeType: 'text/plain', displayName: 'e2e restart' },
    }));
    const records = await upstreamSince(mark);
    const start = uploadStartRecord(records);
    assert.ok(start, `no upload start reached the upstream:\n    ${describeRecords(records)}`);
    const owner = await ownerOf(file.name, start);
    writeFileSync(join(TMP, 'restart-file.json'), JSON.stringify({ name: file.name, uri: file.uri,
        mimeType: file.mimeType ?? 'text/plain', owner }));
    t.diagnostic(`${file.name} owned by ${owner}`);
});
