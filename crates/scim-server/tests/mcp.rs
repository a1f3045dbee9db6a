//! MCP through the binary: Streamable HTTP at `/mcp` behind the SCIM bearer tokens, on
//! SQLite, PostgreSQL and MariaDB, and `scim-server mcp-stdio`; what an agent writes is
//! what `/scim/v2` serves, with the same version.

mod common;

use common::*;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};

type Agent = RunningService<RoleClient, ()>;

async fn call(agent: &Agent, tool: &str, arguments: Value) -> (bool, Value) {
    let Value::Object(arguments) = arguments else {
        panic!("arguments are an object");
    };
    let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
    let result: CallToolResult = agent.call_tool(params).await.expect("a tool result");
    (
        result.is_error == Some(true),
        result.structured_content.expect("structured"),
    )
}

/// An agent's session over HTTP: create, read, a stale write refused, and the same
/// resource and version through `/scim/v2`.
async fn agent_session(server: &Server, token: &str) {
    let config = StreamableHttpClientTransportConfig::with_uri(format!(
        "http://127.0.0.1:{}/mcp",
        server.port
    ))
    .auth_header(token);
    let agent = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    assert_eq!(agent.list_all_tools().await.unwrap().len(), 10);

    let user_name = random_name("agent");
    let resource = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                          "userName": user_name});
    let (failed, created) = call(
        &agent,
        "create_resource",
        json!({"resource_type": "User", "resource": resource}),
    )
    .await;
    assert!(!failed, "{created}");
    let id = created["resource"]["id"].as_str().unwrap().to_owned();
    let version = created["version"].as_str().unwrap().to_owned();

    let patch = |version: &str| {
        json!({"resource_type": "User", "id": id, "version": version,
               "operations": [{"op": "replace", "path": "active", "value": false}]})
    };
    let (failed, patched) = call(&agent, "patch_resource", patch(&version)).await;
    assert!(!failed, "{patched}");
    let (failed, refused) = call(&agent, "patch_resource", patch(&version)).await;
    assert!(failed);
    assert_eq!(refused["error"], "version_mismatch");
    assert_eq!(refused["current_version"], patched["version"]);

    let path = format!("/scim/v2/Users/{id}");
    let (status, headers, body) = server
        .try_request("GET", &path, Some(token), None, &[])
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        Some(patched["version"].as_str().unwrap()),
        header(&headers, "etag")
    );
    let scim: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(scim, patched["resource"]);
    agent.cancel().await.unwrap();

    // The same endpoint refuses a request without a token, as SCIM does.
    let (status, headers, _) = server
        .try_request("POST", "/mcp", None, Some("{}"), &[])
        .unwrap();
    assert_eq!(status, 401);
    assert!(header(&headers, "www-authenticate").is_some());
}

fn on(database: &str) {
    let tenant = random_name("mcp");
    let token = "mcp-token";
    let server = Server::start(database, &tenant, token);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(agent_session(&server, token));
}

#[test]
fn mcp_over_http_on_sqlite() {
    let dir = std::env::temp_dir().join(random_name("scim-mcp"));
    std::fs::create_dir_all(&dir).unwrap();
    on(&format!("sqlite://{}", dir.join("scim.db").display()));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn mcp_over_http_on_postgres() {
    let Ok(url) = std::env::var("SCIM_TEST_POSTGRES_URL") else {
        eprintln!("skipped: SCIM_TEST_POSTGRES_URL is not set");
        return;
    };
    on(&url);
}

#[test]
fn mcp_over_http_on_mysql() {
    let Ok(url) = std::env::var("SCIM_TEST_MYSQL_URL") else {
        eprintln!("skipped: SCIM_TEST_MYSQL_URL is not set");
        return;
    };
    on(&url);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_over_stdio_writes_what_http_serves() {
    let dir = std::env::temp_dir().join(random_name("scim-mcp-stdio"));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}", dir.join("scim.db").display());
    let config = dir.join("scim.toml");
    std::fs::write(&config, "[tenants.acme]\nprofile = \"lenient\"\n").unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_scim-server"));
    command
        .args(["mcp-stdio", "--database", &database, "--tenant", "acme"])
        .args(["--config", config.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .env_remove("SCIM_TOKEN")
        .env_remove("SCIM_TENANTS");
    let agent = ().serve(TokioChildProcess::new(command).unwrap()).await.unwrap();
    let resource = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                          "displayName": "Engineering"});
    let (failed, created) = call(
        &agent,
        "create_resource",
        json!({"resource_type": "Group", "resource": resource}),
    )
    .await;
    assert!(!failed, "{created}");
    // A write without a version is refused by default.
    let (failed, refused) = call(
        &agent,
        "delete_resource",
        json!({"resource_type": "Group", "id": created["resource"]["id"]}),
    )
    .await;
    assert!(failed);
    assert_eq!(refused["error"], "invalid");
    // The tenant's profile from the file: lenient drops an attribute no schema defines.
    let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                      "userName": random_name("lenient"), "favouriteColour": "teal"});
    let (failed, lenient) = call(
        &agent,
        "create_resource",
        json!({"resource_type": "User", "resource": user}),
    )
    .await;
    assert!(!failed, "{lenient}");
    agent.cancel().await.unwrap();

    let server = Server::start(&database, "acme", "acme-token");
    let id = created["resource"]["id"].as_str().unwrap();
    let path = format!("/scim/v2/Groups/{id}");
    let (status, headers, _) = server
        .try_request("GET", &path, Some("acme-token"), None, &[])
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        Some(created["version"].as_str().unwrap()),
        header(&headers, "etag")
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
