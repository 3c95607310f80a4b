#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The serverless relay (resources/relay) in its real runtimes: starts fake-gemini on loopback, then runs the same
# node:test suite (relay.test.mjs) with the relay in Deno and again in workerd (the Cloudflare Workers runtime).
# Both runtimes come from npm (pinned in package.json / package-lock.json, installed into node_modules here).
#   tests/relay/run-relay-tests.sh FAKE_GEMINI_BIN
# RELAY_RUNTIMES="deno workerd" (default) picks the runtimes; RELAY_VARIANTS="source dist" (default) the files;
# RELAY_KEEP_TMP=1 keeps the temporary directory (relay logs) afterwards.
# Exit: 0 all passed, 1 a failure, 2 usage, 77 node/npm missing or too old (CTest: skipped).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
RUNTIMES=${RELAY_RUNTIMES:-deno workerd}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed for the relay runtime tests (installer/bootstrap.sh deps installs them)"
    exit 77
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 20 ]; then
    echo "SKIP: node $(node --version) is too old; the relay tests need node >= 20"
    exit 77
fi
[ -x "$FAKE_BIN" ] || { echo "not an executable: $FAKE_BIN" >&2; exit 1; }

# Install the pinned runtimes when node_modules does not hold exactly the versions package.json asks for.
installed_ok() {
    # shellcheck disable=SC2016 # JavaScript, not shell
    (cd "$HERE" && node -e '
        const fs = require("fs");
        const want = JSON.parse(fs.readFileSync("package.json", "utf8")).dependencies;
        for (const [name, version] of Object.entries(want)) {
            const p = `node_modules/${name}/package.json`;
            if (!fs.existsSync(p) || JSON.parse(fs.readFileSync(p, "utf8")).version !== version) process.exit(1);
        }' 2>/dev/null)
}
# `npm ci` refuses a lock file that lacks the optional per-platform packages of deno and workerd, and a registry
# mirror that only carries some platforms' packages yields exactly such a lock file (npm install leaves out what
# it cannot resolve). Then install without the lock file: package.json pins deno and workerd exactly, and they
# pin their platform packages exactly, so the result is the same versions either way.
if ! installed_ok; then
    echo "==> npm ci in $HERE"
    npm_err=$(mktemp)
    if ! (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error 2>"$npm_err"); then
        grep -q 'Missing: .* from lock file' "$npm_err" || { cat "$npm_err" >&2; rm -f "$npm_err"; exit 1; }
        echo "==> the lock file lacks other platforms' packages; npm install --no-package-lock instead"
        (cd "$HERE" && npm install --no-package-lock --no-save --no-audit --no-fund --loglevel=error)
    fi
    rm -f "$npm_err"
    installed_ok || { echo "npm did not install the pinned versions" >&2; exit 1; }
fi

# The real executables. The deno package's postinstall links the platform binary in place (bin.cjs is its
# fallback launcher); workerd's bin/workerd is the platform binary (or a launcher for it).
DENO_BIN="$HERE/node_modules/deno/deno"
[ -x "$DENO_BIN" ] || DENO_BIN="$HERE/node_modules/.bin/deno"
WORKERD_BIN="$HERE/node_modules/workerd/bin/workerd"
[ -x "$WORKERD_BIN" ] || WORKERD_BIN="$HERE/node_modules/.bin/workerd"
for bin in "$DENO_BIN" "$WORKERD_BIN"; do
    "$bin" --version >/dev/null 2>&1 || { echo "does not run on this machine: $bin" >&2; exit 1; }
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ga-relay.XXXXXX")
FAKE_PID=""
cleanup() {
    local rc=$?
    if [ -n "$FAKE_PID" ]; then
        kill -TERM "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
    fi
    if [ "$rc" -ne 0 ] || [ "${RELAY_KEEP_TMP:-0}" = 1 ]; then
        for f in "$TMP"/*.log; do
            [ -f "$f" ] || continue
            echo "----- last lines of $(basename "$f") -----" >&2
            tail -n 30 "$f" >&2
        done
    fi
    if [ "${RELAY_KEEP_TMP:-0}" = 1 ]; then
        echo "kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fake-gemini prints `listening on http://127.0.0.1:PORT` once it accepts connections: wait for that line
# (polled, with a deadline), or for the process to die.
"$FAKE_BIN" --host 127.0.0.1 --port 0 >"$TMP/fake-gemini.log" 2>&1 &
FAKE_PID=$!
FAKE_URL=""
deadline=$((SECONDS + 30))
while [ -z "$FAKE_URL" ]; do
    FAKE_URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*$/\1/p' "$TMP/fake-gemini.log" | head -n 1)
    [ -n "$FAKE_URL" ] && break
    kill -0 "$FAKE_PID" 2>/dev/null || { echo "fake-gemini exited before it was ready" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "fake-gemini not ready within 30 s" >&2; exit 1; }
    sleep 0.05
done
echo "==> fake-gemini at $FAKE_URL"
echo "==> deno $("$DENO_BIN" --version | head -n 1 | cut -d' ' -f2), workerd $("$WORKERD_BIN" --version | cut -d' ' -f2)"

failed=()
for runtime in $RUNTIMES; do
    echo "==> relay tests in $runtime"
    set +e
    (
        cd "$HERE"
        RELAY_RUNTIME="$runtime" FAKE_URL="$FAKE_URL" RELAY_TMP="$TMP" \
            RELAY_DENO_BIN="$DENO_BIN" RELAY_WORKERD_BIN="$WORKERD_BIN" \
            node --test --test-reporter=spec --test-timeout=120000 "$HERE/relay.test.mjs"
    )
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || failed+=("$runtime")
done

if [ "${#failed[@]}" -ne 0 ]; then
    echo "relay_runtimes: FAILED in: ${failed[*]}" >&2
    exit 1
fi
echo "relay_runtimes: all passed in: $RUNTIMES"
