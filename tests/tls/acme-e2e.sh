#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ACME end to end: pebble (Debian's ACME test CA, with real HTTP-01 validation against the daemon's HTTP listener;
# pebble-challtestsrv answers its DNS queries with 127.0.0.1) issues the certificate of gemini-aggregatord's HTTPS
# listener, and real clients use it.
#   tests/tls/acme-e2e.sh FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN
# Steps (each a check; figures printed):
#   1  one certificate for a.test and b.test: time from the daemon's start to the certificate in service; curl with
#      pebble's root for both names; openssl s_client: chain verified, the leaf's names exactly the two
#   2  protocols and suites: TLS 1.0 / 1.1 refused, TLS 1.2 with AES128-SHA refused, TLS 1.2 on ECDHE with
#      GCM or ChaCha20, TLS 1.3
#   3  @google/genai (generateContent, stream, Live over wss://) and openai (chat, stream) at https://a.test:PORT
#      (clients.mjs; NODE_EXTRA_CA_CERTS = pebble's root, a.test resolved by the preload resolve-test-names.cjs)
#   4  the CA unreachable: c.test added to acme.domains at run time (the config file is watched), then the daemon
#      restarted with it: the certificate it has stays in service, GET /admin/api/v1/tls names the unreachable
#      directory and a retry in the future (backoff); pebble back (a new root): the retry gets a certificate for
#      the three names
#   5  leak sweep: no private key body of the daemon's tls/ folder in any log, CLI output or HTTP answer captured;
#      the key files are mode 0600
# Exit: 0 all passed (known daemon bugs aside: KNOWN_BUGS below), 1 a failure, 77 pebble, pebble-challtestsrv, openssl, curl, node (>= 20) or npm missing.
# H_KEEP_TMP=1 keeps the sandbox (logs, config, captures) for a look afterwards.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
DAEMON_BIN=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
E2E_DIR=$(cd "$HERE/../e2e" && pwd)

missing=()
for tool in pebble pebble-challtestsrv openssl curl node npm; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "SKIP: the ACME e2e test needs ${missing[*]} (installer/bootstrap.sh deps installs them)"
    exit 77
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "SKIP: node $(node --version) is too old for the pinned clients (>= 20)"
    exit 77
fi
for bin in "$FAKE_BIN" "$DAEMON_BIN"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$E2E_DIR/harness.sh"
harness_npm_install "$E2E_DIR"
harness_init

# Real validation only: pebble must fetch every HTTP-01 answer from the daemon.
unset PEBBLE_VA_ALWAYS_VALID PEBBLE_AUTHZREUSE
export PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0

G=$DAEMON_BIN
P=$H_TMP/pebble # pebble's own files (its HTTPS key and certificate, made here)
C=$H_TMP/captured # everything the leak sweep reads besides the logs
mkdir -p "$P" "$C"
TLS_DIR=$H_TMP/tls # the daemon's tls/ folder: beside its config ($GEMINI_AGGREGATOR_CONFIG)
NAMES1="a.test,b.test"
NAMES2="a.test,b.test,c.test"

