//! [`ScimService`]: one SCIM endpoint on `http` types, and a `tower::Service`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{
    ALLOW, CONTENT_TYPE, HeaderValue, IF_MATCH, IF_NONE_MATCH, LOCATION, RETRY_AFTER,
    WWW_AUTHENTICATE,
};
use http::request::Parts;
use http::{Method, Request, Response};
use http_body::Body;
use http_body_util::Full;
use scim_ops::{
    BaseUrl, ErrorKind, QueryParams, ScimError, ScimOperation, ScimOperationHandler,
    ScimOperationRequest, ScimOperationResponse, Target,
};
use scim_provider::RequestContext;
use serde_json::Value;
use tracing::Instrument as _;

use crate::auth::{Authenticator, Principal};
use crate::body::{BodyLimits, SCIM_JSON, collect_limited, is_json, parse_json};
use crate::forwarded::forwarded_origin;
use crate::limits::{Limiter, timed_out};
use crate::observe::{Exchange, ResourceTypeLabels, Seen};
use crate::routing::{Route, UNMATCHED};
use crate::{HttpConfig, add_etag_to_response, extract_etag_from_headers};

/// The error type of boxed body errors.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A SCIM endpoint. Cheap to clone (one reference count).
///
/// It is a [`tower::Service`](tower_service::Service) for `http::Request<B>` with any
/// [`http_body::Body`] `B`, so axum, hyper or tonic mount it directly (axum:
/// `Router::nest_service` with [`nested`](Self::nested)) and wrap it in tower-http
/// layers; [`serve`](Self::serve) is the same as an `async fn`, and
/// [`handle`](Self::handle) takes a body already read. It never fails and never
/// panics: every failure is a SCIM error response.
///
/// It serves under the path of the handler's
/// [`ServiceConfig::base_url`](scim_ops::ServiceConfig), which is also the base of
/// every `meta.location` and `Location`.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use std::sync::Arc;
/// use bytes::Bytes;
/// use scim_http::{HttpConfig, ScimService, StaticTokens};
/// use scim_ops::{ScimOperationHandler, ServiceConfig};
/// use scim_provider::InMemoryProvider;
/// use scim_schema::SchemaRegistry;
///
/// let handler = ScimOperationHandler::new(
///     Arc::new(InMemoryProvider::new()),
///     Arc::new(SchemaRegistry::default()),
///     ServiceConfig::new("https://scim.example.com/scim/v2"),
/// );
/// let service = ScimService::new(handler, StaticTokens::new().with_token("t0k3n", "default"), HttpConfig::default());
///
/// let request = http::Request::post("/scim/v2/Users")
///     .header("authorization", "Bearer t0k3n")
///     .header("content-type", "application/scim+json")
///     .body(Bytes::from(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}"#))
///     .unwrap();
/// let response = service.handle(request).await;
/// assert_eq!(response.status(), 201);
/// assert!(response.headers().contains_key("etag"));
/// assert!(response.headers()["location"].to_str().unwrap().starts_with("https://scim.example.com/scim/v2/Users/"));
/// # });
/// ```
#[derive(Clone)]
pub struct ScimService {
    inner: Arc<Inner>,
    /// Paths arrive relative to the base path (a router stripped it).
    nested: bool,
}

struct Inner {
    handler: ScimOperationHandler,
    authenticator: Box<dyn Authenticator>,
    config: HttpConfig,
    base_url: BaseUrl,
    labels: ResourceTypeLabels,
    limiter: Limiter,
    /// The OpenAPI document, written when first asked for.
    openapi: OnceLock<Bytes>,
}

impl std::fmt::Debug for ScimService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimService")
            .field("base_url", &self.inner.base_url)
            .field("config", &self.inner.config)
            .field("nested", &self.nested)
            .finish_non_exhaustive()
    }
}

impl ScimService {
    /// A service answering through `handler`, authenticating with `authenticator`.
    pub fn new(
        handler: ScimOperationHandler,
        authenticator: impl Authenticator + 'static,
        config: HttpConfig,
    ) -> Self {
        let limiter = Limiter::new(config.limits.clone());
        Self::with_limiter(handler, Box::new(authenticator), config, limiter)
    }

    /// This service under a new handler, authenticator and configuration, for a
    /// server whose configuration is reloaded: each tenant's use of its limits carries
    /// over. Its requests in progress still count against `max_in_flight`, and its
    /// rate's bucket keeps the tokens it has (within the new burst), so a reload
    /// neither lets a tenant's requests in progress count from zero nor refills its
    /// bucket. Requests this service is answering finish under it.
    pub fn reconfigured(
        &self,
        handler: ScimOperationHandler,
        authenticator: impl Authenticator + 'static,
        config: HttpConfig,
    ) -> Self {
        let limiter = self.inner.limiter.carried_over(config.limits.clone());
        let service = Self::with_limiter(handler, Box::new(authenticator), config, limiter);
        Self {
            nested: self.nested,
            ..service
        }
    }

