//! Storage for SCIM 2.0 resources, with optimistic concurrency at its core.
//!
//! - [`ResourceProvider`]: the one storage contract. Create, get, replace, delete, list
//!   and membership deltas, async and object-safe, every call scoped by the tenant in
//!   its [`RequestContext`]; every write takes the version it `expected` and compares
//!   and writes atomically, so two writers holding one version never both win.
//! - [`ConditionalProvider`]: the same writes with the outcome as a
//!   [`ConditionalResult`](scim_version::ConditionalResult), for every provider.
//! - [`NonAtomicProvider`]: the explicit wrapper for a [`NonAtomicStore`] that cannot
//!   compare and write atomically (its [`try_conditional_update`],
//!   [`try_conditional_delete`] and [`try_conditional_update_members`] read, compare,
//!   then write).
//! - [`VersionedResource`]: a resource and its content-hash version, computed once per
//!   write and recorded in `meta.version`.
//! - [`InMemoryProvider`]: sharded by tenant and resource type, indexed, with group
//!   membership stored as deltas.
//! - [`ChangeFeed`]: every committed write as a [`ChangeEvent`], recorded with it, read
//!   from a [`ChangeCursor`] or followed as a [`Subscription`].
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

mod changes;
mod context;
mod error;
mod fetch;
mod ids;
mod memory;
mod non_atomic;
mod provider;
mod query;
mod resource;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use changes::{
    Change, ChangeBatch, ChangeCursor, ChangeEvent, ChangeFeed, ChangeKind, ChangeSignal,
    Subscription, SubscriptionError,
};
pub use context::RequestContext;
pub use error::ProviderError;
pub use fetch::Fetch;
pub use ids::{NoRandomness, new_id};
pub use memory::InMemoryProvider;
pub use non_atomic::{
    NonAtomicProvider, NonAtomicStore, check_expected, try_conditional_delete,
    try_conditional_update, try_conditional_update_members,
};
pub use provider::{ConditionalProvider, ResourceProvider};
pub use query::{Cursor, ListPage, ListQuery, PageWindow, Paging};
pub use resource::{
    ContentDigest, Member, MembershipDelta, ReturnableJson, SerializedResource, SetDigest,
    VersionedResource, base_hash, display_of, group_reference, holds_never_returned, stamp_meta,
};
pub use scim_schema::SortSpec;