# Daemon bugs this test found and that are not fixed yet: their checks are reported as XFAIL and do not fail the
# run, and one of them passing (XPASS) fails it, so that the entry is removed here once the daemon is fixed.
# TLS_E2E_STRICT=1 counts them as failures.
#   cli-status-acme     'tls status' (the CLI) ignores ACME: with only listen.tls.acme.* set it reports no
#                       certificate (--json: present false, exit 1) while the daemon serves ACME's
#   live-domains        a name added to listen.tls.acme.domains while the daemon runs is never ordered: the new
#                       AcmeClient is scheduled at the old certificate's renewal time (years away); GET /tls says
#                       lastError "waiting for the first certificate" beside present: true
#   restart-keeps-cert  a daemon started with more acme.domains than its certificate has, while the CA is
#                       unreachable, serves no HTTPS at all until a new order succeeds, instead of the
#                       certificate it has (valid for the other names)
KNOWN_BUGS=" "
[ "${TLS_E2E_STRICT:-0}" = 1 ] && KNOWN_BUGS=" "
BUG="" # the known bug the checks being made are about ("" for none)
FAILED=()
XFAILED=()
pass() {
    if [ -n "$BUG" ] && [[ $KNOWN_BUGS == *" $BUG "* ]]; then
        printf 'XPASS %s\n' "$* (known bug $BUG: fixed? remove it from KNOWN_BUGS in $0)"
        FAILED+=("XPASS [$BUG] $*")
    else
        printf 'PASS  %s\n' "$*"
    fi
}
fail() {
    if [ -n "$BUG" ] && [[ $KNOWN_BUGS == *" $BUG "* ]]; then
        printf 'XFAIL %s\n' "$* (known daemon bug: $BUG)"
        XFAILED+=("[$BUG] $*")
    else
        printf 'FAIL  %s\n' "$*"
        FAILED+=("$*")
    fi
}
info() { printf '      %s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
now_ms() { date +%s%3N; }

# cli NAME ARGS...: runs the daemon's CLI, output kept in $C/cli-NAME.out (for the sweep) and printed.
cli() {
    local name=$1
    shift
    local rc=0
    "$G" "$@" >"$C/cli-$name.out" 2>&1 || rc=$?
    cat "$C/cli-$name.out"
    if [ "$rc" -ne 0 ]; then
        echo "gemini-aggregatord $* exited with $rc: $(cat "$C/cli-$name.out")" >&2
    fi
    return "$rc"
}

# js FILE EXPR: EXPR evaluated on the JSON in FILE (as `j`); objects printed as JSON.
js() {
    # shellcheck disable=SC2016 # JavaScript, not shell
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const v = new Function("j", "return (" + process.argv[2] + ");")(j);
        console.log(typeof v === "object" ? JSON.stringify(v) : String(v));' "$1" "$2"
}

# tls_status NAME: GET /admin/api/v1/tls into $C/http-tls-NAME.json (the admin token from a file, not argv).
tls_status() {
    curl -sS --max-time 5 -H @"$H_TMP/admin.header" -o "$C/http-tls-$1.json" -w '%{http_code}' \
        "$H_PROXY_URL/admin/api/v1/tls" >"$C/http-tls-$1.code"
    [ "$(cat "$C/http-tls-$1.code")" = 200 ] || { echo "GET /admin/api/v1/tls answered $(cat "$C/http-tls-$1.code")" >&2; return 1; }
    info "GET /admin/api/v1/tls: $(cat "$C/http-tls-$1.json")"
}

# https_get NAME ROOT TAG: GET https://NAME:TLS_PORT/healthz trusting only ROOT; prints the status (000 when the
# connection or the verification failed) and sets CURL_RC.
https_get() {
    CURL_RC=0
    curl -sS --max-time 5 --cacert "$2" --resolve "$1:$TLS_PORT:127.0.0.1" -o "$C/http-healthz-$3-$1.body" \
        -w '%{http_code}' "https://$1:$TLS_PORT/healthz" 2>"$C/curl-$3-$1.err" || CURL_RC=$?
}

# check_served ROOT TAG NAMES...: each name answers /healthz with 200 over HTTPS, verified with ROOT only.
check_served() {
    local root=$1 tag=$2 name code
    shift 2
    for name in "$@"; do
        code=$(https_get "$name" "$root" "$tag"; echo "$CURL_RC")
        if [ "${code:0:3}" = 200 ]; then
            pass "[$tag] curl --cacert <pebble root> https://$name:$TLS_PORT/healthz -> 200"
        else
            fail "[$tag] curl --cacert <pebble root> https://$name:$TLS_PORT/healthz -> ${code:0:3} (curl exit ${code:3}: $(head -c 200 "$C/curl-$tag-$name.err"))"
        fi
    done
}

# s_client NAME OUT ARGS...: openssl s_client to the HTTPS port with SNI NAME, output in OUT; returns its exit.
s_client() {
    local name=$1 out=$2
    shift 2
    timeout 15 openssl s_client -connect "127.0.0.1:$TLS_PORT" -servername "$name" "$@" </dev/null >"$out" 2>&1
}

# check_chain ROOT TAG NAMES: s_client with SNI (the first name) verifies the chain against ROOT alone and the leaf's
# subjectAltName is exactly NAMES (comma-separated, any order).
check_chain() {
    local root=$1 tag=$2 want=$3 first out sans
    first=${want%%,*}
    out=$C/s_client-$tag.txt
    if s_client "$first" "$out" -CAfile "$root" -verify_return_error -verify_hostname "$first" -showcerts &&
        grep -q 'Verify return code: 0 (ok)' "$out"; then
        pass "[$tag] openssl s_client -servername $first: chain verified against pebble's root (Verify return code: 0)"
    else
        fail "[$tag] openssl s_client -servername $first: $(grep -m1 -E 'Verify return code|error' "$out" || echo 'no handshake')"
    fi
    info "chain: $(grep -E '^ *[0-9]+ s:' "$out" | sed 's/^ *//' | tr '\n' ';')"
    sans=$(openssl x509 -noout -ext subjectAltName <"$out" 2>/dev/null | grep -o 'DNS:[^,]*' | sed 's/DNS://' | sort | paste -sd, -)
    if [ "$sans" = "$(tr , '\n' <<<"$want" | sort | paste -sd, -)" ]; then
        pass "[$tag] the leaf's subjectAltName is exactly $sans"
    else
        fail "[$tag] the leaf's subjectAltName is '$sans', expected exactly $want"
    fi
    info "leaf: $(openssl x509 -noout -subject -issuer -enddate <"$out" 2>/dev/null | tr '\n' ' ')"
}

# start_pebble LOGNAME: pebble on $PEBBLE_PORT (the same port each time); waits for its directory; fetches its
# root (a new one at each start) into $ROOT.
start_pebble() {
    harness_spawn "$1" pebble -config "$P/pebble.json" -dnsserver "127.0.0.1:$DNS_PORT"
    PEBBLE_PID=$H_SPAWNED_PID
    harness_wait_line "$H_TMP/$1.log" "ACME directory available at" "$PEBBLE_PID" 20 >/dev/null
    ROOT=$P/root-$1.pem
    # The management API listens a moment after the directory is announced (its own listener): refused connections
    # are retried (a run failed with "Couldn't connect" on the restart in step 4c).
    curl -sS --max-time 5 --retry 50 --retry-delay 0 --retry-connrefused --retry-max-time 10 --cacert "$P/ca.pem" \
        -o "$ROOT" "https://127.0.0.1:$PEBBLE_MGMT_PORT/roots/0"
    grep -q 'BEGIN CERTIFICATE' "$ROOT" || { echo "no root certificate from pebble's management API" >&2; return 1; }
    info "pebble (pid $PEBBLE_PID) at $DIRECTORY_URL, root: $(openssl x509 -noout -subject -fingerprint -sha256 <"$ROOT" | tr '\n' ' ')"
}

stop_pid() {
    kill -TERM "$1" 2>/dev/null || true
    timeout 10 tail --pid="$1" -f /dev/null
}

# ---------------------------------------------------------------------------------------------------------------
step "setup: pebble's own HTTPS identity, pebble-challtestsrv (DNS), fake-gemini, the daemon's config"
# pebble serves its API over HTTPS: a throwaway CA and a certificate for 127.0.0.1, made here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$P/ca.key" -out "$P/ca.pem" \
    -days 2 -subj "/CN=acme-e2e pebble API CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$P/key.pem" -out "$P/api.csr" \
    -subj /CN=localhost 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$P/api.ext"
openssl x509 -req -in "$P/api.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -out "$P/cert.pem" -days 2 \
    -extfile "$P/api.ext" 2>/dev/null

DNS_PORT=$(harness_free_port)
harness_spawn dns pebble-challtestsrv -defaultIPv4 127.0.0.1 -defaultIPv6 "" -dns01 "127.0.0.1:$DNS_PORT" \
    -http01 "" -https01 "" -tlsalpn01 "" -management "127.0.0.1:$(harness_free_port)"
harness_wait_line "$H_TMP/dns.log" "Starting challenge servers" "$H_SPAWNED_PID" 20 >/dev/null

POOL_KEY=$(harness_gen_key)
harness_start_fake "$FAKE_BIN" --key "$POOL_KEY"
harness_setup_daemon "$G" "$H_FAKE_URL" "$POOL_KEY"
TLS_PORT=$(harness_free_port)
PEBBLE_PORT=$(harness_free_port)
PEBBLE_MGMT_PORT=$(harness_free_port)
DIRECTORY_URL="https://127.0.0.1:$PEBBLE_PORT/dir"
cat >"$P/pebble.json" <<JSON
{"pebble": {"listenAddress": "127.0.0.1:$PEBBLE_PORT", "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
  "certificate": "$P/cert.pem", "privateKey": "$P/key.pem", "httpPort": $H_PROXY_PORT,
  "tlsPort": $(harness_free_port), "ocspResponderURL": "", "externalAccountBindingRequired": false}}
JSON
start_pebble pebble
ROOT1=$ROOT

# The ACME settings first: the HTTPS port is refused while no certificate source is set.
cli set-bundle config set listen.tls.acme.caBundle "$P/ca.pem" >/dev/null
cli set-domains config set listen.tls.acme.domains "$NAMES1" >/dev/null
cli set-email config set listen.tls.acme.email "acme-e2e@a.test" >/dev/null
cli set-directory config set listen.tls.acme.directoryUrl "$DIRECTORY_URL" >/dev/null
cli set-port config set listen.tls.port "$TLS_PORT" >/dev/null
cli set-hosts config set security.allowedHosts "$NAMES2" >/dev/null
cli set-level config set log.level debug >/dev/null # the sweep reads the most talkative logs

# ---------------------------------------------------------------------------------------------------------------
step "1: pebble issues one certificate for a.test and b.test; the daemon serves it"
T0=$(now_ms)
harness_start_daemon "$G"
umask 077
printf 'Authorization: Bearer %s\n' "$("$G" token show --admin 2>/dev/null | tail -1)" >"$H_TMP/admin.header"
TOKEN=$(harness_token "$G")
if harness_wait_line "$H_TMP/daemon.log" "listening for HTTPS on" "$H_DAEMON_PID" 30 >/dev/null; then
    T1=$(now_ms)
    pass "certificate in service $((T1 - T0)) ms after the daemon's start (HTTPS listener up)"
else
    fail "no HTTPS listener within 30 s of the daemon's start"
fi
CHALLENGES=$(grep -c 'GET /.well-known/acme-challenge/[^ ]* 200' "$H_TMP/daemon.log" || true)
VALIDATIONS=$(grep -c 'Attempting to validate w/ HTTP' "$H_TMP/pebble.log" || true)
if [ "$CHALLENGES" -ge 2 ] && [ "$VALIDATIONS" -ge 2 ]; then
    pass "HTTP-01 validated for real: pebble fetched $VALIDATIONS challenge answers, the daemon served $CHALLENGES with 200"
else
    fail "HTTP-01: pebble fetched $VALIDATIONS challenge answers, the daemon served $CHALLENGES with 200 (expected >= 2 each)"
fi
info "daemon: $(grep -E 'issued a certificate|ACME certificate in service' "$H_TMP/daemon.log" | sed 's/^[^ ]* //' | tr '\n' ';')"
tls_status issued
if [ "$(js "$C/http-tls-issued.json" '[j.listener.present, j.listener.source, [...j.listener.names].sort().join(), !j.listener.lastError, j.listener.port].join(" ")')" = "true acme $NAMES1 true $TLS_PORT" ]; then
    pass "GET /tls: present, source acme, names $NAMES1, no lastError, port $TLS_PORT"
else
    fail "GET /tls after the issue: $(cat "$C/http-tls-issued.json")"
fi
if [ "$(js "$C/http-tls-issued.json" 'Date.parse(j.listener.nextRenewal) > Date.now() + 86400e3 && /Pebble/.test(j.listener.issuer)')" = true ]; then
    pass "GET /tls: issuer '$(js "$C/http-tls-issued.json" j.listener.issuer)', notAfter $(js "$C/http-tls-issued.json" j.listener.notAfter), nextRenewal $(js "$C/http-tls-issued.json" j.listener.nextRenewal)"
else
    fail "GET /tls: issuer or nextRenewal unexpected: $(cat "$C/http-tls-issued.json")"
fi
check_served "$ROOT1" issued a.test b.test
https_get a.test "$P/ca.pem" wrong-root >/dev/null
if [ "$CURL_RC" = 60 ]; then
    pass "[issued] the same request trusting another CA fails verification (curl exit 60)"
else
    fail "[issued] trusting another CA: curl exit $CURL_RC, expected 60 (certificate not verified)"
fi
check_chain "$ROOT1" issued "$NAMES1"
# The CLI reads the certificate from the files, as the daemon does: it must see ACME's too.
cli tls-status-issued-json tls status --json >/dev/null || true
BUG=cli-status-acme
if [ "$(js "$C/cli-tls-status-issued-json.out" '[j.present, j.source, [...(j.names ?? [])].sort().join()].join(" ")' 2>/dev/null)" = "true acme $NAMES1" ]; then
    pass "'tls status --json': present, source acme, names $NAMES1"
else
    fail "'tls status --json' does not show the ACME certificate the daemon serves: $(tr -d ' \n' <"$C/cli-tls-status-issued-json.out")"
fi
BUG=""
cp "$TLS_DIR/acme-key.pem" "$H_TMP/swept-key-1.pem"
cp "$TLS_DIR/acme-account.key" "$H_TMP/swept-account-1.pem"

# ---------------------------------------------------------------------------------------------------------------
step "2: protocols and cipher suites (openssl s_client)"
for v in tls1 tls1_1; do
    # SECLEVEL=0 so that the client really offers the old version: the refusal must be the server's.
    if s_client a.test "$C/s_client-$v.txt" "-$v" -cipher 'DEFAULT:@SECLEVEL=0'; then
        fail "-$v: handshake completed ($(grep -m1 'Cipher is' "$C/s_client-$v.txt"))"
    elif grep -q 'alert protocol version' "$C/s_client-$v.txt"; then
        pass "-$v refused by the server: $(grep -o 'tlsv1 alert protocol version[^:]*' "$C/s_client-$v.txt" | head -1) (alert 70)"
    else
        fail "-$v: failed without the server's protocol_version alert: $(grep -m1 -i error "$C/s_client-$v.txt")"
    fi
done
if s_client a.test "$C/s_client-aes128-sha.txt" -tls1_2 -cipher AES128-SHA; then
    fail "-tls1_2 -cipher AES128-SHA: handshake completed ($(grep -m1 'Cipher is' "$C/s_client-aes128-sha.txt"))"
elif grep -q 'alert handshake failure' "$C/s_client-aes128-sha.txt"; then
    pass "-tls1_2 -cipher AES128-SHA refused by the server (handshake_failure alert)"
else
    fail "-tls1_2 -cipher AES128-SHA: failed without the server's alert: $(grep -m1 -i error "$C/s_client-aes128-sha.txt")"
fi
if s_client a.test "$C/s_client-tls1_2.txt" -tls1_2 -CAfile "$ROOT1" -status &&
    CIPHER12=$(grep -m1 -o 'Cipher is .*' "$C/s_client-tls1_2.txt") &&
    [[ $CIPHER12 =~ Cipher\ is\ ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$ ]]; then
    pass "-tls1_2: $CIPHER12 (ECDHE with GCM or ChaCha20)"
else
    fail "-tls1_2: $(grep -m1 -E 'Cipher is|error' "$C/s_client-tls1_2.txt")"
fi
if s_client a.test "$C/s_client-tls1_3.txt" -tls1_3 -CAfile "$ROOT1" -status &&
    grep -q 'New, TLSv1.3' "$C/s_client-tls1_3.txt"; then
    pass "-tls1_3: $(grep -m1 -o 'Cipher is .*' "$C/s_client-tls1_3.txt"), $(grep -m1 -o 'Server Temp Key: .*' "$C/s_client-tls1_3.txt" || echo 'key exchange not shown')"
else
    fail "-tls1_3: $(grep -m1 -E 'Cipher is|error' "$C/s_client-tls1_3.txt")"
fi
info "OCSP stapling (not required): $(grep -m1 -o 'OCSP response: .*' "$C/s_client-tls1_3.txt" || echo 'not reported')"

# ---------------------------------------------------------------------------------------------------------------
step "3: @google/genai and openai at https://a.test:$TLS_PORT (NODE_EXTRA_CA_CERTS = pebble's root)"
LOOKUPS=$C/node-lookups.txt
: >"$LOOKUPS"
set +e
(
    cd "$HERE"
    NODE_OPTIONS="--require \"$HERE/resolve-test-names.cjs\"" TLS_E2E_LOOKUP_LOG="$LOOKUPS" \
        NODE_EXTRA_CA_CERTS="$ROOT1" TLS_E2E_BASE_URL="https://a.test:$TLS_PORT" TLS_E2E_FAKE_URL="$H_FAKE_URL" \
        TLS_E2E_ACCESS_TOKEN="$TOKEN" TLS_E2E_POOL_KEY="$POOL_KEY" TLS_E2E_ROOT="$ROOT1" \
        node --test --test-reporter=spec "$HERE/clients.mjs"
) >"$C/node-clients.out" 2>&1
NODE_RC=$?
set -e
sed 's/^/      /' "$C/node-clients.out"
if [ "$NODE_RC" -eq 0 ]; then
    pass "real clients over HTTPS and wss:// ($(grep -c '^ *✔' "$C/node-clients.out") passed; a.test looked up $(grep -c ' a.test$' "$LOOKUPS") times through the test resolver)"
else
    fail "real clients over HTTPS (node exit $NODE_RC; see above)"
fi

# ---------------------------------------------------------------------------------------------------------------
step "4: the CA unreachable; c.test added"
stop_pid "$PEBBLE_PID"
info "pebble stopped"

# check_backoff TAG STATUS_FILE: lastError names the unreachable directory, nextRenewal is a retry soon (backoff).
check_backoff() {
    local tag=$1 f=$2 ahead
    if js "$f" 'j.listener.lastError ?? ""' | grep -qF "$DIRECTORY_URL"; then
        pass "[$tag] GET /tls lastError names the unreachable directory: $(js "$f" j.listener.lastError)"
    else
        fail "[$tag] GET /tls lastError does not name $DIRECTORY_URL: '$(js "$f" 'j.listener.lastError ?? ""')'"
    fi
    ahead=$(js "$f" 'Math.round((Date.parse(j.listener.nextRenewal) - Date.now()) / 1000)')
    if [[ $ahead =~ ^[0-9]+$ ]] && [ "$ahead" -ge 10 ] && [ "$ahead" -le 600 ]; then
        pass "[$tag] GET /tls nextRenewal $(js "$f" j.listener.nextRenewal): a retry in ${ahead} s (backoff)"
    else
        fail "[$tag] GET /tls nextRenewal '$(js "$f" 'j.listener.nextRenewal ?? ""')' is ${ahead} s ahead: not a backoff retry (10..600 s)"
    fi
}

step "4a: c.test added while the daemon runs (config file watched)"
cli set-domains-live config set listen.tls.acme.domains "$NAMES2" >/dev/null
if harness_wait_line "$H_TMP/daemon.log" "config applied: listen.tls.acme.domains" "$H_DAEMON_PID" 10 >/dev/null; then
    pass "[live] the daemon applied listen.tls.acme.domains = $NAMES2"
else
    fail "[live] the daemon did not apply the new listen.tls.acme.domains within 10 s"
fi
BUG=live-domains
if harness_wait_line "$H_TMP/daemon.log" "ACME: " "$H_DAEMON_PID" 10 >/dev/null; then
    pass "[live] the daemon tried to order for $NAMES2 and failed: $(grep -m1 'ACME: ' "$H_TMP/daemon.log" | sed 's/^.*ACME: //')"
else
    fail "[live] no order attempt for $NAMES2 within 10 s of the change (the daemon logged: $(grep -E 'certificate|ACME' "$H_TMP/daemon.log" | tail -2 | sed 's/^[^ ]* //' | tr '\n' ';'))"
fi
tls_status live-down
check_backoff live "$C/http-tls-live-down.json"
BUG=""
check_served "$ROOT1" live-down a.test b.test

step "4b: the daemon restarted with acme.domains $NAMES2 while the CA is down"
cli tls-status-before-restart tls status >/dev/null || true
stop_pid "$H_DAEMON_PID"
mv "$H_TMP/daemon.log" "$H_TMP/daemon-1.log"
harness_start_daemon "$G"
RESTART_MS=$(now_ms)
if harness_wait_line "$H_TMP/daemon.log" "ACME: " "$H_DAEMON_PID" 15 >/dev/null; then
    pass "[restart] the order failed: $(grep -m1 'ACME: ' "$H_TMP/daemon.log" | sed 's/^.*ACME: //')"
else
    fail "[restart] no failed order within 15 s of the start"
fi
tls_status restart-down
check_backoff restart "$C/http-tls-restart-down.json"
BUG=restart-keeps-cert
check_served "$ROOT1" restart-down a.test b.test
if [ "$(js "$C/http-tls-restart-down.json" '[j.listener.present, j.listener.source, [...(j.listener.names ?? [])].sort().join()].join(" ")')" = "true acme $NAMES1" ]; then
    pass "[restart] GET /tls: the ACME certificate for $NAMES1 is still present while the new order waits"
else
    fail "[restart] GET /tls: the certificate in hand is not reported as in service: $(cat "$C/http-tls-restart-down.json")"
fi
BUG=""
cli tls-status-down tls status || true

step "4c: pebble back on the same port (a new root); the daemon's retry"
start_pebble pebble-2
ROOT2=$ROOT
RETRY_IN=$(js "$C/http-tls-restart-down.json" 'Math.round((Date.parse(j.listener.nextRenewal) - Date.now()) / 1000)' || echo x)
if [[ $RETRY_IN =~ ^[0-9]+$ ]] && [ "$RETRY_IN" -le 100 ]; then
    info "waiting up to $((RETRY_IN + 30)) s for the retry due in $RETRY_IN s"
    if harness_wait_line "$H_TMP/daemon.log" "ACME certificate in service" "$H_DAEMON_PID" $((RETRY_IN + 30)) >/dev/null; then
        pass "[retry] a certificate for $NAMES2 in service $(( ($(now_ms) - RESTART_MS) / 1000 )) s after the restart (first retry on the backoff)"
    else
        fail "[retry] no certificate within $((RETRY_IN + 30)) s (the retry was due in $RETRY_IN s)"
    fi
    tls_status renewed
    if [ "$(js "$C/http-tls-renewed.json" '[j.listener.present, j.listener.source, [...(j.listener.names ?? [])].sort().join(), !j.listener.lastError].join(" ")')" = "true acme $NAMES2 true" ]; then
        pass "[retry] GET /tls: present, source acme, names $NAMES2, lastError cleared"
    else
        fail "[retry] GET /tls: $(cat "$C/http-tls-renewed.json")"
    fi
    check_served "$ROOT2" renewed a.test b.test c.test
    https_get a.test "$ROOT1" renewed-old-root >/dev/null
    if [ "$CURL_RC" = 60 ]; then
        pass "[retry] the new certificate chains to pebble's new root only (the old root: curl exit 60)"
    else
        fail "[retry] with pebble's first root: curl exit $CURL_RC, expected 60 (is the old certificate still served?)"
    fi
    check_chain "$ROOT2" renewed "$NAMES2"
    cp "$TLS_DIR/acme-key.pem" "$H_TMP/swept-key-2.pem" 2>/dev/null || true
else
    info "the retry is due in '$RETRY_IN' s: too far for this run; only its schedule was checked"
fi

# ---------------------------------------------------------------------------------------------------------------
step "5: leak sweep and file modes"
cli tls-status-end tls status || true
cli tls-status-json tls status --json >/dev/null || true
cli config-get config get >/dev/null || true
curl -sS --max-time 5 -H @"$H_TMP/admin.header" -o "$C/http-metrics.txt" "$H_PROXY_URL/metrics" || true
for f in acme-key.pem acme-account.key; do
    mode=$(stat -c %a "$TLS_DIR/$f" 2>/dev/null || echo missing)
    if [ "$mode" = 600 ]; then
        pass "tls/$f is mode 0600"
    else
        fail "tls/$f is mode $mode, expected 0600"
    fi
done
cp "$TLS_DIR/acme-key.pem" "$H_TMP/swept-key-end.pem"
cp "$TLS_DIR/acme-account.key" "$H_TMP/swept-account-end.pem"
# The key bodies (every base64 line of every version of the two files seen in this run) against everything
# captured: daemon stdout/stderr (daemon*.log), its log files, pebble's and the DNS server's output, the CLI
# outputs, the HTTP answers, the openssl and node outputs.
SWEPT=("$H_TMP"/*.log "$XDG_DATA_HOME"/gemini-aggregator/logs/* "$C"/* "$GEMINI_AGGREGATOR_CONFIG")
sed -n '/-----BEGIN/,/-----END/{/-----/d;p}' "$H_TMP"/swept-*.pem | awk 'length($0) >= 16' | sort -u >"$H_TMP/key-lines.txt"
KEY_LINES=$(wc -l <"$H_TMP/key-lines.txt")
KEY_VERSIONS=$(sha256sum "$H_TMP"/swept-*.pem | awk '{print $1}' | sort -u | wc -l)
# The sweep must be able to see a leak: a file holding one key line (outside the swept set) is found.
head -1 "$H_TMP/key-lines.txt" | sed 's/^/leaked: /' >"$H_TMP/sweep-canary.txt"
grep -q -F -f "$H_TMP/key-lines.txt" "$H_TMP/sweep-canary.txt" || fail "the leak sweep does not find a planted key line"
rm -f "$H_TMP/sweep-canary.txt"
LEAKS=$(grep -l -F -f "$H_TMP/key-lines.txt" "${SWEPT[@]}" 2>/dev/null || true)
PEM_MARKERS=$(grep -l 'PRIVATE KEY-----' "${SWEPT[@]}" 2>/dev/null || true)
if [ "$KEY_LINES" -gt 0 ] && [ -z "$LEAKS" ] && [ -z "$PEM_MARKERS" ]; then
    pass "no private key in ${#SWEPT[@]} captured files ($(cat "${SWEPT[@]}" | wc -c) bytes; $KEY_LINES key lines of $KEY_VERSIONS key versions; no 'PRIVATE KEY-----')"
else
    fail "private key material found: bodies in [${LEAKS//$'\n'/ }], PEM markers in [${PEM_MARKERS//$'\n'/ }] ($KEY_LINES key lines swept)"
fi

if ! kill -0 "$H_DAEMON_PID" 2>/dev/null; then
    fail "gemini-aggregatord exited during the test"
fi
echo
if [ ${#XFAILED[@]} -gt 0 ]; then
    echo "acme-e2e: ${#XFAILED[@]} check(s) failed on known daemon bugs (XFAIL; TLS_E2E_STRICT=1 fails them):"
    printf '  - %s\n' "${XFAILED[@]}"
fi
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "acme-e2e: ${#FAILED[@]} check(s) FAILED:"
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
echo "acme-e2e: all checks passed but ${#XFAILED[@]} on known daemon bugs ($SECONDS s)"
