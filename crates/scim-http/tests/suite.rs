//! The shared HTTP suite on the bare service, through its `tower::Service` impl, and
//! the tower-only behaviour: nesting, streaming bodies, principals from extensions.

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use scim_http::testing::{
    SuiteConfig, TOKEN, TestClient, run_http_test_suite, test_service, test_services,
};
use scim_http::{FromExtensions, HttpConfig, Principal, ScimService};
use scim_ops::{ScimOperationHandler, ServiceConfig};
use scim_provider::InMemoryProvider;
use scim_schema::SchemaRegistry;
use tower::ServiceExt;

/// Sends suite requests through `tower::Service::call`.
struct Tower(ScimService);

impl TestClient for Tower {
    async fn send(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        let response = self
            .0
            .clone()
            .oneshot(request.map(Full::new))
            .await
            .unwrap_or_else(|never| match never {});
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map(|c| c.to_bytes());
        http::Response::from_parts(parts, bytes.unwrap_or_else(|never| match never {}))
    }
}

#[tokio::test]
async fn the_service_passes_the_suite_in_every_configuration() {
    for (service, suite) in test_services() {
        run_http_test_suite(&service, &suite).await;
    }
}

#[tokio::test]
async fn the_tower_service_passes_the_suite_in_every_configuration() {
    for (service, suite) in test_services() {
        run_http_test_suite(&Tower(service), &suite).await;
    }
}

fn get(path: &str) -> http::Request<Full<Bytes>> {
    http::Request::get(path)
        .header("authorization", format!("Bearer {TOKEN}"))
        .body(Full::new(Bytes::new()))
        .unwrap()
}

#[tokio::test]
async fn nested_reads_paths_below_the_base_path() {
    let (service, _) = test_service(SuiteConfig::PublicUrl);
    let nested = service.nested();
    assert_eq!(service.base_path(), "/scim/v2");
    let response = nested.oneshot(get("/ServiceProviderConfig")).await.unwrap();
    assert_eq!(response.status(), 200);
    let response = service
        .oneshot(get("/ServiceProviderConfig"))
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        404,
        "not nested: the base path is required"
    );
}

#[tokio::test]
async fn a_streamed_body_is_collected_within_the_limit() {
    let (service, _) = test_service(SuiteConfig::PublicUrl);
    let chunk =
        || Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from(vec![b' '; 64 * 1024])));
    // 32 chunks of 64 KiB: twice the default limit, never held whole.
    let stream = futures_util::stream::iter((0..32).map(|_| chunk()));
    let request = http::Request::post("/scim/v2/Users")
        .header("authorization", format!("Bearer {TOKEN}"))
        .header("content-type", "application/scim+json")
        .body(StreamBody::new(stream))
        .unwrap();
    let response = service.serve(request).await;
    assert_eq!(response.status(), 413);
    let error: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(error["status"], "413");
}

#[tokio::test]
async fn an_apps_middleware_hands_over_the_principal() {
    let handler = ScimOperationHandler::new(
        Arc::new(InMemoryProvider::new()),
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::default(),
    );
    let service = ScimService::new(handler, FromExtensions, HttpConfig::default());
    let mut request = http::Request::get("/scim/v2/Users")
        .body(Full::new(Bytes::new()))
        .unwrap();
    assert_eq!(
        service
            .clone()
            .oneshot(request.clone())
            .await
            .unwrap()
            .status(),
        401,
        "no principal, no access"
    );
    request.extensions_mut().insert(Principal {
        tenant: "acme".into(),
        name: "okta-app".into(),
    });
    assert_eq!(service.oneshot(request).await.unwrap().status(), 200);
}
