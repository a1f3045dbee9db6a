//! The HTTP test suite every adapter runs, so all frameworks behave the same.
//!
//! An adapter implements [`TestClient`] (send one `http::Request`, get the
//! `http::Response`) over a server built from [`test_service`], and calls
//! [`run_http_test_suite`]:
//!
//! ```
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(async {
//! // The service itself is a client; an adapter wraps it in its framework first.
//! scim_http::testing::run_http_test_suite(&scim_http::testing::test_service()).await;
//! # });
//! ```

mod checks;

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use scim_ops::{ScimOperationHandler, ServiceConfig};
use scim_provider::{InMemoryProvider, ResourceProvider};
use scim_schema::SchemaRegistry;

use crate::{HttpConfig, ScimService, StaticTokens};

/// The bearer token of the first tenant in [`test_service`].
pub const TOKEN: &str = "suite-token-default";
/// The bearer token of the second tenant in [`test_service`].
pub const OTHER_TOKEN: &str = "suite-token-other";

/// Sends requests to the server under test.
pub trait TestClient {
    /// Sends one request through the framework and returns its response.
    fn send(&self, request: http::Request<Bytes>) -> impl Future<Output = http::Response<Bytes>>;
}

impl TestClient for ScimService {
    fn send(&self, request: http::Request<Bytes>) -> impl Future<Output = http::Response<Bytes>> {
        self.call(request)
    }
}

/// The service the suite expects: in-memory storage, base path `/scim/v2`, tokens
/// [`TOKEN`] and [`OTHER_TOKEN`] for two tenants with fresh random names.
pub fn test_service() -> ScimService {
    test_service_with(Arc::new(InMemoryProvider::new()))
}

/// The same service over another provider, to run the suite against a storage backend.
pub fn test_service_with(provider: Arc<dyn ResourceProvider>) -> ScimService {
    let handler = ScimOperationHandler::new(
        provider,
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::new("http://localhost/scim/v2"),
    );
    // Fresh tenants each time, so the suite can run again and again on one database.
    let run = scim_provider::new_id();
    let tokens = StaticTokens::new()
        .with_token(TOKEN, &format!("suite-{run}"))
        .with_token(OTHER_TOKEN, &format!("suite-other-{run}"));
    ScimService::new(handler, tokens, HttpConfig::default())
}

/// Runs every check against `client`; panics naming the first check that fails.
pub async fn run_http_test_suite(client: &impl TestClient) {
    checks::authentication(client).await;
    checks::routing(client).await;
    checks::content(client).await;
    checks::resources(client).await;
    checks::precondition_matrix(client).await;
    checks::lists_bulk_and_tenants(client).await;
}
