#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Throughput, p99 latency and CPU per request of a small non-streaming generateContent through gemini-aggregatord,
# next to the fake upstream alone and an nginx reverse proxy (1 worker, upstream keepalive 64, access log to a file)
# in front of the same fake (responses not buffered, as the daemon streams them) and, when installed, the Portkey
# gateway (Node; OpenAI-shaped chat requests turned into generateContent over two google targets), all in the same
# run and alternating, so the ratios hold even when absolute numbers drift. CPU per request is the forwarder's user + system time (/proc/PID/stat, all its processes) over a round
# divided by the requests of that round, also shown split into user and system time.
#   tests/benchmarks/bench-proxy.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Defaults: build/release/tests/fakegemini/fake-gemini and build/release/app/gemini-aggregatord
# (or $BUILD_DIR/...). Environment: ROUNDS (3), DURATION (5s), CONNECTIONS (50), WARMUP (1s), NGINX_ACCESS_LOG
# (on; off to compare with nginx logging nothing), PORTKEY (auto; install fetches @portkey-ai/gateway with npm into
# PORTKEY_DIR once; off), PORTKEY_DIR, PORTKEY_VERSION (1.15.2), TLS (0; 1: the forwarders reach the fake over TLS,
# as they reach Google, through an nginx terminating it).
# Needs wrk and nginx (installer/bootstrap.sh deps). Targets: proxy >= 10,000 req/s and >= 0.5x nginx; issue 18:
# CPU per request <= nginx's, throughput >= nginx's and >= 20x the Portkey gateway's.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
bench_require wrk nginx curl
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-50}
WARMUP=${WARMUP:-1s}
MODEL=gemini-2.5-flash
PATH_GENERATE=/v1beta/models/$MODEL:generateContent


# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

harness_start_fake "$FAKE_BIN" --accept-any-key --threads 1 --no-record
KEY=$(harness_gen_key)
# TLS=1: the upstream is reached over TLS, as Google is: an nginx terminating TLS (a new self-signed certificate) in
# front of the fake stands for Google, and both the daemon and the nginx reverse proxy verify its certificate and
# keep their connections to it open. That nginx's own CPU is not counted for either.
UPSTREAM_URL=$H_FAKE_URL
UPSTREAM_PORT=$H_FAKE_PORT
if [ "${TLS:-0}" = 1 ]; then
    bench_require openssl
    BENCH_NGINX_DIR=$H_TMP/nginx-tls bench_start_nginx "$H_FAKE_PORT" off tls
    UPSTREAM_URL=$BENCH_NGINX_URL
    UPSTREAM_PORT=${BENCH_NGINX_URL##*:}
    UPSTREAM_CA=$BENCH_NGINX_CA
fi
harness_setup_daemon "$DAEMON_BIN" "$UPSTREAM_URL" "$KEY"
[ "${TLS:-0}" = 1 ] && "$DAEMON_BIN" config set upstream.caBundle "$UPSTREAM_CA" >/dev/null
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")

BENCH_NGINX_UPSTREAM_CA=${UPSTREAM_CA:-} bench_start_nginx "$UPSTREAM_PORT" "${NGINX_ACCESS_LOG:-on}"
NGINX_PID=$BENCH_NGINX_PID
NGINX_URL=$BENCH_NGINX_URL

BODY='{"contents":[{"parts":[{"text":"hi"}]}]}'
probe() { curl -s -o /dev/null -w '%{http_code}' -m 2 -H 'content-type: application/json' -H "x-goog-api-key: $2" -d "$BODY" "$1$PATH_GENERATE" || true; }
[ "$(probe "$NGINX_URL" "$KEY")" = 200 ] || { echo "nginx not answering after 20 s" >&2; exit 1; }
harness_log "nginx (pid $NGINX_PID) at $NGINX_URL -> $UPSTREAM_URL"
for target in "$H_FAKE_URL:$KEY" "$H_PROXY_URL:$TOKEN"; do
    code=$(probe "${target%:*}" "${target##*:}")
    [ "$code" = 200 ] || { echo "sanity request to ${target%:*} answered $code" >&2; exit 1; }
done

# The Portkey gateway (Node), when installed: PORTKEY=install puts @portkey-ai/gateway in PORTKEY_DIR once (npm);
# PORTKEY=off leaves it out. It takes OpenAI-shaped chat requests and sends Google's generateContent to the same
# fake, balancing over two google targets (as the daemon balances over its keys).
PORTKEY=${PORTKEY:-auto}
PORTKEY_DIR=${PORTKEY_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gemini-aggregator/bench/portkey}
PORTKEY_JS=$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js
if [ "$PORTKEY" = install ] && [ ! -f "$PORTKEY_JS" ]; then
    bench_require npm
    npm install --prefix "$PORTKEY_DIR" --no-audit --no-fund "@portkey-ai/gateway@${PORTKEY_VERSION:-1.15.2}" >&2
fi
PORTKEY_URL=""
if [ "$PORTKEY" != off ] && [ -f "$PORTKEY_JS" ] && command -v node >/dev/null; then
    PORTKEY_PORT=$(harness_free_port)
    harness_spawn portkey env ${UPSTREAM_CA:+NODE_EXTRA_CA_CERTS="$UPSTREAM_CA"} node "$PORTKEY_JS" --port="$PORTKEY_PORT" --headless
    PORTKEY_PID=$H_SPAWNED_PID
    PORTKEY_URL=http://127.0.0.1:$PORTKEY_PORT
    # It listens a moment after it starts: curl retries refused connections until then (at most 20 s), as for nginx.
    curl -s -o /dev/null -m 20 --retry 400 --retry-delay 0 --retry-connrefused --retry-max-time 20 \
        "$PORTKEY_URL/" || { cat "$H_TMP/portkey.log" >&2; exit 1; }
    PORTKEY_CONFIG='{"strategy":{"mode":"loadbalance"},"targets":[{"provider":"google","api_key":"'$KEY'","custom_host":"'$UPSTREAM_URL'"},{"provider":"google","api_key":"'$KEY'","custom_host":"'$UPSTREAM_URL'"}]}'
    PORTKEY_BODY='{"model":"'$MODEL'","messages":[{"role":"user","content":"hi"}]}'
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -H 'content-type: application/json' \
        -H "x-portkey-config: $PORTKEY_CONFIG" -d "$PORTKEY_BODY" "$PORTKEY_URL/v1/chat/completions" || true)
    [ "$code" = 200 ] || { echo "sanity request to the Portkey gateway answered $code" >&2; exit 1; }
    harness_log "Portkey gateway (pid $PORTKEY_PID) at $PORTKEY_URL -> $UPSTREAM_URL"
