//! PATCH (RFC 7644 section 3.5.2): [`PatchRequest`] parses a PatchOp body and applies
//! it to a resource.
//!
//! Besides the RFC, the engine accepts what identity providers really send:
//! - op names in any case (`Replace`, `Add`, `Remove` from Microsoft Entra ID);
//! - `add` / `replace` without `path`, whose value object holds plain, dotted
//!   (`name.givenName`) or URN-qualified keys, or an extension object;
//! - `remove` of `members` with a `value` array, removing just those members (Entra);
//! - `replace` of `members` with `[]`, emptying the group (Okta);
//! - `id` inside a no-path `replace` value, ignored when unchanged (Okta);
//! - a complex single-valued attribute given a bare string (Entra's `manager`), read as
//!   its `value`;
//! - `add` / `replace` of `attr[type eq "work"].sub` when no element matches, creating
//!   the element from the filter's `eq` terms (Entra's `addresses[type eq "work"]…`).

mod apply;

use serde_json::Value;

use crate::builtin::PATCH_OP;
use crate::{PatchPath, SchemaError, json};

/// A PATCH operation's kind; parsed case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatchOp {
    /// `add`.
    Add,
    /// `remove`.
    Remove,
    /// `replace`.
    Replace,
}

impl PatchOp {
    /// Reads `add`, `remove` or `replace` in any case.
    pub fn parse(input: &str) -> Option<Self> {
        [Self::Add, Self::Remove, Self::Replace]
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(input))
    }

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Replace => "replace",
        }
    }
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    /// What to do.
    pub op: PatchOp,
    /// Where; required for `remove`.
    pub path: Option<PatchPath>,
    /// The value; required for `add` and `replace`.
    pub value: Option<Value>,
}

/// A parsed PatchOp request body.
///
/// ```
/// use scim_schema::{PatchRequest, SchemaRegistry, ValidationOptions};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::default();
/// let groups = registry.resource_type("Group").unwrap();
/// let group = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///     "id": "g1", "displayName": "Admins", "members": [{"value": "u1"}]
/// });
/// let patch = PatchRequest::parse(&json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "Add", "path": "members", "value": [{"value": "u2"}]},
///         {"op": "Remove", "path": "members[value eq \"u1\"]"}
///     ]
/// }))?;
/// let outcome = patch.apply(groups, &group, &ValidationOptions::default())?;
/// assert!(outcome.changed);
/// assert_eq!(outcome.members_added, ["u2"]);
/// assert_eq!(outcome.members_removed, ["u1"]);
/// assert_eq!(outcome.resource["members"], json!([{"value": "u2"}]));
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    /// The operations, applied in order.
    pub operations: Vec<PatchOperation>,
}

/// What applying a PATCH did.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOutcome {
    /// The resource after the PATCH, validated and normalized.
    pub resource: Value,
    /// Whether it differs from the resource before.
    pub changed: bool,
    /// The `members` values added, in order, so storage can apply a delta.
    pub members_added: Vec<String>,
    /// The `members` values removed.
    pub members_removed: Vec<String>,
}

impl PatchRequest {
    /// The most operations one request may hold.
    pub const MAX_OPERATIONS: usize = 1000;

    /// Parses a PatchOp body. Errors are `invalidSyntax` for a malformed body,
    /// `invalidPath` for a bad path and `noTarget` for a `remove` without one.
    pub fn parse(body: &Value) -> Result<Self, SchemaError> {
        let syntax = |message: &str| SchemaError::InvalidSyntax(message.to_owned());
        let object = body
            .as_object()
            .ok_or_else(|| syntax("a PATCH body must be a JSON object"))?;
        let is_patch = json::get(object, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter()
                    .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP)))
            });
        if !is_patch {
            return Err(SchemaError::InvalidSyntax(format!(
                "a PATCH body must list {PATCH_OP:?} in \"schemas\""
            )));
        }
        let operations = json::get(object, "Operations")
            .and_then(Value::as_array)
            .ok_or_else(|| syntax("a PATCH body needs an \"Operations\" array"))?;
        if operations.is_empty() {
            return Err(syntax("\"Operations\" is empty"));
        }
        if operations.len() > Self::MAX_OPERATIONS {
            return Err(SchemaError::InvalidSyntax(format!(
                "a PATCH request may hold at most {} operations",
                Self::MAX_OPERATIONS
            )));
        }
        let operations = operations
            .iter()
            .map(parse_operation)
            .collect::<Result<_, _>>()?;
        Ok(Self { operations })
    }
}

fn parse_operation(value: &Value) -> Result<PatchOperation, SchemaError> {
    let syntax = |message: String| SchemaError::InvalidSyntax(message);
    let object = value
        .as_object()
        .ok_or_else(|| syntax("each PATCH operation must be a JSON object".into()))?;
    let op_name = json::get(object, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| syntax("a PATCH operation needs an \"op\"".into()))?;
    let op = PatchOp::parse(op_name).ok_or_else(|| {
        syntax(format!(
            "{op_name:?} is not a PATCH op (add, remove, replace)"
        ))
    })?;
    let path = match json::get(object, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) if path.trim().is_empty() => None,
        Some(Value::String(path)) => Some(PatchPath::parse(path.trim())?),
        Some(_) => return Err(syntax("\"path\" must be a string".into())),
    };
    let value = json::get(object, "value").cloned();
    match (op, &path, &value) {
        (PatchOp::Remove, None, _) => Err(SchemaError::NoTarget(
            "a remove operation needs a \"path\"".into(),
        )),
        (PatchOp::Add | PatchOp::Replace, _, None) => Err(syntax(format!(
            "an {} operation needs a \"value\"",
            op.as_str()
        ))),
        (PatchOp::Add | PatchOp::Replace, None, Some(v)) if !v.is_object() => Err(syntax(format!(
            "an {} operation without \"path\" needs an object \"value\"",
            op.as_str()
        ))),
        _ => Ok(PatchOperation { op, path, value }),
    }
}
