//! A loopback MCP server over the in-memory provider, and agents (rmcp clients over
//! Streamable HTTP) that call its tools.

use std::sync::Arc;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{RoleClient, ServiceExt as _};
use scim_http::StaticTokens;
use scim_mcp::{McpConfig, McpService, ScimMcp};
use scim_ops::{ScimOperationHandler, ServiceConfig};
use scim_provider::InMemoryProvider;
use scim_schema::SchemaRegistry;
use serde_json::Value;

/// The tokens every test server accepts, and their tenants.
pub(crate) const ACME: &str = "acme-token";
pub(crate) const GLOBEX: &str = "globex-token";

/// A running server: where its MCP endpoint is.
pub(crate) struct Server {
    pub(crate) url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `/mcp` on a loopback port, tenants `acme` and `globex`.
pub(crate) async fn serve(config: McpConfig) -> Server {
    let handler = ScimOperationHandler::new(
        Arc::new(InMemoryProvider::new()),
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::new("http://scim.test/scim/v2"),
    );
    let tokens = StaticTokens::new()
        .with_token(ACME, "acme")
        .with_token(GLOBEX, "globex");
    let service = McpService::new(ScimMcp::new(handler, config), tokens);
    let app = axum::Router::new().route_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server { url, task }
}

/// An agent connected with `token`.
pub(crate) struct Agent {
    client: RunningService<RoleClient, ()>,
}

impl Agent {
    pub(crate) async fn connect(server: &Server, token: &str) -> Self {
        let config =
            StreamableHttpClientTransportConfig::with_uri(server.url.as_str()).auth_header(token);
        let transport = StreamableHttpClientTransport::from_config(config);
        let client = ().serve(transport).await.expect("the agent connects");
        Self { client }
    }

    /// Calls a tool; a protocol error fails the test.
    pub(crate) async fn call(&self, tool: &str, arguments: Value) -> CallToolResult {
        let Value::Object(arguments) = arguments else {
            panic!("arguments are an object");
        };
        let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
        self.client
            .call_tool(params)
            .await
            .unwrap_or_else(|err| panic!("{tool}: protocol error {err}"))
    }

    /// Calls a tool that must succeed; its structured content.
    pub(crate) async fn ok(&self, tool: &str, arguments: Value) -> Value {
        self.expect(tool, arguments, false).await
    }

    /// Calls a tool that must fail; its structured error.
    pub(crate) async fn err(&self, tool: &str, arguments: Value) -> Value {
        self.expect(tool, arguments, true).await
    }

    /// Calls a tool whose result must be an error or not, as `failing` says.
    async fn expect(&self, tool: &str, arguments: Value, failing: bool) -> Value {
        let result = self.call(tool, arguments.clone()).await;
        let content = structured(&result);
        assert_eq!(
            result.is_error,
            Some(failing),
            "{tool} {arguments}: {content}"
        );
        content
    }

    /// The tools the server lists.
    pub(crate) async fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.client.list_all_tools().await.expect("tools/list")
    }
}

/// The structured content, which must equal the JSON of the text content.
pub(crate) fn structured(result: &CallToolResult) -> Value {
    let content = result
        .structured_content
        .clone()
        .expect("every result is structured");
    let text = result.content[0]
        .as_text()
        .expect("and has a text")
        .text
        .clone();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), content);
    content
}

/// A User to create.
pub(crate) fn user(user_name: &str) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
    })
}

/// A Group to create.
pub(crate) fn group(display_name: &str) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": display_name,
    })
}
