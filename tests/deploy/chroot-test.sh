#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Server deployment on a machine without a container engine (CTest: deploy_chroot, label "deploy"):
#   1. the system unit as CMake configured it: systemd-analyze verify (ExecStart pointed at this build's daemon),
#      systemd-analyze security --offline (the exposure score is printed and must stay at most 2.0), and its
#      sysusers.d/tmpfiles.d snippets applied to an empty root (the user, /var/lib/gemini-aggregator, /etc/...)
#   2. the root file system of installer/docker/Dockerfile's last stage: debootstrap --variant=minbase bookworm from
#      the host's Debian mirror, then that stage's RUN lines in a chroot (own /proc, a minimal /dev). Both results
#      are cached in CACHE_DIR (the second keyed by the stage's text), so a later run only unpacks them. COPY lines
#      are applied fresh on every run: `COPY --from=build` takes this build's daemon (the builder stage is not run;
#      this build stands for it, so the host must be Debian 12 too), other COPYs come from the repository (the
#      build context). RUN lines must therefore come before COPY lines.
#   3. the container's way, in the chroot: ldd finds every library of the daemon; ENTRYPOINT (+ CMD) run as USER,
#      with ENV and WORKDIR: the first start makes the container config (the default port is the EXPOSEd one), then
#      `run` serves on 0.0.0.0 (on a free port instead of 3145, so that parallel tests and a daemon on this machine
#      do not collide; the HEALTHCHECK asks the daemon for its port); the HEALTHCHECK fails while no key is
#      configured, a key is added through the entry point, the HEALTHCHECK passes, a request with the access token
#      reaches fake-gemini on the host's loopback; with redis-server installed, GA_CLUSTER_REDIS (compose's) makes
#      it join a Redis on the host's loopback; nothing is written outside the volume; SIGTERM ends it with 0
#   4. nginx.conf (compose's front) on the host's nginx, its upstreams pointed at that daemon: a request, an SSE
#      stream, and the client's Host reaching the daemon (skipped without nginx)
#   5. the system unit's way, in the same root: its Environment= lines, the credential LoadCredential= would give
#      ($CREDENTIALS_DIRECTORY/passphrase), its User=, UMask= and state directory; the CLI and then ExecStart under
#      the kernel's MemoryDenyWriteExecute (prctl PR_SET_MDWE, when the kernel has it): ready, a request served
# What this does not prove: README.md, "Running several instances".
#   usage: chroot-test.sh SOURCE_DIR SYSTEM_UNIT CACHE_DIR GEMINI_AGGREGATORD_BIN FAKE_GEMINI_BIN
# Exit: 0 passed, 1 failed, 77 skipped (not root, not Debian 12, debootstrap missing, no Debian mirror reachable).
# DEPLOY_TEST_KEEP=1 keeps the work directory and the chroot (unmounted) and prints where they are.
set -euo pipefail

if [ $# -ne 5 ]; then
    echo "usage: $0 SOURCE_DIR SYSTEM_UNIT CACHE_DIR GEMINI_AGGREGATORD_BIN FAKE_GEMINI_BIN" >&2
    exit 2
fi
skip() {
    echo "SKIP: $*"
    exit 77
}
if [ "$(id -u)" -ne 0 ]; then
    skip "deploy_chroot builds a root file system with debootstrap and runs a chroot, so it runs as root only" \
        "(CI runs it as root; by hand: sudo ctest --test-dir BUILD_DIR -L deploy)"
fi
PATH=$PATH:/usr/sbin:/sbin
SOURCE_DIR=$(realpath "$1")
UNIT_FILE=$(realpath "$2")
mkdir -p "$3"
CACHE_DIR=$(realpath "$3")
DAEMON_BIN=$(realpath "$4")
FAKE_BIN=$(realpath "$5")
DOCKER_DIR=$SOURCE_DIR/installer/docker
DOCKERFILE=$DOCKER_DIR/Dockerfile
SUITE=bookworm
CACHE_FORMAT=1 # bump when what is cached changes meaning
export LANG=C.UTF-8

for tool in debootstrap chroot mount umount mknod tar sha256sum curl; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool not found (installer/bootstrap.sh deps installs what this test needs)"
done
# shellcheck disable=SC1091
os_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ "$os_codename" = "$SUITE" ] ||
    skip "this build's daemon stands for the image's builder stage (Debian 12), but this machine is '${os_codename:-unknown}'"
for f in "$DOCKERFILE" "$DOCKER_DIR/nginx.conf" "$UNIT_FILE" "$SOURCE_DIR/resources/systemd/gemini-aggregator.sysusers" \
    "$SOURCE_DIR/resources/systemd/gemini-aggregator.tmpfiles"; do
    [ -f "$f" ] || { echo "FAIL: $f is missing" >&2; exit 1; }
done
for bin in "$DAEMON_BIN" "$FAKE_BIN"; do
    [ -x "$bin" ] || { echo "FAIL: not an executable: $bin" >&2; exit 1; }
done

