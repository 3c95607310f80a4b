#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The serverless relay (resources/relay) in its real runtimes: starts fake-gemini on loopback, then runs the same
# node:test suites (relay.test.mjs: HTTP; live.test.mjs: the Live API over WebSocket, against its own loopback
# WebSocket upstream from ws.mjs) with the relay in Deno and again in workerd (the Cloudflare Workers runtime).
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

[ -x "$FAKE_BIN" ] || { echo "not an executable: $FAKE_BIN" >&2; exit 1; }
# shellcheck source=runtimes.sh
source "$HERE/runtimes.sh"
# shellcheck source=../e2e/harness.sh
source "$HERE/../e2e/harness.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ga-relay.XXXXXX")
FAKE_PID=""
cleanup() {
    local rc=$?
    if [ -n "$FAKE_PID" ]; then
        kill -TERM "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
    fi
    relay_finish_tmp "$rc" 30
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# fake-gemini prints `listening on http://127.0.0.1:PORT` once it accepts connections: wait for that line
# (read as a stream, with a deadline), or for the process to die.
"$FAKE_BIN" --host 127.0.0.1 --port 0 >"$TMP/fake-gemini.log" 2>&1 &
FAKE_PID=$!
line=$(harness_wait_line "$TMP/fake-gemini.log" "listening on" "$FAKE_PID" 30) || exit 1
FAKE_URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*$/\1/p' <<<"$line")
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
            node --test --test-reporter=spec --test-timeout=120000 --test-concurrency=1 \
                "$HERE/relay.test.mjs" "$HERE/live.test.mjs"
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
