//! JSON Schemas (OpenAPI 3.1 dialect) derived from SCIM schemas, in two directions:
//! what a client may send, and what the server answers.

use scim_schema::{
    AttributeDefinition, AttributeType, Mutability, ResourceDefinition, Returned, builtin,
};
use serde_json::{Map, Value, json};

use super::patterns;

/// Which way a body travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// A request body: attributes a client may write, `required` as the schema says,
    /// nothing else accepted (the server refuses unknown attributes).
    Request,
    /// A response body: every attribute the server may return, none required (a
    /// projection may leave any out), others tolerated.
    Response,
}

/// The schema of a resource of this type.
pub(crate) fn resource(definition: &ResourceDefinition, direction: Direction) -> Value {
    let mut properties = Map::new();
    let core = &definition.resource_type().schema;
    let schemas = match direction {
        // The server requires the core schema's URN (and tolerates others).
        Direction::Request => message_schemas(core),
        Direction::Response => string_array(),
    };
    properties.insert("schemas".into(), schemas);
    let attributes = definition.top_level_attributes();
    let (mut core, mut required) = object_members(attributes, direction);
    properties.append(&mut core);
    for (extension, extension_required) in definition.extensions() {
        let (members, inner_required) = object_members(extension.attributes.iter(), direction);
        let mut schema = object(members, inner_required, direction);
        describe(&mut schema, &extension.description);
        match extension_required {
            true if direction == Direction::Request => required.push(extension.id.clone()),
            true => {}
            // null is the same as no value.
            false => schema["type"] = json!(["object", "null"]),
        }
        properties.insert(extension.id.clone(), schema);
    }
    if direction == Direction::Request {
        required.insert(0, "schemas".into());
    }
    let mut schema = object(properties, required, direction);
    describe(&mut schema, &definition.resource_type().description);
    schema
}

/// The members of an object whose attributes these are, and the names required.
fn object_members<'a>(
    attributes: impl Iterator<Item = &'a AttributeDefinition>,
    direction: Direction,
) -> (Map<String, Value>, Vec<String>) {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for attribute in attributes {
        let skipped = match direction {
            Direction::Request => attribute.mutability == Mutability::ReadOnly,
            Direction::Response => attribute.returned == Returned::Never,
        };
        if skipped {
            continue;
        }
        if direction == Direction::Request && attribute.required {
            required.push(attribute.name.clone());
        }
        properties.insert(
            attribute.name.clone(),
            attribute_schema(attribute, direction),
        );
    }
    (properties, required)
}

/// One attribute's schema.
fn attribute_schema(attribute: &AttributeDefinition, direction: Direction) -> Value {
    let item = match attribute.kind {
        AttributeType::String | AttributeType::Reference => json!({"type": "string"}),
        AttributeType::Boolean => json!({"type": "boolean"}),
        AttributeType::Decimal => json!({"type": "number"}),
        AttributeType::Integer => json!({"type": "integer"}),
        AttributeType::DateTime => json!({"type": "string", "format": "date-time"}),
        AttributeType::Binary => {
            json!({"type": "string", "contentEncoding": "base64", "pattern": patterns::base64()})
        }
        AttributeType::Complex => {
            let (members, required) = object_members(attribute.sub_attributes.iter(), direction);
            object(members, required, direction)
        }
    };
    let mut schema = match attribute.multi_valued {
        // A null value in the list is no value, and is dropped.
        true => json!({"type": "array", "items": {"anyOf": [item, {"type": "null"}]}}),
        false => item,
    };
    if attribute.multi_valued && attribute.sub_attribute("primary").is_some() {
        // RFC 7643 section 2.4: at most one value is primary.
        schema["contains"] = json!({"type": "object", "required": ["primary"], "properties": {"primary": {"const": true}}});
        schema["minContains"] = json!(0);
        schema["maxContains"] = json!(1);
    }
    if !attribute.required {
        // RFC 7643 section 2.5: null is the same as no value.
        schema["type"] = json!([schema["type"].clone(), "null"]);
    }
    describe(&mut schema, &attribute.description);
    match attribute.mutability {
        Mutability::ReadOnly => schema["readOnly"] = json!(true),
        Mutability::WriteOnly => schema["writeOnly"] = json!(true),
        _ => {}
    }
    schema
}

/// An object schema with these members.
fn object(properties: Map<String, Value>, required: Vec<String>, direction: Direction) -> Value {
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    if direction == Direction::Request {
        schema["additionalProperties"] = json!(false);
    }
    schema
}

fn describe(schema: &mut Value, description: &str) {
    if !description.is_empty() {
        schema["description"] = json!(description);
    }
}

fn string_array() -> Value {
    json!({"type": "array", "items": {"type": "string"}})
}

/// `schemas` listing `urn` (and perhaps others), as the server requires.
fn message_schemas(urn: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "contains": {"const": urn}})
}

/// The SCIM error body (RFC 7644 section 3.12).
pub(crate) fn error() -> Value {
    json!({
        "type": "object",
        "required": ["schemas", "status"],
        "properties": {
            "schemas": string_array(),
            "status": {"type": "string", "pattern": "^[1-5][0-9][0-9]$"},
            "scimType": {"type": "string"},
            "detail": {"type": "string"}
        }
    })
}

