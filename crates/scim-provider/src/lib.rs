//! Storage for SCIM 2.0 resources, with optimistic concurrency at its core.
//!
//! - [`ResourceProvider`]: create, get, replace, delete, list and membership deltas,
//!   async and object-safe, every call scoped by the tenant in its [`RequestContext`].
//! - [`ConditionalProvider`]: compare-and-write that is atomic inside the provider, so
//!   two writers holding one version never both win; [`try_conditional_update`] and
//!   [`try_conditional_delete`] work with any provider.
//! - [`VersionedResource`]: a resource and its content-hash version, computed once per
//!   write and recorded in `meta.version`.
//! - [`InMemoryProvider`]: sharded by tenant and resource type, indexed, with group
//!   membership stored as deltas.
//! - `testkit` (feature `testkit`): the contract any provider must pass.
//!
//! ```
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # rt.block_on(async {
//! use scim_provider::{InMemoryProvider, ListQuery, RequestContext, ResourceProvider};
//! use scim_schema::Filter;
//! use serde_json::json;
//!
//! let provider = InMemoryProvider::new();
//! let ctx = RequestContext::new("acme");
//! let user = provider.create(&ctx, "User", json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "bjensen"
//! })).await?;
//! assert_eq!(user.resource()["meta"]["version"], user.version().to_http_header());
//!
//! let page = provider.list(&ctx, "User", &ListQuery::new()
//!     .with_filter(Filter::parse(r#"userName eq "BJENSEN""#).unwrap())).await?;
//! assert_eq!(page.total_results, 1);
//!
//! // Another tenant sees nothing.
//! let other = RequestContext::new("globex");
//! assert!(provider.get(&other, "User", user.id().unwrap()).await.is_err());
//! # Ok::<(), scim_provider::ProviderError>(())
//! # }).unwrap();
//! ```

mod context;
mod error;
mod fallback;
mod ids;
mod memory;
mod provider;
mod query;
mod resource;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use context::RequestContext;
pub use error::ProviderError;
pub use fallback::{require_found, try_conditional_delete, try_conditional_update};
pub use ids::new_id;
pub use memory::InMemoryProvider;
pub use provider::{ConditionalProvider, ResourceProvider, try_conditional_update_members};
pub use query::{ListPage, ListQuery, PageWindow};
pub use resource::{
    ContentDigest, Member, MembershipDelta, SerializedResource, SetDigest, VersionedResource,
    base_hash, group_reference, stamp_meta,
};
pub use scim_schema::SortSpec;
