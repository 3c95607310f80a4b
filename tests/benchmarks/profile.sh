#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Instructions per proxied request, counted by valgrind's callgrind: a number that does not move with machine
# noise, so each change to the hot path shows its effect. The daemon runs under callgrind with instrumentation off;
# after a warm-up it is switched on, a fixed workload is sent, and the counters are dumped.
#   tests/benchmarks/profile.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Defaults: build/release/tests/fakegemini/fake-gemini and build/release/app/gemini-aggregatord (or $BUILD_DIR/...).
# Environment: REQUESTS (2000) unary generateContent calls on one keep-alive connection, WARMUP (200),
# TOP (15) functions listed by inclusive cost, SETTLE (2) seconds waited for the request history's writer, KEEP=1 keeps the callgrind file (its path is printed). STREAM=1 sends
# streamGenerateContent?alt=sse instead, the fake answering CHUNKS (50) events INTERVAL_MS (0) apart: the cost per
# event shows (with INTERVAL_MS > 0 each event arrives in a read of its own, as in a real stream).
# SET="KEY=VALUE …" changes the daemon's settings first. TLS=1 reaches the fake over TLS (an nginx terminating it, not
# counted), as the daemon reaches Google. TARGET=nginx counts nginx instead (one process, the reverse proxy bench-proxy.sh compares with: upstream keep-alive,
# access log to a file), for scale: the same workload, requests and warm-up. CALLGRIND_ARGS adds options to callgrind
# ("--cache-sim=yes --branch-sim=yes": simulated cache misses and mispredicted branches; their counts per request
# are printed). CONNECTIONS=N (N > 1) sends the workload with `wrk -t1 -cN -dDURATION` (10s) instead of one curl
# connection, as bench-proxy.sh does (50): the buffers and state of N connections take turns in the caches; the
# requests counted are wrk's (those in flight when counting starts and stops are off by at most N).
# Prints: "instructions per request: N" and the most expensive functions of the workload.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
bench_require valgrind callgrind_control callgrind_annotate curl
REQUESTS=${REQUESTS:-2000}
WARMUP=${WARMUP:-200}
TOP=${TOP:-15}
MODEL=gemini-2.5-flash
PATH_GENERATE=/v1beta/models/$MODEL:generateContent
BODY='{"contents":[{"parts":[{"text":"hi"}]}]}'
STREAM=${STREAM:-0}
SETTLE=${SETTLE:-2} # seconds for the history's writer after the warm-up and the workload
CHUNKS=${CHUNKS:-50}
FAKE_ARGS=()
if [ "$STREAM" = 1 ]; then
    PATH_GENERATE="/v1beta/models/$MODEL:streamGenerateContent?alt=sse"
    FAKE_ARGS=(--chunks "$CHUNKS" --interval-ms "${INTERVAL_MS:-0}")
fi


# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init

