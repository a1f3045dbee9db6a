//! PATCH (RFC 7644 section 3.5.2) without lost updates.
//!
//! Membership-only PATCHes (add members, remove `members[value eq "…"]`, remove
//! `members` with a value list) go to the provider as one atomic delta. Everything else
//! reads the versioned resource, applies the PATCH, and writes conditionally on the
//! version read; a lost race is retried (bounded) when the client sent no `If-Match`,
//! and is a `412` at once when it did.

use http::StatusCode;
use scim_provider::{Fetch, Member, MembershipDelta};
use scim_schema::{CompValue, CompareOp, Filter, PatchOp, PatchRequest, ResourceDefinition};
use scim_version::{Precondition, ScimVersion};
use serde_json::Value;

use crate::{ScimError, ScimOperationHandler, ScimOperationRequest, ScimOperationResponse};

impl ScimOperationHandler {
    pub(crate) async fn patch(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let definition = self.definition(request)?;
        let id = self.id(request)?;
        let patch = self.patch_body(request)?;
        // The provider compares versions weakly; a server configured for strong
        // If-Match comparison takes the full path, which evaluates it.
        let weak = self.config().if_match_comparison == scim_version::Comparison::Weak;
        if request.if_none_match.is_none()
            && (weak || request.expected_version.is_none())
            && let Some(delta) = membership_delta(definition, &patch)
        {
            return self.patch_members(request, definition, id, &delta).await;
        }
        let options = self.validation_options(request);
        // Its write is recorded as a PATCH in the change feed.
        let patching = request.context.clone().as_patch();
        let (ctx, name) = (&patching, definition.name());
        let stored = self
            .retrying(request, || async {
                let current = self.provider().get(ctx, name, id).await?;
                self.preconditions(request, current.version(), false)?;
                let outcome = patch.apply(definition, current.resource(), &options)?;
                if !outcome.changed {
                    return Ok(current);
                }
                let added: Vec<&str> = outcome.members_added.iter().map(String::as_str).collect();
                self.check_members(request, definition, &added).await?;
                let expected = Some(current.version());
                let written = self
                    .provider()
                    .replace(ctx, name, id, outcome.resource, expected);
                Ok(written.await?)
            })
            .await?;
        self.patch_response(request, definition, stored)
    }

    /// A membership-only PATCH, as one delta.
    async fn patch_members(
        &self,
        request: &ScimOperationRequest,
        definition: &ResourceDefinition,
        id: &str,
        delta: &MembershipDelta,
    ) -> Result<ScimOperationResponse, ScimError> {
        let added: Vec<&str> = delta.add.iter().map(|m| m.value.as_str()).collect();
        self.check_members(request, definition, &added).await?;
        let (ctx, name) = (&request.context, definition.name());
        let expected: Option<ScimVersion> = match &request.expected_version {
            Some(Precondition::Tags(tags)) if tags.len() == 1 => Some(tags[0].clone()),
            Some(Precondition::Tags(_)) => {
                // Several tags: check against the current version, then write on it.
                let current = self.provider().get(ctx, name, id).await?;
                self.preconditions(request, current.version(), false)?;
                Some(current.version().clone())
            }
            Some(Precondition::Any) | None => None,
        };
        let version = self
            .provider()
            .update_members(ctx, name, id, delta, expected.as_ref())
            .await?;
        if self.tenant_config(request).compatibility.patch_no_content {
            return Ok(ScimOperationResponse::empty(StatusCode::NO_CONTENT).with_version(version));
        }
        // Read back only what the response shows: excluding `members` reads none.
        let fetch = Fetch::for_projection(definition, &self.projection(request)?);
        let stored = self.provider().get_with(ctx, name, id, fetch).await?;
        self.patch_response(request, definition, stored)
    }

    fn patch_response(
        &self,
        request: &ScimOperationRequest,
        definition: &ResourceDefinition,
        stored: scim_provider::VersionedResource,
    ) -> Result<ScimOperationResponse, ScimError> {
        if self.tenant_config(request).compatibility.patch_no_content {
            let version = stored.version().clone();
            return Ok(ScimOperationResponse::empty(StatusCode::NO_CONTENT).with_version(version));
        }
        let projection = self.projection(request)?;
        Ok(self.resource_response(request, StatusCode::OK, definition, stored, &projection))
    }
}

/// The membership delta a PATCH amounts to, when it only adds and removes members.
fn membership_delta(
    definition: &ResourceDefinition,
    patch: &PatchRequest,
) -> Option<MembershipDelta> {
    let mut delta = MembershipDelta::default();
    for operation in &patch.operations {
        let path = operation.path.as_ref()?;
        let resolved = definition.resolve(&path.attribute)?;
        if resolved.attribute.name != "members"
            || resolved.extension.is_some()
            || resolved.sub_attribute.is_some()
        {
            return None;
        }
        match (operation.op, &path.value_filter, &operation.value) {
            (PatchOp::Add, None, Some(value)) => delta.add.extend(members(value)?),
            (PatchOp::Remove, None, Some(value)) if !value.is_null() => {
                delta
                    .remove
                    .extend(members(value)?.into_iter().map(|m| m.value));
            }
            (PatchOp::Remove, Some(filter), None) => delta.remove.push(member_eq(filter)?),
            _ => return None,
        }
    }
    // An id both added and removed: order matters; leave it to the full engine.
    let conflicting = delta.add.iter().any(|m| delta.remove.contains(&m.value));
    (!conflicting && !delta.is_empty()).then_some(delta)
}

/// Members given as one object or an array of objects, each with a string `value`.
fn members(value: &Value) -> Option<Vec<Member>> {
    let items = match value {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    items.into_iter().map(Member::from_json).collect()
}

/// The id in `value eq "id"`.
fn member_eq(filter: &Filter) -> Option<String> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(id),
        } if path.name.eq_ignore_ascii_case("value")
            && path.sub_attribute.is_none()
            && path.schema.is_none() =>
        {
            Some(id.clone())
        }
        _ => None,
    }
}
