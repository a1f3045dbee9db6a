#!/usr/bin/env bash
# The benchmark suite: what a client sees of the release `scim-server` binary, over
# HTTP on loopback, beside a floor measured in the same run (a bare axum handler
# answering the same stored user's bytes with an ETag). Writes a markdown table to
# target/bench/report.md and prints it; docs/benchmarks.md explains how to read it.
#
#   GET /Users/{id}: requests per second (wrk, 16 connections), binary and floor
#     in back-to-back pairs (median of the pairs' ratios), and instructions per request
#     (valgrind --tool=callgrind), binary and floor;
#   on memory and SQLite (and PostgreSQL when SCIM_TEST_POSTGRES_URL is set): 100,000
#     users stored through /Bulk; four lists; one-member add / remove / remove by path
#     on groups of 10, 20,000 and 100,000 members; on memory, resident memory growth
#     against the users' compact JSON (scripts/bench.py does the client side);
#   MCP: tool calls at /mcp against the same operation over /scim/v2 (get_resource
#     against GET, patch_resource against PATCH), requests per second through one
#     binary, in back-to-back pairs, on memory and SQLite.
#   Telemetry: GET /Users/{id} with metrics and request logs on (a line per request
#     at info, into a file) against both off (--metrics=false, RUST_LOG=warn), the
#     two servers loaded at once, and instructions per request of each.
#   Change events: POST /Users with the change feed on and a webhook delivering every
#     event against the feed off, the two servers loaded at once, on SQLite (and
#     PostgreSQL when SCIM_TEST_POSTGRES_URL is set); how far delivery lags; and
#     instructions per create of each on SQLite.
#
# Usage: scripts/bench.sh [--quick | --mcp | --telemetry | --events]
#   --quick: 1,200 users, groups of 10 and 1,000, one-second runs: proves the suite
#   runs (CI runs it); the figures it prints mean nothing.
#   --mcp: only the MCP pairs, at full length (about 7 minutes).
#   --telemetry: only the telemetry rounds, at full length (about 4 minutes).
#   --events: only the change-event rounds, at full length (about 8 minutes).
# Installs wrk and valgrind when missing; every step is bounded by a timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
users=100000 sizes=10,20000,100000 seconds=10 rounds=5 requests=2000 limit=1800
if [ "${1:-}" = --quick ]; then
    users=1200 sizes=10,1000 seconds=1 rounds=1 requests=50 limit=300
fi
only_mcp=false; [ "${1:-}" = --mcp ] && only_mcp=true
only_telemetry=false; [ "${1:-}" = --telemetry ] && only_telemetry=true
only_events=false; [ "${1:-}" = --events ] && only_events=true
for tool in wrk valgrind; do
    command -v "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
done
cargo build --release --quiet -p scim-server
cargo build --release --quiet -p scim-examples --example load_server
server=target/release/scim-server floor_server=target/release/examples/load_server
token=bench-token
mkdir -p target/bench
report=target/bench/report.md
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }
row() { echo "| $1 | $2 | $3 | $4 |" | tee -a "$report"; }

# scim-server on DATABASE (VALGRIND set: under callgrind); sets $pid and $base.
start_server() {
    local database=$1 port; port=$(free_port)
    SCIM_LISTEN="127.0.0.1:$port" SCIM_DATABASE="$database" SCIM_TOKEN="$token" RUST_LOG="${LOG_LEVEL:-warn}" \
        ${VALGRIND:-} "$server" >"$work/server.$port.log" 2>&1 &
    pid=$!; pids+=("$pid")
    base="http://127.0.0.1:$port/scim/v2"
    wait_for "http://127.0.0.1:$port/healthz"
}
# The floor; sets $pid, $floor (its bare URL) and $floor_scim (the user through scim-axum).
start_floor() {
    local port; port=$(free_port)
    ${VALGRIND:-} "$floor_server" axum "127.0.0.1:$port" >"$work/floor.log" 2>&1 &
    pid=$!; pids+=("$pid")
    floor="http://127.0.0.1:$port/bare/user"
    wait_for "$floor"
}
# SIGTERM: the floor has no signal handling of its own; scim-server shuts down on it
# and callgrind still writes its counts.
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
create_user() {
    curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/scim+json" \
        -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen@example.com","displayName":"Barbara Jensen","active":true,"name":{"givenName":"Barbara","familyName":"Jensen"},"emails":[{"value":"bjensen@example.com","type":"work","primary":true}]}' \
        "$base/Users" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}
