//! What the three example servers share: a SCIM service on the in-memory provider,
//! configured from the environment.
//!
//! - `SCIM_LISTEN`: the address to listen on (default `127.0.0.1:8080`);
//! - `SCIM_TENANTS`: `tenantA=tokenA,tenantB=tokenB`, one bearer token per tenant;
//! - `SCIM_TOKEN`: the bearer token of the single default tenant; when neither is set a
//!   token is generated and printed;
//! - `SCIM_PUBLIC_URL`: where clients reach it (the base of every location; default
//!   `http://{SCIM_LISTEN}/scim/v2`).

pub mod sessions;

use std::net::SocketAddr;
use std::sync::Arc;

use scim_http::{HttpConfig, ScimService, StaticTokens};
use scim_ops::{BaseUrl, ScimOperationHandler, ServiceConfig};
use scim_provider::{InMemoryProvider, ResourceProvider};
use scim_schema::SchemaRegistry;

/// The service and the address to serve it on, from the environment; prints where it
/// listens and, if it made one, the token.
pub fn service_from_env(framework: &str) -> (ScimService, SocketAddr) {
    service_on(framework, Arc::new(InMemoryProvider::new()))
}

/// The same, on `provider`.
pub fn service_on(
    framework: &str,
    provider: Arc<dyn ResourceProvider>,
) -> (ScimService, SocketAddr) {
    let listen = std::env::var("SCIM_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let address: SocketAddr = listen
        .parse()
        .unwrap_or_else(|e| panic!("SCIM_LISTEN={listen:?}: {e}"));
    let (tokens, generated) =
        StaticTokens::from_env().unwrap_or_else(|e| panic!("SCIM_TENANTS: {e}"));
    let public_url = std::env::var("SCIM_PUBLIC_URL")
        .unwrap_or_else(|_| format!("http://{address}/scim/v2"))
        .parse::<BaseUrl>()
        .unwrap_or_else(|e| panic!("SCIM_PUBLIC_URL: {e}"));
    let handler = ScimOperationHandler::new(
        provider,
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::at(public_url.clone()),
    );
    println!("SCIM server ({framework}) listening on {address}, public URL {public_url}");
    if let Some(token) = generated {
        println!("bearer token: {token}");
    }
    (
        ScimService::new(handler, tokens, HttpConfig::default()),
        address,
    )
}
