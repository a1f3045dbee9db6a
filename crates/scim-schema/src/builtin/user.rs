//! The User schema and resource type (RFC 7643 sections 4.1 and 8.7.1).

use crate::model::{
    AttributeDefinition, AttributeType, Mutability, ResourceType, Returned, Schema, Uniqueness,
};

use super::{ENTERPRISE_USER, USER, boolean, multi_valued, read_only, reference, string};

/// The `User` resource type: endpoint `/Users`, core schema [`USER`], the Enterprise User
/// extension optional.
pub fn user_resource_type() -> ResourceType {
    ResourceType::new("User", "/Users", USER)
        .description("User Account")
        .with_extension(ENTERPRISE_USER, false)
}

/// The core User schema, every attribute of RFC 7643 section 4.1.
pub fn user_schema() -> Schema {
    let name = AttributeDefinition::complex(
        "name",
        vec![
            string("formatted", "The full name, formatted for display."),
            string("familyName", "The family name, or last name."),
            string("givenName", "The given name, or first name."),
            string("middleName", "The middle name(s)."),
            string(
                "honorificPrefix",
                "The honorific prefix(es), or title, such as 'Ms.'.",
            ),
            string(
                "honorificSuffix",
                "The honorific suffix(es), such as 'III'.",
            ),
        ],
    )
    .description("The components of the user's real name.");

    let address = AttributeDefinition::complex(
        "addresses",
        vec![
            string(
                "formatted",
                "The full mailing address, formatted for display.",
            ),
            string("streetAddress", "The full street address."),
            string("locality", "The city or locality."),
            string("region", "The state or region."),
            string("postalCode", "The zip code or postal code."),
            string(
                "country",
                "The country name, as an ISO 3166-1 alpha-2 code.",
            ),
            string("type", "A label indicating the address's function.")
                .canonical_values(["work", "home", "other"]),
            boolean("primary", "Whether this is the primary address."),
        ],
    )
    .description("A physical mailing address for this user.")
    .multi_valued();

    let groups = read_only(
        AttributeDefinition::complex(
            "groups",
            vec![
                read_only(string("value", "The identifier of the group.")),
                read_only(reference(
                    "$ref",
                    "The URI of the group.",
                    &["User", "Group"],
                )),
                read_only(string("display", "The display name of the group.")),
                read_only(
                    string(
                        "type",
                        "Whether membership is direct or through another group.",
                    )
                    .canonical_values(["direct", "indirect"]),
                ),
            ],
        )
        .description("The groups the user belongs to, maintained by the service provider.")
        .multi_valued(),
    );

    Schema::new(USER, "User", "User Account")
        .with_attribute(
            string(
                "userName",
                "A unique identifier for the user, typically used to sign in.",
            )
            .required()
            .uniqueness(Uniqueness::Server),
        )
        .with_attribute(name)
        .with_attribute(string(
            "displayName",
            "The name of the user, suitable for display.",
        ))
        .with_attribute(string("nickName", "The casual way to address the user."))
        .with_attribute(reference(
            "profileUrl",
            "A URI pointing to the user's online profile.",
            &["external"],
        ))
        .with_attribute(string(
            "title",
            "The user's title, such as 'Vice President'.",
        ))
        .with_attribute(string(
            "userType",
            "The relationship of the user to the organization.",
        ))
        .with_attribute(string(
            "preferredLanguage",
            "The user's preferred written or spoken language.",
        ))
        .with_attribute(string(
            "locale",
            "The user's default location, for localizing values.",
        ))
        .with_attribute(string("timezone", "The user's time zone, in IANA format."))
        .with_attribute(boolean("active", "The user's administrative status."))
        .with_attribute(
            string(
                "password",
                "The user's clear-text password, for setting or comparing only.",
            )
            .mutability(Mutability::WriteOnly)
            .returned(Returned::Never),
        )
        .with_attribute(multi_valued(
            "emails",
            "Email addresses for the user.",
            string("value", "An email address, canonicalized per RFC 5321."),
            &["work", "home", "other"],
        ))
        .with_attribute(multi_valued(
            "phoneNumbers",
            "Phone numbers for the user.",
            string("value", "A phone number, canonicalized per RFC 3966."),
            &["work", "home", "mobile", "fax", "pager", "other"],
        ))
        .with_attribute(multi_valued(
            "ims",
            "Instant messaging addresses for the user.",
            string("value", "An instant messaging address."),
            &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
        ))
        .with_attribute(multi_valued(
            "photos",
            "URLs of images of the user.",
            reference("value", "The URL of an image of the user.", &["external"]),
            &["photo", "thumbnail"],
        ))
        .with_attribute(address)
        .with_attribute(groups)
        .with_attribute(multi_valued(
            "entitlements",
            "Entitlements of the user.",
            string("value", "The value of an entitlement."),
            &[],
        ))
        .with_attribute(multi_valued(
            "roles",
            "Roles of the user.",
            string("value", "The value of a role."),
            &[],
        ))
        .with_attribute(multi_valued(
            "x509Certificates",
            "X.509 certificates issued to the user.",
            AttributeDefinition::new("value", AttributeType::Binary)
                .description("The value of an X.509 certificate, DER-encoded and base64."),
            &[],
        ))
}
