//! The Group schema and resource type (RFC 7643 sections 4.2 and 8.7.1).

use crate::model::{AttributeDefinition, Mutability, ResourceType, Schema};

use super::{GROUP, reference, string};

/// The `Group` resource type: endpoint `/Groups`, core schema [`GROUP`].
pub fn group_resource_type() -> ResourceType {
    ResourceType::new("Group", "/Groups", GROUP).description("Group")
}

/// The core Group schema.
///
/// `displayName` is required, as RFC 7643 section 4.2 says. Member `value`, `$ref` and
/// `type` are immutable within a member entry; `display` is accepted as sent.
pub fn group_schema() -> Schema {
    Schema::new(GROUP, "Group", "Group")
        .with_attribute(string("displayName", "A human-readable name for the group.").required())
        .with_attribute(
            AttributeDefinition::complex(
                "members",
                vec![
                    string("value", "The identifier of the member.")
                        .mutability(Mutability::Immutable),
                    reference("$ref", "The URI of the member.", &["User", "Group"])
                        .mutability(Mutability::Immutable),
                    string("type", "The type of the member.")
                        .canonical_values(["User", "Group"])
                        .mutability(Mutability::Immutable),
                    string("display", "A human-readable name of the member."),
                ],
            )
            .description("The members of the group.")
            .multi_valued(),
        )
}
