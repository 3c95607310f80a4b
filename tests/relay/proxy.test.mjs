// SPDX-License-Identifier: GPL-3.0-or-later
// The local proxy routing through the relays in their real runtimes:
//   client (fetch) → gemini-aggregatord → relay in Deno / workerd → fake-gemini
// Run by run-proxy-relay-tests.sh. Environment: FAKE_GEMINI_BIN, GEMINI_AGGREGATORD_BIN, RELAY_TMP,
// RELAY_DENO_BIN, RELAY_WORKERD_BIN.
//
// Three fake upstreams tell the routes apart: the daemon's upstream.baseUrl is fake "direct"; Deno relays
// forward to fake "deno", workerd relays to fake "workerd". Every client request carries a unique x-test-id,
// so the fake that recorded it says which way it went (and that it arrived exactly once).
// The daemon runs in a sandbox under RELAY_TMP with the encrypted file secret store; keys and relay secrets
// are made here at run time, go in through standard input, and are never printed.
// The Live API (WebSocket) is driven by @google/genai's ai.live.connect (tests/e2e/live.mjs, with the SDK from
// tests/e2e/node_modules, which the runner installs): its handshake carries x-test-id too, and each fake's
// /__fake/live tells which upstream had the session.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort, startRelay, track } from "./relays.mjs";

// The Live checks and @google/genai come from tests/e2e (run-proxy-relay-tests.sh installs its node_modules).
const live = await import("../e2e/live.mjs");

const FAKE_BIN = process.env.FAKE_GEMINI_BIN;
const DAEMON_BIN = process.env.GEMINI_AGGREGATORD_BIN;
const TMP = process.env.RELAY_TMP;
if (!FAKE_BIN || !DAEMON_BIN || !TMP || !process.env.RELAY_DENO_BIN || !process.env.RELAY_WORKERD_BIN) {
  throw new Error("run through run-proxy-relay-tests.sh (FAKE_GEMINI_BIN, GEMINI_AGGREGATORD_BIN, RELAY_TMP, …)");
}

const FIRST_BYTE_TIMEOUT_MS = 1000; // upstream.firstByteTimeoutMs for this test (the schema's minimum)
const MAX_FALLBACK_ADDED_MS = 200; // killed relay / wrong secret: extra time over a direct request

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
function genKey() {
  const bytes = randomBytes(35);
  return "AI" + "za" + Array.from(bytes, (b) => ALPHABET[b % 64]).join("");
}
const newSecret = () => randomBytes(24).toString("base64url");

// Three keys with distinct last four characters (the CLI shows keys masked as AIza…WXYZ).
const KEYS = [];
while (KEYS.length < 3) {
  const k = genKey();
  if (!KEYS.some((o) => o.slice(-4) === k.slice(-4))) KEYS.push(k);
}
const SECRETS = new Set(); // every relay secret made here (leak checks)
const secret = () => {
  const s = newSecret();
  SECRETS.add(s);
  return s;
};
let TOKEN = ""; // the local access token the clients send

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${Math.round(ms)} ms`;

// ---------------------------------------------------------------------------------------------------------
// Child processes: output to a log file and kept as lines, so readiness and log lines are awaited, not slept on.

class ProcessLog {
  constructor(child, file) {
    this.lines = [];
    this.waiters = new Set();
    this.exit = null;
    this.file = file;
    const out = createWriteStream(file);
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      let buf = "";
      stream.setEncoding("utf8");
      stream.on("data", (d) => {
        out.write(d);
        buf += d;
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          this.lines.push(buf.slice(0, i).replace(/\r$/, ""));
          buf = buf.slice(i + 1);
        }
        this.wake();
      });
    }
    child.on("exit", (code, signal) => {
      this.exit = { code, signal };
      this.wake();
    });
  }
  wake() {
    for (const w of [...this.waiters]) w();
  }
  mark() {
    return this.lines.length;
  }
  text() {
    return this.lines.join("\n");
  }
  tail(n = 30) {
    return this.lines.slice(-n).join("\n");
  }
  // The first line at index >= from that matches re (its match), waiting up to timeoutMs.
  waitFor(re, { from = 0, timeoutMs = 30000 } = {}) {
    return new Promise((resolve, reject) => {
      let timer;
      const check = () => {
        for (let i = from; i < this.lines.length; i++) {
          const m = re.exec(this.lines[i]);
          if (m) {
            done();
            resolve(m);
            return;
          }
        }
        if (this.exit) {
          done();
          reject(new Error(`${this.file}: exited (${JSON.stringify(this.exit)}) before a line matching ${re}:\n${this.tail()}`));
        }
      };
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      timer = setTimeout(() => {
        done();
        reject(new Error(`${this.file}: no line matching ${re} within ${timeoutMs} ms:\n${this.tail()}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// The fakes.

const fakes = {}; // name → { name, url, child, log }

async function startFake(name) {
  const child = track(spawn(FAKE_BIN, ["--host", "127.0.0.1", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] }));
  const log = new ProcessLog(child, join(TMP, `fake-${name}.log`));
  const m = await log.waitFor(/^listening on (http:\/\/127\.0\.0\.1:\d+)/, { timeoutMs: 30000 });
  return { name, url: m[1], child, log };
}

