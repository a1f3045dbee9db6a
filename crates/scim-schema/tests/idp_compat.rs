//! The request shapes Microsoft Entra ID and Okta send, each named for its origin.

use scim_schema::{Filter, PatchRequest, SchemaRegistry, ScimType, ValidationOptions, validate};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn apply(
    resource_type: &str,
    resource: &Value,
    ops: Value,
    options: &ValidationOptions,
) -> Result<scim_schema::PatchOutcome, scim_schema::SchemaError> {
    let registry = SchemaRegistry::default();
    let request = PatchRequest::parse(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))?;
    request.apply(
        registry.resource_type(resource_type).unwrap(),
        resource,
        options,
    )
}

fn stored_user() -> Value {
    json!({"schemas": [USER], "id": "u1", "userName": "bjensen@example.com", "active": true,
           "name": {"givenName": "Barbara", "familyName": "Jensen"}})
}

fn stored_group() -> Value {
    json!({"schemas": [GROUP], "id": "g1", "displayName": "Admins",
           "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}]})
}

#[test]
fn entra_pascal_case_ops_and_string_booleans() {
    let outcome = apply(
        "User",
        &stored_user(),
        json!([
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": "title", "value": "Engineer"}
        ]),
        &ValidationOptions::lenient(),
    )
    .unwrap();
    assert_eq!(outcome.resource["active"], false);
    assert_eq!(outcome.resource["title"], "Engineer");

    // Without the coercion a string is not a boolean.
    let strict = apply(
        "User",
        &stored_user(),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
        &ValidationOptions::default(),
    );
    assert_eq!(strict.unwrap_err().scim_type(), ScimType::InvalidValue);
}

#[test]
fn entra_string_booleans_on_create() {
    let registry = SchemaRegistry::default();
    let user = validate::create(
        registry.resource_type("User").unwrap(),
        &json!({
            "schemas": [USER], "userName": "x", "active": "True",
            "emails": [{"value": "x@example.com", "type": "work", "primary": "true"}]
        }),
        &ValidationOptions::lenient(),
    )
    .unwrap();
    assert_eq!(user["active"], true);
    assert_eq!(user["emails"][0]["primary"], true);
}

#[test]
fn entra_remove_members_with_value_array() {
    let outcome = apply(
        "Group",
        &stored_group(),
        json!([{
            "op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}]
        }]),
        &ValidationOptions::lenient(),
    )
    .unwrap();
    assert_eq!(outcome.resource["members"], json!([{"value": "u2"}]));
    assert_eq!(outcome.members_removed, ["u1", "u3"]);
}

#[test]
fn entra_add_members_pascal_case() {
    let outcome = apply(
        "Group",
        &stored_group(),
        json!([{
            "op": "Add", "path": "members", "value": [{"value": "u9"}]
        }]),
        &ValidationOptions::lenient(),
    )
    .unwrap();
    assert_eq!(outcome.members_added, ["u9"]);
}

#[test]
fn entra_no_path_replace_with_dotted_and_urn_keys() {
    let outcome = apply(
        "User",
        &stored_user(),
        json!([{
            "op": "Replace",
            "value": {
                "name.givenName": "Babs",
                "displayName": "Babs Jensen",
                format!("{ENTERPRISE}:department"): "Tour Operations",
                format!("{ENTERPRISE}:manager"): "m42",
                "active": "False"
            }
        }]),
        &ValidationOptions::lenient(),
    )
    .unwrap();
    let user = &outcome.resource;
    assert_eq!(
        user["name"],
        json!({"givenName": "Babs", "familyName": "Jensen"})
    );
    assert_eq!(user["displayName"], "Babs Jensen");
    assert_eq!(user[ENTERPRISE]["department"], "Tour Operations");
    assert_eq!(user[ENTERPRISE]["manager"], json!({"value": "m42"}));
    assert_eq!(user["active"], false);
    assert_eq!(user["schemas"], json!([USER, ENTERPRISE]));
}

#[test]
fn entra_manager_as_plain_string_path() {
    let outcome = apply(
        "User",
        &stored_user(),
        json!([{
            "op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": "m1"
        }]),
        &ValidationOptions::lenient(),
    )
    .unwrap();
    assert_eq!(outcome.resource[ENTERPRISE]["manager"]["value"], "m1");
}

#[test]
fn entra_add_address_sub_attribute_creates_the_element() {
    let outcome = apply("User", &stored_user(), json!([
        {"op": "Add", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"},
        {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Springfield"},
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "555-0100"}
    ]), &ValidationOptions::lenient()).unwrap();
    assert_eq!(
        outcome.resource["addresses"],
        json!([{"type": "work", "streetAddress": "1 Main St", "locality": "Springfield"}])
    );
    assert_eq!(
        outcome.resource["phoneNumbers"],
        json!([{"type": "mobile", "value": "555-0100"}])
    );
}

#[test]
fn entra_value_path_followed_by_sub_attribute_in_filters() {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let filter = Filter::parse(r#"emails[type eq "work"].value eq "bjensen@example.com""#).unwrap();
    assert_eq!(
        filter,
        Filter::parse(r#"emails[type eq "work" and value eq "bjensen@example.com"]"#).unwrap()
    );
    let user = json!({"emails": [{"type": "home", "value": "bjensen@example.com"}, {"type": "work", "value": "b@work.example"}]});
    assert!(
        !filter.matches(&user, users),
        "value and type must match on the same element"
    );
    let user = json!({"emails": [{"type": "work", "value": "BJensen@example.com"}]});
    assert!(filter.matches(&user, users));
}

#[test]
fn entra_user_name_filter_is_case_insensitive() {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let filter = Filter::parse(r#"userName eq "BJENSEN@EXAMPLE.COM""#).unwrap();
    assert!(filter.matches(&stored_user(), users));
}

#[test]
fn entra_membership_probe_filter() {
    let registry = SchemaRegistry::default();
    let groups = registry.resource_type("Group").unwrap();
    let probe = Filter::parse(r#"id eq "g1" and members eq "u2""#).unwrap();
    assert!(probe.matches(&stored_group(), groups));
    let absent = Filter::parse(r#"id eq "g1" and members eq "u7""#).unwrap();
    assert!(!absent.matches(&stored_group(), groups));
    let members_value = Filter::parse(r#"members.value eq "u3""#).unwrap();
    assert!(members_value.matches(&stored_group(), groups));
}

#[test]
fn okta_replace_members_with_empty_array_empties_the_group() {
    let outcome = apply(
        "Group",
        &stored_group(),
        json!([{
            "op": "replace", "path": "members", "value": []
        }]),
        &ValidationOptions::default(),
    )
    .unwrap();
    assert!(outcome.resource.get("members").is_none());
    assert_eq!(outcome.members_removed, ["u1", "u2", "u3"]);
}

#[test]
fn okta_id_in_no_path_replace_is_ignored_when_unchanged() {
    let outcome = apply(
        "Group",
        &stored_group(),
        json!([{
            "op": "replace", "value": {"id": "g1", "displayName": "Administrators"}
        }]),
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(outcome.resource["displayName"], "Administrators");
    assert_eq!(outcome.resource["id"], "g1");

    let err = apply(
        "Group",
        &stored_group(),
        json!([{
            "op": "replace", "value": {"id": "other", "displayName": "x"}
        }]),
        &ValidationOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::Mutability);
}

#[test]
fn okta_ref_null_in_members() {
    let registry = SchemaRegistry::default();
    let group = validate::create(
        registry.resource_type("Group").unwrap(),
        &json!({
            "schemas": [GROUP], "displayName": "Okta Group",
            "members": [{"value": "u1", "$ref": null, "display": "Barbara"}]
        }),
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(
        group["members"],
        json!([{"value": "u1", "display": "Barbara"}])
    );
}

#[test]
fn okta_remove_member_by_value_filter() {
    let outcome = apply(
        "Group",
        &stored_group(),
        json!([{
            "op": "remove", "path": "members[value eq \"u2\"]"
        }]),
        &ValidationOptions::default(),
    )
    .unwrap();
    assert_eq!(outcome.members_removed, ["u2"]);
}

#[test]
fn extra_unknown_schema_uri_on_group_create_is_tolerated_when_enabled() {
    let registry = SchemaRegistry::default();
    let groups = registry.resource_type("Group").unwrap();
    let body = json!({
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "displayName": "Sales"
    });
    let err = validate::create(groups, &body, &ValidationOptions::default()).unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidValue);
    let group = validate::create(groups, &body, &ValidationOptions::lenient()).unwrap();
    assert_eq!(group["schemas"], json!([GROUP]));
}
