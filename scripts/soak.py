"""A soak with an audit: mixed SCIM traffic on several tenants through running
scim-server processes, then checks of everything that was acknowledged.

Usage: python3 scripts/soak.py --seconds N --server URL [--server URL ...]
                               --token TOKEN [--token TOKEN ...] [--pid PID ...]
                               [--workers N]

Each --token is one tenant; each tenant gets --workers threads (default 4), and every
thread spreads its requests over every --server (processes on one database). A thread
owns the users it creates: it alone changes their titles, deletes them, and adds them
to or removes them from the tenant's groups, which every thread of the tenant shares,
so member changes race on every group. Worker 0 of each tenant also creates, renames
(with If-Match) and deletes groups.

Checked while it runs and at the end; every failure is a violation:
- no 5xx and no status an operation cannot answer;
- every acknowledged write is visible: users that exist or are gone as acknowledged,
  each with its last acknowledged title, each group listing exactly the members its
  acknowledged adds and removes leave;
- each group's members exist in its tenant, each user's `groups` are the groups that
  list it, no two users share a userName;
- every 412 was for a version that really was stale: a 412 is a violation when no
  write that could change the resource ran between the response that gave the version
  and the 412 (checked at the end, over every request's start and end times);
- an If-Match naming a version the thread itself replaced (with a new title) is never
  accepted: that would be a lost update;
- a user deleted while a request adds it to a group is in no group afterwards;
- resident memory (with --pid): flat after the warm-up.

Exit status 1 when there is any violation. The store's own invariants (versions are
hashes of content, digests, dangling rows) are `scim-server audit`'s, which
scripts/soak.sh runs afterwards.
"""

import argparse
import collections
import http.client
import itertools
import json
import random
import sys
import threading
import time
import urllib.parse

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USERS_PER_WORKER = 25
GROUPS_PER_TENANT = 6

tags = itertools.count(1)
lock = threading.Lock()
violations = []
counts = collections.Counter()
# Writes that could change a resource's version, by resource id: (start, end, tag).
events = collections.defaultdict(list)
# 412s to check at the end: (resource, observed_at, observed_tag, start, end, tag).
refusals = []


def violation(text):
    with lock:
        violations.append(text)
    print("VIOLATION:", text, file=sys.stderr, flush=True)


def record(resource_ids, start, end, tag):
    with lock:
        for rid in resource_ids:
            events[rid].append((start, end, tag))


