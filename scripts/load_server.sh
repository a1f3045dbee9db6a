#!/usr/bin/env bash
# Creates, gets and conditional updates per second through the scim-server binary, on
# SQLite and (when SCIM_TEST_POSTGRES_URL is set) PostgreSQL, and the create rate again
# with 100,000 users stored, and filtered lists at that size (answered in SQL, and one
# left to the evaluator). Loopback only; every measurement is bounded in time.
# Usage: scripts/load_server.sh [seconds per measurement, default 8]
# SCIM_SERVER_BIN measures another build of the binary (to compare releases).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -z "${SCIM_SERVER_BIN:-}" ]; then
    cargo build --release --quiet -p scim-server
fi
server=${SCIM_SERVER_BIN:-target/release/scim-server}
token=load-token

# Requests per second; fails when any answer was not a success.
rate() {
    local out; out=$(wrk -t1 -c"$connections" -d"${seconds}s" --timeout 60s -H "Authorization: Bearer $token" "$@")
    if grep -q "Non-2xx" <<<"$out"; then echo "failed requests: $out" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}
connections=16
count() { curl -s -H "Authorization: Bearer $token" "$1/Users?count=0" | sed -E 's/.*"totalResults":([0-9]+).*/\1/'; }

measure() {
    local name=$1 database=$2 tenant="load-$RANDOM$RANDOM"
    local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    SCIM_LISTEN="127.0.0.1:$port" SCIM_DATABASE="$database" SCIM_TENANTS="$tenant=$token" RUST_LOG=warn \
        "$server" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    local base="http://127.0.0.1:$port/scim/v2"
    local id; id=$(curl -s -H "Authorization: Bearer $token" -H "Content-Type: application/scim+json" \
        -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"counter","displayName":"Counter Person","active":false,"emails":[{"value":"counter@example.com"}]}' "$base/Users" \
        | sed -E 's/.*"id":"([^"]+)".*/\1/')
    local creates gets pairs
    creates=$(rate -s scripts/wrk/create.lua "$base/Users")
    gets=$(rate "$base/Users/$id")
    # One connection: every If-Match is current, so every PUT succeeds.
    pairs=$(connections=1 rate -s scripts/wrk/conditional_update.lua "$base/Users" -- "$id")
    echo "$name: creates/s $creates, gets/s $gets, conditional updates/s $(echo "$pairs / 2" | bc -l | xargs printf '%.0f') (GET + PUT If-Match pairs)"
    # Fill to 100,000 users, then measure creates again.
    for _ in $(seq 1 60); do
        [ "$(count "$base")" -ge 100000 ] && break
        wrk -t2 -c32 -d10s -H "Authorization: Bearer $token" -s scripts/wrk/create.lua "$base/Users" >/dev/null
    done
    local full; full=$(rate -s scripts/wrk/create.lua "$base/Users")
    echo "$name: creates/s with $(count "$base") stored: $full (empty: $creates; ratio $(echo "$creates / $full" | bc -l | xargs printf '%.2f')x slower)"
    # Filtered lists, one connection: each finds the one "counter" user among them all.
    for filter in 'userName eq "counter"' 'displayName eq "counter person"' \
        'emails[value eq "counter@example.com"]' 'emails co "counter@"' 'active eq false' 'nickName pr or active eq false'; do
        local encoded; encoded=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$filter")
        local found; found=$(curl -s -H "Authorization: Bearer $token" "$base/Users?filter=$encoded&count=0" \
            | sed -E 's/.*"totalResults":([0-9]+).*/\1/')
        [ "$found" = 1 ] || { echo "filter $filter found $found users, not 1" >&2; exit 1; }
        echo "$name: lists/s filtered by $filter: $(connections=1 rate "$base/Users?filter=$encoded")"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

dir=$(mktemp -d)
measure sqlite "sqlite://$dir/scim.db"
if [ -n "${SCIM_TEST_POSTGRES_URL:-}" ]; then
    measure postgres "$SCIM_TEST_POSTGRES_URL"
fi
rm -rf "$dir"
