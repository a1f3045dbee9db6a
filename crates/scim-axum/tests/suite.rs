//! The shared HTTP suite through axum.

use bytes::Bytes;
use scim_http::testing::{TestClient, run_http_test_suite, test_service};
use tower::ServiceExt;

struct Axum(axum::Router);

impl TestClient for Axum {
    async fn send(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        let response = self
            .0
            .clone()
            .oneshot(request.map(axum::body::Body::from))
            .await
            .expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.expect("body");
        http::Response::from_parts(parts, bytes)
    }
}

#[tokio::test]
async fn axum_passes_the_http_suite() {
    run_http_test_suite(&Axum(scim_axum::router(test_service()))).await;
}
