//! The storage traits: [`ResourceProvider`] and [`ConditionalProvider`].

use async_trait::async_trait;
use scim_version::{ConditionalResult, ScimVersion};
use serde_json::Value;

use crate::fallback::{check_version, not_found_to_result};
use crate::{
    ListPage, ListQuery, MembershipDelta, ProviderError, RequestContext, SerializedResource,
    VersionedResource,
};

/// Storage for SCIM resources. Async and object-safe: the layers above hold an
/// `Arc<dyn ResourceProvider>`.
///
/// Every method takes the [`RequestContext`]; a provider keys every record by its
/// tenant, so an id from one tenant is [`NotFound`](ProviderError::NotFound) under
/// another, in every method.
///
/// Resources come in validated and normalized (by `scim-schema`); the provider
/// assigns `id` when the resource has none, maintains `meta.resourceType`,
/// `meta.created`, `meta.lastModified` and `meta.version`, enforces uniqueness
/// (`userName` case-insensitively, and every attribute whose schema says
/// `uniqueness: server`), keeps `members` and the derived `User.groups` consistent, and
/// computes each version once per write ([`VersionedResource`]).
///
/// A provider whose compare-and-write is atomic says so by returning itself from
/// [`conditional`](Self::conditional).
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

    /// A read fast path: the resource as stored JSON, when the provider keeps it so and
    /// it is complete (every attribute, derived ones included, but `meta.version`, which
    /// the returned version gives) and holds no `returned: never` value. `Ok(None)`
    /// means "use [`get`](Self::get)", which is what the default does.
    async fn get_serialized(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<SerializedResource>, ProviderError> {
        let _ = (ctx, resource_type, id);
        Ok(None)
    }

    /// Replaces a resource, whatever its version; `meta.created` is kept.
    async fn replace(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError>;

    /// Deletes a resource, and removes it from every group it was a member of.
    async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<(), ProviderError>;

    /// One page of the resources matching `query`, with the exact total.
    async fn list(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError>;

    /// Adds and removes members of a group as one write, without rewriting the member
    /// list; returns the group's new version.
    async fn update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
    ) -> Result<ScimVersion, ProviderError>;

    /// This provider's atomic conditional operations, if it has them.
    fn conditional(&self) -> Option<&dyn ConditionalProvider> {
        None
    }
}

/// Atomic compare-and-write: each operation checks the version and writes in one step
/// (under one lock, in one SQL statement), so two writers holding the same version can
/// never both succeed.
#[async_trait]
pub trait ConditionalProvider: ResourceProvider {
    /// The resource and its version, or `None` when it does not exist.
    async fn get_versioned_resource(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<VersionedResource>, ProviderError> {
        match self.get(ctx, resource_type, id).await {
            Ok(found) => Ok(Some(found)),
            Err(ProviderError::NotFound { .. }) => Ok(None),
            Err(other) => Err(other),
        }
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
    ) -> Result<ConditionalResult<VersionedResource>, ProviderError>;

    /// Deletes the resource only if it is at `expected`.
    async fn conditional_delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<()>, ProviderError>;

    /// Applies a membership delta only if the group is at `expected`.
    async fn conditional_update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<ScimVersion>, ProviderError>;
}

/// Applies a membership delta, conditionally when `expected` is given and the provider
/// is conditional (falling back like [`try_conditional_update`](crate::try_conditional_update)
/// otherwise).
pub async fn try_conditional_update_members(
    provider: &dyn ResourceProvider,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    delta: &MembershipDelta,
    expected: Option<&ScimVersion>,
) -> Result<ConditionalResult<ScimVersion>, ProviderError> {
    match (expected, provider.conditional()) {
        (Some(expected), Some(conditional)) => {
            conditional
                .conditional_update_members(ctx, resource_type, id, delta, expected)
                .await
        }
        (Some(expected), None) => {
            match check_version(provider, ctx, resource_type, id, expected).await? {
                ConditionalResult::Success(()) => not_found_to_result(
                    provider.update_members(ctx, resource_type, id, delta).await,
                ),
                ConditionalResult::VersionMismatch(conflict) => {
                    Ok(ConditionalResult::VersionMismatch(conflict))
                }
                ConditionalResult::NotFound => Ok(ConditionalResult::NotFound),
            }
        }
        (None, _) => {
            not_found_to_result(provider.update_members(ctx, resource_type, id, delta).await)
        }
    }
}
