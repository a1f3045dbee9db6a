//! The provider contract on SQLite always, and on PostgreSQL and MySQL/MariaDB when
//! `SCIM_TEST_POSTGRES_URL` / `SCIM_TEST_MYSQL_URL` are set.

use std::sync::Arc;

use std::time::Duration;

use scim_provider::testkit::{run_change_feed_contract, run_provider_contract};
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

/// With the change feed on, writes still keep the provider contract (the outbox adds
/// a lock to every write), and the feed keeps its own.
async fn keeps_both_contracts_with_the_feed_on(url: &str) {
    let provider = SqlProvider::connect(url)
        .await
        .expect("connect")
        .with_change_feed(Duration::from_secs(3600));
    let provider = Arc::new(provider);
    run_change_feed_contract(provider.clone()).await;
    run_provider_contract(provider).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_the_contracts_with_the_feed_on() {
    keeps_both_contracts_with_the_feed_on(&temp_sqlite_url()).await;
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
async fn run_if_set(variable: &str) {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => {
            let provider = SqlProvider::connect(&url).await.expect("connect");
            run_provider_contract(Arc::new(provider)).await;
            keeps_both_contracts_with_the_feed_on(&url).await;
            // After the contracts, which would see their events pruned.
            prunes_past_the_retention(&url).await;
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

/// Events past the retention go; a reader whose cursor is before them is told, once.
/// Run when no other test writes to the database (a retention of zero prunes every
/// tenant's events, and the newest event of all is then this test's, which is kept).
async fn prunes_past_the_retention(url: &str) {
    use scim_provider::{ChangeCursor, ChangeFeed, RequestContext, ResourceProvider};
    let provider = SqlProvider::connect(url)
        .await
        .expect("connect")
        .with_change_feed(Duration::ZERO);
    let ctx = RequestContext::new(format!("prune-{}", scim_provider::new_id().unwrap()));
    let user = |name: &str| serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name});
    provider.create(&ctx, "User", user("a")).await.unwrap();
    provider.create(&ctx, "User", user("b")).await.unwrap();
    let before = provider
        .changes_since(ctx.tenant(), ChangeCursor::START, 10)
        .await
        .unwrap();
    assert_eq!((before.events.len(), before.pruned_through), (2, None));
    // Pruning always keeps the newest event of all: another tenant's.
    let other = RequestContext::new(format!("prune-{}", scim_provider::new_id().unwrap()));
    provider.create(&other, "User", user("z")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    assert!(provider.prune_changes().await.unwrap() >= 2);
    let newest = provider
        .changes_since(other.tenant(), ChangeCursor::START, 10)
        .await
        .unwrap();
    assert_eq!(newest.events.len(), 1, "the newest event is kept");
    let after = provider
        .changes_since(ctx.tenant(), ChangeCursor::START, 10)
        .await
        .unwrap();
    assert!(after.events.is_empty());
    assert_eq!(after.pruned_through, Some(before.events[1].cursor()));
    let last = provider
        .changes_since(ctx.tenant(), before.events[1].cursor(), 10)
        .await
        .unwrap();
    assert_eq!(
        last.pruned_through, None,
        "nothing after the last pruned was missed"
    );
    provider.create(&ctx, "User", user("c")).await.unwrap();
    let next = provider
        .changes_since(ctx.tenant(), before.events[1].cursor(), 10)
        .await
        .unwrap();
    assert_eq!(next.events.len(), 1, "new events after pruning");
    assert!(next.events[0].sequence > before.events[1].sequence);
}

#[tokio::test]
async fn sqlite_prunes_past_the_retention() {
    prunes_past_the_retention(&temp_sqlite_url()).await;
}
