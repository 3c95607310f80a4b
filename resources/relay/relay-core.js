// SPDX-License-Identifier: GPL-3.0-or-later
// Gemini Aggregator relay: the logic shared by the Deno Deploy and Cloudflare Workers entries.
// The local proxy (gemini-aggregatord) sends a normal Gemini API request here, with the API key already set and
// the header `x-relay-secret`; the relay checks the secret and forwards the request to Google from its own IP,
// streaming both bodies. The Live API (WebSocket) is relayed message by message: the entries supply the two
// runtime-specific steps (open the upstream WebSocket, accept the client's upgrade) and this file does the rest.
// Protocol: resources/relay/README.md. No imports, no runtime-specific API: build.mjs pastes this file into the
// single-file versions in dist/.
// Never log a request's headers, URL or body: they carry API keys and the relay secret.

export const RELAY_VERSION = "1.1.0";
export const DEFAULT_UPSTREAM = "https://generativelanguage.googleapis.com";
export const MIN_SECRET_LENGTH = 16;

// Paths forwarded to the upstream. Everything else is answered 404 by the relay itself.
const GEMINI_PATH = /^\/(?:v1|v1beta|v1alpha)[/:]|^\/upload\//;
// The Live API endpoints, relayed as WebSockets (only with a WebSocket upgrade, only GET).
const LIVE_PATH =
  /^\/ws\/google\.ai\.generativelanguage\.(?:v1beta|v1alpha|v1)\.GenerativeService\.BidiGenerateContent(?:Constrained)?$/;

