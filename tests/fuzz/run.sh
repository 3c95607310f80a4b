#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds a libFuzzer target with Clang in build/fuzz and runs it.
#   tests/fuzz/run.sh [seconds] [extra libFuzzer flags...]     (default: 60 seconds)
#   FUZZ_TARGET=fuzz_jwt tests/fuzz/run.sh 300                 (default target: fuzz_requestparser)
# New inputs go to build/fuzz/corpus[-TARGET] (the checked-in seeds in tests/fuzz/corpus are only read, by
# the parser target); crashes are written to build/fuzz/artifacts/.
set -eu

SECONDS_TO_RUN=${1:-60}
if [ $# -gt 0 ]; then shift; fi
TARGET=${FUZZ_TARGET:-fuzz_requestparser}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD="$ROOT/build/fuzz"
cd "$ROOT"

CC=clang CXX=clang++ cmake -S . -B build/fuzz -G Ninja -DGA_FUZZ=ON -DGA_BUILD_GUI=OFF -DGA_BUILD_TESTS=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build/fuzz --target "$TARGET"

if [ "$TARGET" = fuzz_requestparser ]; then
    CORPUS="$BUILD/corpus"
    SEEDS="$ROOT/tests/fuzz/corpus"
else
    CORPUS="$BUILD/corpus-$TARGET"
    SEEDS=
fi
mkdir -p "$CORPUS" "$BUILD/artifacts"
exec "$BUILD/tests/fuzz/$TARGET" -max_total_time="$SECONDS_TO_RUN" -max_len=8192 \
    -artifact_prefix="$BUILD/artifacts/" -print_final_stats=1 "$@" "$CORPUS" $SEEDS
