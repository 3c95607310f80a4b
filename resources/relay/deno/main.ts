// SPDX-License-Identifier: GPL-3.0-or-later
// Gemini Aggregator relay — Deno entry (Deno Deploy, or `deno run` anywhere).
// Environment: RELAY_SECRET (required, at least 16 characters), UPSTREAM_URL (optional, tests only),
// PORT and RELAY_HOST (optional, for a local run; Deno Deploy ignores them).
// Plain JavaScript syntax on purpose: build.mjs pastes this file into dist/deno-relay.js.
import { DEFAULT_UPSTREAM, handle, liveSteps, MIN_SECRET_LENGTH, RELAY_VERSION } from "../relay-core.js";

const secret = Deno.env.get("RELAY_SECRET");
if (!secret || secret.length < MIN_SECRET_LENGTH) {
  const problem = secret ? `is shorter than ${MIN_SECRET_LENGTH} characters` : "is not set";
  console.error(
    `gemini-aggregator relay: RELAY_SECRET ${problem}. Set it to the relay secret the aggregator printed ` +
      `(or a random string of at least ${MIN_SECRET_LENGTH} characters, e.g. \`openssl rand -base64 32\`) ` +
      `in the project's environment variables, then deploy again.`,
  );
  throw new Error(`RELAY_SECRET ${problem}; the relay refuses to start`);
}
const upstream = Deno.env.get("UPSTREAM_URL") || DEFAULT_UPSTREAM;

// The Live API's two runtime-specific steps (relay-core.js, "Live API"). The upstream WebSocket carries the
// credential headers (x-goog-api-key, Authorization) in its handshake: `new WebSocket(url, { headers })` is
// Deno's non-standard option. A refused handshake is only an error event whose message names the status
// ("Invalid status code: 503"); the body is not available.
const live = liveSteps({
  connect(url, headers, signal) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http(s?):/i, "ws$1:"), { headers });
      ws.binaryType = "arraybuffer";
      let settled = false;
      const onAbort = () => {
        if (!settled) {
          settled = true;
          reject(new Error("timed out"));
        }
        try {
          ws.close();
        } catch {
          // not open yet
        }
      };
      signal.addEventListener("abort", onAbort);
      ws.addEventListener("open", () => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) {
          settled = true;
          resolve({ socket: ws });
        }
      });
      ws.addEventListener("error", (event) => {
        signal.removeEventListener("abort", onAbort);
        if (settled) return;
        settled = true;
        const message = event instanceof ErrorEvent && event.message ? event.message : "WebSocket error";
        const refused = /invalid status code:? *(\d{3})/i.exec(message);
        if (refused) {
          resolve({ status: Number(refused[1]) });
        } else {
          reject(new Error(message));
        }
      });
      ws.addEventListener("close", () => {
        signal.removeEventListener("abort", onAbort);
        if (!settled) {
          settled = true;
          reject(new Error("closed during the handshake"));
        }
      });
    });
  },
  accept(request) {
    const { socket, response } = Deno.upgradeWebSocket(request);
    try {
      response.headers.set("x-relay-version", RELAY_VERSION);
    } catch {
      // immutable headers on older Deno versions
    }
    return { socket, response };
  },
});

Deno.serve(
  {
    port: Number(Deno.env.get("PORT") ?? 8000),
    hostname: Deno.env.get("RELAY_HOST") ?? "0.0.0.0",
    onListen: ({ hostname, port }) => console.log(`gemini-aggregator relay listening on http://${hostname}:${port}/`),
  },
  (request) => handle(request, { secret, upstream, runtime: "deno", live }),
);
