#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Cluster mode end to end: a real redis-server (own port and dir, no persistence), one fake-gemini and three
# gemini-aggregatord nodes on loopback with cluster.redis pointing at it and the same 8 keys (4 projects, one
# group per project) imported in each. Client requests carry x-e2e-node / x-e2e-id headers, which the daemons
# forward, so the fake's request log says which node sent each upstream request. Checks (figures printed):
#   3  a file uploaded through node 1 (resumable upload) is used through node 3 and node 2 at once (generateContent
#      with its uri): each call exactly one upstream request, on the owner's project
#   2  node 2 meets an invalid key (400 API_KEY_INVALID): nodes 1 and 3 learn it (time measured) and never send it
#      a request afterwards (fake log)
#   1  node 1 gets a 429 with RetryInfo 30 s for one project and model: nodes 2 and 3 learn it within 50 ms (their
#      /admin/api/v1/keys polled back to back; the daemons' log stamps too) and send that project/model nothing for
#      28 s under load (fake log)
#   4  a token limited to 60 requests/min, used by 3 clients round robin over the nodes at 600/min for 75 s: at
#      most 60 successes in any 60 s window (client-side stamps), and at least 55 in the best one
#   5  usage: each node's /stats request counts per key = what the fake saw per key, after the load settles
#   6  a 2-minute load of 6 clients over the 3 nodes; redis-server SIGKILLed at 20 s and restarted on the same port
#      at 50 s: 0 failed requests; while down /readyz says cluster "down" with a warning, /metrics
#      ga_cluster_redis_up 0, `cluster status` state down; what node 1 learned meanwhile (an invalid key, a file's
#      owner) is known to nodes 2 and 3 within 5 s of the restart, all nodes connected again; usage (5b) still
#      matches the fake afterwards
#   6c redis-server killed again, a key cleared (keys enable) on node 1 meanwhile, node 3 held (SIGSTOP) while Redis
#      comes back so that it resyncs after node 1: the clear holds on every node
#   tests/cluster/cluster-e2e.sh FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN
# Exit: 0 all passed, 1 a failure, 77 redis-server, curl or node (>= 20) missing, or a daemon built without hiredis.
# H_KEEP_TMP=1 keeps the sandbox (logs, configs, client records) for a look afterwards.
set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 FAKE_GEMINI_BIN GEMINI_AGGREGATORD_BIN" >&2
    exit 2
fi
FAKE_BIN=$(realpath "$1")
G=$(realpath "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT=$HERE/cluster-client.mjs

missing=()
for tool in redis-server curl node; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "SKIP: the cluster e2e test needs ${missing[*]} (installer/bootstrap.sh deps installs them)"
    exit 77
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "SKIP: node $(node --version) is too old (>= 20)"
    exit 77
fi
for bin in "$FAKE_BIN" "$G"; do
    [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
done

# shellcheck source-path=SCRIPTDIR source=../e2e/harness.sh
source "$HERE/../e2e/harness.sh"
harness_init
umask 077
TEST_START_MS=$(date +%s%3N)

M=gemini-2.5-pro # the model of the 429 (point 1)
N=gemini-2.5-flash # every other call
FAILED=()
pass() { printf 'PASS  %s\n' "$*"; }
fail() { printf 'FAIL  %s\n' "$*"; FAILED+=("$*"); }
info() { printf '      %s\n' "$*"; }
step() { printf '\n== [%s s] %s\n' "$(( ($(date +%s%3N) - TEST_START_MS) / 1000 ))" "$*"; }
now_ms() { date +%s%3N; }
# pause_until EPOCH_MS: a fixed point of the scenario (not a poll), kept with a node timer.
pause_until() { node -e 'setTimeout(() => {}, Math.max(0, Number(process.argv[1]) - Date.now()))' "$1"; }
# rel MS BASE: MS - BASE in ms with one decimal ("n/a" when MS is empty or null).
rel() { if [ -z "$1" ] || [ "$1" = null ]; then echo n/a; else node -p "($1 - $2).toFixed(1)"; fi; }
# first_send FILE: the earliest send time in a load's records.
first_send() {
    node -e 'console.log(Math.min(...require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean)
        .map((l) => JSON.parse(l).sendMs)))' "$1"
}
# js JSON EXPR: EXPR evaluated on JSON (as `j`); objects printed as JSON.
js() {
    # shellcheck disable=SC2016 # JavaScript, not shell
    node -e 'const j = JSON.parse(process.argv[1]);
        const v = new Function("j", "return (" + process.argv[2] + ");")(j);
        console.log(typeof v === "object" ? JSON.stringify(v) : String(v));' "$1" "$2"
}

