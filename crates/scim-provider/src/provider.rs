//! The storage contract: [`ResourceProvider`], and the [`ConditionalProvider`] view of it.

use async_trait::async_trait;
use scim_version::{ConditionalResult, ScimVersion};
use serde_json::Value;

use crate::{
    Fetch, ListPage, ListQuery, MembershipDelta, ProviderError, RequestContext, SerializedResource,
    VersionedResource,
};

/// Storage for SCIM resources: the one contract every provider implements. Async and
/// object-safe: the layers above hold an `Arc<dyn ResourceProvider>`.
///
/// **Implementing this trait is a promise of atomicity.** Every write that takes
/// `expected` compares the stored version with it and writes in one step (under one
/// lock, in one SQL transaction that holds the row), so two writers holding the same
/// version never both succeed. `expected: None` writes whatever the version. A store
/// that cannot compare and write atomically does not implement this trait: it
/// implements [`NonAtomicStore`](crate::NonAtomicStore) and is wrapped in
/// [`NonAtomicProvider`](crate::NonAtomicProvider), whose name says what it is.
///
/// Every outcome has one encoding, in [`ProviderError`]: a missing id is
/// [`NotFound`](ProviderError::NotFound), a version other than `expected` is
/// [`VersionMismatch`](ProviderError::VersionMismatch) naming the current version.
///
/// Every method takes the [`RequestContext`]; a provider keys every record by its
/// tenant, so an id from one tenant is `NotFound` under another, in every method.
///
/// Resources come in validated and normalized (by `scim-schema`); the provider
/// assigns `id` when the resource has none, maintains `meta.resourceType`,
/// `meta.created`, `meta.lastModified` and `meta.version`, enforces uniqueness
/// (`userName` case-insensitively, and every attribute whose schema says
/// `uniqueness: server`), keeps `members` and the derived `User.groups` consistent, and
/// computes each version once per write ([`VersionedResource`]).
#[async_trait]
pub trait ResourceProvider: Send + Sync {
    /// Stores a new resource and returns it as stored.
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

    /// The resource with this id, with only the parts `fetch` asks for loaded (see
    /// [`Fetch`]); the version is the whole resource's. The default loads everything.
    async fn get_with(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        fetch: Fetch,
    ) -> Result<VersionedResource, ProviderError> {
        let _ = fetch;
        self.get(ctx, resource_type, id).await
    }

    /// A read fast path: the resource as JSON text the provider already holds, when it
    /// is complete (every attribute, derived ones included, but `meta.version`, which
    /// the returned version gives). A [`SerializedResource`] can only be built by a
    /// constructor that leaves out every `returned: never` value, so this path cannot
    /// leak a password. `Ok(None)` means "use [`get`](Self::get)", which is what the
    /// default does.
    async fn get_serialized(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<SerializedResource>, ProviderError> {
        let _ = (ctx, resource_type, id);
        Ok(None)
    }

    /// Replaces a resource (`meta.created` is kept), only if it is at `expected` when
    /// given: the comparison and the write are one atomic step.
    async fn replace(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
        expected: Option<&ScimVersion>,
    ) -> Result<VersionedResource, ProviderError>;

    /// Deletes a resource, only if it is at `expected` when given, and removes it from
    /// every group it was a member of.
    async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<(), ProviderError>;

    /// One page of the resources matching `query`, with the exact total; the page's
    /// resources may leave out what [`ListQuery::fetch`] does not ask for.
    async fn list(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError>;

    /// Adds and removes members of a group as one write, without rewriting the member
    /// list, only if the group is at `expected` when given; returns its new version.
    async fn update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ScimVersion, ProviderError>;

    /// Which of `ids` exist as a resource of none of `resource_types`, in the order
    /// given: one call to check a group's new members. The default asks
    /// [`get`](Self::get) once per id and type; providers answer it with one lookup.
    async fn missing(
        &self,
        ctx: &RequestContext,
        resource_types: &[&str],
        ids: &[&str],
    ) -> Result<Vec<String>, ProviderError> {
        let mut missing = Vec::new();
        'ids: for &id in ids {
            for &resource_type in resource_types {
                match self.get(ctx, resource_type, id).await {
                    Ok(_) => continue 'ids,
                    Err(ProviderError::NotFound { .. }) => {}
                    Err(other) => return Err(other),
                }
            }
            missing.push(id.to_owned());
        }
        Ok(missing)
    }
}

/// The conditional operations of DESIGN.md, for every [`ResourceProvider`], with the
/// outcome as a [`ConditionalResult`] instead of an error: a view for callers that
/// prefer to match on it. Implemented once, here, for every provider; it adds no
/// behaviour (the atomicity is the provider's).
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use scim_provider::{ConditionalProvider, InMemoryProvider, RequestContext, ResourceProvider};
/// use serde_json::json;
///
/// let provider = InMemoryProvider::new();
/// let ctx = RequestContext::default();
/// let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
/// let created = provider.create_versioned_resource(&ctx, "User", user.clone()).await?;
/// let id = created.id().unwrap().to_owned();
///
/// let mut renamed = user.clone();
/// renamed["userName"] = json!("barbara");
/// let first = provider.conditional_update(&ctx, "User", &id, renamed, created.version()).await?;
/// assert!(first.is_success());
/// let stale = provider.conditional_update(&ctx, "User", &id, user, created.version()).await?;
/// assert!(stale.is_version_mismatch());
/// # Ok::<(), scim_provider::ProviderError>(())
/// # }).unwrap();
/// ```
#[async_trait]
pub trait ConditionalProvider: ResourceProvider {
    /// The resource and its version, or `None` when it does not exist.
    async fn get_versioned_resource(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<VersionedResource>, ProviderError> {
        Ok(conditional(self.get(ctx, resource_type, id).await)?.success())
    }

    /// Creates a resource and returns it with its first version.
    async fn create_versioned_resource(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        self.create(ctx, resource_type, resource).await
    }

    /// Replaces the resource only if it is at `expected`.
    async fn conditional_update(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<VersionedResource>, ProviderError> {
        conditional(
            self.replace(ctx, resource_type, id, resource, Some(expected))
                .await,
        )
    }

    /// Deletes the resource only if it is at `expected`.
    async fn conditional_delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<()>, ProviderError> {
        conditional(self.delete(ctx, resource_type, id, Some(expected)).await)
    }

    /// Applies a membership delta only if the group is at `expected`.
    async fn conditional_update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<ScimVersion>, ProviderError> {
        conditional(
            self.update_members(ctx, resource_type, id, delta, Some(expected))
                .await,
        )
    }
}

impl<P: ResourceProvider + ?Sized> ConditionalProvider for P {}

/// The [`ConditionalResult`] view of a provider's outcome: `NotFound` and a version
/// mismatch leave the error side. The one conversion between the two.
fn conditional<T>(result: Result<T, ProviderError>) -> Result<ConditionalResult<T>, ProviderError> {
    match result {
        Ok(value) => Ok(ConditionalResult::Success(value)),
        Err(ProviderError::NotFound { .. }) => Ok(ConditionalResult::NotFound),
        Err(ProviderError::VersionMismatch(conflict)) => {
            Ok(ConditionalResult::VersionMismatch(conflict))
        }
        Err(other) => Err(other),
    }
}
