//! Validation and normalization for create and replace.

use scim_schema::{SchemaRegistry, ScimType, UnknownAttributes, ValidationOptions, validate};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn create(body: Value) -> Result<Value, scim_schema::SchemaError> {
    let registry = SchemaRegistry::default();
    validate::create(
        registry.resource_type("User").unwrap(),
        &body,
        &ValidationOptions::default(),
    )
}

#[test]
fn names_come_out_in_schema_spelling() {
    let user = create(json!({
        "SCHEMAS": [USER.to_uppercase()],
        "username": "bjensen",
        "NAME": {"FamilyName": "Jensen"},
        "Emails": [{"VALUE": "b@example.com", "Type": "work", "PRIMARY": true}],
        "urn:ietf:params:scim:schemas:extension:ENTERPRISE:2.0:User": {"EmployeeNumber": "1"}
    }))
    .unwrap();
    assert_eq!(
        user,
        json!({
            "schemas": [USER, ENTERPRISE],
            "userName": "bjensen",
            "name": {"familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            ENTERPRISE: {"employeeNumber": "1"}
        })
    );
}

#[test]
fn urn_qualified_core_attributes_are_accepted() {
    let user = create(json!({"schemas": [USER], format!("{USER}:userName"): "x"})).unwrap();
    assert_eq!(user["userName"], "x");
}

#[test]
fn types_are_checked() {
    let bad = [
        json!({"userName": 5}),
        json!({"userName": "x", "active": "yes"}),
        json!({"userName": "x", "active": "true"}),
        json!({"userName": "x", "name": "Barbara"}),
        json!({"userName": "x", "emails": {"value": "a@b"}}),
        json!({"userName": "x", "emails": [{"value": 1}]}),
        json!({"userName": ["x"]}),
        json!({"userName": "x", "x509Certificates": [{"value": "not base64!"}]}),
        json!({"userName": "x", "meta": "ignored", "profileUrl": 3}),
    ];
    for mut body in bad {
        body["schemas"] = json!([USER]);
        let err = create(body.clone()).unwrap_err();
        assert_eq!(err.scim_type(), ScimType::InvalidValue, "{body}: {err}");
    }
}

#[test]
fn date_times_integers_and_decimals() {
    let mut registry = SchemaRegistry::default();
    registry
        .add_schema(
            scim_schema::Schema::new("urn:x:Ext", "Ext", "")
                .with_attribute(scim_schema::AttributeDefinition::new(
                    "when",
                    scim_schema::AttributeType::DateTime,
                ))
                .with_attribute(scim_schema::AttributeDefinition::new(
                    "count",
                    scim_schema::AttributeType::Integer,
                ))
                .with_attribute(scim_schema::AttributeDefinition::new(
                    "ratio",
                    scim_schema::AttributeType::Decimal,
                )),
        )
        .unwrap();
    registry
        .add_resource_type(scim_schema::ResourceType::new(
            "Thing",
            "/Things",
            "urn:x:Ext",
        ))
        .unwrap();
    let things = registry.resource_type("Thing").unwrap();
    let options = ValidationOptions::default();
    let ok = json!({"schemas": ["urn:x:Ext"], "when": "2015-02-28T01:02:03.5-08:00", "count": 3, "ratio": 0.25});
    assert_eq!(validate::create(things, &ok, &options).unwrap(), ok);
    for bad in [
        json!({"schemas": ["urn:x:Ext"], "when": "2015-02-30T01:02:03Z"}),
        json!({"schemas": ["urn:x:Ext"], "count": 1.5}),
        json!({"schemas": ["urn:x:Ext"], "ratio": "0.5"}),
    ] {
        assert_eq!(
            validate::create(things, &bad, &options)
                .unwrap_err()
                .scim_type(),
            ScimType::InvalidValue,
            "{bad}"
        );
    }
}

#[test]
fn at_most_one_primary() {
    let err = create(json!({"schemas": [USER], "userName": "x", "emails": [
        {"value": "a@x", "primary": true}, {"value": "b@x", "primary": true}
    ]}))
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidValue);
    assert!(err.to_string().contains("primary"));
}

