//! [`NonAtomicProvider`]: the explicit, visibly named fallback for a store that cannot
//! compare and write atomically, and its [`try_conditional_update`],
//! [`try_conditional_delete`] and [`try_conditional_update_members`].

use std::future::Future;

use async_trait::async_trait;
use scim_version::{ScimVersion, VersionConflict};
use serde_json::Value;

use crate::{
    ListPage, ListQuery, MembershipDelta, ProviderError, RequestContext, ResourceProvider,
    VersionedResource,
};

/// A store that can only write unconditionally: what
/// [`NonAtomicProvider`] turns into a [`ResourceProvider`]. The methods mean what the
/// [`ResourceProvider`] methods of the same names mean, without `expected`.
#[async_trait]
pub trait NonAtomicStore: Send + Sync {
    /// Stores a new resource.
    async fn create(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError>;

    /// The resource with this id.
    async fn get(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<VersionedResource, ProviderError>;

    /// Replaces a resource, whatever its version.
    async fn replace(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError>;

    /// Deletes a resource, whatever its version.
    async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<(), ProviderError>;

    /// One page of the matching resources.
    async fn list(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError>;

    /// Applies a membership delta, whatever the group's version.
    async fn update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
    ) -> Result<ScimVersion, ProviderError>;
}

/// A [`ResourceProvider`] over a store that **cannot compare and write atomically**.
///
/// A write with `expected` reads the current version, compares, then writes: a
/// concurrent writer can slip in between the read and the write, so this narrows the
/// window for lost updates and does not close it. Use it only for a store that offers
/// nothing better; constructing one logs a warning saying so.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// # use async_trait::async_trait;
/// # use scim_provider::*;
/// # use scim_version::ScimVersion;
/// # use serde_json::Value;
/// // A store with unconditional writes only; here the in-memory provider stands in.
/// struct Legacy(InMemoryProvider);
/// #[async_trait]
/// impl NonAtomicStore for Legacy {
///     async fn create(&self, c: &RequestContext, t: &str, r: Value) -> Result<VersionedResource, ProviderError> { self.0.create(c, t, r).await }
///     async fn get(&self, c: &RequestContext, t: &str, id: &str) -> Result<VersionedResource, ProviderError> { self.0.get(c, t, id).await }
///     async fn replace(&self, c: &RequestContext, t: &str, id: &str, r: Value) -> Result<VersionedResource, ProviderError> { self.0.replace(c, t, id, r, None).await }
///     async fn delete(&self, c: &RequestContext, t: &str, id: &str) -> Result<(), ProviderError> { self.0.delete(c, t, id, None).await }
///     async fn list(&self, c: &RequestContext, t: &str, q: &ListQuery) -> Result<ListPage, ProviderError> { self.0.list(c, t, q).await }
///     async fn update_members(&self, c: &RequestContext, t: &str, id: &str, d: &MembershipDelta) -> Result<ScimVersion, ProviderError> { self.0.update_members(c, t, id, d, None).await }
/// }
///
/// let provider = NonAtomicProvider::new(Legacy(InMemoryProvider::new()));
/// let ctx = RequestContext::default();
/// let user = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
/// let created = provider.create(&ctx, "User", user.clone()).await?;
/// let id = created.id().unwrap();
/// let mut renamed = user.clone();
/// renamed["userName"] = "barbara".into();
/// provider.replace(&ctx, "User", id, renamed, Some(created.version())).await?;
/// let stale = provider.replace(&ctx, "User", id, user, Some(created.version())).await;
/// assert!(matches!(stale, Err(ProviderError::VersionMismatch(_))));
/// # Ok::<(), ProviderError>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct NonAtomicProvider<S> {
    store: S,
}

impl<S: NonAtomicStore> NonAtomicProvider<S> {
    /// Wraps `store`, logging (at `warn`) that its conditional writes are not atomic.
    pub fn new(store: S) -> Self {
        tracing::warn!(
            store = std::any::type_name::<S>(),
            "NonAtomicProvider: conditional writes read, compare, then write; \
             concurrent writers can lose updates"
        );
        Self { store }
    }

    /// The wrapped store.
    pub fn store(&self) -> &S {
        &self.store
    }
}

#[async_trait]
impl<S: NonAtomicStore> ResourceProvider for NonAtomicProvider<S> {
    async fn create(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        self.store.create(ctx, resource_type, resource).await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<VersionedResource, ProviderError> {
        self.store.get(ctx, resource_type, id).await
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
        expected: Option<&ScimVersion>,
    ) -> Result<VersionedResource, ProviderError> {
        try_conditional_update(&self.store, ctx, resource_type, id, resource, expected).await
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<(), ProviderError> {
        try_conditional_delete(&self.store, ctx, resource_type, id, expected).await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError> {
        self.store.list(ctx, resource_type, query).await
    }

    async fn update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ScimVersion, ProviderError> {
        try_conditional_update_members(&self.store, ctx, resource_type, id, delta, expected).await
    }
}

/// Replaces a resource if it is at `expected` (or whatever its version when `None`) by
/// reading, comparing, then writing: **not atomic** (see [`NonAtomicProvider`]).
pub async fn try_conditional_update<S: NonAtomicStore + ?Sized>(
    store: &S,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    resource: Value,
    expected: Option<&ScimVersion>,
) -> Result<VersionedResource, ProviderError> {
    let write = store.replace(ctx, resource_type, id, resource);
    checked_then(store, ctx, resource_type, id, expected, write).await
}

/// Deletes a resource if it is at `expected`, likewise **not atomic**.
pub async fn try_conditional_delete<S: NonAtomicStore + ?Sized>(
    store: &S,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    expected: Option<&ScimVersion>,
) -> Result<(), ProviderError> {
    let write = store.delete(ctx, resource_type, id);
    checked_then(store, ctx, resource_type, id, expected, write).await
}

/// Applies a membership delta if the group is at `expected`, likewise **not atomic**.
pub async fn try_conditional_update_members<S: NonAtomicStore + ?Sized>(
    store: &S,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    delta: &MembershipDelta,
    expected: Option<&ScimVersion>,
) -> Result<ScimVersion, ProviderError> {
    let write = store.update_members(ctx, resource_type, id, delta);
    checked_then(store, ctx, resource_type, id, expected, write).await
}

/// The read-compare-then-write of the fallback: `write` (not yet started) runs only
/// once the current version matched `expected`.
async fn checked_then<S: NonAtomicStore + ?Sized, T>(
    store: &S,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    expected: Option<&ScimVersion>,
    write: impl Future<Output = Result<T, ProviderError>>,
) -> Result<T, ProviderError> {
    if let Some(expected) = expected {
        let current = store.get(ctx, resource_type, id).await?;
        check_expected(current.version(), Some(expected))?;
    }
    write.await
}

/// `Err` with the conflict when `current` is not the `expected` version (`None`
/// expects nothing): the comparison every provider makes under its lock, so that all
/// of them compare alike (weakly, see [`ScimVersion::matches`]).
pub fn check_expected(
    current: &ScimVersion,
    expected: Option<&ScimVersion>,
) -> Result<(), VersionConflict> {
    match expected {
        Some(expected) if !current.matches(expected) => {
            Err(VersionConflict::new(expected.clone(), current.clone()))
        }
        _ => Ok(()),
    }
}
