// SPDX-License-Identifier: GPL-3.0-or-later
// The relay (resources/relay) in a real runtime in front of fake-gemini. Run by run-relay-tests.sh once per
// runtime with RELAY_RUNTIME=deno|workerd; each run tests the multi-module sources (what the CLIs deploy) and the
// paste-ready dist/ file. Environment: RELAY_RUNTIME, FAKE_URL, RELAY_TMP, RELAY_DENO_BIN / RELAY_WORKERD_BIN.
// Keys and the secret are made here at run time and never printed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import zlib from "node:zlib";
import { RELAY_DIR, closedPort, startRelay } from "./relays.mjs";

const RUNTIME = process.env.RELAY_RUNTIME;
const FAKE = process.env.FAKE_URL;
if (!RUNTIME || !FAKE || !process.env.RELAY_TMP) {
  throw new Error("run through run-relay-tests.sh (RELAY_RUNTIME, FAKE_URL and RELAY_TMP are needed)");
}
const VARIANTS = (process.env.RELAY_VARIANTS || "source dist").split(/\s+/).filter(Boolean);

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
function genKey() {
  const bytes = randomBytes(35);
  return "AI" + "za" + Array.from(bytes, (b) => ALPHABET[b % 64]).join("");
}
const SECRET = randomBytes(24).toString("base64url");
const KEY = genKey(); // normal
const KEY_INVALID = genKey(); // fake answers 400 API_KEY_INVALID
const KEY_LIMITED = genKey(); // fake answers 429
const ALL_SECRETS = [SECRET, KEY, KEY_INVALID, KEY_LIMITED];

let testSeq = 0;
const testId = () => `${RUNTIME}-${process.pid}-${++testSeq}`;

