# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash disable=SC2034
# Shared bash helpers for tests/e2e/run-e2e.sh and tests/benchmarks/*.sh: start the fake Gemini upstream and
# gemini-aggregatord in a private sandbox on loopback, wait for their readiness lines (read with a deadline,
# never a fixed sleep), and stop what was started. Source it; it defines functions and a few variables only.
#
#   harness_init                      make $H_TMP (sandbox) and install the EXIT trap
#   harness_gen_key                   print a fresh key-shaped string (made at run time, never stored)
#   harness_free_port                 print a TCP port on 127.0.0.1 that was free a moment ago
#   harness_start_fake BIN ARGS...    start fake-gemini; sets H_FAKE_PID, H_FAKE_URL, H_FAKE_PORT
#   harness_setup_daemon BIN UPSTREAM KEY...   sandboxed config + file secret store + keys; sets H_PROXY_PORT
#   harness_start_daemon BIN          start `run`; sets H_DAEMON_PID, H_PROXY_URL
#   harness_token BIN                 print the local access token
#   harness_spawn NAME CMD...         start any other helper process (sets H_SPAWNED_PID), stopped on exit
#   harness_wait_line FILE TEXT PID SECONDS    wait for a line containing TEXT in FILE written by PID
#   harness_npm_install DIR           npm ci in DIR unless node_modules holds exactly the pinned versions

H_PIDS=()
H_TMP=""
H_KEEP_TMP=${H_KEEP_TMP:-0}

harness_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

