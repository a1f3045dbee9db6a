"""The client half of scripts/bench.sh: what an identity provider sees of a running
scim-server, over HTTP on loopback, one keep-alive connection, medians in ms.

Usage:
  python3 scripts/bench.py floor URL [rounds]
      median latency of GET URL (the bare handler: the floor for the figures below)
  python3 scripts/bench.py store BASE TOKEN DATABASE USERS GROUP_SIZES [PID]
      stores USERS users (the benchmark user, through /Bulk), times the four lists,
      the resident memory growth of PID (when given) against the users' compact JSON,
      then one-member adds and removes on groups of each of GROUP_SIZES (comma separated)

Each line printed is a markdown table row: | database | measurement | value | note |.
Every answer is checked (status, totalResults, order), so a fast wrong answer fails.
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
# Users per Bulk request: well under the default 1 MiB payload limit.
BULK_SIZE = 500


class Client:
    def __init__(self, base, token=None):
        self.url = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=300)
        self.headers = {"Content-Type": "application/scim+json"}
        if token:
            self.headers["Authorization"] = "Bearer " + token

    def send(self, method, path="", body=None):
        data = None if body is None else json.dumps(body)
        self.conn.request(method, self.url.path + path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        answer = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {answer[:300]!r}")
        return json.loads(answer) if answer else None

    def median_ms(self, rounds, method, path="", body=None, check=None):
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            answer = self.send(method, path, body)
            times.append((time.perf_counter() - started) * 1000)
            if check:
                check(answer)
        return statistics.median(times)


def row(database, measurement, value, note=""):
    print(f"| {database} | {measurement} | {value} | {note} |", flush=True)


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def benchmark_user(i):
    """The benchmark's user, the shape Entra ID provisions: the same as the in-process
    benches' typical user (crates/scim-provider/benches/common/mod.rs)."""
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": f"user{i}@example.com",
        "externalId": f"ext-{i:08d}",
        "active": True,
        "displayName": f"User Number {i}",
        "name": {"givenName": "User", "familyName": f"Number{i}", "formatted": f"User Number {i}"},
        "title": "Engineer",
        "emails": [{"value": f"user{i}@example.com", "type": "work", "primary": True}],
        "phoneNumbers": [{"value": f"+1 555 {i:07d}", "type": "work"}],
        "addresses": [{"type": "work", "streetAddress": "1 Main Street", "locality": "Springfield",
                       "region": "IL", "postalCode": "62701", "country": "US", "primary": True}],
        ENTERPRISE: {"employeeNumber": f"{i}", "department": "Engineering", "costCenter": "4130",
                     "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}},
    }


def store_users(client, count):
    ids = []
    for start in range(0, count, BULK_SIZE):
        ops = [{"method": "POST", "path": "/Users", "bulkId": f"u{i}", "data": benchmark_user(i)}
               for i in range(start, min(count, start + BULK_SIZE))]
        answer = client.send("POST", "/Bulk", {"schemas": [BULK], "Operations": ops})
        for op in answer["Operations"]:
            if not str(op["status"]).startswith("2"):
                raise SystemExit(f"bulk create failed: {op}")
            ids.append(op["location"].rsplit("/", 1)[1])
    return ids


def resident_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise SystemExit("no VmRSS")


def json_bytes(client, count):
    """The compact JSON size of every stored user, as the server returns them."""
    total = 0
    for start in range(1, count + 1, 1000):
        page = client.send("GET", f"/Users?startIndex={start}&count=1000")
        for resource in page["Resources"]:
            total += len(json.dumps(resource, separators=(",", ":"), ensure_ascii=False).encode())
    return total


