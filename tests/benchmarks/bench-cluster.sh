#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Cluster mode's cost on one daemon: throughput of a small non-streaming generateContent through gemini-aggregatord
# in front of the fake upstream with cluster mode off (cluster.redis empty) and on (a redis-server of its own, no
# persistence), switched live (the config file is watched) and alternating, so that drift hits both alike:
#   off        cluster.redis empty, a token without limits
#   on         cluster.redis set, the same token: forwarding never waits on Redis (usage is flushed once a second)
#   off-limit  cluster.redis empty, a token limited to LIMIT requests per minute (high enough never to trigger):
#              counted by the node's own limiter
#   on-limit   cluster.redis set, the limited token: admissions come from leases the node takes from the window
#              script in Redis (about one round trip per lease, a lease lasting a second): the cost of sharing the
#              limit
# Each: wrk -t1 -c$CONNECTIONS -d$DURATION, after an unmeasured warm-up. Redis's EVALSHA calls per round show the
# limited rounds did go to Redis (and the others did not).
#   tests/benchmarks/bench-cluster.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Defaults: build/release/... (or $BUILD_DIR/...); the daemon must be built with hiredis (cluster mode).
# Environment: ROUNDS (3), DURATION (10s), CONNECTIONS (50), WARMUP (2s), LIMIT (10000000 per minute).
# Needs wrk, redis-server, redis-cli, curl. Target: on/off >= 0.9.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
bench_require wrk redis-server redis-cli curl
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-50}
WARMUP=${WARMUP:-2s}
LIMIT=${LIMIT:-10000000}
PATH_GENERATE=/v1beta/models/gemini-2.5-flash:generateContent
BODY='{"contents":[{"parts":[{"text":"hi"}]}]}'

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

REDIS_PORT=$(harness_free_port)
mkdir -p "$H_TMP/redis"
harness_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$H_TMP/redis"
harness_wait_line "$H_TMP/redis.log" "Ready to accept connections" "$H_SPAWNED_PID" 20 >/dev/null
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0

harness_start_fake "$FAKE_BIN" --accept-any-key --threads 1 --no-record
KEY=$(harness_gen_key)
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" "$KEY"
LIMITED_TOKEN=bench_$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40)
printf %s "$LIMITED_TOKEN" | "$DAEMON_BIN" token add limited --requests-per-minute "$LIMIT" --from-stdin >>"$H_TMP/setup.log" 2>&1
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")

# wait_new_line FILE FROM_LINE TEXT SECONDS: a line containing TEXT at or after line FROM_LINE of FILE.
wait_new_line() {
    local file=$1 from=$2 text=$3 deadline=$((SECONDS + $4)) fd tpid line left
    exec {fd}< <(exec tail -n +"$from" -F "$file" 2>/dev/null)
    tpid=$!
    while left=$((deadline - SECONDS)) && ((left > 0)) && IFS= read -r -t "$left" -u "$fd" line; do
        if [[ $line == *"$text"* ]]; then
            kill "$tpid" 2>/dev/null || true
            exec {fd}<&-
            return 0
        fi
    done
    kill "$tpid" 2>/dev/null || true
    exec {fd}<&-
    echo "no '$text' in $file within $4 s" >&2
    return 1
}
# cluster_mode on|off: cluster.redis set or emptied (applied live) and waited for.
cluster_mode() {
    local from
    from=$(($(wc -l <"$H_TMP/daemon.log") + 1))
    if [ "$1" = on ]; then
        "$DAEMON_BIN" config set cluster.redis "$REDIS_URL" >/dev/null
        wait_new_line "$H_TMP/daemon.log" "$from" "resynced with the cluster" 15
    else
        "$DAEMON_BIN" config set cluster.redis "" >/dev/null
        wait_new_line "$H_TMP/daemon.log" "$from" "cluster mode off" 15
    fi
}
evalsha_calls() {
    redis-cli -p "$REDIS_PORT" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p' |
        grep . || echo 0
}

run_wrk() { # TOKEN DURATION
    BENCH_PATH=$PATH_GENERATE BENCH_BODY=$BODY BENCH_KEY=$1 \
        wrk -t1 -c"$CONNECTIONS" -d"$2" --latency -s "$HERE/wrk-generate.lua" "$H_PROXY_URL"
}

code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H "x-goog-api-key: $LIMITED_TOKEN" -d "$BODY" "$H_PROXY_URL$PATH_GENERATE" || true)
[ "$code" = 200 ] || { echo "sanity request with the limited token answered $code" >&2; exit 1; }

echo "== bench-cluster: wrk -t1 -c$CONNECTIONS -d$DURATION --latency, POST $PATH_GENERATE, $ROUNDS rounds, $(nproc) cores"
echo "   daemon $DAEMON_BIN -> fake-gemini (1 thread); redis-server $(redis-server --version | grep -o 'v=[^ ]*') on $REDIS_URL"
echo "   limited token: $LIMIT requests per minute"
declare -A RPS=() P99=() CALLS=()
MODES=(off off-limit on on-limit)
cluster_mode on
run_wrk "$TOKEN" "$WARMUP" >/dev/null
run_wrk "$LIMITED_TOKEN" "$WARMUP" >/dev/null
for ((round = 1; round <= ROUNDS; round++)); do
    for mode in "${MODES[@]}"; do
        case $mode in
        off) cluster_mode off ;;
        on) cluster_mode on ;;
        esac
        token=$TOKEN
        [[ $mode == *-limit ]] && token=$LIMITED_TOKEN
        before=$(evalsha_calls)
        out=$(run_wrk "$token" "$DURATION")
        after=$(evalsha_calls)
        printf '%s\n' "$out" >>"$H_TMP/wrk-$mode.txt"
        line=$(grep '^BENCH ' <<<"$out")
        rps=$(bench_field "$line" rps)
        p99=$(bench_field "$line" p99_ms)
        requests=$(bench_field "$line" requests)
        non2xx=$(bench_field "$line" non2xx)
        errs=$(bench_field "$line" socket_errors)
        RPS[$mode]+="$rps "
        P99[$mode]+="$p99 "
        CALLS[$mode]+="$((after - before)) "
        printf 'round %d  %-9s %8.0f req/s   p99 %7.2f ms   requests %7d   Redis EVALSHA %7d   non-2xx %s   socket errors %s\n' \
            "$round" "$mode" "$rps" "$p99" "$requests" "$((after - before))" "$non2xx" "$errs"
        bench_warn_failures "$mode" "$non2xx" "$errs"
    done
done

echo "== medians over $ROUNDS rounds"
for mode in "${MODES[@]}"; do
    printf '%-9s %8.0f req/s   p99 %7.2f ms   Redis EVALSHA per round %s\n' "$mode" "$(median "${RPS[$mode]}")" \
        "$(median "${P99[$mode]}")" "$(median "${CALLS[$mode]}")"
done
ratio() { awk -v a="$(median "${RPS[$1]}")" -v b="$(median "${RPS[$2]}")" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN {exit !(a >= b)}'; then echo met; else echo MISSED; fi; }
on_off=$(ratio on off)
echo "cluster on / off (token without limits):        ${on_off}x   target >= 0.9: $(verdict "$on_off" 0.9)"
echo "cluster on / off (limited token, Redis window): $(ratio on-limit off-limit)x   (leases from the window script in Redis)"
echo "limited / unlimited token, cluster on:          $(ratio on-limit on)x"
echo "limited / unlimited token, cluster off:         $(ratio off-limit off)x"
if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    echo "gemini-aggregatord died during the benchmark" >&2
    exit 1
fi
