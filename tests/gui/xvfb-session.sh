#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a command on a private X server (Xvfb) with trayer as the system tray host, then stops both.
# Usage: xvfb-session.sh COMMAND [ARGS...]   (exit 77 when Xvfb or trayer is missing)
set -eu
for tool in Xvfb trayer; do
    command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool is not installed" >&2; exit 77; }
done
dir=$(mktemp -d)
xvfb_pid=""
tray_pid=""
cleanup() {
    [ -n "$tray_pid" ] && kill "$tray_pid" 2>/dev/null || true
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT
mkfifo "$dir/display"
# -displayfd: Xvfb picks a free display and writes its number once it accepts connections.
Xvfb -displayfd 3 -screen 0 1600x1000x24 -nolisten tcp 3>"$dir/display" 2>"$dir/xvfb.log" &
xvfb_pid=$!
read -r display <"$dir/display"
export DISPLAY=":$display"
trayer --edge bottom --align right --width 10 --height 32 --transparent false >"$dir/trayer.log" 2>&1 &
tray_pid=$!
export QT_QPA_PLATFORM=xcb
# The test waits (QTRY) until the tray host has taken the _NET_SYSTEM_TRAY selection.
"$@"