rate() {
    local out; out=$(timeout $((seconds + 30)) wrk -t1 -c16 -d"${seconds}s" --timeout 30s -H "Authorization: Bearer $token" "$1")
    if grep -q "Non-2xx" <<<"$out"; then echo "failed requests: $out" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}
# median DIGITS VALUE...: the median, with DIGITS decimals.
median() { python3 -c 'import statistics, sys; print(f"{statistics.median(float(x) for x in sys.argv[2:]):.{sys.argv[1]}f}")' "$@"; }

{
    echo "Run $(date -u +%Y-%m-%dT%H:%MZ) at $(git rev-parse --short HEAD) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $users users${1:+ ($1)}."
    echo
    echo "| store | measurement | value | note |"
    echo "|---|---|---|---|"
} >"$report"

# Instructions per request under callgrind, KIND: binary (the default server), floor,
# on / off (metrics and request logs on / off). The counters are zeroed after a
# warm-up (callgrind_control), so start-up, which varies from one process to the next
# (the metrics clock calibrates itself against time), is not in the figure; what runs
# in the background while the requests are answered (log flushes, histogram upkeep)
# is.
instructions() {
    local kind=$1 out=$work/cg.$1
    VALGRIND="valgrind --tool=callgrind --callgrind-out-file=$out"
    case $kind in
        floor) start_floor; url=$floor ;;
        on) LOG_LEVEL=info SCIM_METRICS=true start_server memory; url="$base/Users/$(create_user)" ;;
        off) LOG_LEVEL=warn SCIM_METRICS=false start_server memory; url="$base/Users/$(create_user)" ;;
        *) start_server memory; url="$base/Users/$(create_user)" ;;
    esac
    unset VALGRIND
    send "$url" 50
    timeout 60 callgrind_control -z "$pid" >/dev/null 2>&1
    send "$url" "$requests"
    timeout 60 callgrind_control -d "$pid" >/dev/null 2>&1
    stop "$pid"
    echo $(( $(grep -m1 "summary:" "$out.1" | awk '{print $2}') / requests ))
}
# send URL N: N GETs of URL on one connection.
send() {
    python3 - "$1" "$token" "$2" <<'PY'
import http.client, sys, urllib.parse
url, token, count = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection(url.hostname, url.port)
for _ in range(count):
    conn.request("GET", url.path, headers={"Authorization": "Bearer " + token})
    response = conn.getresponse(); response.read()
    assert response.status == 200, response.status
PY
}
# POST /Users with a unique user each (create.lua), 4 connections; answers requests/s.
creates() {
    local out; out=$(timeout $((seconds + 30)) wrk -t1 -c4 -d"${seconds}s" --timeout 30s \
        -H "Authorization: Bearer $token" -s scripts/wrk/create.lua "${1%/scim/v2}")
    if grep -q "Non-2xx" <<<"$out"; then echo "failed requests: $out" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}
# The events a webhook has delivered, from the server's /metrics.
delivered() {
    curl -s "${1%/scim/v2}/metrics" | awk '/^scim_webhook_deliveries_total\{outcome="delivered"\}/ {print $2}' | tail -1
}
users_stored() {
    curl -sf -H "Authorization: Bearer $token" "$1/Users?count=0" | python3 -c 'import json, sys; print(json.load(sys.stdin)["totalResults"])'
}
# Waits until the webhook of the server at BASE has delivered an event per stored user
# (every write here is a create); prints the seconds that took.
caught_up() {
    local want started=$SECONDS; want=$(users_stored "$1")
    for _ in $(seq 1 1200); do
        local got; got=$(delivered "$1")
        [ "${got%.*}" -ge "$want" ] 2>/dev/null && { echo $((SECONDS - started)); return; }
        sleep 0.1
    done
    echo "the webhook did not deliver $want events" >&2; exit 1
}
# send_creates BASE N: N creates on one connection.
send_creates() {
    python3 - "$1" "$token" "$2" <<'PY'
import http.client, json, sys, urllib.parse, uuid
url, token, count = urllib.parse.urlparse(sys.argv[1]), sys.argv[2], int(sys.argv[3])
conn = http.client.HTTPConnection(url.hostname, url.port)
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"}
for _ in range(count):
    name = uuid.uuid4().hex
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name,
            "displayName": "Load User", "active": True, "emails": [{"value": name + "@example.com", "type": "work"}]}
    conn.request("POST", url.path + "/Users", body=json.dumps(body), headers=headers)
    response = conn.getresponse(); response.read()
    assert response.status == 201, response.status
