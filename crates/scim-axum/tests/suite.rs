//! The shared HTTP suite through axum, in every configuration, and the extractor.

use axum::Router;
use axum::routing::get;
use scim_axum::ScimPrincipal;
use scim_axum::testing::AxumClient;
use scim_http::testing::{run_http_test_suite, test_services};
use tower::ServiceExt;

#[tokio::test]
async fn axum_passes_the_http_suite_in_every_configuration() {
    for (service, suite) in test_services() {
        run_http_test_suite(&AxumClient(scim_axum::router(service)), &suite).await;
    }
}

#[tokio::test]
async fn the_principal_extractor_reads_what_middleware_inserted() {
    let app = Router::new().route(
        "/whoami",
        get(|ScimPrincipal(p): ScimPrincipal| async move { p.tenant.to_string() }),
    );
    let request = || {
        http::Request::get("/whoami")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let refused = app.clone().oneshot(request()).await.unwrap();
    assert_eq!(refused.status(), 401);
    let mut with = request();
    with.extensions_mut().insert(scim_http::Principal {
        tenant: "acme".into(),
        name: "okta".into(),
    });
    let response = app.oneshot(with).await.unwrap();
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"acme");
}