fi


run_wrk() { # URL KEY DURATION -> wrk output (KEY "portkey": an OpenAI-shaped request with Portkey's config)
    if [ "$2" = portkey ]; then
        BENCH_PATH=/v1/chat/completions BENCH_BODY=$PORTKEY_BODY BENCH_KEY="" BENCH_CONFIG=$PORTKEY_CONFIG \
            wrk -t1 -c"$CONNECTIONS" -d"$3" --latency -s "$HERE/wrk-generate.lua" "$1"
    else
        BENCH_PATH=$PATH_GENERATE BENCH_BODY=$BODY BENCH_KEY=$2 BENCH_CONFIG="" \
            wrk -t1 -c"$CONNECTIONS" -d"$3" --latency -s "$HERE/wrk-generate.lua" "$1"
    fi
}

declare -A URL=([direct]=$H_FAKE_URL [nginx]=$NGINX_URL [proxy]=$H_PROXY_URL)
declare -A CRED=([direct]=$KEY [nginx]=$KEY [proxy]=$TOKEN)
declare -A PIDS=([direct]=$H_FAKE_PID [nginx]=$NGINX_PID [proxy]=$H_DAEMON_PID)
declare -A RPS=() P99=() CPU=() USER=() SYS=()
TICK_US=$((1000000 / $(getconf CLK_TCK)))
cpu_ticks() { # PID: "utime stime" of the process and its children that are still running (nginx's worker)
    local user=0 sys=0 p u s
    for p in "$1" $(pgrep -P "$1" || true); do
        read -r u s < <(awk '{print $14, $15}' "/proc/$p/stat" 2>/dev/null || echo 0 0)
        user=$((user + u))
        sys=$((sys + s))
    done
    echo "$user $sys"
}
per_request() { # TICKS REQUESTS: microseconds a request
    awk -v d="$1" -v us="$TICK_US" -v n="$2" 'BEGIN {printf "%.1f", n ? d * us / n : 0}'
}
TARGETS=(direct nginx proxy)
if [ -n "$PORTKEY_URL" ]; then
    URL[portkey]=$PORTKEY_URL
    CRED[portkey]=portkey
    PIDS[portkey]=$PORTKEY_PID
    TARGETS+=(portkey)
fi