class Client:
    """Keep-alive connections to every server, used in turn."""

    def __init__(self, servers, token):
        self.servers = [urllib.parse.urlparse(s) for s in servers]
        self.connections = [None] * len(self.servers)
        self.turn = 0
        self.headers = {"Authorization": "Bearer " + token, "Content-Type": "application/scim+json"}

    def another(self):
        """A client of the same servers and token, with connections of its own."""
        clone = Client([], "")
        clone.servers, clone.headers = self.servers, self.headers
        clone.connections = [None] * len(self.servers)
        return clone

    def send(self, method, path, body=None, if_match=None):
        """(status, body as JSON or None, start, end, tag); status 0 when the outcome is
        unknown (the connection broke)."""
        self.turn = (self.turn + 1) % len(self.servers)
        server = self.servers[self.turn]
        headers = dict(self.headers)
        if if_match:
            headers["If-Match"] = if_match
        tag = next(tags)
        start = time.monotonic()
        try:
            if self.connections[self.turn] is None:
                self.connections[self.turn] = http.client.HTTPConnection(server.hostname, server.port, timeout=30)
            conn = self.connections[self.turn]
            conn.request(method, server.path + path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as err:
            self.connections[self.turn] = None
            with lock:
                counts["unknown outcome"] += 1
            print(f"{method} {path}: {err!r}", file=sys.stderr)
            return 0, None, start, time.monotonic(), tag
        end = time.monotonic()
        parsed = None
        if data:
            try:
                parsed = json.loads(data)
            except ValueError:
                violation(f"{method} {path}: {status} with a body that is not JSON: {data[:200]!r}")
        if status >= 500 or (status >= 400 and not (parsed and parsed.get("status") == str(status))):
            violation(f"{method} {path}: {status} {data[:300]!r}")
        with lock:
            counts[f"{method} {status}"] += 1
        return status, parsed, start, end, tag


class UserState:
    def __init__(self, rid, name, title):
        self.id = rid
        self.name = name
        self.titles = {title}  # every title it may end with
        self.alive = True  # None: unknown
        self.version = None  # (version, observed at, tag of the write that gave it)
        self.groups = {}  # group id -> True / False / None (unknown)


class Tenant:
    def __init__(self, index, token):
        self.index = index
        self.token = token
        self.groups = []  # ids of groups alive
        self.dead_groups = set()
        self.users = []  # every UserState, for the final checks
        self.lock = threading.Lock()


def user_version(user, status, body, start, tag):
    if status == 200 and body:
        user.version = (body["meta"]["version"], start, tag)


class Worker(threading.Thread):
    def __init__(self, tenant, index, servers, deadline, seed):
        super().__init__(daemon=True)
        self.tenant = tenant
        self.index = index
        self.client = Client(servers, tenant.token)
        self.deadline = deadline
        self.random = random.Random(seed)
        self.mine = []  # UserState alive
        self.serial = itertools.count()

    def run(self):
        try:
            if self.index == 0:
                for _ in range(GROUPS_PER_TENANT):
                    self.create_group()
            while time.monotonic() < self.deadline:
                self.step()
        except Exception as err:  # a bug in the soak itself, or an answer it cannot read
            violation(f"worker {self.tenant.index}/{self.index} stopped: {err!r}")
            raise

    def step(self):
        roll = self.random.random()
        if not self.mine:
            self.create_user()
        elif len(self.mine) < USERS_PER_WORKER // 2 or (roll < 0.10 and len(self.mine) < USERS_PER_WORKER):
            self.create_user()
        elif roll < 0.16:
            self.delete_user()
        elif roll < 0.30:
            self.patch_title(self.random.choice(self.mine))
        elif roll < 0.40:
            self.if_match_triplet(self.random.choice(self.mine))
        elif roll < 0.70:
            self.change_membership(self.random.choice(self.mine))
        elif roll < 0.72:
            self.race_delete_and_add()
        elif roll < 0.75:
            self.race_two_groups(self.random.choice(self.mine))
        elif roll < 0.85:
            self.list()
        elif roll < 0.92:
            user = self.random.choice(self.mine)
            status, body, start, _, tag = self.client.send("GET", f"/Users/{user.id}")
            self.expect("GET user", status, {200})
            user_version(user, status, body, start, None)
        elif self.index == 0 and roll < 0.95:
            self.rename_group()
        elif self.index == 0 and roll < 0.97:
            self.replace_a_group()
        else:
            self.list()

    def expect(self, what, status, allowed):
        if status and status not in allowed and status < 500:
            violation(f"{what}: answered {status}, expected one of {sorted(allowed)}")

    def title(self):
        return f"t-{self.tenant.index}-{self.index}-{next(self.serial)}"

    def create_user(self):
        name = f"soak-{self.tenant.index}-{self.index}-{next(self.serial)}-{self.random.randrange(10**6)}"
        title = self.title()
        body = {"schemas": [USER], "userName": name, "title": title, "emails": [{"value": f"{name}@example.com", "type": "work"}]}
        status, body, start, _, tag = self.client.send("POST", "/Users", body)
        self.expect("create user", status, {201})
        if status == 201:
            user = UserState(body["id"], name, title)
            user.version = (body["meta"]["version"], start, tag)
            self.mine.append(user)
            with self.tenant.lock:
                self.tenant.users.append(user)

    def delete_user(self, user=None):
        user = user or self.random.choice(self.mine)
        self.mine.remove(user)
        status, _, start, end, tag = self.client.send("DELETE", f"/Users/{user.id}")
        self.expect("delete user", status, {204})
        record([user.id] + [g for g, member in user.groups.items() if member is not False], start, end, tag)
        user.alive = False if status == 204 else None

    def patch_title(self, user, if_match=None):
        title = self.title()
        body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": title}]}
        status, reply, start, end, tag = self.client.send("PATCH", f"/Users/{user.id}", body, if_match)
        record([user.id], start, end, tag)
        if status == 200:
            user.titles = {title}
            user_version(user, status, reply, start, tag)
        elif status == 0 or status >= 500:
            user.titles.add(title)
        return status, title, start, end, tag

    def if_match_triplet(self, user):
        """A title without If-Match, one with the version that gave, then one with that
        same version again, which the second write replaced: it must be refused."""
        status, _, _, _, _ = self.patch_title(user)
        self.expect("PATCH title", status, {200})
        if status != 200:
            return
        replaced = user.version
        status, _, start, end, tag = self.patch_title(user, replaced[0])
        self.expect("PATCH title with If-Match", status, {200, 412})
        if status == 412:
            self.refused(user.id, replaced, start, end, tag)
            return
        if status != 200:
            return
        status, _, _, _, _ = self.patch_title(user, replaced[0])
        if status == 200:
            violation(f"lost update: If-Match {replaced[0]} accepted on user {user.id} after a later title was acknowledged")
        else:
            self.expect("PATCH title with a replaced If-Match", status, {412})

    def refused(self, rid, observed, start, end, tag):
        with lock:
            refusals.append((self.tenant.index, rid, observed[1], observed[2], start, end, tag))

    def change_membership(self, user):
        with self.tenant.lock:
            if not self.tenant.groups:
                return
            group = self.random.choice(self.tenant.groups)
        self.toggle(user, group, conditional=self.random.random() < 0.5)

    def race_delete_and_add(self):
        """Deletes one of its users while another request adds it to a group; once both
        are answered, the group must not list it."""
        with self.tenant.lock:
            if not self.tenant.groups:
                return
            group = self.tenant.groups[0]
        user = self.random.choice(self.mine)
        adder = self.client.another()
        body = {"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": user.id}]}]}
        outcome = {}

        def add():
            outcome["add"] = adder.send("PATCH", f"/Groups/{group}?excludedAttributes=members", body)

        thread = threading.Thread(target=add)
        thread.start()
        user.groups[group] = None  # its delete may take it out of this group too
        self.delete_user(user)
        thread.join()
        status, _, start, end, tag = outcome["add"]
        record([group, user.id], start, end, tag)
        self.expect("PATCH add of a user being deleted", status, {200, 400, 404})
        status, reply, _, _, _ = self.client.send("GET", f"/Groups/{group}?attributes=members")
        with lock:
            counts["delete raced with add"] += 1
        if status == 200 and any(m.get("value") == user.id for m in reply.get("members", [])):
            violation(f"group {group} lists user {user.id} after its delete was acknowledged")

    def race_two_groups(self, user):
        """Adds one of its users to (or removes it from) two groups at once: both
        writes change the user's groups, and neither may be lost."""
        with self.tenant.lock:
            if len(self.tenant.groups) < 2:
                return
            pair = self.random.sample(self.tenant.groups, 2)
        other = self.client.another()
        thread = threading.Thread(target=self.toggle, args=(user, pair[1]), kwargs={"client": other})
        thread.start()
        self.toggle(user, pair[0])
        thread.join()
        with lock:
            counts["two groups at once"] += 1

    def toggle(self, user, group, conditional=False, client=None):
        """Adds the user to the group if it is not in it, else removes it; when
        conditional, with If-Match from a read of the group, up to three times. Another
        thread's toggle passes a client of its own."""
        client = client or self.client
        adding = not user.groups.get(group, False)
        operation = (
            {"op": "add", "path": "members", "value": [{"value": user.id}]}
            if adding
            else {"op": "remove", "path": f'members[value eq "{user.id}"]'}
        )
        body = {"schemas": [PATCH], "Operations": [operation]}
        path = f"/Groups/{group}?excludedAttributes=members"
        for _ in range(3):
            if_match = observed = None
            if conditional:
                status, reply, start, _, _ = client.send("GET", path)
                self.expect("GET group", status, {200, 404})
                if status != 200:
                    return
                observed = (reply["meta"]["version"], start, None)
                if_match = observed[0]
            status, _, start, end, tag = client.send("PATCH", path, body, if_match)
            record([group, user.id], start, end, tag)
            self.expect("PATCH members", status, {200, 404} | ({412} if if_match else set()))
            if status == 412:
                self.refused(group, observed, start, end, tag)
                continue
            if status == 200:
                user.groups[group] = adding
            elif status == 0 or status >= 500:
                user.groups[group] = None
            return

    def list(self):
        if self.random.random() < 0.5:
            prefix = f"soak-{self.tenant.index}-{self.index}-"
            query = urllib.parse.quote(f'userName sw "{prefix}"')
            status, body, _, _, _ = self.client.send("GET", f"/Users?filter={query}&count=20")
        else:
            status, body, _, _, _ = self.client.send("GET", "/Groups?excludedAttributes=members&count=20")
        self.expect("list", status, {200})

    def create_group(self):
        name = f"group-{self.tenant.index}-{next(self.serial)}"
        status, body, _, _, _ = self.client.send("POST", "/Groups", {"schemas": [GROUP], "displayName": name})
        self.expect("create group", status, {201})
        if status == 201:
            with self.tenant.lock:
                self.tenant.groups.append(body["id"])

    def rename_group(self):
        with self.tenant.lock:
            group = self.random.choice(self.tenant.groups)
        path = f"/Groups/{group}?excludedAttributes=members"
        status, reply, observed_at, _, _ = self.client.send("GET", path)
        if status != 200:
            return
        observed = (reply["meta"]["version"], observed_at, None)
        body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": f"renamed-{next(self.serial)}"}]}
        status, _, start, end, tag = self.client.send("PATCH", path, body, observed[0])
        record([group], start, end, tag)
        self.expect("rename group", status, {200, 412})
        if status == 412:
            self.refused(group, observed, start, end, tag)

    def replace_a_group(self):
        """Deletes the oldest group but the first (which races use) and creates one."""
        with self.tenant.lock:
            if len(self.tenant.groups) < 2:
                return
            group = self.tenant.groups.pop(1)
        status, _, start, end, tag = self.client.send("DELETE", f"/Groups/{group}")
        # Every user's version may change: its groups lose this one.
        record([group, ("tenant", self.tenant.index)], start, end, tag)
        self.expect("delete group", status, {204})
        with self.tenant.lock:
            self.tenant.dead_groups.add(group)
        self.create_group()