# ---------------------------------------------------------------------------------------------------------------
# The nodes: each its own config, data dir (file secret store, state) and log.
node_env() { # N: the environment of node N's daemon and CLI
    local d=$H_TMP/node$1
    printf '%s\n' "HOME=$d/home" "XDG_CONFIG_HOME=$d/home/.config" "XDG_DATA_HOME=$d/data" \
        "GEMINI_AGGREGATOR_CONFIG=$d/config.json"
}
g() { # N ARGS...: the CLI with node N's config
    local n=$1
    shift
    local envs
    mapfile -t envs < <(node_env "$n")
    env "${envs[@]}" "$G" "$@"
}
admin() { # N PATH [CURL ARGS...]: GET on node N's admin API (token from a file, not argv)
    local n=$1 path=$2
    shift 2
    curl -sS --max-time 10 -H @"$H_TMP/node$n/admin.header" "$@" "${NODE_URL[n]}$path"
}
client() { # COMMAND JSON: the node helper
    CLUSTER_E2E_CONFIG=$H_TMP/cluster.json node "$CLIENT" "$@"
}
check() { # COMMAND JSON: a helper check; its PASS/FAIL lines are printed and its failures counted
    local out rc=0
    out=$(client "$@" 2>&1) || rc=$?
    printf '%s\n' "$out"
    while IFS= read -r line; do
        FAILED+=("${line#FAIL  }")
    done < <(grep '^FAIL  ' <<<"$out" || true)
    if [ "$rc" -ne 0 ] && ! grep -q '^FAIL  ' <<<"$out"; then
        fail "helper '$1' exited with $rc"
    fi
}
key_id() { # N LABEL: the key's id on node N (ids differ between nodes; labels and fingerprints do not)
    js "$(cat "$H_TMP/node$1/keys.json")" "j.find((k) => k.label === '$2').id"
}
log_ms() { # FILE TEXT: epoch ms of the first log line containing TEXT (empty when none)
    local line
    line=$(grep -m1 -F -- "$2" "$1" || true)
    if [ -n "$line" ]; then
        date -d "${line%% *}" +%s%3N
    fi
}
forget_pid() { # PID: no longer stopped on exit (it ended: its number may be reused)
    local keep=() p
    for p in "${H_PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    H_PIDS=("${keep[@]}")
}
kill_redis() { # SIGKILL to redis-server, reaped (the shell's "Killed" notice silenced)
    { kill -KILL "$REDIS_PID" && wait "$REDIS_PID"; } 2>/dev/null || true
    forget_pid "$REDIS_PID"
}
spawn_redis() { # LOGNAME: redis-server on $REDIS_PORT, its own dir, no persistence; waits until it accepts
    harness_spawn "$1" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --dir "$H_TMP/redis" --protected-mode yes
    REDIS_PID=$H_SPAWNED_PID
    harness_wait_line "$H_TMP/$1.log" "Ready to accept connections" "$REDIS_PID" 20 >/dev/null
}
# watch NAME JSON_CONDITIONS TIMEOUT_MS INTERVAL_MS: starts the helper's watcher in the background and returns
# once it polls (sets WATCH_PID; the result goes to $H_TMP/watch-NAME.json).
watch_start() {
    harness_spawn "watch-$1" env CLUSTER_E2E_CONFIG="$H_TMP/cluster.json" node "$CLIENT" watch \
        "{\"conditions\": $2, \"timeoutMs\": $3, \"intervalMs\": $4, \"out\": \"$H_TMP/watch-$1.json\"}"
    WATCH_PID=$H_SPAWNED_PID
    harness_wait_line "$H_TMP/watch-$1.log" watching "$WATCH_PID" 20 >/dev/null
}
# trigger_bg NAME JSON: the helper's trigger in the background (it goes on with its `follow` loads); returns once
# it has printed its result line (in TRIG_RESULT; its pid in TRIG_PID).
trigger_bg() {
    harness_spawn "trigger-$1" env CLUSTER_E2E_CONFIG="$H_TMP/cluster.json" node "$CLIENT" trigger "$2"
    TRIG_PID=$H_SPAWNED_PID
    TRIG_RESULT=$(harness_wait_line "$H_TMP/trigger-$1.log" '"tMs"' "$TRIG_PID" 30)
}
watch_result() { # NAME CONDITION FIELD
    js "$(cat "$H_TMP/watch-$1.json")" "j['$2'].$3"
}

# ---------------------------------------------------------------------------------------------------------------
step "setup: redis-server, fake-gemini, 3 nodes with the same 8 keys (4 projects) and tokens"
REDIS_PORT=$(harness_free_port)
mkdir -p "$H_TMP/redis"
spawn_redis redis
info "redis-server $(redis-server --version | grep -o 'v=[^ ]*') (pid $REDIS_PID) on 127.0.0.1:$REDIS_PORT, --save '' --appendonly no"

