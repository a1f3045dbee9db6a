#!/usr/bin/env bash
# External conformance: runs scim2-tester against each example server.
# Usage: scripts/conformance.sh [axum_server warp_server actix_server]
# Installs scim2-tester into .venv-conformance (Python venv) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

examples=("$@")
[ ${#examples[@]} -gt 0 ] || examples=(axum_server warp_server actix_server)

venv=.venv-conformance
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import scim2_tester" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "scim2-tester==0.5.2" "scim2-client[httpx2]==0.13.2"
fi

cargo build --quiet --examples -p scim-examples

free_port() { "$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

status=0
for example in "${examples[@]}"; do
    port=$(free_port)
    token="conformance-$RANDOM-$RANDOM"
    log=$(mktemp)
    SCIM_LISTEN="127.0.0.1:$port" SCIM_TOKEN="$token" "target/debug/examples/$example" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
        if "$venv/bin/python" -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)))"; then break; fi
        sleep 0.1
    done
    echo "=== scim2-tester against $example on 127.0.0.1:$port"
    if ! "$venv/bin/python" scripts/conformance.py "http://127.0.0.1:$port/scim/v2" "$token"; then
        status=1
        echo "--- $example output:"; cat "$log"
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
done
exit $status
