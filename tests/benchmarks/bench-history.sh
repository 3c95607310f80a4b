#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The request history on disk (core/metrics/historystore.h): how long RECORDS (200,000) access records take to be
# queued (what a proxy thread pays) and written (the store's own thread, batched transactions) into a fresh
# history.sqlite. Target (issue: desktop app, history): 200,000 records written in < 5 s.
#   tests/benchmarks/bench-history.sh BUILD/tests/tst_historystore
set -euo pipefail
BIN=${1:?usage: bench-history.sh BUILD/tests/tst_historystore}
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
