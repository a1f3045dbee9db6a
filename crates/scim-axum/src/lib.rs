//! Mount a SCIM 2.0 endpoint on axum 0.8.
//!
//! A [`ScimService`] is a `tower::Service`, so axum nests it as it is:
//!
//! ```no_run
//! # async fn run(service: scim_http::ScimService) {
//! let app = axum::Router::new().nest_service(service.base_path(), service.nested());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```
//!
//! [`router`] is that one line. Wrap the service in any tower or tower-http layer
//! (timeouts, tracing, compression) before nesting it. An app that authenticates in its
//! own middleware inserts a [`Principal`] into the request's extensions and builds the
//! service with [`scim_http::FromExtensions`]; its own handlers read the same principal
//! with the [`ScimPrincipal`] extractor.

use axum::Router;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use scim_http::{Principal, ScimService};
use scim_ops::{ErrorKind, ScimError};

/// A router serving the service under its base path (as a fallback when that is `/`).
///
/// The service is routed, not nested: it reads the base path off the request itself,
/// so no request URI is rebuilt on the way in (`nest_service` would strip the prefix
/// and parse the rest again on every request).
pub fn router(service: ScimService) -> Router {
    match service.base_path() {
        "/" => Router::new().fallback_service(service),
        base => Router::new()
            .route_service(base, service.clone())
            .route_service(&format!("{base}/"), service.clone())
            .route_service(&format!("{base}/{{*rest}}"), service),
    }
}

/// The [`Principal`] an app's authentication middleware put in the request's
/// extensions, as an axum extractor: what SCIM sees through
/// [`scim_http::FromExtensions`]. Without one the handler answers SCIM's `401`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimPrincipal(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for ScimPrincipal {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Principal>() {
            Some(principal) => Ok(Self(principal.clone())),
            None => {
                let err = ScimError::new(ErrorKind::Unauthorized, "no authenticated principal");
                Err(scim_http::error_response(err)
                    .map(axum::body::Body::from)
                    .into_response())
            }
        }
    }
}

/// The client of `scim_http`'s HTTP test suite for an axum router.
#[cfg(feature = "testing")]
pub mod testing {
    use bytes::Bytes;
    use tower::ServiceExt;

    /// Sends suite requests through an axum `Router`, in process.
    #[derive(Debug, Clone)]
    pub struct AxumClient(pub axum::Router);

    impl scim_http::testing::TestClient for AxumClient {
        async fn send(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
            let request = request.map(axum::body::Body::from);
            let response = self
                .0
                .clone()
                .oneshot(request)
                .await
                .unwrap_or_else(|e| match e {});
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            http::Response::from_parts(parts, bytes)
        }
    }
}
