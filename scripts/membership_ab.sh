#!/usr/bin/env bash
# scripts/membership.py against each of two scim-server builds in turn, each on a fresh
# database, for ROUNDS alternating pairs: the latency of one-member adds and removes,
# with and without the group's members in the answer, on groups of 10 and 20,000.
# Usage: scripts/membership_ab.sh BASELINE_BIN CANDIDATE_BIN [sqlite|memory] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:?usage: scripts/membership_ab.sh BASELINE_BIN CANDIDATE_BIN [sqlite|memory] [rounds]}
candidate=${2:?usage: scripts/membership_ab.sh BASELINE_BIN CANDIDATE_BIN [sqlite|memory] [rounds]}
database=${3:-sqlite}
rounds=${4:-3}

one() {
    local bin=$1 port dir url pid
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    dir=$(mktemp -d)
    url=memory; [ "$database" = sqlite ] && url="sqlite://$dir/scim.db"
    SCIM_LISTEN=127.0.0.1:$port SCIM_DATABASE=$url SCIM_TOKEN=m RUST_LOG=warn "$bin" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    timeout 900 python3 scripts/membership.py "http://127.0.0.1:$port/scim/v2" m 20000 || true
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}

for round in $(seq 1 "$rounds"); do
    for side in baseline candidate; do
        bin=$baseline; [ $side = candidate ] && bin=$candidate
        one "$bin" | sed "s/^/$round $side /"
    done
done