def stale_checks():
    """Every 412 must have a write that could have changed the resource between the
    response that gave the version and the 412's answer."""
    proven = 0
    for tenant_index, rid, observed_at, observed_tag, start, end, tag in refusals:
        candidates = events.get(rid, []) + events.get(("tenant", tenant_index), [])
        if any(t not in (observed_tag, tag) and s < end and e > observed_at for s, e, t in candidates):
            proven += 1
        else:
            violation(f"412 on {rid}: nothing wrote it between the version's read and the refusal")
    return proven


def everything(client, resource, attributes):
    found, start = [], 1
    while True:
        status, body, _, _, _ = client.send("GET", f"/{resource}?attributes={attributes}&count=200&startIndex={start}")
        if status != 200:
            violation(f"list {resource}: {status}")
            return found
        found.extend(body.get("Resources", []))
        if start + len(body.get("Resources", [])) > body["totalResults"] or not body.get("Resources"):
            return found
        start += len(body["Resources"])


def final_checks(tenant, servers):
    client = Client(servers, tenant.token)
    users = {u["id"]: u for u in everything(client, "Users", "userName,title,groups")}
    groups = {g["id"]: g for g in everything(client, "Groups", "displayName,members")}
    names = collections.Counter(u["userName"].lower() for u in users.values())
    for name, n in names.items():
        if n > 1:
            violation(f"tenant {tenant.index}: {n} users share the userName {name}")
    listed_in = collections.defaultdict(set)
    for gid, group in groups.items():
        for member in group.get("members", []):
            listed_in[member["value"]].add(gid)
            if member["value"] not in users:
                violation(f"tenant {tenant.index}: group {gid} lists {member['value']}, not a user of the tenant")
    for uid, user in users.items():
        says = {g["value"] for g in user.get("groups", [])}
        if says != listed_in.get(uid, set()):
            violation(f"tenant {tenant.index}: user {uid} says groups {sorted(says)}, listed in {sorted(listed_in.get(uid, set()))}")
    for user in tenant.users:
        stored = users.get(user.id)
        if user.alive is True and stored is None:
            violation(f"tenant {tenant.index}: acknowledged user {user.id} is gone")
        if user.alive is False and stored is not None:
            violation(f"tenant {tenant.index}: user {user.id} is there after its delete was acknowledged")
        if stored is None or user.alive is not True:
            continue
        if stored.get("title") not in user.titles:
            violation(f"tenant {tenant.index}: user {user.id} has title {stored.get('title')}, acknowledged {user.titles}")
        for gid, member in user.groups.items():
            if member is None or gid in tenant.dead_groups or gid not in groups:
                continue
            if (gid in listed_in.get(user.id, set())) != member:
                violation(f"tenant {tenant.index}: user {user.id} in group {gid} is {not member}, acknowledged {member}")
    return len(users), len(groups)


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--server", action="append", required=True)
    parser.add_argument("--token", action="append", required=True)
    parser.add_argument("--pid", action="append", default=[])
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    started = time.monotonic()
    deadline = started + args.seconds
    tenants = [Tenant(i, token) for i, token in enumerate(args.token)]
    workers = []
    for tenant in tenants:
        for index in range(args.workers):
            workers.append(Worker(tenant, index, args.server, deadline, hash((tenant.index, index))))
    for worker in workers:
        worker.start()

    samples = []  # (seconds since start, [RSS KiB per pid])
    while any(w.is_alive() for w in workers):
        if args.pid:
            samples.append((time.monotonic() - started, [resident_kib(p) for p in args.pid]))
        time.sleep(min(5.0, max(0.5, args.seconds / 60)))
    elapsed = time.monotonic() - started

    for tenant in tenants:
        n_users, n_groups = final_checks(tenant, args.server)
        print(f"tenant {tenant.index}: {n_users} users, {n_groups} groups at the end")
    proven = stale_checks()

    operations = sum(v for k, v in counts.items() if k[0].isupper())
    print(f"operations: {operations} in {elapsed:.0f} s ({operations / elapsed:.0f}/s) on {len(args.server)} server(s), {len(tenants)} tenants")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    print(f"412s: {len(refusals)}, each after a write that could have replaced the version: {proven}")
    if samples:
        warm = next((s for s in samples if s[0] >= args.seconds / 4), samples[-1])
        last = samples[-1]
        for i, pid in enumerate(args.pid):
            peak = max(s[1][i] for s in samples)
            print(f"resident memory of {pid}: {samples[0][1][i] / 1024:.1f} MiB at the start, "
                  f"{warm[1][i] / 1024:.1f} MiB after warm-up ({warm[0]:.0f} s), "
                  f"{last[1][i] / 1024:.1f} MiB at the end, peak {peak / 1024:.1f} MiB")
            if last[1][i] > warm[1][i] * 1.25 + 16 * 1024:
                violation(f"resident memory of {pid} grew from {warm[1][i]} KiB to {last[1][i]} KiB")
    print(f"violations: {len(violations)}")
    for text in violations[:50]:
        print("  " + text)
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