    fn with_limiter(
        handler: ScimOperationHandler,
        authenticator: Box<dyn Authenticator>,
        config: HttpConfig,
        limiter: Limiter,
    ) -> Self {
        let base_url = handler.config().base_url.clone();
        let labels = ResourceTypeLabels::new(handler.registry());
        Self {
            inner: Arc::new(Inner {
                handler,
                authenticator,
                config,
                base_url,
                labels,
                limiter,
                openapi: OnceLock::new(),
            }),
            nested: false,
        }
    }

    /// The same service for a router that strips the base path before calling it
    /// (axum's `nest_service`, say): request paths are read as relative to
    /// [`base_path`](Self::base_path).
    pub fn nested(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            nested: true,
        }
    }

    /// The path SCIM is served under (`/scim/v2`): the path of the handler's base URL.
    pub fn base_path(&self) -> &str {
        self.inner.base_url.path()
    }

    /// The operation handler.
    pub fn handler(&self) -> &ScimOperationHandler {
        &self.inner.handler
    }

    /// The HTTP configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// Answers one request, reading at most
    /// [`max_body_size`](HttpConfig::max_body_size) bytes of its body (`413` beyond).
    /// A larger body is read on and thrown away, up to
    /// [`max_drained_body_size`](HttpConfig::max_drained_body_size), so that a client
    /// still sending it reads the `413`; past that the answer says `Connection: close`.
    pub async fn serve<B>(&self, request: Request<B>) -> Response<Bytes>
    where
        B: Body,
        B::Error: Into<BoxError>,
    {
        let (parts, body) = request.into_parts();
        let config = &self.inner.config;
        let limits = BodyLimits {
            keep: config.max_body_size,
            drain: config.max_drained_body_size,
        };
        let abandoned = AtomicBool::new(false);
        let mut response = self
            .observed(parts, collect_limited(body, limits, &abandoned))
            .await;
        if abandoned.into_inner() {
            let close = HeaderValue::from_static("close");
            response
                .headers_mut()
                .insert(http::header::CONNECTION, close);
        }
        response
    }

    /// Answers one request whose body is already read.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = request.into_parts();
        self.observed(parts, std::future::ready(Ok(body))).await
    }

    /// Answers a request inside its span, then logs and counts it (see `observe`).
    async fn observed(
        &self,
        parts: Parts,
        body: impl Future<Output = Result<Bytes, ScimError>>,
    ) -> Response<Bytes> {
        let exchange = Exchange::start(&parts.method, &parts.headers);
        let tenant_label = self.inner.handler.config().metrics_tenant_label;
        let mut seen = Seen::new(tenant_label);
        let respond = self
            .respond(parts, body, &exchange.id, &mut seen)
            .instrument(exchange.span.clone());
        let mut response = match self.inner.limiter.timeout() {
            Some(limit) => match tokio::time::timeout(limit, respond).await {
                Ok(answered) => answered.unwrap_or_else(|failure| failure),
                Err(_) => error_response(timed_out(limit)),
            },
            None => respond.await.unwrap_or_else(|failure| failure),
        };
        let status = response.status();
        let labels = (&self.inner.labels, tenant_label);
        exchange.finish(seen, status, response.headers_mut(), labels);
        response
    }

    async fn respond(
        &self,
        parts: Parts,
        body: impl Future<Output = Result<Bytes, ScimError>>,
        request_id: &Arc<str>,
        seen: &mut Seen,
    ) -> Result<Response<Bytes>, Response<Bytes>> {
        let inner = &*self.inner;
        seen.route = UNMATCHED;
        let body = body.await;
        let rest = self
            .below_base(parts.uri.path())
            .ok_or_else(|| error_response(not_found()))?;
        let (path_tenant, rest) = match inner.config.tenant_in_path {
            true => split_tenant(rest).ok_or_else(|| error_response(not_found()))?,
            false => (None, rest),
        };
        let route = Route::parse(rest);
        if let Some(route) = &route {
            seen.route = route.template();
            seen.resource_type = route.endpoint().and_then(|e| inner.labels.of(e));
        }

        // Authentication comes first: nothing else is revealed to an unknown caller.
        let open = inner.config.open_discovery && route.as_ref().is_some_and(Route::is_discovery);
        let principal = if open {
            None
        } else {
            match inner.authenticator.authenticate(&parts).await {
                Ok(principal) => Some(principal),
                Err(err) => return Err(unauthorized(err.detail)),
            }
        };
        let tenant = match (&principal, path_tenant) {
            (Some(p), Some(t)) if *p.tenant != *t => {
                return Err(error_response(ScimError::new(
                    ErrorKind::Forbidden,
                    "the credentials are not valid for this tenant",
                )));
            }
            (_, Some(t)) => t.into(),
            (Some(p), None) => p.tenant.clone(),
            (None, None) => RequestContext::DEFAULT_TENANT.into(),
        };
        if seen.keep_tenant {
            seen.tenant = Some(tenant.clone());
        }
        // In progress until this function returns, its response built.
        let _admission = inner.limiter.admit(&tenant).map_err(error_response)?;

        let route = route.ok_or_else(|| error_response(not_found()))?;
        if !route.allowed().contains(&parts.method) {
            return Err(method_not_allowed(route.allowed()));
        }
        let expected_version = extract_etag_from_headers(&parts.headers, &IF_MATCH)
            .map_err(|e| error_response(e.into()))?;
        let if_none_match = extract_etag_from_headers(&parts.headers, &IF_NONE_MATCH)
            .map_err(|e| error_response(e.into()))?;
        let body = body.map_err(error_response)?;
        if let Some(limit) = inner.config.limits.body_size_of(&tenant)
            && body.len() > limit
        {
            return Err(error_response(crate::body::too_large(limit)));
        }
        let json = match parts.method {
            Method::POST | Method::PUT | Method::PATCH => {
                Some(self.json_body(&parts, &body).map_err(error_response)?)
            }
            _ => None,
        };
        let Some(operation) = operation(route, &parts.method, json) else {
            return Ok(self.openapi_response());
        };
        let mut op = ScimOperationRequest::new(operation);
        op.serialized_ok = true;
        op.body_size = Some(body.len());
        op.expected_version = expected_version;
        op.if_none_match = if_none_match;
        op.base_url = self.request_base_url(&parts, path_tenant);
        op.context = context(tenant, principal.as_ref(), request_id);
        op.query = parts.uri.query().map(query_params).unwrap_or_default();
        Ok(into_http(inner.handler.handle(op).await))
    }

    /// `GET /openapi.json`: the document of [`openapi_document`](crate::openapi_document).
    fn openapi_response(&self) -> Response<Bytes> {
        let inner = &*self.inner;
        let document = inner.openapi.get_or_init(|| {
            let document = crate::openapi_document(&inner.handler, &inner.config);
            Bytes::from(serde_json::to_vec(&document).unwrap_or_default())
        });
        let mut response = Response::new(document.clone());
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }

    /// The path below the base path, or `None` when the path is outside it.
    fn below_base<'p>(&self, path: &'p str) -> Option<&'p str> {
        let base = self.base_path();
        if self.nested || base == "/" {
            return Some(path);
        }
        let rest = path.strip_prefix(base)?;
        (rest.is_empty() || rest.starts_with('/')).then_some(rest)
    }

    /// The JSON body of a write, within the limits.
    fn json_body(&self, parts: &Parts, body: &[u8]) -> Result<Value, ScimError> {
        if !is_json(&parts.headers) {
            return Err(ScimError::new(
                ErrorKind::UnsupportedMediaType,
                "the body must be application/scim+json or application/json",
            ));
        }
        let config = &self.inner.config;
        parse_json(body, config.max_body_size, config.max_json_depth)
    }

    /// The public base URL of this request when it differs from the configured one: a
    /// trusted proxy's origin, a tenant segment in the path. `None` otherwise, so the
    /// common request allocates nothing for it.
    fn request_base_url(&self, parts: &Parts, path_tenant: Option<&str>) -> Option<String> {
        let forwarded = match self.inner.config.trust_forwarded {
            true => forwarded_origin(&parts.headers),
            false => None,
        };
        if forwarded.is_none() && path_tenant.is_none() {
            return None;
        }
        let mut base = match forwarded {
            Some(origin) => self.inner.base_url.with_origin(&origin),
            None => self.inner.base_url.clone(),
        };
        if let Some(tenant) = path_tenant {
            base = base.join(tenant);
        }
        Some(base.to_string())
    }
}