/// A ListResponse whose `Resources` are `item`.
pub(crate) fn list_response(item: Value) -> Value {
    json!({
        "type": "object",
        "required": ["schemas", "totalResults"],
        "properties": {
            "schemas": string_array(),
            "totalResults": {"type": "integer", "minimum": 0},
            "startIndex": {"type": "integer"},
            "itemsPerPage": {"type": "integer", "minimum": 0},
            "nextCursor": {"type": "string"},
            "previousCursor": {"type": "string"},
            "Resources": {"type": "array", "items": item}
        }
    })
}

/// A PatchOp request (RFC 7644 section 3.5.2).
pub(crate) fn patch_op() -> Value {
    let operations = format!(
        "^(?:{})$",
        ["add", "remove", "replace"]
            .map(patterns::any_case)
            .join("|")
    );
    json!({
        "type": "object",
        "required": ["schemas", "Operations"],
        "properties": {
            "schemas": message_schemas(builtin::PATCH_OP),
            "Operations": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["op"],
                    "properties": {
                        "op": {"type": "string", "pattern": operations, "description": "add, remove or replace, in any letter case."},
                        "path": {"type": "string"},
                        "value": {}
                    }
                }
            }
        }
    })
}

/// The schemas of the list parameters (RFC 7644 section 3.4.2), by name, as query
/// parameters take them.
pub(crate) fn list_parameters() -> Map<String, Value> {
    let pattern = |pattern: String| json!({"type": "string", "pattern": pattern});
    let order = format!(
        "^(?:{}|{})$",
        patterns::any_case("ascending"),
        patterns::any_case("descending")
    );
    // The server reads integers as 64-bit.
    let integer = json!({"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX});
    [
        ("filter", pattern(patterns::filter())),
        ("sortBy", pattern(patterns::attribute_path())),
        ("sortOrder", pattern(order)),
        ("startIndex", integer.clone()),
        ("count", integer),
        ("cursor", pattern(patterns::cursor())),
        ("attributes", pattern(patterns::attribute_list())),
        ("excludedAttributes", pattern(patterns::attribute_list())),
    ]
    .into_iter()
    .map(|(name, schema)| (name.to_owned(), schema))
    .collect()
}

/// A SearchRequest (RFC 7644 section 3.4.3): the list parameters as members, each
/// also `null` (absent); integers also as decimal strings, attribute lists also as
/// arrays. `schemas` may be left out or list anything; members the server does not
/// read are ignored.
pub(crate) fn search_request() -> Value {
    let mut properties = Map::new();
    properties.insert(
        "schemas".into(),
        json!({"type": ["array", "null"], "items": {"type": "string"}}),
    );
    for (name, mut schema) in list_parameters() {
        let member = match name.as_str() {
            "startIndex" | "count" => json!({"anyOf": [
                schema,
                {"type": "string", "pattern": "^[+-]?[0-9]{1,18}$"},
                {"type": "null"}
            ]}),
            "attributes" | "excludedAttributes" => json!({"anyOf": [
                schema.clone(),
                {"type": "array", "items": schema},
                {"type": "null"}
            ]}),
            _ => {
                schema["type"] = json!(["string", "null"]);
                schema
            }
        };
        properties.insert(name, member);
    }
    json!({"type": "object", "properties": properties})
}

/// A BulkRequest (RFC 7644 section 3.7) of at most `max_operations` operations. Each
/// operation's own outcome (a wrong method or path, a failed write) is reported in the
/// BulkResponse; the request as a whole is refused only for what is described here.
pub(crate) fn bulk_request(max_operations: usize) -> Value {
    let optional_string = json!({"type": ["string", "null"]});
    let post = json!({"required": ["method"], "properties": {"method": {"type": "string", "pattern": format!("^{}$", patterns::any_case("post"))}}});
    json!({
        "type": "object",
        "required": ["schemas", "Operations"],
        "properties": {
            "schemas": message_schemas(builtin::BULK_REQUEST),
            "failOnErrors": {"type": ["integer", "null"], "minimum": 1, "maximum": i64::MAX},
            "Operations": {
                "type": "array",
                "maxItems": max_operations,
                "items": {
                    "type": "object",
                    "required": ["method", "path"],
                    "properties": {
                        "method": {"type": "string", "description": "POST, PUT, PATCH or DELETE."},
                        "path": {"type": "string"},
                        "bulkId": optional_string,
                        "version": optional_string,
                        "data": {}
                    },
                    "if": post,
                    "then": {"required": ["bulkId"], "properties": {"bulkId": {"type": "string"}}}
                }
            }
        }
    })
}

/// A BulkResponse.
pub(crate) fn bulk_response() -> Value {
    json!({
        "type": "object",
        "required": ["schemas", "Operations"],
        "properties": {
            "schemas": string_array(),
            "Operations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["method", "status"],
                    "properties": {
                        "method": {"type": "string"},
                        "bulkId": {"type": "string"},
                        "version": {"type": "string"},
                        "location": {"type": "string"},
                        "status": {"type": "string"},
                        "response": {}
                    }
                }
            }
        }
    })
}

/// A discovery document: a SCIM object with its own `schemas`.
pub(crate) fn discovery(description: &str) -> Value {
    json!({
        "type": "object",
        "description": description,
        "required": ["schemas"],
        "properties": {"schemas": string_array()}
    })
}

/// The schema of a discovery `Schema` resource (RFC 7643 section 7).
pub(crate) fn schema_resource() -> Value {
    let mut schema = discovery("A schema: its id, name and attributes (RFC 7643 section 7).");
    schema["required"] = json!(["schemas", "id"]);
    schema["properties"]["id"] = json!({"type": "string"});
    schema["properties"]["attributes"] = json!({"type": "array", "items": {"type": "object"}});
    schema
}