async function fake(method, path, body) {
  const r = await fetch(FAKE + path, {
    method,
    headers: body ? { "content-type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  assert.equal(r.status, 200, `fake ${method} ${path}: ${text}`);
  return JSON.parse(text);
}

// The fake's record of the request that carried `x-test-id: id` (polled briefly: it is written as the
// request arrives, which may be a moment after the relay answered us).
async function recordOf(id, { timeoutMs = 3000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await fake("GET", "/__fake/requests");
    const hit = all.find((r) => r.headers.some(([n, v]) => n.toLowerCase() === "x-test-id" && v === id));
    if (hit) return hit;
    if (Date.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const headerNames = (record) => record.headers.map(([n]) => n.toLowerCase());
const headerValue = (record, name) => record.headers.find(([n]) => n.toLowerCase() === name)?.[1];

function assertRelayError(res, body, kind, code, status) {
  assert.equal(res.status, code);
  assert.equal(res.headers.get("x-relay-error"), kind);
  assert.ok(res.headers.get("x-relay-version"), "x-relay-version on the relay's own answer");
  assert.match(res.headers.get("content-type") || "", /^application\/json/);
  const json = JSON.parse(body);
  assert.deepEqual(Object.keys(json), ["error"]);
  assert.deepEqual(Object.keys(json.error).sort(), ["code", "message", "status"]);
  assert.equal(json.error.code, code);
  assert.equal(json.error.status, status);
  assert.equal(typeof json.error.message, "string");
  for (const s of ALL_SECRETS) assert.ok(!body.includes(s), "no key or secret in the relay's answer");
  return json;
}

function assertPassedThrough(res) {
  assert.equal(res.headers.get("x-relay-error"), null, "a passed-through answer never carries x-relay-error");
  assert.ok(res.headers.get("x-relay-version"), "x-relay-version on a passed-through answer");
}

// Reads an SSE body, noting when each event (terminated by a blank line) arrived.
async function readEvents(res, { stopAfter = Infinity, controller } = {}) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const events = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let m;
    while ((m = /\r\n\r\n|\n\n/.exec(buf))) {
      events.push({ at: performance.now(), text: buf.slice(0, m.index), sep: m[0] });
      buf = buf.slice(m.index + m[0].length);
      if (events.length >= stopAfter) {
        controller?.abort();
        await reader.cancel().catch(() => {});
        return { events, rest: buf };
      }
    }
  }
  return { events, rest: buf };
}

// A small upstream of our own, for what the fake does not do: send x-relay-error, ignore
// `accept-encoding: identity`, send several Set-Cookie, redirect. It echoes what it received.
function startStub() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const url = new URL(req.url, "http://stub");
        const echo = JSON.stringify({
          method: req.method,
          url: req.url,
          headers: req.headers,
          bodyLength: Buffer.concat(chunks).length,
          filler: "x".repeat(2000),
        });
        const headers = {
          "content-type": "application/json; charset=UTF-8",
          "x-relay-error": "upstream-made-this-up",
          "set-cookie": ["a=1; Path=/", "b=2; Path=/"],
        };
        if (url.pathname.endsWith("/redirect")) {
          res.writeHead(302, { ...headers, location: "http://127.0.0.1:9/elsewhere" });
          res.end();
        } else if (url.searchParams.get("gzip") === "1") {
          res.writeHead(200, { ...headers, "content-encoding": "gzip" });
          res.end(zlib.gzipSync(echo));
        } else {
          res.writeHead(418, headers);
          res.end(echo);
        }
      });
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const started = [];
let stub;

before(async () => {
  await fake("POST", "/__fake/reset");
  await fake("POST", "/__fake/keys", { key: KEY, project: "relay-a" });
  await fake("POST", "/__fake/keys", { key: KEY_INVALID, project: "relay-a", script: { behaviour: "invalid" } });
  await fake("POST", "/__fake/keys", { key: KEY_LIMITED, project: "relay-b", script: { behaviour: "rateLimited" } });
  stub = await startStub();
});

after(async () => {
  await Promise.all(started.map((r) => r.stop()));
  await new Promise((r) => stub.close(r));
  // Nothing the relays printed may contain a key or the secret.
  for (const r of started) {
    const log = r.log();
    for (const s of ALL_SECRETS) {
      assert.ok(!log.includes(s), `${r.logFile} contains a key or the relay secret`);
    }
  }
});

async function relay(opts) {
  const r = await startRelay({ runtime: RUNTIME, ...opts });
  started.push(r);
  return r;
}

test("dist/ files are up to date with the sources", () => {
  const out = mkdtempSync(join(process.env.RELAY_TMP, "dist-"));
  execFileSync(process.execPath, [join(RELAY_DIR, "build.mjs"), "--out", out], { stdio: "pipe" });
  const names = readdirSync(out).sort();
  assert.deepEqual(names, ["deno-relay.js", "worker-relay.js"]);
  for (const name of names) {
    const fresh = readFileSync(join(out, name), "utf8");
    const committed = readFileSync(join(RELAY_DIR, "dist", name), "utf8");
    assert.ok(fresh === committed, `resources/relay/dist/${name} is stale: run node resources/relay/build.mjs`);
  }
});

for (const variant of VARIANTS) {
  describe(`${RUNTIME} relay (${variant === "dist" ? "dist/ single file" : "sources"})`, () => {
    let main; // upstream = fake-gemini
    let dead; // upstream = a closed port
    let viaStub; // upstream = the stub above
    const S = () => ({ "x-relay-secret": SECRET });

    before(async () => {
      const deadPort = await closedPort();
      [main, dead, viaStub] = await Promise.all([
        relay({ variant, secret: SECRET, upstream: FAKE }),
        relay({ variant, secret: SECRET, upstream: `http://127.0.0.1:${deadPort}` }),
        relay({ variant, secret: SECRET, upstream: `http://127.0.0.1:${stub.address().port}/` }),
      ]);
    });

    test("401 without the secret or with a wrong one, same body, nothing forwarded", async () => {
      const bodies = [];
      const wrong = [
        undefined,
        "",
        SECRET.slice(0, -1) + (SECRET.endsWith("A") ? "B" : "A"), // same length, last char differs
        SECRET + "x",
        SECRET.slice(0, 8),
        SECRET.toUpperCase() === SECRET ? SECRET.toLowerCase() : SECRET.toUpperCase(),
      ];
      for (const [i, secret] of wrong.entries()) {
        for (const path of ["/v1beta/models/gemini-2.5-flash:generateContent", "/health", "/not-gemini"]) {
          const id = testId();
          const headers = { "x-goog-api-key": KEY, "content-type": "application/json", "x-test-id": id };
          if (secret !== undefined) headers["x-relay-secret"] = secret;
          const res = await fetch(main.url + path, {
            method: path === "/health" ? "GET" : "POST",
            headers,
            body: path === "/health" ? undefined : '{"contents":[{"parts":[{"text":"hi"}]}]}',
          });
          const body = await res.text();
          assertRelayError(res, body, "auth", 401, "UNAUTHENTICATED");
          bodies.push(body);
          if (i === 0 && path.startsWith("/v1beta")) {
            assert.equal(await recordOf(id, { timeoutMs: 300 }), null, "an unauthenticated request reached the upstream");
          }
        }
      }
      assert.equal(new Set(bodies).size, 1, "every 401 has the same body");
      // The secret is only taken from its header.
      const res = await fetch(`${main.url}/v1beta/models?x-relay-secret=${encodeURIComponent(SECRET)}`, {
        headers: { authorization: `Bearer ${SECRET}`, "x-goog-api-key": KEY },
      });
      assertRelayError(res, await res.text(), "auth", 401, "UNAUTHENTICATED");
    });

    test("404 for anything but Gemini API paths, nothing forwarded", async () => {
      for (const path of [
        "/",
        "/favicon.ico",
        "/__fake/requests",
        "/__fake/reset",
        "/v2/models",
        "/v1betax/models",
        "/models/gemini-2.5-flash:generateContent",
        "/health/extra",
        "/uploadv1beta/files",
        "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent",
      ]) {
        const id = testId();
        const res = await fetch(main.url + path, { method: "POST", headers: { ...S(), "x-test-id": id }, body: "{}" });
        assertRelayError(res, await res.text(), "path", 404, "NOT_FOUND");
        assert.equal(await recordOf(id, { timeoutMs: 100 }), null, `${path} reached the upstream`);
      }
      // /__fake/reset would have wiped the keys: the key registered in before() must still work.
      const res = await fetch(`${main.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: "POST",
        headers: { ...S(), "x-goog-api-key": KEY, "content-type": "application/json" },
        body: '{"contents":[{"parts":[{"text":"hi"}]}]}',
      });
      assert.equal(res.status, 200, await res.text());
    });

    test("generateContent passes through: the proxy's key reaches the upstream, relay and client headers do not", async () => {
      const id = testId();
      const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hello relay" }] }] });
      const res = await fetch(`${main.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
        method: "POST",
        headers: {
          ...S(),
          "x-goog-api-key": KEY,
          "content-type": "application/json",
          "x-goog-api-client": "google-genai-sdk/2.18.0 gl-node/v22.0.0",
          "user-agent": "relay-test/1.0",
          "x-forwarded-for": "203.0.113.7",
          "x-forwarded-proto": "https",
          "x-forwarded-host": "example.test",
          "x-real-ip": "203.0.113.7",
          forwarded: "for=203.0.113.7",
          "cf-connecting-ip": "203.0.113.7",
          "cf-ipcountry": "XX",
          "cf-ray": "0123456789abcdef-AMS",
          "cf-visitor": '{"scheme":"https"}',
          "cf-ipcity": "Nowhere",
          cookie: "session=abc",
          "x-test-id": id,
        },
        body,
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assertPassedThrough(res);
      assert.match(res.headers.get("content-type"), /^application\/json/);
      assert.equal(res.headers.get("server"), "scaffolding on HTTPServer2", "upstream headers pass through");
      const json = JSON.parse(text);
      assert.ok(json.candidates?.[0]?.content?.parts?.[0]?.text, "a candidate with text");

      const rec = await recordOf(id);
      assert.ok(rec, "the request reached the upstream");
      assert.equal(rec.method, "POST");
      assert.equal(rec.path, "/v1beta/models/gemini-2.5-flash:generateContent");
      assert.equal(rec.keySource, "header");
      assert.ok(rec.key === KEY, "the key the proxy sent reached the upstream");
      assert.equal(rec.body, body, "the body arrives unchanged");
      assert.equal(rec.status, 200);
      const names = headerNames(rec);
      for (const gone of [
        "x-relay-secret",
        "x-forwarded-for",
        "x-forwarded-proto",
        "x-forwarded-host",
        "x-real-ip",
        "forwarded",
        "cf-connecting-ip",
        "cf-ipcountry",
        "cf-ray",
        "cf-visitor",
        "cf-ipcity",
        "cookie",
      ]) {
        assert.ok(!names.includes(gone), `${gone} reached the upstream`);
      }
      assert.ok(!JSON.stringify(rec.headers).includes(SECRET), "the relay secret reached the upstream");
      assert.ok(!JSON.stringify(rec.headers).includes("203.0.113.7"), "the caller's address reached the upstream");
      assert.equal(headerValue(rec, "host"), new URL(FAKE).host, "Host is the upstream's");
      assert.equal(headerValue(rec, "x-goog-api-client"), "google-genai-sdk/2.18.0 gl-node/v22.0.0");
      assert.equal(headerValue(rec, "user-agent"), "relay-test/1.0");
      assert.equal(headerValue(rec, "accept-encoding"), "identity");
    });

    test("v1 and v1alpha paths, GET with query, DELETE, and untouched query strings", async () => {
      for (const version of ["v1", "v1alpha"]) {
        const res = await fetch(`${main.url}/${version}/models/gemini-2.5-flash:countTokens`, {
          method: "POST",
          headers: { ...S(), "x-goog-api-key": KEY, "content-type": "application/json" },
          body: '{"contents":[{"parts":[{"text":"count me"}]}]}',
        });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        assertPassedThrough(res);
        assert.ok(Number.isInteger(JSON.parse(text).totalTokens));
      }
      let id = testId();
      let res = await fetch(`${main.url}/v1beta/models?pageSize=2&pageToken=`, {
        headers: { ...S(), "x-goog-api-key": KEY, "x-test-id": id },
      });
      assert.equal(res.status, 200);
      assertPassedThrough(res);
      assert.ok(Array.isArray((await res.json()).models));
      assert.equal((await recordOf(id)).query, "pageSize=2&pageToken=");

      // Old gapic clients: `$alt` and `enum-encoding` must arrive exactly as sent.
      id = testId();
      const query = "%24alt=json%3Benum-encoding%3Dint";
      res = await fetch(`${main.url}/v1beta/models/gemini-2.5-flash:generateContent?${query}`, {
        method: "POST",
        headers: { ...S(), "x-goog-api-key": KEY, "content-type": "application/json", "x-test-id": id },
        body: '{"contents":[{"parts":[{"text":"hi"}]}]}',
      });
      await res.arrayBuffer();
      const rec = await recordOf(id);
      assert.equal(rec.query, query);

      id = testId();
      res = await fetch(`${main.url}/v1beta/files/abc123`, {
        method: "DELETE",
        headers: { ...S(), "x-goog-api-key": KEY, "x-test-id": id },
      });
      await res.arrayBuffer();
      assertPassedThrough(res);
      assert.equal((await recordOf(id)).method, "DELETE");
    });

    test("SSE streaming keeps its timing (5 events 200 ms apart arrive 120–400 ms apart)", async () => {
      await fake("POST", "/__fake/default", { script: { chunks: 5, intervalMs: 200 } });
      try {
        const res = await fetch(`${main.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
          method: "POST",
          headers: {
            ...S(),
            "x-goog-api-key": KEY,
            "content-type": "application/json",
            "accept-encoding": "gzip, deflate, br", // what SDKs send; the runtime must not hold the stream back
          },
          body: '{"contents":[{"parts":[{"text":"stream please"}]}]}',
        });
        assert.equal(res.status, 200);
        assertPassedThrough(res);
        assert.match(res.headers.get("content-type"), /^text\/event-stream/);
        const { events, rest } = await readEvents(res);
        assert.equal(events.length, 5, `5 events, got ${events.length}`);
        assert.equal(rest, "");
        for (const e of events) {
          assert.match(e.text, /^data: \{/);
          assert.equal(e.sep, "\r\n\r\n", "the upstream's CRLF framing is kept");
          JSON.parse(e.text.slice(6));
        }
        const gaps = events.slice(1).map((e, i) => Math.round(e.at - events[i].at));
        for (const g of gaps) {
          assert.ok(g >= 120 && g <= 400, `event gaps ${gaps.join(", ")} ms: each must be within 120–400 ms`);
        }
      } finally {
        await fake("POST", "/__fake/default", { script: { chunks: 3, intervalMs: 0 } });
      }
    });

    test("the JSON-array stream (no alt) passes through", async () => {
      const res = await fetch(`${main.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent`, {
        method: "POST",
        headers: { ...S(), "x-goog-api-key": KEY, "content-type": "application/json" },
        body: '{"contents":[{"parts":[{"text":"array please"}]}]}',
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assertPassedThrough(res);
      const arr = JSON.parse(text);
      assert.ok(Array.isArray(arr) && arr.length === 3);
    });

    test("a client that goes away mid-stream closes the upstream stream too", async () => {
      await fake("POST", "/__fake/default", { script: { chunks: 50, intervalMs: 100 } });
      try {
        const before = (await fake("GET", "/__fake/stats")).abortedStreams;
        const controller = new AbortController();
        const res = await fetch(`${main.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
          method: "POST",
          headers: { ...S(), "x-goog-api-key": KEY, "content-type": "application/json" },
          body: '{"contents":[{"parts":[{"text":"stream please"}]}]}',
          signal: controller.signal,
        });
        assert.equal(res.status, 200);
        const { events } = await readEvents(res, { stopAfter: 2, controller });
        assert.equal(events.length, 2);
        const deadline = Date.now() + 4000; // the whole stream would take 5 s
        let aborted = before;
        while (aborted === before && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
          aborted = (await fake("GET", "/__fake/stats")).abortedStreams;
        }
        assert.ok(aborted > before, "the upstream saw its stream aborted after the client left");
      } finally {
        await fake("POST", "/__fake/default", { script: { chunks: 3, intervalMs: 0 } });
      }
    });

    test("OpenAI-compatible path: Authorization: Bearer reaches the upstream, streaming ends with [DONE]", async () => {
      const id = testId();
      let res = await fetch(`${main.url}/v1beta/openai/chat/completions`, {
        method: "POST",
        headers: { ...S(), authorization: `Bearer ${KEY}`, "content-type": "application/json", "x-test-id": id },
        body: JSON.stringify({ model: "gemini-2.5-flash", messages: [{ role: "user", content: "hi" }] }),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assertPassedThrough(res);
      assert.equal(JSON.parse(text).object, "chat.completion");
      const rec = await recordOf(id);
      assert.equal(rec.keySource, "bearer");
      assert.ok(rec.key === KEY, "the bearer key reached the upstream");
      assert.ok(!headerNames(rec).includes("x-relay-secret"));

      res = await fetch(`${main.url}/v1beta/openai/chat/completions`, {
        method: "POST",
        headers: { ...S(), authorization: `Bearer ${KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gemini-2.5-flash", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(res.status, 200);
      const { events } = await readEvents(res);
      assert.equal(events.at(-1).text, "data: [DONE]");
    });

    test("Google's errors pass through unchanged, without x-relay-error", async () => {
      const body = '{"contents":[{"parts":[{"text":"hi"}]}]}';
      for (const [key, status] of [
        [KEY_INVALID, 400],
        [KEY_LIMITED, 429],
      ]) {
        const path = "/v1beta/models/gemini-2.5-flash:generateContent";
        const viaRelay = await fetch(main.url + path, {
          method: "POST",
          headers: { ...S(), "x-goog-api-key": key, "content-type": "application/json" },
          body,
        });
        const relayed = await viaRelay.text();
        const direct = await fetch(FAKE + path, {
          method: "POST",
          headers: { "x-goog-api-key": key, "content-type": "application/json" },
          body,
        });
        const expected = await direct.text();
        assert.equal(viaRelay.status, status);
        assertPassedThrough(viaRelay);
        assert.equal(relayed, expected, "the body is the upstream's, byte for byte");
        assert.equal(viaRelay.headers.get("content-type"), direct.headers.get("content-type"));
      }
      // A 404 from the upstream (unknown model) is Google's, not the relay's.
      const res = await fetch(`${main.url}/v1beta/models/nonexistent-model:generateContent`, {
        method: "POST",
        headers: { ...S(), "x-goog-api-key": KEY, "content-type": "application/json" },
        body,
      });
      assert.equal(res.status, 404);
      assertPassedThrough(res);
      assert.equal((await res.json()).error.status, "NOT_FOUND");
    });

    test("resumable upload: headers both ways and a streamed request body arrive intact", async () => {
      let id = testId();
      let res = await fetch(`${main.url}/upload/v1beta/files`, {
        method: "POST",
        headers: {
          ...S(),
          "x-goog-api-key": KEY,
          "content-type": "application/json",
          "x-goog-upload-protocol": "resumable",
          "x-goog-upload-command": "start",
          "x-goog-upload-header-content-length": "262144",
          "x-goog-upload-header-content-type": "application/octet-stream",
          "x-test-id": id,
        },
        body: JSON.stringify({ file: { displayName: "blob", mimeType: "application/octet-stream" } }),
      });
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      assertPassedThrough(res);
      const uploadUrl = res.headers.get("x-goog-upload-url");
      assert.ok(uploadUrl && uploadUrl.startsWith(FAKE), "x-goog-upload-url is the upstream's, unchanged");
      assert.equal(headerValue(await recordOf(id), "x-goog-upload-command"), "start");

      // Send the bytes to the relay as a stream (chunked, no Content-Length) in several pieces.
      const data = randomBytes(256 * 1024);
      const pieces = [data.subarray(0, 1000), data.subarray(1000, 100000), data.subarray(100000)];
      const stream = new ReadableStream({
        async pull(controller) {
          const next = pieces.shift();
          if (next) {
            await new Promise((r) => setTimeout(r, 20));
            controller.enqueue(new Uint8Array(next));
          } else {
            controller.close();
          }
        },
      });
      const u = new URL(uploadUrl);
      id = testId();
      res = await fetch(main.url + u.pathname + u.search, {
        method: "POST",
        headers: {
          ...S(),
          "x-goog-upload-command": "upload, finalize",
          "x-goog-upload-offset": "0",
          "content-type": "application/octet-stream",
          "x-test-id": id,
        },
        body: stream,
        duplex: "half",
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assertPassedThrough(res);
      assert.equal(res.headers.get("x-goog-upload-status"), "final");
      assert.ok(JSON.parse(text).file, "the finalized file object");
      const rec = await recordOf(id);
      const got = rec.bodyBase64 !== undefined ? Buffer.from(rec.bodyBase64, "base64") : Buffer.from(rec.body, "latin1");
      assert.equal(got.length, data.length);
      assert.ok(got.equals(data), "the upstream got the same bytes");
    });

    test("upstream unreachable: 502 x-relay-error upstream-unreachable, no key in the message", async () => {
      const res = await fetch(`${dead.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${KEY}`, {
        method: "POST",
        headers: { ...S(), "x-goog-api-key": KEY, "content-type": "application/json" },
        body: '{"contents":[{"parts":[{"text":"hi"}]}]}',
      });
      const json = assertRelayError(res, await res.text(), "upstream-unreachable", 502, "UNAVAILABLE");
      assert.ok(!json.error.message.includes("127.0.0.1"), "the upstream URL is not echoed");
    });

    test("/health and /health?upstream=1", async () => {
      let res = await fetch(`${main.url}/health`);
      assertRelayError(res, await res.text(), "auth", 401, "UNAUTHENTICATED");

      res = await fetch(`${main.url}/health`, { headers: S() });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-relay-error"), null);
      const version = res.headers.get("x-relay-version");
      assert.ok(version);
      assert.deepEqual(await res.json(), { ok: true, version, runtime: RUNTIME });

      await fake("DELETE", "/__fake/requests");
      res = await fetch(`${main.url}/health?upstream=1`, { headers: S() });
      assert.equal(res.status, 200);
      let json = await res.json();
      assert.equal(json.ok, true);
      assert.equal(json.runtime, RUNTIME);
      assert.equal(json.version, version);
      assert.equal(json.upstream.reachable, true);
      assert.equal(json.upstream.status, 403, "a keyless call: the upstream's 403 still means reachable");
      assert.ok(Number.isInteger(json.upstream.latencyMs) && json.upstream.latencyMs >= 0);
      const probes = (await fake("GET", "/__fake/requests")).filter((r) => r.path === "/v1beta/models");
      assert.equal(probes.length, 1);
      assert.equal(probes[0].query, "pageSize=1");
      assert.equal(probes[0].keySource, "none", "the probe carries no key");
      assert.ok(!headerNames(probes[0]).includes("x-relay-secret"));

      res = await fetch(`${dead.url}/health?upstream=1`, { headers: S() });
      assert.equal(res.status, 200);
      json = await res.json();
      assert.equal(json.ok, true);
      assert.equal(json.upstream.reachable, false);
      assert.equal(json.upstream.status, 0);
      assert.equal(typeof json.upstream.error, "string");
      assert.ok(json.upstream.error.length > 0);
    });

    test("upstream-sent x-relay-error is dropped; Set-Cookie, redirects and encodings pass through", async () => {
      let res = await fetch(`${viaStub.url}/v1beta/echo`, {
        method: "POST",
        headers: { ...S(), "x-goog-api-key": KEY, "accept-encoding": "gzip, br", "content-type": "application/json" },
        body: '{"a":1}',
      });
      assert.equal(res.status, 418);
      assertPassedThrough(res);
      assert.deepEqual(res.headers.getSetCookie(), ["a=1; Path=/", "b=2; Path=/"]);
      let echo = await res.json();
      assert.equal(echo.url, "/v1beta/echo", "the upstream URL's trailing slash does not double");
      assert.equal(echo.headers["accept-encoding"], "identity");
      assert.equal(echo.bodyLength, 7);

      // An upstream that compresses anyway: the client still gets a body that matches its headers.
      res = await fetch(`${viaStub.url}/v1beta/echo?gzip=1`, { headers: { ...S(), "accept-encoding": "gzip" } });
      assert.equal(res.status, 200);
      assertPassedThrough(res);
      echo = await res.json();
      assert.equal(echo.method, "GET");

      res = await fetch(`${viaStub.url}/v1beta/redirect`, { headers: S(), redirect: "manual" });
      assert.equal(res.status, 302, "redirects are passed back, not followed");
      assert.equal(res.headers.get("location"), "http://127.0.0.1:9/elsewhere");
      assertPassedThrough(res);
      await res.arrayBuffer();
    });
  });
}

describe(`${RUNTIME} relay without a usable RELAY_SECRET`, () => {
  for (const [what, secret] of [
    ["unset", undefined],
    ["too short", "short-secret"],
  ]) {
    test(`RELAY_SECRET ${what}`, async () => {
      if (RUNTIME === "deno") {
        // The Deno entry refuses to start, and says why.
        const r = await startRelay({ runtime: RUNTIME, secret, upstream: FAKE, wait: false });
        started.push(r);
        const timer = setTimeout(() => r.child.kill("SIGKILL"), 20000);
        const { code } = await r.exited;
        clearTimeout(timer);
        assert.notEqual(code, 0, "deno exits with an error");
        assert.match(r.log(), /RELAY_SECRET (is not set|is shorter than 16 characters)/);
        if (secret) assert.ok(!r.log().includes(secret), "the rejected secret is not printed");
      } else {
        // A Worker cannot refuse to start: every answer is 500 x-relay-error internal, nothing is forwarded.
        const r = await relay({ secret, upstream: FAKE });
        for (const path of ["/health", "/v1beta/models"]) {
          const id = testId();
          const res = await fetch(r.url + path, {
            headers: { "x-relay-secret": secret ?? "anything-at-all-here", "x-goog-api-key": KEY, "x-test-id": id },
          });
          const json = assertRelayError(res, await res.text(), "internal", 500, "INTERNAL");
          assert.match(json.error.message, /RELAY_SECRET/);
          assert.equal(await recordOf(id, { timeoutMs: 100 }), null);
        }
      }
    });
  }
});
