# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the relay test runners: checks node/npm (exit 77 = skipped), installs the pinned deno and workerd
# from npm into node_modules here, and sets DENO_BIN and WORKERD_BIN. Expects HERE (this directory).

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed for the relay runtime tests (installer/bootstrap.sh deps installs them)"
    exit 77
fi
NODE_MAJOR=$(node -p 'process.versions.node.split(".")[0]')
if [ "$NODE_MAJOR" -lt 20 ]; then
    echo "SKIP: node $(node --version) is too old; the relay tests need node >= 20"
    exit 77
fi
# Install the pinned runtimes when node_modules does not hold exactly the versions package.json asks for.
installed_ok() {
    # shellcheck disable=SC2016 # JavaScript, not shell
    (cd "$HERE" && node -e '
        const fs = require("fs");
        const want = JSON.parse(fs.readFileSync("package.json", "utf8")).dependencies;
        for (const [name, version] of Object.entries(want)) {
            const p = `node_modules/${name}/package.json`;
            if (!fs.existsSync(p) || JSON.parse(fs.readFileSync(p, "utf8")).version !== version) process.exit(1);
        }' 2>/dev/null)
}
# `npm ci` refuses a lock file that lacks the optional per-platform packages of deno and workerd, and a registry
# mirror that only carries some platforms' packages yields exactly such a lock file (npm install leaves out what
# it cannot resolve). Then install without the lock file: package.json pins deno and workerd exactly, and they
# pin their platform packages exactly, so the result is the same versions either way.
if ! installed_ok; then
    echo "==> npm ci in $HERE"
    npm_err=$(mktemp)
    if ! (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error 2>"$npm_err"); then
        grep -q 'Missing: .* from lock file' "$npm_err" || { cat "$npm_err" >&2; rm -f "$npm_err"; exit 1; }
        echo "==> the lock file lacks other platforms' packages; npm install --no-package-lock instead"
        (cd "$HERE" && npm install --no-package-lock --no-save --no-audit --no-fund --loglevel=error)
    fi
    rm -f "$npm_err"
    installed_ok || { echo "npm did not install the pinned versions" >&2; exit 1; }
fi

# The real executables. The deno package's postinstall links the platform binary in place (bin.cjs is its
# fallback launcher); workerd's bin/workerd is the platform binary (or a launcher for it).
DENO_BIN="$HERE/node_modules/deno/deno"
[ -x "$DENO_BIN" ] || DENO_BIN="$HERE/node_modules/.bin/deno"
WORKERD_BIN="$HERE/node_modules/workerd/bin/workerd"
[ -x "$WORKERD_BIN" ] || WORKERD_BIN="$HERE/node_modules/.bin/workerd"
for bin in "$DENO_BIN" "$WORKERD_BIN"; do
    "$bin" --version >/dev/null 2>&1 || { echo "does not run on this machine: $bin" >&2; exit 1; }
done


# relay_finish_tmp RC LINES: on failure (or RELAY_KEEP_TMP=1) show the tail of every log in $TMP, then remove
# $TMP unless it is to be kept. Called from the runners' EXIT traps.
relay_finish_tmp() {
    local rc=$1 lines=$2 f
    if [ "$rc" -ne 0 ] || [ "${RELAY_KEEP_TMP:-0}" = 1 ]; then
        for f in "$TMP"/*.log; do
            [ -f "$f" ] || continue
            echo "----- last lines of $(basename "$f") -----" >&2
            tail -n "$lines" "$f" >&2
        done
    fi
    if [ "${RELAY_KEEP_TMP:-0}" = 1 ]; then
        echo "kept $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
