// SPDX-License-Identifier: GPL-3.0-or-later
// Client side of tests/cluster/cluster-e2e.sh: load, watchers and triggers against three gemini-aggregatord nodes
// in cluster mode in front of one fake-gemini, and the checks that read the fake's request log. No npm packages.
//   node cluster-client.mjs COMMAND 'JSON ARGS'
// The sandbox's facts (node URLs, tokens, keys and their projects) come from the JSON file $CLUSTER_E2E_CONFIG:
//   {fake, nodes: [{url, admin}], token, limitedToken, keys: {LABEL: {key, project}}}
// Every client request carries x-e2e-node (1..3: the node it was sent to), x-e2e-id (unique) and x-e2e-phase;
// the daemon forwards them upstream, so the fake's log (GET /__fake/requests) says which node sent what.
// Times are epoch milliseconds (performance.timeOrigin + performance.now(), sub-millisecond), comparable with
// the fake's receivedAtMs and the daemons' log stamps (the same machine clock).
import fs from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const cfg = JSON.parse(fs.readFileSync(process.env.CLUSTER_E2E_CONFIG, 'utf8'));
const [command, rawArgs] = process.argv.slice(2);
const args = rawArgs ? JSON.parse(rawArgs) : {};

const nowMs = () => performance.timeOrigin + performance.now();
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const fmt = (ms) => (ms === null || ms === undefined || Number.isNaN(ms) ? 'n/a' : ms.toFixed(1));
const pass = (msg) => console.log(`PASS  ${msg}`);
const fail = (msg) => { console.log(`FAIL  ${msg}`); process.exitCode = 1; };
const info = (msg) => console.log(`      ${msg}`);

// One HTTP request; resolves {status, headers, body, sendMs, recvMs} or {status: 0, error}.
function request(url, { method = 'GET', headers = {}, body, agent, timeoutMs = 30000 } = {}) {
    return new Promise((resolve) => {
        const sendMs = nowMs();
        const req = http.request(url, { method, headers, agent, timeout: timeoutMs }, (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'), sendMs, recvMs: nowMs() }));
            res.on('error', (e) => resolve({ status: 0, error: String(e), sendMs, recvMs: nowMs() }));
        });
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', (e) => resolve({ status: 0, error: String(e), sendMs, recvMs: nowMs() }));
        if (body !== undefined) {
            req.end(body);
        } else {
            req.end();
        }
    });
}

const header = (rec, name) => {
    const h = (rec.headers || []).find(([n]) => n.toLowerCase() === name);
    return h ? h[1] : undefined;
};
const modelOf = (rec) => (/\/models\/([^/:]+):/.exec(rec.path || '') || [])[1];
const labelOfKey = Object.fromEntries(Object.entries(cfg.keys).map(([label, k]) => [k.key, label]));

async function fakeLog() {
    const r = await request(`${cfg.fake}/__fake/requests`, { timeoutMs: 60000 });
    if (r.status !== 200) {
        throw new Error(`GET /__fake/requests answered ${r.status} ${r.error || ''}`);
    }
    return JSON.parse(r.body);
}

async function fakeScript(label, script) {
    const k = cfg.keys[label];
    const r = await request(`${cfg.fake}/__fake/keys`, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key: k.key, project: k.project, script }) });
    if (r.status !== 200) {
        throw new Error(`POST /__fake/keys for ${label} answered ${r.status}`);
    }
}

let idSeq = 0;
function generate(node, { model, token = cfg.token, phase, agent, body, extraHeaders = {} }) {
    const id = `${phase}-${process.pid}-${++idSeq}`;
    const payload = body ?? JSON.stringify({ contents: [{ parts: [{ text: `cluster e2e ${id}` }] }] });
    return request(`${cfg.nodes[node - 1].url}/v1beta/models/${model}:generateContent`, {
        method: 'POST', agent, body: payload,
        headers: { 'content-type': 'application/json', 'x-goog-api-key': token, 'x-e2e-node': String(node),
            'x-e2e-id': id, 'x-e2e-phase': phase, ...extraHeaders },
    }).then((r) => ({ id, node, model, phase, status: r.status, sendMs: r.sendMs, recvMs: r.recvMs,
        error: r.error, body: r.status === 200 ? undefined : (r.body || '').slice(0, 300) }));
}

