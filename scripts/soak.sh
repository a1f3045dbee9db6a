#!/usr/bin/env bash
# A soak with an audit (scripts/soak.py): mixed SCIM traffic on three tenants through
# the release binary, on SQLite (one process) and on PostgreSQL (two processes on one
# database), then `scim-server audit` on what is stored. Loopback only; stops by itself.
#
# Usage: scripts/soak.sh [SECONDS] [sqlite|postgres|mysql|memory ...]
#   SECONDS per database (default 600; .ci/run gives 60).
#   PostgreSQL: SCIM_TEST_POSTGRES_URL's server (default postgres://postgres@127.0.0.1:5432/test);
#   the soak uses a database of its own, scim_soak, made afresh. mysql (not run by
#   default): SCIM_TEST_MYSQL_URL's MariaDB/MySQL, two processes, likewise. memory
#   (not by default): the in-memory store, without the audit (nothing is stored).
# Exit status 1 when the soak or the audit finds any violation.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
backends=${*:-sqlite postgres}
cargo build --release --quiet -p scim-server
binary=$PWD/target/release/scim-server
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
tenants="soak-a=token-a,soak-b=token-b,soak-c=token-c"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts a server on DATABASE; sets $port and appends its pid.
start() {
    port=$(free_port)
    SCIM_DATABASE=$1 SCIM_TENANTS=$tenants SCIM_LISTEN=127.0.0.1:$port RUST_LOG=warn \
        "$binary" >>"$work/server.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
        sleep 0.1
    done
    echo "the server on $1 did not start" >&2
    cat "$work/server.log" >&2
    exit 1
}

failed=0
for backend in $backends; do
    pids=()
    case $backend in
        sqlite)
            database="sqlite://$work/soak.db"
            processes=1
            ;;
        postgres)
            base=${SCIM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
            psql -q "$base" -c "DROP DATABASE IF EXISTS scim_soak" -c "CREATE DATABASE scim_soak"
            database="${base%/*}/scim_soak"
            processes=2
            ;;
        memory)
            database=memory
            processes=1
            ;;
        mysql)
            base=${SCIM_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}
            mariadb -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS scim_soak; CREATE DATABASE scim_soak"
            database="${base%/*}/scim_soak"
            processes=2
            ;;
        *) echo "unknown database $backend" >&2; exit 2 ;;
    esac
    servers=()
    for _ in $(seq 1 $processes); do
        start "$database"
        servers+=(--server "http://127.0.0.1:$port/scim/v2")
    done
    echo "=== soak on $backend: $processes process(es), ${seconds}s"
    pid_args=()
    for pid in "${pids[@]}"; do pid_args+=(--pid "$pid"); done
    python3 scripts/soak.py --seconds "$seconds" "${servers[@]}" "${pid_args[@]}" \
        --token token-a --token token-b --token token-c || failed=1
    for pid in "${pids[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
    if [ "$database" != memory ]; then
        echo "=== audit of what is stored on $backend"
        "$binary" audit --database "$database" 2>&1 | tail -20 || failed=1
    fi
    if grep -E "panicked|ERROR" "$work/server.log"; then failed=1; fi
    grep -E "WARN|ERROR" "$work/server.log" | sort | uniq -c | sort -rn | head -10 || true
    : >"$work/server.log"
done
exit $failed