LABELS=(A1 A2 B1 B2 C1 C2 D1 D2)
declare -A KEY=() PROJECT=()
FAKE_ARGS=()
echo 'key,label,weight,group' >"$H_TMP/keys.csv"
for label in "${LABELS[@]}"; do
    KEY[$label]=$(harness_gen_key)
    PROJECT[$label]=p${label:0:1}
    FAKE_ARGS+=(--key "${KEY[$label]}@${PROJECT[$label]}")
    printf '%s,%s,1,%s\n' "${KEY[$label]}" "$label" "${PROJECT[$label]}" >>"$H_TMP/keys.csv"
done
harness_start_fake "$FAKE_BIN" --threads 2 "${FAKE_ARGS[@]}"

# One access token for ordinary traffic and one limited to 60 requests per minute: the same values on every node.
gen_token() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 43; }
TOKEN=e2e_$(gen_token)
LIMITED_TOKEN=team_$(gen_token)
declare -a NODE_URL=() NODE_PID=()
for n in 1 2 3; do
    mkdir -p "$H_TMP/node$n/home" "$H_TMP/node$n/data"
    port=$(harness_free_port)
    g "$n" config set upstream.baseUrl "$H_FAKE_URL" >/dev/null
    g "$n" config set listen.host 127.0.0.1 >/dev/null
    g "$n" config set listen.port "$port" >/dev/null
    g "$n" config set cluster.redis "redis://127.0.0.1:$REDIS_PORT/0" >/dev/null
    g "$n" keys import "$H_TMP/keys.csv" >"$H_TMP/node$n/import.out"
    printf %s "$TOKEN" | g "$n" token add e2e --from-stdin >>"$H_TMP/setup-node$n.log" 2>&1
    printf %s "$LIMITED_TOKEN" | g "$n" token add team --requests-per-minute 60 --from-stdin >>"$H_TMP/setup-node$n.log" 2>&1
    printf 'Authorization: Bearer %s\n' "$(g "$n" token show --admin 2>/dev/null | tail -1)" >"$H_TMP/node$n/admin.header"
done
info "keys imported on each node: ${LABELS[*]} in projects pA pB pC pD (group = project; key-shaped, made at run time)"
for n in 1 2 3; do
    mapfile -t envs < <(node_env "$n")
    env "${envs[@]}" "$G" run >"$H_TMP/node$n.log" 2>&1 &
    NODE_PID[n]=$!
    H_PIDS+=("${NODE_PID[n]}")
done
for n in 1 2 3; do
    line=$(harness_wait_line "$H_TMP/node$n.log" "ready: listening on http://" "${NODE_PID[n]}" 30)
    url=${line##*ready: listening on }
    url=${url%%[[:space:]]*}
    NODE_URL[n]=${url%/}
done
for n in 1 2 3; do
    if ! harness_wait_line "$H_TMP/node$n.log" "resynced with the cluster" "${NODE_PID[n]}" 15 >/dev/null; then
        status=$(admin "$n" /admin/api/v1/cluster || true)
        if grep -q hiredis <<<"$status"; then
            echo "SKIP: this gemini-aggregatord was built without hiredis (no cluster mode): $status"
            exit 77
        fi
        echo "node $n did not join the cluster: $status" >&2
        exit 1
    fi
    admin "$n" /admin/api/v1/keys >"$H_TMP/node$n/keys.json"
    if [ "$(js "$(cat "$H_TMP/node$n/keys.json")" "j.map((k) => k.label).sort().join(' ')")" != "${LABELS[*]}" ]; then
        echo "node $n does not have the 8 keys: $(cat "$H_TMP/node$n/keys.json"); import: $(cat "$H_TMP/node$n/import.out")" >&2
        exit 1
    fi
    info "node $n (pid ${NODE_PID[n]}) at ${NODE_URL[n]}: $(admin "$n" /admin/api/v1/cluster)"
done

# The helper's view of the sandbox (mode 0600: it holds the test keys and tokens).
{
    printf '{"fake": "%s", "token": "%s", "limitedToken": "%s", "nodes": [' "$H_FAKE_URL" "$TOKEN" "$LIMITED_TOKEN"
    for n in 1 2 3; do
        printf '%s{"url": "%s", "admin": "%s"}' "$([ "$n" = 1 ] || echo ,)" "${NODE_URL[n]}" \
            "$(sed 's/^Authorization: Bearer //' "$H_TMP/node$n/admin.header")"
    done
    printf '], "keys": {'
    for i in "${!LABELS[@]}"; do
        label=${LABELS[i]}
        printf '%s"%s": {"key": "%s", "project": "%s"}' "$([ "$i" = 0 ] || echo ,)" "$label" "${KEY[$label]}" \
            "${PROJECT[$label]}"
    done
    printf '}}\n'
} >"$H_TMP/cluster.json"

# ---------------------------------------------------------------------------------------------------------------
step "3: a file uploaded through node 1 is used through node 3 (and node 2) at once, on the owner's project"
FILE=$(client upload "{\"node\": 1, \"phase\": \"p3\", \"uses\": [{\"node\": 3, \"n\": 5}, {\"node\": 2, \"n\": 3}],
    \"model\": \"$N\", \"out\": \"$H_TMP/p3-uses.json\"}")
info "uploaded through node 1: $FILE"
check check-file "{\"file\": $FILE, \"phase\": \"p3\", \"uses\": \"$H_TMP/p3-uses.json\"}"

# ---------------------------------------------------------------------------------------------------------------
step "2: node 2 meets an invalid key (B1); nodes 1 and 3 skip it at once"
watch_start p2 '[{"name": "n1", "node": 1, "kind": "keyState", "label": "B1", "state": "invalid"},
    {"name": "n3", "node": 3, "kind": "keyState", "label": "B1", "state": "invalid"}]' 5000 0
