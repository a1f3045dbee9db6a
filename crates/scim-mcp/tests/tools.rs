//! Every tool through an rmcp client over Streamable HTTP: reads and writes with
//! versions, the race of two agents on one group, tenants, and arguments that do not
//! fit.

mod common;

use common::{ACME, Agent, GLOBEX, group, serve, user};
use scim_mcp::McpConfig;
use serde_json::{Value, json};

const TOOLS: [&str; 10] = [
    "add_members",
    "create_resource",
    "delete_resource",
    "get_resource",
    "get_schema",
    "list_resource_types",
    "patch_resource",
    "remove_members",
    "replace_resource",
    "search_resources",
];

#[tokio::test]
async fn every_tool_is_listed_with_its_arguments_and_a_description() {
    let server = serve(McpConfig::default()).await;
    let agent = Agent::connect(&server, ACME).await;
    let mut tools = agent.tools().await;
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_ref()).collect();
    assert_eq!(names, TOOLS);
    for tool in &tools {
        assert!(
            tool.description.as_ref().is_some_and(|d| d.len() > 40),
            "{}",
            tool.name
        );
        assert_eq!(tool.input_schema["type"], "object", "{}", tool.name);
    }
    let schema = |name: &str| {
        let tool = tools.iter().find(|tool| tool.name == name).unwrap();
        Value::Object((*tool.input_schema).clone())
    };
    let search = schema("search_resources");
    for argument in [
        "resource_type",
        "filter",
        "attributes",
        "excluded_attributes",
        "sort_by",
        "sort_order",
        "start_index",
        "count",
        "cursor",
    ] {
        assert!(search["properties"].get(argument).is_some(), "{argument}");
    }
    assert_eq!(search["required"], json!(["resource_type"]));
    assert_eq!(
        schema("patch_resource")["required"],
        json!(["resource_type", "id", "operations"])
    );
    assert_eq!(
        schema("add_members")["required"],
        json!(["group_id", "member_ids"])
    );
}

#[tokio::test]
async fn discovery_names_types_and_schemas() {
    let server = serve(McpConfig::default()).await;
    let agent = Agent::connect(&server, ACME).await;
    let types = agent.ok("list_resource_types", json!({})).await;
    let names: Vec<&str> = types["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"User") && names.contains(&"Group"),
        "{names:?}"
    );
    let schema = agent
        .ok(
            "get_schema",
            json!({"id": "urn:ietf:params:scim:schemas:core:2.0:User"}),
        )
        .await;
    assert!(
        schema["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "userName")
    );
    let missing = agent.err("get_schema", json!({"id": "urn:nope"})).await;
    assert_eq!(missing["error"], "not_found");
}

#[tokio::test]
async fn reads_and_writes_answer_the_resource_and_its_version() {
    let server = serve(McpConfig::default()).await;
    let agent = Agent::connect(&server, ACME).await;
    let created = agent
        .ok(
            "create_resource",
            json!({"resource_type": "User", "resource": user("alice")}),
        )
        .await;
    let id = created["resource"]["id"].as_str().unwrap().to_owned();
    let version = created["version"].as_str().unwrap().to_owned();
    assert!(version.starts_with("W/\""), "{version}");
    assert_eq!(created["resource"]["meta"]["version"], version.as_str());

    let read = agent
        .ok("get_resource", json!({"resource_type": "User", "id": id}))
        .await;
    assert_eq!(read, created);
    let projected = agent
        .ok(
            "get_resource",
            json!({"resource_type": "Users", "id": id, "attributes": ["userName"]}),
        )
        .await;
    assert_eq!(projected["resource"]["userName"], "alice");
    assert!(projected["resource"].get("meta").is_none());
    assert_eq!(projected["version"], version.as_str());

    let found = agent
        .ok(
            "search_resources",
            json!({"resource_type": "User", "filter": "userName eq \"alice\""}),
        )
        .await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());

    let patched = agent
        .ok(
            "patch_resource",
            json!({
                "resource_type": "User", "id": id, "version": version,
                "operations": [{"op": "replace", "path": "active", "value": false}],
            }),
        )
        .await;
    assert_eq!(patched["resource"]["active"], false);
    let patched_version = patched["version"].as_str().unwrap().to_owned();
    assert_ne!(patched_version, version);

    let mut replacement = user("alice@example.com");
    replacement["displayName"] = json!("Alice");
    let replaced = agent
        .ok(
            "replace_resource",
            json!({"resource_type": "User", "id": id, "resource": replacement,
                   "version": patched_version}),
        )
        .await;
    assert_eq!(replaced["resource"]["userName"], "alice@example.com");
    assert!(replaced["resource"].get("active").is_none(), "PUT replaces");

    // The bare opaque part of a version is accepted too.
    let bare = replaced["version"].as_str().unwrap();
    let bare = bare.trim_start_matches("W/").trim_matches('"');
    let deleted = agent
        .ok(
            "delete_resource",
            json!({"resource_type": "User", "id": id, "version": bare}),
        )
        .await;
    assert_eq!(
        deleted,
        json!({"id": id, "resource_type": "User", "deleted": true})
    );
    let gone = agent
        .err("get_resource", json!({"resource_type": "User", "id": id}))
        .await;
    assert_eq!(gone["error"], "not_found");
}

