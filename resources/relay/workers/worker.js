// SPDX-License-Identifier: GPL-3.0-or-later
// Gemini Aggregator relay — Cloudflare Workers entry (also runs in workerd).
// Bindings: RELAY_SECRET (a secret, required, at least 16 characters), UPSTREAM_URL (optional, tests only).
// build.mjs pastes this file into dist/worker-relay.js.
import { DEFAULT_UPSTREAM, handle } from "../relay-core.js";

export default {
  fetch(request, env) {
    return handle(request, {
      secret: env.RELAY_SECRET, // missing or too short: handle() answers 500 with x-relay-error: internal
      upstream: env.UPSTREAM_URL || DEFAULT_UPSTREAM,
      runtime: "workerd",
    });
  },
};
