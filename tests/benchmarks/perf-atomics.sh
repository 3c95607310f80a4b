#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Where the CPU time of proxied requests goes that instruction counts (profile.sh) do not show: wrk -c50 against the
# daemon (or TARGET=nginx) while `perf record -e cpu-clock` samples it (a timer, so it works without hardware
# counters, in a VM too), then the share of samples that land on the instruction right after a locked one
# (lock-prefixed or xchg: an atomic reference count, a mutex). Such an instruction is a full memory barrier; it is
# one instruction to callgrind but a stall to the core, and the sample lands just after it.
#   tests/benchmarks/perf-atomics.sh [FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN]
# Environment: DUR (4) seconds sampled, TOP (15) functions listed, TARGET=nginx, KEEP=1 keeps perf.data (path printed).
# Needs perf (Debian: linux-perf) and permission to sample the process (root, or kernel.perf_event_paranoid <= 1).
# Prints: samples in all, the share after locked instructions, and the functions they fall in.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries "${1:-}" "${2:-}"
command -v perf >/dev/null 2>&1 || { echo "perf not found: apt-get install linux-perf" >&2; exit 1; }
bench_require wrk python3
DUR=${DUR:-4}
TOP=${TOP:-15}

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh"
harness_init
harness_start_fake "$FAKE_BIN" --accept-any-key --threads 1 --no-record
KEY=$(harness_gen_key)
if [ "${TARGET:-daemon}" = nginx ]; then
    bench_require nginx
    BENCH_NGINX_SINGLE=1 bench_start_nginx "$H_FAKE_PORT" on
    PID=$BENCH_NGINX_PID
    URL=$BENCH_NGINX_URL
    TOKEN=$KEY
else
    harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" "$KEY"
    harness_start_daemon "$DAEMON_BIN"
    PID=$H_DAEMON_PID
    URL=$H_PROXY_URL
    TOKEN=$(harness_token "$DAEMON_BIN")
fi
# The throughput benchmarks' request (wrk-generate.lua): a 40-byte generateContent.
export BENCH_PATH=/v1beta/models/gemini-2.5-flash:generateContent BENCH_BODY='{"contents":[{"parts":[{"text":"hi"}]}]}'
export BENCH_KEY=$TOKEN
wrk -t1 -c50 -d1s -s "$ROOT/tests/benchmarks/wrk-generate.lua" "$URL" >/dev/null # warm-up
# The samples cover the whole wrk run (its first milliseconds open the 50 connections).
perf record -q -F 4999 -e cpu-clock -p "$PID" -o "$H_TMP/perf.data" >/dev/null 2>&1 &
PERF=$!
wrk -t1 -c50 -d"${DUR}s" -s "$ROOT/tests/benchmarks/wrk-generate.lua" "$URL" >"$H_TMP/wrk.txt"
kill -INT "$PERF"
wait "$PERF" || true
echo "== perf-atomics: ${TARGET:-daemon}, wrk -c50 for ${DUR} s: $(bench_field "$(grep '^BENCH ' "$H_TMP/wrk.txt")" requests) requests"
perf annotate -i "$H_TMP/perf.data" --stdio --no-source 2>/dev/null >"$H_TMP/annotate.txt"
perf report -i "$H_TMP/perf.data" --stdio --sort comm 2>/dev/null | awk '/^# Samples/ {print "samples: " $3}'
python3 - "$H_TMP/annotate.txt" "$TOP" <<'PY'
import collections, re, sys
by_symbol = collections.Counter()
after_locked = 0.0
annotated = 0.0
dso = symbol = None
samples = 0
previous_locked = False
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"\s*Percent \|\s+Source code & Disassembly of (\S+) for cpu-clock \((\d+) samples", line)
    if m:
        dso, samples, symbol, previous_locked = m.group(1), int(m.group(2)), None, False
        annotated += samples
        continue
    m = re.match(r"\s*:\s+\d+\s+[0-9a-f]{8,} <(.*)>:\s*$", line)
    if m:
        symbol = m.group(1)
        continue
    m = re.match(r"\s*([0-9.]+) :\s+[0-9a-f]+:\s+(.*)", line)
    if not m:
        continue
    share, instruction = float(m.group(1)), m.group(2).split()
    if previous_locked and share > 0:
        n = share * samples / 100
        after_locked += n
        by_symbol[(dso, symbol)] += n
    previous_locked = bool(instruction) and (instruction[0] == "lock" or instruction[0].startswith("xchg"))
if annotated == 0:
    sys.exit("perf annotate gave nothing (no samples of user code?)")
print(f"user-space samples annotated: {annotated:.0f}; after a locked instruction: {after_locked:.0f} "
      f"({100 * after_locked / annotated:.1f} % of them)")
for (d, s), n in by_symbol.most_common(int(sys.argv[2])):
    print(f"{n:8.0f}  {d[:22]:22s} {(s or '?')[:110]}")
PY
if [ "${KEEP:-0}" = 1 ]; then
    cp "$H_TMP/perf.data" "$ROOT/perf.data.atomics"
    echo "kept: $ROOT/perf.data.atomics (perf report -i …)"
fi
