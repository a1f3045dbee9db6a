#!/usr/bin/env bash
# The OpenAPI document checked by a tool no one here wrote: schemathesis (pinned, from
# PyPI, in .venv-openapi) runs against the release scim-server binary on SQLite, with
# the document the binary serves at /scim/v2/openapi.json: examples, boundary
# coverage, positive and negative fuzzing, and stateful sequences along the document's
# links (create, then read, replace, patch, delete what was created). Every check is
# on; scripts/schemathesis.toml says where an expected status is widened, and why.
#
# Usage: scripts/openapi_check.sh [SECONDS]   (default 120; CI runs 90)
# Exits non-zero on any failure schemathesis reports.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}

venv=.venv-openapi
if [ ! -x "$venv/bin/schemathesis" ] || [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version 4.32.5" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi
cargo build --release --quiet -p scim-server

work=$(mktemp -d)
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
token="openapi-$RANDOM-$RANDOM"
SCIM_LISTEN="127.0.0.1:$port" SCIM_DATABASE="sqlite://$work/scim.db" SCIM_TOKEN="$token" RUST_LOG=warn \
    target/release/scim-server >"$work/server.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.1
done

echo "=== schemathesis against the release binary on 127.0.0.1:$port, ${seconds}s"
status=0
timeout $((seconds + 120)) "$venv/bin/schemathesis" --config-file scripts/schemathesis.toml run \
    "http://127.0.0.1:$port/scim/v2/openapi.json" \
    -H "Authorization: Bearer $token" \
    --checks all --max-time "$seconds" --workers 1 --seed "${SCHEMATHESIS_SEED:-20261202}" \
    --output-truncate false || status=$?
if [ "$status" != 0 ]; then
    echo "--- server log:"; tail -50 "$work/server.log"
fi
exit "$status"
