#!/usr/bin/env bash
# Throughput of GET /Users/{id} through each adapter against a bare handler of the same
# framework answering the same stored bytes with an ETag, side by side in one run, on
# loopback. Each measurement runs a bounded time with wrk (installed if missing).
# Usage: scripts/load.sh [seconds per measurement, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-8}

if ! command -v wrk >/dev/null; then
    apt-get update -qq && apt-get install -y -qq wrk
fi
cargo build --release --quiet --example load_server -p scim-examples

rate() { wrk -t1 -c32 -d"${seconds}s" "$@" | awk '/Requests\/sec/ {print $2}'; }

printf '%-8s %14s %14s %7s\n' framework "bare req/s" "scim req/s" ratio
for framework in axum warp actix; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    log=$(mktemp)
    target/release/examples/load_server "$framework" "127.0.0.1:$port" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
        grep -q '^user ' "$log" && curl -s -o /dev/null "http://127.0.0.1:$port/bare/user" && break
        sleep 0.1
    done
    read -r _ id _ token < <(grep '^user ' "$log")
    curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/scim/v2/Users/$id"
    bare=$(rate "http://127.0.0.1:$port/bare/user")
    scim=$(rate -H "Authorization: Bearer $token" "http://127.0.0.1:$port/scim/v2/Users/$id")
    printf '%-8s %14s %14s %7.2f\n' "$framework" "$bare" "$scim" "$(echo "$scim / $bare" | bc -l)"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$log"
done