PY
}
# events_pairs NAME ON_DATABASE OFF_DATABASE: creates with the feed on (a webhook to
# the floor's POST /bare/sink, which answers 204 for next to nothing) against it off,
# both servers loaded at once, round after round (see the telemetry rounds for why).
events_pairs() {
    local name=$1 on_db=$2 off_db=$3 on_rates=() off_rates=() ratios=() lag
    start_floor; local floor_pid=$pid
    SCIM_WEBHOOK_URL="${floor%/user}/sink" start_server "$on_db"; local on_pid=$pid on_base=$base
    start_server "$off_db"; local off_pid=$pid off_base=$base
    for round in $(seq 1 "$((rounds * 3))"); do
        creates "$on_base" >"$work/on.rate" & local on_wrk=$!
        creates "$off_base" >"$work/off.rate" & local off_wrk=$!
        wait "$on_wrk"; wait "$off_wrk"
        local on off; on=$(<"$work/on.rate") off=$(<"$work/off.rate")
        on_rates+=("$on") off_rates+=("$off") ratios+=("$(python3 -c "print($on / $off)")")
    done
    lag=$(caught_up "$on_base")
    local spread; spread=$(python3 -c 'import sys; r=sorted(float(x) for x in sys.argv[1:]); print(f"{r[0]:.3f}-{r[-1]:.3f}")' "${ratios[@]}")
    row "$name" "POST /Users with the change feed on and a webhook, creates/s (wrk, 4 connections, both servers loaded at once)" "$(median 0 "${on_rates[@]}")" \
        "$(median 3 "${ratios[@]}") of the feed off at $(median 0 "${off_rates[@]}")/s (median of ${#ratios[@]} rounds' ratios; rounds $spread); $(users_stored "$on_base") events all delivered ${lag} s after the last round"
    stop "$on_pid"; stop "$off_pid"; stop "$floor_pid"
}
# Instructions per create on SQLite: feed on with its webhook delivering (the
# deliveries included: the counters are read once it has caught up); feed on with the
# webhook refused (404: delivery waits on its backoff, so what is left is the write
# with its event); feed off.
events_instructions() {
    local kind=$1 out=$work/cg.events.$1 floor_pid=
    [ "$kind" = on ] && { start_floor; floor_pid=$pid; export SCIM_WEBHOOK_URL="${floor%/user}/sink"; }
    [ "$kind" = refused ] && { start_floor; floor_pid=$pid; export SCIM_WEBHOOK_URL="${floor%/user}/refused"; }
    VALGRIND="valgrind --tool=callgrind --callgrind-out-file=$out" start_server "sqlite://$work/cg.$kind.db"
    unset SCIM_WEBHOOK_URL
    send_creates "$base" 50
    [ "$kind" = on ] && caught_up "$base" >/dev/null
    timeout 60 callgrind_control -z "$pid" >/dev/null 2>&1
    send_creates "$base" "$requests"
    [ "$kind" = on ] && caught_up "$base" >/dev/null
    timeout 60 callgrind_control -d "$pid" >/dev/null 2>&1
    stop "$pid"; [ -n "$floor_pid" ] && stop "$floor_pid"
    echo $(( $(grep -m1 "summary:" "$out.1" | awk '{print $2}') / requests ))
}
if $only_events || [ "${1:-}" = --quick ]; then
    events_pairs sqlite "sqlite://$work/events-on.db" "sqlite://$work/events-off.db"
    if [ -n "${SCIM_TEST_POSTGRES_URL:-}" ]; then
        for side in on off; do
            psql "$SCIM_TEST_POSTGRES_URL" -qc "CREATE DATABASE scim_bench_events_${side}_$$" >/dev/null
        done
        events_pairs postgres "${SCIM_TEST_POSTGRES_URL%/*}/scim_bench_events_on_$$" "${SCIM_TEST_POSTGRES_URL%/*}/scim_bench_events_off_$$"
        for side in on off; do
            psql "$SCIM_TEST_POSTGRES_URL" -qc "DROP DATABASE scim_bench_events_${side}_$$" >/dev/null
        done
    fi
    on_instructions=$(events_instructions on) refused_instructions=$(events_instructions refused)
    off_instructions=$(events_instructions off)
    row "sqlite" "POST /Users with the change feed on and a webhook, instructions per create (callgrind)" "$on_instructions" \
        "feed off: $off_instructions ($(python3 -c "print(f'{$on_instructions / $off_instructions:.3f}')")x); feed on, nothing delivered: $refused_instructions ($(python3 -c "print(f'{$refused_instructions / $off_instructions:.3f}')")x)"
    $only_events && { echo; echo "written to $report"; exit 0; }
