#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Memory of gemini-aggregatord: VmRSS idle (right after start, and after one request), with STREAMS open SSE
# streams (each has received its first event; the fake holds them open with a long interval), and after the
# streams are closed again. Target: idle < 30 MB.
#   tests/benchmarks/bench-rss.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Defaults: build/release/... (or $BUILD_DIR/...). Environment: STREAMS (1000); SET="KEY=VALUE …" config settings
# made before the start (e.g. metrics.historySize=0, to see what the history keeps); MALLOC_STATS=1 also prints the
# heap bytes glibc reports in use (gdb attaches for a moment and calls malloc_stats()), which tells memory the
# allocator keeps after free() from memory still held by the daemon. COMPLETE=1: the streams are not cut but run to
# their end (3 events, INTERVAL_S (15) apart), and the client checks that every one arrived whole. The streams are
# measured twice while open: at once, and OPEN_SETTLE_S (3) seconds later. TLS=1 puts nginx
# with a self-signed certificate between the daemon and the fake (the upstream spoken to over TLS, as Google is).
# At the end it waits for the pooled upstream connections to expire (upstream.idleTimeoutMs, 60 s) and measures
# again; POOL_WAIT=0 skips that. PROXY=http|socks5|http-basic|http-digest: through a tunnel proxy (below).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
bench_require node curl
STREAMS=${STREAMS:-1000}


# Each stream costs the daemon two descriptors (client + upstream), the fake one, the client one.
need=$((2 * STREAMS + 64)) # plus what the daemon holds idle (about 20)
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
    echo "ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)); $STREAMS streams need about $need" >&2
    exit 1
fi

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init

status() { awk -v f="$2" '$1 == f":" {print $2}' "/proc/$1/status"; } # kB
mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k / 1024}'; }
fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
heap_in_use() { # glibc malloc_stats() "in use bytes" of all arenas (written to the daemon's stderr)
    gdb -p "$H_DAEMON_PID" -batch -ex 'call (void)malloc_stats()' >/dev/null 2>&1 || return 0
    grep -A2 'Total (incl. mmap)' "$H_TMP/daemon.log" | awk '/in use bytes/ {v = $NF} END {if (v != "") printf "   heap in use %.2f MB", v / 1048576}'
}
snapshot() { # LABEL
    printf '%-40s VmRSS %9s   VmHWM %9s   threads %3s   open fds %5s%s\n' "$1" "$(mb "$(status "$H_DAEMON_PID" VmRSS)")" \
        "$(mb "$(status "$H_DAEMON_PID" VmHWM)")" "$(status "$H_DAEMON_PID" Threads)" "$(fds "$H_DAEMON_PID")" \
        "$([ "${MALLOC_STATS:-0}" = 1 ] && heap_in_use)"
}

# The fake sends the first event at once and the next one a minute later: every stream stays open. With COMPLETE=1
# the next ones come INTERVAL_S apart and the streams end by themselves.
COMPLETE=${COMPLETE:-0}
INTERVAL_S=${INTERVAL_S:-15}
OPEN_SETTLE_S=${OPEN_SETTLE_S:-3}
interval_ms=60000
[ "$COMPLETE" = 1 ] && interval_ms=$((INTERVAL_S * 1000))
harness_start_fake "$FAKE_BIN" --accept-any-key --no-record --chunks 3 --interval-ms "$interval_ms"
KEY=$(harness_gen_key)
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" "$KEY"
# TLS=1: the upstream is reached over TLS, as Google is: nginx terminates it (a self-signed certificate the daemon
# trusts through upstream.caBundle) in front of the same fake.
if [ "${TLS:-0}" = 1 ]; then
    bench_require nginx openssl
    bench_start_nginx "$H_FAKE_PORT" off tls
    "$DAEMON_BIN" config set upstream.baseUrl "$BENCH_NGINX_URL" >/dev/null
    "$DAEMON_BIN" config set upstream.caBundle "$BENCH_NGINX_CA" >/dev/null