// Request headers that never reach the upstream: the relay's own secret, what identifies the caller or the
// platform in front of the relay, and hop-by-hop headers (RFC 9110 §7.6.1).
const DROP_REQUEST_HEADERS = new Set([
  "x-relay-secret",
  "host",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-port",
  "x-real-ip",
  "forwarded",
  "via",
  "true-client-ip",
  "cf-connecting-ip",
  "cf-connecting-ipv6",
  "cf-ipcountry",
  "cf-ray",
  "cf-visitor",
  "cf-worker",
  "cf-ew-via",
  "cdn-loop",
  "cookie",
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

// Response headers the relay does not copy from the upstream: hop-by-hop ones (the runtime frames the body
// itself) and x-relay-error, which only the relay's own answers may carry.
const DROP_RESPONSE_HEADERS = new Set([
  "x-relay-error",
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

// Request headers that do not go into the upstream WebSocket handshake, besides DROP_REQUEST_HEADERS: the
// runtime makes its own handshake (key, version, extensions); subprotocols are not negotiated.
const DROP_LIVE_REQUEST_HEADERS = new Set([
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "sec-websocket-accept",
  "accept-encoding",
  "content-length",
  "content-type",
]);

const ERROR_KINDS = {
  auth: { code: 401, status: "UNAUTHENTICATED" },
  path: { code: 404, status: "NOT_FOUND" },
  "upstream-unreachable": { code: 502, status: "UNAVAILABLE" },
  "upstream-refused": { code: 502, status: "UNAVAILABLE" },
  internal: { code: 500, status: "INTERNAL" },
};

// Google's status names for the HTTP codes an upstream may refuse a WebSocket handshake with (for the relay's
// own body when the runtime tells the status but not the body).
const HTTP_STATUS_NAMES = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const HEALTH_TIMEOUT_MS = 10000;
const LIVE_CONNECT_TIMEOUT_MS = 30000;

// An answer the relay makes itself: Gemini's error shape, plus `x-relay-error: <kind>`. `httpCode` overrides
// the kind's usual code (an upstream's refusal status).
function relayError(kind, message, httpCode) {
  let { code, status } = ERROR_KINDS[kind];
  if (httpCode && httpCode !== code) {
    code = httpCode;
    status = HTTP_STATUS_NAMES[code] || (code >= 500 ? "UNAVAILABLE" : "FAILED_PRECONDITION");
  }
  const body = JSON.stringify({ error: { code, message, status } }, null, 2) + "\n";
  return new Response(body, {
    status: code,
    headers: {
      "content-type": "application/json; charset=UTF-8",
      "cache-control": "no-store",
      "x-relay-error": kind,
      "x-relay-version": RELAY_VERSION,
    },
  });
}

function jsonResponse(value) {
  return new Response(JSON.stringify(value) + "\n", {
    status: 200,
    headers: {
      "content-type": "application/json; charset=UTF-8",
      "cache-control": "no-store",
      "x-relay-version": RELAY_VERSION,
    },
  });
}

// Compares the presented secret with the configured one in time independent of where they differ and of
// their lengths: both are hashed first (so the loop always runs over 32 bytes), then compared without an
// early exit.
async function secretMatches(presented, secret) {
  if (typeof presented !== "string") {
    return false;
  }
  const enc = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(presented)),
    crypto.subtle.digest("SHA-256", enc.encode(secret)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) {
    diff |= x[i] ^ y[i];
  }
  return diff === 0;
}

// Error texts of fetch() may quote the URL, and a URL may carry `?key=`. Keep only what helps diagnose.
function describeError(e) {
  const name = (e && e.name) || "Error";
  let message = e && typeof e.message === "string" ? e.message : String(e);
  message = message
    .replace(/\b(https?|wss?):\/\/[^\s)"']*/gi, "<url>")
    .replace(/AIza[0-9A-Za-z_-]{10,}/g, "<key>");
  if (message.length > 300) {
    message = message.slice(0, 300) + "…";
  }
  return `${name}: ${message}`;
}

function joinUpstream(upstream, pathAndQuery) {
  return upstream.replace(/\/+$/, "") + pathAndQuery;
}

function forwardedRequestHeaders(incoming) {
  const drop = new Set(DROP_REQUEST_HEADERS);
  const connection = incoming.get("connection");
  if (connection) {
    for (const token of connection.split(",")) {
      drop.add(token.trim().toLowerCase());
    }
  }
  const out = new Headers();
  for (const [name, value] of incoming) {
    const lower = name.toLowerCase();
    // cf-*: Cloudflare's visitor metadata (cf-ipcountry, cf-ipcity, cf-region, … with managed transforms).
    if (!drop.has(lower) && !lower.startsWith("cf-")) {
      out.append(name, value);
    }
  }
  // Ask the upstream for an unencoded body. Deno's fetch() decompresses gzip/br bodies whenever the request
  // accepts them but keeps the Content-Encoding header, so a passed-through response would be mislabelled;
  // with `identity` the bytes and the header always match (and the runtime in front of the relay may still
  // compress towards the proxy).
  out.set("accept-encoding", "identity");
  return out;
}

function passedThroughResponse(upstreamResponse) {
  const headers = new Headers();
  for (const [name, value] of upstreamResponse.headers) {
    if (!DROP_RESPONSE_HEADERS.has(name.toLowerCase())) {
      headers.append(name, value);
    }
  }
  // Headers iteration combines repeated Set-Cookie; restore them one by one where the runtime can.
  if (typeof upstreamResponse.headers.getSetCookie === "function") {
    const cookies = upstreamResponse.headers.getSetCookie();
    if (cookies.length > 1) {
      headers.delete("set-cookie");
      for (const c of cookies) {
        headers.append("set-cookie", c);
      }
    }
  }
  headers.set("x-relay-version", RELAY_VERSION);
  return new Response(upstreamResponse.body, {
    status: upstreamResponse.status,
    statusText: upstreamResponse.statusText,
    headers,
  });
}

async function forward(request, url, upstream, fetchImpl) {
  const method = request.method.toUpperCase();
  const init = {
    method,
    headers: forwardedRequestHeaders(request.headers),
    redirect: "manual",
  };
  if (method !== "GET" && method !== "HEAD" && request.body) {
    init.body = request.body; // streamed, never buffered
    init.duplex = "half"; // needed by fetch implementations that follow the Fetch standard (Deno, undici)
  }
  let upstreamResponse;
  try {
    upstreamResponse = await fetchImpl(joinUpstream(upstream, url.pathname + url.search), init);
  } catch (e) {
    return relayError("upstream-unreachable", `The relay could not reach the Gemini API upstream (${describeError(e)}).`);
  }
  return passedThroughResponse(upstreamResponse);
}

async function probeUpstream(upstream, fetchImpl) {
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), HEALTH_TIMEOUT_MS);
  try {
    // Keyless on purpose: Google answers 403, which still proves the relay reaches it.
    const response = await fetchImpl(joinUpstream(upstream, "/v1beta/models?pageSize=1"), {
      method: "GET",
      redirect: "manual",
      signal: controller.signal,
    });
    const latencyMs = Date.now() - started;
    if (response.body) {
      await response.body.cancel().catch(() => {});
    }
    return { reachable: true, status: response.status, latencyMs };
  } catch (e) {
    const error = controller.signal.aborted ? `no answer within ${HEALTH_TIMEOUT_MS} ms` : describeError(e);
    return { reachable: false, status: 0, latencyMs: Date.now() - started, error };
  } finally {
    clearTimeout(timer);
  }
}

async function health(url, runtime, upstream, fetchImpl) {
  const report = { ok: true, version: RELAY_VERSION, runtime };
  if (url.searchParams.get("upstream") === "1") {
    report.upstream = await probeUpstream(upstream, fetchImpl);
  }
  return jsonResponse(report);
}

// ---- Live API (WebSocket) ----
//
// The entries pass `live`, the two steps only the runtime can do:
//   live.connect(url, headers, signal): opens the upstream WebSocket (url is http(s); the entry turns it into
//     ws(s) if its API needs that) and resolves when it is OPEN, to one of
//       { socket }     the open upstream WebSocket (binaryType "arraybuffer" where settable)
//       { response }   the upstream refused the handshake and this is its HTTP answer (status and body)
//       { status }     the upstream refused with this HTTP status; the runtime does not show the body
//       { refused: true }  the upstream refused, the status is not known
//     and rejects when the upstream cannot be reached (DNS, connect, TLS, reset). It must give up when `signal`
//     aborts (the relay then answers 502 upstream-unreachable).
//   live.accept(request): accepts the client's upgrade; returns { socket, response }, `response` being the 101
//     the handler must return.
// Both sockets are used through the standard WebSocket interface only (addEventListener, send, close,
// readyState), which Deno and workerd both implement.

/**
 * @typedef {{ socket?: WebSocket, response?: Response, status?: number, refused?: boolean }} LiveConnectResult
 * @typedef {{
 *   connect: (url: string, headers: Headers, signal: AbortSignal) => Promise<LiveConnectResult>,
 *   accept: (request: Request) => { socket: WebSocket, response: Response },
 * }} LiveSteps
 */

// Returns `steps` unchanged; it only gives the entries' adapter its type (deno/main.ts is type-checked as
// TypeScript but written in plain JavaScript syntax).
/**
 * @param {LiveSteps} steps
 * @returns {LiveSteps}
 */
export function liveSteps(steps) {
  return steps;
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;
const MAX_CLOSE_REASON_BYTES = 123; // RFC 6455 §5.5: a control frame's payload is at most 125 bytes

function isWebSocketUpgrade(request) {
  const upgrade = request.headers.get("upgrade");
  return !!upgrade && upgrade.split(",").some((t) => t.trim().toLowerCase() === "websocket");
}

function liveRequestHeaders(incoming) {
  const out = forwardedRequestHeaders(incoming);
  for (const name of DROP_LIVE_REQUEST_HEADERS) {
    out.delete(name);
  }
  return out;
}

// A close reason cut to what a close frame can carry, without splitting a UTF-8 sequence.
function closeReason(reason) {
  let r = typeof reason === "string" ? reason : "";
  const enc = new TextEncoder();
  while (enc.encode(r).length > MAX_CLOSE_REASON_BYTES) {
    r = r.slice(0, -1);
  }
  return r;
}

// The close code and reason to pass on to the other side, given what one side closed with. Codes that must
// never be sent in a close frame (RFC 6455 §7.4.1) become sendable ones: 1005 (no code given) → 1000 with
// no reason; 1006 (connection lost without a close frame), 1015 (TLS failure) and anything outside
// 1000–4999 → 1011 with the relay's reason (the peer sent none; a runtime's own text is not passed on).
function closeToPassOn(code, reason, side) {
  if (code === 1005) {
    return [1000, ""];
  }
  if (code === 1006 || code === 1015 || !Number.isInteger(code) || code < 1000 || code > 4999 || code === 1004) {
    return [1011, `relay: the ${side} connection was lost`];
  }
  return [code, closeReason(reason)];
}

// Closes `ws` with `code` and `reason`, falling back to 1000 where the runtime's API refuses the code (the
// standard WebSocket API lets a *client* socket send only 1000 and 3000–4999, e.g. Deno's `new WebSocket`).
function closeSocket(ws, code, reason) {
  for (const args of [[code, reason], [1000, reason], []]) {
    try {
      ws.close(...args);
      return;
    } catch {
      // refused code or already closed: try the next form
    }
  }
}

// Sends to `ws` in order, holding everything back until it is open (a socket can still be CONNECTING: the
// client's until the 101 has gone out on some runtimes). Items: { data } (string, ArrayBuffer, a view or a
// Blob) or { close: [code, reason] }. Anything that arrives for a socket that is closing or closed is dropped.
function outbox(ws) {
  const queue = [];
  let running = false;
  async function run() {
    running = true;
    try {
      while (queue.length > 0 && ws.readyState !== WS_CONNECTING) {
        const item = queue.shift();
        if (ws.readyState !== WS_OPEN) {
          continue;
        }
        if (item.close) {
          closeSocket(ws, item.close[0], item.close[1]);
          continue;
        }
        let data = item.data;
        // A Blob only where binaryType could not be set; converting it keeps the message binary.
        if (typeof Blob !== "undefined" && data instanceof Blob) {
          data = await data.arrayBuffer();
          if (ws.readyState !== WS_OPEN) {
            continue;
          }
        }
        try {
          ws.send(data);
        } catch {
          // closed meanwhile: its close event ends the session
        }
      }
    } finally {
      running = false;
    }
  }
  ws.addEventListener("open", () => {
    if (!running) run();
  });
  return (item) => {
    queue.push(item);
    if (!running) run();
  };
}

// Relays messages between the client's and the upstream's WebSocket until either side closes or fails: text
// stays text, binary stays binary, order is kept; a close (code and reason) is passed on to the other side, an
// error closes the other side with 1011.
function bridge(client, upstream) {
  for (const ws of [client, upstream]) {
    try {
      ws.binaryType = "arraybuffer";
    } catch {
      // workerd: binary messages are always ArrayBuffers
    }
  }
  let ended = false;
  const wire = (from, side, send) => {
    from.addEventListener("message", (event) => {
      if (!ended) send({ data: event.data });
    });
    from.addEventListener("close", (event) => {
      const [code, reason] = closeToPassOn(event.code, event.reason, side);
      // Complete the closing handshake where the runtime leaves that to the script (workerd); elsewhere the
      // socket is already closed and this does nothing.
      closeSocket(from, code, reason);
      if (!ended) {
        ended = true;
        send({ close: [code, reason] });
      }
    });
    from.addEventListener("error", () => {
      closeSocket(from, 1011, "relay: WebSocket error"); // usually closed already; a close event follows
      if (!ended) {
        ended = true;
        send({ close: [1011, `relay: the ${side} WebSocket failed`] });
      }
    });
  };
  wire(upstream, "upstream", outbox(client));
  wire(client, "client", outbox(upstream));
}

// The upstream refused the WebSocket handshake. With the upstream's answer at hand (Workers) its status and
// body go back as they are; otherwise the relay's own body with the upstream's status when known, else 502.
// Either way `x-relay-error: upstream-refused` tells the proxy that the relay worked and the upstream said no.
function refusedResponse(result) {
  if (result.response && result.response.status >= 400) {
    const response = passedThroughResponse(result.response);
    response.headers.set("x-relay-error", "upstream-refused");
    return response;
  }
  if (result.response && result.response.body) {
    result.response.body.cancel().catch(() => {});
  }
  const status = result.response ? result.response.status : result.status;
  if (Number.isInteger(status) && status >= 400 && status <= 599) {
    return relayError(
      "upstream-refused",
      `The Gemini API upstream refused the WebSocket handshake with HTTP ${status}.`,
      status,
    );
  }
  const what = Number.isInteger(status) ? ` (HTTP ${status} instead of 101)` : "";
  return relayError("upstream-refused", `The Gemini API upstream refused the WebSocket handshake${what}.`);
}

async function relayLive(request, url, upstream, live) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), LIVE_CONNECT_TIMEOUT_MS);
  let result;
  try {
    result = await live.connect(
      joinUpstream(upstream, url.pathname + url.search),
      liveRequestHeaders(request.headers),
      controller.signal,
    );
  } catch (e) {
    const why = controller.signal.aborted ? `no answer within ${LIVE_CONNECT_TIMEOUT_MS} ms` : describeError(e);
    return relayError("upstream-unreachable", `The relay could not reach the Gemini API upstream (${why}).`);
  } finally {
    clearTimeout(timer);
  }
  if (!result || !result.socket) {
    return refusedResponse(result || { refused: true });
  }
  // Only now, with the upstream open, accept the client's upgrade.
  let accepted;
  try {
    accepted = live.accept(request);
  } catch (e) {
    closeSocket(result.socket, 1011, "relay: the client's upgrade failed");
    throw e;
  }
  bridge(accepted.socket, result.socket);
  return accepted.response;
}

