#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One entry point for a fresh Debian 12 machine (run as root, or with sudo available):
#   installer/bootstrap.sh run    install dependencies, build, start the app (GUI with a display, else daemon)
#   installer/bootstrap.sh test   install dependencies, build, run every test
#   installer/bootstrap.sh deps   install dependencies only
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=$(nproc 2>/dev/null || echo 2)

DEBIAN_PACKAGES=(
    # build
    build-essential cmake ninja-build pkg-config git binutils clang-format
    # Qt 6.4 + QML modules
    qt6-base-dev qt6-base-dev-tools qt6-declarative-dev qt6-websockets-dev qt6-tools-dev qt6-tools-dev-tools
    qt6-l10n-tools qt6-qpa-plugins qt6-wayland
    qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts qml6-module-qtquick-window
    qml6-module-qtquick-templates qml6-module-qtqml-workerscript qml6-module-qtquick-dialogs
    qml6-module-qt-labs-platform qml6-module-qtqml-models
    # GUI: SVG icons (runtime plugins + headers), QML unit tests, a system tray for GUI tests under Xvfb
    libqt6svg6 qt6-svg-dev qml6-module-qttest trayer
    # CJK glyphs for the Chinese screenshots (tests/tst_screenshots)
    fonts-wqy-microhei
    # secrets + crypto
    qtkeychain-qt6-dev libssl-dev
    # the keychain read in one search at start-up (core/secrets/secretservicebulk.h)
    libsecret-1-dev
    # SQLite: the request history on disk (core/metrics/historystore.cpp)
    libsqlite3-dev
    # test-time real components: Secret Service, D-Bus session, virtual display
    gnome-keyring libsecret-tools dbus dbus-x11 xvfb xauth
    # e2e with real npm clients (tests/e2e; needs node >= 20 with npm) and benchmarks (tests/benchmarks).
    # Not "npm": the machines' NodeSource nodejs bundles npm and conflicts with Debian's npm package.
    # chromium: the browser of the web console tests (tests/webui, driven by playwright-core).
    nodejs wrk nginx chromium
    # benchmarks only: callgrind for tests/benchmarks/profile.sh (python3 for bench-idle.sh comes with the system)
    valgrind
    # the ACME test CA and its DNS answers for the HTTPS listener's tests (tests/tst_acme, tests/tst_tls); openssl's
    # command-line tool makes their throwaway certificates, checks the listener's protocols and is the TLS server
    # that tells resumed sessions from new ones (tests/tst_tlsresume)
    pebble openssl
    # promtool validates the /metrics output (tests/tst_observability)
    prometheus
    # packaging and its test (tests/install): dpkg-shlibdeps, lintian, desktop entry and AppStream validators,
    # systemd-analyze for the user unit, man for the manual pages, curl for the request through the installed daemon
    dpkg-dev file lintian desktop-file-utils appstream systemd man-db curl
    # cluster mode: hiredis (core/cluster) and a real redis-server for its tests; debootstrap builds the container
    # image's root file system for the deployment test (tests/deploy)
    libhiredis-dev redis-server debootstrap
    # real proxies in front of the upstream (tests/tst_realproxies): squid (HTTP CONNECT, with its Basic and Digest
    # helpers) and microsocks (SOCKS5)
    squid microsocks
)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deps() {
    local missing=()
    for p in "${DEBIAN_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "==> installing ${#missing[@]} Debian package(s): ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

build() {
    local preset=$1
    cmake --preset "$preset"
    cmake --build --preset "$preset" -j "$JOBS"
}

case "${1:-}" in
deps)
    deps
    ;;
run)
    deps
    build release
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        exec "$ROOT/build/release/app/gemini-aggregator"
    fi
    echo "==> no display: starting the headless daemon (Ctrl-C stops it)"
    exec "$ROOT/build/release/app/gemini-aggregatord" run
    ;;
test)
    deps
    build dev
    ctest --preset dev -j "$JOBS"
    ;;
*)
    echo "usage: $0 run|test|deps" >&2
    exit 2
    ;;
esac
