// SPDX-License-Identifier: GPL-3.0-or-later
// Gemini Aggregator relay: the logic shared by the Deno Deploy and Cloudflare Workers entries.
// The local proxy (gemini-aggregatord) sends a normal Gemini API request here, with the API key already set and
// the header `x-relay-secret`; the relay checks the secret and forwards the request to Google from its own IP,
// streaming both bodies. Protocol: resources/relay/README.md. No imports, no runtime-specific API: build.mjs
// pastes this file into the single-file versions in dist/.
// Never log a request's headers, URL or body: they carry API keys and the relay secret.

export const RELAY_VERSION = "1.0.0";
export const DEFAULT_UPSTREAM = "https://generativelanguage.googleapis.com";
export const MIN_SECRET_LENGTH = 16;

// Paths forwarded to the upstream. Everything else is answered 404 by the relay itself.
const GEMINI_PATH = /^\/(?:v1|v1beta|v1alpha)[/:]|^\/upload\//;

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

const ERROR_KINDS = {
  auth: { code: 401, status: "UNAUTHENTICATED" },
  path: { code: 404, status: "NOT_FOUND" },
  "upstream-unreachable": { code: 502, status: "UNAVAILABLE" },
  internal: { code: 500, status: "INTERNAL" },
};

const HEALTH_TIMEOUT_MS = 10000;

// An answer the relay makes itself: Gemini's error shape, plus `x-relay-error: <kind>`.
function relayError(kind, message) {
  const { code, status } = ERROR_KINDS[kind];
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

// Handles one request. `secret`: the relay secret (RELAY_SECRET); `upstream`: base URL of the Gemini API;
// `runtime`: "deno" or "workerd", reported by /health; `fetchImpl`: the fetch used towards the upstream.
/**
 * @param {Request} request
 * @param {{ secret?: string, upstream?: string, runtime?: string, fetchImpl?: typeof fetch }} [options]
 * @returns {Promise<Response>}
 */
export async function handle(request, { secret, upstream = DEFAULT_UPSTREAM, runtime = "unknown", fetchImpl = fetch } = {}) {
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
    if (!GEMINI_PATH.test(url.pathname)) {
      return relayError("path", "The relay forwards only Gemini API paths (/v1beta/, /v1/, /v1alpha/, /upload/).");
    }
    return await forward(request, url, upstream || DEFAULT_UPSTREAM, fetchImpl);
  } catch (e) {
    console.error(`relay: internal error (${(e && e.name) || "Error"})`);
    return relayError("internal", "The relay failed while handling the request.");
  }
}
