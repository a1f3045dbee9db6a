//! The shared HTTP suite through warp.

use bytes::Bytes;
use scim_http::testing::{TestClient, run_http_test_suite, test_services};

struct Warp<F>(F);

impl<F> TestClient for Warp<F>
where
    F: warp::Filter<Extract = (http::Response<Bytes>,), Error = warp::Rejection>
        + Clone
        + Send
        + Sync
        + 'static,
{
    async fn send(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        let (parts, body) = request.into_parts();
        let mut builder = warp::test::request()
            .method(parts.method.as_str())
            .path(&parts.uri.to_string())
            .body(body);
        for (name, value) in &parts.headers {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        builder.reply(&self.0).await
    }
}

#[tokio::test]
async fn warp_passes_the_http_suite_in_every_configuration() {
    for (service, suite) in test_services() {
        run_http_test_suite(&Warp(scim_warp::filter(service)), &suite).await;
    }
}
