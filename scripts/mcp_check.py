#!/usr/bin/env python3
"""An external MCP client against the release scim-server: the official Python MCP SDK
(`mcp`, pinned, installed by this script into .venv-mcp) over Streamable HTTP at /mcp,
and over stdio (`scim-server mcp-stdio`).

Usage: scripts/mcp_check.py [path/to/scim-server]   (default: target/release/scim-server,
built when missing). Exits non-zero on the first check that fails.
"""

import os
import subprocess
import sys
import venv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv-mcp")
PINNED = ["mcp==2.3.0"]


def in_venv():
    """Re-runs this script inside the venv, installing the SDK first when needed."""
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    ready = os.path.exists(python) and subprocess.run(
        [python, "-c", "import mcp"], capture_output=True
    ).returncode == 0
    if not ready:
        venv.create(VENV, with_pip=True)
        subprocess.run(
            [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PINNED],
            check=True,
        )
    os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


in_venv()

import asyncio  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import httpx2  # noqa: E402
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

TOOLS = {
    "list_resource_types", "get_schema", "search_resources", "get_resource",
    "create_resource", "replace_resource", "patch_resource", "delete_resource",
    "add_members", "remove_members",
}
TOKENS = {"acme": "acme-mcp-check-token", "globex": "globex-mcp-check-token"}
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"

checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise SystemExit(f"mcp_check: FAILED: {what}")
    checks += 1


class Agent:
    """One MCP session with helpers that check each answer's shape."""

    def __init__(self, session):
        self.session = session

    async def call(self, tool, arguments):
        result = await self.session.call_tool(tool, arguments)
        content = result.structured_content
        check(isinstance(content, dict), f"{tool}: structuredContent is an object")
        text = json.loads(result.content[0].text)
        check(text == content, f"{tool}: the text content is the structured content")
        return result.is_error, content

    async def ok(self, tool, arguments):
        failed, content = await self.call(tool, arguments)
        check(not failed, f"{tool} {arguments} succeeds: {content}")
        return content

    async def err(self, tool, arguments):
        failed, content = await self.call(tool, arguments)
        check(failed, f"{tool} {arguments} is a tool error: {content}")
        return content