echo "== bench-proxy: wrk -t1 -c$CONNECTIONS -d$DURATION --latency, POST $PATH_GENERATE (${#BODY}-byte body), $ROUNDS rounds, $(nproc) cores"
echo "   direct = wrk -> fake-gemini (1 thread); nginx = wrk -> nginx (1 worker, keepalive 64) -> fake; proxy = wrk -> gemini-aggregatord -> fake"
[ "${TLS:-0}" = 1 ] && echo "   TLS=1: nginx and the daemon reach the fake over TLS, through another nginx terminating it ($UPSTREAM_URL; its CPU not counted)"
[ -n "$PORTKEY_URL" ] && echo "   portkey = wrk -> Portkey gateway (node, OpenAI chat -> google generateContent, 2 targets) -> fake"
for t in "${TARGETS[@]}"; do
    run_wrk "${URL[$t]}" "${CRED[$t]}" "$WARMUP" >/dev/null
done
for ((round = 1; round <= ROUNDS; round++)); do
    for t in "${TARGETS[@]}"; do
        read -r user0 sys0 <<<"$(cpu_ticks "${PIDS[$t]}")"
        out=$(run_wrk "${URL[$t]}" "${CRED[$t]}" "$DURATION")
        read -r user1 sys1 <<<"$(cpu_ticks "${PIDS[$t]}")"
        printf '%s\n' "$out" >>"$H_TMP/wrk-$t.txt"
        line=$(grep '^BENCH ' <<<"$out")
        rps=$(bench_field "$line" rps)
        p99=$(bench_field "$line" p99_ms)
        non2xx=$(bench_field "$line" non2xx)
        errs=$(bench_field "$line" socket_errors)
        requests=$(bench_field "$line" requests)
        cpu=$(per_request $((user1 - user0 + sys1 - sys0)) "$requests")
        user=$(per_request $((user1 - user0)) "$requests")
        sys=$(per_request $((sys1 - sys0)) "$requests")
        RPS[$t]+="$rps "
        P99[$t]+="$p99 "
        CPU[$t]+="$cpu "
        USER[$t]+="$user "
        SYS[$t]+="$sys "
        printf 'round %d  %-6s %10.0f req/s   p99 %7.2f ms   CPU %6.1f us/req (user %5.1f, system %5.1f)   non-2xx %s   socket errors %s\n' \
            "$round" "$t" "$rps" "$p99" "$cpu" "$user" "$sys" "$non2xx" "$errs"
        bench_warn_failures "$t" "$non2xx" "$errs"
    done
done

echo "== medians over $ROUNDS rounds"
for t in "${TARGETS[@]}"; do
    printf '%-6s %10.0f req/s   p99 %7.2f ms   CPU %6.1f us/req (user %5.1f, system %5.1f)\n' "$t" \
        "$(median "${RPS[$t]}")" "$(median "${P99[$t]}")" "$(median "${CPU[$t]}")" "$(median "${USER[$t]}")" \
        "$(median "${SYS[$t]}")"
done
proxy_rps=$(median "${RPS[proxy]}")
nginx_rps=$(median "${RPS[nginx]}")
ratio=$(awk -v p="$proxy_rps" -v n="$nginx_rps" 'BEGIN {printf "%.2f", p / n}')
echo "proxy/nginx ratio: ${ratio}x"
cpu_ratio=$(awk -v p="$(median "${CPU[proxy]}")" -v n="$(median "${CPU[nginx]}")" 'BEGIN {printf "%.2f", (n > 0 ? p / n : 0)}')
echo "proxy/nginx CPU per request: ${cpu_ratio}x"
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN {exit !(a >= b)}'; then echo met; else echo MISSED; fi; }
if [ -n "$PORTKEY_URL" ]; then
    pk_ratio=$(awk -v p="$proxy_rps" -v n="$(median "${RPS[portkey]}")" 'BEGIN {printf "%.1f", (n > 0 ? p / n : 0)}')
    echo "target >= 20x the Portkey gateway's throughput (issue 18): $(verdict "$pk_ratio" 20) (${pk_ratio}x)"
else
    echo "Portkey gateway: not installed (PORTKEY=install fetches it with npm into $PORTKEY_DIR)"
fi
echo "target >= 10000 req/s: $(verdict "$proxy_rps" 10000) ($(printf '%.0f' "$proxy_rps") req/s)"
echo "target >= 0.5x nginx:  $(verdict "$ratio" 0.5) (${ratio}x)"
echo "target >= 1.0x nginx throughput (issue 18): $(verdict "$ratio" 1.0) (${ratio}x)"
echo "target <= 1.0x nginx CPU per request (issue 18): $(verdict 1.0 "$cpu_ratio") (${cpu_ratio}x)"
if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    echo "gemini-aggregatord died during the benchmark" >&2
    exit 1
fi
