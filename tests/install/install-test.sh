#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package end to end, on this machine (CTest: install_deb, label "install"). Installs and removes a
# system package, so it needs root; CI runs it as root.
#   1. cpack -G "DEB;TGZ" from the build directory; lintian on the .deb: any E: line fails (W: lines are printed)
#   2. apt-get install ./gemini-aggregator_*.deb
#   3. the installed files: ldd (nothing "not found"), --version, desktop-file-validate, appstreamcli validate,
#      systemd-analyze --user verify, icon sizes, man pages, relay scripts
#   4. the installed GUI loads its window (--quit-after-load, offscreen), and every shared object and QML module
#      it loaded comes from a package the .deb depends on (directly or through those packages' dependencies):
#      that is what proves the Depends line, on a machine where everything is installed anyway
#   5. the installed daemon, in a private HOME, serves one request through to fake-gemini
#   6. apt-get remove: no file of the package is left, the user's config and secrets are
# A trap removes the package and stops what the test started, also when a step fails.
#   usage: install-test.sh BUILD_DIR FAKE_GEMINI_BIN
# Exit: 0 passed, 1 failed, 77 not root (CTest: skipped). INSTALL_TEST_KEEP=1 keeps the work directory (the
# packages, the lintian output, the logs) and prints where it is.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR FAKE_GEMINI_BIN" >&2
    exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: install_deb installs and removes the gemini-aggregator package with apt-get, so it runs as root only" \
        "(CI runs it as root; by hand: sudo ctest --test-dir BUILD_DIR -L install)"
    exit 77
fi
BUILD_DIR=$(realpath "$1")
FAKE_BIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PACKAGE=gemini-aggregator
APP_ID=io.github.gemini_aggregator.GeminiAggregator
ICON_SIZES=(16 22 24 32 48 64 128 256 512)
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
APT_LOCK_WAIT=(-o DPkg::Lock::Timeout=120) # wait for another apt/dpkg run to finish instead of failing at once
PATH=$PATH:/usr/sbin:/sbin

for tool in apt-get apt-cache dpkg dpkg-deb dpkg-query cpack lintian desktop-file-validate appstreamcli curl ldd file; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "FAIL: $tool not found; installer/bootstrap.sh deps installs what this test needs" >&2; exit 1; }
done
[ -f "$BUILD_DIR/CPackConfig.cmake" ] || { echo "FAIL: no CPackConfig.cmake in $BUILD_DIR (configure it first)" >&2; exit 1; }
[ -x "$FAKE_BIN" ] || { echo "FAIL: not an executable: $FAKE_BIN" >&2; exit 1; }
if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q 'ok installed'; then
    echo "FAIL: $PACKAGE is already installed; this test would replace it and then remove it." >&2
    echo "      Remove it first (apt-get remove $PACKAGE), or run the test on a machine without it." >&2
    exit 1
fi

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$ROOT/tests/e2e/harness.sh" # harness_wait_line, harness_start_fake, harness_setup_daemon, ...

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ga-install.XXXXXX")
chmod 755 "$WORK" # apt reads the local .deb as its unprivileged _apt user
H_TMP=$WORK
H_KEEP_TMP=${INSTALL_TEST_KEEP:-0}
INSTALLED=0
STARTED=$SECONDS