def lists(client, database, count, rounds):
    def expect(total, first=None):
        def check(page):
            names = [r["userName"] for r in page["Resources"]]
            if page["totalResults"] != total or len(names) != min(10, total):
                raise SystemExit(f"wrong page: totalResults {page['totalResults']}, {len(names)} items")
            if first is not None and names[:len(first)] != first:
                raise SystemExit(f"wrong order: {names[:len(first)]}, not {first}")
        return check

    by_name = sorted(f"user{i}@example.com" for i in range(count))
    starting = sum(1 for i in range(count) if str(i).startswith("1"))
    offset = max(1, count - count // 10)
    quoted = urllib.parse.quote('userName sw "user1"')
    cases = [
        ("GET /Users?count=10", "/Users?count=10", expect(count)),
        ("GET /Users?count=10&sortBy=userName", "/Users?count=10&sortBy=userName",
         expect(count, by_name[:10])),
        ('GET /Users?count=10&filter=userName sw "user1"', f"/Users?count=10&filter={quoted}",
         expect(starting)),
        (f"GET /Users?count=10&startIndex={offset}", f"/Users?count=10&startIndex={offset}",
         expect(count, [f"user{offset - 1}@example.com"])),
    ]
    for name, path, check in cases:
        median = client.median_ms(rounds, "GET", path, check=check)
        row(database, name, f"{median:.2f} ms", f"median of {rounds}, {count} users stored")


def group_of(client, members):
    gid = client.send("POST", "/Groups", {"schemas": [GROUP], "displayName": f"g{len(members)}-{time.time_ns()}"})["id"]
    for start in range(0, len(members), 1000):
        chunk = [{"value": m} for m in members[start:start + 1000]]
        client.send("PATCH", f"/Groups/{gid}?excludedAttributes=members",
                    {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": chunk}]})
    return gid


def membership(client, database, ids, sizes, rounds):
    # The member added and removed is one more user, so groups can hold every stored one.
    extra = client.send("POST", "/Users", benchmark_user(len(ids)))["id"]
    pool = ids
    medians = {}
    for size in sizes:
        gid = group_of(client, pool[:size])
        add = {"op": "add", "path": "members", "value": [{"value": extra}]}
        remove = {"op": "remove", "path": "members", "value": [{"value": extra}]}
        remove_path = {"op": "remove", "path": f'members[value eq "{extra}"]'}
        times = {"add": [], "remove (value)": [], "remove (path)": []}
        path = f"/Groups/{gid}?excludedAttributes=members"
        # Warm-up pairs, not timed: the group was just built by large PATCHes.
        for op in (add, remove) * 5:
            client.send("PATCH", path, {"schemas": [PATCH], "Operations": [op]})
        for i in range(rounds):
            for name, op in (("add", add), ("remove (value)", remove), ("add", add), ("remove (path)", remove_path)):
                started = time.perf_counter()
                client.send("PATCH", path, {"schemas": [PATCH], "Operations": [op]})
                times[name].append((time.perf_counter() - started) * 1000)
        group = client.send("GET", f"/Groups/{gid}?attributes=displayName")
        if "members" in group:
            raise SystemExit("attributes=displayName returned members")
        for name, values in times.items():
            medians[(name, size)] = statistics.median(values)
            ratio = ""
            if size != sizes[0]:
                ratio = f"{medians[(name, size)] / medians[(name, sizes[0])]:.2f}x the {sizes[0]}-member group"
            row(database, f"PATCH {name} one member, {size}-member group", f"{medians[(name, size)]:.2f} ms", ratio)


def main():
    command = sys.argv[1]
    if command == "floor":
        client = Client(sys.argv[2])
        rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
        median = client.median_ms(rounds, "GET")
        row("bare axum", "GET stored bytes (floor)", f"{median:.2f} ms", f"median of {rounds}")
        return
    if command != "store":
        raise SystemExit(__doc__)
    base, token, database, users = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    sizes = [int(s) for s in sys.argv[6].split(",")]
    pid = int(sys.argv[7]) if len(sys.argv) > 7 else None
    client = Client(base, token)
    client.send("GET", "/Users?count=0")
    before = resident_bytes(pid) if pid else 0
    started = time.perf_counter()
    ids = store_users(client, users)
    row(database, f"store {users} users (Bulk, {BULK_SIZE} a request)", f"{time.perf_counter() - started:.1f} s")
    if pid:
        grown = resident_bytes(pid) - before
        size = json_bytes(client, users)
        row(database, f"resident memory growth, {users} users", f"{grown / size:.2f}x their JSON",
            f"{grown / 2**20:.1f} MiB resident for {size / 2**20:.1f} MiB of compact JSON")
    lists(client, database, users, rounds=30)
    membership(client, database, ids, sizes, rounds=25)


if __name__ == "__main__":
    main()
