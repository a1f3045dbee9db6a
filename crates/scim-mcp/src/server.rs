//! [`ScimMcp`]: the MCP server, and who each tool call runs for.

use std::sync::Arc;

use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::model::{Implementation, JsonObject, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, tool_handler};
use scim_http::Principal;
use scim_ops::ScimOperationHandler;
use scim_provider::RequestContext;

use crate::McpConfig;
use crate::answer::ToolError;

/// What the server tells an agent when it connects.
const INSTRUCTIONS: &str = "\
SCIM 2.0 users and groups. Discover with list_resource_types and get_schema; find with \
search_resources; read with get_resource, which answers the resource and its version. \
Every write takes the version you read and answers the new one: if someone changed the \
resource since, the write is refused with error \"version_mismatch\", the current_version \
and the current resource; look at it, decide, and write again with that version. \
add_members and remove_members need no version: they never undo another writer's change.";

/// An MCP server whose tools are SCIM operations, run by a [`ScimOperationHandler`]:
/// the same validation, storage and optimistic concurrency as `/scim/v2`, with no
/// second implementation of any operation. Cheap to clone (one reference count).
///
/// Each call runs for a tenant: the one fixed by
/// [`with_principal`](Self::with_principal) (stdio, a local agent), or else the
/// [`Principal`] the HTTP transport authenticated the request as
/// ([`McpService`](crate::McpService)). A call with neither is refused.
///
/// ```
/// use std::sync::Arc;
/// use scim_mcp::{McpConfig, ScimMcp};
/// use scim_ops::{ScimOperationHandler, ServiceConfig};
/// use scim_provider::InMemoryProvider;
/// use scim_schema::SchemaRegistry;
///
/// let handler = ScimOperationHandler::new(
///     Arc::new(InMemoryProvider::new()),
///     Arc::new(SchemaRegistry::default()),
///     ServiceConfig::new("https://scim.example.com/scim/v2"),
/// );
/// let mcp = ScimMcp::new(handler, McpConfig::default());
/// let names: Vec<String> = mcp.tools().into_iter().map(|tool| tool.name.into()).collect();
/// assert!(names.contains(&"patch_resource".to_owned()));
/// ```
#[derive(Clone)]
pub struct ScimMcp {
    inner: Arc<Inner>,
}

struct Inner {
    handler: ScimOperationHandler,
    config: McpConfig,
    principal: Option<Principal>,
    tools: ToolRouter<ScimMcp>,
}

impl std::fmt::Debug for ScimMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimMcp")
            .field("config", &self.inner.config)
            .field("principal", &self.inner.principal)
            .finish_non_exhaustive()
    }
}

impl ScimMcp {
    /// The tools over `handler`; each call runs for the principal its HTTP request
    /// was authenticated as.
    pub fn new(handler: ScimOperationHandler, config: McpConfig) -> Self {
        Self::build(handler, config, None)
    }

    /// The same tools, every call run for `principal` (its tenant): for a transport
    /// with no per-request credentials, such as stdio.
    pub fn with_principal(&self, principal: Principal) -> Self {
        let inner = &self.inner;
        Self::build(inner.handler.clone(), inner.config.clone(), Some(principal))
    }

    fn build(
        handler: ScimOperationHandler,
        config: McpConfig,
        principal: Option<Principal>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                handler,
                config,
                principal,
                tools: Self::tool_router(),
            }),
        }
    }

    /// The operation handler the tools run.
    pub fn handler(&self) -> &ScimOperationHandler {
        &self.inner.handler
    }

    /// The configuration.
    pub fn config(&self) -> &McpConfig {
        &self.inner.config
    }

    /// The tools, as `tools/list` answers them.
    pub fn tools(&self) -> Vec<rmcp::model::Tool> {
        self.inner.tools.list_all()
    }

    /// The request context a call runs under: its tenant and principal, and the
    /// HTTP request's `X-Request-Id` when it has one.
    pub(crate) fn caller(
        &self,
        http: Option<&http::request::Parts>,
    ) -> Result<RequestContext, ToolError> {
        let principal = match &self.inner.principal {
            Some(principal) => principal,
            None => http
                .and_then(|parts| parts.extensions.get::<Principal>())
                .ok_or_else(|| ToolError::forbidden("the call is not authenticated"))?,
        };
        let mut context =
            RequestContext::new(principal.tenant.clone()).with_principal(principal.name.clone());
        let request_id = http
            .and_then(|parts| parts.headers.get("x-request-id"))
            .and_then(|value| value.to_str().ok());
        if let Some(id) = request_id {
            context = context.with_request_id(id);
        }
        Ok(context)
    }
}

#[tool_handler(router = self.inner.tools)]
impl ServerHandler for ScimMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("scim-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}

/// One tool call as rmcp hands it over: the tool's name (as the router matched it),
/// who it runs for (or why it cannot run) and its arguments, still to be read
/// (`tools.rs`).
pub(crate) struct Call {
    pub(crate) name: std::borrow::Cow<'static, str>,
    pub(crate) caller: Result<RequestContext, ToolError>,
    pub(crate) arguments: JsonObject,
}

impl FromContextPart<ToolCallContext<'_, ScimMcp>> for Call {
    fn from_context_part(call: &mut ToolCallContext<'_, ScimMcp>) -> Result<Self, ErrorData> {
        let http = call
            .request_context
            .extensions
            .get::<http::request::Parts>();
        Ok(Self {
            name: call.name.clone(),
            caller: call.service.caller(http),
            arguments: call.arguments.take().unwrap_or_default(),
        })
    }
}
