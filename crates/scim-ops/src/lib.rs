//! Every SCIM 2.0 operation (RFC 7644), framework-free.
//!
//! [`ScimOperationHandler`] takes a [`ScimOperationRequest`] (a [`ScimOperation`] with
//! exactly the target and body it needs, the query, `If-Match` as `expected_version`,
//! `If-None-Match`, and the tenant's [`RequestContext`](scim_provider::RequestContext))
//! and answers a [`ScimOperationResponse`] (status, SCIM JSON body, `current_version`,
//! `version_conflict`, `location`). `scim-http` maps HTTP onto it; tests and tools call
//! it directly. Every failure is a [`ScimError`] whose [`ErrorKind`] is the one mapping
//! to a status and `scimType`; every location is built on one [`BaseUrl`].
//!
//! The heart of it: **no lost updates**. A PATCH without `If-Match` reads the versioned
//! resource, applies the PATCH, and writes conditionally on the version it read,
//! retrying when another writer won; with `If-Match`, a mismatch is a `412` at once.
//! Membership-only PATCHes go to the provider as one atomic delta.
//!
//! See `docs/operations.md` for every operation with its status codes and the
//! compatibility switches.

mod base_url;
mod bulk;
mod config;
mod crud;
mod discovery;
mod error;
mod handler;
mod lenient;
mod list;
pub mod metrics;
mod patch;
mod request;
mod response;
mod retry;

pub use base_url::{BaseUrl, InvalidBaseUrl};
pub use config::{
    AuthenticationScheme, BulkConfig, Compatibility, MeMapping, Profile, ServiceConfig,
    TenantConfig, UnknownProfile, UnknownSwitch,
};
pub use error::{ErrorKind, ScimError};
pub use handler::ScimOperationHandler;
pub use request::{Operation, QueryParams, ScimOperation, ScimOperationRequest, Target};
pub use response::ScimOperationResponse;
