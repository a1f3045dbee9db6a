//! What the tenant's [`Compatibility`](crate::Compatibility) switches do to a request
//! before it is read as the RFC says: bare-string members, unknown attributes logged,
//! unquoted filter values, value filters in projections.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};

use scim_schema::{Filter, PatchOperation, PatchRequest, Projection, ResourceDefinition};
use serde_json::{Map, Value};

use crate::{ScimError, ScimOperationHandler, ScimOperationRequest};

impl ScimOperationHandler {
    /// The body of a create or replace, as the tenant's switches read it.
    pub(crate) fn resource_body<'r>(
        &self,
        request: &'r ScimOperationRequest,
        definition: &ResourceDefinition,
    ) -> Result<Cow<'r, Value>, ScimError> {
        let body = self.body(request)?;
        let compatibility = &self.tenant_config(request).compatibility;
        if compatibility.ignore_unknown_attributes {
            log_unknown_attributes(definition, body);
        }
        let bare = |members: &Value| {
            members
                .as_array()
                .is_some_and(|m| m.iter().any(Value::is_string))
        };
        match body.get("members") {
            Some(members) if compatibility.bare_string_members && bare(members) => {
                let mut body = body.clone();
                if let Some(members) = body.get_mut("members") {
                    wrap_bare_members(members);
                }
                Ok(Cow::Owned(body))
            }
            _ => Ok(Cow::Borrowed(body)),
        }
    }

    /// The PATCH of a request, as the tenant's switches read it.
    pub(crate) fn patch_body(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<PatchRequest, ScimError> {
        let mut patch = PatchRequest::parse(self.body(request)?)?;
        if self
            .tenant_config(request)
            .compatibility
            .bare_string_members
        {
            patch
                .operations
                .iter_mut()
                .filter_map(members_written)
                .for_each(wrap_bare_members);
        }
        Ok(patch)
    }

    /// A list's filter, as the tenant's switches read it: unquoted values are read as
    /// the types of the request's resource type (as strings across all types).
    pub(crate) fn filter(
        &self,
        request: &ScimOperationRequest,
        text: &str,
    ) -> Result<Filter, ScimError> {
        if !self
            .tenant_config(request)
            .compatibility
            .unquoted_filter_values
        {
            return Ok(Filter::parse(text)?);
        }
        let definition = match request.operation.resource_type() {
            Some(_) => Some(self.definition(request)?),
            None => None,
        };
        Ok(Filter::parse_unquoted(text, definition.map(|d| &**d))?)
    }

    /// `attributes` and `excludedAttributes`, as the tenant's switches read them.
    pub(crate) fn read_projection(
        &self,
        request: &ScimOperationRequest,
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Projection, ScimError> {
        Ok(
            match self
                .tenant_config(request)
                .compatibility
                .projection_value_filters
            {
                true => Projection::from_query_with_value_filters(attributes, excluded)?,
                false => Projection::from_query(attributes, excluded)?,
            },
        )
    }
}

fn is_members(name: &str) -> bool {
    name.eq_ignore_ascii_case("members")
}

/// The `members` value `operation` writes whole, if any: its value when its path is
/// `members` (not a value filter, not a sub-attribute), the value's `members` when it
/// has no path.
fn members_written(operation: &mut PatchOperation) -> Option<&mut Value> {
    let value = operation.value.as_mut()?;
    match &operation.path {
        None => value
            .as_object_mut()?
            .iter_mut()
            .find_map(|(name, members)| is_members(name).then_some(members)),
        Some(path)
            if is_members(&path.attribute.name)
                && path.value_filter.is_none()
                && path.attribute.sub_attribute.is_none() =>
        {
            Some(value)
        }
        Some(_) => None,
    }
}

/// `"id"` and `["id", …]` as `{"value": "id"}` members; other values as they are.
fn wrap_bare_members(members: &mut Value) {
    let wrap = |value: &mut Value| {
        if let Value::String(id) = value {
            let id = std::mem::take(id);
            *value = Value::Object(Map::from_iter([("value".to_owned(), Value::String(id))]));
        }
    };
    match members {
        Value::Array(items) => items.iter_mut().for_each(wrap),
        single => wrap(single),
    }
}

/// The most attribute names [`log_unknown_attributes`] remembers having logged: a
/// client sending ever new names cannot grow the set without bound.
const REMEMBERED: usize = 1024;

/// Logs, once per name in this process and at `debug`, each top-level or extension
/// attribute of `body` that no schema of `definition` defines (and that validation is
/// about to drop).
fn log_unknown_attributes(definition: &ResourceDefinition, body: &Value) {
    static LOGGED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let Some(object) = body.as_object() else {
        return;
    };
    let mut unknown = Vec::new();
    for (key, value) in object {
        if key == "schemas" || definition.top_level_attribute(key).is_some() {
            continue;
        }
        match (definition.extension(key), value.as_object()) {
            (Some(schema), Some(fields)) => unknown.extend(
                fields
                    .keys()
                    .filter(|name| schema.attribute(name).is_none())
                    .map(|name| format!("{}:{name}", schema.id)),
            ),
            (Some(_), None) => {}
            (None, _) => unknown.push(key.clone()),
        }
    }
    if unknown.is_empty() {
        return;
    }
    let mut logged = LOGGED.lock().unwrap_or_else(PoisonError::into_inner);
    let logged = logged.get_or_insert_with(HashSet::new);
    for name in unknown {
        if logged.len() < REMEMBERED && logged.insert(name.clone()) {
            tracing::debug!(
                attribute = %name,
                resource_type = definition.name(),
                "ignored an attribute no schema defines (logged once per name)"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bare_ids_become_members_and_objects_stay() {
        for (before, after) in [
            (
                json!(["a", {"value": "b"}]),
                json!([{"value": "a"}, {"value": "b"}]),
            ),
            (json!("a"), json!({"value": "a"})),
            (json!([1, null]), json!([1, null])),
        ] {
            let mut members = before;
            wrap_bare_members(&mut members);
            assert_eq!(members, after);
        }
    }
}