fi

# 0. Metrics and request logs: GET /Users/{id} with both on (the default metrics, and
# RUST_LOG=info: a line per request, written to a file) against both off
# (--metrics=false, RUST_LOG=warn), on one binary build. The two servers are loaded at
# the same time, each by its own wrk, round after round: what else the machine is
# doing then falls on both alike (back-to-back runs of one and then the other moved
# by ±10% from one pair to the next), and as they share the cores, each one's
# throughput follows what a request costs it. Then instructions per request of each
# (callgrind).
if ! $only_mcp; then
# 15 rounds at full length: one round's ratio moves by ±3% on this machine, about
# what is measured.
pairs=$((rounds * 3))
on_rates=() off_rates=() ratios=()
LOG_LEVEL=info SCIM_METRICS=true start_server memory; on_pid=$pid on_url="$base/Users/$(create_user)"
LOG_LEVEL=warn SCIM_METRICS=false start_server memory; off_pid=$pid off_url="$base/Users/$(create_user)"
for round in $(seq 1 "$pairs"); do
    rate "$on_url" >"$work/on.rate" & on_wrk=$!
    rate "$off_url" >"$work/off.rate" & off_wrk=$!
    wait "$on_wrk"; wait "$off_wrk"
    on=$(<"$work/on.rate") off=$(<"$work/off.rate")
    on_rates+=("$on") off_rates+=("$off") ratios+=("$(python3 -c "print($on / $off)")")
done
stop "$on_pid"; stop "$off_pid"
spread=$(python3 -c 'import sys; r=sorted(float(x) for x in sys.argv[1:]); print(f"{r[0]:.3f}-{r[-1]:.3f}")' "${ratios[@]}")
row "memory" "GET /Users/{id} with metrics and request logs on, requests/s (wrk, 16 connections, both servers loaded at once)" "$(median 0 "${on_rates[@]}")" \
    "$(median 3 "${ratios[@]}") of both off at $(median 0 "${off_rates[@]}")/s (median of $pairs rounds' ratios; rounds $spread)"
for kind in on off; do
    per=$(instructions $kind)
    [ $kind = on ] && on_instructions=$per || off_instructions=$per
done
row "memory" "GET /Users/{id} with metrics and request logs on, instructions per request (callgrind)" "$on_instructions" \
    "both off: $off_instructions ($(python3 -c "print(f'{$on_instructions / $off_instructions:.3f}')")x)"
fi
$only_telemetry && { echo; echo "written to $report"; exit 0; }

# 1-3 and 5 are skipped by --mcp.
if ! $only_mcp; then
# 1. GET /Users/{id}: the binary against the floor, in back-to-back pairs (which of
# the two goes first alternates), so the machine's drift over the run cancels out of
# each pair's ratio; the figure is the median of the pairs' ratios.
binary_rates=() floor_rates=() ratios=()
measure_binary() { start_server memory; local id; id=$(create_user); b=$(rate "$base/Users/$id"); stop "$pid"; }
measure_floor() { start_floor; f=$(rate "$floor"); stop "$pid"; }
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then measure_binary; measure_floor; else measure_floor; measure_binary; fi
    binary_rates+=("$b") floor_rates+=("$f") ratios+=("$(python3 -c "print($b / $f)")")
done
b=$(median 0 "${binary_rates[@]}") f=$(median 0 "${floor_rates[@]}") ratio=$(median 2 "${ratios[@]}")
spread=$(python3 -c 'import sys; r=sorted(float(x) for x in sys.argv[1:]); print(f"{r[0]:.2f}-{r[-1]:.2f}")' "${ratios[@]}")
row "memory" "GET /Users/{id}, requests/s (wrk, 16 connections)" "$b" "$ratio of the floor (median of $rounds pairs' ratios; pairs $spread)"
row "bare axum" "GET stored bytes, requests/s (the floor)" "$f" "median of $rounds rounds"

# 2. Instructions per request (the function is above).
for kind in binary floor; do
    per=$(instructions $kind)
    [ $kind = binary ] && binary_instructions=$per || floor_instructions=$per
done
row "memory" "GET /Users/{id}, instructions per request (callgrind)" "$binary_instructions" "floor: $floor_instructions ($(python3 -c "print(f'{$binary_instructions / $floor_instructions:.2f}')")x)"

# 3. The floor's latency, for the millisecond figures below.
start_floor
timeout 120 python3 scripts/bench.py floor "$floor" 500 | tee -a "$report"
stop "$pid"
fi