harness_start_fake "$FAKE_BIN" --accept-any-key --threads 1 --no-record "${FAKE_ARGS[@]}"
KEY=$(harness_gen_key)
# TLS=1: the fake is reached over TLS, as Google is, through an nginx terminating it (not counted), by the daemon
# and by TARGET=nginx alike (both verify its certificate and keep their connections open).
UPSTREAM_URL=$H_FAKE_URL
UPSTREAM_PORT=$H_FAKE_PORT
UPSTREAM_CA=""
if [ "${TLS:-0}" = 1 ]; then
    bench_require nginx openssl
    BENCH_NGINX_DIR=$H_TMP/nginx-tls bench_start_nginx "$H_FAKE_PORT" off tls
    UPSTREAM_URL=$BENCH_NGINX_URL
    UPSTREAM_PORT=${BENCH_NGINX_URL##*:}
    UPSTREAM_CA=$BENCH_NGINX_CA
fi
OUT=$H_TMP/callgrind.out
VALGRIND=(valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" --dump-instr=no ${CALLGRIND_ARGS:-})
if [ "${TARGET:-daemon}" = nginx ]; then
    bench_require nginx
    BENCH_NGINX_SINGLE=1 BENCH_NGINX_WRAP="${VALGRIND[*]}" BENCH_NGINX_UPSTREAM_CA=$UPSTREAM_CA \
        bench_start_nginx "$UPSTREAM_PORT" on
    H_DAEMON_PID=$BENCH_NGINX_PID
    URL=$BENCH_NGINX_URL
    TOKEN=$KEY # the fake's key, as nginx passes it on
else
    harness_setup_daemon "$DAEMON_BIN" "$UPSTREAM_URL" "$KEY"
    [ -n "$UPSTREAM_CA" ] && "$DAEMON_BIN" config set upstream.caBundle "$UPSTREAM_CA" >/dev/null
    # SET="metrics.historyRetentionDays=0 …": settings to compare (what a part of the daemon costs).
    for setting in ${SET:-}; do
        "$DAEMON_BIN" config set "${setting%%=*}" "${setting#*=}" >/dev/null
    done
    TOKEN=$(harness_token "$DAEMON_BIN")
    "${VALGRIND[@]}" "$DAEMON_BIN" run >"$H_TMP/daemon.log" 2>&1 &
    H_DAEMON_PID=$!
    H_PIDS+=("$H_DAEMON_PID")
    # The secret file's key derivation (scrypt) is slow under valgrind: allow minutes for the start.
    line=$(harness_wait_line "$H_TMP/daemon.log" "ready: listening on http://" "$H_DAEMON_PID" 600) || {
        harness_dump_logs
        exit 1
    }
    URL=${line##*ready: listening on }
    URL=${URL%%[[:space:]]*}
    URL=${URL%/}
fi

# One curl, one keep-alive connection, N requests; the token stays off the command line (a config file).
send() { # COUNT
    local cfg=$H_TMP/curl-$1.cfg i
    {
        printf 'silent\noutput = "/dev/null"\nheader = "content-type: application/json"\n'
        printf 'header = "x-goog-api-key: %s"\ndata = "%s"\nwrite-out = "%%{http_code}\\n"\n' "$TOKEN" "${BODY//\"/\\\"}"
        for ((i = 0; i < $1; i++)); do
            printf 'url = "%s%s"\n' "$URL" "$PATH_GENERATE"
        done
    } >"$cfg"
    curl -K "$cfg" >"$H_TMP/codes-$1.txt"
    local good
    good=$(grep -c '^200$' "$H_TMP/codes-$1.txt" || true)
    [ "$good" = "$1" ] || { echo "only $good of $1 requests answered 200" >&2; exit 1; }
}

# The request history writes what queued up 200 ms later, on its own thread: the warm-up's rows are written before
# counting starts and the workload's before the counts are dumped, so every run counts exactly REQUESTS rows (the
# figure moved by ~1,500 instructions a request with how batches fell otherwise).
# CONNECTIONS > 1: wrk for DURATION, its request count (wrk-generate.lua's summary line) becomes REQUESTS.
load() { # DURATION
    local line
    line=$(BENCH_PATH=$PATH_GENERATE BENCH_BODY=$BODY BENCH_KEY=$TOKEN \
        wrk -t1 -c"$CONNECTIONS" -d"$1" -s "$HERE/wrk-generate.lua" "$URL" | grep '^BENCH ') ||
        { echo "wrk printed no summary" >&2; exit 1; }
    if [ "$(bench_field "$line" non2xx)" != 0 ] || [ "$(bench_field "$line" socket_errors)" != 0 ]; then
        echo "failed answers under wrk: $line" >&2
        exit 1
    fi
    REQUESTS=$(bench_field "$line" requests)
}
CONNECTIONS=${CONNECTIONS:-1}
if [ "$CONNECTIONS" -gt 1 ]; then
    bench_require wrk
    HERE=$(dirname "$0")
    load 2s
    sleep "$SETTLE"
    callgrind_control -i on "$H_DAEMON_PID" >/dev/null
    load "${DURATION:-10s}"
else
    send "$WARMUP"
    sleep "$SETTLE"
    callgrind_control -i on "$H_DAEMON_PID" >/dev/null
    send "$REQUESTS"
fi
sleep "$SETTLE"
callgrind_control -d "$H_DAEMON_PID" >/dev/null
callgrind_control -i off "$H_DAEMON_PID" >/dev/null
kill "$H_DAEMON_PID" 2>/dev/null || true
wait "$H_DAEMON_PID" 2>/dev/null || true

# The dump asked for above (callgrind numbers them: OUT.1; OUT itself is written at exit).
file=$OUT.1
best=$(awk '/^(summary|totals):/ && $2 ~ /^[0-9]+$/ {print $2; exit}' "$file" 2>/dev/null || true)
[ -n "$best" ] && [ "$best" -gt 0 ] || { echo "callgrind wrote no counts to $file" >&2; ls -l "$OUT"* >&2; exit 1; }
if [ "$CONNECTIONS" -gt 1 ]; then
    echo "== profile: $REQUESTS x POST $PATH_GENERATE (${#BODY}-byte body) from wrk -c$CONNECTIONS, after 2 s warm-up"
else
    echo "== profile: $REQUESTS x POST $PATH_GENERATE (${#BODY}-byte body) on one keep-alive connection, after $WARMUP warm-up"
fi
echo "instructions total: $best"
echo "instructions per request: $((best / REQUESTS))"
# With callgrind's cache and branch simulation: every event per request (I1mr: first-level instruction cache misses,
# D1mr/D1mw: data read/write misses, Bcm/Bim: mispredicted conditional/indirect branches).
awk -v n="$REQUESTS" '/^events:/ {for (i = 2; i <= NF; i++) name[i] = $i; k = NF}
    /^(summary|totals):/ && !done {
        if (k > 2) { line = "per request:"; for (i = 2; i <= k; i++) line = line sprintf(" %s %.0f", name[i], $i / n); print line }
        done = 1 }' "$file"
[ "$STREAM" = 1 ] && echo "instructions per event: $((best / REQUESTS / CHUNKS)) ($CHUNKS events a stream)"
# callgrind_annotate's rows: "12,345 (1.2%)  file:function [object]"; shown per request.
rows() { # INCLUSIVE(yes|no) FILTER
    callgrind_annotate --inclusive="$1" --threshold=100 "$file" 2>/dev/null |
        awk -v n="$REQUESTS" -v top="$TOP" -v filter="$2" '
            $1 ~ /^[0-9,]+$/ && $0 ~ filter && $0 !~ /PROGRAM TOTALS/ && shown < top {
                ir = $1; gsub(",", "", ir)
                name = $0; sub(/^ *[0-9,]+ *(\([0-9.]+%\))? */, "", name); sub(/ \[.*$/, "", name)
                if (length(name) > 110) name = substr(name, 1, 107) "..."
                printf "%10.0f  %s\n", ir / n, name; shown++
            }'
}
echo "== top $TOP functions by own instructions, per request"
rows no ""
echo "== top $TOP of ours (ga::) by inclusive instructions, per request"
rows yes "ga::"
if [ "${KEEP:-0}" = 1 ]; then
    cp "$file" "$ROOT/callgrind.out.profile"
    echo "kept: $ROOT/callgrind.out.profile (callgrind_annotate or kcachegrind)"
fi