// Handles one request. `secret`: the relay secret (RELAY_SECRET); `upstream`: base URL of the Gemini API;
// `runtime`: "deno" or "workerd", reported by /health; `fetchImpl`: the fetch used towards the upstream;
// `live`: the runtime's WebSocket steps (see "Live API" above), without which Live requests get 500.
/**
 * @param {Request} request
 * @param {{ secret?: string, upstream?: string, runtime?: string, fetchImpl?: typeof fetch,
 *           live?: LiveSteps }} [options]
 * @returns {Promise<Response>}
 */
export async function handle(
  request,
  { secret, upstream = DEFAULT_UPSTREAM, runtime = "unknown", fetchImpl = fetch, live } = {},
) {
  try {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) {
      return relayError(
        "internal",
        `The relay is not configured: set RELAY_SECRET (at least ${MIN_SECRET_LENGTH} characters) in the platform's settings.`,
      );
    }
    // Authenticate before anything else, so that a caller without the secret learns nothing (not even which
    // paths exist); missing and wrong secrets get the same answer.
    if (!(await secretMatches(request.headers.get("x-relay-secret"), secret))) {
      return relayError("auth", "Missing or invalid relay secret.");
    }
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    if (url.pathname === "/health" && (method === "GET" || method === "HEAD")) {
      return await health(url, runtime, upstream || DEFAULT_UPSTREAM, fetchImpl);
    }
    if (isWebSocketUpgrade(request)) {
      if (method !== "GET" || !LIVE_PATH.test(url.pathname)) {
        return relayError("path", "The relay accepts WebSocket upgrades only on the Gemini Live API paths.");
      }
      if (!live) {
        return relayError("internal", "This relay cannot relay WebSockets on its runtime.");
      }
      return await relayLive(request, url, upstream || DEFAULT_UPSTREAM, live);
    }
    if (!GEMINI_PATH.test(url.pathname)) {
      return relayError("path", "The relay forwards only Gemini API paths (/v1beta/, /v1/, /v1alpha/, /upload/).");
    }
    return await forward(request, url, upstream || DEFAULT_UPSTREAM, fetchImpl);
  } catch (e) {
    console.error(`relay: internal error (${(e && e.name) || "Error"})`);
    return relayError("internal", "The relay failed while handling the request.");
  }
}
