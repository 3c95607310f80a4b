#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Wake-ups per second of an idle gemini-aggregatord: with no connection open, and with 10 keep-alive clients that
# each made one request and then wait. A wake-up is a voluntary context switch of any of its threads
# (/proc/PID/task/*/status), counted over a quiet window.
#   tests/benchmarks/bench-idle.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Defaults: build/release/... (or $BUILD_DIR/...). Environment: WINDOW seconds (10), CLIENTS (10), SETTLE seconds
# (2.5) between a step and its window; DETAIL=1 names the threads that woke in each window.
# Targets (issue 18): 0 per second idle, at most 1 per second with 10 idle keep-alive clients.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
bench_require python3 curl
WINDOW=${WINDOW:-10}
CLIENTS=${CLIENTS:-10}

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init
harness_start_fake "$FAKE_BIN" --accept-any-key --threads 1 --no-record
KEY=$(harness_gen_key)
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" "$KEY"
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")
PID=$H_DAEMON_PID

by_thread() { # "TID NAME SWITCHES" per thread of PID
    for t in /proc/"$PID"/task/*; do
        printf '%s %s %s\n' "${t##*/}" "$(tr ' ' _ <"$t/comm")" "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")"
    done 2>/dev/null
}
measure() { # LABEL: wake-ups per second over WINDOW seconds; DETAIL=1 also names the threads that woke
    local a b before after
    # Let what the last step started settle: a request's changes to the key state and the request history are
    # written a second after it (a timer, the file writes and their syncs: ~8 context switches of the main thread,
    # once), which a window starting a second after the request caught or missed by a few milliseconds.
    sleep "${SETTLE:-2.5}"
    before=$(by_thread)
    sleep "$WINDOW"
    after=$(by_thread)
    a=$(awk '{n += $3} END {print n + 0}' <<<"$before")
    b=$(awk '{n += $3} END {print n + 0}' <<<"$after")
    printf '%-40s %6.1f wake-ups/s  (%d in %d s, %d threads)\n' "$1" "$(awk -v d=$((b - a)) -v w="$WINDOW" 'BEGIN {print d / w}')" \
        $((b - a)) "$WINDOW" "$(ls /proc/"$PID"/task | wc -l)"
    if [ "${DETAIL:-0}" = 1 ]; then
        join <(sort <<<"$before") <(sort <<<"$after") | awk '$5 != $3 {printf "    thread %s (%s): %d\n", $1, $2, $5 - $3}'
    fi
}

echo "== bench-idle: gemini-aggregatord wake-ups per second, ${WINDOW}-second windows, $(nproc) cores"
measure "started, no connection yet"
# One request through the proxy, then the connection closes: the idle state after traffic.
curl -s -o /dev/null -H "x-goog-api-key: $TOKEN" -H 'content-type: application/json' \
    -d '{"contents":[{"parts":[{"text":"hi"}]}]}' "$H_PROXY_URL/v1beta/models/gemini-2.5-flash:generateContent"
measure "after a request, no connection open"

# Clients that keep their connections open after one request each (the token goes through the environment).
GA_TOKEN=$TOKEN python3 - "$H_PROXY_URL" "$CLIENTS" "$((WINDOW + 3))" <<'EOF' &
import os, socket, sys, time
url, count, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
host, port = url.split("//")[1].split(":")
body = b'{"contents":[{"parts":[{"text":"hi"}]}]}'
head = ("POST /v1beta/models/gemini-2.5-flash:generateContent HTTP/1.1\r\nHost: %s\r\nx-goog-api-key: %s\r\n"
        "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (host, os.environ["GA_TOKEN"], len(body))).encode()
conns = []
for _ in range(count):
    s = socket.create_connection((host, int(port)))
    s.sendall(head + body)
    data = b""
    while b"\r\n\r\n" not in data:
        data += s.recv(65536)
    conns.append(s)
time.sleep(hold)
EOF
CLIENTS_PID=$!
measure "$CLIENTS idle keep-alive clients"
wait "$CLIENTS_PID" 2>/dev/null || true
measure "after the clients left"
