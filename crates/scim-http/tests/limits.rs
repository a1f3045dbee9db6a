//! Per-tenant limits through the service: `429` with `Retry-After` and a SCIM body
//! over a rate or too many requests at once, `503` past the time limit.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::Request;
use scim_http::{HttpConfig, Limits, Rate, ScimService, StaticTokens};
use scim_ops::{ScimOperationHandler, ServiceConfig};
use scim_provider::{
    InMemoryProvider, ListPage, ListQuery, MembershipDelta, ProviderError, RequestContext,
    ResourceProvider, VersionedResource,
};
use scim_schema::SchemaRegistry;
use scim_version::ScimVersion;
use serde_json::Value;

fn service(limits: Limits) -> ScimService {
    service_on(Arc::new(InMemoryProvider::new()), limits)
}

fn service_on(provider: Arc<dyn ResourceProvider>, limits: Limits) -> ScimService {
    let handler = ScimOperationHandler::new(
        provider,
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::new("https://scim.example.test/scim/v2"),
    );
    let tokens = StaticTokens::new()
        .with_token("acme-token", "acme")
        .with_token("other-token", "other");
    let config = HttpConfig {
        limits,
        ..HttpConfig::default()
    };
    ScimService::new(handler, tokens, config)
}

fn get_users(token: &str) -> Request<Bytes> {
    Request::get("/scim/v2/Users")
        .header("authorization", format!("Bearer {token}"))
        .body(Bytes::new())
        .unwrap()
}

/// The status, `Retry-After` and SCIM error status of a response.
fn outcome(response: &http::Response<Bytes>) -> (u16, Option<&str>, Option<String>) {
    let body: Option<serde_json::Value> = serde_json::from_slice(response.body()).ok();
    (
        response.status().as_u16(),
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        body.and_then(|b| b["status"].as_str().map(str::to_owned)),
    )
}

#[tokio::test]
async fn a_tenant_over_its_rate_gets_429_and_others_do_not() {
    let rate =
        Rate::per_second(NonZeroU32::new(1).unwrap()).with_burst(NonZeroU32::new(3).unwrap());
    let service = service(Limits {
        rate: Some(rate),
        ..Limits::default()
    });
    for _ in 0..3 {
        assert_eq!(service.handle(get_users("acme-token")).await.status(), 200);
    }
    let refused = service.handle(get_users("acme-token")).await;
    assert_eq!(
        outcome(&refused),
        (429, Some("1"), Some("429".to_owned())),
        "{:?}",
        refused.body()
    );
    assert_eq!(refused.headers()["content-type"], "application/scim+json");
    assert_eq!(service.handle(get_users("other-token")).await.status(), 200);
    // An unauthenticated request is refused before it counts against anyone.
    let anonymous = Request::get("/scim/v2/Users").body(Bytes::new()).unwrap();
    assert_eq!(service.handle(anonymous).await.status(), 401);
}

#[tokio::test]
async fn a_request_past_the_time_limit_gets_503() {
    let service = service(Limits {
        timeout: Some(Duration::from_millis(50)),
        ..Limits::default()
    });
    // A body that never finishes arriving: the limit covers reading it.
    let never = http_body_util::StreamBody::new(futures_util::stream::pending::<
        Result<http_body::Frame<Bytes>, std::convert::Infallible>,
    >());
    let request = Request::post("/scim/v2/Users")
        .header("authorization", "Bearer acme-token")
        .header("content-type", "application/scim+json")
        .body(never)
        .unwrap();
    let response = service.serve(request).await;
    assert_eq!(outcome(&response), (503, Some("1"), Some("503".to_owned())));
    assert_eq!(service.handle(get_users("acme-token")).await.status(), 200);
}

#[tokio::test]
async fn requests_in_progress_are_limited_per_tenant() {
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let service = service_on(
        Arc::new(Gated {
            inner: InMemoryProvider::new(),
            gate: gate.clone(),
        }),
        Limits {
            max_in_flight: Some(1),
            ..Limits::default()
        },
    );
    // One list of acme's waits at the store; while it does, acme may start no other.
    let first = tokio::spawn({
        let service = service.clone();
        async move { service.handle(get_users("acme-token")).await.status() }
    });
    while WAITING.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    let refused = service.handle(get_users("acme-token")).await;
    assert_eq!(outcome(&refused), (429, Some("1"), Some("429".to_owned())));
    // One permit for the other tenant's list, one for acme's waiting one.
    gate.add_permits(2);
    assert_eq!(service.handle(get_users("other-token")).await.status(), 200);
    assert_eq!(first.await.unwrap(), 200);
    gate.add_permits(1);
    assert_eq!(service.handle(get_users("acme-token")).await.status(), 200);
}

/// The in-memory provider, whose lists wait for a permit.
struct Gated {
    inner: InMemoryProvider,
    gate: Arc<tokio::sync::Semaphore>,
}

/// How many lists are waiting at the gate.
static WAITING: AtomicUsize = AtomicUsize::new(0);

#[async_trait::async_trait]
impl ResourceProvider for Gated {
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
        WAITING.fetch_add(1, Ordering::SeqCst);
        let permit = self.gate.acquire().await;
        WAITING.fetch_sub(1, Ordering::SeqCst);
        permit.expect("the gate stays open").forget();
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

#[test]
fn the_openapi_document_names_429_only_when_limits_are_set_and_503_wherever_it_can_be() {
    let limited = service(Limits {
        max_in_flight: Some(8),
        timeout: Some(Duration::from_secs(5)),
        ..Limits::default()
    });
    let document = scim_http::openapi_document(limited.handler(), limited.config());
    let responses = &document["paths"]["/Users/{id}"]["get"]["responses"];
    assert!(
        responses.get("429").is_some() && responses.get("503").is_some(),
        "{responses}"
    );
    let too_many = &document["components"]["responses"]["TooManyRequests"];
    assert!(
        too_many["headers"].get("Retry-After").is_some(),
        "{too_many}"
    );

    let discovery = &document["paths"]["/Schemas"]["get"]["responses"];
    assert!(discovery.get("503").is_some(), "{discovery}");

    // Without limits: no 429, a 503 where the store answers (it may be unreachable),
    // none on discovery, which never reaches it.
    let open = service(Limits::default());
    let document = scim_http::openapi_document(open.handler(), open.config());
    let responses = &document["paths"]["/Users/{id}"]["get"]["responses"];
    assert!(
        responses.get("429").is_none() && responses.get("503").is_some(),
        "{responses}"
    );
    let discovery = &document["paths"]["/Schemas"]["get"]["responses"];
    assert!(discovery.get("503").is_none(), "{discovery}");
}
