//! The whole stack: the shared HTTP suite through axum, down to the SQL provider, on
//! SQLite always and on PostgreSQL and MySQL/MariaDB when their test URLs are set.

use std::sync::Arc;

use scim_axum::testing::AxumClient;
use scim_http::testing::{run_http_test_suite, test_services_with};
use scim_sql::SqlProvider;

/// The suite in every configuration and profile, each on its own fresh tenants of one
/// database.
async fn run_on(url: &str) {
    let provider = Arc::new(SqlProvider::connect(url).await.expect("connect"));
    for (service, suite) in test_services_with(provider) {
        run_http_test_suite(&AxumClient(scim_axum::router(service)), &suite).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_suite_on_sqlite() {
    let path = std::env::temp_dir().join(format!("scim-e2e-{}.db", std::process::id()));
    run_on(&format!("sqlite://{}", path.display())).await;
    let _ = std::fs::remove_file(path);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_suite_on_postgres_and_mysql() {
    for variable in ["SCIM_TEST_POSTGRES_URL", "SCIM_TEST_MYSQL_URL"] {
        match std::env::var(variable) {
            Ok(url) if !url.is_empty() => run_on(&url).await,
            _ => eprintln!("skipped: {variable} is not set"),
        }
    }
}
