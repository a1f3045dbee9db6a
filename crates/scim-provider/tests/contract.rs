//! The in-memory provider keeps the provider contract.

use std::sync::Arc;

use scim_provider::InMemoryProvider;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_provider_keeps_the_contract() {
    scim_provider::testkit::run_provider_contract(Arc::new(InMemoryProvider::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_feed_keeps_the_contract() {
    let provider = InMemoryProvider::new().with_change_feed(std::time::Duration::from_secs(3600));
    scim_provider::testkit::run_change_feed_contract(Arc::new(provider)).await;
}