#[tokio::test]
async fn a_stale_version_is_refused_with_the_current_state() {
    let server = serve(McpConfig::default()).await;
    let agent = Agent::connect(&server, ACME).await;
    let created = agent
        .ok(
            "create_resource",
            json!({"resource_type": "User", "resource": user("bob")}),
        )
        .await;
    let (id, stale) = (&created["resource"]["id"], &created["version"]);
    let current = agent
        .ok(
            "patch_resource",
            json!({"resource_type": "User", "id": id, "version": stale,
                   "operations": [{"op": "add", "path": "displayName", "value": "Bob"}]}),
        )
        .await;
    let writes = [
        (
            "patch_resource",
            json!({"resource_type": "User", "id": id, "version": stale,
                   "operations": [{"op": "replace", "path": "active", "value": false}]}),
        ),
        (
            "replace_resource",
            json!({"resource_type": "User", "id": id, "version": stale, "resource": user("x")}),
        ),
        (
            "delete_resource",
            json!({"resource_type": "User", "id": id, "version": stale}),
        ),
    ];
    for (tool, arguments) in writes {
        let refused = agent.err(tool, arguments).await;
        assert_eq!(refused["error"], "version_mismatch", "{tool}");
        assert_eq!(refused["current_version"], current["version"], "{tool}");
        assert_eq!(refused["resource"], current["resource"], "{tool}");
    }
    // Nothing was written.
    let read = agent
        .ok("get_resource", json!({"resource_type": "User", "id": id}))
        .await;
    assert_eq!(read, current);
}

