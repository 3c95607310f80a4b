// SPDX-License-Identifier: GPL-3.0-or-later
// The relay's Live API (WebSocket) path in a real runtime, against a small WebSocket upstream of our own
// (ws.mjs; loopback only). Run by run-relay-tests.sh next to relay.test.mjs, once per runtime
// (RELAY_RUNTIME=deno|workerd), for the sources and the dist/ file. Environment: RELAY_RUNTIME, RELAY_TMP,
// RELAY_DENO_BIN / RELAY_WORKERD_BIN. Keys and the secret are made here at run time and never printed.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { closedPort, startRelay } from "./relays.mjs";
import { refusalBody, startWsUpstream, wsConnect } from "./ws.mjs";

const RUNTIME = process.env.RELAY_RUNTIME;
if (!RUNTIME || !process.env.RELAY_TMP) {
  throw new Error("run through run-relay-tests.sh (RELAY_RUNTIME and RELAY_TMP are needed)");
}
const VARIANTS = (process.env.RELAY_VARIANTS || "source dist").split(/\s+/).filter(Boolean);

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
function genKey() {
  const bytes = randomBytes(35);
  return "AI" + "za" + Array.from(bytes, (b) => ALPHABET[b % 64]).join("");
}
const SECRET = randomBytes(24).toString("base64url");
const KEY = genKey();
const TOKEN = "auth_tokens/" + randomBytes(24).toString("hex");
const ALL_SECRETS = [SECRET, KEY, TOKEN];

const LIVE = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent";
const LIVE_ALPHA = "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContent";
const CONSTRAINED = "/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained";

let seq = 0;
const testId = () => `live-${RUNTIME}-${process.pid}-${++seq}`;

const started = [];
let upstream;

before(async () => {
  upstream = await startWsUpstream();
});

after(async () => {
  await Promise.all(started.map((r) => r.stop()));
  await upstream.close();
  for (const r of started) {
    const log = r.log();
    for (const s of ALL_SECRETS) {
      assert.ok(!log.includes(s), `${r.logFile} contains a key, a token or the relay secret`);
    }
  }
});

async function relay(opts) {
  const r = await startRelay({ runtime: RUNTIME, ...opts });
  started.push(r);
  return r;
}

function wsUrl(base, path) {
  return base.replace(/^http/, "ws") + path;
}

// The relay's own error answer to a handshake: no upgrade, x-relay-error, Gemini's error shape.
function assertRelayRefusal(res, kind, code, status) {
  assert.ok(!res.conn, "no upgrade");
  assert.equal(res.status, code);
  assert.equal(res.headers["x-relay-error"], kind);
  assert.ok(res.headers["x-relay-version"], "x-relay-version on the relay's own answer");
  assert.match(res.headers["content-type"] || "", /^application\/json/);
  const json = JSON.parse(res.body);
  assert.deepEqual(Object.keys(json), ["error"]);
  assert.equal(json.error.code, code);
  assert.equal(json.error.status, status);
  assert.equal(typeof json.error.message, "string");
  for (const s of ALL_SECRETS) assert.ok(!res.body.includes(s), "no key, token or secret in the relay's answer");
  return json;
}

async function expectMessage(conn, type, data) {
  const m = await conn.next();
  assert.equal(m.type, type, `expected a ${type} message, got ${JSON.stringify(m).slice(0, 200)}`);
  if (type === "binary") {
    assert.ok(Buffer.isBuffer(m.data) && m.data.equals(Buffer.from(data)), "binary message arrives byte for byte");
  } else {
    assert.equal(m.data, data);
  }
}

async function expectClose(conn, code, reason) {
  const m = await conn.next();
  assert.equal(m.type, "close", `expected a close, got ${JSON.stringify(m).slice(0, 200)}`);
  if (code !== undefined) assert.equal(m.code, code);
  if (reason instanceof RegExp) assert.match(m.reason, reason);
  else if (reason !== undefined) assert.equal(m.reason, reason);
}

