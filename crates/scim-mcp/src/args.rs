//! The arguments of every tool: their names and types are the public contract, and
//! their JSON Schemas (from `schemars`) are what an agent sees in `tools/list`.
//!
//! Arguments are read here rather than by rmcp's `Parameters` extractor, so that
//! arguments that do not fit are a tool error (`"error": "invalid"`) the agent can read
//! and correct, not a JSON-RPC protocol error most clients hide.

use std::sync::Arc;

use rmcp::model::JsonObject;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::answer::ToolError;

/// The JSON Schema of a tool's arguments, as `tools/list` shows it.
pub(crate) fn input_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    // Every argument type is a struct, whose schema is an object: the `Err` side
    // (rmcp refusing a non-object root) cannot happen for them, and a test lists
    // every tool's schema to keep it so.
    rmcp::handler::server::common::schema_for_input::<T>()
        .unwrap_or_else(|_| rmcp::handler::server::common::schema_for_empty_input())
}

/// Reads a tool's arguments into `T`.
pub(crate) fn parse<T: DeserializeOwned>(arguments: JsonObject) -> Result<T, ToolError> {
    serde_json::from_value(Value::Object(arguments))
        .map_err(|err| ToolError::invalid(format!("the arguments do not fit the tool: {err}")))
}

/// Attribute names, as a list (`["userName", "emails"]`) or one comma-separated
/// string (`"userName,emails"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum AttributeList {
    /// `["userName", "emails"]`.
    List(Vec<String>),
    /// `"userName,emails"`.
    Joined(String),
}

impl AttributeList {
    /// The comma-separated form the SCIM query parameters take.
    pub(crate) fn joined(&self) -> String {
        match self {
            Self::List(names) => names.join(","),
            Self::Joined(names) => names.clone(),
        }
    }
}

/// Takes no arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoArguments {}

/// Arguments of `get_schema`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetSchema {
    /// The schema's URN, such as `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub(crate) id: String,
}

/// `ascending` or `descending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SortOrder {
    /// Smallest first (the default).
    Ascending,
    /// Largest first.
    Descending,
}

/// Arguments of `search_resources`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchResources {
    /// The resource type: `User`, `Group`, or another name `list_resource_types` shows.
    pub(crate) resource_type: String,
    /// A SCIM filter (RFC 7644 section 3.4.2.2), such as `userName eq "alice"` or
    /// `displayName sw "Eng"`.
    pub(crate) filter: Option<String>,
    /// Return only these attributes (and `id`).
    pub(crate) attributes: Option<AttributeList>,
    /// Return every attribute but these (`members`, say, for large groups).
    pub(crate) excluded_attributes: Option<AttributeList>,
    /// The attribute to sort by, such as `userName`.
    pub(crate) sort_by: Option<String>,
    /// `ascending` (the default) or `descending`.
    pub(crate) sort_order: Option<SortOrder>,
    /// The 1-based index of the first result (offset paging).
    #[schemars(range(min = 1))]
    pub(crate) start_index: Option<u64>,
    /// How many results at most; small by default, so a large tenant does not flood
    /// the conversation.
    #[schemars(range(min = 0))]
    pub(crate) count: Option<u64>,
    /// The `nextCursor` of the previous page (cursor paging): pass an empty string to
    /// start.
    pub(crate) cursor: Option<String>,
}

/// Arguments of `get_resource`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GetResource {
    /// The resource type: `User`, `Group`, …
    pub(crate) resource_type: String,
    /// The resource's `id`.
    pub(crate) id: String,
    /// Return only these attributes (and `id`).
    pub(crate) attributes: Option<AttributeList>,
}

/// Arguments of `create_resource`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateResource {
    /// The resource type: `User`, `Group`, …
    pub(crate) resource_type: String,
    /// The new resource as SCIM JSON, with its `schemas`, such as
    /// `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice"}`.
    pub(crate) resource: Map<String, Value>,
}

/// Arguments of `replace_resource`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReplaceResource {
    /// The resource type: `User`, `Group`, …
    pub(crate) resource_type: String,
    /// The resource's `id`.
    pub(crate) id: String,
    /// The whole new resource as SCIM JSON: attributes left out are cleared.
    pub(crate) resource: Map<String, Value>,
    /// The `version` the resource was read at (from `get_resource`).
    pub(crate) version: Option<String>,
}

/// Arguments of `patch_resource`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatchResource {
    /// The resource type: `User`, `Group`, …
    pub(crate) resource_type: String,
    /// The resource's `id`.
    pub(crate) id: String,
    /// RFC 7644 PATCH operations, such as
    /// `[{"op": "replace", "path": "active", "value": false}]`.
    pub(crate) operations: Vec<Value>,
    /// The `version` the resource was read at (from `get_resource`).
    pub(crate) version: Option<String>,
}

/// Arguments of `delete_resource`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeleteResource {
    /// The resource type: `User`, `Group`, …
    pub(crate) resource_type: String,
    /// The resource's `id`.
    pub(crate) id: String,
    /// The `version` the resource was read at (from `get_resource`).
    pub(crate) version: Option<String>,
}

/// Arguments of `add_members` and `remove_members`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Members {
    /// The group's `id`.
    pub(crate) group_id: String,
    /// The `id`s of the users (or groups) to add or remove.
    pub(crate) member_ids: Vec<String>,
    /// The group's `version`, to change it only if nobody else has since; without it
    /// the change applies to the group as it is now (adding and removing members
    /// never undoes another writer's change).
    pub(crate) version: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> JsonObject {
        match value {
            Value::Object(object) => object,
            _ => unreachable!("the tests pass objects"),
        }
    }

    #[test]
    fn attribute_lists_take_both_forms() {
        let list: GetResource = parse(object(serde_json::json!({
            "resource_type": "User", "id": "1", "attributes": ["userName", "emails"]
        })))
        .unwrap();
        assert_eq!(list.attributes.unwrap().joined(), "userName,emails");
        let joined: GetResource = parse(object(serde_json::json!({
            "resource_type": "User", "id": "1", "attributes": "userName,emails"
        })))
        .unwrap();
        assert_eq!(joined.attributes.unwrap().joined(), "userName,emails");
    }

    #[test]
    fn arguments_that_do_not_fit_are_invalid() {
        let cases = [
            serde_json::json!({"id": "1"}),
            serde_json::json!({"resource_type": "User", "id": 7}),
            serde_json::json!({"resource_type": "User", "id": "1", "nonsense": true}),
        ];
        for case in cases {
            let err = parse::<GetResource>(object(case.clone())).unwrap_err();
            assert_eq!(err.code(), "invalid", "{case}");
        }
        assert!(
            parse::<SearchResources>(object(serde_json::json!({
                "resource_type": "User", "sort_order": "sideways"
            })))
            .is_err()
        );
    }
}
