//! The schemas that describe the server itself (RFC 7643 sections 5 to 7).

use crate::model::{AttributeDefinition, AttributeType, Schema};

use super::{
    RESOURCE_TYPE, SCHEMA, SERVICE_PROVIDER_CONFIG, boolean, read_only, reference, string,
};

fn integer(name: &str, description: &str) -> AttributeDefinition {
    AttributeDefinition::new(name, AttributeType::Integer).description(description)
}

fn supported_only(name: &str, description: &str) -> AttributeDefinition {
    AttributeDefinition::complex(
        name,
        vec![boolean("supported", "Whether the operation is supported.").required()],
    )
    .description(description)
    .required()
}

/// The ServiceProviderConfig schema (RFC 7643 section 5). Every attribute is readOnly.
pub fn service_provider_config_schema() -> Schema {
    let attributes = vec![
        reference(
            "documentationUri",
            "An HTTP-addressable URL pointing to the service provider's documentation.",
            &["external"],
        ),
        supported_only("patch", "PATCH configuration options."),
        AttributeDefinition::complex(
            "bulk",
            vec![
                boolean("supported", "Whether the operation is supported.").required(),
                integer(
                    "maxOperations",
                    "The maximum number of operations in one request.",
                )
                .required(),
                integer("maxPayloadSize", "The maximum payload size in bytes.").required(),
            ],
        )
        .description("Bulk configuration options.")
        .required(),
        AttributeDefinition::complex(
            "filter",
            vec![
                boolean("supported", "Whether the operation is supported.").required(),
                integer(
                    "maxResults",
                    "The maximum number of resources returned in a response.",
                )
                .required(),
            ],
        )
        .description("Filter options.")
        .required(),
        supported_only("changePassword", "Change password configuration options."),
        supported_only("sort", "Sort configuration options."),
        supported_only("etag", "ETag configuration options."),
        AttributeDefinition::complex(
            "authenticationSchemes",
            vec![
                string(
                    "type",
                    "The authentication scheme, such as 'oauthbearertoken'.",
                )
                .required(),
                string("name", "The common authentication scheme name.").required(),
                string("description", "A description of the authentication scheme.").required(),
                reference(
                    "specUri",
                    "A URL pointing to the scheme's specification.",
                    &["external"],
                ),
                reference(
                    "documentationUri",
                    "A URL pointing to the scheme's usage documentation.",
                    &["external"],
                ),
                boolean("primary", "Whether this is the preferred scheme."),
            ],
        )
        .description("Supported authentication schemes.")
        .multi_valued()
        .required(),
    ];
    Schema {
        attributes: attributes.into_iter().map(read_only).collect(),
        ..Schema::new(
            SERVICE_PROVIDER_CONFIG,
            "Service Provider Configuration",
            "Schema for representing the service provider's configuration",
        )
    }
}

/// The ResourceType schema (RFC 7643 section 6). Every attribute is readOnly.
pub fn resource_type_schema() -> Schema {
    let attributes = vec![
        string(
            "id",
            "The resource type's server unique id, often the same as its name.",
        ),
        string("name", "The resource type name.").required(),
        string(
            "description",
            "The resource type's human-readable description.",
        ),
        reference(
            "endpoint",
            "The resource type's HTTP-addressable endpoint relative to the base URL.",
            &["uri"],
        )
        .required(),
        reference(
            "schema",
            "The resource type's primary schema URI.",
            &["uri"],
        )
        .required()
        .case_exact(),
        AttributeDefinition::complex(
            "schemaExtensions",
            vec![
                reference("schema", "The URI of a schema extension.", &["uri"])
                    .required()
                    .case_exact(),
                boolean("required", "Whether resources must include this extension.").required(),
            ],
        )
        .description("A list of URIs of the resource type's schema extensions.")
        .multi_valued(),
    ];
    Schema {
        attributes: attributes.into_iter().map(read_only).collect(),
        ..Schema::new(
            RESOURCE_TYPE,
            "ResourceType",
            "Specifies the schema that describes a SCIM resource type",
        )
    }
}

/// The sub-attributes that describe one attribute; `subAttributes` nests them once more.
fn attribute_characteristics(nested: bool) -> Vec<AttributeDefinition> {
    let mut characteristics = vec![
        string("name", "The attribute's name.")
            .required()
            .case_exact(),
        string("type", "The attribute's data type.")
            .required()
            .canonical_values([
                "string",
                "complex",
                "boolean",
                "decimal",
                "integer",
                "dateTime",
                "reference",
                "binary",
            ]),
        boolean("multiValued", "Whether the attribute is multi-valued.").required(),
        string(
            "description",
            "A human-readable description of the attribute.",
        ),
        boolean("required", "Whether the attribute is required."),
        string(
            "canonicalValues",
            "A collection of suggested canonical values.",
        )
        .multi_valued(),
        boolean("caseExact", "Whether string values are case sensitive."),
        string("mutability", "Whether the attribute is modifiable.").canonical_values([
            "readOnly",
            "readWrite",
            "immutable",
            "writeOnly",
        ]),
        string("returned", "When the attribute is returned in a response.")
            .canonical_values(["always", "never", "default", "request"]),
        string(
            "uniqueness",
            "How the service provider enforces uniqueness.",
        )
        .canonical_values(["none", "server", "global"]),
        string(
            "referenceTypes",
            "The names of the resource types that may be referenced.",
        )
        .multi_valued(),
    ];
    if nested {
        characteristics.push(
            AttributeDefinition::complex("subAttributes", attribute_characteristics(false))
                .description("The sub-attributes of a complex attribute.")
                .multi_valued(),
        );
    }
    characteristics
}

/// The Schema schema (RFC 7643 section 7). Every attribute is readOnly.
pub fn schema_schema() -> Schema {
    let attributes = vec![
        string("id", "The unique URI of the schema.")
            .required()
            .case_exact(),
        string("name", "The schema's human-readable name."),
        string("description", "The schema's human-readable description."),
        AttributeDefinition::complex("attributes", attribute_characteristics(true))
            .description("A complex attribute that includes the attributes of a schema.")
            .multi_valued()
            .required(),
    ];
    Schema {
        attributes: attributes.into_iter().map(read_only).collect(),
        ..Schema::new(
            SCHEMA,
            "Schema",
            "Specifies the schema attribute structure of a SCIM schema",
        )
    }
}
