//! What the handler records through the `metrics` facade: version conflicts (top level
//! and inside Bulk), PATCH retries, uniqueness conflicts, provider errors, and the
//! tenant label only when enabled.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::*;
use metrics::{
    Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use scim_ops::{ScimOperationHandler, ScimOperationRequest, ServiceConfig};
use scim_provider::{
    InMemoryProvider, ListPage, ListQuery, MembershipDelta, ProviderError, RequestContext,
    ResourceProvider, VersionedResource,
};
use scim_schema::SchemaRegistry;
use scim_version::{Precondition, ScimVersion};
use serde_json::{Value, json};

/// Counters by `name{label=value,…}`, labels in the order recorded.
#[derive(Clone, Default)]
struct Counters(Arc<Mutex<BTreeMap<String, u64>>>);

struct Cell(Counters, String);

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        *self.0.0.lock().unwrap().entry(self.1.clone()).or_default() += value;
    }

    fn absolute(&self, value: u64) {
        self.0.0.lock().unwrap().insert(self.1.clone(), value);
    }
}

impl Recorder for Counters {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        Counter::from_arc(Arc::new(Cell(self.clone(), name)))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

impl Counters {
    fn get(&self, series: &str) -> u64 {
        self.0.lock().unwrap().get(series).copied().unwrap_or(0)
    }
}

/// Runs `test` with `counters` as the thread's recorder.
fn recorded<F: Future<Output = ()>>(counters: &Counters, test: impl FnOnce() -> F) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    metrics::with_local_recorder(counters, || runtime.block_on(test()));
}

#[test]
fn a_stale_if_match_is_one_version_conflict() {
    let counters = Counters::default();
    recorded(&counters, || async {
        let handler = handler();
        let id = create(&handler, "User", user("stale")).await;
        let stale = ScimVersion::from_hash("gone").unwrap();
        let body = patch_body(json!([{"op": "replace", "path": "title", "value": "x"}]));
        let request = ScimOperationRequest::patch("User", &id, body).if_match(&stale);
        assert_eq!(run(&handler, request).await.status, 412);
    });
    assert_eq!(
        counters.get("scim_version_conflicts_total{resource_type=User}"),
        1
    );
    assert_eq!(
        counters.get("scim_patch_retries_total{resource_type=User}"),
        0
    );
}

#[test]
fn a_stale_version_inside_bulk_is_a_version_conflict() {
    let counters = Counters::default();
    recorded(&counters, || async {
        let handler = handler();
        let id = create(&handler, "User", user("bulk-stale")).await;
        let body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
            "Operations": [{
                "method": "PATCH", "path": format!("/Users/{id}"), "version": "W/\"gone\"",
                "data": patch_body(json!([{"op": "replace", "path": "title", "value": "x"}]))
            }]
        });
        let response = run(&handler, ScimOperationRequest::bulk(body)).await;
        assert_eq!(response.body.unwrap()["Operations"][0]["status"], "412");
    });
    assert_eq!(
        counters.get("scim_version_conflicts_total{resource_type=User}"),
        1
    );
}

#[test]
fn a_taken_user_name_is_a_uniqueness_conflict() {
    let counters = Counters::default();
    recorded(&counters, || async {
        let handler = handler();
        create(&handler, "User", user("taken")).await;
        let again = run(
            &handler,
            ScimOperationRequest::create("User", user("taken")),
        )
        .await;
        assert_eq!(again.status, 409);
        let missing = run(&handler, ScimOperationRequest::get("User", "nobody")).await;
        assert_eq!(missing.status, 404);
    });
    assert_eq!(
        counters.get("scim_uniqueness_conflicts_total{resource_type=User}"),
        1
    );
    assert_eq!(
        counters.get("scim_provider_errors_total{kind=uniqueness}"),
        1
    );
    assert_eq!(
        counters.get("scim_provider_errors_total{kind=not_found}"),
        1
    );
}

#[test]
fn a_patch_without_if_match_that_loses_a_race_is_retried_and_counted() {
    let counters = Counters::default();
    recorded(&counters, || async {
        let provider = Arc::new(Interloper::default());
        let handler = ScimOperationHandler::new(
            provider.clone(),
            Arc::new(SchemaRegistry::default()),
            ServiceConfig::new("https://example.com/scim/v2"),
        );
        let id = create(&handler, "User", user("raced")).await;
        provider.armed.store(true, Ordering::SeqCst);
        let body = patch_body(json!([{"op": "replace", "path": "title", "value": "mine"}]));
        let patched = run(&handler, ScimOperationRequest::patch("User", &id, body)).await;
        assert_eq!(patched.status, 200);
        assert_eq!(
            patched.body.unwrap()["title"],
            "mine",
            "the retry applied it"
        );
    });
    assert_eq!(
        counters.get("scim_patch_retries_total{resource_type=User}"),
        1
    );
    assert_eq!(
        counters.get("scim_provider_errors_total{kind=version_mismatch}"),
        1
    );
    assert_eq!(
        counters.get("scim_version_conflicts_total{resource_type=User}"),
        0
    );
}

#[test]
fn the_tenant_is_a_label_only_when_enabled() {
    let counters = Counters::default();
    recorded(&counters, || async {
        for labelled in [false, true] {
            let mut config = ServiceConfig::new("https://example.com/scim/v2");
            config.metrics_tenant_label = labelled;
            let handler = handler_with(config);
            let stale = Precondition::parse("W/\"gone\"").unwrap();
            let id = create(&handler, "User", user("labelled")).await;
            let request = ScimOperationRequest::delete("User", &id).with_expected_version(stale);
            assert_eq!(run(&handler, request).await.status, 412);
        }
    });
    assert_eq!(
        counters.get("scim_version_conflicts_total{resource_type=User}"),
        1
    );
    assert_eq!(
        counters.get("scim_version_conflicts_total{resource_type=User,tenant=test}"),
        1
    );
}

/// The in-memory provider, with another writer that wins the race for the first
/// conditional replace after it is armed.
#[derive(Default)]
struct Interloper {
    inner: InMemoryProvider,
    armed: AtomicBool,
}

#[async_trait]
impl ResourceProvider for Interloper {
    async fn create(
        &self,
        ctx: &RequestContext,
        kind: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        self.inner.create(ctx, kind, resource).await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        kind: &str,
        id: &str,
    ) -> Result<VersionedResource, ProviderError> {
        self.inner.get(ctx, kind, id).await
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        kind: &str,
        id: &str,
        resource: Value,
        expected: Option<&ScimVersion>,
    ) -> Result<VersionedResource, ProviderError> {
        if expected.is_some() && self.armed.swap(false, Ordering::SeqCst) {
            let mut theirs = self.inner.get(ctx, kind, id).await?.into_parts().0;
            theirs["title"] = json!("theirs");
            self.inner.replace(ctx, kind, id, theirs, None).await?;
        }
        self.inner.replace(ctx, kind, id, resource, expected).await
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        kind: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<(), ProviderError> {
        self.inner.delete(ctx, kind, id, expected).await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        kind: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError> {
        self.inner.list(ctx, kind, query).await
    }

    async fn update_members(
        &self,
        ctx: &RequestContext,
        kind: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ScimVersion, ProviderError> {
        self.inner
            .update_members(ctx, kind, id, delta, expected)
            .await
    }
}
