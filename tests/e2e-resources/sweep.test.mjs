// SPDX-License-Identifier: GPL-3.0-or-later
// Last: everything the upstream saw during the whole run. The access token never reached it (not even through the
// SDKs that send it to the upload URL), no pool key was put in a query, and no request was answered 403 — every
// use of a file or cache went to its owner, so Google never had a reason to deny one.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { POOL, TOKEN, describeRecords, upstreamRequests } from './common.mjs';

test('upstream sweep: no token, no key in a query, no 403 over the whole run', { timeout: 30_000 }, async (t) => {
    const records = await upstreamRequests();
    t.diagnostic(`${records.length} upstream requests`);
    const withToken = records.filter((r) => JSON.stringify(r).includes(TOKEN));
    assert.deepEqual(withToken.map((r) => r.id), [], `the access token reached the upstream:\n    ${describeRecords(withToken)}`);
    const keyInQuery = records.filter((r) => {
        const q = new URLSearchParams(r.query ?? '');
        return q.has('key') || [...q.values()].some((v) => POOL.some((p) => p.key === v));
    });
    assert.deepEqual(keyInQuery.map((r) => r.id), [], `a key in the query:\n    ${describeRecords(keyInQuery)}`);
    const forbidden = records.filter((r) => r.status === 403);
    assert.deepEqual(forbidden.map((r) => r.id), [], `403 answers:\n    ${describeRecords(forbidden)}`);
});