// load {phase, nodes: [1,2,3], clients, periodMs, durationMs | untilMs, models, token: "limited"|"default", out,
//       holdFile?, holdNodes?}: each client sends one request at a time, paced to one per periodMs, to the nodes in
// turn (client c starts at nodes[c % n]) and the models in turn. Records go to `out` as JSON lines.
async function runLoad(args) {
    const token = args.token === 'limited' ? cfg.limitedToken : cfg.token;
    const start = nowMs();
    const until = args.untilMs ?? start + args.durationMs;
    const records = [];
    let inFlightHeld = 0;
    let holdAcked = false;
    const held = new Set(args.holdNodes || []);
    const holding = () => args.holdFile && fs.existsSync(args.holdFile);
    async function client(c) {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
        for (let k = 0; ; ++k) {
            const due = start + k * args.periodMs;
            if (due >= until) {
                break;
            }
            await delay(due - nowMs());
            const node = args.nodes[(c + k) % args.nodes.length];
            if (held.has(node)) {
                while (holding()) {
                    if (!holdAcked && inFlightHeld === 0) {
                        holdAcked = true;
                        console.log(`hold acknowledged: nothing in flight to nodes ${[...held].join(',')}`);
                    }
                    await delay(2);
                }
                holdAcked = false;
                ++inFlightHeld;
            }
            const model = args.models[(c + k) % args.models.length];
            const r = await generate(node, { model, token, phase: args.phase, agent });
            if (held.has(node)) {
                --inFlightHeld;
            }
            r.client = c;
            records.push(r);
        }
        agent.destroy();
    }
    // The hold is acknowledged even while every client waits for its next slot.
    const ack = setInterval(() => {
        if (holding() && !holdAcked && inFlightHeld === 0) {
            holdAcked = true;
            console.log(`hold acknowledged: nothing in flight to nodes ${[...held].join(',')}`);
        }
    }, 2);
    console.log(`load ${args.phase}: started, ${args.clients} clients, one request per ${args.periodMs} ms each`);
    await Promise.all(Array.from({ length: args.clients }, (_, c) => client(c)));
    clearInterval(ack);
    fs.writeFileSync(args.out, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const byStatus = {};
    for (const r of records) {
        byStatus[r.status] = (byStatus[r.status] || 0) + 1;
    }
    console.log(`load ${args.phase}: done, ${records.length} requests in ${((nowMs() - start) / 1000).toFixed(1)} s,`
        + ` statuses ${JSON.stringify(byStatus)}`);
}

async function load() {
    await runLoad(args);
}

// watch {conditions: [{name, node, kind: keyState|clusterState|file, label?, state?, file?}], timeoutMs,
//        intervalMs, out}: polls each condition's node back to back (intervalMs apart) until it holds; prints
// "watching" once every condition has had one answer. Writes per condition: the first poll that saw it hold
// (send and receive time), the last poll before that did not, and whether it held on the first poll already.
async function watch() {
    const deadline = nowMs() + args.timeoutMs;
    const results = {};
    let answered = 0;
    const check = (c, r) => {
        if (r.status !== 200) {
            return false;
        }
        const j = JSON.parse(r.body);
        switch (c.kind) {
        case 'keyState':
            return j.some((k) => k.label === c.label && k.state === c.state);
        case 'clusterState':
            return j.cluster && j.cluster.state === c.state;
        case 'file':
            return j.some((f) => f.name === c.file);
        default:
            throw new Error(`unknown condition kind ${c.kind}`);
        }
    };
    const paths = { keyState: '/admin/api/v1/keys', clusterState: '/admin/api/v1/cluster', file: '/admin/api/v1/files' };
    async function one(c) {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const n = cfg.nodes[c.node - 1];
        const res = { name: c.name, node: c.node, polls: 0, matched: false, firstMatchSendMs: null,
            firstMatchRecvMs: null, lastMissRecvMs: null, heldAtFirstPoll: false };
        results[c.name] = res;
        let first = true;
        while (nowMs() < deadline) {
            const r = await request(`${n.url}${paths[c.kind]}`, { agent, headers: { authorization: `Bearer ${n.admin}` },
                timeoutMs: 5000 });
            ++res.polls;
            const ok = check(c, r);
            if (first) {
                first = false;
                res.heldAtFirstPoll = ok;
                if (++answered === args.conditions.length) {
                    console.log('watching');
                }
            }
            if (ok) {
                res.matched = true;
                res.firstMatchSendMs = r.sendMs;
                res.firstMatchRecvMs = r.recvMs;
                break;
            }
            res.lastMissRecvMs = r.recvMs;
            if (args.intervalMs) {
                await delay(args.intervalMs);
            }
        }
        agent.destroy();
    }
    await Promise.all(args.conditions.map(one));
    fs.writeFileSync(args.out, JSON.stringify(results, null, 1));
    console.log(`watch done: ${Object.values(results).filter((r) => r.matched).length}/${args.conditions.length} held`);
}

// trigger {node, labels, status, model, phase, burst, rounds, scripts?, after?, follow?}: scripts the fake for some
// keys (`scripts`: label -> script), sends `burst` requests at once through the node (the daemon's round robin
// spreads them over the keys) until the fake's log has an answer `status` to one of the keys `labels`, then
// scripts keys again at once (`after`). Prints the JSON {tMs: the fake's receivedAtMs of that request, label, node,
// requests, clientStatuses, scriptedMs: when the first script was in place, doneMs}; then runs the `follow` loads.
async function trigger() {
    const agent = new http.Agent({ keepAlive: true, maxSockets: args.burst || 1 });
    const keys = new Set(args.labels.map((l) => cfg.keys[l].key));
    const seen = new Set((await fakeLog()).map((r) => r.id));
    const scriptedMs = nowMs();
    for (const [label, script] of Object.entries(args.scripts || {})) {
        await fakeScript(label, script);
    }
    const statuses = {};
    let sent = 0;
    let hit;
    for (let round = 0; round < (args.rounds || 20) && !hit; ++round) {
        const answers = await Promise.all(Array.from({ length: args.burst || 1 },
            () => generate(args.node, { model: args.model, phase: args.phase, agent })));
        for (const a of answers) {
            ++sent;
            statuses[a.status] = (statuses[a.status] || 0) + 1;
        }
        const fresh = (await fakeLog()).filter((r) => !seen.has(r.id));
        hit = fresh.find((r) => keys.has(r.key) && r.status === args.status);
        for (const r of fresh) {
            seen.add(r.id);
        }
    }
    for (const [label, script] of Object.entries(args.after || {})) {
        await fakeScript(label, script);
    }
    const doneMs = nowMs();
    agent.destroy();
    if (hit && args.follow) {
        // Loads started at once (a few ms after the hit, the time to read the fake's log): each {load args,
        // untilAfterHitMs?}. The result line goes out first, so that a caller reading the output can go on.
        console.log(JSON.stringify({ tMs: hit.receivedAtMs, label: labelOfKey[hit.key],
            node: Number(header(hit, 'x-e2e-node')), path: hit.path, requests: sent, clientStatuses: statuses,
            scriptedMs, doneMs }));
        await Promise.all(args.follow.map((f) => runLoad({ ...f,
            untilMs: f.untilAfterHitMs ? hit.receivedAtMs + f.untilAfterHitMs : undefined })));
        return;
    }
    if (!hit) {
        console.error(`trigger: no ${args.status} for ${args.labels} after ${sent} requests (client statuses `
            + `${JSON.stringify(statuses)})`);
        process.exit(1);
    }
    console.log(JSON.stringify({ tMs: hit.receivedAtMs, label: labelOfKey[hit.key], node: Number(header(hit, 'x-e2e-node')),
        path: hit.path, requests: sent, clientStatuses: statuses, scriptedMs, doneMs }));
}

// upload {node, phase, uses?, model?, out?}: a resumable upload through the node (start, then "upload, finalize" to
// the URL it hands back). Prints the JSON {name, uri, finalizedMs, startStatus, finalizeStatus}.
async function upload() {
    const n = cfg.nodes[args.node - 1];
    const text = `cluster e2e file ${args.phase} ${Date.now()}`;
    const start = await request(`${n.url}/upload/v1beta/files`, { method: 'POST',
        headers: { 'x-goog-api-key': cfg.token, 'x-goog-upload-protocol': 'resumable', 'x-goog-upload-command': 'start',
            'x-goog-upload-header-content-length': String(Buffer.byteLength(text)),
            'x-goog-upload-header-content-type': 'text/plain', 'content-type': 'application/json',
            'x-e2e-node': String(args.node), 'x-e2e-id': `${args.phase}-start`, 'x-e2e-phase': args.phase },
        body: JSON.stringify({ file: { display_name: `cluster-e2e-${args.phase}` } }) });
    const url = start.headers && start.headers['x-goog-upload-url'];
    if (start.status !== 200 || !url) {
        console.error(`upload: start answered ${start.status} without an upload URL: ${start.body}`);
        process.exit(1);
    }
    const fin = await request(url, { method: 'POST',
        headers: { 'x-goog-api-key': cfg.token, 'x-goog-upload-command': 'upload, finalize', 'x-goog-upload-offset': '0',
            'x-e2e-node': String(args.node), 'x-e2e-id': `${args.phase}-finalize`, 'x-e2e-phase': args.phase },
        body: text });
    let file = {};
    try {
        file = JSON.parse(fin.body).file || {};
    } catch {
        // reported below
    }
    if (fin.status !== 200 || !file.name) {
        console.error(`upload: finalize answered ${fin.status}: ${fin.body}`);
        process.exit(1);
    }
    const result = { name: file.name, uri: file.uri, finalizedMs: fin.recvMs, uploadUrlOrigin: new URL(url).origin,
        startStatus: start.status, finalizeStatus: fin.status };
    // Then, at once (no waiting for the cluster), generateContent calls referencing the file's uri through other
    // nodes, one after another: uses [{node, n}]; the client records go to `out`.
    if (args.uses) {
        const records = [];
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        for (const u of args.uses) {
            for (let i = 0; i < u.n; ++i) {
                const body = JSON.stringify({ contents: [{ parts: [{ text: 'What does this file say?' },
                    { fileData: { fileUri: file.uri, mimeType: 'text/plain' } }] }] });
                records.push(await generate(u.node, { model: args.model, phase: `${args.phase}use`, agent, body }));
            }
        }
        agent.destroy();
        fs.writeFileSync(args.out, JSON.stringify(records));
    }
    console.log(JSON.stringify(result));
}

// ---- checks (print PASS/FAIL lines; exit 1 on a FAIL) ----------------------------------------------------------

// check-file {file, phase, uses: the `out` FILE of upload}: each call exactly one upstream request,
// with a key of the owner's project, answered 200.
async function checkFile() {
    const log = await fakeLog();
    const resources = JSON.parse((await request(`${cfg.fake}/__fake/resources`)).body);
    const res = resources.find((r) => r.name === args.file.name);
    if (!res) {
        fail(`[3] the fake has no resource ${args.file.name}`);
        return;
    }
    const uses = JSON.parse(fs.readFileSync(args.uses, 'utf8'));
    const projects = new Set(Object.values(cfg.keys).map((k) => k.project));
    info(`file ${args.file.name} (uri ${args.file.uri}) belongs to project ${res.project} at the fake; `
        + `${projects.size} projects in the pool`);
    const startRec = log.find((r) => header(r, 'x-e2e-id') === `${args.phase}-start`);
    info(`uploaded through node 1 with key ${labelOfKey[startRec?.key] ?? '?'} (project ${startRec?.project})`);
    const byNode = {};
    for (const u of uses) {
        const ups = log.filter((r) => header(r, 'x-e2e-id') === u.id);
        const desc = ups.map((r) => `${labelOfKey[r.key] ?? r.key?.slice(0, 6)}/${r.project}->${r.status}`).join(' ');
        const ok = u.status === 200 && ups.length === 1 && ups[0].project === res.project && ups[0].status === 200;
        byNode[u.node] = byNode[u.node] || { ok: 0, n: 0 };
        byNode[u.node].n++;
        byNode[u.node].ok += ok ? 1 : 0;
        const msg = `generateContent with the file through node ${u.node} (sent ${fmt(u.sendMs - args.file.finalizedMs)}`
            + ` ms after node 1's finalize answer): client ${u.status}, upstream ${ups.length} request(s): ${desc}`;
        if (ok) {
            pass(`[3] ${msg}`);
        } else {
            fail(`[3] ${msg} (expected exactly one, to project ${res.project}, answered 200)`);
        }
    }
    for (const [node, c] of Object.entries(byNode)) {
        info(`node ${node}: ${c.ok}/${c.n} calls on the owner's project at the first attempt (by chance alone: `
            + `(1/${projects.size})^${c.n} = ${(1 / projects.size ** c.n).toExponential(1)})`);
    }
}

// check-cooldown {t429, label (project's key), model, otherModel, nodes: [2,3], windowMs, phases}: nothing to the
// project for the model from those nodes in [t429, t429 + windowMs].
async function checkCooldown() {
    const log = await fakeLog();
    const project = cfg.keys[args.label].project;
    const from = args.t429;
    const to = args.t429 + args.windowMs;
    const fromNodes = (r) => args.nodes.includes(Number(header(r, 'x-e2e-node')));
    const inWindow = log.filter((r) => r.receivedAtMs >= from && r.receivedAtMs <= to && fromNodes(r) && r.key);
    const modelReqs = inWindow.filter((r) => modelOf(r) === args.model);
    const bad = modelReqs.filter((r) => r.project === project);
    const perProject = {};
    for (const r of modelReqs) {
        perProject[r.project] = (perProject[r.project] || 0) + 1;
    }
    const other = inWindow.filter((r) => modelOf(r) === args.otherModel && r.project === project);
    const lastMs = Math.max(...inWindow.map((r) => r.receivedAtMs));
    info(`upstream requests from nodes ${args.nodes.join(',')} in the ${args.windowMs / 1000} s after the 429: `
        + `${inWindow.length}, ${modelReqs.length} of them for ${args.model}, by project ${JSON.stringify(perProject)};`
        + ` the last at +${fmt(lastMs - from)} ms`);
    info(`${args.otherModel} on project ${project} meanwhile (the cooldown is per model): ${other.length} requests`);
    const after = log.filter((r) => r.receivedAtMs > to && fromNodes(r) && modelOf(r) === args.model
        && r.project === project).sort((a, b) => a.receivedAtMs - b.receivedAtMs);
    if (after.length) {
        info(`project ${project} got ${args.model} from nodes ${args.nodes.join(',')} again at +`
            + `${fmt(after[0].receivedAtMs - from)} ms (the retry delay was 30 s)`);
    }
    if (modelReqs.length < 50) {
        fail(`[1] only ${modelReqs.length} ${args.model} requests went upstream from nodes ${args.nodes.join(',')} in `
            + `the window: too few to show anything`);
    } else if (lastMs - from < args.windowMs - 1000) {
        fail(`[1] the load through nodes ${args.nodes.join(',')} stopped at +${fmt(lastMs - from)} ms, before the end of`
            + ` the ${args.windowMs / 1000} s window`);
    } else if (bad.length === 0) {
        pass(`[1] nodes ${args.nodes.join(' and ')} sent project ${project} nothing for ${args.model} for `
            + `${args.windowMs / 1000} s after node 1's 429 (${modelReqs.length} ${args.model} requests went to other `
            + 'projects)');
    } else {
        fail(`[1] nodes ${args.nodes.join(',')} sent ${bad.length} ${args.model} request(s) to project ${project} within `
            + `${args.windowMs / 1000} s of node 1's 429: at +`
            + bad.map((r) => `${fmt(r.receivedAtMs - from)} ms (node ${header(r, 'x-e2e-node')}, ${labelOfKey[r.key]},`
                + ` ${r.status})`).join(', +'));
    }
}

// check-invalid {tInvalid, untilMs?, label, nodes: [1,3]}: no request with the key from those nodes after
// tInvalid (until untilMs, when the key is cleared on purpose).
async function checkInvalid() {
    const log = await fakeLog();
    const key = cfg.keys[args.label].key;
    const until = args.untilMs ?? Infinity;
    const fromNodes = (r) => args.nodes.includes(Number(header(r, 'x-e2e-node')));
    const later = log.filter((r) => r.receivedAtMs > args.tInvalid && r.receivedAtMs < until && fromNodes(r) && r.key);
    const bad = later.filter((r) => r.key === key);
    const keys = new Set(later.map((r) => r.key));
    const firstMs = Math.min(...later.map((r) => r.receivedAtMs));
    const span = until === Infinity ? 'until the end' : `for ${fmt((until - args.tInvalid) / 1000)} s, until it was`
        + ' cleared on purpose';
    info(`upstream requests from nodes ${args.nodes.join(',')} after node 2 met the invalid key (${span}): `
        + `${later.length}, over ${keys.size} keys (unmarked, ${args.label} would have had ~`
        + `${Math.round(later.length / Object.keys(cfg.keys).length)}); the first came ${fmt(firstMs - args.tInvalid)} ms`
        + ' after it');
    if (later.length < 20) {
        fail(`[2] only ${later.length} upstream requests from nodes ${args.nodes.join(',')} afterwards: too few`);
    } else if (bad.length === 0) {
        pass(`[2] nodes ${args.nodes.join(' and ')} sent ${args.label} nothing after node 2 learned it is invalid`
            + ` (${later.length} requests went to other keys)`);
    } else {
        fail(`[2] nodes ${args.nodes.join(',')} sent ${bad.length} request(s) to the invalid key ${args.label} after node`
            + ` 2's 400: at +${bad.map((r) => `${fmt(r.receivedAtMs - args.tInvalid)} ms (node ${header(r, 'x-e2e-node')}`
                + `, ${r.status})`).join(', +')}`);
    }
}

// check-ratelimit {files: [...], limit, minExpected}: successes of the limited token in every 60 s window.
//   strict: the most 200s whose whole exchange (send..receive) lies within one 60 s window: a lower bound of the
//           most the daemons admitted in 60 s (each admission happened between send and receive)
//   sent:   the most 200s sent within one 60 s window (for "close to the limit")
//   slots:  the most 200s sent in 60 whole seconds of the clock (the 1 s slots the limiter counts in)
function checkRateLimit() {
    const recs = args.files.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map(JSON.parse));
    const ok = recs.filter((r) => r.status === 200).sort((a, b) => a.sendMs - b.sendMs);
    const limited = recs.filter((r) => r.status === 429);
    const other = recs.filter((r) => r.status !== 200 && r.status !== 429);
    const t0 = Math.min(...recs.map((r) => r.sendMs));
    const t1 = Math.max(...recs.map((r) => r.recvMs));
    const W = 60000;
    let strict = { n: 0 };
    let sent = { n: 0 };
    for (let i = 0; i < ok.length; ++i) {
        const a = ok[i].sendMs;
        const inside = ok.filter((r) => r.sendMs >= a && r.recvMs < a + W);
        if (inside.length > strict.n) {
            strict = { n: inside.length, from: a, last: Math.max(...inside.map((r) => r.recvMs)) };
        }
        const s = ok.filter((r) => r.sendMs >= a && r.sendMs < a + W).length;
        if (s > sent.n) {
            sent = { n: s, from: a };
        }
    }
    let slots = { n: 0 };
    for (let sec = Math.floor(t0 / 1000); sec * 1000 <= t1; ++sec) {
        const n = ok.filter((r) => r.sendMs >= sec * 1000 && r.sendMs < (sec + 60) * 1000).length;
        if (n > slots.n) {
            slots = { n, sec };
        }
    }
    const perNode = {};
    for (const r of ok) {
        perNode[r.node] = (perNode[r.node] || 0) + 1;
    }
    const clusterMsgs = limited.filter((r) => /across the cluster/.test(r.body || '')).length;
    info(`limited token: ${recs.length} requests over ${fmt((t1 - t0) / 1000)} s (${fmt(recs.length / ((t1 - t0) / 60000))}`
        + `/min offered), ${ok.length} x 200 (by node ${JSON.stringify(perNode)}), ${limited.length} x 429 (${clusterMsgs}`
        + ` saying "across the cluster"), ${other.length} other`);
    info(`most 200s in one 60 s window: ${strict.n} with send and answer inside it (window from +`
        + `${fmt((strict.from - t0) / 1000)} s), ${sent.n} by send time (from +${fmt((sent.from - t0) / 1000)} s), `
        + `${slots.n} in 60 whole seconds of the clock`);
    // Successes per 10 s, to show the shape.
    const buckets = [];
    for (const r of ok) {
        const b = Math.floor((r.sendMs - t0) / 10000);
        buckets[b] = (buckets[b] || 0) + 1;
    }
    info(`200s per 10 s from the first request: ${Array.from(buckets, (v) => v || 0).join(' ')}`);
    if (strict.n <= args.limit) {
        pass(`[4] at most ${strict.n} successes (limit ${args.limit}) in any 60 s window across the 3 nodes`);
    } else {
        const inside = ok.filter((r) => r.sendMs >= strict.from && r.recvMs < strict.from + W);
        const sec = (ms) => ((ms - t0) / 1000).toFixed(3);
        fail(`[4] ${strict.n} successes (limit ${args.limit}) within one 60 s window, `
            + `sent +${sec(strict.from)} s .. answered +${sec(strict.last)} s: first ${inside.slice(0, 3).map((r) =>
                `+${sec(r.sendMs)}`).join(' ')} ..., last ${inside.slice(-3).map((r) => `+${sec(r.sendMs)}`).join(' ')}`);
    }
    if (sent.n >= args.minExpected) {
        pass(`[4] the limit is used: ${sent.n} successes in the best 60 s window (>= ${args.minExpected})`);
    } else {
        fail(`[4] only ${sent.n} successes in the best 60 s window (< ${args.minExpected}): sharing is too conservative`);
    }
    if (other.length) {
        fail(`[4] ${other.length} limited-token requests answered neither 200 nor 429: `
            + other.slice(0, 3).map((r) => `${r.status} ${r.error || r.body || ''}`).join('; '));
    }
}

