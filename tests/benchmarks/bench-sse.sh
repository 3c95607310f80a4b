#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Per-chunk latency added by gemini-aggregatord to SSE streams: fake-gemini streams CHUNKS events INTERVAL_MS
# apart; bench-sse.mjs reads pairs of streams (direct and via the proxy, at the same time), timestamps every event
# where it leaves the upstream and where it reaches the client, and prints p50/p99 of the added latency per event.
# With nginx installed, a third stream goes through nginx (buffering off) in front of the same tap, and the daemon's
# transit is compared with nginx's. CONCURRENCY sets how many such groups run at once (streams open: 3 x it).
# Targets: p99 added < 5 ms; issue 18: p50 transit <= nginx's + 0.2 ms, p99 transit <= nginx's.
#   tests/benchmarks/bench-sse.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Defaults: build/release/... (or $BUILD_DIR/...). Environment: PAIRS (20 rounds), CHUNKS (50), INTERVAL_MS (20),
# CONCURRENCY (1), NGINX (on; off to leave it out), SET ("KEY=VALUE …": daemon settings first), TLS (1: the daemon and
# nginx reach the tap over TLS through another nginx), CLIENT (cpp: bench_sse_client, built in $BUILD_DIR when missing;
# node: bench-sse.mjs, one node process, which saturates at ~1,000 streams on 2 cores).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
CLIENT=${CLIENT:-cpp}
if [ "$CLIENT" = cpp ]; then
    CLIENT_BIN=$BUILD_DIR/tests/benchmarks/bench_sse_client
    cmake --build "$BUILD_DIR" --target bench_sse_client >/dev/null || {
        echo "could not build bench_sse_client in $BUILD_DIR (CLIENT=node runs bench-sse.mjs instead)" >&2
        exit 1
    }
else
    bench_require node
fi
PAIRS=${PAIRS:-20}
CONCURRENCY=${CONCURRENCY:-1}
CHUNKS=${CHUNKS:-50}
INTERVAL_MS=${INTERVAL_MS:-20}

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init

harness_start_fake "$FAKE_BIN" --accept-any-key --no-record --chunks "$CHUNKS" --interval-ms "$INTERVAL_MS"
# bench-sse.mjs runs a timestamping tap (a byte-for-byte TCP relay) in front of the fake; the daemon's upstream is
# the tap, and the direct streams go through the tap too.
TAP_PORT=$(harness_free_port)
KEY=$(harness_gen_key)
# TLS=1: the daemon and nginx reach the tap over TLS, as they reach Google, through another nginx terminating it
# (a new self-signed certificate they verify); the direct streams do not.
UPSTREAM_URL=http://127.0.0.1:$TAP_PORT
UPSTREAM_PORT=$TAP_PORT
UPSTREAM_CA=""
if [ "${TLS:-0}" = 1 ]; then
    bench_require nginx openssl
    PATH=$PATH:/usr/sbin
    BENCH_NGINX_DIR=$H_TMP/nginx-tls bench_start_nginx "$TAP_PORT" off tls
    UPSTREAM_URL=$BENCH_NGINX_URL
    UPSTREAM_PORT=${BENCH_NGINX_URL##*:}
    UPSTREAM_CA=$BENCH_NGINX_CA
fi
harness_setup_daemon "$DAEMON_BIN" "$UPSTREAM_URL" "$KEY"
[ -n "$UPSTREAM_CA" ] && "$DAEMON_BIN" config set upstream.caBundle "$UPSTREAM_CA" >/dev/null
# SET="KEY=VALUE …": the daemon's settings first (what a part of it costs, e.g. metrics.historyRetentionDays=0).
for setting in ${SET:-}; do
    "$DAEMON_BIN" config set "${setting%%=*}" "${setting#*=}" >/dev/null
done
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NGINX_ARGS=()
if [ "${NGINX:-on}" != off ] && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }; then
    PATH=$PATH:/usr/sbin
    # Its upstream is the tap, which the client starts (TLS=1: through the nginx terminating TLS).
    BENCH_NGINX_UPSTREAM_CA=$UPSTREAM_CA bench_start_nginx "$UPSTREAM_PORT" on
    NGINX_ARGS=(--nginx "$BENCH_NGINX_URL")
fi

echo "== fake-gemini: $CHUNKS events, $INTERVAL_MS ms apart; $(nproc) cores"
# Per thread of the daemon and nginx: CPU and context switches over the run (a switch the thread did not ask for is
# one the scheduler took it off a core for, which shows in the tail of the latency).
thread_snapshot() { # PID...
    local pid task
    for pid in "$@"; do
        for task in /proc/"$pid"/task/*; do
            printf '%s %s %s %s %s\n' "$(basename "$task")" "$(tr ' ' _ <"$task/comm")" \
                "$(awk '{print $14 + $15}' "$task/stat")" \
                "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status")" \
                "$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$task/status")"
        done 2>/dev/null
    done | sort
}
WATCHED=("$H_DAEMON_PID")
if [ -n "${BENCH_NGINX_PID:-}" ]; then # its worker (a child of the master)
    WATCHED+=("$(pgrep -P "$BENCH_NGINX_PID" | head -1)")
fi
thread_snapshot "${WATCHED[@]}" >"$H_TMP/threads.before"
if [ "$CLIENT" = cpp ]; then
    GA_BENCH_DIRECT_KEY=$KEY GA_BENCH_PROXY_KEY=$TOKEN "$CLIENT_BIN" --fake "$H_FAKE_URL" --tap-port "$TAP_PORT" \
        --proxy "$H_PROXY_URL" --pairs "$PAIRS" --chunks "$CHUNKS" --concurrency "$CONCURRENCY" "${NGINX_ARGS[@]}"
else
    node "$HERE/bench-sse.mjs" --fake "$H_FAKE_URL" --tap-port "$TAP_PORT" --proxy "$H_PROXY_URL" \
        --direct-key "$KEY" --proxy-key "$TOKEN" --pairs "$PAIRS" --chunks "$CHUNKS" --concurrency "$CONCURRENCY" \
        "${NGINX_ARGS[@]}"
fi
if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    echo "gemini-aggregatord died during the benchmark" >&2
    exit 1
fi
thread_snapshot "${WATCHED[@]}" >"$H_TMP/threads.after"
echo "== threads over the run (CPU ticks of 10 ms; context switches: asked for / taken off a core)"
# Joined on the thread id: 1 id, 2-5 before (name, CPU, asked, taken), 6-9 after.
join "$H_TMP/threads.before" "$H_TMP/threads.after" | awk '$7 - $3 + $8 - $4 + $9 - $5 > 0 {
    printf "%-18s cpu %6d  switches %8d / %6d\n", $2, $7 - $3, $8 - $4, $9 - $5 }' 
