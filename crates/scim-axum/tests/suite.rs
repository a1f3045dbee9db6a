//! The shared HTTP suite through axum.

use scim_axum::testing::AxumClient;
use scim_http::testing::{run_http_test_suite, test_service};

#[tokio::test]
async fn axum_passes_the_http_suite() {
    run_http_test_suite(&AxumClient(scim_axum::router(test_service()))).await;
}