# At once (as soon as the fake's log shows the 400): traffic through nodes 1 and 3 for 3 s (480 requests; B1 would
# get ~60 of them unmarked).
trigger_bg p2 "{\"node\": 2, \"labels\": [\"B1\"], \"status\": 400, \"model\": \"$N\", \"phase\": \"p2trigger\",
    \"burst\": 1, \"rounds\": 16, \"scripts\": {\"B1\": {\"behaviour\": \"invalid\"}},
    \"follow\": [{\"phase\": \"p2\", \"nodes\": [1, 3], \"clients\": 4, \"periodMs\": 25, \"durationMs\": 3000,
        \"models\": [\"$N\"], \"token\": \"default\", \"out\": \"$H_TMP/load-p2.jsonl\"}]}"
T2=$TRIG_RESULT
T_INV=$(js "$T2" j.tMs)
info "node 2 sent B1 a request that got 400 API_KEY_INVALID (fake stamp $T_INV) after $(js "$T2" j.requests) client request(s), client statuses $(js "$T2" j.clientStatuses)"
wait "$TRIG_PID"
wait "$WATCH_PID" || true
for n in 1 3; do
    if [ "$(watch_result p2 "n$n" matched)" = true ]; then
        first=$(watch_result p2 "n$n" firstMatchRecvMs)
        miss=$(watch_result p2 "n$n" lastMissRecvMs)
        learned=$(log_ms "$H_TMP/node$n.log" "key $(key_id "$n" B1) is now invalid (learned from the cluster)")
        marked=$(log_ms "$H_TMP/node2.log" "key $(key_id 2 B1) is now invalid")
        info "node $n: /keys said B1 invalid $(rel "$first" "$T_INV") ms after the fake got node 2's request (the poll before, answered at $(rel "$miss" "$T_INV") ms, said not yet; $(watch_result p2 "n$n" polls) polls); log stamps: node 2 marked it at $(rel "$marked" "$T_INV") ms, node $n learned it at $(rel "$learned" "$T_INV") ms"
        pass "[2] node $n learned B1 is invalid from the cluster within $(rel "$first" "$T_INV") ms"
    else
        fail "[2] node $n never showed B1 as invalid within 5 s of node 2's 400"
    fi
done
info "client load through nodes 1 and 3 right after: $(tail -1 "$H_TMP/trigger-p2.log"), the first sent $(rel "$(first_send "$H_TMP/load-p2.jsonl")" "$T_INV") ms after the fake's stamp"
# (the fake-log check of point 2 runs at the end, over the whole test: see below)

# ---------------------------------------------------------------------------------------------------------------
step "1: node 1 gets a 429 with RetryInfo 30 s for project pA and $M; nodes 2 and 3 learn it and keep off it"
watch_start p1 '[{"name": "n2", "node": 2, "kind": "keyState", "label": "A1", "state": "cooling"},
    {"name": "n3", "node": 3, "kind": "keyState", "label": "A1", "state": "cooling"}]' 5000 0
RL='{"behaviour": "rateLimited", "retryDelay": "30s"}'
# The observation load starts at once: 4 clients over nodes 2 and 3, $M and $N in turn, until 28.5 s after the 429.
trigger_bg p1 "{\"node\": 1, \"labels\": [\"A1\", \"A2\"], \"status\": 429, \"model\": \"$M\",
    \"phase\": \"p1trigger\", \"burst\": 1, \"rounds\": 16, \"scripts\": {\"A1\": $RL, \"A2\": $RL},
    \"after\": {\"A1\": {\"behaviour\": \"normal\"}, \"A2\": {\"behaviour\": \"normal\"}},
    \"follow\": [{\"phase\": \"p1\", \"nodes\": [2, 3], \"clients\": 4, \"periodMs\": 100, \"untilAfterHitMs\": 28500,
        \"models\": [\"$M\", \"$N\"], \"token\": \"default\", \"out\": \"$H_TMP/load-p1.jsonl\"}]}"
