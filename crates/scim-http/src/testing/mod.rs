//! The HTTP test suite every adapter runs, so all frameworks behave the same.
//!
//! An adapter implements [`TestClient`] (send one `http::Request`, get the
//! `http::Response`) over each server [`test_services`] builds (every [`SuiteConfig`]
//! under the default profile, and every other compatibility [`Profile`]), and calls
//! [`run_http_test_suite`] on it:
//!
//! ```
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(async {
//! use scim_http::testing::{run_http_test_suite, test_services};
//!
//! for (service, suite) in test_services() {
//!     // The service itself is a client; an adapter wraps it in its framework first.
//!     run_http_test_suite(&service, &suite).await;
//! }
//! # });
//! ```

mod checks;

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use scim_ops::{Profile, ScimOperationHandler, ServiceConfig};
use scim_provider::{InMemoryProvider, ResourceProvider};
use scim_schema::SchemaRegistry;

use crate::{HttpConfig, ScimService, StaticTokens};

/// The bearer token of the first tenant in [`test_service`].
pub const TOKEN: &str = "suite-token-default";
/// The bearer token of the second tenant in [`test_service`].
pub const OTHER_TOKEN: &str = "suite-token-other";
/// The public base URL of the suite's service: not the address any test binds.
pub const PUBLIC_URL: &str = "https://scim.example.test/scim/v2";
/// The origin the trusted proxy of [`SuiteConfig::BehindProxy`] names.
pub const PROXY_ORIGIN: &str = "https://proxy.example.test";

/// Sends requests to the server under test.
pub trait TestClient {
    /// Sends one request through the framework and returns its response.
    fn send(&self, request: http::Request<Bytes>) -> impl Future<Output = http::Response<Bytes>>;
}

impl TestClient for ScimService {
    fn send(&self, request: http::Request<Bytes>) -> impl Future<Output = http::Response<Bytes>> {
        self.handle(request)
    }
}

/// A configuration the suite runs under; every adapter runs each of [`ALL`](Self::ALL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuiteConfig {
    /// The tenant comes from the token; locations under [`PUBLIC_URL`].
    PublicUrl,
    /// The tenant is the first path segment (`/scim/v2/{tenant}/Users`) and must match
    /// the token's; locations carry it.
    TenantInPath,
    /// Behind a trusted proxy: requests carry `X-Forwarded-Proto` / `-Host`, and
    /// locations are under [`PROXY_ORIGIN`].
    BehindProxy,
}

impl SuiteConfig {
    /// Every configuration.
    pub const ALL: [SuiteConfig; 3] = [Self::PublicUrl, Self::TenantInPath, Self::BehindProxy];
}

/// What the checks need to know of the service under test: where to send requests
/// and what locations to expect.
#[derive(Debug, Clone)]
pub struct Suite {
    config: SuiteConfig,
    profile: Profile,
    /// The path prefix of [`TOKEN`]'s tenant, and of [`OTHER_TOKEN`]'s.
    prefix: String,
    other_prefix: String,
    /// What every location starts with.
    location_base: String,
}

impl Suite {
    /// The configuration.
    pub fn config(&self) -> SuiteConfig {
        self.config
    }

    /// The compatibility profile of both tenants.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The status of a successful PATCH under the profile.
    fn patched(&self) -> u16 {
        match self.profile.compatibility().patch_no_content {
            true => 204,
            false => 200,
        }
    }
}

/// Every service the suite runs on, each over a fresh in-memory provider: each
/// [`SuiteConfig`] under [`Profile::Default`], then each other profile under
/// [`SuiteConfig::PublicUrl`].
pub fn test_services() -> Vec<(ScimService, Suite)> {
    suites()
        .map(|(config, profile)| {
            test_service_in(Arc::new(InMemoryProvider::new()), config, profile)
        })
        .collect()
}

/// The same services over one provider (each on fresh tenants).
pub fn test_services_with(provider: Arc<dyn ResourceProvider>) -> Vec<(ScimService, Suite)> {
    suites()
        .map(|(config, profile)| test_service_in(provider.clone(), config, profile))
        .collect()
}

fn suites() -> impl Iterator<Item = (SuiteConfig, Profile)> {
    let configs = SuiteConfig::ALL.map(|config| (config, Profile::Default));
    let profiles = (Profile::ALL.into_iter())
        .filter(|profile| *profile != Profile::Default)
        .map(|profile| (SuiteConfig::PublicUrl, profile));
    configs.into_iter().chain(profiles)
}

/// The service the suite expects: in-memory storage, public URL [`PUBLIC_URL`], tokens
/// [`TOKEN`] and [`OTHER_TOKEN`] for two tenants with fresh random names, configured as
/// `config` says.
pub fn test_service(config: SuiteConfig) -> (ScimService, Suite) {
    test_service_with(Arc::new(InMemoryProvider::new()), config)
}

/// The same service over another provider, to run the suite against a storage backend.
pub fn test_service_with(
    provider: Arc<dyn ResourceProvider>,
    config: SuiteConfig,
) -> (ScimService, Suite) {
    test_service_in(provider, config, Profile::Default)
}

/// The same service with both tenants under a compatibility profile.
pub fn test_service_in(
    provider: Arc<dyn ResourceProvider>,
    config: SuiteConfig,
    profile: Profile,
) -> (ScimService, Suite) {
    let mut service_config = ServiceConfig::new(PUBLIC_URL);
    service_config.defaults.compatibility = profile.compatibility();
    let handler = ScimOperationHandler::new(
        provider,
        Arc::new(SchemaRegistry::default()),
        service_config,
    );
    // Fresh tenants each time, so the suite can run again and again on one database.
    let run = scim_provider::new_id().expect("randomness for the suite's tenants");
    let (tenant, other) = (format!("suite-{run}"), format!("suite-other-{run}"));
    let tokens = StaticTokens::new()
        .with_token(TOKEN, &tenant)
        .with_token(OTHER_TOKEN, &other);
    let http = HttpConfig {
        tenant_in_path: config == SuiteConfig::TenantInPath,
        trust_forwarded: config == SuiteConfig::BehindProxy,
        ..HttpConfig::default()
    };
    let path = "/scim/v2";
    let suite = match config {
        SuiteConfig::PublicUrl => Suite {
            config,
            profile,
            prefix: path.into(),
            other_prefix: path.into(),
            location_base: PUBLIC_URL.into(),
        },
        SuiteConfig::TenantInPath => Suite {
            config,
            profile,
            prefix: format!("{path}/{tenant}"),
            other_prefix: format!("{path}/{other}"),
            location_base: format!("{PUBLIC_URL}/{tenant}"),
        },
        SuiteConfig::BehindProxy => Suite {
            config,
            profile,
            prefix: path.into(),
            other_prefix: path.into(),
            location_base: format!("{PROXY_ORIGIN}{path}"),
        },
    };
    (ScimService::new(handler, tokens, http), suite)
}

/// Runs every check against `client` serving the service `suite` describes; panics
/// naming the first check that fails.
pub async fn run_http_test_suite(client: &impl TestClient, suite: &Suite) {
    checks::authentication(client, suite).await;
    checks::routing(client, suite).await;
    checks::content(client, suite).await;
    checks::resources(client, suite).await;
    checks::precondition_matrix(client, suite).await;
    checks::lists_bulk_and_tenants(client, suite).await;
    checks::locations(client, suite).await;
    checks::projections(client, suite).await;
    checks::operability(client, suite).await;
}