impl<B> tower_service::Service<Request<B>> for ScimService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.serve(request).await.map(Full::new)) })
    }
}

/// `/{tenant}/rest` into the tenant and `/rest`.
fn split_tenant(rest: &str) -> Option<(Option<&str>, &str)> {
    let rest = rest.strip_prefix('/')?;
    let (tenant, rest) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    (!tenant.is_empty()).then_some((Some(tenant), rest))
}

/// The operation a method means on a route, with the request's JSON body (read for
/// `POST`, `PUT` and `PATCH`); `None` for the one route that is no SCIM operation, the
/// OpenAPI document.
fn operation(route: Route, method: &Method, body: Option<Value>) -> Option<ScimOperation> {
    let body = body.unwrap_or_default();
    Some(match route {
        Route::Resource { endpoint, id: None } if *method == Method::POST => {
            ScimOperation::Create {
                resource_type: endpoint,
                body,
            }
        }
        Route::Resource { endpoint, id: None } => ScimOperation::List {
            resource_type: Some(endpoint),
        },
        Route::Resource {
            endpoint,
            id: Some(id),
        } => single(
            method,
            Target::Resource {
                resource_type: endpoint,
                id,
            },
            body,
        ),
        Route::Me => single(method, Target::Me, body),
        Route::Search { endpoint } => ScimOperation::Search {
            resource_type: endpoint,
            body,
        },
        Route::Bulk => ScimOperation::Bulk { body },
        Route::ServiceProviderConfig => ScimOperation::ServiceProviderConfig,
        Route::ResourceTypes(id) => ScimOperation::ResourceTypes { id },
        Route::Schemas(id) => ScimOperation::Schemas { id },
        Route::OpenApi => return None,
    })
}