# ---- Where Debian comes from: the host's apt sources (a mirror or cache reachable from here) ----------------------
# apt_uri SUITE: the first URI apt uses for SUITE, from deb822 .sources files, then one-line sources.list entries.
apt_uri() {
    local suite=$1
    {
        shopt -s nullglob
        local f
        for f in /etc/apt/sources.list.d/*.sources; do
            awk -v suite="$suite" 'BEGIN { RS = ""; FS = "\n" }
                {
                    types = ""; suites = ""; uris = ""; enabled = "yes"
                    for (i = 1; i <= NF; i++) {
                        if ($i ~ /^[ \t]*#/ || index($i, ":") == 0) continue
                        key = tolower(substr($i, 1, index($i, ":") - 1)); val = substr($i, index($i, ":") + 1)
                        gsub(/^[ \t]+|[ \t]+$/, "", val)
                        if (key == "types") types = val; else if (key == "suites") suites = val
                        else if (key == "uris") uris = val; else if (key == "enabled") enabled = tolower(val)
                    }
                    if (enabled != "no" && (" " types " ") ~ / deb / && (" " suites " ") ~ (" " suite " ")) {
                        split(uris, u, " "); print u[1]
                    }
                }' "$f"
        done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
            awk -v suite="$suite" '$1 == "deb" {
                    i = 2; if ($2 ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == suite) print $i
                }' "$f"
        done
        shopt -u nullglob
    } 2>/dev/null | grep -E '^https?://' | head -n 1 || true
}
MIRROR=${DEPLOY_TEST_MIRROR:-$(apt_uri "$SUITE")}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${DEPLOY_TEST_SECURITY_MIRROR:-$(apt_uri "$SUITE-security")}
SECURITY_MIRROR=${SECURITY_MIRROR%/}
# The host's settings that make its mirror usable (a snapshot's old Release files, a proxy) go into the chroot too.
APT_SETTINGS=$(apt-config dump 2>/dev/null |
    grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' || true)
if proxy=$(sed -n 's/^Acquire::http::Proxy "\(.*\)";$/\1/p' <<<"$APT_SETTINGS") && [ -n "$proxy" ]; then
    export http_proxy=$proxy # for debootstrap's downloads
fi
curl -fsS --max-time 20 -o /dev/null "$MIRROR/dists/$SUITE/Release" 2>/dev/null ||
    skip "no Debian mirror reachable at $MIRROR (from the host's apt sources; DEPLOY_TEST_MIRROR sets another)"
ARCH=$(dpkg --print-architecture)

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$SOURCE_DIR/tests/e2e/harness.sh" # harness_wait_line, harness_start_fake, harness_gen_key, harness_free_port

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ga-deploy.XXXXXX")
H_TMP=$WORK
H_KEEP_TMP=${DEPLOY_TEST_KEEP:-0}
ROOTFS=$CACHE_DIR/run-$$ # the chroot of this run, unpacked from the cache (in the build tree, beside the cache)
MOUNTS=()
STARTED=$SECONDS
STEP_STARTED=$SECONDS
TIMINGS=()

step() {
    if [ -n "$CURRENT_STEP" ]; then
        TIMINGS+=("$(printf '%4ds  %s' "$((SECONDS - STEP_STARTED))" "$CURRENT_STEP")")
    fi
    CURRENT_STEP=$*
    STEP_STARTED=$SECONDS
    printf '\n==> [%3ds] %s\n' "$((SECONDS - STARTED))" "$*"
}
CURRENT_STEP=""
ok() { printf '    ok: %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}

# mounted_under DIR: true when something is mounted at DIR or below it.
mounted_under() {
    awk -v root="$1" '$5 == root || index($5, root "/") == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo
}

unmount_root() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTS[i]}" 2>/dev/null || umount -l "${MOUNTS[i]}" || true
    done
    MOUNTS=()
}

# mount_root DIR: a fresh /proc and a minimal /dev (as a container has) in the chroot at DIR.
mount_root() {
    local r=$1
    mount -t proc proc "$r/proc"
    MOUNTS+=("$r/proc")
    mount -t tmpfs -o mode=0755,nosuid,size=8m devtmp "$r/dev"
    MOUNTS+=("$r/dev")
    mknod -m 0666 "$r/dev/null" c 1 3
    mknod -m 0666 "$r/dev/zero" c 1 5
    mknod -m 0666 "$r/dev/full" c 1 7
    mknod -m 0666 "$r/dev/random" c 1 8
    mknod -m 0666 "$r/dev/urandom" c 1 9
    mknod -m 0666 "$r/dev/tty" c 5 0
    ln -s /proc/self/fd "$r/dev/fd"
    ln -s /proc/self/fd/0 "$r/dev/stdin"
    ln -s /proc/self/fd/1 "$r/dev/stdout"
    ln -s /proc/self/fd/2 "$r/dev/stderr"
    mkdir -m 1777 "$r/dev/shm"
}

# remove_root DIR: deletes a chroot, never while anything is still mounted in it.
remove_root() {
    local r=$1
    [ -d "$r" ] || return 0
    if mounted_under "$r"; then
        echo "cleanup: $r still has mounts, left in place:" >&2
        awk -v root="$r" 'index($5, root) == 1 { print "  " $5 }' /proc/self/mountinfo >&2
        return 1
    fi
    rm -rf --one-file-system "$r"
}

# The script's own output: a trap may run while a step's output goes to a log file (the step in progress when a
# signal came), and what cleanup says belongs on the terminal.
exec {SCRIPT_OUT}>&1 {SCRIPT_ERR}>&2
cleanup() {
    local rc=$? i
    set +e
    trap - EXIT
    exec 1>&"$SCRIPT_OUT" 2>&"$SCRIPT_ERR"
    # The processes first (they may hold files in the chroot), then the mounts, then the files.
    (exit "$rc")
    harness_cleanup # stops fake-gemini, the daemons and nginx; on failure prints the end of their logs
    unmount_root
    if [ "${DEPLOY_TEST_KEEP:-0}" = 1 ] && [ -d "$ROOTFS" ]; then
        echo "kept the chroot $ROOTFS (unmounted)" >&2
    else
        remove_root "$ROOTFS"
    fi
    if [ -n "$CURRENT_STEP" ]; then
        TIMINGS+=("$(printf '%4ds  %s' "$((SECONDS - STEP_STARTED))" "$CURRENT_STEP")")
    fi
    if [ ${#TIMINGS[@]} -gt 0 ]; then
        printf '\ntimings:\n'
        for i in "${TIMINGS[@]}"; do printf '  %s\n' "$i"; done
    fi
    if [ "$rc" -eq 0 ]; then
        printf '\ndeploy_chroot: PASSED in %ds\n' "$((SECONDS - STARTED))"
    else
        printf '\ndeploy_chroot: FAILED (exit %d) after %ds\n' "$rc" "$((SECONDS - STARTED))" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. The system unit -------------------------------------------------------------------------------------------
step "system unit $(basename "$UNIT_FILE"): systemd-analyze verify and security; sysusers.d and tmpfiles.d snippets"
if command -v systemd-analyze >/dev/null 2>&1; then
    # verify checks that ExecStart's program exists: the configured name (gemini-aggregatord, looked up in
    # /usr/local/bin and /usr/bin) is pointed at this build's daemon in a copy; nothing else changes.
    mkdir -p "$WORK/unit"
    unit_copy=$WORK/unit/$(basename "$UNIT_FILE")
    sed -E "s|^ExecStart=[^ ]*gemini-aggregatord |ExecStart=$DAEMON_BIN |" "$UNIT_FILE" >"$unit_copy"
    grep -q "^ExecStart=$DAEMON_BIN " "$unit_copy" || fail "$UNIT_FILE has no ExecStart=…gemini-aggregatord line"
    systemd-analyze --man=no verify "$unit_copy" >"$WORK/verify.txt" 2>&1 ||
        { cat "$WORK/verify.txt" >&2; fail "systemd-analyze verify $(basename "$UNIT_FILE")"; }
    [ ! -s "$WORK/verify.txt" ] || { cat "$WORK/verify.txt" >&2; fail "systemd-analyze verify printed warnings"; }
    ok "systemd-analyze --man=no verify: no warnings"
    if systemd-analyze security --offline=yes "$unit_copy" >"$WORK/security.txt" 2>&1; then
        score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p' "$WORK/security.txt")
        grep '^✗' "$WORK/security.txt" | sed 's/^/      /' | cut -c1-150 || true
        [ -n "$score" ] || { cat "$WORK/security.txt" >&2; fail "no exposure level in systemd-analyze security's output"; }
        awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
            fail "systemd-analyze security: exposure $score, more than 2.0 (the lines with ✗ above say why)"
        ok "systemd-analyze security --offline=yes: $(grep 'Overall exposure level' "$WORK/security.txt" | sed 's/.*: //') (at most 2.0 passes; the settings still open are listed above)"
    else
        info "(systemd-analyze security --offline is not available here: $(head -n 1 "$WORK/security.txt"))"
    fi
else
    info "(systemd-analyze not installed: the unit is not verified)"
fi
if command -v systemd-sysusers >/dev/null 2>&1 && command -v systemd-tmpfiles >/dev/null 2>&1; then
    snippets=$WORK/snippets-root
    mkdir -p "$snippets/usr/lib/sysusers.d" "$snippets/usr/lib/tmpfiles.d" "$snippets/etc"
    cp "$SOURCE_DIR/resources/systemd/gemini-aggregator.sysusers" "$snippets/usr/lib/sysusers.d/gemini-aggregator.conf"
    cp "$SOURCE_DIR/resources/systemd/gemini-aggregator.tmpfiles" "$snippets/usr/lib/tmpfiles.d/gemini-aggregator.conf"
    systemd-sysusers --root="$snippets" >"$WORK/sysusers.txt" 2>&1 ||
        { cat "$WORK/sysusers.txt" >&2; fail "systemd-sysusers --root"; }
    systemd-tmpfiles --root="$snippets" --create >"$WORK/tmpfiles.txt" 2>&1 ||
        { cat "$WORK/tmpfiles.txt" >&2; fail "systemd-tmpfiles --root --create"; }
    passwd_line=$(grep '^gemini-aggregator:' "$snippets/etc/passwd") || fail "systemd-sysusers made no user gemini-aggregator"
    IFS=: read -r _ _ s_uid s_gid _ s_home s_shell <<<"$passwd_line"
    { [ "$s_home" = /var/lib/gemini-aggregator ] && [ "$s_shell" = /usr/sbin/nologin ] && [ "$s_uid" -lt 1000 ]; } ||
        fail "sysusers made '$passwd_line': expected a system user with home /var/lib/gemini-aggregator, no login"
    [ "$(stat -c '%u:%g %a' "$snippets/var/lib/gemini-aggregator")" = "$s_uid:$s_gid 700" ] ||
        fail "tmpfiles made /var/lib/gemini-aggregator $(stat -c '%u:%g %a' "$snippets/var/lib/gemini-aggregator")"
    [ "$(stat -c '%u:%g %a' "$snippets/etc/gemini-aggregator")" = "0:0 700" ] ||
        fail "tmpfiles made /etc/gemini-aggregator $(stat -c '%u:%g %a' "$snippets/etc/gemini-aggregator")"
    ok "sysusers.d: system user gemini-aggregator (uid $s_uid), home /var/lib/gemini-aggregator, no login;" \
        "tmpfiles.d: /var/lib/gemini-aggregator 0700 its own, /etc/gemini-aggregator 0700 root's"
else
    info "(systemd-sysusers or systemd-tmpfiles not installed: the snippets are not checked)"
fi

# ---- The Dockerfile's last stage -----------------------------------------------------------------------------------
# Instructions (continuation lines joined, comments dropped) of the last stage, in STAGE_OPS/STAGE_ARGS; the names
# of the earlier stages in STAGE_NAMES; the last stage's base image in FINAL_FROM.
STAGE_OPS=()
STAGE_ARGS=()
STAGE_NAMES=()
FINAL_FROM=""
parse_dockerfile() {
    local line joined="" continuing=0 op args
    local -a ops=() argv=()
    while IFS= read -r line || [ -n "$line" ]; do
        if [[ $line =~ ^[[:space:]]*# ]] || { [ "$continuing" = 1 ] && [[ $line =~ ^[[:space:]]*$ ]]; }; then
            continue
        fi
        if [[ $line == *\\ ]]; then
            joined+=${line%\\}
            continuing=1
            continue
        fi
        joined+=$line
        continuing=0
        if [[ $joined =~ ^[[:space:]]*([A-Za-z]+)[[:space:]]+(.*)$ ]]; then
            op=${BASH_REMATCH[1]^^}
            args=${BASH_REMATCH[2]}
            args=${args%"${args##*[![:space:]]}"}
            ops+=("$op")
            argv+=("$args")
        elif [[ ! $joined =~ ^[[:space:]]*$ ]]; then
            fail "Dockerfile: cannot read the line '$joined'"
        fi
        joined=""
    done <"$DOCKERFILE"
    local i last=-1
    for i in "${!ops[@]}"; do
        if [ "${ops[i]}" = FROM ]; then
            last=$i
            if [[ ${argv[i]} =~ [[:space:]][Aa][Ss][[:space:]]+([^[:space:]]+)$ ]]; then
                STAGE_NAMES+=("${BASH_REMATCH[1]}")
            fi
        fi
    done
    [ "$last" -ge 0 ] || fail "Dockerfile: no FROM line"
    FINAL_FROM=${argv[last]%% *}
    STAGE_OPS=("${ops[@]:last+1}")
    STAGE_ARGS=("${argv[@]:last+1}")
}

# json_array TEXT: the strings of a JSON array of plain strings, one per line (what ENTRYPOINT and CMD use here).
json_array() {
    local s=$1 element='^[[:space:]]*"([^"]*)"[[:space:]]*(,(.*))?$'
    [[ $s =~ ^\[(.*)\]$ ]] || return 1
    s=${BASH_REMATCH[1]}
    [[ $s != *\\* ]] || return 1
    while [[ $s =~ $element ]]; do
        printf '%s\n' "${BASH_REMATCH[1]}"
        s=${BASH_REMATCH[3]}
        [ -n "${BASH_REMATCH[2]}" ] || return 0
    done
    [[ $s =~ ^[[:space:]]*$ ]]
}

# json_into ARRAY TEXT: ARRAY set to the strings of the JSON array TEXT; false when TEXT is not one.
# shellcheck disable=SC2034 # `into` is a reference to the caller's array
json_into() {
    local -n into=$1
    local out
    out=$(json_array "$2") || return 1
    into=()
    [ -z "$out" ] || mapfile -t into <<<"$out"
}

# The image's state as the instructions leave it.
IMAGE_ENV=() # KEY=VALUE of ENV lines
BUILD_ARGS=() # KEY=VALUE of ARG lines: RUN lines see them, the running container does not
RUN_ENV=()
IMAGE_USER=root
IMAGE_WORKDIR=/
ENTRYPOINT=()
CMD=()
HEALTHCHECK=()
HEALTHCHECK_TIMEOUT=30
EXPOSED=()
VOLUMES=()
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# set_kv ARRAY KEY=VALUE: sets KEY in an array of KEY=VALUE strings.
set_kv() {
    local -n list=$1
    local kv=$2 i
    for i in "${!list[@]}"; do
        [ "${list[i]%%=*}" != "${kv%%=*}" ] || { list[i]=$kv; return 0; }
    done
    list+=("$kv")
}

# env_of KEY: the image's value of KEY (empty when unset).
env_of() {
    local kv
    for kv in "${IMAGE_ENV[@]}"; do
        [ "${kv%%=*}" != "$1" ] || { printf '%s' "${kv#*=}"; return 0; }
    done
}

# user_ids NAME: "uid gid home" of a user (or a uid) in the chroot's /etc/passwd.
user_ids() {
    local name=${1%%:*}
    awk -F: -v u="$name" '$1 == u || $3 == u { print $3, $4, $6; found = 1; exit } END { exit !found }' \
        "$ROOTFS/etc/passwd" || fail "no user '$name' in the image's /etc/passwd"
}

# image_command USER: IMAGE_COMMAND set to the start of a command line that runs what follows it in the chroot as
# USER (name or root) in WORKDIR, with the image's environment only (as Docker starts a process: PATH, and HOME from
# the user unless ENV sets them). Every program in it execs the next, so a background job's $! is the program's.
image_command() {
    local uid gid home
    read -r uid gid home < <(user_ids "$1")
    # shellcheck disable=SC2016 # expanded by the chroot's shell
    IMAGE_COMMAND=(env -i "PATH=$DEFAULT_PATH" "HOME=$home" "HOSTNAME=ga-deploy-test" "${RUN_ENV[@]}" "${IMAGE_ENV[@]}"
        chroot --userspec="$uid:$gid" --groups="$gid" "$ROOTFS" /bin/sh -c 'cd "$0" && exec "$@"' "$IMAGE_WORKDIR")
}
# in_image USER CMD...: CMD run that way, in the foreground.
in_image() {
    local -a IMAGE_COMMAND
    image_command "$1"
    shift
    "${IMAGE_COMMAND[@]}" "$@"
}

# copy_into_image ARGS: one COPY line (--from=STAGE, --chmod, --chown; files only).
copy_into_image() {
    local -a words=()
    read -r -a words <<<"$1"
    local from="" chmod="" chown="0:0" w
    while [ ${#words[@]} -gt 0 ] && [[ ${words[0]} == --* ]]; do
        w=${words[0]}
        words=("${words[@]:1}")
        case $w in
        --from=*) from=${w#--from=} ;;
        --chmod=*) chmod=${w#--chmod=} ;;
        --chown=*) chown=${w#--chown=} ;;
        *) fail "Dockerfile: COPY $w is not supported by this test" ;;
        esac
    done
    [ ${#words[@]} -eq 2 ] || fail "Dockerfile: COPY $1: one source and one destination, please"
    local src=${words[0]} dest=${words[1]} file
    if [ -n "$from" ]; then
        [[ " ${STAGE_NAMES[*]} " == *" $from "* ]] || fail "Dockerfile: COPY --from=$from is not a stage of the file"
        [ "$(basename "$src")" = gemini-aggregatord ] ||
            fail "Dockerfile: COPY --from=$from $src: this test stands in for the builder with the daemon only"
        file=$DAEMON_BIN
    else
        file=$SOURCE_DIR/$src
        [ -f "$file" ] || fail "Dockerfile: COPY $src: no such file in the build context $SOURCE_DIR"
    fi
    [[ $dest == */ ]] && dest=$dest$(basename "$src")
    [[ $dest == /* ]] || dest=$IMAGE_WORKDIR/$dest
    mkdir -p "$ROOTFS$(dirname "$dest")"
    # Docker keeps the source's mode bits unless --chmod says otherwise; the owner is root unless --chown.
    cp "$file" "$ROOTFS$dest"
    [ -z "$chmod" ] || chmod "$chmod" "$ROOTFS$dest"
    chown "$chown" "$ROOTFS$dest"
    info "COPY ${from:+--from=$from }$src -> $dest ($(stat -c '%a %s bytes' "$ROOTFS$dest")${from:+, from this build: $DAEMON_BIN})"
}

# replay_stage MODE: walks the last stage. MODE "build" runs the RUN lines (into a fresh root); "use" skips them
# (they are in the cached root) and only records the image's settings and applies the COPYs.
replay_stage() {
    local mode=$1 i op args kv seen_copy=0 line
    IMAGE_ENV=()
    BUILD_ARGS=()
    IMAGE_USER=root
    IMAGE_WORKDIR=/
    for i in "${!STAGE_OPS[@]}"; do
        op=${STAGE_OPS[i]}
        args=${STAGE_ARGS[i]}
        case $op in
        RUN)
            [[ $args != \[* && $args != --* ]] || fail "Dockerfile: only the shell form of RUN is supported here: RUN $args"
            [ "$seen_copy" = 0 ] || fail "Dockerfile: a RUN after a COPY in the last stage (the test caches the RUN steps)"
            if [ "$mode" = build ]; then
                info "RUN $(cut -c1-110 <<<"$args")"
                local t0=$SECONDS
                RUN_ENV=("${BUILD_ARGS[@]}")
                in_image "$IMAGE_USER" /bin/sh -c "$args" </dev/null >>"$WORK/run-steps.log" 2>&1 ||
                    { tail -n 30 "$WORK/run-steps.log" >&2; fail "Dockerfile: RUN failed: $args"; }
                RUN_ENV=()
                info "  ($((SECONDS - t0))s)"
            fi
            ;;
        ENV | ARG)
            local -a words=()
            read -r -a words <<<"$args"
            for kv in "${words[@]}"; do
                if [[ ! $kv =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then
                    [ "$op" = ARG ] && continue # ARG NAME without a default sets nothing
                    fail "Dockerfile: $op $args: only KEY=VALUE forms are supported here"
                fi
                [[ $kv != *'$'* ]] || fail "Dockerfile: $op $kv: variable references are not supported here"
                kv=${kv%\"}
                kv=${kv/=\"/=}
                if [ "$op" = ENV ]; then set_kv IMAGE_ENV "$kv"; else set_kv BUILD_ARGS "$kv"; fi
            done
            ;;
        USER) IMAGE_USER=$args ;;
        WORKDIR)
            IMAGE_WORKDIR=$args
            mkdir -p "$ROOTFS$IMAGE_WORKDIR"
            ;;
        COPY)
            seen_copy=1
            [ "$mode" = use ] || continue # applied fresh on every run, after the cache is unpacked
            copy_into_image "$args"
            ;;
        EXPOSE) read -r -a EXPOSED <<<"$args" ;;
        VOLUME)
            json_into VOLUMES "$args" || fail "Dockerfile: VOLUME needs a JSON array here"
            ;;
        HEALTHCHECK)
            [[ $args =~ ^(.*[[:space:]])?CMD[[:space:]]+(.*)$ ]] || fail "Dockerfile: HEALTHCHECK without CMD"
            local options=${BASH_REMATCH[1]} command=${BASH_REMATCH[2]}
            if [[ $options =~ --timeout=([0-9]+)s ]]; then HEALTHCHECK_TIMEOUT=${BASH_REMATCH[1]}; fi
            if [[ $command == \[* ]]; then
                json_into HEALTHCHECK "$command" || fail "Dockerfile: HEALTHCHECK CMD $command"
            else
                HEALTHCHECK=(/bin/sh -c "$command")
            fi
            ;;
        ENTRYPOINT)
            { json_into ENTRYPOINT "$args" && [ ${#ENTRYPOINT[@]} -gt 0 ]; } ||
                fail "Dockerfile: ENTRYPOINT must be a JSON array here"
            ;;
        CMD)
            json_into CMD "$args" || fail "Dockerfile: CMD must be a JSON array here"
            ;;
        LABEL | STOPSIGNAL) ;;
        *) fail "Dockerfile: $op in the last stage is not supported by this test" ;;
        esac
    done
}

parse_dockerfile
[[ $FINAL_FROM =~ ^(docker\.io/(library/)?)?debian:(12|bookworm)([-.@].*)?$ ]] ||
    fail "the last stage starts FROM $FINAL_FROM; this test makes a Debian 12 (bookworm) root"
STAGE_TEXT=$(paste -d ' ' <(printf '%s\n' "${STAGE_OPS[@]}") <(printf '%s\n' "${STAGE_ARGS[@]}") | grep -v '^COPY ')
hash_of() { sha256sum | cut -c1-16; }
BASE_KEY=$(printf '%s\n' "$CACHE_FORMAT" "$SUITE" minbase "$ARCH" "$MIRROR" | hash_of)
STAGE_KEY=$(printf '%s\n' "$BASE_KEY" "$FINAL_FROM" "$STAGE_TEXT" "$SECURITY_MIRROR" "$APT_SETTINGS" | hash_of)
if command -v zstd >/dev/null 2>&1; then
    EXT=tar.zst
    pack() { tar --numeric-owner -C "$1" -cf - . | zstd -q -1 -T0 -o "$2"; }
    unpack() { zstd -q -dc "$1" | tar --numeric-owner -xpf - -C "$2"; }
else
    EXT=tar
    pack() { tar --numeric-owner -C "$1" -cf "$2" .; }
    unpack() { tar --numeric-owner -xpf "$1" -C "$2"; }
fi
BASE_CACHE=$CACHE_DIR/debootstrap-$SUITE-$BASE_KEY.$EXT
STAGE_CACHE=$CACHE_DIR/stage-$STAGE_KEY.$EXT

# ---- 2. The root file system ---------------------------------------------------------------------------------------
# Chroots of runs that were killed before their cleanup (their process is gone): unmounted and removed.
for stale in "$CACHE_DIR"/run-*; do
    { [ -d "$stale" ] && ! kill -0 "${stale##*/run-}" 2>/dev/null; } || continue
    awk -v root="$stale" 'index($5, root "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r |
        while IFS= read -r mountpoint; do umount "$mountpoint" 2>/dev/null || umount -l "$mountpoint"; done
    remove_root "$stale" || fail "the chroot $stale of an earlier run is still mounted"
done
remove_root "$ROOTFS" || fail "an earlier $ROOTFS is still mounted"
mkdir -p "$ROOTFS"
if [ -f "$STAGE_CACHE" ]; then
    step "root file system: the cached result of the last stage's RUN lines ($(basename "$STAGE_CACHE"))"
    unpack "$STAGE_CACHE" "$ROOTFS"
    ok "unpacked $(du -sh "$STAGE_CACHE" | cut -f1) into $ROOTFS"
else
    if [ -f "$BASE_CACHE" ]; then
        step "debootstrap: cached ($(basename "$BASE_CACHE"))"
        unpack "$BASE_CACHE" "$ROOTFS"
    else
        step "debootstrap --variant=minbase $SUITE from $MIRROR"
        timeout 900 debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$ROOTFS" "$MIRROR" \
            >"$WORK/debootstrap.log" 2>&1 || { tail -n 30 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
        rm -rf "$ROOTFS/var/cache/apt/archives/"*.deb
        pack "$ROOTFS" "$BASE_CACHE.tmp" && mv "$BASE_CACHE.tmp" "$BASE_CACHE"
        ok "$(du -sh --exclude=proc "$ROOTFS" | cut -f1) root; cached as $(basename "$BASE_CACHE") ($(du -sh "$BASE_CACHE" | cut -f1))"
    fi
    step "the last stage's RUN lines (FROM $FINAL_FROM) in the chroot"
    # What the debian:12 images have beside the packages: apt sources for bookworm, its updates and security, and
    # no services started by packages. Plus the host's name resolution and mirror settings.
    rm -f "$ROOTFS/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\n' "$MIRROR" \
            "$SUITE" "$SUITE" /usr/share/keyrings/debian-archive-keyring.gpg
        if [ -n "$SECURITY_MIRROR" ]; then
            printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
                "$SECURITY_MIRROR" "$SUITE" /usr/share/keyrings/debian-archive-keyring.gpg
        fi
    } >"$ROOTFS/etc/apt/sources.list.d/debian.sources"
    [ -z "$APT_SETTINGS" ] || printf '%s\n' "$APT_SETTINGS" >"$ROOTFS/etc/apt/apt.conf.d/00host-mirror"
    printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
    chmod 0755 "$ROOTFS/usr/sbin/policy-rc.d"
    cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    mount_root "$ROOTFS"
    replay_stage build
    unmount_root
    rm -f "$ROOTFS/etc/apt/apt.conf.d/00host-mirror"
    info "$(grep -c '^Setting up ' "$WORK/run-steps.log" || true) packages set up; the root is now $(du -sh "$ROOTFS" | cut -f1)"
    step "caching the stage's root as $(basename "$STAGE_CACHE")"
    pack "$ROOTFS" "$STAGE_CACHE.tmp" && mv "$STAGE_CACHE.tmp" "$STAGE_CACHE"
    ok "$(du -sh "$STAGE_CACHE" | cut -f1)"
