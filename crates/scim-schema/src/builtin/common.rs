//! The attributes every resource has (RFC 7643 section 3.1).

use crate::model::{AttributeDefinition, AttributeType, Returned, Uniqueness};

use super::{read_only, reference, string};

/// `id`, `externalId` and `meta`, which every resource type carries besides its schemas.
pub fn common_attributes() -> Vec<AttributeDefinition> {
    vec![
        read_only(string(
            "id",
            "A unique identifier for the resource, issued by the service provider.",
        ))
        .case_exact()
        .returned(Returned::Always)
        .uniqueness(Uniqueness::Server),
        string(
            "externalId",
            "An identifier for the resource as defined by the provisioning client.",
        )
        .case_exact(),
        read_only(AttributeDefinition::complex(
            "meta",
            vec![
                read_only(string(
                    "resourceType",
                    "The name of the resource type of the resource.",
                ))
                .case_exact(),
                read_only(AttributeDefinition::new("created", AttributeType::DateTime))
                    .description("When the resource was added to the service provider."),
                read_only(AttributeDefinition::new(
                    "lastModified",
                    AttributeType::DateTime,
                ))
                .description("When the resource was last changed."),
                read_only(reference("location", "The URI of the resource.", &["uri"])),
                read_only(string(
                    "version",
                    "The version of the resource, as a weak entity tag.",
                ))
                .case_exact(),
            ],
        ))
        .description("Resource metadata maintained by the service provider."),
    ]
}