// check-usage {tag, clientFiles: [...]}: each node's /stats request counts (summed over days and models) per key
// and in total equal what the fake saw per key. Waits for agreement up to waitMs; prints how long that took.
// The Pacific date ("YYYY-MM-DD", the days' keys in /stats), or null when this Node has no time zone data.
function pacificToday() {
    try {
        return new Intl.DateTimeFormat('en-CA',
            { timeZone: 'America/Los_Angeles', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    } catch {
        return null;
    }
}

async function checkUsage() {
    const started = nowMs();
    const fakeCounts = (log) => {
        const per = {};
        for (const r of log) {
            if (r.key && labelOfKey[r.key]) {
                per[labelOfKey[r.key]] = (per[labelOfKey[r.key]] || 0) + 1;
            }
        }
        return per;
    };
    const nodeCounts = async (n) => {
        const node = cfg.nodes[n];
        const [stats, keys] = await Promise.all(['/admin/api/v1/stats', '/admin/api/v1/keys'].map((p) =>
            request(`${node.url}${p}`, { headers: { authorization: `Bearer ${node.admin}` } })));
        const list = JSON.parse(keys.body);
        const labelOf = Object.fromEntries(list.map((k) => [k.id, k.label]));
        const per = {};
        const days = new Set();
        for (const k of JSON.parse(stats.body)) {
            let n2 = 0;
            for (const [day, models] of Object.entries(k.days || {})) {
                days.add(day);
                for (const u of Object.values(models)) {
                    n2 += u.requests || 0;
                }
            }
            per[labelOf[k.id]] = n2;
        }
        // GET /keys: requestsToday (the Pacific day): the same figures while the run stays within one day, and that day
        // is still today when this asks (a run that ends just before Pacific midnight reads a new day's zeros after it).
        const today = Object.fromEntries(list.map((k) => [k.label, k.requestsToday]));
        const current = pacificToday();
        return { per, today, days: current && days.size === 1 && !days.has(current) ? 2 : days.size };
    };
    const sum = (o) => Object.values(o).reduce((a, b) => a + b, 0);
    const same = (a, b) => Object.keys(cfg.keys).every((l) => (a[l] || 0) === (b[l] || 0));
    let log;
    let fake;
    let nodes;
    for (;;) {
        log = await fakeLog();
        fake = fakeCounts(log);
        nodes = await Promise.all(cfg.nodes.map((_, i) => nodeCounts(i)));
        if (nodes.every((n) => same(n.per, fake) && (n.days > 1 || same(n.today, fake)))
            || nowMs() - started > args.waitMs) {
            break;
        }
        await delay(100);
    }
    const took = nowMs() - started;
    const clients = args.clientFiles.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean)
        .map(JSON.parse));
    const ok = clients.filter((r) => r.status === 200).length;
    const noKey = log.filter((r) => !r.key).length;
    info(`the fake saw ${log.length} requests, ${sum(fake)} with a pool key (${noKey} without: upload chunks);`
        + ` ${ok} client requests of the load phases so far got 200`);
    info(`per key at the fake:  ${JSON.stringify(fake)}`);
    nodes.forEach((n, i) => info(`per key from node ${i + 1}: ${JSON.stringify(n.per)} (total ${sum(n.per)})`));
    const diff = (n) => Object.keys(cfg.keys).filter((l) => (n[l] || 0) !== (fake[l] || 0))
        .map((l) => `${l} ${n[l] || 0} vs ${fake[l] || 0}`).join(', ');
    nodes.forEach((n, i) => {
        if (same(n.per, fake)) {
            pass(`[5${args.tag}] node ${i + 1} /stats: ${sum(n.per)} requests over its keys = the ${sum(fake)} upstream `
                + `requests the fake saw, key by key (agreed ${fmt(took)} ms after the load ended)`);
        } else {
            fail(`[5${args.tag}] node ${i + 1} /stats: ${sum(n.per)} requests over its keys, the fake saw ${sum(fake)}`
                + ` (still after ${fmt(took)} ms); differing keys (node vs fake): ${diff(n.per)}`);
        }
        if (n.days > 1) {
            info(`node ${i + 1} /keys requestsToday not compared: the run's requests and this check span two or more`
                + ' Pacific days');
        } else if (same(n.today, fake)) {
            pass(`[5${args.tag}] node ${i + 1} /keys: requestsToday sums to ${sum(n.today)} = the fake's, key by key`);
        } else {
            fail(`[5${args.tag}] node ${i + 1} /keys: requestsToday sums to ${sum(n.today)}, the fake saw ${sum(fake)};`
                + ` differing keys (node vs fake): ${diff(n.today)}`);
        }
    });
}

