#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds the HTTP parser fuzzer with Clang in build/fuzz and runs it.
#   tests/fuzz/run.sh [seconds] [extra libFuzzer flags...]     (default: 60 seconds)
# New inputs go to build/fuzz/corpus (the checked-in seeds in tests/fuzz/corpus are only read);
# crashes are written to build/fuzz/artifacts/.
set -eu

SECONDS_TO_RUN=${1:-60}
if [ $# -gt 0 ]; then shift; fi

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD="$ROOT/build/fuzz"
cd "$ROOT"

CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DGA_FUZZ=ON -DGA_BUILD_GUI=OFF -DGA_BUILD_TESTS=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/fuzz --target fuzz_requestparser

mkdir -p "$BUILD/corpus" "$BUILD/artifacts"
exec "$BUILD/tests/fuzz/fuzz_requestparser" -max_total_time="$SECONDS_TO_RUN" -max_len=8192 \
    -artifact_prefix="$BUILD/artifacts/" -print_final_stats=1 "$@" \
    "$BUILD/corpus" "$ROOT/tests/fuzz/corpus"