#[test]
fn required_attributes_and_schemas() {
    let missing_user_name = create(json!({"schemas": [USER], "displayName": "x"})).unwrap_err();
    assert!(
        missing_user_name.to_string().contains("userName"),
        "{missing_user_name}"
    );
    assert!(
        create(json!({"userName": "x"})).is_err(),
        "schemas is required"
    );
    assert!(
        create(json!({"schemas": [ENTERPRISE], "userName": "x"})).is_err(),
        "the core schema is required"
    );
    assert!(create(json!({"schemas": "x", "userName": "x"})).is_err());
    assert!(create(json!([1, 2])).is_err());
    assert!(
        create(json!({"schemas": [USER], "userName": null})).is_err(),
        "null is unassigned"
    );
}

#[test]
fn read_only_attributes_are_ignored() {
    let user = create(json!({
        "schemas": [USER], "userName": "x", "id": "chosen", "meta": {"version": "W/\"1\""},
        "groups": [{"value": "g1"}]
    }))
    .unwrap();
    assert_eq!(user, json!({"schemas": [USER], "userName": "x"}));
}

#[test]
fn unassigned_values_are_dropped() {
    let user = create(json!({
        "schemas": [USER], "userName": "x", "title": null, "emails": [], "name": {"givenName": null},
        ENTERPRISE: {}
    }))
    .unwrap();
    assert_eq!(user, json!({"schemas": [USER], "userName": "x"}));
}

#[test]
fn unknown_attributes_rejected_or_ignored() {
    let body = json!({"schemas": [USER], "userName": "x", "favouriteColour": "blue", "name": {"nickname": "b"}});
    let err = create(body.clone()).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidSyntax);
    assert!(err.to_string().contains("favouriteColour"), "{err}");
    let registry = SchemaRegistry::default();
    let options = ValidationOptions {
        unknown_attributes: UnknownAttributes::Ignore,
        ..Default::default()
    };
    let user = validate::create(registry.resource_type("User").unwrap(), &body, &options).unwrap();
    assert_eq!(user, json!({"schemas": [USER], "userName": "x"}));
}

#[test]
fn replace_rejects_changed_immutables_and_keeps_server_values() {
    let mut registry = SchemaRegistry::default();
    registry
        .add_schema(
            scim_schema::Schema::new("urn:x:Badge", "Badge", "")
                .with_attribute(
                    scim_schema::AttributeDefinition::new(
                        "serial",
                        scim_schema::AttributeType::String,
                    )
                    .mutability(scim_schema::Mutability::Immutable),
                )
                .with_attribute(scim_schema::AttributeDefinition::new(
                    "label",
                    scim_schema::AttributeType::String,
                )),
        )
        .unwrap();
    registry
        .add_resource_type(scim_schema::ResourceType::new(
            "Badge",
            "/Badges",
            "urn:x:Badge",
        ))
        .unwrap();
    let badges = registry.resource_type("Badge").unwrap();
    let options = ValidationOptions::default();
    let stored = json!({"schemas": ["urn:x:Badge"], "id": "b1", "serial": "S1", "meta": {"resourceType": "Badge"}});

    let same = json!({"schemas": ["urn:x:Badge"], "serial": "S1", "label": "new"});
    let replaced = validate::replace(badges, &same, &stored, &options).unwrap();
    assert_eq!(
        replaced,
        json!({"schemas": ["urn:x:Badge"], "id": "b1", "serial": "S1", "label": "new", "meta": {"resourceType": "Badge"}})
    );

    let changed = json!({"schemas": ["urn:x:Badge"], "serial": "S2"});
    assert_eq!(
        validate::replace(badges, &changed, &stored, &options)
            .unwrap_err()
            .scim_type(),
        ScimType::Mutability
    );
    let removed = json!({"schemas": ["urn:x:Badge"], "label": "x"});
    assert_eq!(
        validate::replace(badges, &removed, &stored, &options)
            .unwrap_err()
            .scim_type(),
        ScimType::Mutability
    );

    // An immutable attribute without a value may be set once.
    let unset = json!({"schemas": ["urn:x:Badge"], "id": "b2"});
    assert!(validate::replace(badges, &changed, &unset, &options).is_ok());
}

#[test]
fn replace_keeps_groups_and_an_unsent_password() {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let stored = json!({"schemas": [USER], "id": "u1", "userName": "x", "password": "p", "groups": [{"value": "g1"}]});
    let replaced = validate::replace(
        users,
        &json!({"schemas": [USER], "userName": "y", "groups": []}),
        &stored,
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(
        replaced,
        json!({"schemas": [USER], "id": "u1", "userName": "y", "password": "p", "groups": [{"value": "g1"}]})
    );
    let new_password = validate::replace(
        users,
        &json!({"schemas": [USER], "userName": "y", "password": "q"}),
        &stored,
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(new_password["password"], "q");
}