async function fakeCall(fake, method, path, body) {
  const r = await fetch(fake.url + path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.equal(r.status, 200, `fake ${fake.name} ${method} ${path}: ${text}`);
  return JSON.parse(text);
}

async function clearRecords() {
  await Promise.all(Object.values(fakes).map((f) => fakeCall(f, "DELETE", "/__fake/requests")));
}

const headerValue = (rec, name) => rec.headers.find(([n]) => n.toLowerCase() === name)?.[1];

// Checks on every record the fakes hold: one of our keys in x-goog-api-key, never the access token, never
// a relay secret; what came through a relay carries the relay's `accept-encoding: identity`.
function checkRecord(via, rec) {
  const dump = JSON.stringify(rec);
  assert.ok(!TOKEN || !dump.includes(TOKEN), `the local access token reached the upstream (fake ${via}, ${rec.path})`);
  for (const s of SECRETS) assert.ok(!dump.includes(s), `a relay secret reached the upstream (fake ${via}, ${rec.path})`);
  assert.equal(headerValue(rec, "x-relay-secret"), undefined, `x-relay-secret reached fake ${via}`);
  // (The relays' own /health?upstream=1 probes are keyless GET /v1beta/models; they are no client requests.)
  if (rec.path.startsWith("/ws/")) {
    // A Live handshake: a pool key in x-goog-api-key, no credential in the URL.
    assert.equal(rec.keySource, "header", `Live key source at fake ${via}`);
    assert.ok(KEYS.includes(rec.key), `fake ${via} got a Live key that is not one of the pool's`);
    const query = new URLSearchParams(rec.query);
    assert.ok(!query.has("key") && !query.has("access_token"), `a credential in the Live URL at fake ${via}`);
    assert.ok(!KEYS.some((k) => rec.target.includes(k)), `a key in the Live URL at fake ${via}`);
  }
  if (rec.path.startsWith("/v1beta/models/gemini")) {
    assert.equal(rec.keySource, "header", `key source at fake ${via}`);
    assert.ok(KEYS.includes(rec.key), `fake ${via} got a key that is not one of the pool's`);
    if (via !== "direct") {
      assert.equal(headerValue(rec, "accept-encoding"), "identity", `fake ${via}: not forwarded by a relay?`);
    }
  }
}

// Every record of every fake (checked), as [{ via, rec }].
async function allRecords() {
  const out = [];
  for (const f of Object.values(fakes)) {
    for (const rec of await fakeCall(f, "GET", "/__fake/requests")) {
      checkRecord(f.name, rec);
      out.push({ via: f.name, rec });
    }
  }
  return out;
}

// Which fake got the request with `x-test-id: id` (exactly one must have, exactly once).
async function routeOf(id, { timeoutMs = 3000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hits = (await allRecords()).filter(({ rec }) => headerValue(rec, "x-test-id") === id);
    if (hits.length) {
      assert.equal(hits.length, 1, `request ${id} reached the upstream ${hits.length} times (${hits.map((h) => h.via)})`);
      return hits[0];
    }
    if (Date.now() > deadline) return null;
    await sleep(25);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The daemon and its CLI.

const SANDBOX = join(TMP, "sandbox");
const DAEMON_ENV = (() => {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(GEMINI_|GOOGLE_|RELAY_|XDG_)/.test(name)) delete env[name];
  }
  return {
    ...env,
    HOME: join(SANDBOX, "home"),
    XDG_CONFIG_HOME: join(SANDBOX, "home", ".config"),
    XDG_DATA_HOME: join(SANDBOX, "data"),
    GEMINI_AGGREGATOR_CONFIG: join(SANDBOX, "config.json"),
    GEMINI_AGGREGATOR_SECRET_STORE: "file",
    GEMINI_AGGREGATOR_PASSPHRASE: newSecret(),
    LANG: "C.UTF-8",
  };
})();

let daemon; // { child, log, url }
const keyIds = {}; // key → id
const idOfKey = (k) => keyIds[k];

// Runs `gemini-aggregatord ARGS` in the sandbox; `input` goes to standard input (secrets never go in argv).
function cli(args, { input } = {}) {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(DAEMON_BIN, args, { env: DAEMON_ENV, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] }),
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

async function cliOk(args, opts) {
  const r = await cli(args, opts);
  assert.equal(r.code, 0, `gemini-aggregatord ${args.join(" ")} exited ${r.code} (${r.signal ?? ""}): ${r.stderr}`);
  for (const s of [...KEYS, ...SECRETS]) {
    assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `gemini-aggregatord ${args[0]} printed a secret`);
  }
  return r.stdout;
}

