//! [`try_conditional_update`] and [`try_conditional_delete`]: conditional writes on any
//! [`ResourceProvider`].

use scim_version::{ConditionalResult, ScimVersion, VersionConflict};
use serde_json::Value;

use crate::{ProviderError, RequestContext, ResourceProvider, VersionedResource};

/// Replaces a resource if it is at `expected` (or unconditionally when `expected` is
/// `None`).
///
/// On a provider with atomic conditional writes ([`ResourceProvider::conditional`])
/// the check and the write are one step inside the provider. On any other provider
/// this falls back to reading the current version, comparing, then writing: **a
/// concurrent writer can slip in between the read and the write**, so the fallback
/// only narrows the window for lost updates; it does not close it.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use scim_provider::{InMemoryProvider, RequestContext, ResourceProvider, try_conditional_update};
/// use serde_json::json;
///
/// let provider = InMemoryProvider::new();
/// let ctx = RequestContext::default();
/// let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
/// let created = provider.create(&ctx, "User", user.clone()).await?;
/// let id = created.id().unwrap().to_owned();
///
/// let mut renamed = user.clone();
/// renamed["userName"] = json!("barbara");
/// let first = try_conditional_update(&provider, &ctx, "User", &id, renamed, Some(created.version())).await?;
/// assert!(first.is_success());
/// let stale = try_conditional_update(&provider, &ctx, "User", &id, user, Some(created.version())).await?;
/// assert!(stale.is_version_mismatch());
/// # Ok::<(), scim_provider::ProviderError>(())
/// # }).unwrap();
/// ```
pub async fn try_conditional_update(
    provider: &dyn ResourceProvider,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    resource: Value,
    expected: Option<&ScimVersion>,
) -> Result<ConditionalResult<VersionedResource>, ProviderError> {
    let Some(expected) = expected else {
        return not_found_to_result(provider.replace(ctx, resource_type, id, resource).await);
    };
    if let Some(conditional) = provider.conditional() {
        return conditional
            .conditional_update(ctx, resource_type, id, resource, expected)
            .await;
    }
    match check_version(provider, ctx, resource_type, id, expected).await? {
        ConditionalResult::Success(()) => {
            not_found_to_result(provider.replace(ctx, resource_type, id, resource).await)
        }
        ConditionalResult::VersionMismatch(conflict) => {
            Ok(ConditionalResult::VersionMismatch(conflict))
        }
        ConditionalResult::NotFound => Ok(ConditionalResult::NotFound),
    }
}

/// Deletes a resource if it is at `expected` (or unconditionally when `None`), with the
/// same guarantees as [`try_conditional_update`].
pub async fn try_conditional_delete(
    provider: &dyn ResourceProvider,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    expected: Option<&ScimVersion>,
) -> Result<ConditionalResult<()>, ProviderError> {
    let Some(expected) = expected else {
        return not_found_to_result(provider.delete(ctx, resource_type, id).await);
    };
    if let Some(conditional) = provider.conditional() {
        return conditional
            .conditional_delete(ctx, resource_type, id, expected)
            .await;
    }
    match check_version(provider, ctx, resource_type, id, expected).await? {
        ConditionalResult::Success(()) => {
            not_found_to_result(provider.delete(ctx, resource_type, id).await)
        }
        ConditionalResult::VersionMismatch(conflict) => {
            Ok(ConditionalResult::VersionMismatch(conflict))
        }
        ConditionalResult::NotFound => Ok(ConditionalResult::NotFound),
    }
}

/// `Err` with the conflict when `current` is not the `expected` version (`None`
/// expects nothing).
pub(crate) fn check_expected(
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

/// Reads the resource and compares its version: the non-atomic fallback.
pub(crate) async fn check_version(
    provider: &dyn ResourceProvider,
    ctx: &RequestContext,
    resource_type: &str,
    id: &str,
    expected: &ScimVersion,
) -> Result<ConditionalResult<()>, ProviderError> {
    match provider.get(ctx, resource_type, id).await {
        Ok(current) => Ok(match check_expected(current.version(), Some(expected)) {
            Ok(()) => ConditionalResult::Success(()),
            Err(conflict) => ConditionalResult::VersionMismatch(conflict),
        }),
        Err(ProviderError::NotFound { .. }) => Ok(ConditionalResult::NotFound),
        Err(other) => Err(other),
    }
}

/// Turns `NotFound` into [`ConditionalResult::NotFound`] and a version mismatch into
/// [`ConditionalResult::VersionMismatch`].
pub(crate) fn not_found_to_result<T>(
    result: Result<T, ProviderError>,
) -> Result<ConditionalResult<T>, ProviderError> {
    match result {
        Ok(value) => Ok(ConditionalResult::Success(value)),
        Err(ProviderError::NotFound { .. }) => Ok(ConditionalResult::NotFound),
        Err(ProviderError::VersionMismatch(conflict)) => {
            Ok(ConditionalResult::VersionMismatch(conflict))
        }
        Err(other) => Err(other),
    }
}

/// A [`ConditionalResult`] as a plain `Result`: `NotFound` and a version mismatch
/// become the matching [`ProviderError`]s. For providers implementing the unconditional
/// methods on top of their conditional ones.
pub fn require_found<T>(
    result: ConditionalResult<T>,
    resource_type: &str,
    id: &str,
) -> Result<T, ProviderError> {
    match result {
        ConditionalResult::Success(value) => Ok(value),
        ConditionalResult::NotFound => Err(ProviderError::not_found(resource_type, id)),
        ConditionalResult::VersionMismatch(conflict) => {
            Err(ProviderError::VersionMismatch(conflict))
        }
    }
}