/// The operation of a method on one resource.
fn single(method: &Method, target: Target, body: Value) -> ScimOperation {
    match *method {
        Method::PUT => ScimOperation::Replace { target, body },
        Method::PATCH => ScimOperation::Patch { target, body },
        Method::DELETE => ScimOperation::Delete { target },
        _ => ScimOperation::Get { target },
    }
}

fn context(
    tenant: Arc<str>,
    principal: Option<&Principal>,
    request_id: &Arc<str>,
) -> RequestContext {
    let mut ctx = RequestContext::new(tenant).with_request_id(request_id.clone());
    if let Some(principal) = principal {
        ctx = ctx.with_principal(principal.name.clone());
    }
    ctx
}

fn query_params(query: &str) -> QueryParams {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    QueryParams::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

fn not_found() -> ScimError {
    ScimError::not_found("no SCIM endpoint at this path")
}

/// A SCIM error as an HTTP response (status, `application/scim+json` error body), for
/// an adapter that fails before the service sees the request.
///
/// ```
/// use scim_ops::{ErrorKind, ScimError};
///
/// let response = scim_http::error_response(ScimError::new(ErrorKind::BadRequest, "unreadable"));
/// assert_eq!(response.status(), 400);
/// ```
pub fn error_response(err: ScimError) -> Response<Bytes> {
    into_http(err.into())
}

/// The `401` of a request that was not authenticated: a SCIM error body with
/// `WWW-Authenticate: Bearer`, for another endpoint on the same credentials (an MCP
/// endpoint, say) to answer as SCIM does.
///
/// ```
/// let response = scim_http::unauthorized("a bearer token is required");
/// assert_eq!(response.status(), 401);
/// assert!(response.headers().contains_key("www-authenticate"));
/// ```
pub fn unauthorized(detail: &str) -> Response<Bytes> {
    let mut response = error_response(ScimError::new(ErrorKind::Unauthorized, detail));
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"SCIM\""),
    );
    response
}

fn method_not_allowed(allowed: &[Method]) -> Response<Bytes> {
    let mut response = error_response(ScimError::new(
        ErrorKind::MethodNotAllowed,
        "this endpoint does not answer that method",
    ));
    let list = allowed
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(value) = HeaderValue::from_str(&list) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// An operation's outcome as an HTTP response.
fn into_http(mut outcome: ScimOperationResponse) -> Response<Bytes> {
    let body = match (outcome.serialized_body.take(), &outcome.body) {
        (Some(serialized), _) => Bytes::from(serialized.into_bytes()),
        (None, Some(body)) => Bytes::from(serde_json::to_vec(body).unwrap_or_default()),
        (None, None) => Bytes::new(),
    };
    let has_body = !body.is_empty();
    let mut response = Response::new(body);
    *response.status_mut() = outcome.status;
    if has_body {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    }
    if let Some(version) = &outcome.current_version {
        add_etag_to_response(&mut response, version);
    }
    if let Some(location) = outcome
        .location
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        response.headers_mut().insert(LOCATION, location);
    }
    if let Some(wait) = outcome.retry_after {
        // Whole seconds (RFC 9110 section 10.2.3), rounded up: never "0".
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        response
            .headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
    response
}
