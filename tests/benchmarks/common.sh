# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the benchmark scripts in this folder: where things are, the binaries under test, the tools a script
# needs. Then a script sources the e2e harness (tests/e2e/harness.sh) for its sandbox and processes.
#   source "$(dirname "$0")/common.sh"; bench_binaries "${1:-}" "${2:-}"; bench_require TOOL...

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}

# bench_binaries [FAKE_GEMINI_BIN] [GEMINI_AGGREGATORD_BIN]: sets FAKE_BIN and DAEMON_BIN (defaults: $BUILD_DIR/...)
# and stops with what to build when either is missing.
bench_binaries() {
    FAKE_BIN=$(realpath "${1:-$BUILD_DIR/tests/fakegemini/fake-gemini}")
    DAEMON_BIN=$(realpath "${2:-$BUILD_DIR/app/gemini-aggregatord}")
    local bin
    for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
        [ -x "$bin" ] || { echo "not built: $bin (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
    done
}

# bench_require TOOL...: stops naming the first tool that is not installed (sbin is searched too: nginx).
bench_require() {
    local tool
    for tool; do
        command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
        command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found: run installer/bootstrap.sh deps" >&2; exit 1; }
    done
}
