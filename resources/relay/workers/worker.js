// SPDX-License-Identifier: GPL-3.0-or-later
// Gemini Aggregator relay — Cloudflare Workers entry (also runs in workerd).
// Bindings: RELAY_SECRET (a secret, required, at least 16 characters), UPSTREAM_URL (optional, tests only).
// build.mjs pastes this file into dist/worker-relay.js.
import { DEFAULT_UPSTREAM, handle, liveSteps, RELAY_VERSION } from "../relay-core.js";

// The Live API's two runtime-specific steps (relay-core.js, "Live API"). The upstream WebSocket is a fetch()
// with `Upgrade: websocket` (headers as given, so the credential travels in x-goog-api-key / Authorization);
// a refused handshake is an ordinary Response whose status and body the relay passes back.
const live = liveSteps({
  async connect(url, headers, signal) {
    headers.set("upgrade", "websocket");
    const response = await fetch(url, { headers, signal });
    const ws = response.webSocket;
    if (!ws) {
      return { response };
    }
    ws.accept();
    return { socket: ws };
  },
  accept() {
    const pair = new WebSocketPair();
    const client = pair[0];
    const server = pair[1];
    server.accept();
    return {
      socket: server,
      response: new Response(null, { status: 101, webSocket: client, headers: { "x-relay-version": RELAY_VERSION } }),
    };
  },
});

export default {
  fetch(request, env) {
    return handle(request, {
      secret: env.RELAY_SECRET, // missing or too short: handle() answers 500 with x-relay-error: internal
      upstream: env.UPSTREAM_URL || DEFAULT_UPSTREAM,
      runtime: "workerd",
      live,
    });
  },
};
