//! SCIM 2.0 over the `http` crate's types.
//!
//! [`ScimService`] is the whole endpoint: it takes an `http::Request<Bytes>` and
//! returns an `http::Response<Bytes>`, so any framework mounts it with a few lines
//! (`scim-axum`, `scim-warp` and `scim-actix` are exactly that). It does:
//!
//! - **routing** under a base path (default `/scim/v2`): every resource type's endpoint
//!   and `/{id}`, `/.search` at the root and per type, `/Bulk`, `/Me`,
//!   `/ServiceProviderConfig`, `/ResourceTypes[/{id}]`, `/Schemas[/{id}]`; a wrong
//!   method is `405` with `Allow`, an unknown path a `404` SCIM error;
//! - **authentication** first, through an [`Authenticator`] ([`StaticTokens`] built
//!   in): `401` with `WWW-Authenticate: Bearer`;
//! - **content types**: `application/scim+json` or `application/json` in, `415`
//!   otherwise; `application/scim+json` out; malformed JSON is `400 invalidSyntax`;
//!   bodies are bounded in size (`413`) and nesting;
//! - **conditional requests** (RFC 9110): `If-Match` / `If-None-Match` parsed here and
//!   evaluated by `scim-ops` against the version it reads, atomically with the write;
//!   every single-resource response carries an `ETag` equal to `meta.version`. See
//!   [`handle_conditional_request`] and `docs/http.md`.

mod auth;
mod body;
mod conditional;
mod config;
mod routing;
mod service;
#[cfg(feature = "testing")]
pub mod testing;

pub use auth::{AuthError, Authenticator, Principal, StaticTokens, generate_token};
pub use body::SCIM_JSON;
pub use conditional::{
    ConditionalOutcome, add_etag_to_response, extract_etag_from_headers, handle_conditional_request,
};
pub use config::HttpConfig;
pub use service::ScimService;
