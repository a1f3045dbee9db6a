//! [`ScimService`]: one SCIM endpoint on `http` types.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{
    ALLOW, CONTENT_TYPE, HeaderValue, IF_MATCH, IF_NONE_MATCH, LOCATION, WWW_AUTHENTICATE,
};
use http::{Method, Request, Response, StatusCode};
use scim_ops::{
    Operation, QueryParams, ScimError, ScimOperationHandler, ScimOperationRequest,
    ScimOperationResponse,
};
use scim_provider::RequestContext;

use crate::auth::{Authenticator, Principal};
use crate::body::{SCIM_JSON, is_json, parse_json};
use crate::routing::Route;
use crate::{HttpConfig, add_etag_to_response, extract_etag_from_headers};

/// A SCIM endpoint: takes an `http::Request<Bytes>`, returns an `http::Response<Bytes>`.
/// Cheap to clone (one reference count); the framework adapters wrap it.
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
///     ServiceConfig::new("/scim/v2"),
/// );
/// let service = ScimService::new(handler, StaticTokens::new().with_token("t0k3n", "default"), HttpConfig::default());
///
/// let request = http::Request::post("/scim/v2/Users")
///     .header("authorization", "Bearer t0k3n")
///     .header("content-type", "application/scim+json")
///     .body(Bytes::from(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}"#))
///     .unwrap();
/// let response = service.call(request).await;
/// assert_eq!(response.status(), 201);
/// assert!(response.headers().contains_key("etag"));
/// assert_eq!(response.headers()["content-type"], "application/scim+json");
/// # });
/// ```
#[derive(Clone)]
pub struct ScimService {
    inner: Arc<Inner>,
}

struct Inner {
    handler: ScimOperationHandler,
    authenticator: Box<dyn Authenticator>,
    config: HttpConfig,
    base_path: String,
}

impl std::fmt::Debug for ScimService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimService")
            .field("config", &self.inner.config)
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
        let base_path = format!("/{}", config.base_path.trim_matches('/'));
        Self {
            inner: Arc::new(Inner {
                handler,
                authenticator: Box::new(authenticator),
                config,
                base_path,
            }),
        }
    }

    /// The operation handler.
    pub fn handler(&self) -> &ScimOperationHandler {
        &self.inner.handler
    }

    /// The HTTP configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// The SCIM `413` answer for a body larger than [`HttpConfig::max_body_size`], for
    /// adapters that stop reading a body at the limit.
    pub fn payload_too_large(&self) -> Response<Bytes> {
        let limit = self.inner.config.max_body_size;
        error(ScimError::new(
            413,
            None,
            format!("the body exceeds {limit} bytes"),
        ))
    }

    /// Answers one request. Never panics; every failure is a SCIM error response.
    pub async fn call(&self, request: Request<Bytes>) -> Response<Bytes> {
        match self.respond(request).await {
            Ok(response) => response,
            Err(failure) => failure,
        }
    }

    async fn respond(&self, request: Request<Bytes>) -> Result<Response<Bytes>, Response<Bytes>> {
        let inner = &*self.inner;
        let (parts, body) = request.into_parts();
        let rest =
            below_base(parts.uri.path(), &inner.base_path).ok_or_else(|| error(not_found()))?;
        let (path_tenant, rest) = match inner.config.tenant_in_path {
            true => split_tenant(rest).ok_or_else(|| error(not_found()))?,
            false => (None, rest),
        };
        let route = Route::parse(rest);

        // Authentication comes first: nothing else is revealed to an unknown caller.
        let open = inner.config.open_discovery && route.as_ref().is_some_and(Route::is_discovery);
        let principal = if open {
            None
        } else {
            match inner.authenticator.authenticate(&parts.headers).await {
                Ok(principal) => Some(principal),
                Err(err) => return Err(unauthorized(err.detail)),
            }
        };
        let tenant = match (&principal, path_tenant) {
            (Some(p), Some(t)) if *p.tenant != *t => {
                return Err(error(ScimError::new(
                    403,
                    None,
                    "the credentials are not valid for this tenant",
                )));
            }
            (_, Some(t)) => t.into(),
            (Some(p), None) => p.tenant.clone(),
            (None, None) => RequestContext::DEFAULT_TENANT.into(),
        };

        let route = route.ok_or_else(|| error(not_found()))?;
        if !route.allowed().contains(&parts.method) {
            return Err(method_not_allowed(route.allowed()));
        }

        let mut op = operation_request(&route, &parts.method);
        op.serialized_ok = true;
        op.context = context(tenant, principal.as_ref(), &parts.headers);
        op.query = parts.uri.query().map(query_params).unwrap_or_default();
        op.expected_version =
            extract_etag_from_headers(&parts.headers, &IF_MATCH).map_err(|e| error(e.into()))?;
        op.if_none_match = extract_etag_from_headers(&parts.headers, &IF_NONE_MATCH)
            .map_err(|e| error(e.into()))?;
        if matches!(parts.method, Method::POST | Method::PUT | Method::PATCH) {
            if !is_json(&parts.headers) {
                return Err(error(ScimError::new(
                    415,
                    None,
                    "the body must be application/scim+json or application/json",
                )));
            }
            op.body_size = Some(body.len());
            op.body = Some(
                parse_json(
                    &body,
                    inner.config.max_body_size,
                    inner.config.max_json_depth,
                )
                .map_err(error)?,
            );
        }
        Ok(into_http(inner.handler.handle(op).await))
    }
}