T1=$TRIG_RESULT
LOAD1_PID=$TRIG_PID
T429=$(js "$T1" j.tMs)
info "node 1 sent $(js "$T1" j.label) ($M) a request that got 429 RESOURCE_EXHAUSTED, RetryInfo 30s (fake stamp $T429); pA answers normally again $(js "$T1" "(j.doneMs - $T429).toFixed(1)") ms later, so any later request to it shows in the log as a 200"
# Point 4's load runs meanwhile (it uses $M too: its upstream requests count in point 1's check as well).
harness_spawn load-p4 env CLUSTER_E2E_CONFIG="$H_TMP/cluster.json" node "$CLIENT" load \
    "{\"phase\": \"p4\", \"nodes\": [1, 2, 3], \"clients\": 3, \"periodMs\": 300, \"durationMs\": 75000,
      \"models\": [\"$M\", \"$N\"], \"token\": \"limited\", \"out\": \"$H_TMP/load-p4.jsonl\"}"
LOAD4_PID=$H_SPAWNED_PID
wait "$WATCH_PID" || true
for n in 2 3; do
    if [ "$(watch_result p1 "n$n" matched)" = true ]; then
        first=$(watch_result p1 "n$n" firstMatchRecvMs)
        firstSend=$(watch_result p1 "n$n" firstMatchSendMs)
        miss=$(watch_result p1 "n$n" lastMissRecvMs)
        lat=$(rel "$first" "$T429")
        learned=$(log_ms "$H_TMP/node$n.log" "key $(key_id "$n" A1) is now cooling (learned from the cluster)")
        cooled=$(log_ms "$H_TMP/node1.log" "is now cooling - $M cooling until")
        info "node $n: the first /keys answer saying A1 cooling came $lat ms after the fake got the 429'd request (that poll was sent at $(rel "$firstSend" "$T429") ms; the one before, answered at $(rel "$miss" "$T429") ms, said active; $(watch_result p1 "n$n" polls) polls); log stamps (whole ms): node 1 cooled pA at $(rel "$cooled" "$T429") ms, node $n learned it at $(rel "$learned" "$T429") ms"
        if [ "$(node -p "$first - $T429 <= 50")" = true ]; then
            pass "[1] node $n learned the cooldown within $lat ms of node 1's 429 (<= 50 ms)"
        else
            fail "[1] node $n learned the cooldown only $lat ms after node 1's 429 (> 50 ms)"
        fi
    else
        fail "[1] node $n never showed A1 (project pA) cooling within 5 s of node 1's 429"
    fi
done
info "waiting for the 28 s observation window to end (load through nodes 2 and 3 meanwhile)"
wait "$LOAD1_PID"
info "$(tail -1 "$H_TMP/trigger-p1.log"), the first sent $(rel "$(first_send "$H_TMP/load-p1.jsonl")" "$T429") ms after the 429's stamp"
check check-cooldown "{\"t429\": $T429, \"label\": \"A1\", \"model\": \"$M\", \"otherModel\": \"$N\", \"nodes\": [2, 3],
    \"windowMs\": 28000}"

# ---------------------------------------------------------------------------------------------------------------
step "4: the token limited to 60 requests/min, 3 clients round robin over the 3 nodes at 600/min for 75 s"
wait "$LOAD4_PID"
info "$(tail -1 "$H_TMP/load-p4.log")"
check check-ratelimit "{\"files\": [\"$H_TMP/load-p4.jsonl\"], \"limit\": 60, \"minExpected\": 55}"

step "5: usage totals from each node = the upstream requests the fake saw (after the load settles)"
check check-usage "{\"tag\": \"a\", \"waitMs\": 5000, \"clientFiles\": [\"$H_TMP/load-p2.jsonl\", \"$H_TMP/load-p1.jsonl\",
    \"$H_TMP/load-p4.jsonl\"]}"

# ---------------------------------------------------------------------------------------------------------------
step "6: redis-server SIGKILLed during a 2-minute load over the 3 nodes, then restarted on the same port"
HOLD=$H_TMP/hold-nodes-2-3
harness_spawn load-p6 env CLUSTER_E2E_CONFIG="$H_TMP/cluster.json" node "$CLIENT" load \
    "{\"phase\": \"p6\", \"nodes\": [1, 2, 3], \"clients\": 6, \"periodMs\": 50, \"durationMs\": 120000,
      \"models\": [\"$N\", \"$M\"], \"token\": \"default\", \"out\": \"$H_TMP/load-p6.jsonl\",
      \"holdFile\": \"$HOLD\", \"holdNodes\": [2, 3]}"
LOAD6_PID=$H_SPAWNED_PID
harness_wait_line "$H_TMP/load-p6.log" "started" "$LOAD6_PID" 20 >/dev/null
LOAD6_START=$(now_ms)
pause_until $((LOAD6_START + 20000))

watch_start p6down '[{"name": "n1", "node": 1, "kind": "clusterState", "state": "down"},
    {"name": "n2", "node": 2, "kind": "clusterState", "state": "down"},
    {"name": "n3", "node": 3, "kind": "clusterState", "state": "down"}]' 10000 5