// Waits until the running daemon has applied every config change made so far: a unique value for a harmless
// setting, then its `config applied: …` line (the daemon applies the whole file, so earlier edits are in).
let markerSeq = 0;
async function sync() {
  const value = 120000 + ++markerSeq;
  const from = daemon.log.mark();
  await cliOk(["config", "set", "upstream.streamIdleTimeoutMs", String(value)]);
  await daemon.log.waitFor(new RegExp(`config applied:.*upstream\\.streamIdleTimeoutMs: \\d+ → ${value}\\b`), {
    from,
    timeoutMs: 15000,
  });
}

async function instances() {
  return JSON.parse(await cliOk(["instances", "list", "--json"]));
}

// Replaces every relay instance by `list` ([{ name, url, secret }]); returns their ids in order.
async function setInstances(list) {
  for (const i of await instances()) await cliOk(["instances", "remove", i.id]);
  const ids = [];
  for (const { name, url, secret: s } of list) {
    const out = await cliOk(["instances", "add", "--name", name, "--url", url], { input: s + "\n" });
    const m = /^added (\S+)/m.exec(out);
    assert.ok(m, `instances add: ${out}`);
    ids.push(m[1]);
  }
  return ids;
}

async function configure({ mode, relays }) {
  const ids = relays ? await setInstances(relays) : [];
  if (mode) await cliOk(["mode", mode]);
  await sync();
  return ids;
}