fi
# Older caches (another Dockerfile, mirror or format) go.
find "$CACHE_DIR" -maxdepth 1 -type f \( -name 'debootstrap-*' -o -name 'stage-*' \) \
    ! -name "$(basename "$BASE_CACHE")" ! -name "$(basename "$STAGE_CACHE")" -delete

step "the image: COPY lines, the runtime settings"
mount_root "$ROOTFS"
replay_stage use
[ ${#ENTRYPOINT[@]} -gt 0 ] || fail "Dockerfile: no ENTRYPOINT in the last stage"
[ ${#HEALTHCHECK[@]} -gt 0 ] || fail "Dockerfile: no HEALTHCHECK in the last stage"
{ [ "$IMAGE_USER" != root ] && [ "$IMAGE_USER" != 0 ]; } || fail "Dockerfile: the last stage runs as root (USER)"
read -r IMAGE_UID IMAGE_GID IMAGE_HOME < <(user_ids "$IMAGE_USER")
[ "$IMAGE_UID" -ne 0 ] || fail "Dockerfile: USER $IMAGE_USER is uid 0"
STATE_DIR=${VOLUMES[0]:-}
[ -n "$STATE_DIR" ] || fail "Dockerfile: no VOLUME for the state"
[ "$(stat -c '%u %a' "$ROOTFS$STATE_DIR")" = "$IMAGE_UID 700" ] ||
    fail "the volume $STATE_DIR is $(stat -c '%U %a' "$ROOTFS$STATE_DIR"), expected $IMAGE_USER's with mode 700"
info "USER $IMAGE_USER (uid $IMAGE_UID, home $IMAGE_HOME), WORKDIR $IMAGE_WORKDIR, VOLUME $STATE_DIR, EXPOSE ${EXPOSED[*]}"
info "ENV ${IMAGE_ENV[*]}"
info "ENTRYPOINT ${ENTRYPOINT[*]}, CMD ${CMD[*]}"
info "HEALTHCHECK ${HEALTHCHECK[*]} (timeout ${HEALTHCHECK_TIMEOUT}s)"
daemon_in_image=$(in_image root sh -c 'command -v gemini-aggregatord') || fail "gemini-aggregatord is not on the image's PATH"
in_image root ldd "$daemon_in_image" >"$WORK/ldd.txt" 2>&1 || { cat "$WORK/ldd.txt" >&2; fail "ldd $daemon_in_image in the chroot"; }
if grep -q 'not found' "$WORK/ldd.txt"; then
    grep 'not found' "$WORK/ldd.txt" >&2
    fail "the runtime stage lacks libraries the daemon links (the RUN line's package list)"
fi
ok "ldd $daemon_in_image in the chroot: all $(grep -c '=>' "$WORK/ldd.txt") libraries found"
[ "$(in_image "$IMAGE_USER" "$daemon_in_image" --version)" = "$("$DAEMON_BIN" --version)" ] ||
    fail "the daemon in the image does not say the version of $DAEMON_BIN"

# ---- 3. The container's way ----------------------------------------------------------------------------------------
# ep ARGS...: the ENTRYPOINT with ARGS instead of CMD, as `docker run IMAGE ARGS` (or the first start) runs it.
ep() { in_image "$IMAGE_USER" "${ENTRYPOINT[@]}" "$@"; }

step "container: first start through the ENTRYPOINT, as $IMAGE_USER"
KEY=$(harness_gen_key)
harness_start_fake "$FAKE_BIN" --key "$KEY"
umask 077
head -c 24 /dev/urandom | base64 >"$ROOTFS/run/passphrase"
chown "$IMAGE_UID:$IMAGE_GID" "$ROOTFS/run/passphrase"
# As compose.yaml gives it: a secret's file, named by GEMINI_AGGREGATOR_PASSPHRASE_FILE.
IMAGE_ENV+=("GEMINI_AGGREGATOR_PASSPHRASE_FILE=/run/passphrase")
# And compose's Redis, through GA_CLUSTER_REDIS (a redis-server on the host's loopback).
REDIS_URL=""
if command -v redis-server >/dev/null 2>&1; then
    REDIS_PORT=$(harness_free_port)
    harness_spawn redis redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no
    harness_wait_line "$WORK/redis.log" "Ready to accept connections" "$H_SPAWNED_PID" 20 >/dev/null ||
        fail "redis-server did not start"
    REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
    IMAGE_ENV+=("GA_CLUSTER_REDIS=$REDIS_URL")
fi
first_port=$(ep config get listen.port 2>"$WORK/first-start.log") ||
    { cat "$WORK/first-start.log" >&2; fail "the first start through ${ENTRYPOINT[*]} failed"; }
sed 's/^/      /' "$WORK/first-start.log"
[ -z "${EXPOSED[*]}" ] || [[ " ${EXPOSED[*]} " == *" $first_port "* ]] ||
    fail "the daemon's port is $first_port, but the image EXPOSEs ${EXPOSED[*]}"
[ "$(ep config get listen.host)" = 0.0.0.0 ] || fail "the first start did not set listen.host 0.0.0.0"
[ -z "$REDIS_URL" ] || [ "$(ep config get cluster.redis)" = "$REDIS_URL" ] ||
    fail "the entry point did not set cluster.redis from GA_CLUSTER_REDIS"
ok "config for a container made: listen.host 0.0.0.0, port $first_port (= EXPOSE), remote clients with a token"
PORT=$(harness_free_port)
ep config set listen.port "$PORT" >/dev/null
ep config set upstream.baseUrl "$H_FAKE_URL" >/dev/null
info "listen.port $PORT for this test (parallel tests, a daemon on this machine); upstream fake-gemini at $H_FAKE_URL"

step "container: ENTRYPOINT ${CMD[*]} as $IMAGE_USER; HEALTHCHECK; a key; a request"
t0=$(date +%s%3N)
image_command "$IMAGE_USER"
"${IMAGE_COMMAND[@]}" "${ENTRYPOINT[@]}" "${CMD[@]}" </dev/null >"$WORK/daemon.log" 2>&1 &
H_DAEMON_PID=$!
H_PIDS+=("$H_DAEMON_PID")
ready=$(harness_wait_line "$WORK/daemon.log" "ready: listening on http://" "$H_DAEMON_PID" 60) ||
    fail "the daemon in the chroot did not get ready"
[[ $ready == *"http://0.0.0.0:$PORT"* ]] || fail "the daemon listens elsewhere than 0.0.0.0:$PORT: $ready"
ok "ready in $(($(date +%s%3N) - t0)) ms: ${ready#*ready: }"
if [ -z "$REDIS_URL" ]; then
    info "(redis-server not installed: GA_CLUSTER_REDIS and cluster mode not tried)"
elif grep -q 'has no Redis client' "$WORK/daemon.log"; then
    info "(this build of the daemon has no Redis client (hiredis): cluster mode not tried)"
else
    harness_wait_line "$WORK/daemon.log" "connected to Redis at" "$H_DAEMON_PID" 20 >/dev/null ||
        fail "the daemon did not join the cluster at $REDIS_URL (GA_CLUSTER_REDIS)"
    ok "cluster mode: connected to Redis at $REDIS_URL (GA_CLUSTER_REDIS through the entry point)"
fi
# As Docker runs it: in the container, as its user, with its environment, within --timeout.
healthcheck() { in_image "$IMAGE_USER" timeout "$HEALTHCHECK_TIMEOUT" "${HEALTHCHECK[@]}"; }
rc=0
healthcheck >"$WORK/health-before.txt" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "the HEALTHCHECK passed with no key configured (it should ask /readyz)"
ok "HEALTHCHECK without a key: exit $rc ($(head -c 120 "$WORK/health-before.txt" | tr '\n' ' '))"
printf '%s\n' "$KEY" | ep keys add --label deploy >/dev/null 2>"$WORK/keys-add.log" ||
    { cat "$WORK/keys-add.log" >&2; fail "keys add through the entry point"; }
# The running daemon applies the change within a second: /readyz answers 200 then (503 with Retry-After before).
curl -fsS --retry 10 --retry-all-errors --retry-max-time 30 --max-time 5 -o "$WORK/readyz.json" \
    "http://127.0.0.1:$PORT/readyz" 2>"$WORK/readyz.err" || fail "/readyz did not answer 200 after the key was added"
healthcheck >"$WORK/health-after.txt" 2>&1 || { cat "$WORK/health-after.txt" >&2; fail "the HEALTHCHECK fails with a key"; }
ok "a key added (keys add on stdin); /readyz 200; HEALTHCHECK: exit 0"
TOKEN=$(ep token show 2>/dev/null)
[ -n "$TOKEN" ] || fail "token show printed nothing"
# The access token in a header file, never on a command line.
printf 'x-goog-api-key: %s\n' "$TOKEN" >"$WORK/token.header"
t0=$(date +%s%3N)
code=$(curl -sS --max-time 30 -o "$WORK/reply.json" -w '%{http_code}' -H @"$WORK/token.header" \
    -H 'content-type: application/json' -d '{"contents":[{"parts":[{"text":"hello from the chroot"}]}]}' \
    "http://127.0.0.1:$PORT/v1beta/models/gemini-2.5-flash:generateContent") || fail "the request to the daemon failed"
[ "$code" = 200 ] || { head -c 600 "$WORK/reply.json" >&2; fail "generateContent through the daemon in the chroot: $code"; }
grep -q '"candidates"' "$WORK/reply.json" || fail "the reply has no candidates"
curl -sS --max-time 10 "$H_FAKE_URL/__fake/requests" | grep -qF "$KEY" || fail "fake-gemini did not get the key"
ok "POST generateContent with the access token: 200 with candidates in $(($(date +%s%3N) - t0)) ms; fake-gemini got the key"

# ---- 4. nginx.conf in front ----------------------------------------------------------------------------------------
if command -v nginx >/dev/null 2>&1; then
    step "nginx.conf (compose's front) on this machine's nginx, upstreams pointed at the daemon"
    N=$WORK/nginx
    mkdir -p "$N/tmp"
    NGINX_PORT=$(harness_free_port)
    sed -E -e "s/server node[1-3]:3145 /server 127.0.0.1:$PORT /" -e "s/^( *)listen 3145;/\1listen 127.0.0.1:$NGINX_PORT;/" \
        -e '/listen \[::\]:3145;/d' "$DOCKER_DIR/nginx.conf" >"$N/default.conf"
    { [ "$(grep -c "server 127.0.0.1:$PORT " "$N/default.conf")" = 3 ] &&
        grep -q "listen 127.0.0.1:$NGINX_PORT;" "$N/default.conf"; } ||
        fail "nginx.conf no longer has the three 'server nodeN:3145' lines and 'listen 3145;' this test rewrites"
    cat >"$N/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 64; }
http {
    access_log $N/access.log;
    client_body_temp_path $N/tmp/body;
    proxy_temp_path $N/tmp/proxy;
    fastcgi_temp_path $N/tmp/fastcgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    include $N/default.conf;
}
EOF
    nginx -t -q -p "$N" -c "$N/nginx.conf" >"$N/t.log" 2>&1 || { cat "$N/t.log" >&2; fail "nginx -t with nginx.conf"; }
    harness_spawn nginx nginx -p "$N" -c "$N/nginx.conf"
    curl -fsS --retry 20 --retry-connrefused --retry-delay 0 --retry-max-time 15 --max-time 5 -o /dev/null \
        "http://127.0.0.1:$NGINX_PORT/healthz" || fail "nginx did not answer on 127.0.0.1:$NGINX_PORT"
    code=$(curl -sS --max-time 30 -o "$WORK/nginx-reply.json" -w '%{http_code}' -H @"$WORK/token.header" \
        -H 'content-type: application/json' -d '{"contents":[{"parts":[{"text":"through nginx"}]}]}' \
        "http://127.0.0.1:$NGINX_PORT/v1beta/models/gemini-2.5-flash:generateContent") || fail "the request via nginx"
    { [ "$code" = 200 ] && grep -q '"candidates"' "$WORK/nginx-reply.json"; } ||
        { head -c 600 "$WORK/nginx-reply.json" >&2; fail "generateContent through nginx: $code"; }
    curl -sS --max-time 30 -N -o "$WORK/nginx-sse.txt" -H @"$WORK/token.header" -H 'content-type: application/json' \
        -d '{"contents":[{"parts":[{"text":"a stream"}]}]}' \
        "http://127.0.0.1:$NGINX_PORT/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" ||
        fail "the SSE stream through nginx"
    events=$(grep -c '^data: ' "$WORK/nginx-sse.txt" || true)
    [ "$events" -ge 2 ] || { head -c 600 "$WORK/nginx-sse.txt" >&2; fail "SSE through nginx: $events events"; }
    # The client's Host reaches the daemon: a name it was not told about is refused there, localhost is not.
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Host: gemini.example' -H @"$WORK/token.header" \
        "http://127.0.0.1:$NGINX_PORT/v1beta/models") || true
    [ "${code:0:1}" = 4 ] || fail "Host: gemini.example through nginx answered $code: the daemon does not see the client's Host"
    code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "Host: localhost:$NGINX_PORT" -H @"$WORK/token.header" \
        "http://127.0.0.1:$NGINX_PORT/v1beta/models") || true
    [ "$code" = 200 ] || fail "Host: localhost:$NGINX_PORT through nginx answered $code"
    ok "nginx -t; generateContent 200; SSE: $events events; Host gemini.example refused by the daemon, localhost served"
else
    info "(nginx not installed: nginx.conf not tried)"
fi

step "container: docker stop's SIGTERM; what was written, and where"
kill -TERM "$H_DAEMON_PID"
timeout 30 tail --pid="$H_DAEMON_PID" -f /dev/null || fail "the daemon did not stop within 30 s of SIGTERM"
rc=0
wait "$H_DAEMON_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "the daemon exited $rc on SIGTERM"
! grep -q 'request history is not kept on disk' "$WORK/daemon.log" || fail "the request history could not be written"
for path in "$STATE_DIR/config.json" "$STATE_DIR/history.sqlite" "$(env_of XDG_DATA_HOME)/gemini-aggregator/secrets.enc"; do
    [ -f "$ROOTFS$path" ] || fail "no $path after the run"
    [ "$(stat -c '%u %a' "$ROOTFS$path")" = "$IMAGE_UID 600" ] ||
        fail "$path is $(stat -c '%U %a' "$ROOTFS$path"), expected $IMAGE_USER's with mode 600"
done
outside=$(find "$ROOTFS" -xdev -user "$IMAGE_UID" ! -path "$ROOTFS$STATE_DIR" ! -path "$ROOTFS$STATE_DIR/*" \
    ! -path "$ROOTFS/tmp/*" ! -path "$ROOTFS/run/passphrase" -print | sed "s|^$ROOTFS||" | head -n 5)
[ -z "$outside" ] || fail "the container wrote outside its volume $STATE_DIR: $outside"
ok "exit 0; config.json, secrets.enc, history.sqlite in the volume (0600, $IMAGE_USER's); nothing of $IMAGE_USER's outside it"

# ---- 5. The system unit's way in the same root ----------------------------------------------------------------------
step "system unit: its Environment=, credential, User=, UMask= and state directory; ExecStart under MDWE"
unit_value() { sed -n "s/^$1=//p" "$UNIT_FILE"; }
UNIT_NAME=$(basename "$UNIT_FILE")
unit_user=$(unit_value User)
state_name=$(unit_value StateDirectory)
credential=$(unit_value LoadCredential)
[ "$unit_user" = "$IMAGE_USER" ] || info "(the unit's User=$unit_user differs from the image's $IMAGE_USER: using $unit_user)"
read -r U_UID U_GID U_HOME < <(user_ids "$unit_user")
[ "${credential%%:*}" = passphrase ] || fail "the unit's LoadCredential= is not the credential 'passphrase': $credential"
CRED_DIR=/run/credentials/$UNIT_NAME
# %S, %d: the specifiers the unit uses (systemd.unit(5)); another one would need adding here.
expand() {
    local v=$1
    v=${v//%S//var/lib}
    v=${v//%d/$CRED_DIR}
    [[ $v != *%* ]] || fail "the unit uses a specifier this test does not expand: $1"
    printf '%s' "$v"
}
unit_env=()
while IFS= read -r kv; do unit_env+=("$(expand "$kv")"); done < <(unit_value Environment)
mapfile -t exec_start < <(unit_value ExecStart | tr ' ' '\n')
umask_value=$(unit_value UMask)
mode=$(unit_value StateDirectoryMode)
# A clean state directory (the container's moves aside) as StateDirectory= makes it, and the credential as
# LoadCredential= hands it over: a read-only file the service's user can read.
mv "$ROOTFS/var/lib/$state_name" "$ROOTFS/var/lib/$state_name.container"
install -d -m "${mode:-0755}" -o "$U_UID" -g "$U_GID" "$ROOTFS/var/lib/$state_name"
install -d -m 0500 -o "$U_UID" -g "$U_GID" "$ROOTFS$CRED_DIR"
head -c 24 /dev/urandom | base64 >"$ROOTFS$CRED_DIR/passphrase"
chown "$U_UID:$U_GID" "$ROOTFS$CRED_DIR/passphrase"
chmod 0400 "$ROOTFS$CRED_DIR/passphrase"
# as_unit CMD...: CMD as the unit's process: its user, umask and environment (what systemd sets, then Environment=).
# shellcheck disable=SC2016 # expanded by the chroot's shell
AS_UNIT=(env -i "PATH=$DEFAULT_PATH" "HOME=$U_HOME" "USER=$unit_user" "LOGNAME=$unit_user"
    "CREDENTIALS_DIRECTORY=$CRED_DIR" "STATE_DIRECTORY=/var/lib/$state_name" "${unit_env[@]}"
    chroot --userspec="$U_UID:$U_GID" --groups="$U_GID" "$ROOTFS"
    /bin/sh -c 'umask "$0" && cd / && exec "$@"' "${umask_value:-0022}")
as_unit() { "${AS_UNIT[@]}" "$@"; }
unit_bin=${exec_start[0]}
UNIT_PORT=$(harness_free_port)
as_unit "$unit_bin" config set listen.port "$UNIT_PORT" >/dev/null
as_unit "$unit_bin" config set upstream.baseUrl "$H_FAKE_URL" >/dev/null
printf '%s\n' "$KEY" | as_unit "$unit_bin" keys add --label unit >/dev/null 2>"$WORK/unit-keys.log" ||
    { cat "$WORK/unit-keys.log" >&2; fail "keys add with the unit's environment and credential"; }
info "ExecStart=${exec_start[*]}; ${unit_env[*]}; CREDENTIALS_DIRECTORY=$CRED_DIR"
# MemoryDenyWriteExecute=yes is the kernel's PR_SET_MDWE (Linux 6.3+), kept across exec: set it, then exec.
mdwe=(env)
mdwe_note="(this kernel has no PR_SET_MDWE, or python3 is missing: MemoryDenyWriteExecute not tried)"
if command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import ctypes, sys; sys.exit(ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0)' 2>/dev/null; then
    mdwe=(python3 -c 'import ctypes, os, sys
if ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0: sys.exit("prctl(PR_SET_MDWE) failed")
os.execvp(sys.argv[1], sys.argv[1:])')
    mdwe_note="under PR_SET_MDWE (MemoryDenyWriteExecute=yes)"
fi
"${mdwe[@]}" "${AS_UNIT[@]}" "${exec_start[@]}" </dev/null >"$WORK/unit-daemon.log" 2>&1 &
H_UNIT_PID=$!
H_PIDS+=("$H_UNIT_PID")
harness_wait_line "$WORK/unit-daemon.log" "ready: listening on http://" "$H_UNIT_PID" 60 >/dev/null ||
    fail "the daemon did not get ready the way the unit starts it"
curl -fsS --retry 10 --retry-all-errors --retry-max-time 30 --max-time 5 -o /dev/null \
    "http://127.0.0.1:$UNIT_PORT/readyz" 2>"$WORK/unit-readyz.err" || fail "/readyz of the unit's daemon did not answer 200"
printf 'x-goog-api-key: %s\n' "$(as_unit "$unit_bin" token show 2>/dev/null)" >"$WORK/unit-token.header"
code=$(curl -sS --max-time 30 -o "$WORK/unit-reply.json" -w '%{http_code}' -H @"$WORK/unit-token.header" \
    -H 'content-type: application/json' -d '{"contents":[{"parts":[{"text":"hello from the unit"}]}]}' \
    "http://127.0.0.1:$UNIT_PORT/v1beta/models/gemini-2.5-flash:generateContent") || fail "the request to the unit's daemon"
[ "$code" = 200 ] || { head -c 600 "$WORK/unit-reply.json" >&2; fail "generateContent through the unit's daemon: $code"; }
grep -q "secrets: encrypted file /var/lib/$state_name/secrets.enc" "$WORK/unit-daemon.log" ||
    fail "the unit's daemon does not keep its secrets in /var/lib/$state_name/secrets.enc: $(grep 'secrets:' "$WORK/unit-daemon.log")"
kill -TERM "$H_UNIT_PID"
timeout 30 tail --pid="$H_UNIT_PID" -f /dev/null || fail "the unit's daemon did not stop within 30 s of SIGTERM"
rc=0
wait "$H_UNIT_PID" || rc=$?
[ "$rc" -eq 0 ] || fail "the unit's daemon exited $rc on SIGTERM"
loose=$(find "$ROOTFS/var/lib/$state_name" -type f -perm /077 -printf '%P %m\n' | head -n 3)
[ -z "$loose" ] || fail "UMask=$umask_value: files others can read in the state directory: $loose"
ok "passphrase from \$CREDENTIALS_DIRECTORY/passphrase; config, secrets and history in /var/lib/$state_name (all" \
    "private); ready, /readyz 200, generateContent 200 $mdwe_note; SIGTERM: exit 0"

step "done"
cat <<'EOF'
    Shown: the runtime stage's packages and user are enough for the daemon on Debian 12, which serves a request;
    the HEALTHCHECK follows /readyz; the entry point makes a working container config (and joins a Redis);
    state stays in the volume; nginx.conf passes requests, streams and the client's Host; the system unit
    verifies, scores, and its environment and credential work. Not shown: a container engine (namespaces,
    cgroups, the volume and secret mounts, HEALTHCHECK scheduling), the builder stage, compose's networking, the
    redis and nginx images, systemd's own sandboxing.
EOF