KILL_MS=$(now_ms)
kill_redis
info "redis-server (pid $REDIS_PID) killed with SIGKILL at +$(( (KILL_MS - LOAD6_START) / 1000 )) s of the load"
wait "$WATCH_PID" || true
for n in 1 2 3; do
    if [ "$(watch_result p6down "n$n" matched)" = true ]; then
        info "node $n: cluster state down $(rel "$(watch_result p6down "n$n" firstMatchRecvMs)" "$KILL_MS") ms after the kill"
    else
        fail "[6] node $n did not report cluster state down within 10 s of the kill"
    fi
done
for n in 1 2 3; do
    ready=$(curl -sS --max-time 5 "${NODE_URL[n]}/readyz" || true)
    if [ "$(js "$ready" 'j.cluster === "down" && (j.warnings || []).length > 0 && j.ready')" = true ]; then
        pass "[6] node $n /readyz while Redis is down: cluster \"down\", ready, warning: $(js "$ready" 'j.warnings[0]')"
    else
        fail "[6] node $n /readyz while Redis is down: $(tr -d '\n' <<<"$ready")"
    fi
    up=$(admin "$n" /metrics | grep '^ga_cluster_redis_up ' || true)
    if [ "$up" = "ga_cluster_redis_up 0" ]; then
        pass "[6] node $n /metrics: $up"
    else
        fail "[6] node $n /metrics while Redis is down: '${up:-no ga_cluster_redis_up}'"
    fi
    cs=$(GEMINI_AGGREGATOR_ADMIN_TOKEN=$(sed 's/^Authorization: Bearer //' "$H_TMP/node$n/admin.header") \
        g "$n" --remote "${NODE_URL[n]}" cluster status 2>&1 || true)
    if [ "$(js "$cs" 'j.cluster.state')" = down ]; then
        pass "[6] node $n 'cluster status' (--remote): state down, lastError '$(js "$cs" 'j.cluster.lastError')'"
    else
        fail "[6] node $n 'cluster status' while Redis is down: $(tr -d '\n' <<<"$cs")"
    fi
done
for n in 1 2 3; do
    if grep -q "warning ga.cluster: Redis at .* is unreachable" "$H_TMP/node$n.log"; then
        info "node $n logged: $(grep -m1 "warning ga.cluster: Redis at .* is unreachable" "$H_TMP/node$n.log" | cut -d' ' -f2-)"
    else
        fail "[6] node $n logged no warning about the unreachable Redis"
    fi
done

# What node 1 learns while Redis is down. Nodes 2 and 3 hold their requests for the moment node 1 meets C1's
# 400 (C1 answers normally again at once), so that they cannot learn it themselves: only the cluster can tell them.
touch "$HOLD"
harness_wait_line "$H_TMP/load-p6.log" "hold acknowledged" "$LOAD6_PID" 10 >/dev/null
T6=$(client trigger "{\"node\": 1, \"labels\": [\"C1\"], \"status\": 400, \"model\": \"$N\", \"phase\": \"p6trigger\",
    \"burst\": 10, \"rounds\": 5, \"scripts\": {\"C1\": {\"behaviour\": \"invalid\"}},
    \"after\": {\"C1\": {\"behaviour\": \"normal\"}}}")
rm -f "$HOLD"
HOLD_MS=$(js "$T6" '(j.doneMs - j.scriptedMs).toFixed(0)')
info "node 1 met C1's 400 API_KEY_INVALID while Redis was down ($(js "$T6" j.requests) requests through node 1; nodes 2 and 3 held for ${HOLD_MS} ms)"
CT=$(client crosstalk "{\"label\": \"C1\", \"from\": $(js "$T6" 'Math.floor(j.scriptedMs)'), \"to\": $(js "$T6" 'Math.ceil(j.doneMs)'), \"nodes\": [2, 3]}")
[ "$(js "$CT" j.n)" = 0 ] || fail "[6] nodes 2/3 sent C1 requests while it was scripted invalid: $CT (the check below is void)"
FILE6=$(client upload '{"node": 1, "phase": "p6file"}')
FILE6_NAME=$(js "$FILE6" j.name)
info "uploaded $FILE6_NAME through node 1 while Redis was down"
for n in 2 3; do
    admin "$n" /admin/api/v1/keys >"$H_TMP/node$n/keys-down.json"
    admin "$n" /admin/api/v1/files >"$H_TMP/node$n/files-down.json"
    info "node $n while Redis is down: C1 $(js "$(cat "$H_TMP/node$n/keys-down.json")" "j.find((k) => k.label === 'C1').state"), knows $FILE6_NAME: $(js "$(cat "$H_TMP/node$n/files-down.json")" "j.some((f) => f.name === '$FILE6_NAME')")"
done

