// SPDX-License-Identifier: GPL-3.0-or-later
// Starts the relay (resources/relay) in a real runtime for relay.test.mjs: Deno (`deno run`) or workerd
// (`workerd serve workerd.capnp`). Each relay gets a free loopback port; readiness = GET /health answers, polled
// with a deadline. Output goes to a log file per relay (checked afterwards for leaked keys and secrets).
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = dirname(fileURLToPath(import.meta.url));
export const RELAY_DIR = join(HERE, "..", "..", "resources", "relay");

const running = new Set();
function killAll() {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

// Registers another child process (fake-gemini, the daemon, a CLI call) to be killed together with the relays
// when this process exits or is interrupted. Returns the child.
export function track(child) {
  running.add(child);
  child.on("exit", () => running.delete(child));
  return child;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A loopback port nothing listens on, that stays so: below the ephemeral range, so no relay or server a test
// starts on a free port (freePort) can take it. (A port from freePort is free only until the next one is asked
// for: a relay started next to it could land there and answer.) Checked: a connection is refused.
export async function closedPort() {
  for (const port of [1, 9, 47, 59]) {
    const refused = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.on("connect", () => {
        s.destroy();
        resolve(false);
      });
      s.on("error", (e) => resolve(e.code === "ECONNREFUSED"));
    });
    if (refused) {
      return port;
    }
  }
  throw new Error("no closed port below 60 on 127.0.0.1");
}

let relaySeq = 0;

function command(runtime, variant, port) {
  if (runtime === "deno") {
    const entry = variant === "dist" ? join(RELAY_DIR, "dist", "deno-relay.js") : join(RELAY_DIR, "deno", "main.ts");
    return {
      bin: process.env.RELAY_DENO_BIN,
      args: [
        "run",
        "--no-prompt",
        "--no-config",
        "--allow-net",
        "--allow-env=RELAY_SECRET,UPSTREAM_URL,PORT,RELAY_HOST",
        entry,
      ],
      env: { PORT: String(port), RELAY_HOST: "127.0.0.1" },
    };
  }
  if (runtime === "workerd") {
    return {
      bin: process.env.RELAY_WORKERD_BIN,
      args: [
        "serve",
        join(HERE, "workerd.capnp"),
        variant === "dist" ? "distConfig" : "sourceConfig",
        `--socket-addr=http=127.0.0.1:${port}`,
      ],
      env: {},
    };
  }
  throw new Error(`unknown RELAY_RUNTIME ${runtime}`);
}

// Spawns a relay and, unless `wait` is false, waits until it answers /health (any HTTP status counts: a relay
// without a secret answers 500). Returns { url, child, logFile, exited (promise of {code, signal}), stop() }.
export async function startRelay({ runtime, variant = "source", secret, upstream, wait = true, timeoutMs = 30000 }) {
  const port = await freePort();
  const { bin, args, env } = command(runtime, variant, port);
  if (!bin) {
    throw new Error(`no binary for ${runtime}: set RELAY_DENO_BIN / RELAY_WORKERD_BIN (run-relay-tests.sh does)`);
  }
  const tmp = process.env.RELAY_TMP;
  const logFile = join(tmp, `relay-${runtime}-${variant}-${++relaySeq}.log`);
  const fd = openSync(logFile, "w");
  const childEnv = {
    ...process.env,
    ...env,
    DENO_DIR: join(tmp, "deno-dir"),
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
  };
  delete childEnv.RELAY_SECRET;
  delete childEnv.UPSTREAM_URL;
  if (secret !== undefined) childEnv.RELAY_SECRET = secret;
  if (upstream !== undefined) childEnv.UPSTREAM_URL = upstream;
  const child = spawn(bin, args, { env: childEnv, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  running.add(child);
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const relay = {
    url,
    child,
    logFile,
    exited,
    log: () => readFileSync(logFile, "utf8"),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  if (!wait) {
    return relay;
  }
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  exited.then(() => {
    gone = true;
  });
  for (;;) {
    if (gone) {
      throw new Error(`${runtime} relay exited before it answered /health; its output:\n${relay.log()}`);
    }
    try {
      const r = await fetch(`${url}/health`, {
        headers: secret ? { "x-relay-secret": secret } : {},
        signal: AbortSignal.timeout(2000),
      });
      await r.arrayBuffer();
      return relay;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await relay.stop();
      throw new Error(`${runtime} relay did not answer /health within ${timeoutMs} ms; its output:\n${relay.log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
