#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# End-to-end test with real npm clients: fake-gemini (upstream) <- gemini-aggregatord <- @google/genai, openai,
# @google/gemini-cli. Everything on loopback in a private temporary sandbox; both servers stop on exit.
#   tests/e2e/run-e2e.sh FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN
# Exit: 0 all passed, 1 a failure, 77 node/npm missing or too old (CTest: skipped).
# H_KEEP_TMP=1 keeps the sandbox (logs, config) for a look afterwards.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
DAEMON_BIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed for the real-client e2e test (installer/bootstrap.sh deps installs them)"
    exit 77
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 20 ]; then
    echo "SKIP: node $(node --version) is too old; @google/gemini-cli needs node >= 20"
    exit 77
fi
for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=harness.sh
source "$HERE/harness.sh"
harness_npm_install "$HERE"
# @google/genai 1.30.0 (what gemini-cli pins) for the Live tests comes from the resources suite's packages.
harness_npm_install "$HERE/../e2e-resources"

harness_init

KEY1=$(harness_gen_key)
KEY2=$(harness_gen_key)
harness_start_fake "$FAKE_BIN" --key "$KEY1" --key "$KEY2"
harness_setup_daemon "$DAEMON_BIN" "$H_FAKE_URL" "$KEY1" "$KEY2"
harness_start_daemon "$DAEMON_BIN"
TOKEN=$(harness_token "$DAEMON_BIN")
[ -n "$TOKEN" ] || { echo "gemini-aggregatord token show printed nothing" >&2; exit 1; }

set +e
(
    cd "$HERE"
    E2E_PROXY_URL="$H_PROXY_URL" E2E_FAKE_URL="$H_FAKE_URL" E2E_ACCESS_TOKEN="$TOKEN" \
        E2E_POOL_KEYS="$KEY1,$KEY2" E2E_TMP="$H_TMP" \
        node --test --test-reporter=spec "$HERE/clients.mjs"
)
rc=$?
set -e

# The daemon must still be up after all of that.
if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    echo "gemini-aggregatord exited during the test" >&2
    rc=1
fi
if [ "$rc" -ne 0 ]; then
    echo "e2e_real_clients: FAILED (node exit $rc)" >&2
    exit 1
fi
echo "e2e_real_clients: all clients passed"
