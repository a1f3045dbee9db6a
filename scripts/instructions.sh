#!/usr/bin/env bash
# Instructions per request (valgrind --tool=callgrind) through one scim-server build on
# `memory`, over HTTP on loopback: the total for N requests
# minus the total for none, divided by N; repeatable on a noisy machine.
# Usage: scripts/instructions.sh BIN N get|create
set -euo pipefail
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
bin=$1; n=$2; kind=$3; token=cg-token
run() {
    local count=$1 port out
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    out=$(mktemp)
    SCIM_LISTEN="127.0.0.1:$port" SCIM_DATABASE=memory SCIM_TOKEN=$token RUST_LOG=warn \
        valgrind --tool=callgrind --callgrind-out-file=$out.cg "$bin" >/dev/null 2>$out.log &
    local pid=$!
    for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
    local base="http://127.0.0.1:$port/scim/v2"
    local id; id=$(curl -s -H "Authorization: Bearer $token" -H "Content-Type: application/scim+json" \
        -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"counter","displayName":"Counter Person","emails":[{"value":"counter@example.com"}]}' "$base/Users" | sed -E 's/.*"id":"([^"]+)".*/\1/')
    python3 - "$port" "$count" "$kind" "$id" "$token" <<'PY'
import http.client, sys, json
port, count, kind, uid, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
c = http.client.HTTPConnection("127.0.0.1", port)
h = {"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"}
for i in range(count):
    if kind == "get":
        c.request("GET", "/scim/v2/Users/" + uid, headers=h)
    else:
        body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u%d" % i, "displayName": "User %d" % i, "emails": [{"value": "u%d@example.com" % i, "type": "work"}]})
        c.request("POST", "/scim/v2/Users", body=body, headers=h)
    r = c.getresponse(); r.read()
    assert r.status in (200, 201), r.status
PY
    kill -INT "$pid"; wait "$pid" 2>/dev/null || true
    grep -m1 "summary:" $out.cg | awk '{print $2}'
    rm -f $out $out.cg $out.log
}
zero=$(run 0); full=$(run "$n")
echo "$(( (full - zero) / n ))"
