//! [`McpService`]: the tools over MCP Streamable HTTP, behind the same authentication
//! as `/scim/v2`.

use std::convert::Infallible;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt as _, Full};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use scim_http::Authenticator;

use crate::ScimMcp;
use crate::direct::{self, Direct};

/// The response body: rmcp's, a JSON answer or an event stream.
pub type McpBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

/// The configuration of the Streamable HTTP transport; see
/// [`McpService::default_config`].
pub type McpServiceConfig = StreamableHttpServerConfig;

/// The MCP endpoint: a `tower::Service` for `http::Request<B>` that authenticates
/// every request with an [`Authenticator`] (a `401` with a SCIM error body and
/// `WWW-Authenticate: Bearer` when it fails, before anything else is read), then hands
/// it to rmcp's Streamable HTTP server with the [`Principal`](scim_http::Principal) in
/// its extensions, where each tool call finds its tenant. Mount it at `/mcp`.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use std::sync::Arc;
/// use scim_http::StaticTokens;
/// use scim_mcp::{McpConfig, McpService, ScimMcp};
/// use scim_ops::{ScimOperationHandler, ServiceConfig};
/// use scim_provider::InMemoryProvider;
/// use scim_schema::SchemaRegistry;
///
/// let handler = ScimOperationHandler::new(
///     Arc::new(InMemoryProvider::new()),
///     Arc::new(SchemaRegistry::default()),
///     ServiceConfig::default(),
/// );
/// let mcp = ScimMcp::new(handler, McpConfig::default());
/// let service = McpService::new(mcp, StaticTokens::new().with_token("t0k3n", "acme"));
/// let anonymous = http::Request::post("/mcp")
///     .header("host", "localhost")
///     .body(String::new())
///     .unwrap();
/// assert_eq!(service.handle(anonymous).await.status(), 401);
/// # });
/// ```
#[derive(Clone)]
pub struct McpService {
    inner: Arc<Inner>,
}

struct Inner {
    authenticator: Box<dyn Authenticator>,
    tools: ScimMcp,
    /// When tool calls skip rmcp (`direct.rs`).
    direct: Option<Direct>,
    mcp: StreamableHttpService<ScimMcp, LocalSessionManager>,
}

impl std::fmt::Debug for McpService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpService").finish_non_exhaustive()
    }
}

impl McpService {
    /// The tools of `mcp` behind `authenticator`, with
    /// [`default_config`](Self::default_config).
    pub fn new(mcp: ScimMcp, authenticator: impl Authenticator + 'static) -> Self {
        Self::with_config(mcp, authenticator, Self::default_config())
    }

    /// The same with a transport configuration of your own.
    pub fn with_config(
        mcp: ScimMcp,
        authenticator: impl Authenticator + 'static,
        config: McpServiceConfig,
    ) -> Self {
        let sessions = Arc::new(LocalSessionManager::default());
        let direct = Direct::for_config(&config);
        let tools = mcp.clone();
        Self {
            inner: Arc::new(Inner {
                authenticator: Box::new(authenticator),
                tools,
                direct,
                mcp: StreamableHttpService::new(move || Ok(mcp.clone()), sessions, config),
            }),
        }
    }

    /// Stateless and answered in plain JSON: every request stands alone, so any
    /// number of server processes can serve one agent without sticky sessions, and a
    /// tool call is one POST answered by one JSON body. In this mode only, a plain
    /// tool call is answered by this crate itself, as rmcp would answer it, at a
    /// fraction of the cost. rmcp's `Host` check stays on (loopback names only): a
    /// server reached under another name allows it with `with_allowed_hosts`, or
    /// turns the check off with `disable_allowed_hosts` when every request needs a
    /// bearer token anyway (a browser cannot send one for a rebinding page, which is
    /// what the check guards against).
    pub fn default_config() -> McpServiceConfig {
        let mut config = McpServiceConfig::default();
        config.legacy_session_mode = false;
        config.json_response = true;
        config
    }

    /// Answers one request.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<McpBody>
    where
        B: Body + Send + 'static,
        B::Data: Send + 'static,
        B::Error: Display,
    {
        let inner = &*self.inner;
        let (mut parts, body) = request.into_parts();
        match inner.authenticator.authenticate(&parts).await {
            Ok(principal) => parts.extensions.insert(principal),
            Err(err) => {
                return scim_http::unauthorized(err.detail).map(|body| Full::new(body).boxed());
            }
        };
        if !inner
            .direct
            .as_ref()
            .is_some_and(|direct| direct.takes(&parts))
        {
            return inner.mcp.handle(Request::from_parts(parts, body)).await;
        }
        let Some(body) = direct::read(body).await else {
            let text = Bytes::from_static(b"the request body could not be read");
            let mut refused = Response::new(Full::new(text).boxed());
            *refused.status_mut() = http::StatusCode::BAD_REQUEST;
            return refused;
        };
        match Direct::answer(&inner.tools, &parts, body).await {
            Ok(answered) => answered,
            Err(body) => {
                let request = Request::from_parts(parts, Full::new(body));
                inner.mcp.handle(request).await
            }
        }
    }
}

impl<B> tower_service::Service<Request<B>> for McpService
where
    B: Body + Send + 'static,
    B::Data: Send + 'static,
    B::Error: Display,
{
    type Response = Response<McpBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.handle(request).await) })
    }
}