harness_cleanup() {
    local rc=$?
    local i pid
    for ((i = ${#H_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${H_PIDS[i]}
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${H_PIDS[@]}"; do
        # Bounded wait for the exit itself (tail --pid returns when the process ends): TERM first, KILL after 5 s.
        timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || true
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    H_PIDS=()
    if [ -n "$H_TMP" ] && [ -d "$H_TMP" ]; then
        if [ "$rc" -ne 0 ] || [ "$H_KEEP_TMP" = 1 ]; then
            harness_dump_logs
        fi
        if [ "$H_KEEP_TMP" = 1 ]; then
            harness_log "kept $H_TMP"
        else
            rm -rf "$H_TMP"
        fi
    fi
    return "$rc"
}

harness_dump_logs() {
    local f
    for f in "$H_TMP"/*.log; do
        [ -f "$f" ] || continue
        echo "----- last lines of $(basename "$f") -----" >&2
        tail -n 40 "$f" >&2
    done
}

harness_init() {
    H_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ga-e2e.XXXXXX")
    trap harness_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    # Sandbox for the daemon and its CLI: nothing touches the real user's config, keyring or home.
    export HOME="$H_TMP/home"
    export XDG_CONFIG_HOME="$H_TMP/home/.config"
    export XDG_DATA_HOME="$H_TMP/data"
    export GEMINI_AGGREGATOR_CONFIG="$H_TMP/config.json"
    export GEMINI_AGGREGATOR_SECRET_STORE=file
    export GEMINI_AGGREGATOR_PASSPHRASE="e2e-passphrase-$$"
    export LANG=C.UTF-8
    mkdir -p "$HOME" "$XDG_DATA_HOME"
}

# harness_npm_install DIR: installs the pinned clients when DIR/node_modules does not hold exactly the versions
# DIR/package.json asks for ("npm:NAME@VERSION" aliases compare the version after the last @).
harness_npm_installed_ok() {
    # shellcheck disable=SC2016 # JavaScript, not shell
    (cd "$1" && node -e '
        const fs = require("fs");
        const want = JSON.parse(fs.readFileSync("package.json", "utf8")).dependencies;
        for (const [name, spec] of Object.entries(want)) {
            const version = spec.startsWith("npm:") ? spec.slice(spec.lastIndexOf("@") + 1) : spec;
            const p = `node_modules/${name}/package.json`;
            if (!fs.existsSync(p) || JSON.parse(fs.readFileSync(p, "utf8")).version !== version) process.exit(1);
        }' 2>/dev/null)
}
harness_npm_install() {
    if ! harness_npm_installed_ok "$1"; then
        echo "==> npm ci in $1"
        (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
        harness_npm_installed_ok "$1" || { echo "npm ci did not install the pinned versions in $1" >&2; return 1; }
    fi
}

harness_gen_key() {
    local alphabet='ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    local s='AI''za' i
    for ((i = 0; i < 35; i++)); do
        s+=${alphabet:$((RANDOM % 64)):1}
    done
    printf '%s\n' "$s"
}

harness_free_port() {
    node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });' 2>/dev/null ||
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# harness_wait_line FILE TEXT PID SECONDS: prints the first line of FILE containing TEXT; fails when PID exits
# first or SECONDS pass. Reads the file as a stream (tail -F), so there is no polling interval to tune.
harness_wait_line() {
    local file=$1 text=$2 pid=$3 secs=$4 line fd tpid left
    local deadline=$((SECONDS + secs))
    exec {fd}< <(exec tail -n +1 --pid="$pid" -F "$file" 2>/dev/null)
    tpid=$!
    while :; do
        left=$((deadline - SECONDS))
        ((left > 0)) || break
        if IFS= read -r -t "$left" -u "$fd" line; then
            if [[ $line == *"$text"* ]]; then
                kill "$tpid" 2>/dev/null || true
                exec {fd}<&-
                printf '%s\n' "$line"
                return 0
            fi
        else
            break # deadline, or EOF because PID exited
        fi
    done
    kill "$tpid" 2>/dev/null || true
    exec {fd}<&-
    if kill -0 "$pid" 2>/dev/null; then
        harness_log "timed out after ${secs}s waiting for '$text' in $file"
    else
        harness_log "process $pid exited before printing '$text' ($file)"
    fi
    return 1
}

# harness_spawn NAME CMD...: runs CMD in the background (output in $H_TMP/NAME.log); sets H_SPAWNED_PID.
harness_spawn() {
    local name=$1
    shift
    "$@" >"$H_TMP/$name.log" 2>&1 &
    H_SPAWNED_PID=$!
    H_PIDS+=("$H_SPAWNED_PID")
}

# harness_start_fake BIN [ARGS...]
harness_start_fake() {
    local bin=$1 line
    shift
    "$bin" --host 127.0.0.1 --port 0 "$@" >"$H_TMP/fake-gemini.log" 2>&1 &
    H_FAKE_PID=$!
    H_PIDS+=("$H_FAKE_PID")
    line=$(harness_wait_line "$H_TMP/fake-gemini.log" "listening on http://" "$H_FAKE_PID" 30) || return 1
    H_FAKE_URL=${line##*listening on }
    H_FAKE_URL=${H_FAKE_URL%%[[:space:]]*}
    H_FAKE_PORT=${H_FAKE_URL##*:}
    harness_log "fake-gemini (pid $H_FAKE_PID) at $H_FAKE_URL"
}

# harness_setup_daemon BIN UPSTREAM_URL KEY... (keys go in through standard input, never argv)
harness_setup_daemon() {
    local bin=$1 upstream=$2
    shift 2
    H_PROXY_PORT=${H_PROXY_PORT:-$(harness_free_port)}
    "$bin" config set upstream.baseUrl "$upstream" >/dev/null
    "$bin" config set listen.host 127.0.0.1 >/dev/null
    "$bin" config set listen.port "$H_PROXY_PORT" >/dev/null
    if [ $# -gt 0 ]; then
        printf '%s\n' "$@" | "$bin" keys add --label e2e >/dev/null
    fi
}

harness_start_daemon() {
    local bin=$1 line
    "$bin" run >"$H_TMP/daemon.log" 2>&1 &
    H_DAEMON_PID=$!
    H_PIDS+=("$H_DAEMON_PID")
    line=$(harness_wait_line "$H_TMP/daemon.log" "ready: listening on http://" "$H_DAEMON_PID" 30) || return 1
    H_PROXY_URL=${line##*ready: listening on }
    H_PROXY_URL=${H_PROXY_URL%%[[:space:]]*}
    H_PROXY_URL=${H_PROXY_URL%/}
    harness_log "gemini-aggregatord (pid $H_DAEMON_PID) at $H_PROXY_URL"
}

harness_token() {
    "$1" token show
}
