# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the benchmark scripts in this folder: where things are, the binaries under test, the tools a script
# needs. Then a script sources the e2e harness (tests/e2e/harness.sh) for its sandbox and processes.
#   source "$(dirname "$0")/common.sh"; bench_binaries "${1:-}" "${2:-}"; bench_require TOOL...

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$ROOT/build/release}

# bench_binaries [FAKE_GEMINI_BIN] [GEMINI_AGGREGATORD_BIN]: sets FAKE_BIN and DAEMON_BIN (defaults: $BUILD_DIR/...)
# and stops with what to build when either is missing.
bench_binaries() {
    FAKE_BIN=$(realpath "${1:-$BUILD_DIR/tests/fakegemini/fake-gemini}")
    DAEMON_BIN=$(realpath "${2:-$BUILD_DIR/app/gemini-aggregatord}")
    local bin
    for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
        [ -x "$bin" ] || { echo "not built: $bin (cmake --preset release && cmake --build --preset release)" >&2; exit 1; }
    done
}

# bench_require TOOL...: stops naming the first tool that is not installed (sbin is searched too: nginx).
bench_require() {
    local tool
    for tool; do
        command -v "$tool" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
        command -v "$tool" >/dev/null 2>&1 || { echo "$tool not found: run installer/bootstrap.sh deps" >&2; exit 1; }
    done
}

# bench_start_nginx UPSTREAM_PORT [ACCESS_LOG(on|off)]: nginx as the current user under $H_TMP/nginx (after
# harness_init), one worker, reverse proxy to 127.0.0.1:UPSTREAM_PORT with upstream keep-alive, response buffering
# off (SSE events pass at once, as they do through the daemon), access log to a file unless off. Sets
# BENCH_NGINX_PID and BENCH_NGINX_URL; nginx is stopped with the harness's processes.
# BENCH_NGINX_SINGLE=1 runs it as one process (no master: the worker is the process started), BENCH_NGINX_WRAP
# is a command put in front of it (profile.sh: valgrind).
bench_start_nginx() { # UPSTREAM_PORT [ACCESS_LOG on|off] [tls]: "tls" serves HTTPS with a new self-signed
    # certificate for 127.0.0.1 (its path in BENCH_NGINX_CA). BENCH_NGINX_UPSTREAM_CA=FILE reaches the upstream over
    # TLS instead, verifying its certificate against FILE (as the daemon does); BENCH_NGINX_DIR (default
    # $H_TMP/nginx) lets a second nginx run beside the first.
    local upstream_port=$1 access_log=${2:-on} tls=${3:-} dir=${BENCH_NGINX_DIR:-$H_TMP/nginx} port listen
    local scheme=http upstream_tls=""
    if [ -n "${BENCH_NGINX_UPSTREAM_CA:-}" ]; then
        scheme=https
        upstream_tls="proxy_ssl_trusted_certificate ${BENCH_NGINX_UPSTREAM_CA}; proxy_ssl_verify on; proxy_ssl_name 127.0.0.1; proxy_ssl_session_reuse on;"
    fi
    port=$(harness_free_port)
    mkdir -p "$dir/tmp"
    listen="listen 127.0.0.1:$port backlog=4096;" # as the daemon's listen backlog
    BENCH_NGINX_CA=""
    if [ "$tls" = tls ]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
            -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
        listen="listen 127.0.0.1:$port ssl backlog=4096; ssl_certificate $dir/cert.pem; ssl_certificate_key $dir/key.pem;"
        BENCH_NGINX_CA=$dir/cert.pem
    fi
    cat >"$dir/nginx.conf" <<EOF
daemon off;
$([ -n "${BENCH_NGINX_SINGLE:-}" ] && echo "master_process off;")
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16384; }
http {
    access_log $([ "$access_log" = off ] && echo off || echo "$dir/access.log");
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    upstream fake {
        server 127.0.0.1:$upstream_port;
        keepalive 64;
    }
    server {
        $listen
        location / {
            proxy_pass $scheme://fake;
            $upstream_tls
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
        }
    }
}
EOF
    nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -t >/dev/null 2>&1 ||
        { nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -t; exit 1; }
    # shellcheck disable=SC2086 # the wrapper is a command with its arguments
    harness_spawn nginx ${BENCH_NGINX_WRAP:-} nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    BENCH_NGINX_PID=$H_SPAWNED_PID
    BENCH_NGINX_URL=$([ "$tls" = tls ] && echo https || echo http)://127.0.0.1:$port
    # nginx binds its port a moment after it starts: curl retries refused connections until then (at most 20 s).
    curl -s -o /dev/null -m 20 --retry 400 --retry-delay 0 --retry-connrefused --retry-max-time 20 \
        ${BENCH_NGINX_CA:+--cacert "$BENCH_NGINX_CA"} "$BENCH_NGINX_URL/" || true
}

# The median of a space-separated list of numbers (the figures of the rounds).
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# Warns (stderr) when a wrk run had failed answers: NAME NON2XX SOCKET_ERRORS.
bench_warn_failures() {
    if [ "$2" != 0 ] || [ "$3" != 0 ]; then
        echo "   !! $1: $2 non-2xx answers, $3 socket errors" >&2
    fi
}

# One figure of wrk-generate.lua's "BENCH name=value …" line: LINE NAME.
bench_field() { sed -E "s/(^|.* )$2=([0-9.]+).*/\\2/" <<<"$1"; }