fi
# PROXY=http|socks5|http-basic|http-digest: the upstream is reached through a tunnel proxy (tunnel-proxy.py, asyncio)
# named in upstream.proxy. http-basic: the HTTP proxy asks for Basic's login (the lease sends it and keeps its own
# TLS); http-digest: it offers Digest too, which keeps Qt's proxy engine and QSslSocket (core/proxy/README.md).
if [ -n "${PROXY:-}" ]; then
    bench_require python3
    ask=()
    case "$PROXY" in http-basic) ask=(--ask basic) ;; http-digest) ask=(--ask digest) ;; esac
    harness_spawn tunnel-proxy python3 "$ROOT/tests/benchmarks/tunnel-proxy.py" "${ask[@]}"
    proxy_port=$(harness_wait_line "$H_TMP/tunnel-proxy.log" READY "$H_SPAWNED_PID" 30 | awk '{print $2}')
    case "$PROXY" in
    http) proxy_url=http://127.0.0.1:$proxy_port ;;
    socks5) proxy_url=socks5://127.0.0.1:$proxy_port ;;
    http-basic | http-digest)
        proxy_url=http://bench@127.0.0.1:$proxy_port
        printf %s bench | "$DAEMON_BIN" proxy password >/dev/null
        ;;
    *) echo "PROXY is http, socks5, http-basic or http-digest" >&2; exit 1 ;;
    esac
    "$DAEMON_BIN" config set upstream.proxy "$proxy_url" >/dev/null
fi
if [ "$STREAMS" -gt 900 ]; then # the default listen.maxConnections (1024) is for a desktop; raised for the benchmark
    "$DAEMON_BIN" config set listen.maxConnections $((STREAMS + 100)) >/dev/null
fi
# SET="metrics.historySize=0 history.enabled=false": settings to compare (what a part of the daemon keeps).
for setting in ${SET:-}; do
    "$DAEMON_BIN" config set "${setting%%=*}" "${setting#*=}" >/dev/null
done
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")

echo "== bench-rss: gemini-aggregatord pid $H_DAEMON_PID, $STREAMS streams, $(nproc) cores"
snapshot "idle, right after start"
IDLE_KB=$(status "$H_DAEMON_PID" VmRSS)
code=$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H 'content-type: application/json' -H "x-goog-api-key: $TOKEN" \
    -d '{"contents":[{"parts":[{"text":"hi"}]}]}' "$H_PROXY_URL/v1beta/models/gemini-2.5-flash:generateContent")
[ "$code" = 200 ] || { echo "warm-up request answered $code" >&2; exit 1; }
snapshot "idle, after one request"
[ -n "${SMAPS_OUT:-}" ] && cp "/proc/$H_DAEMON_PID/smaps" "$SMAPS_OUT.idle"
WARM_KB=$(status "$H_DAEMON_PID" VmRSS)
IDLE_FDS=$(fds "$H_DAEMON_PID")
OPEN_KB=()
SETTLED_KB=()
PEAK_KB=()
CLOSED_KB=()

# Two rounds: the second tells retained-but-reusable memory (RSS stays flat) from growth per round.
for round in 1 2; do
    expect=()
    # VmHWM from here on is this round's peak (5 resets it; the start's passphrase check alone peaks at 64 MB).
    echo 5 >"/proc/$H_DAEMON_PID/clear_refs" 2>/dev/null || true
    [ "$COMPLETE" = 1 ] && expect=(--expect-events 3 --timeout-ms $(((2 * INTERVAL_S + 90) * 1000)))
    harness_spawn "streams-$round" node "$HERE/bench-rss-client.mjs" --url "$H_PROXY_URL" --key "$TOKEN" \
        --streams "$STREAMS" "${expect[@]}"
    CLIENT_PID=$H_SPAWNED_PID
    line=$(harness_wait_line "$H_TMP/streams-$round.log" "READY" "$CLIENT_PID" 90) || {
        echo "the streams did not all start:" >&2
        tail -n 20 "$H_TMP/streams-$round.log" >&2
        exit 1
    }
    snapshot "round $round: $STREAMS streams open"
    OPEN_KB[round]=$(status "$H_DAEMON_PID" VmRSS)
    echo "   (all $STREAMS streams had their first event after $(awk '{print $3}' <<<"$line") ms)"
    # The same streams a moment later, all still open: what the burst of starts left freed (handshake buffers among
    # others) is handed back a second after the last upstream connection opened (ProxyWorker::burstSettled).
    sleep "$OPEN_SETTLE_S"
    snapshot "round $round: $STREAMS streams open, ${OPEN_SETTLE_S} s later"
    SETTLED_KB[round]=$(status "$H_DAEMON_PID" VmRSS)
    PEAK_KB[round]=$(status "$H_DAEMON_PID" VmHWM)

    if [ "$COMPLETE" = 1 ]; then
        rc=0
        wait "$CLIENT_PID" || rc=$?
        echo "   ($(grep -m1 '^COMPLETE' "$H_TMP/streams-$round.log" || echo 'no COMPLETE line'))"
        if [ "$rc" != 0 ]; then
            echo "not every stream completed whole:" >&2
            tail -n 20 "$H_TMP/streams-$round.log" >&2
            exit 1
        fi
    else
        kill -TERM "$CLIENT_PID"
        wait "$CLIENT_PID" 2>/dev/null || true
    fi
    # Wait (with a deadline) until the daemon has let go of the streams' descriptors.
    # (a request round trip after the client is gone: by then the daemon has processed the closes)
    curl -s -o /dev/null -m 30 "$H_PROXY_URL/healthz" || true
    sleep "${SETTLE_S:-2}" # the daemon hands freed memory back a second after its last connection closed
    snapshot "round $round: after the streams closed"
    CLOSED_KB[round]=$(status "$H_DAEMON_PID" VmRSS)
