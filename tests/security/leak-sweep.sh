#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Secret-leak sweep: run the daemon, its CLI and the proxy through many scenarios with known test secrets
# (Gemini keys, access tokens, relay secrets, the JWT HS256 secret, JWTs), capture everything they print or
# write, then search all of it for those secrets. Any hit fails the test.
#   tests/security/leak-sweep.sh FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN
# Exit: 0 no leak, 1 a leak (or a broken scenario / scanner), 77 node >= 20 missing (CTest: skipped).
# LEAK_SWEEP_KEEP=1 keeps the sandbox afterwards (it holds the test secrets: they are throw-away values).
#
# What is captured and scanned (everything in the sandbox except the EXEMPT list below):
#   * the daemon's stdout+stderr at --log-level debug (three runs: a long one stopped with SIGTERM, one killed
#     with SIGABRT, one with SIGSEGV), and /proc/PID/cmdline of the first;
#   * stdout and stderr of every CLI command (each run with --log-level debug), except the stdout of the
#     commands whose purpose is to print a secret (EXEMPT, see below);
#   * status line, headers and body of every HTTP response of the proxy, the web console's sign-in and its admin
#     calls included (the admin token is one of the secrets);
#   * the config dir: config.json, keystate.json and whatever else the daemon writes in the sandbox's
#     home, config and data folders, except the encrypted secret store;
#   * fake-gemini's output and this test's own node output.
# Which secrets: every full value, plus for keys, tokens and secrets their 12-character middle (a mask that
# kept too much), plus for JWTs their signature segment.
#
# EXEMPT (captured in $H_TMP/.exempt, never scanned), because printing a secret is what they are for:
#   stdout of `token show`, `token add NAME`, `token rotate NAME`, `token jwt-secret` when it generates the
#   secret, `token jwt-mint`, `instances add` when it generates the relay secret; plus the test's own secret
#   list, a hand-made config file with a pasted key (input of a `config check` scenario), and the scanner's
#   self-check canaries. Also not scanned: the encrypted secret store file (secrets.enc) and
#   /proc/PID/environ (the store's passphrase is in the environment by design of the test).
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
DAEMON_BIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
STARTED=$SECONDS

if ! command -v node >/dev/null 2>&1; then
    echo "SKIP: node >= 20 is needed for the secret-leak sweep"
    exit 77
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "SKIP: node $(node --version) is too old; the secret-leak sweep needs node >= 20"
    exit 77
fi
for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$HERE/../e2e/harness.sh"
if [ "${LEAK_SWEEP_KEEP:-0}" = 1 ]; then
    H_KEEP_TMP=1 # read by harness_cleanup
fi
harness_init

SWEEP=(node "$HERE/leak-sweep.mjs")
EXEMPT="$H_TMP/.exempt"
CAP="$H_TMP/capture"
mkdir -p "$EXEMPT" "$CAP"
chmod 700 "$EXEMPT"

# On failure the harness prints the tails of $H_TMP/*.log: never with a secret in them.
harness_dump_logs() {
    "${SWEEP[@]}" dump-logs --work "$H_TMP" >&2 || true
}

# The known pool keys, made at run time (harness_gen_key), handed to node in a file, never on a command line.
for _ in 1 2 3 4 5 6; do
    harness_gen_key
done >"$EXEMPT/pool-keys.txt"

# Two upstreams: fake-gemini as Google, a second one posing as a relay (it ignores x-relay-secret).
harness_start_fake "$FAKE_BIN"
harness_spawn fake-relay "$FAKE_BIN" --host 127.0.0.1 --port 0
FAKE2_PID=$H_SPAWNED_PID
line=$(harness_wait_line "$H_TMP/fake-relay.log" "listening on http://" "$FAKE2_PID" 30)
FAKE2_URL=${line##*listening on }
FAKE2_URL=${FAKE2_URL%%[[:space:]]*}
UNREACHABLE_PORT=$(harness_free_port)

harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" >"$CAP/setup.stdout" 2>"$CAP/setup.stderr"

COMMON=(--work "$H_TMP" --daemon "$DAEMON_BIN" --fake "$H_FAKE_URL" --fake2 "$FAKE2_URL"
    --unreachable "http://127.0.0.1:$UNREACHABLE_PORT")

harness_log "phase 1: CLI scenarios without a running daemon"
"${SWEEP[@]}" offline "${COMMON[@]}"

# A daemon at debug level; waits for its readiness line (read with a deadline, no fixed delay).
start_daemon() { # start_daemon NAME
    local name=$1 l
    harness_spawn "$name" "$DAEMON_BIN" --log-level debug run
    DAEMON_PID=$H_SPAWNED_PID
    l=$(harness_wait_line "$H_TMP/$name.log" "ready: listening on http://" "$DAEMON_PID" 30)
    PROXY_URL=${l##*ready: listening on }
    PROXY_URL=${PROXY_URL%%[[:space:]]*}
    PROXY_URL=${PROXY_URL%/}
    harness_log "$name (pid $DAEMON_PID) at $PROXY_URL"
}

# Waits (bounded) for PID, a child of this shell, to end; sets EXIT_RC to its exit status.
wait_exit() { # wait_exit PID SECONDS
    EXIT_RC=0
    timeout "$2" tail --pid="$1" -f /dev/null 2>/dev/null || true
    if kill -0 "$1" 2>/dev/null; then
        echo "process $1 did not exit within $2 s" >&2
        return 1
    fi
    wait "$1" 2>/dev/null || EXIT_RC=$?
}

harness_log "phase 2: the daemon at --log-level debug, HTTP and live CLI scenarios"
start_daemon daemon
tr '\0' ' ' <"/proc/$DAEMON_PID/cmdline" >"$CAP/daemon.cmdline"
"${SWEEP[@]}" live "${COMMON[@]}" --proxy "$PROXY_URL" --log "$H_TMP/daemon.log"
kill -TERM "$DAEMON_PID"
wait_exit "$DAEMON_PID" 15
echo "daemon stopped by SIGTERM, exit status $EXIT_RC" >"$CAP/daemon.exit"
[ "$EXIT_RC" -eq 0 ] || { echo "the daemon exited with $EXIT_RC after SIGTERM" >&2; exit 1; }
"${SWEEP[@]}" after-stop "${COMMON[@]}"

harness_log "phase 3: crashes (SIGABRT, SIGSEGV) of a daemon that has served requests"
ulimit -c 0 # a core file is a memory image: it holds every secret by nature (not what this test is about)
for sig in ABRT SEGV; do
    start_daemon "crash-$sig"
    "${SWEEP[@]}" poke "${COMMON[@]}" --proxy "$PROXY_URL" --label "crash-$sig"
    kill "-$sig" "$DAEMON_PID"
    wait_exit "$DAEMON_PID" 15
    echo "daemon killed by SIG$sig, exit status $EXIT_RC" >"$CAP/crash-$sig.exit"
    [ "$EXIT_RC" -ne 0 ] || { echo "the daemon exited cleanly after SIG$sig" >&2; exit 1; }
done

harness_log "phase 4: scanner self-check, then the sweep"
"${SWEEP[@]}" selfcheck --work "$H_TMP"
set +e
"${SWEEP[@]}" scan --work "$H_TMP" --elapsed "$((SECONDS - STARTED))"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
    echo "secret_leak_sweep: FAILED" >&2
    exit 1
fi
echo "secret_leak_sweep: no secret found in any captured output ($((SECONDS - STARTED)) s)"