async def http_agent(url, token, body):
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as client:
        async with streamable_http_client(url, http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                check(init.server_info.name == "scim-mcp", "the server names itself")
                check("version" in (init.instructions or ""), "instructions teach versions")
                await body(Agent(session))


async def discovery(agent):
    tools = await agent.session.list_tools()
    names = {tool.name for tool in tools.tools}
    check(names == TOOLS, f"the ten tools are listed: {sorted(names)}")
    for tool in tools.tools:
        check(tool.input_schema.get("type") == "object", f"{tool.name} takes an object")
        check(len(tool.description or "") > 40, f"{tool.name} is described")
    types = await agent.ok("list_resource_types", {})
    check({"User", "Group"} <= {t["name"] for t in types["Resources"]}, "User and Group")
    schema = await agent.ok("get_schema", {"id": USER})
    check(any(a["name"] == "userName" for a in schema["attributes"]), "the User schema")


async def crud(agent, scim_get):
    created = await agent.ok("create_resource", {
        "resource_type": "User", "resource": {"schemas": [USER], "userName": "alice"}})
    user_id, version = created["resource"]["id"], created["version"]
    check(version.startswith('W/"'), "a version is a weak ETag")
    read = await agent.ok("get_resource", {"resource_type": "User", "id": user_id})
    check(read == created, "get_resource answers what create answered")
    found = await agent.ok("search_resources", {
        "resource_type": "User", "filter": 'userName eq "alice"', "attributes": ["userName"]})
    check(found["totalResults"] == 1, "search finds the user")
    patched = await agent.ok("patch_resource", {
        "resource_type": "User", "id": user_id, "version": version,
        "operations": [{"op": "replace", "path": "active", "value": False}]})
    check(patched["version"] != version, "a write answers the new version")
    stale = await agent.err("patch_resource", {
        "resource_type": "User", "id": user_id, "version": version,
        "operations": [{"op": "replace", "path": "active", "value": True}]})
    check(stale["error"] == "version_mismatch", "a stale version is version_mismatch")
    check(stale["current_version"] == patched["version"], "with the current version")
    check(stale["resource"] == patched["resource"], "and the current resource")
    unversioned = await agent.err("delete_resource", {"resource_type": "User", "id": user_id})
    check(unversioned["error"] == "invalid", "a write needs a version by default")
    bad = await agent.err("get_resource", {"resource_type": "User"})
    check(bad["error"] == "invalid", "missing arguments are a tool error")
    status, etag, scim = scim_get(f"/Users/{user_id}", TOKENS["acme"])
    check(status == 200 and etag == patched["version"], "/scim/v2 serves the same version")
    check(scim == patched["resource"], "and the same resource")
    return user_id


async def race(first, second):
    ids = []
    for name in ["carol", "dave"]:
        user = await first.ok("create_resource", {
            "resource_type": "User", "resource": {"schemas": [USER], "userName": name}})
        ids.append(user["resource"]["id"])
    group = await first.ok("create_resource", {
        "resource_type": "Group", "resource": {"schemas": [GROUP], "displayName": "Engineering"}})
    group_id = group["resource"]["id"]
    get = {"resource_type": "Group", "id": group_id}
    seen_first, seen_second = await first.ok("get_resource", get), await second.ok("get_resource", get)
    check(seen_first["version"] == seen_second["version"], "both agents read one version")
    await first.ok("add_members", {
        "group_id": group_id, "member_ids": [ids[0]], "version": seen_first["version"]})
    refused = await second.err("add_members", {
        "group_id": group_id, "member_ids": [ids[1]], "version": seen_second["version"]})
    check(refused["error"] == "version_mismatch", "the second agent's stale add is refused")
    reread = await second.ok("get_resource", get)
    await second.ok("add_members", {
        "group_id": group_id, "member_ids": [ids[1]], "version": reread["version"]})
    final = await first.ok("get_resource", get)
    members = sorted(m["value"] for m in final["resource"].get("members", []))
    check(members == sorted(ids), "both members are in the group")


async def isolation(agent, acme_user):
    missing = await agent.err("get_resource", {"resource_type": "User", "id": acme_user})
    check(missing["error"] == "not_found", "another tenant's user is not found")
    listed = await agent.ok("search_resources", {"resource_type": "User"})
    check(listed["totalResults"] == 0, "another tenant lists none of them")


def unauthenticated(url):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    for extra in [{}, {"Authorization": "Bearer wrong"}]:
        response = httpx2.post(url, json=body, headers={**headers, **extra}, timeout=10)
        check(response.status_code == 401, f"no valid token is 401 ({response.status_code})")
        check("bearer" in response.headers.get("www-authenticate", "").lower(),
              "with WWW-Authenticate: Bearer")


async def over_stdio(binary, database):
    params = StdioServerParameters(
        command=binary,
        args=["mcp-stdio", "--database", database, "--tenant", "acme"],
        env={"RUST_LOG": "warn"},
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            agent = Agent(session)
            found = await agent.ok("search_resources", {
                "resource_type": "User", "filter": 'userName eq "alice"'})
            check(found["totalResults"] == 1, "stdio serves the tenant's data")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, database, port):
    env = {**os.environ, "SCIM_LISTEN": f"127.0.0.1:{port}", "SCIM_DATABASE": database,
           "SCIM_TENANTS": ",".join(f"{t}={k}" for t, k in TOKENS.items()), "RUST_LOG": "warn"}
    env.pop("SCIM_TOKEN", None)
    server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx2.HTTPError:
            time.sleep(0.05)
    server.kill()
    raise SystemExit("mcp_check: the server did not start")


async def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/scim-server")
    if not os.path.exists(binary):
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "scim-server"],
                       cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite://{tmp}/scim.db"
        port = free_port()
        url = f"http://127.0.0.1:{port}/mcp"

        def scim_get(path, token):
            response = httpx2.get(f"http://127.0.0.1:{port}/scim/v2{path}",
                                  headers={"Authorization": f"Bearer {token}"}, timeout=10)
            return response.status_code, response.headers.get("etag"), response.json()

        server = start(binary, database, port)
        try:
            state = {}

            async def acme(agent):
                await discovery(agent)
                state["user"] = await crud(agent, scim_get)

                async def second(other):
                    await race(agent, other)

                await http_agent(url, TOKENS["acme"], second)

            await http_agent(url, TOKENS["acme"], acme)

            async def globex(agent):
                await isolation(agent, state["user"])

            await http_agent(url, TOKENS["globex"], globex)
            unauthenticated(url)
        finally:
            server.terminate()
            server.wait(timeout=30)
        await over_stdio(binary, database)
    print(f"mcp_check: {checks} checks passed (Python MCP SDK {PINNED[0]}, Streamable HTTP and stdio)")


asyncio.run(main())