done

# The upstream connections the streams used stay pooled for upstream.idleTimeoutMs (60 s) in case more requests
# come; then they are closed and their memory handed back. POOL_WAIT=0 skips this wait.
EXPIRED_KB=
if [ "${POOL_WAIT:-1}" = 1 ]; then
    pool_ms=$("$DAEMON_BIN" config get upstream.idleTimeoutMs 2>/dev/null | tr -dc 0-9)
    deadline=$((SECONDS + ${pool_ms:-60000} / 1000 + 15))
    while [ "$(fds "$H_DAEMON_PID")" -gt $((IDLE_FDS + 2)) ] && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 1
    done
    sleep "${SETTLE_S:-2}"
    snapshot "after the idle upstream connections expired"
    EXPIRED_KB=$(status "$H_DAEMON_PID" VmRSS)
fi

[ -n "${SMAPS_OUT:-}" ] && cp "/proc/$H_DAEMON_PID/smaps" "$SMAPS_OUT"
echo "== summary"
echo "idle RSS:            $(mb "$IDLE_KB") right after start, $(mb "$WARM_KB") after one request"
echo "with $STREAMS streams: $(mb "${OPEN_KB[1]}")  (+$(awk -v a="${OPEN_KB[1]}" -v b="$WARM_KB" -v n="$STREAMS" 'BEGIN {printf "%.1f", (a - b) / n}') kB per stream); second round $(mb "${OPEN_KB[2]}")"
echo "peak while they started: $(mb "${PEAK_KB[1]}"); second round $(mb "${PEAK_KB[2]}")"
echo "still open ${OPEN_SETTLE_S} s later: $(mb "${SETTLED_KB[1]}") (+$(awk -v a="${SETTLED_KB[1]}" -v b="$WARM_KB" -v n="$STREAMS" 'BEGIN {printf "%.1f", (a - b) / n}') kB per stream); second round $(mb "${SETTLED_KB[2]}")"
echo "after closing them:  $(mb "${CLOSED_KB[1]}"); after the second round $(mb "${CLOSED_KB[2]}")"
if [ -n "$EXPIRED_KB" ]; then
    echo "after the pool's idle upstream connections expired: $(mb "$EXPIRED_KB") ($(awk -v a="$EXPIRED_KB" -v b="$WARM_KB" 'BEGIN {printf "%+.1f %%", (a - b) * 100 / b}') against idle after one request)"
fi
IDLE_MAX_KB=$((IDLE_KB > WARM_KB ? IDLE_KB : WARM_KB))
verdict=$(awk -v k="$IDLE_MAX_KB" 'BEGIN {print (k < 30 * 1024) ? "met" : "MISSED"}')
echo "target idle < 30 MB: $verdict ($(mb "$IDLE_MAX_KB"), the larger idle figure)"
if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    echo "gemini-aggregatord died during the benchmark" >&2
    exit 1
fi