for (const variant of VARIANTS) {
  describe(`${RUNTIME} relay, Live API (${variant === "dist" ? "dist/ single file" : "sources"})`, () => {
    let main; // upstream = our WebSocket upstream
    let dead; // upstream = a closed port
    const open = (path, headers = {}) =>
      wsConnect(wsUrl(main.url, path), { "x-relay-secret": SECRET, "x-goog-api-key": KEY, ...headers });

    before(async () => {
      const deadPort = await closedPort();
      [main, dead] = await Promise.all([
        relay({ variant, secret: SECRET, upstream: upstream.url }),
        relay({ variant, secret: SECRET, upstream: `http://127.0.0.1:${deadPort}` }),
      ]);
    });

    test("missing or wrong secret: 401 without upgrade, the upstream sees nothing", async () => {
      for (const secret of [undefined, "", SECRET.slice(0, -1) + (SECRET.endsWith("A") ? "B" : "A"), SECRET + "x"]) {
        const id = testId();
        const headers = { "x-goog-api-key": KEY, "x-test-id": id };
        if (secret !== undefined) headers["x-relay-secret"] = secret;
        const res = await wsConnect(wsUrl(main.url, LIVE), headers);
        assertRelayRefusal(res, "auth", 401, "UNAUTHENTICATED");
        assert.equal(await upstream.record(id, 200), null, "an unauthenticated handshake reached the upstream");
      }
    });

    test("upgrades elsewhere than the Live paths: 404 without upgrade", async () => {
      for (const path of [
        "/v1beta/models",
        "/ws/google.ai.generativelanguage.v2.GenerativeService.BidiGenerateContent",
        LIVE + "x",
        "/ws/",
        "/",
      ]) {
        const id = testId();
        const res = await wsConnect(wsUrl(main.url, path), { "x-relay-secret": SECRET, "x-test-id": id });
        assertRelayRefusal(res, "path", 404, "NOT_FOUND");
        assert.equal(await upstream.record(id, 100), null, `${path} reached the upstream`);
      }
    });

    test("a session: text stays text, binary stays binary, bytes and order kept; key in, secret out", async () => {
      const id = testId();
      const res = await open(`${LIVE}?alt=proto&x=%2Fa%20b`, {
        "x-test-id": id,
        "user-agent": "relay-live-test/1.0",
        "x-goog-api-client": "google-genai-sdk/2.18.0 gl-node/v22.0.0",
        "x-forwarded-for": "203.0.113.7",
        "cf-connecting-ip": "203.0.113.7",
        cookie: "session=abc",
      });
      assert.equal(res.status, 101, `handshake answered ${res.status}: ${res.body}`);
      assert.ok(res.headers["x-relay-version"], "x-relay-version on the 101");
      assert.equal(res.headers["x-relay-error"], undefined);
      const conn = res.conn;
      conn.sendText(JSON.stringify({ setup: { model: "models/gemini-live-2.5-flash-preview" } }));
      await expectMessage(conn, "binary", '{"setupComplete":{}}');

      const text = 'Grüße ✓ 🎧 {"clientContent":{"turnComplete":true}}';
      conn.sendText(text);
      await expectMessage(conn, "text", text);
      const small = randomBytes(100);
      conn.sendBinary(small);
      await expectMessage(conn, "binary", small);
      const medium = randomBytes(3000); // 16-bit length
      conn.sendBinary(medium);
      await expectMessage(conn, "binary", medium);
      const large = randomBytes(200 * 1024); // 64-bit length
      conn.sendBinary(large);
      await expectMessage(conn, "binary", large);
      const binaryText = Buffer.from('{"looks":"like text"}'); // valid UTF-8, still binary
      conn.sendBinary(binaryText);
      await expectMessage(conn, "binary", binaryText);
      conn.sendText("");
      await expectMessage(conn, "text", "");
      conn.sendBinary(Buffer.alloc(0));
      await expectMessage(conn, "binary", Buffer.alloc(0));

      // A burst, alternating types, without waiting: all come back in order.
      const burst = [];
      for (let i = 0; i < 60; i++) {
        if (i % 2) {
          const b = randomBytes(1 + (i % 7) * 50);
          burst.push(["binary", b]);
          conn.sendBinary(b);
        } else {
          burst.push(["text", `message ${i}`]);
          conn.sendText(`message ${i}`);
        }
      }
      for (const [type, data] of burst) await expectMessage(conn, type, data);

      // A message sent in several frames arrives as one message (the relay relays messages, not frames).
      const fragmentedBytes = randomBytes(5000);
      conn.sendFragmented("binary", fragmentedBytes, 3);
      await expectMessage(conn, "binary", fragmentedBytes);
      conn.sendFragmented("text", "fragmented text message", 4);
      await expectMessage(conn, "text", "fragmented text message");

      conn.close(1000, "done");
      await expectClose(conn, 1000, "done");
      const closed = await upstream.closed(id);
      assert.ok(closed, "the upstream saw the close");
      assert.equal(closed.code, 1000);
      assert.equal(closed.reason, "done");

      const rec = await upstream.record(id);
      assert.equal(rec.url, `${LIVE}?alt=proto&x=%2Fa%20b`, "path and query reach the upstream unchanged");
      assert.ok(rec.headers["x-goog-api-key"] === KEY, "the key reaches the upstream in x-goog-api-key");
      assert.ok(!rec.url.includes(KEY), "the key is not put into the upstream URL");
      assert.equal(rec.headers["x-goog-api-client"], "google-genai-sdk/2.18.0 gl-node/v22.0.0");
      // Deno's WebSocket adds its own User-Agent line (Node's parser keeps only the first one): look at all.
      const agents = rec.rawHeaders.filter((v, i) => i % 2 === 1 && /^user-agent$/i.test(rec.rawHeaders[i - 1]));
      assert.ok(agents.includes("relay-live-test/1.0"), `the client's User-Agent is passed on (${agents.join(" | ")})`);
      assert.equal(rec.headers.host, new URL(upstream.url).host, "Host is the upstream's");
      for (const gone of ["x-relay-secret", "x-forwarded-for", "cf-connecting-ip", "cookie"]) {
        assert.equal(rec.headers[gone], undefined, `${gone} reached the upstream`);
      }
      assert.ok(!JSON.stringify(rec.rawHeaders).includes(SECRET), "the relay secret reached the upstream");
      assert.ok(!rec.url.includes(SECRET), "the relay secret is not in the upstream URL");
      assert.ok(!JSON.stringify(rec.rawHeaders).includes("203.0.113.7"), "the caller's address reached the upstream");
      // What the upstream sent into the session (setup + messages) arrived as sent.
      assert.equal(rec.received[0].type, "text");
      assert.equal(rec.received[1].data, text);
      assert.equal(rec.received[3].type, "binary");
      assert.ok(rec.received[3].data.equals(medium));
    });

    test("the upstream's close code and reason reach the client (1007, 1008, 1011, 4000, none)", async () => {
      for (const [code, reason, expected] of [
        [1007, "API key not valid. Please pass a valid API key.", [1007, "API key not valid. Please pass a valid API key."]],
        [1008, "models/x is not found for API version v1beta, or is not supported for bidiGenerateContent.", null],
        [1011, "You exceeded your current quota, please check your plan and billing details.", null],
        [4000, "custom", null],
        [1000, "", null],
        [undefined, "", [1000, ""]], // a close frame without a code: 1005 cannot be sent on, 1000 is
      ]) {
        const id = testId();
        const res = await open(LIVE_ALPHA, { "x-test-id": id });
        assert.equal(res.status, 101);
        res.conn.sendText(`close:${code ?? ""}:${reason}`);
        const [c, r] = expected || [code, reason];
        await expectClose(res.conn, c, r);
      }
    });

    test("the client's close code and reason reach the upstream", async () => {
      // The standard WebSocket API lets a client socket (Deno's `new WebSocket`) send only 1000 and 3000–4999:
      // there, other codes arrive upstream as 1000 with their reason. workerd passes them on as they are.
      for (const [code, reason, denoCode] of [
        [1000, "bye", 1000],
        [4001, "custom reason ✓", 4001],
        [1001, "going away", 1000],
        [undefined, "", 1000], // no code given (1005) → 1000
      ]) {
        const id = testId();
        const res = await open(LIVE, { "x-test-id": id });
        assert.equal(res.status, 101);
        res.conn.sendText("ping");
        await expectMessage(res.conn, "text", "ping");
        res.conn.close(code, reason);
        const closed = await upstream.closed(id);
        assert.ok(closed, "the upstream saw a close");
        const want = code === undefined ? 1000 : RUNTIME === "deno" ? denoCode : code;
        assert.equal(closed.code, want, `client closed with ${code}`);
        assert.equal(closed.reason, reason);
        await expectClose(res.conn); // the relay's answer to the close (its code is the runtime's choice)
      }
    });

    test("a side that goes away without a close frame: the other side is closed (1011 where it can be sent)", async () => {
      // Upstream drops its TCP connection → the client gets 1011.
      let id = testId();
      let res = await open(LIVE, { "x-test-id": id });
      assert.equal(res.status, 101);
      res.conn.sendText("drop");
      // workerd reports the loss as a close (1006), Deno as an error event followed by a close.
      await expectClose(res.conn, 1011, /^relay: the upstream (connection was lost|WebSocket failed)$/);

      // Client drops its TCP connection → the upstream gets a close (1011 on workerd; 1000 on Deno, whose
      // client WebSocket cannot send 1011).
      id = testId();
      res = await open(LIVE, { "x-test-id": id });
      assert.equal(res.status, 101);
      res.conn.sendText("ping");
      await expectMessage(res.conn, "text", "ping");
      res.conn.drop();
      const closed = await upstream.closed(id);
      assert.ok(closed, "the upstream saw the session end");
      assert.equal(closed.code, RUNTIME === "deno" ? 1000 : 1011);
      assert.match(closed.reason, /^relay: the client (connection was lost|WebSocket failed)$/);
    });

    test("messages the upstream sends before the client's upgrade is accepted arrive first, then its close", async () => {
      const id = testId();
      const res = await open(`${LIVE}?greet=1&greetClose=4002`, { "x-test-id": id });
      assert.equal(res.status, 101);
      await expectMessage(res.conn, "binary", '{"greeting":true}');
      await expectClose(res.conn, 4002, "bye after greeting");
    });

    test("ephemeral tokens: ?access_token= and Authorization: Token reach the upstream unchanged", async () => {
      let id = testId();
      const query = `?access_token=${encodeURIComponent(TOKEN)}`;
      let res = await wsConnect(wsUrl(main.url, CONSTRAINED + query), { "x-relay-secret": SECRET, "x-test-id": id });
      assert.equal(res.status, 101);
      res.conn.sendText('{"setup":{}}');
      await expectMessage(res.conn, "binary", '{"setupComplete":{}}');
      res.conn.close(1000, "");
      let rec = await upstream.record(id);
      assert.equal(rec.url, CONSTRAINED + query);
      assert.equal(rec.headers["x-goog-api-key"], undefined);
      assert.equal(rec.headers["x-relay-secret"], undefined);

      id = testId();
      res = await wsConnect(wsUrl(main.url, CONSTRAINED), {
        "x-relay-secret": SECRET,
        authorization: `Token ${TOKEN}`,
        "x-test-id": id,
      });
      assert.equal(res.status, 101);
      res.conn.close(1000, "");
      rec = await upstream.record(id);
      assert.ok(rec.headers.authorization === `Token ${TOKEN}`, "Authorization: Token reaches the upstream");
      assert.equal(rec.url, CONSTRAINED);
    });

    test("the upstream refuses the handshake: no upgrade, its status with x-relay-error upstream-refused", async () => {
      for (const status of [503, 429]) {
        const id = testId();
        const res = await open(`${LIVE}?refuse=${status}`, { "x-test-id": id });
        assert.ok(!res.conn, "no upgrade");
        assert.equal(res.status, status);
        assert.equal(res.headers["x-relay-error"], "upstream-refused");
        assert.ok(res.headers["x-relay-version"]);
        const json = JSON.parse(res.body);
        assert.equal(json.error.code, status);
        if (RUNTIME === "workerd") {
          // fetch() shows the refusal: its body and headers come back as they are.
          assert.equal(res.body, refusalBody(status));
          assert.equal(res.headers["x-upstream-says"], "no");
        } else {
          // Deno's WebSocket tells the status only: the body is the relay's own.
          assert.equal(json.error.status, status === 429 ? "RESOURCE_EXHAUSTED" : "UNAVAILABLE");
          assert.match(json.error.message, new RegExp(`refused the WebSocket handshake with HTTP ${status}`));
        }
        for (const s of ALL_SECRETS) assert.ok(!res.body.includes(s));
        assert.ok((await upstream.record(id)).refused, "the handshake did reach the upstream");
      }
    });

    test("the upstream is unreachable: 502 upstream-unreachable, no upgrade, nothing leaked", async () => {
      const res = await wsConnect(wsUrl(dead.url, `${LIVE}?key=${KEY}`), {
        "x-relay-secret": SECRET,
        "x-goog-api-key": KEY,
      });
      const json = assertRelayRefusal(res, "upstream-unreachable", 502, "UNAVAILABLE");
      assert.ok(!json.error.message.includes("127.0.0.1"), "the upstream URL is not echoed");
    });

    test("the HTTP relay is unchanged next to it: GET on a Live path without an upgrade is 404", async () => {
      const res = await fetch(main.url + LIVE, { headers: { "x-relay-secret": SECRET } });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get("x-relay-error"), "path");
      await res.arrayBuffer();
    });
  });
}