pause_until $((LOAD6_START + 50000))
watch_start p6up "[{\"name\": \"up1\", \"node\": 1, \"kind\": \"clusterState\", \"state\": \"connected\"},
    {\"name\": \"up2\", \"node\": 2, \"kind\": \"clusterState\", \"state\": \"connected\"},
    {\"name\": \"up3\", \"node\": 3, \"kind\": \"clusterState\", \"state\": \"connected\"},
    {\"name\": \"inv2\", \"node\": 2, \"kind\": \"keyState\", \"label\": \"C1\", \"state\": \"invalid\"},
    {\"name\": \"inv3\", \"node\": 3, \"kind\": \"keyState\", \"label\": \"C1\", \"state\": \"invalid\"},
    {\"name\": \"file2\", \"node\": 2, \"kind\": \"file\", \"file\": \"$FILE6_NAME\"},
    {\"name\": \"file3\", \"node\": 3, \"kind\": \"file\", \"file\": \"$FILE6_NAME\"}]" 10000 10
RESTART_MS=$(now_ms)
spawn_redis redis-2
info "redis-server restarted on port $REDIS_PORT (pid $REDIS_PID) at +$(( (RESTART_MS - LOAD6_START) / 1000 )) s of the load, $(( (RESTART_MS - KILL_MS) / 1000 )) s after the kill; accepting connections $(( $(date -d "$(grep -m1 'Ready to accept' "$H_TMP/redis-2.log" | awk '{print $2, $3, $4, $5}')" +%s%3N) - RESTART_MS )) ms after the start"
wait "$WATCH_PID" || true
describe() {
    case $1 in
    up*) echo "node ${1#up}: cluster state connected again" ;;
    inv*) echo "node ${1#inv} knows C1 is invalid (node 1 learned it while Redis was down)" ;;
    file*) echo "node ${1#file} knows the owner of $FILE6_NAME (uploaded through node 1 while Redis was down)" ;;
    esac
}
for c in up1 up2 up3 inv2 inv3 file2 file3; do
    if [ "$(watch_result p6up "$c" heldAtFirstPoll)" = true ]; then
        fail "[6] $(describe "$c") already before the restart: the check is void"
    elif [ "$(watch_result p6up "$c" matched)" = true ]; then
        after=$(node -p "Math.round($(watch_result p6up "$c" firstMatchRecvMs) - $RESTART_MS)")
        if [ "$after" -le 5000 ]; then
            pass "[6] $(describe "$c") ${after} ms after redis-server was started again (<= 5000)"
        else
            fail "[6] $(describe "$c") only ${after} ms after redis-server was started again (> 5000)"
        fi
    else
        fail "[6] $(describe "$c"): not within 10 s of redis-server's restart"
    fi
done
# Still so a few seconds later, on every node (node 1 too).
pause_until $(( $(now_ms) + 3000 ))
for n in 1 2 3; do
    admin "$n" /admin/api/v1/keys >"$H_TMP/node$n/keys-after.json"
    state=$(js "$(cat "$H_TMP/node$n/keys-after.json")" "j.find((k) => k.label === 'C1').state")
    if [ "$state" = invalid ]; then
        pass "[6] node $n 3 s after the resync: C1 invalid"
    else
        fail "[6] node $n 3 s after the resync: C1 $state (expected invalid)"
    fi
    cs=$(admin "$n" /admin/api/v1/cluster)
    ready=$(curl -sS --max-time 5 "${NODE_URL[n]}/readyz" || true)
    up=$(admin "$n" /metrics | grep '^ga_cluster_redis_up ' || true)
    # shellcheck disable=SC2016 # a JavaScript template string
    info "node $n: $(js "$cs" '`state ${j.cluster.state}, reconnects ${j.cluster.reconnects}, lastResyncMs ${j.cluster.lastResyncMs}, published ${j.cluster.published}, received ${j.cluster.received}`'); /readyz cluster $(js "$ready" 'j.cluster + ", warnings " + (j.warnings || []).length'); $up"
    if [ "$(js "$cs" 'j.cluster.state === "connected" && j.cluster.reconnects >= 1')" != true ] ||
        [ "$(js "$ready" 'j.cluster === "connected" && !(j.warnings || []).length')" != true ] || [ "$up" != "ga_cluster_redis_up 1" ]; then
        fail "[6] node $n after the resync: cluster $(tr -d '\n' <<<"$cs"), /readyz $(tr -d '\n' <<<"$ready"), $up"
    fi
done
for n in 1 2 3; do
    info "node $n log: $(grep -E 'ga.cluster: (Redis at .* is back|resynced)' "$H_TMP/node$n.log" | tail -2 | cut -d' ' -f1,4- | tr '\n' ';')"
done

info "the load goes on until 2 minutes"
wait "$LOAD6_PID"
info "$(tail -1 "$H_TMP/load-p6.log")"
check check-load "{\"files\": [\"$H_TMP/load-p6.jsonl\"], \"killMs\": $KILL_MS, \"restartMs\": $RESTART_MS}"

step "5b: usage totals after the Redis restart = the upstream requests the fake saw"
check check-usage "{\"tag\": \"b\", \"waitMs\": 5000, \"clientFiles\": [\"$H_TMP/load-p2.jsonl\", \"$H_TMP/load-p1.jsonl\",
    \"$H_TMP/load-p4.jsonl\", \"$H_TMP/load-p6.jsonl\"]}"

# ---------------------------------------------------------------------------------------------------------------
step "6c: a clear made on node 1 while Redis is down, and a node that comes back after node 1"
# B1 is invalid on every node since point 2. Redis goes away again; B1 works again at the fake and is enabled on
# node 1 alone (keys enable: clears its marks; the clear is a shared fact). Node 3 is stopped (SIGSTOP) while Redis
# comes back, so that it resyncs after node 1 (in the outage above the three reconnected within a few ms of each
# other, in any order): the clear must survive node 3's resync on every node.
watch_start p7down '[{"name": "n1", "node": 1, "kind": "clusterState", "state": "down"},
    {"name": "n2", "node": 2, "kind": "clusterState", "state": "down"},
    {"name": "n3", "node": 3, "kind": "clusterState", "state": "down"}]' 10000 5
kill_redis
wait "$WATCH_PID" || true
[ "$(js "$(cat "$H_TMP/watch-p7down.json")" 'j.n1.matched && j.n2.matched && j.n3.matched')" = true ] ||
    fail "[6c] not every node reported cluster state down within 10 s of the second kill"
curl -sS -o /dev/null -X POST -d "{\"key\": \"${KEY[B1]}\", \"project\": \"pB\", \"script\": {\"behaviour\": \"normal\"}}" \
    "$H_FAKE_URL/__fake/keys"
T_CLEAR=$(now_ms)
GEMINI_AGGREGATOR_ADMIN_TOKEN=$(sed 's/^Authorization: Bearer //' "$H_TMP/node1/admin.header") \
    g 1 --remote "${NODE_URL[1]}" keys enable "$(key_id 1 B1)" >/dev/null
info "redis-server killed again; B1 answers normally at the fake and was enabled on node 1 (B1 there: $(js "$(admin 1 /admin/api/v1/keys)" "j.find((k) => k.label === 'B1').state"))"
kill -STOP "${NODE_PID[3]}"
watch_start p7up '[{"name": "up1", "node": 1, "kind": "clusterState", "state": "connected"},
    {"name": "up2", "node": 2, "kind": "clusterState", "state": "connected"}]' 10000 10
RESTART2_MS=$(now_ms)
spawn_redis redis-3
wait "$WATCH_PID" || true
kill -CONT "${NODE_PID[3]}"
CONT_MS=$(now_ms)
info "redis-server started again; nodes 1 and 2 connected $(rel "$(watch_result p7up up1 firstMatchRecvMs)" "$RESTART2_MS") and $(rel "$(watch_result p7up up2 firstMatchRecvMs)" "$RESTART2_MS") ms later; node 3 continued (SIGCONT) at $((CONT_MS - RESTART2_MS)) ms"
watch_start p7back '[{"name": "up3", "node": 3, "kind": "clusterState", "state": "connected"}]' 10000 10
wait "$WATCH_PID" || true
info "node 3 connected $(rel "$(watch_result p7back up3 firstMatchRecvMs)" "$CONT_MS") ms after it continued; the nodes came back (log): $(for n in 1 2 3; do printf 'node %s %s; ' "$n" "$(grep 'is back: resyncing' "$H_TMP/node$n.log" | tail -1 | cut -d' ' -f1)"; done)"
pause_until $(( $(now_ms) + 2000 ))
for n in 1 2 3; do
    state=$(js "$(admin "$n" /admin/api/v1/keys)" "j.find((k) => k.label === 'B1').state")
    if [ "$state" = active ]; then
        pass "[6c] node $n 2 s after node 3's resync: B1 active (the clear made on node 1 while Redis was down holds)"
    else
        fail "[6c] node $n 2 s after node 3's resync: B1 $state, although it was cleared on node 1 while Redis was down ($(grep -c "is now invalid (learned from the cluster)" "$H_TMP/node$n.log") 'invalid (learned from the cluster)' lines in its log)"
    fi
done

step "2 (whole run): nodes 1 and 3 never sent B1 a request after node 2's 400, until B1 was cleared on purpose"
check check-invalid "{\"tInvalid\": $T_INV, \"untilMs\": $T_CLEAR, \"label\": \"B1\", \"nodes\": [1, 3]}"

for n in 1 2 3; do
    kill -0 "${NODE_PID[n]}" 2>/dev/null || fail "node $n (pid ${NODE_PID[n]}) exited during the test"
done

printf '\n== cluster e2e: %s s in all\n' "$(( ($(now_ms) - TEST_START_MS) / 1000 ))"
if [ ${#FAILED[@]} -gt 0 ]; then
    printf 'FAILED (%d):\n' "${#FAILED[@]}"
    printf '  - %s\n' "${FAILED[@]}"
    exit 1
fi
echo "all checks passed"
