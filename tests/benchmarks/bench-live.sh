#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Live API (WebSocket) load: SESSIONS (100) concurrent sessions through gemini-aggregatord and SESSIONS directly to
# fake-gemini at the same time, FRAMES (20) realtimeInput.audio frames of FRAME_BYTES (3200 = 100 ms of 16 kHz
# PCM) each, one round trip at a time per session (send → the fake's inlineData echo), paced like real-time audio:
# a frame every INTERVAL_MS (100; 0 = back to back, which saturates the client and the fake), the sessions' phases
# spread over one interval. bench-live.mjs is the client (raw RFC 6455 from tests/relay/ws.mjs). Prints: sessions
# complete, per-frame round trip p50/p90/p99 via the daemon and direct, the added latency (via the daemon − direct,
# at p50 and p99), and the daemon's VmRSS before (after one warm-up session), during (peak, sampled every 20 ms)
# and after (once its descriptors are released). Targets: every session completes; added p99 < 5 ms; RSS growth
# < 30 MB.
#   tests/benchmarks/bench-live.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Defaults: build/release/... (or $BUILD_DIR/...). Environment: SESSIONS, FRAMES, FRAME_BYTES, INTERVAL_MS,
# SETTLE_MS (3000: how long RSS is watched for its lowest value after the sessions closed).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
bench_require node
SESSIONS=${SESSIONS:-100}
FRAMES=${FRAMES:-20}
FRAME_BYTES=${FRAME_BYTES:-3200}
INTERVAL_MS=${INTERVAL_MS:-100}
SETTLE_MS=${SETTLE_MS:-3000}

# Each proxied session costs the daemon two descriptors, the fake one per session (two for the proxied ones).
need=$((4 * SESSIONS + 256))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
    echo "ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)); $SESSIONS sessions each way need about $need" >&2
    exit 1
fi

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init

status() { awk -v f="$2" '$1 == f":" {print $2}' "/proc/$1/status"; } # kB
mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k / 1024}'; }

KEY=$(harness_gen_key)
harness_start_fake "$FAKE_BIN" --no-record --key "$KEY"
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" "$KEY"
if [ "$SESSIONS" -gt 400 ]; then # the default listen.maxConnections (1024) is for a desktop
    "$DAEMON_BIN" config set listen.maxConnections $((2 * SESSIONS + 100)) >/dev/null
fi
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")

echo "== bench-live: gemini-aggregatord pid $H_DAEMON_PID, $SESSIONS sessions via the daemon + $SESSIONS direct," \
    "$FRAMES frames of $FRAME_BYTES bytes each, one every ${INTERVAL_MS} ms per session, $(nproc) cores"
echo "daemon VmRSS right after start: $(mb "$(status "$H_DAEMON_PID" VmRSS)")"

set +e
# The token and the key go to the client in its environment, not in argv (ps shows argv).
BENCH_TOKEN=$TOKEN BENCH_KEY=$KEY node "$HERE/bench-live.mjs" --proxy "$H_PROXY_URL" --direct "$H_FAKE_URL" --daemon-pid "$H_DAEMON_PID" \
    --sessions "$SESSIONS" --frames "$FRAMES" --frame-bytes "$FRAME_BYTES" --interval-ms "$INTERVAL_MS" --settle-ms "$SETTLE_MS" \
    >"$H_TMP/client.log" 2>&1
rc=$?
set -e
grep -v '^RESULT ' "$H_TMP/client.log" || true
result=$(grep '^RESULT ' "$H_TMP/client.log" | tail -n 1 | cut -d' ' -f2-)
if [ -z "$result" ]; then
    echo "the client printed no result (exit $rc)" >&2
    exit 1
fi

# shellcheck disable=SC2016 # JavaScript, not shell
RESULT=$result node -e '
    const r = JSON.parse(process.env.RESULT);
    const ms = (x) => (x === null || x === undefined ? "-" : `${x.toFixed(2)} ms`);
    const mb = (kb) => `${(kb / 1024).toFixed(1)} MB`;
    const verdict = (ok) => (ok ? "met" : "MISSED");
    const row = (name, s) => s
        ? console.log(`${name.padEnd(22)} p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)}  max ${ms(s.max)}  (${s.n} frames)`)
        : console.log(`${name.padEnd(22)} no frames`);
    console.log("== summary");
    console.log(`sessions complete:     via daemon ${r.completeProxy}/${r.sessions}, direct ${r.completeDirect}/${r.sessions}` +
        ` (all ${2 * r.sessions} open after ${r.allOpenAfterMs ?? "-"} ms; wall ${r.wallMs} ms)`);
    for (const f of r.failures) console.log(`  failed: ${f}`);
    row("round trip via daemon", r.proxyMs);
    row("round trip direct", r.directMs);
    console.log(`added per frame:       p50 ${ms(r.addedP50Ms)}  p99 ${ms(r.addedP99Ms)}`);
    const { before, during, after } = r.rssKb;
    console.log(`daemon VmRSS:          before ${mb(before)}  during (peak) ${mb(during)}  after ${mb(after)}`);
    console.log(`RSS growth:            during − before ${mb(during - before)}, after − before ${mb(after - before)}` +
        `  (open fds ${r.fds.before} before, ${r.fds.after} after)`);
    console.log(`target all sessions complete: ${verdict(r.completeProxy === r.sessions && r.completeDirect === r.sessions)}`);
    console.log(`target added p99 < 5 ms: ${verdict(r.addedP99Ms !== null && r.addedP99Ms < 5)} (${ms(r.addedP99Ms)})`);
    console.log(`target RSS growth < 30 MB: ${verdict(during - before < 30 * 1024 && after - before < 30 * 1024)}` +
        ` (peak +${mb(during - before)}, after +${mb(after - before)})`);
'
if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    echo "gemini-aggregatord died during the benchmark" >&2
    exit 1
fi
if [ "$rc" -ne 0 ]; then
    echo "a Live session failed (client exit $rc)" >&2
    exit 1
fi
