//! The provider contract on SQLite always, and on PostgreSQL and MySQL/MariaDB when
//! `SCIM_TEST_POSTGRES_URL` / `SCIM_TEST_MYSQL_URL` are set.

use std::sync::Arc;

use scim_provider::testkit::run_provider_contract;
use scim_sql::SqlProvider;

fn temp_sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!(
        "scim-sql-contract-{}.db",
        scim_provider::new_id().expect("randomness")
    ));
    format!("sqlite://{}", path.display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_the_contract() {
    let provider = SqlProvider::connect(&temp_sqlite_url())
        .await
        .expect("connect");
    run_provider_contract(Arc::new(provider)).await;
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn run_if_set(variable: &str) {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => {
            let provider = SqlProvider::connect(&url).await.expect("connect");
            run_provider_contract(Arc::new(provider)).await;
        }
        _ => eprintln!("skipped: {variable} is not set"),
    }
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_contract() {
    run_if_set("SCIM_TEST_POSTGRES_URL").await;
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_keeps_the_contract() {
    run_if_set("SCIM_TEST_MYSQL_URL").await;
}
