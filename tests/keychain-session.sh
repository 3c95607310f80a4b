#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs a command inside a private D-Bus session with a fresh gnome-keyring whose "login" collection
# exists and is unlocked (password "test"), under a throw-away HOME and XDG dirs. Keychain tests run
# through this so they never touch the user's real keyring.
#   usage: keychain-session.sh [--no-keyring] <command> [args...]
# --no-keyring: no Secret Service runs, and none can be started on demand (a private bus config without service
# directories; Debian's gnome-keyring is D-Bus-activatable otherwise), as at login before the keyring is up. The
# test starts gnome-keyring-daemon itself; GA_KEYCHAIN_NO_KEYRING=1 tells it so.
# Exits 77 (CTest SKIP_RETURN_CODE) when dbus-run-session or gnome-keyring-daemon is not installed.
set -eu

no_keyring=0
if [ "${1:-}" = "--no-keyring" ]; then
    no_keyring=1
    shift
fi

for tool in dbus-run-session gnome-keyring-daemon; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "keychain-session.sh: $tool is not installed; skipping" >&2
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ga-keychain.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$tmp/home" "$tmp/runtime"
chmod 700 "$tmp/home" "$tmp/runtime"

export HOME="$tmp/home"
export XDG_DATA_HOME="$tmp/home/.local/share" # gnome-keyring keeps login.keyring under here
export XDG_CONFIG_HOME="$tmp/home/.config"
export XDG_CACHE_HOME="$tmp/home/.cache"
export XDG_RUNTIME_DIR="$tmp/runtime" # the keyring control socket lives here
export GA_KEYCHAIN_TEST_SESSION=1     # tests refuse to touch a keychain without this
# No display: a keyring unlock prompt must fail in the test, not pop up on the developer's screen.
unset GNOME_KEYRING_CONTROL DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY

# --unlock reads the password from stdin and creates the "login" collection if it does not exist.
# --start then connects that daemon to this D-Bus session: it claims org.freedesktop.secrets and exits
# with the bus. (Without it, a daemon nobody talks to outlives the session.)
status=0
if [ "$no_keyring" = 1 ]; then
    export GA_KEYCHAIN_NO_KEYRING=1
    cat >"$tmp/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=$tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    dbus-run-session --config-file="$tmp/session.conf" -- "$@" || status=$?
    exit "$status"
fi
dbus-run-session -- sh -c '
    printf test | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
    gnome-keyring-daemon --start --components=secrets >/dev/null || exit 1
    exec "$@"' sh "$@" || status=$?
exit "$status"
