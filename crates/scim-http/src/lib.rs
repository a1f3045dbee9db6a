//! SCIM 2.0 over the `http` crate's types.
//!
//! [`ScimService`] is the whole endpoint and a `tower::Service` for `http::Request<B>`
//! with any `http_body::Body`, so any tower-based stack (axum, hyper, tonic) mounts it
//! and wraps it in its own layers; `scim-axum`, `scim-warp` and `scim-actix` are a few
//! lines each. It does:
//!
//! - **routing** under a base path (default `/scim/v2`): every resource type's endpoint
//!   and `/{id}`, `/.search` at the root and per type, `/Bulk`, `/Me`,
//!   `/ServiceProviderConfig`, `/ResourceTypes[/{id}]`, `/Schemas[/{id}]`; a wrong
//!   method is `405` with `Allow`, an unknown path a `404` SCIM error;
//! - **authentication** first, through an [`Authenticator`] that sees the request's
//!   head, extensions included ([`StaticTokens`] and [`FromExtensions`] built in):
//!   `401` with `WWW-Authenticate: Bearer`;
//! - **locations** from one public base URL (the handler's `ServiceConfig::base_url`,
//!   whose path is also the routing base), with the tenant segment when the tenant is
//!   in the path, and a trusted proxy's origin when [`HttpConfig::trust_forwarded`];
//! - **content types**: `application/scim+json` or `application/json` in, `415`
//!   otherwise; `application/scim+json` out; malformed JSON is `400 invalidSyntax`;
//!   bodies are bounded in size (`413`) and nesting;
//! - **limits** per tenant ([`Limits`]): a request rate and requests in progress
//!   (`429` with `Retry-After`), a time per request (`503`); none by default;
//! - **conditional requests** (RFC 9110): `If-Match` / `If-None-Match` parsed here and
//!   evaluated by `scim-ops` against the version it reads, atomically with the write;
//!   every single-resource response carries an `ETag` equal to `meta.version`. See
//!   [`handle_conditional_request`] and `docs/http.md`.

mod auth;
mod body;
mod conditional;
mod config;
mod forwarded;
mod limits;
pub mod observe;
mod openapi;
mod routing;
mod service;
#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{
    AuthError, Authenticator, FromExtensions, Principal, StaticTokens, TokenListError,
    generate_token,
};
pub use body::SCIM_JSON;
pub use conditional::{
    ConditionalOutcome, add_etag_to_response, extract_etag_from_headers, handle_conditional_request,
};
pub use config::HttpConfig;
pub use limits::{Limits, Rate, TenantLimits};
pub use openapi::openapi_document;
pub use service::{ScimService, error_response, unauthorized};
