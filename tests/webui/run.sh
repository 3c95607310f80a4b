#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Browser tests of the web admin console (/admin/) served by gemini-aggregatord, in headless Chromium driven by
# playwright-core, with axe-core for accessibility:
#   tests/webui/run.sh FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN [SCREENSHOT_DIR]
# What it starts (all on 127.0.0.1, free ports, a private sandbox; stopped on exit):
#   * fake-gemini (the upstream; the tests register their keys in it through /__fake/keys);
#   * gemini-aggregatord "main": a few keys, the instance the console tests drive;
#   * gemini-aggregatord "big": its own config and secret store with 10,000 keys (imported with the CLI before it
#     starts), for the keys-page timing.
# Then: console.test.mjs (sign-in, keys, verify, mode, settings, logs, sign-out, rotation, security, leaks, axe,
# screenshots) and perf.test.mjs (first-load size, 10,000 keys). Screenshots go to $WEBUI_SCREENSHOT_DIR, else
# SCREENSHOT_DIR, else <dir of the daemon's dir>/webui-screenshots.
# Browser: $WEBUI_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH (Debian's package; bootstrap.sh installs
# it). Exit: 0 all passed, 1 a failure, 77 node/npm/chromium missing (CTest: skipped).
# H_KEEP_TMP=1 keeps the sandbox (logs, configs) for a look afterwards.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN [SCREENSHOT_DIR]" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
DAEMON_BIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
E2E_DIR=$(cd "$HERE/../e2e" && pwd)
SHOTS=${WEBUI_SCREENSHOT_DIR:-${3:-$(dirname "$(dirname "$DAEMON_BIN")")/webui-screenshots}}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed for the web console tests (installer/bootstrap.sh deps installs them)"
    exit 77
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "SKIP: node $(node --version) is too old; the web console tests need node >= 20"
    exit 77
fi
CHROMIUM=${WEBUI_CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
    if [ -x /usr/bin/chromium ]; then
        CHROMIUM=/usr/bin/chromium
    else
        CHROMIUM=$(command -v chromium || true)
    fi
fi
if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
    echo "SKIP: Chromium is needed for the web console tests (apt-get install chromium; installer/bootstrap.sh deps)"
    exit 77
fi
for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$E2E_DIR/harness.sh"
harness_npm_install "$HERE"
harness_init
mkdir -p "$SHOTS"

harness_start_fake "$FAKE_BIN"
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL"
harness_start_daemon "$DAEMON_BIN"
# A build without npm (GA_BUILD_WEBUI off) has no console to test: /admin/ says how to build it.
if curl -s "$H_PROXY_URL/admin/" | grep -q 'not part of this build'; then
    echo "SKIP: $DAEMON_BIN was built without the web console (configure with -DGA_BUILD_WEBUI=ON and npm present)"
    exit 77
fi
MAIN_CONFIG=$GEMINI_AGGREGATOR_CONFIG
MAIN_DATA=$XDG_DATA_HOME
# The admin token goes to the tests through the environment only; it is never printed.
ADMIN_TOKEN=$("$DAEMON_BIN" token show --admin)
[ -n "$ADMIN_TOKEN" ] || { echo "gemini-aggregatord token show --admin printed nothing" >&2; exit 1; }

# The "big" instance: its own config file and data folder (the secret store lives there), 10,000 keys made here at
# run time (labels big-00000 … big-09999), imported with the CLI, the file removed at once.
BIG=$H_TMP/big
mkdir -p "$BIG/data" "$H_TMP/scratch"
big() { GEMINI_AGGREGATOR_CONFIG="$BIG/config.json" XDG_DATA_HOME="$BIG/data" "$DAEMON_BIN" "$@"; }
# shellcheck disable=SC2016 # JavaScript, not shell
node -e '
    const { randomBytes } = require("crypto");
    const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const lines = ["key,label"];
    for (let i = 0; i < 10000; i++) {
        let k = "AI" + "za";
        for (const b of randomBytes(35)) k += abc[b & 63];
        lines.push(`${k},big-${String(i).padStart(5, "0")}`);
    }
    require("fs").writeFileSync(process.argv[1], lines.join("\n") + "\n", { mode: 0o600 });' "$H_TMP/scratch/big-keys.csv"
BIG_PORT=$(harness_free_port)
big config set upstream.baseUrl "$H_FAKE_URL" >/dev/null
big config set listen.host 127.0.0.1 >/dev/null
big config set listen.port "$BIG_PORT" >/dev/null
big keys import "$H_TMP/scratch/big-keys.csv" >"$H_TMP/scratch/big-import.out" 2>&1 ||
    { tail -n 5 "$H_TMP/scratch/big-import.out" >&2; exit 1; }
rm -f "$H_TMP/scratch/big-keys.csv"
harness_log "big instance: $(tail -n 1 "$H_TMP/scratch/big-import.out")"
GEMINI_AGGREGATOR_CONFIG="$BIG/config.json" XDG_DATA_HOME="$BIG/data" harness_spawn daemon-big "$DAEMON_BIN" run
BIG_PID=$H_SPAWNED_PID
line=$(harness_wait_line "$H_TMP/daemon-big.log" "ready: listening on http://" "$BIG_PID" 60)
BIG_URL=${line##*ready: listening on }
BIG_URL=${BIG_URL%%[[:space:]]*}
BIG_URL=${BIG_URL%/}
harness_log "gemini-aggregatord big (pid $BIG_PID) at $BIG_URL"
BIG_ADMIN_TOKEN=$(big token show --admin)

export WEBUI_PROXY_URL="$H_PROXY_URL" WEBUI_FAKE_URL="$H_FAKE_URL" WEBUI_DAEMON_BIN="$DAEMON_BIN" \
    WEBUI_CONFIG="$MAIN_CONFIG" WEBUI_DATA_DIR="$MAIN_DATA" WEBUI_TMP="$H_TMP" WEBUI_CHROMIUM="$CHROMIUM" \
    WEBUI_SCREENSHOT_DIR="$SHOTS" WEBUI_ADMIN_TOKEN="$ADMIN_TOKEN" WEBUI_DAEMON_PID="$H_DAEMON_PID" \
    WEBUI_BIG_URL="$BIG_URL" WEBUI_BIG_CONFIG="$BIG/config.json" WEBUI_BIG_DATA_DIR="$BIG/data" \
    WEBUI_BIG_ADMIN_TOKEN="$BIG_ADMIN_TOKEN"
harness_log "browser: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null | tail -n 1))"
harness_log "screenshots: $SHOTS"

FAILED=()
for file in ${WEBUI_TESTS:-console.test.mjs perf.test.mjs}; do
    harness_log "running $file"
    set +e
    (cd "$HERE" && node "$file")
    rc=$?
    set -e
    [ "$rc" -eq 0 ] || FAILED+=("$file")
done

for pid in "$H_DAEMON_PID" "$BIG_PID"; do
    kill -0 "$pid" 2>/dev/null || FAILED+=("daemon $pid exited during the test")
done
if [ "${#FAILED[@]}" -ne 0 ]; then
    printf 'webui: FAILED:' >&2
    printf ' [%s]' "${FAILED[@]}" >&2
    printf '\n' >&2
    exit 1
fi
echo "webui: all passed (screenshots in $SHOTS)"