/// The path below the base path, or `None` when the path is outside it.
fn below_base<'p>(path: &'p str, base: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// `/{tenant}/rest` into the tenant and `/rest`.
fn split_tenant(rest: &str) -> Option<(Option<&str>, &str)> {
    let rest = rest.strip_prefix('/')?;
    let (tenant, rest) = rest.split_once('/').unwrap_or((rest, ""));
    (!tenant.is_empty()).then_some((Some(tenant), rest))
}

fn operation_request(route: &Route, method: &Method) -> ScimOperationRequest {
    let resource = |operation, endpoint: &str, id: Option<&String>| ScimOperationRequest {
        resource_type: Some(endpoint.to_owned()),
        id: id.cloned(),
        ..ScimOperationRequest::new(operation)
    };
    match route {
        Route::Resource { endpoint, id: None } => {
            let operation = if *method == Method::POST {
                Operation::Create
            } else {
                Operation::List
            };
            resource(operation, endpoint, None)
        }
        Route::Resource {
            endpoint,
            id: Some(id),
        } => resource(single(method), endpoint, Some(id)),
        Route::Me => ScimOperationRequest::new(single(method)).through_me(),
        Route::Search { endpoint } => ScimOperationRequest {
            resource_type: endpoint.clone(),
            ..ScimOperationRequest::new(Operation::Search)
        },
        Route::Bulk => ScimOperationRequest::new(Operation::Bulk),
        Route::ServiceProviderConfig => ScimOperationRequest::new(Operation::ServiceProviderConfig),
        Route::ResourceTypes(id) => ScimOperationRequest {
            id: id.clone(),
            ..ScimOperationRequest::new(Operation::ResourceTypes)
        },
        Route::Schemas(id) => ScimOperationRequest {
            id: id.clone(),
            ..ScimOperationRequest::new(Operation::Schemas)
        },
    }
}

/// The operation of a method on one resource.
fn single(method: &Method) -> Operation {
    match *method {
        Method::PUT => Operation::Replace,
        Method::PATCH => Operation::Patch,
        Method::DELETE => Operation::Delete,
        _ => Operation::Get,
    }
}

fn context(
    tenant: std::sync::Arc<str>,
    principal: Option<&Principal>,
    headers: &http::HeaderMap,
) -> RequestContext {
    let mut ctx = RequestContext::new(tenant);
    if let Some(principal) = principal {
        ctx = ctx.with_principal(principal.name.clone());
    }
    if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        ctx = ctx.with_request_id(id);
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

fn error(err: ScimError) -> Response<Bytes> {
    into_http(err.into())
}

fn unauthorized(detail: &str) -> Response<Bytes> {
    let mut response = error(ScimError::new(401, None, detail));
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"SCIM\""),
    );
    response
}

fn method_not_allowed(allowed: &[Method]) -> Response<Bytes> {
    let mut response = error(ScimError::new(
        405,
        None,
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
    *response.status_mut() =
        StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
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
    response
}
