#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `keys import` of 10,000 lines (9,000 new keys, 500 repeats, 500 malformed) into the encrypted file store of a
# fresh sandbox; prints the wall time and the report. Target: < 5 s (issue "Observability and admin API").
#   tests/benchmarks/bench-import.sh [GEMINI_AGGREGATORD_BIN]
# Default: build/release/app/gemini-aggregatord (or $BUILD_DIR/...). Exits 1 when the target is missed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}
DAEMON_BIN=$(realpath "${1:-$BUILD_DIR/app/gemini-aggregatord}")
[ -x "$DAEMON_BIN" ] || { echo "not built: $DAEMON_BIN (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config" XDG_DATA_HOME="$WORK/data"
export GEMINI_AGGREGATOR_SECRET_STORE=file GEMINI_AGGREGATOR_PASSPHRASE=bench-passphrase
mkdir -p "$HOME"

# Fake keys of the right shape ("AIza" + 35 characters), made up here: never real keys.
awk 'BEGIN {
    print "# benchmark input";
    for (i = 0; i < 9000; i++) printf "AIzaBENCH%030d\n", i;
    for (i = 0; i < 500; i++) printf "AIzaBENCH%030d\n", i * 7;
    for (i = 0; i < 500; i++) print (i % 2 ? "AIzaTOOSHORT" i : "not a key at all");
}' > "$WORK/keys.txt"

start=$(date +%s%N)
report=$("$DAEMON_BIN" --config "$WORK/config.json" keys import "$WORK/keys.txt" 2>/dev/null)
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
echo "keys import, 10,000 lines: ${ms} ms — ${report}"
case "$report" in
*"added 9000, skipped 500 duplicate(s), 500 invalid"*) ;;
*) echo "unexpected report" >&2; exit 1 ;;
esac
[ "$ms" -lt 5000 ] || { echo "target missed: ${ms} ms >= 5000 ms" >&2; exit 1; }