// The daemon's saved view (keystate.json) once it has recorded `instanceId` as unhealthy: the relay failure
// and anything it did to a key happen before that save, so the key states read afterwards include them.
async function assertKeysStillActive(instanceId) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const i = (await instances()).find((x) => x.id === instanceId);
    if (i?.health === "unhealthy") break;
    assert.ok(Date.now() < deadline, `instance ${instanceId} not saved as unhealthy (health: ${i?.health})`);
    await sleep(100);
  }
  const keys = JSON.parse(await cliOk(["keys", "list", "--json"]));
  assert.equal(keys.length, KEYS.length);
  for (const k of keys) {
    assert.equal(k.state, "active", `key ${k.id} is ${k.state} (${k.reason ?? ""}) after a relay fault`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Clients.

let reqSeq = 0;
const PROMPT = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hello through the relays" }] }] });

async function generate(tag) {
  const id = `${tag}-${process.pid}-${++reqSeq}`;
  const t0 = performance.now();
  const res = await fetch(`${daemon.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
    method: "POST",
    headers: { "x-goog-api-key": TOKEN, "content-type": "application/json", "x-test-id": id },
    body: PROMPT,
    signal: AbortSignal.timeout(30000),
  });
  const text = await res.text();
  return { id, res, status: res.status, text, ms: performance.now() - t0 };
}

// A successful generateContent; returns it with `via` (which fake) and `key` (which pool key) filled in.
async function generateOk(tag) {
  const r = await generate(tag);
  assert.equal(r.status, 200, `${r.id}: ${r.text}`);
  assert.ok(JSON.parse(r.text).candidates?.[0]?.content?.parts?.[0]?.text, "a candidate with text");
  const hit = await routeOf(r.id);
  assert.ok(hit, `${r.id} got 200 but no fake recorded it`);
  return { ...r, via: hit.via, key: hit.rec.key };
}

function refused(url) {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port: Number(port) });
    s.on("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.on("error", (e) => resolve(e.code === "ECONNREFUSED"));
  });
}

// ---------------------------------------------------------------------------------------------------------
// Live API (WebSocket) through the daemon with @google/genai's ai.live.connect.

let adminToken = "";

// The daemon's last access records (admin API /history), newest last.
async function history(limit = 50) {
  const r = await fetch(`${daemon.url}/admin/api/v1/history?limit=${limit}`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const text = await r.text();
  assert.equal(r.status, 200, `admin /history: ${text}`);
  return JSON.parse(text);
}

// The access record of the Live session whose handshake carried `id`: the daemon does not record x-test-id,
// so it is the newest live record after `sinceId` (one session at a time here).
async function liveRecord(sinceId, { timeoutMs = 5000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rec = (await history()).filter((r) => r.kind === "live" && r.id > sinceId);
    if (rec.length) return rec;
    assert.ok(Date.now() < deadline, "no access record for the Live session");
    await sleep(25);
  }
}
const lastHistoryId = async () => (await history(1)).at(-1)?.id ?? 0;

async function clearLiveSessions() {
  await Promise.all(Object.values(fakes).map((f) => fakeCall(f, "DELETE", "/__fake/live")));
}

// Every fake's Live sessions, waited for until `count` exist and all are over: [{ via, s }].
async function liveSessionsOver(count, { timeoutMs = 5000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = [];
    for (const f of Object.values(fakes)) {
      for (const s of await fakeCall(f, "GET", "/__fake/live")) all.push({ via: f.name, s });
    }
    if (all.length >= count && all.every(({ s }) => !s.open)) return all;
    assert.ok(Date.now() < deadline, `Live sessions at the fakes: ${JSON.stringify(all.map(({ via, s }) => [via, s.open, s.closeCode]))}`);
    await sleep(25);
  }
}

// A text turn, audio frames echoed byte for byte, and (in a second session, with a function declared) a tool call
// round trip, all with ai.live.connect through the daemon. Every session's handshake carries an x-test-id.
// Returns the two sessions' test ids.
async function liveRoundTrip(tag) {
  const ids = [`${tag}-${process.pid}-${++reqSeq}`, `${tag}-${process.pid}-${++reqSeq}`];
  const opts = (id) => ({ baseUrl: daemon.url, apiKey: TOKEN, apiVersion: "v1beta", headers: { "x-test-id": id } });
  try {
    const s1 = await live.openLive(live.genai310, opts(ids[0]));
    await live.liveTextTurn(s1);
    await live.liveAudioEcho(s1);
    await live.closeLive(s1);
    const s2 = await live.openLive(live.genai310, { ...opts(ids[1]), config: live.toolConfig() });
    await live.liveToolCall(s2);
    await live.closeLive(s2);
    assert.deepEqual([...s1.inbox.errors, ...s2.inbox.errors], [], "WebSocket errors");
  } finally {
    live.closeOpenLive(); // a failed check leaves nothing open
  }
  return ids;
}

// Checks that both sessions of `ids` went to fake `via` (and nowhere else), with a pool key in the header.
async function assertLiveWent(ids, via) {
  const sessions = await liveSessionsOver(ids.length);
  assert.deepEqual(sessions.map((x) => x.via), ids.map(() => via), `Live sessions went ${sessions.map((x) => x.via)}`);
  const poolHashes = KEYS.map(live.sha256); // the fake lists Live keys by their SHA-256 only
  for (const { s } of sessions) {
    assert.ok(poolHashes.includes(s.keySha256), "a Live session at the upstream used a key that is not one of the pool's");
    assert.equal(s.keySource, "header", `the Live key came as ${s.keySource}`);
    assert.ok(!/(^|&)(key|access_token)=/.test(s.query), `a credential in the Live URL: ${s.query}`);
    assert.ok(!JSON.stringify(s).includes(TOKEN), "the access token reached the upstream's Live session");
    for (const sec of SECRETS) assert.ok(!JSON.stringify(s).includes(sec), "a relay secret reached the upstream");
    assert.ok(s.setupCompleted && s.closedByClient, "setupComplete sent, the client closed");
    assert.ok([1000, 1005].includes(s.closeCode), `Live session closed with ${s.closeCode}`);
  }
  for (const id of ids) {
    const hit = await routeOf(id); // checks the handshake record (checkRecord: key in the header, none in the URL)
    assert.ok(hit, `the Live handshake ${id} reached no upstream`);
    assert.equal(hit.via, via, `the Live handshake ${id} went ${hit.via}`);
    assert.equal(hit.rec.method, "GET");
    assert.match(hit.rec.path, live.LIVE_PATH_RE);
  }
}

// ---------------------------------------------------------------------------------------------------------

const relays = []; // every relay started here
async function relay(runtime, { secret: s, upstream }) {
  const r = await startRelay({ runtime, secret: s, upstream });
  relays.push(r);
  return r;
}
async function kill(r) {
  if (r.child.exitCode === null && r.child.signalCode === null) {
    r.child.kill("SIGKILL");
  }
  await r.exited;
}

const measured = {}; // printed at the end
const fallbackReport = (fb, directMs) => ({
  fallbackMs: Math.round(fb.ms),
  directMedianMs: Math.round(median(directMs)),
  addedMs: Math.round(fb.ms - median(directMs)),
});

before(async () => {
  mkdirSync(join(SANDBOX, "home"), { recursive: true });
  mkdirSync(join(SANDBOX, "data"), { recursive: true });
  const [direct, deno, workerd] = await Promise.all([startFake("direct"), startFake("deno"), startFake("workerd")]);
  Object.assign(fakes, { direct, deno, workerd });
  for (const f of Object.values(fakes)) {
    for (const k of KEYS) await fakeCall(f, "POST", "/__fake/keys", { key: k, project: "relay-e2e" });
  }

  const port = await freePort();
  await cliOk(["config", "set", "upstream.baseUrl", fakes.direct.url]);
  await cliOk(["config", "set", "listen.host", "127.0.0.1"]);
  await cliOk(["config", "set", "listen.port", String(port)]);
  await cliOk(["config", "set", "upstream.firstByteTimeoutMs", String(FIRST_BYTE_TIMEOUT_MS)]);
  const routing = JSON.parse(await cliOk(["config", "get", "routing"]));
  assert.equal(routing.relayConnectTimeoutMs, 1000, "routing.relayConnectTimeoutMs keeps its default");
  assert.equal(routing.fallbackToLocal, true, "routing.fallbackToLocal defaults to true");
  const added = await cliOk(["keys", "add", "--label", "relay-e2e"], { input: KEYS.join("\n") + "\n" });
  // One line per key: `added ID  AIza…WXYZ  LABEL` (masked: the last four characters tell them apart).
  const rows = added
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0] === "added");
  for (const k of KEYS) {
    const row = rows.find((w) => w[2]?.endsWith("…" + k.slice(-4)));
    assert.ok(row, `keys add output has no line for the key ending ${k.slice(-4)}:\n${added}`);
    keyIds[k] = row[1];
  }

  const child = track(spawn(DAEMON_BIN, ["run"], { env: DAEMON_ENV, stdio: ["ignore", "pipe", "pipe"] }));
  const log = new ProcessLog(child, join(TMP, "daemon.log"));
  const m = await log.waitFor(/ready: listening on (http:\/\/\S+?)\/?(\s|$)/, { timeoutMs: 30000 });
  daemon = { child, log, url: m[1] };
  TOKEN = (await cliOk(["token", "show"])).trim();
  assert.ok(TOKEN.length >= 16, "token show prints the access token");
  adminToken = (await cliOk(["token", "show", "--admin"])).trim();
  assert.ok(adminToken.length >= 16, "token show --admin prints the admin token");
});

after(async () => {
  for (const r of relays) {
    if (r.child.signalCode === null && r.child.exitCode === null) {
      r.child.kill("SIGCONT");
    }
  }
  await Promise.all(relays.map((r) => r.stop()));
  if (daemon) {
    const alive = daemon.child.exitCode === null && daemon.child.signalCode === null;
    if (alive) {
      const exited = new Promise((r) => daemon.child.once("exit", (code, signal) => r({ code, signal })));
      daemon.child.kill("SIGTERM");
      const timer = setTimeout(() => daemon.child.kill("SIGKILL"), 10000);
      const { code, signal } = await exited;
      clearTimeout(timer);
      assert.ok(code === 0, `gemini-aggregatord exited ${code} (${signal}) on SIGTERM`);
    }
  }
  for (const f of Object.values(fakes)) f.child.kill("SIGTERM");
  if (Object.keys(measured).length) {
    console.log(`# measured: ${JSON.stringify(measured)}`);
  }
  // Nothing the daemon or the relays printed may contain a key, a relay secret or the access token.
  const logs = [["daemon.log", daemon?.log.text() ?? ""], ...relays.map((r) => [r.logFile, r.log()])];
  for (const [name, text] of logs) {
    for (const s of [...KEYS, ...SECRETS, TOKEN].filter(Boolean)) {
      assert.ok(!text.includes(s), `${name} contains a key, a relay secret or the access token`);
    }
  }
});

describe("gemini-aggregatord through real relays", () => {
  let denoA; // Deno relay in front of fake "deno"; lives through the whole suite
  let workerdA; // workerd relay in front of fake "workerd"
  let secretA;
  let secretW;

  before(async () => {
    secretA = secret();
    secretW = secret();
    [denoA, workerdA] = await Promise.all([
      relay("deno", { secret: secretA, upstream: fakes.deno.url }),
      relay("workerd", { secret: secretW, upstream: fakes.workerd.url }),
    ]);
  });

  // The daemon must survive every scenario.
  const assertDaemonAlive = () =>
    assert.ok(daemon.child.exitCode === null && daemon.child.signalCode === null, "gemini-aggregatord died");

  test("serverless: requests reach the upstream only through the relays; unbound keys alternate deno/workerd", async () => {
    await configure({
      mode: "serverless",
      relays: [
        { name: "deno-a", url: denoA.url, secret: secretA },
        { name: "workerd-a", url: workerdA.url, secret: secretW },
      ],
    });
    await clearRecords();
    const vias = [];
    const keysByRelay = { deno: new Set(), workerd: new Set() };
    for (let i = 0; i < 8; i++) {
      const r = await generateOk("serverless");
      vias.push(r.via);
      assert.notEqual(r.via, "direct", `${r.id} went direct in serverless mode`);
      keysByRelay[r.via].add(r.key);
    }
    for (let i = 1; i < vias.length; i++) {
      assert.notEqual(vias[i], vias[i - 1], `relays do not alternate: ${vias.join(" ")}`);
    }
    assert.equal((await allRecords()).filter((h) => h.via === "direct").length, 0, "nothing reached the upstream directly");
    // Three keys over two relays round-robin: every key went through both.
    assert.equal(keysByRelay.deno.size + keysByRelay.workerd.size, 6, `keys per relay: ${JSON.stringify(vias)}`);
    assertDaemonAlive();
  });

  test("bind: a bound key always goes through its relay", async () => {
    const [iDeno, iWorkerd] = await configure({
      mode: "serverless",
      relays: [
        { name: "deno-a", url: denoA.url, secret: secretA },
        { name: "workerd-a", url: workerdA.url, secret: secretW },
      ],
    });
    await cliOk(["bind", idOfKey(KEYS[0]), iDeno]);
    await cliOk(["bind", idOfKey(KEYS[1]), iWorkerd]);
    await sync();
    const list = JSON.parse(await cliOk(["keys", "list", "--json"]));
    assert.equal(list.find((k) => k.id === idOfKey(KEYS[0])).instance, iDeno);
    assert.equal(list.find((k) => k.id === idOfKey(KEYS[1])).instance, iWorkerd);
    await clearRecords();
    const seen = new Map(KEYS.map((k) => [k, []]));
    for (let i = 0; i < 12; i++) {
      const r = await generateOk("bind");
      seen.get(r.key).push(r.via);
    }
    const show = () => JSON.stringify([...seen.entries()].map(([k, v]) => [idOfKey(k), v]));
    assert.ok(seen.get(KEYS[0]).length >= 2 && seen.get(KEYS[1]).length >= 2, `bound keys used too rarely: ${show()}`);
    assert.ok(seen.get(KEYS[0]).every((v) => v === "deno"), `key bound to the deno relay went elsewhere: ${show()}`);
    assert.ok(seen.get(KEYS[1]).every((v) => v === "workerd"), `key bound to the workerd relay went elsewhere: ${show()}`);
    assert.ok(!seen.get(KEYS[2]).includes("direct"), `unbound key went direct: ${show()}`);
    assert.deepEqual(new Set(seen.get(KEYS[2])), new Set(["deno", "workerd"]), `unbound key: ${show()}`);
    await cliOk(["unbind", idOfKey(KEYS[0])]);
    await cliOk(["unbind", idOfKey(KEYS[1])]);
    await sync();
    assertDaemonAlive();
  });

  for (const runtime of ["deno", "workerd"]) {
    test(`streaming through the ${runtime} relay keeps its timing (5 events 200 ms apart → 120–400 ms gaps)`, async () => {
      const r = runtime === "deno" ? denoA : workerdA;
      await configure({
        mode: "serverless",
        relays: [{ name: `${runtime}-a`, url: r.url, secret: runtime === "deno" ? secretA : secretW }],
      });
      await clearRecords();
      await fakeCall(fakes[runtime], "POST", "/__fake/default", { script: { chunks: 5, intervalMs: 200 } });
      try {
        const id = `stream-${runtime}-${++reqSeq}`;
        const res = await fetch(`${daemon.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
          method: "POST",
          headers: {
            "x-goog-api-key": TOKEN,
            "content-type": "application/json",
            "accept-encoding": "gzip, deflate, br",
            "x-test-id": id,
          },
          body: PROMPT,
          signal: AbortSignal.timeout(30000),
        });
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type") || "", /^text\/event-stream/);
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        let buf = "";
        const at = [];
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let m;
          while ((m = /\r\n\r\n|\n\n/.exec(buf))) {
            const event = buf.slice(0, m.index);
            assert.match(event, /^data: \{/);
            JSON.parse(event.slice(6));
            at.push(performance.now());
            buf = buf.slice(m.index + m[0].length);
          }
        }
        assert.equal(at.length, 5, `5 events, got ${at.length}`);
        assert.equal(buf, "");
        const gaps = at.slice(1).map((t, i) => Math.round(t - at[i]));
        measured[`streamGaps_${runtime}`] = gaps;
        for (const g of gaps) assert.ok(g >= 120 && g <= 400, `event gaps ${gaps.join(", ")} ms (want 120–400)`);
        const hit = await routeOf(id);
        assert.equal(hit?.via, runtime, `the stream did not go through the ${runtime} relay`);
        assert.equal(hit.rec.query, "alt=sse");
      } finally {
        await fakeCall(fakes[runtime], "POST", "/__fake/default", { script: { chunks: 3, intervalMs: 0 } });
      }
      assertDaemonAlive();
    });
  }

  test("mode switch on a running daemon (CLI) applies to the very next request", async () => {
    await configure({ mode: "local", relays: [{ name: "deno-a", url: denoA.url, secret: secretA }] });
    await clearRecords();
    assert.equal((await generateOk("mode-local")).via, "direct");
    const steps = [
      ["local", "hybrid", "deno"],
      ["hybrid", "serverless", "deno"],
      ["serverless", "local", "direct"],
      ["local", "serverless", "deno"],
      ["serverless", "hybrid", "deno"],
    ];
    for (const [from, to, via] of steps) {
      const mark = daemon.log.mark();
      assert.match(await cliOk(["mode", to]), new RegExp(`^mode ${to}$`, "m"));
      await daemon.log.waitFor(new RegExp(`config applied:.*routing\\.mode: ${from} → ${to}\\b`), {
        from: mark,
        timeoutMs: 15000,
      });
      const r = await generate(`mode-${to}`);
      const hit = r.status === 200 ? await routeOf(r.id) : null;
      const got = hit ? hit.via : `nowhere (HTTP ${r.status}: ${r.text.replace(/\s+/g, " ")})`;
      assert.equal(
        got,
        via,
        `the first request after mode ${from} → ${to} went ${got}, not ${via}; daemon log since the switch:\n` +
          daemon.log.lines.slice(mark).join("\n"),
      );
    }
    assertDaemonAlive();
  });

  test("hybrid: relay process killed → the next request succeeds direct, < 200 ms added", async () => {
    const s = secret();
    const r = await relay("deno", { secret: s, upstream: fakes.deno.url });
    const [id] = await configure({ mode: "hybrid", relays: [{ name: "deno-killed", url: r.url, secret: s }] });
    await clearRecords();
    for (let i = 0; i < 3; i++) assert.equal((await generateOk("hybrid-warm")).via, "deno", "hybrid: relay first");
    r.child.kill("SIGKILL");
    await r.exited;
    assert.ok(await refused(r.url), "the killed relay's port still accepts connections");
    const mark = daemon.log.mark();
    const fb = await generateOk("hybrid-killed");
    assert.equal(fb.via, "direct", "after the relay died the request went direct");
    await daemon.log.waitFor(/relay failed .*going direct/, { from: mark, timeoutMs: 5000 });
    // Direct requests now (the relay is marked unhealthy, so hybrid goes straight to the upstream).
    const direct = [];
    for (let i = 0; i < 7; i++) {
      const d = await generateOk("hybrid-direct");
      assert.equal(d.via, "direct");
      direct.push(d.ms);
    }
    const added = fb.ms - median(direct);
    measured.killed = fallbackReport(fb, direct);
    assert.ok(added < MAX_FALLBACK_ADDED_MS, `fallback after a killed relay took ${fmt(fb.ms)}, direct ${fmt(median(direct))}`);
    await assertKeysStillActive(id);
    assertDaemonAlive();
  });

  test("hybrid: relay hung (SIGSTOP) → falls back after upstream.firstByteTimeoutMs", async () => {
    const s = secret();
    const r = await relay("deno", { secret: s, upstream: fakes.deno.url });
    const [id] = await configure({ mode: "hybrid", relays: [{ name: "deno-hung", url: r.url, secret: s }] });
    await clearRecords();
    assert.equal((await generateOk("hung-warm")).via, "deno");
    const direct = [];
    try {
      r.child.kill("SIGSTOP");
      const fb = await generateOk("hung");
      assert.equal(fb.via, "direct", "a hung relay falls back to direct");
      for (let i = 0; i < 5; i++) direct.push((await generateOk("hung-direct")).ms);
      measured.hung = fallbackReport(fb, direct);
      assert.ok(fb.ms >= FIRST_BYTE_TIMEOUT_MS, `fell back after ${fmt(fb.ms)}, before the ${FIRST_BYTE_TIMEOUT_MS} ms timeout`);
      // The deadline sweeper runs every 100 ms; allow that plus the direct request and scheduling noise.
      assert.ok(fb.ms < FIRST_BYTE_TIMEOUT_MS + 600, `fell back only after ${fmt(fb.ms)}`);
      await assertKeysStillActive(id);
    } finally {
      await kill(r);
    }
    assertDaemonAlive();
  });

  test("hybrid: wrong relay secret → falls back; relay faults never count against keys", async () => {
    const relaySide = secret();
    const proxySide = secret();
    const r = await relay("deno", { secret: relaySide, upstream: fakes.deno.url });
    const [id] = await configure({ mode: "hybrid", relays: [{ name: "deno-wrong", url: r.url, secret: proxySide }] });
    await clearRecords();
    const mark = daemon.log.mark();
    const fb = await generateOk("wrong-secret");
    assert.equal(fb.via, "direct", "a relay that refuses the secret falls back to direct");
    await daemon.log.waitFor(/relay failed \( ?relay answered 401 \(auth\) ?\) - going direct/, { from: mark, timeoutMs: 5000 });
    const direct = [];
    for (let i = 0; i < 5; i++) direct.push((await generateOk("wrong-direct")).ms);
    measured.wrongSecret = fallbackReport(fb, direct);
    assert.equal((await allRecords()).filter((h) => h.via === "deno").length, 0, "nothing went through the relay");
    await assertKeysStillActive(id);
    assertDaemonAlive();
  });

  for (const runtime of ["deno", "workerd"]) {
    test(`serverless Live (ai.live.connect) through the ${runtime} relay: text, audio byte for byte, tool call`, async () => {
      const r = runtime === "deno" ? denoA : workerdA;
      const [instanceId] = await configure({
        mode: "serverless",
        relays: [{ name: `${runtime}-live`, url: r.url, secret: runtime === "deno" ? secretA : secretW }],
      });
      await clearRecords();
      await clearLiveSessions();
      const since = await lastHistoryId();
      const ids = await liveRoundTrip(`live-${runtime}`);
      await assertLiveWent(ids, runtime);
      const records = await liveRecord(since);
      assert.equal(records.length, 2, "one access record per Live session");
      for (const rec of records) {
        assert.equal(rec.status, 101);
        assert.equal(rec.route, instanceId, `the Live session's route is ${rec.route}, not the ${runtime} relay`);
        assert.deepEqual(rec.attempts.map((a) => a.route), [instanceId], "one attempt, through the relay");
        assert.ok(rec.live?.started, "the access record says setupComplete came");
      }
      assertDaemonAlive();
    });
  }

  test("hybrid Live: the relay refuses the upgrade (wrong secret → 401) → the session goes direct", async () => {
    const relaySide = secret();
    const proxySide = secret();
    const r = await relay("deno", { secret: relaySide, upstream: fakes.deno.url });
    const [id] = await configure({ mode: "hybrid", relays: [{ name: "deno-live-wrong", url: r.url, secret: proxySide }] });
    await clearRecords();
    await clearLiveSessions();
    const since = await lastHistoryId();
    const ids = await liveRoundTrip("live-hybrid");
    await assertLiveWent(ids, "direct");
    assert.equal((await allRecords()).filter((h) => h.via === "deno").length, 0, "nothing went through the relay");
    const records = await liveRecord(since);
    assert.equal(records.length, 2, "one access record per Live session");
    // The first session tried the relay (refused), then went direct; the relay may be marked unhealthy after that,
    // so the second may go direct at once.
    for (const rec of records) {
      assert.equal(rec.status, 101);
      assert.equal(rec.route, "direct", `the Live session's route is ${rec.route}`);
      assert.equal(rec.attempts.at(-1).route, "direct");
    }
    const first = records[0];
    assert.deepEqual(first.attempts.map((a) => a.route), [id, "direct"], `attempts ${JSON.stringify(first.attempts)}`);
    assert.match(first.attempts[0].outcome, /relay|401|auth/i, `the relay attempt's outcome: ${first.attempts[0].outcome}`);
    assert.ok(first.fallbacks >= 1, `the fallback is counted: ${JSON.stringify(first)}`);
    await assertKeysStillActive(id);
    assertDaemonAlive();
  });

  test("serverless with every relay dead → 503 in Gemini's error shape naming relays; nothing reaches the upstream", async () => {
    const s1 = secret();
    const s2 = secret();
    const [rd, rw] = await Promise.all([
      relay("deno", { secret: s1, upstream: fakes.deno.url }),
      relay("workerd", { secret: s2, upstream: fakes.workerd.url }),
    ]);
    const ids = await configure({
      mode: "serverless",
      relays: [
        { name: "deno-doomed", url: rd.url, secret: s1 },
        { name: "workerd-doomed", url: rw.url, secret: s2 },
      ],
    });
    await clearRecords();
    const alive = new Set([(await generateOk("doomed-a")).via, (await generateOk("doomed-b")).via]);
    assert.deepEqual(alive, new Set(["deno", "workerd"]));
    await Promise.all([kill(rd), kill(rw)]);
    assert.ok((await refused(rd.url)) && (await refused(rw.url)), "the killed relays' ports still accept connections");
    await clearRecords();
    // The first request finds both relays dead; the second finds them already marked unhealthy.
    for (const tag of ["all-dead-1", "all-dead-2"]) {
      const r = await generate(tag);
      assert.equal(r.status, 503, `${tag}: ${r.status} ${r.text}`);
      assert.match(r.res.headers.get("content-type") || "", /^application\/json/);
      const json = JSON.parse(r.text);
      assert.equal(json.error?.code, 503, r.text);
      assert.equal(json.error?.status, "UNAVAILABLE", r.text);
      assert.match(json.error?.message ?? "", /relay/i, r.text);
      measured[`allDead_${tag}`] = { status: r.status, ms: Math.round(r.ms), message: json.error.message };
    }
    assert.deepEqual(await allRecords(), [], "nothing reached any upstream");
    await assertKeysStillActive(ids[0]);
    assertDaemonAlive();
  });

  test("instances test: ok, bad-secret, no-upstream, unreachable", async () => {
    const bad = secret();
    const [wrongSecretRelay, noUpstreamRelay] = await Promise.all([
      relay("deno", { secret: secret(), upstream: fakes.deno.url }),
      relay("deno", { secret: bad, upstream: `http://127.0.0.1:${await freePort()}` }),
    ]);
    const deadPort = await freePort();
    const cases = [
      { name: "deno-ok", url: denoA.url, secret: secretA, want: "ok" },
      { name: "workerd-ok", url: workerdA.url, secret: secretW, want: "ok" },
      { name: "deno-bad-secret", url: wrongSecretRelay.url, secret: secret(), want: "bad-secret" },
      { name: "deno-no-upstream", url: noUpstreamRelay.url, secret: bad, want: "no-upstream" },
      { name: "dead-port", url: `http://127.0.0.1:${deadPort}`, secret: secret(), want: "unreachable" },
    ];
    const ids = await configure({ mode: "local", relays: cases });
    for (const [i, c] of cases.entries()) {
      const r = await cli(["instances", "test", ids[i]]);
      const row = r.stdout.split("\n").find((l) => l.startsWith(ids[i] + " "));
      assert.ok(row, `instances test ${c.name}: no row for ${ids[i]}:\n${r.stdout}${r.stderr}`);
      const verdict = row.split(/\s+/)[1];
      assert.equal(verdict, c.want, `instances test ${c.name}: ${row}`);
      assert.equal(r.code, c.want === "ok" ? 0 : 1, `instances test ${c.name} exit code`);
      for (const s of [...KEYS, ...SECRETS]) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s));
    }
    // All at once: exit 1 (not every relay is ok), one row per instance.
    const all = await cli(["instances", "test"]);
    assert.equal(all.code, 1);
    for (const id of ids) assert.ok(all.stdout.split("\n").some((l) => l.startsWith(id + " ")), all.stdout);
    assertDaemonAlive();
  });
});
