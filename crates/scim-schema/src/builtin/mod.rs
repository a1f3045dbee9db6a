//! The schemas and resource types RFC 7643 defines, built in.
//!
//! [`SchemaRegistry::default`](crate::SchemaRegistry) registers all of them.

mod common;
mod enterprise;
mod group;
mod service;
mod user;

pub use common::common_attributes;
pub use enterprise::enterprise_user_schema;
pub use group::{group_resource_type, group_schema};
pub use service::{resource_type_schema, schema_schema, service_provider_config_schema};
pub use user::{user_resource_type, user_schema};

use crate::model::{AttributeDefinition, AttributeType, Mutability};

/// The core User schema URN (RFC 7643 section 4.1).
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN (RFC 7643 section 4.2).
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Enterprise User extension URN (RFC 7643 section 4.3).
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The ServiceProviderConfig schema URN (RFC 7643 section 5).
pub const SERVICE_PROVIDER_CONFIG: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// The ResourceType schema URN (RFC 7643 section 6).
pub const RESOURCE_TYPE: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// The Schema schema URN (RFC 7643 section 7).
pub const SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";
/// The URN of a PATCH request body (RFC 7644 section 3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The URN of a list response (RFC 7644 section 3.4.2).
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The URN of a search request (RFC 7644 section 3.4.3).
pub const SEARCH_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
/// The URN of an error response (RFC 7644 section 3.12).
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The URN of a bulk request (RFC 7644 section 3.7).
pub const BULK_REQUEST: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The URN of a bulk response (RFC 7644 section 3.7).
pub const BULK_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

fn string(name: &str, description: &str) -> AttributeDefinition {
    AttributeDefinition::new(name, AttributeType::String).description(description)
}

fn boolean(name: &str, description: &str) -> AttributeDefinition {
    AttributeDefinition::new(name, AttributeType::Boolean).description(description)
}

fn reference(name: &str, description: &str, types: &[&str]) -> AttributeDefinition {
    AttributeDefinition::new(name, AttributeType::Reference)
        .description(description)
        .reference_types(types.iter().copied())
}

fn read_only(attribute: AttributeDefinition) -> AttributeDefinition {
    attribute.mutability(Mutability::ReadOnly)
}

/// The `value` / `display` / `type` / `primary` shape RFC 7643 gives most
/// multi-valued attributes.
fn multi_valued(
    name: &str,
    description: &str,
    value: AttributeDefinition,
    types: &[&str],
) -> AttributeDefinition {
    let mut kind = string("type", "A label indicating the attribute's function.");
    if !types.is_empty() {
        kind = kind.canonical_values(types.iter().copied());
    }
    AttributeDefinition::complex(
        name,
        vec![
            value,
            string(
                "display",
                "A human-readable name, primarily used for display.",
            ),
            kind,
            boolean(
                "primary",
                "Whether this is the preferred value; at most one value may be primary.",
            ),
        ],
    )
    .description(description)
    .multi_valued()
}
