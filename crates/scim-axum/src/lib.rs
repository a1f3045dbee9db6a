//! Mount a SCIM 2.0 endpoint on axum 0.8.
//!
//! [`router`] turns a [`ScimService`] into an axum `Router` serving everything under the
//! service's base path; merge it into your application's router.
//!
//! ```no_run
//! # async fn run(service: scim_http::ScimService) {
//! let app = axum::Router::new().merge(scim_axum::router(service));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await.unwrap();
//! axum::serve(listener, app).await.unwrap();
//! # }
//! ```

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::any;
use scim_http::ScimService;

/// A router answering every request under the service's base path.
pub fn router(service: ScimService) -> Router {
    let base = format!("/{}", service.config().base_path.trim_matches('/'));
    let handler = move |request: Request| {
        let service = service.clone();
        async move { handle(&service, request).await }
    };
    Router::new()
        .route(&base, any(handler.clone()))
        .route(&format!("{base}/"), any(handler.clone()))
        .route(&format!("{base}/{{*rest}}"), any(handler))
}

async fn handle(service: &ScimService, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // One byte past the limit, so the service itself answers a too-large body.
    let limit = service.config().max_body_size.saturating_add(1);
    let response = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => service.call(http::Request::from_parts(parts, bytes)).await,
        Err(_) => service.payload_too_large(),
    };
    response.map(Body::from)
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
