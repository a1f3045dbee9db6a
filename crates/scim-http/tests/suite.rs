//! The shared HTTP suite against the service itself (no framework).

#[tokio::test]
async fn service_passes_the_http_suite() {
    scim_http::testing::run_http_test_suite(&scim_http::testing::test_service()).await;
}