# 4. MCP: a tool call against the same operation over /scim/v2, on one server, in
# back-to-back pairs (the order alternates), both sent by the same wrk script (a Lua
# request function costs the client as much either way); the figure is the median of
# the pairs' cost ratios (SCIM requests/s over MCP requests/s). GETs on 16
# connections; PATCHes (each a real change) on one, as one provisioning job writes a
# resource: 16 writers racing on one row only measure the retries.
wrk_request() {
    local connections=$1 origin=$2 out; shift 2
    out=$(timeout $((seconds + 30)) wrk -t1 -c"$connections" -d"${seconds}s" --timeout 30s \
        -H "Authorization: Bearer $token" -s scripts/wrk/request.lua "$origin" -- "$@")
    if grep -q "Non-2xx" <<<"$out"; then echo "failed requests: $out" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}
tools_call() { printf '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"%s","arguments":%s}}' "$1" "$2"; }
# mcp_pairs NAME DATABASE: both operations on one server, agents allowed to write
# without a version (as PATCH without If-Match is).
mcp_pairs() {
    local name=$1 database=$2 id origin operations scim mcp
    SCIM_MCP_UNCONDITIONAL_WRITES='*' start_server "$database"
    id=$(create_user); origin=${base%/scim/v2}
    local patch='[{"op":"replace","path":"title","value":"Tour Guide {n}"}]'
    local patch_op="{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"],\"Operations\":$patch}"
    local get_call patch_call
    get_call=$(tools_call get_resource "{\"resource_type\":\"User\",\"id\":\"$id\"}")
    patch_call=$(tools_call patch_resource "{\"resource_type\":\"User\",\"id\":\"$id\",\"operations\":$patch}")
    # Each call must succeed as a tool, not only as HTTP.
    for call in "$get_call" "$patch_call"; do
        curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
            -H "Accept: application/json, text/event-stream" -d "$call" "$origin/mcp" | grep -q '"isError":false' \
            || { echo "the tool call failed: $call" >&2; exit 1; }
    done
    for operation in GET PATCH; do
        local ratios=() scim_rates=() mcp_rates=() tool=get_resource connections=16
        [ $operation = PATCH ] && tool=patch_resource connections=1
        measure_scim() {
            if [ $operation = GET ]; then scim=$(wrk_request 16 "$origin" GET "/scim/v2/Users/$id")
            else scim=$(wrk_request 1 "$origin" PATCH "/scim/v2/Users/$id" "$patch_op" application/scim+json); fi
        }
        measure_mcp() {
            if [ $operation = GET ]; then mcp=$(wrk_request 16 "$origin" POST /mcp "$get_call")
            else mcp=$(wrk_request 1 "$origin" POST /mcp "$patch_call"); fi
        }
        for round in $(seq 1 "$rounds"); do
            if [ $((round % 2)) = 1 ]; then measure_scim; measure_mcp; else measure_mcp; measure_scim; fi
            scim_rates+=("$scim") mcp_rates+=("$mcp") ratios+=("$(python3 -c "print($scim / $mcp)")")
        done
        row "$name" "MCP $tool, requests/s (wrk, $connections connection(s))" "$(median 0 "${mcp_rates[@]}")" \
            "$(median 2 "${ratios[@]}")x the cost of $operation /scim/v2/Users/{id} at $(median 0 "${scim_rates[@]}")/s (median of $rounds pairs' ratios)"
    done
    stop "$pid"
}
mcp_pairs memory memory
mcp_pairs sqlite "sqlite://$work/mcp.db"

$only_mcp && { echo; echo "written to $report"; exit 0; }

# 5. Stores: lists, memory, membership.
store() {
    local name=$1 database=$2 watch=${3:-}
    start_server "$database"
    timeout "$limit" python3 scripts/bench.py store "$base" "$token" "$name" "$users" "$sizes" ${watch:+$pid} | tee -a "$report"
    stop "$pid"
}
store memory memory watch
store sqlite "sqlite://$work/bench.db"
if [ -n "${SCIM_TEST_POSTGRES_URL:-}" ]; then
    # A database of its own, dropped afterwards.
    db="scim_bench_$$"
    psql "$SCIM_TEST_POSTGRES_URL" -qc "CREATE DATABASE $db" >/dev/null
    store postgres "${SCIM_TEST_POSTGRES_URL%/*}/$db"
    psql "$SCIM_TEST_POSTGRES_URL" -qc "DROP DATABASE $db" >/dev/null
fi
echo
echo "written to $report"
