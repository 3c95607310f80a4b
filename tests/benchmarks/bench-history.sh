#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The request history on disk (core/metrics/historystore.h): how long RECORDS (200,000) access records take to be
# queued (what a proxy thread pays) and written (the store's own thread, batched transactions) into a fresh
# history.sqlite. Target (issue: desktop app, history): 200,000 records written in < 5 s.
# Then, when wrk is installed, whether keeping the history slows proxying: wrk -c50 against gemini-aggregatord in
# front of fake-gemini, ROUNDS (3) x DURATION (5s) with the history on and off alternately (metrics.
# historyRetentionDays 30 / 0, applied live), req/s and CPU per request, and the rows history.sqlite got.
#   tests/benchmarks/bench-history.sh BUILD/tests/tst_historystore [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
set -euo pipefail
BIN=${1:?usage: bench-history.sh BUILD/tests/tst_historystore [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]}
RECORDS=${RECORDS:-200000}
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 1; }
echo "== bench-history: $RECORDS records, $(nproc) cores"
out=$(BENCH_HISTORY_RECORDS=$RECORDS "$BIN" writeMany 2>&1) || { echo "$out" >&2; exit 1; }
line=$(grep -o 'history: .*' <<<"$out")
echo "$line"
ms=$(sed -E 's/.*all written after ([0-9]+) ms.*/\1/' <<<"$line")
if [ "$ms" -lt 5000 ]; then
    echo "target 200,000 written in < 5 s: met (${ms} ms for $RECORDS)"
else
    echo "target 200,000 written in < 5 s: MISSED (${ms} ms for $RECORDS)"
fi

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
if ! command -v wrk >/dev/null 2>&1; then
    echo "proxying with the history on/off: skipped (wrk not installed: installer/bootstrap.sh deps)"
    exit 0
fi
bench_binaries "${2:-}" "${3:-}"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init
harness_start_fake "$FAKE_BIN" --accept-any-key --threads 1 --no-record
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" "$(harness_gen_key)"
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")
DB=$(dirname "$GEMINI_AGGREGATOR_CONFIG")/history.sqlite
cat >"$H_TMP/generate.lua" <<'LUA'
wrk.method = "POST"
wrk.path = "/v1beta/models/gemini-2.5-flash:generateContent"
wrk.body = '{"contents":[{"parts":[{"text":"hi"}]}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-goog-api-key"] = os.getenv("BENCH_KEY")
done = function(summary, latency, requests)
    io.write(string.format("BENCH rps=%.1f requests=%d errors=%d\n", summary.requests / (summary.duration / 1e6),
        summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write))
end
LUA
TICK_US=$((1000000 / $(getconf CLK_TCK)))
ticks() { awk '{print $14 + $15}' "/proc/$H_DAEMON_PID/stat"; }
rows() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM history").fetchone()[0])' "$DB" 2>/dev/null || echo 0; }
applied() { grep -c 'config applied: metrics.historyRetentionDays' "$H_TMP/daemon.log" || true; }
set_history() { # on|off: returns once the daemon says the change is in force (10 s at most)
    local before deadline=$((SECONDS + 10))
    before=$(applied)
    "$DAEMON_BIN" config set metrics.historyRetentionDays "$([ "$1" = on ] && echo 30 || echo 0)" >/dev/null
    while [ "$(applied)" -le "$before" ]; do
        [ "$SECONDS" -lt "$deadline" ] || { echo "the daemon did not apply metrics.historyRetentionDays" >&2; exit 1; }
        sleep 0.05
    done
}
declare -A RPS=() CPU=()
BENCH_KEY=$TOKEN wrk -t1 -c50 -d2s -s "$H_TMP/generate.lua" "$H_PROXY_URL" >/dev/null
echo "== proxying with the history on and off: wrk -t1 -c50 -d$DURATION, $ROUNDS rounds each"
for ((round = 1; round <= ROUNDS; round++)); do
    for mode in off on; do
        set_history "$mode"
        # What the previous run queued is still being written: counted from when the table stops growing.
        before_rows=$(rows)
        for ((i = 0; i < 40; i++)); do
            sleep 0.25
            now_rows=$(rows)
            [ "$now_rows" -ne "$before_rows" ] || break
            before_rows=$now_rows
        done
        before=$(ticks)
        line=$(BENCH_KEY=$TOKEN wrk -t1 -c50 -d"$DURATION" -s "$H_TMP/generate.lua" "$H_PROXY_URL" | grep '^BENCH ')
        after=$(ticks)
        n=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
        if [ "$mode" = on ]; then # until the last batch is in (written every 200 ms; 10 s at most)
            for ((i = 0; i < 200 && $(rows) - before_rows < n; i++)); do sleep 0.05; done
        fi
        added=$(($(rows) - before_rows))
        rps=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
        errors=$(sed -E 's/.*errors=([0-9]+).*/\1/' <<<"$line")
        cpu=$(awk -v d=$((after - before)) -v us="$TICK_US" -v n="$n" 'BEGIN {printf "%.1f", n ? d * us / n : 0}')
        RPS[$mode]+="$rps "
        CPU[$mode]+="$cpu "
        printf 'round %d  history %-3s %9.0f req/s   CPU %6.1f us/req   %7d requests, %7d rows written, %d errors\n' \
            "$round" "$mode" "$rps" "$cpu" "$n" "$added" "$errors"
    done
done
on=$(median "${RPS[on]}")
off=$(median "${RPS[off]}")
printf 'medians: history off %.0f req/s, %.1f us/req; on %.0f req/s, %.1f us/req (%.1f %% of the throughput with it off)\n' \
    "$off" "$(median "${CPU[off]}")" "$on" "$(median "${CPU[on]}")" "$(awk -v a="$on" -v b="$off" 'BEGIN {print 100 * a / b}')"
