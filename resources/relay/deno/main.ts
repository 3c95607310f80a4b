// SPDX-License-Identifier: GPL-3.0-or-later
// Gemini Aggregator relay — Deno entry (Deno Deploy, or `deno run` anywhere).
// Environment: RELAY_SECRET (required, at least 16 characters), UPSTREAM_URL (optional, tests only),
// PORT and RELAY_HOST (optional, for a local run; Deno Deploy ignores them).
// Plain JavaScript syntax on purpose: build.mjs pastes this file into dist/deno-relay.js.
import { DEFAULT_UPSTREAM, handle, MIN_SECRET_LENGTH } from "../relay-core.js";

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

Deno.serve(
  {
    port: Number(Deno.env.get("PORT") ?? 8000),
    hostname: Deno.env.get("RELAY_HOST") ?? "0.0.0.0",
    onListen: ({ hostname, port }) => console.log(`gemini-aggregator relay listening on http://${hostname}:${port}/`),
  },
  (request) => handle(request, { secret, upstream, runtime: "deno" }),
);