#[tokio::test]
async fn two_agents_adding_members_with_one_version_lose_nothing() {
    let server = serve(McpConfig::default()).await;
    let (first, second) = (
        Agent::connect(&server, ACME).await,
        Agent::connect(&server, ACME).await,
    );
    let mut ids = Vec::new();
    for name in ["carol", "dave"] {
        let created = first
            .ok(
                "create_resource",
                json!({"resource_type": "User", "resource": user(name)}),
            )
            .await;
        ids.push(created["resource"]["id"].as_str().unwrap().to_owned());
    }
    let engineering = first
        .ok(
            "create_resource",
            json!({"resource_type": "Group", "resource": group("Engineering")}),
        )
        .await;
    let group_id = engineering["resource"]["id"].as_str().unwrap().to_owned();

    // Both read the group at the same version.
    let (seen_first, seen_second) = (
        read_group(&first, &group_id).await,
        read_group(&second, &group_id).await,
    );
    assert_eq!(seen_first["version"], seen_second["version"]);

    let added = first
        .ok(
            "add_members",
            json!({"group_id": group_id, "member_ids": [ids[0]], "version": seen_first["version"]}),
        )
        .await;
    assert!(
        added["resource"].get("members").is_none(),
        "answered without the member list"
    );
    let refused = second
        .err(
            "add_members",
            json!({"group_id": group_id, "member_ids": [ids[1]], "version": seen_second["version"]}),
        )
        .await;
    assert_eq!(refused["error"], "version_mismatch");
    assert_eq!(refused["current_version"], added["version"]);

    // The second agent re-reads, decides, and retries with the version it now has.
    let reread = read_group(&second, &group_id).await;
    assert_eq!(reread["version"], refused["current_version"]);
    second
        .ok(
            "add_members",
            json!({"group_id": group_id, "member_ids": [ids[1]], "version": reread["version"]}),
        )
        .await;
    let members = |group: &Value| {
        let mut values: Vec<String> = group["resource"]["members"]
            .as_array()
            .map(|members| {
                members
                    .iter()
                    .map(|m| m["value"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        values.sort();
        values
    };
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(members(&read_group(&first, &group_id).await), expected);

    // Without a version a membership change applies to the group as it is.
    first
        .ok(
            "remove_members",
            json!({"group_id": group_id, "member_ids": [ids[0]]}),
        )
        .await;
    assert_eq!(
        members(&read_group(&second, &group_id).await),
        vec![ids[1].clone()]
    );
}

#[tokio::test]
async fn writes_need_a_version_unless_the_tenant_allows_none() {
    let strict = serve(McpConfig::default()).await;
    let agent = Agent::connect(&strict, ACME).await;
    let created = agent
        .ok(
            "create_resource",
            json!({"resource_type": "User", "resource": user("erin")}),
        )
        .await;
    let id = &created["resource"]["id"];
    let patch = json!({"resource_type": "User", "id": id,
                       "operations": [{"op": "replace", "path": "active", "value": false}]});
    let refused = agent.err("patch_resource", patch.clone()).await;
    assert_eq!(refused["error"], "invalid");
    assert!(refused["detail"].as_str().unwrap().contains("version"));
    let delete = json!({"resource_type": "User", "id": id});
    assert_eq!(
        agent.err("delete_resource", delete).await["error"],
        "invalid"
    );

    let lenient = serve(McpConfig::default().with_unconditional_writes("acme")).await;
    let (acme, globex) = (
        Agent::connect(&lenient, ACME).await,
        Agent::connect(&lenient, GLOBEX).await,
    );
    for agent in [&acme, &globex] {
        let created = agent
            .ok(
                "create_resource",
                json!({"resource_type": "User", "resource": user("erin")}),
            )
            .await;
        let mut patch = patch.clone();
        patch["id"] = created["resource"]["id"].clone();
        let answer = agent.call("patch_resource", patch).await;
        let allowed = std::ptr::eq(agent, &acme);
        assert_eq!(answer.is_error, Some(!allowed), "only acme writes without");
    }
}

#[tokio::test]
async fn each_token_sees_only_its_tenant() {
    let server = serve(McpConfig::default()).await;
    let (acme, globex) = (
        Agent::connect(&server, ACME).await,
        Agent::connect(&server, GLOBEX).await,
    );
    let created = acme
        .ok(
            "create_resource",
            json!({"resource_type": "User", "resource": user("frank")}),
        )
        .await;
    let id = &created["resource"]["id"];
    let get = json!({"resource_type": "User", "id": id});
    assert_eq!(
        globex.err("get_resource", get.clone()).await["error"],
        "not_found"
    );
    let stolen = json!({"resource_type": "User", "id": id, "version": created["version"]});
    assert_eq!(
        globex.err("delete_resource", stolen).await["error"],
        "not_found"
    );
    let search = json!({"resource_type": "User"});
    assert_eq!(
        globex.ok("search_resources", search.clone()).await["totalResults"],
        0
    );
    assert_eq!(acme.ok("search_resources", search).await["totalResults"], 1);
    // A userName is unique per tenant, not across them.
    globex
        .ok(
            "create_resource",
            json!({"resource_type": "User", "resource": user("frank")}),
        )
        .await;
    let duplicate = acme
        .err(
            "create_resource",
            json!({"resource_type": "User", "resource": user("frank")}),
        )
        .await;
    assert_eq!(duplicate["error"], "uniqueness");
    assert_eq!(acme.ok("get_resource", get).await, created);
}

#[tokio::test]
async fn arguments_that_do_not_fit_are_tool_errors() {
    let server = serve(McpConfig::default()).await;
    let agent = Agent::connect(&server, ACME).await;
    let created = agent
        .ok(
            "create_resource",
            json!({"resource_type": "User", "resource": user("grace")}),
        )
        .await;
    let id = &created["resource"]["id"];
    let version = &created["version"];
    let cases = [
        ("get_resource", json!({"resource_type": "User"})),
        ("get_resource", json!({"resource_type": "User", "id": 7})),
        (
            "get_resource",
            json!({"resource_type": "User", "id": id, "extra": 1}),
        ),
        ("get_schema", json!({})),
        (
            "search_resources",
            json!({"resource_type": "User", "filter": "userName eq"}),
        ),
        (
            "search_resources",
            json!({"resource_type": "User", "sort_order": "sideways"}),
        ),
        (
            "search_resources",
            json!({"resource_type": "User", "count": -1}),
        ),
        (
            "create_resource",
            json!({"resource_type": "User", "resource": "alice"}),
        ),
        (
            "create_resource",
            json!({"resource_type": "User", "resource": {"userName": 5}}),
        ),
        (
            "patch_resource",
            json!({"resource_type": "User", "id": id, "version": version,
                   "operations": [{"op": "explode"}]}),
        ),
        (
            "patch_resource",
            json!({"resource_type": "User", "id": id, "version": "W/\"un\"closed\"",
                   "operations": []}),
        ),
        ("add_members", json!({"group_id": "g", "member_ids": []})),
        ("list_resource_types", json!({"unexpected": true})),
    ];
    for (tool, arguments) in cases {
        let refused = agent.err(tool, arguments.clone()).await;
        assert_eq!(refused["error"], "invalid", "{tool} {arguments}: {refused}");
        assert!(refused["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    let unknown_type = agent
        .err(
            "get_resource",
            json!({"resource_type": "Printer", "id": id}),
        )
        .await;
    assert_eq!(unknown_type["error"], "not_found");
    // Nothing was changed by a refused call.
    let read = agent
        .ok("get_resource", json!({"resource_type": "User", "id": id}))
        .await;
    assert_eq!(read, created);
}

#[tokio::test]
async fn a_search_answers_a_small_page_by_default() {
    let server = serve(McpConfig::default()).await;
    let agent = Agent::connect(&server, ACME).await;
    for n in 0..25 {
        agent
            .ok(
                "create_resource",
                json!({"resource_type": "User", "resource": user(&format!("user{n:02}"))}),
            )
            .await;
    }
    let first = agent
        .ok("search_resources", json!({"resource_type": "User"}))
        .await;
    assert_eq!(first["totalResults"], 25);
    assert_eq!(first["Resources"].as_array().unwrap().len(), 20);
    let last = agent
        .ok(
            "search_resources",
            json!({"resource_type": "User", "sort_by": "userName", "sort_order": "descending",
                   "start_index": 21, "count": 10, "attributes": "userName"}),
        )
        .await;
    let names: Vec<&str> = last["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["user04", "user03", "user02", "user01", "user00"]);
    assert!(last["Resources"][0].get("meta").is_none());
}

#[tokio::test]
async fn a_request_without_a_valid_token_is_401() {
    let server = serve(McpConfig::default()).await;
    let address = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp");
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
    for authorization in ["", "Authorization: Bearer wrong\r\n"] {
        let request = format!(
            "POST /mcp HTTP/1.1\r\nHost: {address}\r\n{authorization}\
             Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let response = raw_http(address, &request).await;
        assert!(response.starts_with("HTTP/1.1 401"), "{response}");
        assert!(
            response
                .to_ascii_lowercase()
                .contains("www-authenticate: bearer"),
            "{response}"
        );
        assert!(response.contains("urn:ietf:params:scim:api:messages:2.0:Error"));
    }
}

#[tokio::test]
async fn tool_calls_answered_directly_equal_rmcp_answers() {
    let server = serve(McpConfig::default()).await;
    let agent = Agent::connect(&server, ACME).await;
    let created = agent
        .ok(
            "create_resource",
            json!({"resource_type": "User", "resource": user("heidi")}),
        )
        .await;
    let (id, version) = (&created["resource"]["id"], &created["version"]);
    let calls = [
        ("get_resource", json!({"resource_type": "User", "id": id})),
        (
            "get_resource",
            json!({"resource_type": "User", "id": id, "attributes": "userName"}),
        ),
        (
            "search_resources",
            json!({"resource_type": "User", "filter": "userName sw \"h\""}),
        ),
        ("get_resource", json!({"resource_type": "User"})),
        (
            "delete_resource",
            json!({"resource_type": "User", "id": id, "version": "W/\"stale\""}),
        ),
        ("get_schema", json!({"id": "urn:nope"})),
    ];
    let address = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/mcp");
    for (tool, arguments) in calls {
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                          "params": {"name": tool, "arguments": arguments}})
        .to_string();
        // An `Origin` header sends the request through rmcp; without, it is answered
        // directly.
        let direct = tools_call(address, &body, "").await;
        let through_rmcp = tools_call(address, &body, "Origin: http://localhost\r\n").await;
        assert_eq!(direct, through_rmcp, "{tool} {arguments}");
        assert_eq!(direct["id"], 7);
        assert!(direct["result"]["structuredContent"].is_object());
    }
    assert_eq!(
        version,
        &agent
            .ok("get_resource", json!({"resource_type": "User", "id": id}))
            .await["version"],
        "the stale delete changed nothing"
    );
    // A string id is echoed as it came.
    let body = r#"{"jsonrpc":"2.0","id":"call-9","method":"tools/call","params":{"name":"list_resource_types"}}"#;
    let (direct, through_rmcp) = (
        tools_call(address, body, "").await,
        tools_call(address, body, "Origin: http://localhost\r\n").await,
    );
    assert_eq!(direct, through_rmcp);
    assert_eq!(direct["id"], "call-9");
    // A name that is not a tool is rmcp's to answer: a JSON-RPC error.
    let body = r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nope"}}"#;
    assert!(tools_call(address, body, "").await["error"].is_object());
}

/// A `tools/call` POST with the acme token; the JSON-RPC response, its result's text
/// parsed and `resultType` (which rmcp writes only for newer protocols) left out.
async fn tools_call(address: &str, body: &str, extra_headers: &str) -> Value {
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {ACME}\r\n\
         Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         MCP-Protocol-Version: 2025-06-18\r\n{extra_headers}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let response = raw_http(address, &request).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let mut answer: Value = serde_json::from_str(body).unwrap();
    if let Some(result) = answer.get_mut("result").and_then(Value::as_object_mut) {
        result.remove("resultType");
        if let Some(text) = result["content"][0]["text"].as_str() {
            let parsed: Value = serde_json::from_str(text).unwrap();
            result["content"][0]["text"] = parsed;
        }
    }
    answer
}

/// `get_resource` of a group.
async fn read_group(agent: &Agent, id: &str) -> Value {
    agent
        .ok("get_resource", json!({"resource_type": "Group", "id": id}))
        .await
}

/// Sends one HTTP/1.1 request and reads the whole response.
async fn raw_http(address: &str, request: &str) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}
