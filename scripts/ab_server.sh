#!/usr/bin/env bash
# Same-moment A/B of two scim-server builds through HTTP, beside a bare axum handler
# serving the same stored bytes (the floor), on loopback: GET /Users/{id}, creates, and
# conditional updates (GET + PUT If-Match pairs), alternating the builds for several
# rounds so the shared machine's drift hits both alike. Every run is bounded in time.
# Usage: scripts/ab_server.sh BASELINE_BIN [CANDIDATE_BIN] [seconds, default 5] [rounds, default 3]
# (CANDIDATE_BIN defaults to this tree's release build; DATABASE=memory|sqlite, default memory)
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:?usage: scripts/ab_server.sh BASELINE_BIN [CANDIDATE_BIN] [seconds] [rounds]}
candidate=${2:-target/release/scim-server}
seconds=${3:-5}
rounds=${4:-3}
database=${DATABASE:-memory}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
[ "$candidate" != target/release/scim-server ] || cargo build --release --quiet -p scim-server
cargo build --release --quiet --example load_server -p scim-examples
token=ab-token

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
rate() {
    local out; out=$(wrk -t1 -c"${connections:-16}" -d"${seconds}s" --timeout 30s -H "Authorization: Bearer $token" "$@")
    if grep -q "Non-2xx" <<<"$out"; then echo "failed requests: $out" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}

# One build: gets/s, creates/s, conditional update pairs/s.
measure() {
    local bin=$1 port dir; port=$(free_port); dir=$(mktemp -d)
    local url=memory; [ "$database" = sqlite ] && url="sqlite://$dir/scim.db"
    SCIM_LISTEN="127.0.0.1:$port" SCIM_DATABASE="$url" SCIM_TOKEN="$token" RUST_LOG=warn "$bin" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    local base="http://127.0.0.1:$port/scim/v2" id
    id=$(curl -s -H "Authorization: Bearer $token" -H "Content-Type: application/scim+json" \
        -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"counter","displayName":"Counter Person","active":false,"emails":[{"value":"counter@example.com"}]}' \
        "$base/Users" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    local gets creates pairs
    gets=$(rate "$base/Users/$id")
    creates=$(rate -s scripts/wrk/create.lua "$base/Users")
    pairs=$(connections=1 rate -s scripts/wrk/conditional_update.lua "$base/Users" -- "$id")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
    echo "$gets $creates $pairs"
}

# The floor: a bare axum handler answering stored bytes with an ETag.
floor() {
    local port log; port=$(free_port); log=$(mktemp)
    target/release/examples/load_server axum "127.0.0.1:$port" >"$log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/bare/user" && break; sleep 0.1; done
    rate "http://127.0.0.1:$port/bare/user"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$log"
}

printf '%-6s %-10s %10s %10s %12s %10s\n' round build "gets/s" "creates/s" "cond. PUT/s" "floor/s"
for round in $(seq 1 "$rounds"); do
    for build in baseline candidate; do
        bin=$baseline; [ "$build" = candidate ] && bin=$candidate
        read -r gets creates pairs < <(measure "$bin")
        printf '%-6s %-10s %10.0f %10.0f %12.0f %10.0f\n' "$round" "$build" "$gets" "$creates" \
            "$(echo "$pairs / 2" | bc -l)" "$(floor)"
    done
done