// check-load {files, phase}: the outage load: every request answered 200.
function checkLoad() {
    const recs = args.files.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map(JSON.parse));
    const bad = recs.filter((r) => r.status !== 200);
    const t0 = Math.min(...recs.map((r) => r.sendMs));
    const t1 = Math.max(...recs.map((r) => r.recvMs));
    const perNode = {};
    for (const r of recs) {
        perNode[r.node] = (perNode[r.node] || 0) + 1;
    }
    const lat = recs.map((r) => r.recvMs - r.sendMs).sort((a, b) => a - b);
    const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
    const down = recs.filter((r) => r.sendMs >= args.killMs && r.sendMs < args.restartMs);
    info(`${recs.length} requests over ${fmt((t1 - t0) / 1000)} s (${fmt(recs.length / ((t1 - t0) / 1000))}/s) by node `
        + `${JSON.stringify(perNode)}; ${down.length} of them sent while Redis was down; latency p50 ${fmt(q(0.5))} ms,`
        + ` p99 ${fmt(q(0.99))} ms, max ${fmt(lat[lat.length - 1])} ms`);
    if (bad.length === 0 && down.length > 0) {
        pass(`[6] 0 failed client requests out of ${recs.length} (${down.length} while Redis was down)`);
    } else {
        fail(`[6] ${bad.length} failed client requests out of ${recs.length} (${down.length} while Redis was down): `
            + bad.slice(0, 5).map((r) => `node ${r.node} at +${fmt((r.sendMs - t0) / 1000)} s: ${r.status} `
                + `${r.error || r.body || ''}`.slice(0, 200)).join(' | '));
    }
}

// crosstalk {label, from, to, nodes}: how many requests the nodes sent the key in [from, to], and their statuses.
async function crosstalk() {
    const log = await fakeLog();
    const key = cfg.keys[args.label].key;
    const hits = log.filter((r) => r.key === key && r.receivedAtMs >= args.from && r.receivedAtMs <= args.to
        && args.nodes.includes(Number(header(r, 'x-e2e-node'))));
    console.log(JSON.stringify({ n: hits.length, statuses: hits.map((r) => r.status) }));
}

const commands = { load, watch, trigger, upload, 'check-file': checkFile, 'check-cooldown': checkCooldown,
    'check-invalid': checkInvalid, 'check-ratelimit': checkRateLimit, 'check-usage': checkUsage,
    'check-load': checkLoad, crosstalk };
if (!commands[command]) {
    console.error(`unknown command ${command}; one of ${Object.keys(commands).join(', ')}`);
    process.exit(2);
}
await commands[command]();
