#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The local proxy (gemini-aggregatord) routing through the relays (resources/relay) in their real runtimes:
#   client → gemini-aggregatord → relay in Deno / workerd → fake-gemini
# proxy.test.mjs starts the fakes, the relays and the daemon itself (in a private sandbox under a temporary
# directory, encrypted file secret store) and covers serverless / hybrid routing, key binding, fallback when a
# relay is killed, hung or has the wrong secret, the 503 when no relay is left, live mode switches, streaming
# timing, `instances test`, and Live API sessions (WebSocket, @google/genai from tests/e2e) through each relay
# and falling back to direct.
#   tests/relay/run-proxy-relay-tests.sh FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN
# The runtimes come from npm exactly as in run-relay-tests.sh (pinned in package.json, installed into
# node_modules here). RELAY_KEEP_TMP=1 keeps the temporary directory (daemon, relay and fake logs) afterwards.
# Exit: 0 all passed, 1 a failure, 2 usage, 77 node/npm missing or too old (CTest: skipped).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
DAEMON_BIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)

for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done
# shellcheck source=runtimes.sh
source "$HERE/runtimes.sh"
# The Live API tests drive @google/genai (ai.live.connect): the SDK pinned in tests/e2e, installed there.
E2E_DIR=$(cd "$HERE/../e2e" && pwd)
# shellcheck source=../e2e/harness.sh
source "$E2E_DIR/harness.sh"
harness_npm_install "$E2E_DIR"
echo "==> deno $("$DENO_BIN" --version | head -n 1 | cut -d' ' -f2), workerd $("$WORKERD_BIN" --version | cut -d' ' -f2)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ga-proxy-relay.XXXXXX")
NODE_PID=""
# The test process runs in its own process group (job control below), and everything it starts (fakes, relays,
# the daemon, CLI calls) stays in that group: stopping the group leaves nothing behind, even a relay the test
# had stopped with SIGSTOP, or children of a test process that died without its exit handler.
stop_group() {
    [ -n "$NODE_PID" ] || return 0
    if kill -0 "$NODE_PID" 2>/dev/null; then
        kill -TERM -- "-$NODE_PID" 2>/dev/null || true
        timeout 5 tail --pid="$NODE_PID" -f /dev/null 2>/dev/null || true
    fi
    kill -KILL -- "-$NODE_PID" 2>/dev/null || true
    wait "$NODE_PID" 2>/dev/null || true
    NODE_PID=""
}
cleanup() {
    local rc=$?
    stop_group
    relay_finish_tmp "$rc" 40
    return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "==> proxy through relays: $DAEMON_BIN"
set -m # the background job gets a process group of its own (its id = NODE_PID)
(
    cd "$HERE"
    exec env FAKE_GEMINI_BIN="$FAKE_BIN" GEMINI_AGGREGATORD_BIN="$DAEMON_BIN" RELAY_TMP="$TMP" \
        RELAY_DENO_BIN="$DENO_BIN" RELAY_WORKERD_BIN="$WORKERD_BIN" \
        node --test --test-reporter=spec --test-timeout=180000 "$HERE/proxy.test.mjs"
) &
NODE_PID=$!
set +m
set +e
wait "$NODE_PID"
rc=$?
set -e
# Reap anything the test left in its group (normally nothing), then report.
kill -KILL -- "-$NODE_PID" 2>/dev/null || true
NODE_PID=""
if [ "$rc" -ne 0 ]; then
    echo "proxy_through_relays: FAILED (exit $rc)" >&2
    exit 1
fi
echo "proxy_through_relays: all passed"