step() { printf '\n==> [%3ds] %s\n' "$((SECONDS - STARTED))" "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

cleanup() {
    local rc=$? status
    set +e
    trap - EXIT
    (exit "$rc")
    harness_cleanup # stops fake-gemini and the daemon; on failure prints the end of their logs; removes $WORK
    if [ "$INSTALLED" = 1 ]; then
        # Anything but "not installed" (installed, or half-way after a failed apt-get) is taken away again.
        status=$(dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null)
        if [ -n "$status" ] && [[ $status != *not-installed ]]; then
            echo "==> cleanup: removing $PACKAGE ($status)" >&2
            timeout 300 apt-get remove -y -q "${APT_LOCK_WAIT[@]}" "$PACKAGE" >/dev/null 2>&1 ||
                dpkg --purge --force-remove-reinstreq "$PACKAGE" >&2
        fi
    fi
    if [ "$rc" -eq 0 ]; then
        printf '\ninstall_deb: PASSED in %ds\n' "$((SECONDS - STARTED))"
    else
        printf '\ninstall_deb: FAILED (exit %d) after %ds\n' "$rc" "$((SECONDS - STARTED))" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A private user for everything the installed programs do: nothing touches root's home, config or keyring.
export HOME=$WORK/home
export XDG_CONFIG_HOME=$WORK/home/.config
export XDG_DATA_HOME=$WORK/home/.local/share
export XDG_CACHE_HOME=$WORK/home/.cache
export XDG_RUNTIME_DIR=$WORK/runtime
export GEMINI_AGGREGATOR_SECRET_STORE=file
GEMINI_AGGREGATOR_PASSPHRASE="install-test-$RANDOM$RANDOM$RANDOM"
export GEMINI_AGGREGATOR_PASSPHRASE
unset GEMINI_AGGREGATOR_CONFIG DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$HOME" "$XDG_RUNTIME_DIR"

# ---- 1. Build the packages ----------------------------------------------------------------------------------------
step "cpack -G \"DEB;TGZ\" (from $BUILD_DIR)"
mkdir -p "$WORK/pkg"
chmod 755 "$WORK/pkg"
t0=$SECONDS
timeout 900 cpack --config "$BUILD_DIR/CPackConfig.cmake" -G "DEB;TGZ" -B "$WORK/pkg" >"$WORK/cpack.log" 2>&1 ||
    { cat "$WORK/cpack.log" >&2; fail "cpack failed"; }
shopt -s nullglob
debs=("$WORK/pkg/${PACKAGE}_"*.deb)
tgzs=("$WORK/pkg/${PACKAGE}-"*.tar.gz)
shopt -u nullglob
[ ${#debs[@]} -eq 1 ] || fail "expected one ${PACKAGE}_*.deb in $WORK/pkg, found ${#debs[@]}"
[ ${#tgzs[@]} -eq 1 ] || fail "expected one ${PACKAGE}-*.tar.gz in $WORK/pkg, found ${#tgzs[@]}"
DEB=${debs[0]}
VERSION=$(dpkg-deb -f "$DEB" Version)
ARCH=$(dpkg-deb -f "$DEB" Architecture)
[ "$(basename "$DEB")" = "${PACKAGE}_${VERSION}_${ARCH}.deb" ] || fail "unexpected file name $(basename "$DEB")"
ok "$(basename "$DEB"): $(stat -c %s "$DEB") bytes (built in $((SECONDS - t0))s)"
ok "$(basename "${tgzs[0]}"): $(stat -c %s "${tgzs[0]}") bytes"
echo "    Depends: $(dpkg-deb -f "$DEB" Depends)"
echo "    Recommends: $(dpkg-deb -f "$DEB" Recommends)"
# The .tar.gz holds the same files as the .deb, under its own top directory instead of /usr.
dpkg-deb -c "$DEB" | awk '{print $6}' | grep -v '/$' | sed 's|^\./usr/||' | sort >"$WORK/deb-files.txt"
tar -tzf "${tgzs[0]}" | grep -v '/$' | sed 's|^[^/]*/||' | sort >"$WORK/tgz-files.txt"
diff -u "$WORK/deb-files.txt" "$WORK/tgz-files.txt" >&2 || fail "the .deb and the .tar.gz hold different files"
grep -qx 'bin/gemini-aggregatord' "$WORK/tgz-files.txt" || fail "the packages lack bin/gemini-aggregatord"
ok "the .tar.gz holds the same $(wc -l <"$WORK/tgz-files.txt") files as the .deb"

step "lintian $(basename "$DEB")"
t0=$SECONDS
timeout 600 lintian --fail-on none --tag-display-limit 0 "$DEB" >"$WORK/lintian.txt" 2>&1 ||
    { cat "$WORK/lintian.txt" >&2; fail "lintian did not run"; }
grep -v 'running with root privileges is not recommended' "$WORK/lintian.txt" | sed 's/^/    /' || true
errors=$(grep -c '^E:' "$WORK/lintian.txt" || true)
warnings=$(grep -c '^W:' "$WORK/lintian.txt" || true)
[ "$errors" -eq 0 ] || fail "lintian reports $errors error(s) (E: lines above)"
ok "lintian: 0 errors, $warnings warning(s) ($((SECONDS - t0))s)"

# ---- 2. Install ----------------------------------------------------------------------------------------------------
step "apt-get install -y ./$(basename "$DEB")"
dpkg-query -W -f='${Package}\n' | sort >"$WORK/packages-before.txt"
INSTALLED=1 # from here on, the trap removes the package
t0=$SECONDS
# Without Recommends: what is tested is that the Depends line is enough (and nothing more gets onto the machine).
(cd "$WORK/pkg" && timeout 600 apt-get install -y -q "${APT_LOCK_WAIT[@]}" --no-install-recommends \
    "./$(basename "$DEB")") >"$WORK/apt-install.log" 2>&1 || { cat "$WORK/apt-install.log" >&2; fail "apt-get install failed"; }
dpkg-query -W -f='${Status}' "$PACKAGE" | grep -q 'install ok installed' || fail "$PACKAGE is not installed after apt-get"
dpkg-query -W -f='${Package}\n' | sort >"$WORK/packages-after.txt"
pulled=$(comm -13 "$WORK/packages-before.txt" "$WORK/packages-after.txt" | grep -vx "$PACKAGE" | tr '\n' ' ' || true)
ok "installed in $((SECONDS - t0))s${pulled:+; apt also installed (left installed, apt-get autoremove removes them): $pulled}"
dpkg -L "$PACKAGE" | grep -v '^/\.$' >"$WORK/installed-files.txt"

# ---- 3. The installed files ----------------------------------------------------------------------------------------
step "installed files"
for f in /usr/bin/gemini-aggregator /usr/bin/gemini-aggregatord \
    /usr/share/applications/$APP_ID.desktop /usr/share/metainfo/$APP_ID.metainfo.xml \
    /usr/share/icons/hicolor/scalable/apps/gemini-aggregator.svg \
    /usr/lib/systemd/user/gemini-aggregatord.service \
    /usr/share/man/man1/gemini-aggregator.1.gz /usr/share/man/man1/gemini-aggregatord.1.gz \
    /usr/share/doc/$PACKAGE/copyright /usr/share/doc/$PACKAGE/changelog.gz \
    /usr/share/gemini-aggregator/relay/README.md; do
    grep -qxF "$f" "$WORK/installed-files.txt" || fail "the package does not install $f"
    [ -e "$f" ] || fail "$f is missing after the install"
done
for s in "${ICON_SIZES[@]}"; do
    f=/usr/share/icons/hicolor/${s}x${s}/apps/gemini-aggregator.png
    [ -f "$f" ] || fail "$f is missing"
    file -b "$f" | grep -q "PNG image data, $s x $s," || fail "$f is not a ${s}x$s PNG: $(file -b "$f")"
done
ok "executables, desktop entry, metainfo, SVG icon + ${#ICON_SIZES[@]} PNG sizes (right dimensions), unit, man pages, docs"
for rel in dist/deno-relay.js dist/worker-relay.js relay-core.js deno/main.ts workers/worker.js README.md; do
    cmp -s "$ROOT/resources/relay/$rel" "/usr/share/gemini-aggregator/relay/$rel" ||
        fail "/usr/share/gemini-aggregator/relay/$rel differs from resources/relay/$rel"
done
ok "relay scripts in /usr/share/gemini-aggregator/relay match resources/relay"

for exe in /usr/bin/gemini-aggregator /usr/bin/gemini-aggregatord; do
    ldd "$exe" >"$WORK/ldd.txt" 2>&1 || { cat "$WORK/ldd.txt" >&2; fail "ldd $exe failed"; }
    if grep -q 'not found' "$WORK/ldd.txt"; then
        grep 'not found' "$WORK/ldd.txt" >&2
        fail "ldd $exe: libraries not found"
    fi
done
if ldd /usr/bin/gemini-aggregatord | grep -E 'libQt6(Gui|Widgets|Qml|Quick)'; then
    fail "the installed daemon links GUI libraries"
fi
ok "ldd: every library found for both executables; the daemon loads no GUI library"

out=$(timeout 30 /usr/bin/gemini-aggregatord --version)
[ "$out" = "gemini-aggregatord $VERSION" ] || fail "gemini-aggregatord --version printed '$out', expected 'gemini-aggregatord $VERSION'"
ok "/usr/bin/gemini-aggregatord --version: $out"

desktop=/usr/share/applications/$APP_ID.desktop
desktop-file-validate "$desktop" || fail "desktop-file-validate $desktop"
grep -qx 'Exec=gemini-aggregator' "$desktop" || fail "$desktop: Exec is not gemini-aggregator"
grep -qx 'Icon=gemini-aggregator' "$desktop" || fail "$desktop: Icon is not gemini-aggregator"
ok "desktop-file-validate $desktop (Exec and Icon resolve to installed files)"
metainfo=/usr/share/metainfo/$APP_ID.metainfo.xml
appstreamcli validate --no-net "$metainfo" >"$WORK/appstream.txt" 2>&1 ||
    { cat "$WORK/appstream.txt" >&2; fail "appstreamcli validate --no-net $metainfo"; }
grep -q "<launchable type=\"desktop-id\">$APP_ID.desktop</launchable>" "$metainfo" ||
    fail "$metainfo: the launchable is not $APP_ID.desktop"
grep -q "<release version=\"$VERSION\"" "$metainfo" || fail "$metainfo has no <release> for $VERSION"
zcat "/usr/share/doc/$PACKAGE/changelog.gz" | head -n 1 | grep -qF "($VERSION)" ||
    fail "the changelog's first entry is not $VERSION (installer/debian/changelog)"
ok "appstreamcli validate --no-net $metainfo ($(tail -n 1 "$WORK/appstream.txt" | sed 's/^[^A-Za-z]*//')); release and changelog $VERSION"

unit=/usr/lib/systemd/user/gemini-aggregatord.service
if command -v systemd-analyze >/dev/null 2>&1; then
    man_check=--man=yes
    command -v man >/dev/null 2>&1 || man_check=--man=no
    systemd-analyze --user "$man_check" verify "$unit" || fail "systemd-analyze --user verify $unit"
    ok "systemd-analyze --user $man_check verify $unit"
else
    echo "    (systemd-analyze not installed: $unit not verified)"
fi
if command -v man >/dev/null 2>&1; then
    for page in gemini-aggregator gemini-aggregatord; do
        warnings=$(MANWIDTH=80 man --warnings -l "/usr/share/man/man1/$page.1.gz" 2>&1 >/dev/null || true)
        [ -z "$warnings" ] || fail "man $page: $warnings"
    done
    ok "man pages render without warnings"
fi

# ---- 4. The installed GUI, and whether the Depends line covers what it loads ---------------------------------------
step "installed GUI: gemini-aggregator --quit-after-load (offscreen), and what it loads"
GUI_PORT=$(harness_free_port)
timeout 30 /usr/bin/gemini-aggregatord config set listen.port "$GUI_PORT" >/dev/null
config_path=$(timeout 30 /usr/bin/gemini-aggregatord config path)
[ "$config_path" = "$XDG_CONFIG_HOME/gemini-aggregator/config.json" ] ||
    fail "config path is $config_path, expected the XDG location $XDG_CONFIG_HOME/gemini-aggregator/config.json"
rc=0
QT_QPA_PLATFORM=offscreen QML_IMPORT_TRACE=1 LD_DEBUG=files LD_DEBUG_OUTPUT="$WORK/ld-gui" \
    timeout 120 /usr/bin/gemini-aggregator --quit-after-load >"$WORK/gui.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "the installed gemini-aggregator --quit-after-load exited $rc (log: gui.log above)"
ok "window loaded, exit 0"

apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
    --no-enhances "$PACKAGE" | grep -v '^[ <]' | sort -u >"$WORK/closure.txt"
cat "$WORK/ld-gui".* | sed -n 's/.*calling init: //p' >"$WORK/loaded.txt"
# QML modules read from disk (the trace also names qmldirs compiled into Qt's own libraries, as :/...).
sed -n 's/.*importExtension: .* loaded "\(\/[^"]*\)".*/\1/p' "$WORK/gui.log" >>"$WORK/loaded.txt"
sort -u "$WORK/loaded.txt" -o "$WORK/loaded.txt"
qmldirs=$(grep -c '/qmldir$' "$WORK/loaded.txt" || true)
[ "$qmldirs" -gt 0 ] || fail "no QML module was traced (QML_IMPORT_TRACE): cannot check the QML dependencies"
# Owners of every loaded file, in one dpkg-query call: as loaded, in its other /usr-merged spelling
# (/lib/x86_64-linux-gnu/... vs /usr/lib/...), and with symlinks resolved.
spellings() {
    local p=$1
    printf '%s\n' "$p" "$(realpath "$p")"
    case $p in
    /usr/lib/* | /usr/lib64/*) printf '%s\n' "${p#/usr}" ;;
    /lib/* | /lib64/*) printf '%s\n' "/usr$p" ;;
    esac
}
while IFS= read -r path; do spellings "$path"; done <"$WORK/loaded.txt" | sort -u >"$WORK/spellings.txt"
declare -A owner=()
while IFS= read -r line; do
    [[ $line == diversion* ]] && continue
    pkg=${line%: *}
    owner[${line##*: }]=${pkg%%[:,]*}
done < <(xargs -d '\n' dpkg-query -S <"$WORK/spellings.txt" 2>/dev/null || true)
missing=()
declare -A used=()
while IFS= read -r path; do
    pkg=""
    while IFS= read -r spelling; do
        pkg=${owner[$spelling]:-}
        [ -z "$pkg" ] || break
    done < <(spellings "$path")
    if [ -z "$pkg" ]; then
        missing+=("$path (no package)")
    elif ! grep -qxF "$pkg" "$WORK/closure.txt"; then
        missing+=("$path ($pkg)")
    else
        used[$pkg]=1
    fi
done <"$WORK/loaded.txt"
if [ ${#missing[@]} -gt 0 ]; then
    printf '    loaded, but from no package in the dependency closure of %s:\n' "$PACKAGE" >&2
    printf '      %s\n' "${missing[@]}" >&2
    fail "the Depends line misses what the installed GUI loads (installer/CMakeLists.txt, GA_DEBIAN_RUNTIME_DEPENDS)"
fi
ok "$(wc -l <"$WORK/loaded.txt") shared objects and qmldirs loaded ($qmldirs QML modules), all from the" \
    "$(wc -l <"$WORK/closure.txt") packages $PACKAGE depends on; QML/plugin packages used:" \
    "$(printf '%s\n' "${!used[@]}" | grep -E '^(qml6-|qt6-|libqt6svg)' | sort | tr '\n' ' ')"

# ---- 5. The installed daemon in front of fake-gemini ---------------------------------------------------------------
step "installed daemon: gemini-aggregatord run, one request through it to fake-gemini"
KEY=$(harness_gen_key)
harness_start_fake "$FAKE_BIN" --key "$KEY"
harness_setup_daemon /usr/bin/gemini-aggregatord "$H_FAKE_URL" "$KEY" # upstream, loopback, free port, the key
harness_start_daemon /usr/bin/gemini-aggregatord                       # waits for its "ready: listening" line
TOKEN=$(timeout 30 /usr/bin/gemini-aggregatord token show)
[ -n "$TOKEN" ] || fail "gemini-aggregatord token show printed nothing"
code=$(curl -sS -m 30 -o "$WORK/reply.json" -w '%{http_code}' -H "x-goog-api-key: $TOKEN" \
    -H 'content-type: application/json' -d '{"contents":[{"parts":[{"text":"hello from the install test"}]}]}' \
    "$H_PROXY_URL/v1beta/models/gemini-2.5-flash:generateContent") || fail "curl to $H_PROXY_URL failed"
[ "$code" = 200 ] || { head -c 600 "$WORK/reply.json" >&2; fail "the request through the daemon answered $code"; }
grep -q '"candidates"' "$WORK/reply.json" || fail "the reply has no candidates"
curl -sS -m 10 "$H_FAKE_URL/__fake/requests" | grep -qF "$KEY" || fail "fake-gemini did not see the pool key"
ok "POST $H_PROXY_URL/v1beta/models/gemini-2.5-flash:generateContent -> 200 with candidates; fake-gemini got the pool key"
kill -TERM "$H_DAEMON_PID"
rc=0
timeout 30 tail --pid="$H_DAEMON_PID" -f /dev/null || fail "the daemon did not stop within 30 s of SIGTERM"
wait "$H_DAEMON_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "the daemon exited $rc on SIGTERM"
ok "SIGTERM: the daemon stopped, exit 0"
[ -f "$XDG_CONFIG_HOME/gemini-aggregator/config.json" ] || fail "no config at $XDG_CONFIG_HOME/gemini-aggregator/config.json"
[ -f "$XDG_DATA_HOME/gemini-aggregator/secrets.enc" ] || fail "no secret store at $XDG_DATA_HOME/gemini-aggregator/secrets.enc"

# ---- 6. Remove -----------------------------------------------------------------------------------------------------
step "apt-get remove -y $PACKAGE"
timeout 300 apt-get remove -y -q "${APT_LOCK_WAIT[@]}" "$PACKAGE" >"$WORK/apt-remove.log" 2>&1 ||
    { cat "$WORK/apt-remove.log" >&2; fail "apt-get remove failed"; }
INSTALLED=0
status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$PACKAGE" 2>/dev/null || true)
[[ $status != ii* ]] || fail "$PACKAGE is still installed"
# A directory may stay when another package owns it too (/usr/bin, /usr/share/icons/hicolor/48x48/apps, ...).
declare -A shared_dirs=()
while IFS= read -r line; do
    [[ $line == diversion* ]] || shared_dirs[${line##*: }]=1
done < <(xargs -d '\n' dpkg-query -S <"$WORK/installed-files.txt" 2>/dev/null || true)
left=()
shared=0
while IFS= read -r path; do
    if [ -d "$path" ] && [ ! -L "$path" ]; then
        if [ -n "${shared_dirs[$path]:-}" ]; then
            shared=$((shared + 1))
        else
            left+=("$path/ (a directory no other package owns, holding: $(find "$path" -mindepth 1 -maxdepth 1 -printf "%f\n" | head -n 3 | tr '\n' ' '))")
        fi
    elif [ -e "$path" ] || [ -L "$path" ]; then
        left+=("$path")
    fi
done <"$WORK/installed-files.txt"
if [ ${#left[@]} -gt 0 ]; then
    printf '    left behind:\n' >&2
    printf '      %s\n' "${left[@]}" >&2
    fail "apt-get remove left files of $PACKAGE"
fi
ok "none of the $(wc -l <"$WORK/installed-files.txt") paths of dpkg -L is left (except $shared directories other packages own too); status '${status:-not installed}'"
[ -f "$XDG_CONFIG_HOME/gemini-aggregator/config.json" ] || fail "the user's config went away with the package"
[ -f "$XDG_DATA_HOME/gemini-aggregator/secrets.enc" ] || fail "the user's secret store went away with the package"
ok "the user's config and secret store are still there"
