#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The desktop app starts on a fresh profile (its own config, data and secret file), shows its window on the
# offscreen platform, and exits 0. Usage: gui-loads.sh /path/to/gemini-aggregator
set -eu
app=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export HOME="$dir/home" XDG_CONFIG_HOME="$dir/config" XDG_DATA_HOME="$dir/data" XDG_RUNTIME_DIR="$dir/run"
export GEMINI_AGGREGATOR_SECRET_STORE=file GEMINI_AGGREGATOR_PASSPHRASE=gui-loads-test
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
if ! "$app" --quit-after-load >"$dir/out.log" 2>&1; then
    cat "$dir/out.log"
    echo "FAIL: the app exited non-zero" >&2
    exit 1
fi
cat "$dir/out.log"
grep -q "window shown" "$dir/out.log" || { echo "FAIL: the window was never shown" >&2; exit 1; }
if grep -E "qrc:/.*(Error|error|warning|Warning)|ReferenceError|TypeError" "$dir/out.log"; then
    echo "FAIL: QML errors while loading" >&2
    exit 1
fi
echo "PASS: window shown, no QML errors"
