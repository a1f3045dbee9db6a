"""Median latency of adding and removing one member of a small and of a large group,
through a running scim-server over HTTP (keep-alive, one client, loopback).

Usage: python3 scripts/membership.py BASE_URL TOKEN [large group size, default 20000]
Prints one line per group size: add and remove medians in ms, with and without
excludedAttributes=members on the response.
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

base, token = sys.argv[1], sys.argv[2]
large = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"}


def send(method, path, body=None):
    conn.request(method, url.path + path, body=None if body is None else json.dumps(body), headers=headers)
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
    return json.loads(data) if data else None


def users(count, prefix):
    ids = []
    for start in range(0, count, 1000):
        ops = [{"method": "POST", "path": "/Users", "bulkId": f"b{i}",
                "data": {"schemas": [USER], "userName": f"{prefix}-{i}"}}
               for i in range(start, min(count, start + 1000))]
        answer = send("POST", "/Bulk", {"schemas": [BULK], "Operations": ops})
        ids += [op["location"].rsplit("/", 1)[1] for op in answer["Operations"]]
    return ids


def group(name, members):
    gid = send("POST", "/Groups", {"schemas": [GROUP], "displayName": name})["id"]
    for start in range(0, len(members), 1000):
        chunk = [{"value": m} for m in members[start:start + 1000]]
        send("PATCH", f"/Groups/{gid}?excludedAttributes=members",
             {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": chunk}]})
    return gid


def median_ms(gid, extra, query, rounds=100):
    add, remove = [], []
    for _ in range(rounds):
        for op, times in (("add", add), ("remove", remove)):
            operation = ({"op": "add", "path": "members", "value": [{"value": extra}]} if op == "add"
                         else {"op": "remove", "path": f'members[value eq "{extra}"]'})
            started = time.perf_counter()
            send("PATCH", f"/Groups/{gid}{query}", {"schemas": [PATCH], "Operations": [operation]})
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(add), statistics.median(remove)


run = str(time.time_ns())
members = users(large + 1, "m" + run)
extra, members = members[0], members[1:]
small = group("small-" + run, members[:10])
big = group("large-" + run, members)
for size, gid in ((10, small), (large, big)):
    projected = median_ms(gid, extra, "?excludedAttributes=members")
    whole = median_ms(gid, extra, "", rounds=20 if size > 1000 else 100)
    print(f"{size:>7} members: add {projected[0]:.2f} ms, remove {projected[1]:.2f} ms "
          f"(excludedAttributes=members); add {whole[0]:.2f} ms, remove {whole[1]:.2f} ms (whole group)")
