//! The Enterprise User extension (RFC 7643 section 4.3).

use crate::model::{AttributeDefinition, Schema};

use super::{ENTERPRISE_USER, read_only, reference, string};

/// The Enterprise User extension schema.
pub fn enterprise_user_schema() -> Schema {
    Schema::new(ENTERPRISE_USER, "EnterpriseUser", "Enterprise User")
        .with_attribute(string("employeeNumber", "A string identifier, typically numeric or alphanumeric, assigned to a person by the organization."))
        .with_attribute(string("costCenter", "The name of a cost center."))
        .with_attribute(string("organization", "The name of an organization."))
        .with_attribute(string("division", "The name of a division."))
        .with_attribute(string("department", "The name of a department."))
        .with_attribute(
            AttributeDefinition::complex(
                "manager",
                vec![
                    string("value", "The id of the manager's User resource."),
                    reference("$ref", "The URI of the manager's User resource.", &["User"]),
                    read_only(string("displayName", "The display name of the manager.")),
                ],
            )
            .description("The user's manager."),
        )
}
