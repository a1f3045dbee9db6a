//! Every PATCH example of RFC 7644 section 3.5.2, with the expected result, and the
//! errors the section names.

use scim_schema::{PatchRequest, SchemaRegistry, ScimType, ValidationOptions};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ALICE: &str = "2819c223-7f76-453a-919d-413861904646";
const BOB: &str = "902c246b-6245-4190-8e05-00816be7344a";

fn patch(
    resource_type: &str,
    resource: &Value,
    ops: Value,
) -> Result<scim_schema::PatchOutcome, scim_schema::SchemaError> {
    let registry = SchemaRegistry::default();
    let definition = registry.resource_type(resource_type).unwrap();
    let request = PatchRequest::parse(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": ops
    }))?;
    request.apply(definition, resource, &ValidationOptions::default())
}

fn user() -> Value {
    json!({
        "schemas": [USER], "id": ALICE, "userName": "bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood"}
        ],
        "meta": {"resourceType": "User", "version": "W/\"a330bc54f0671c9\""}
    })
}

fn group(members: &[&str]) -> Value {
    json!({
        "schemas": [GROUP], "id": "acbf3ae7-8463-4692-b4fd-9b4da3f908ce", "displayName": "Tour Guides",
        "members": members.iter().map(|m| json!({"value": m, "display": "x"})).collect::<Vec<_>>()
    })
}

#[test]
fn section_3_5_2_1_add_without_path() {
    let outcome = patch("User", &user(), json!([{
        "op": "add",
        "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}, {"value": "b@x.org", "type": "other"}], "nickname": "Babs"}
    }])).unwrap();
    let emails = outcome.resource["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 3, "an existing value is not added twice");
    assert_eq!(
        outcome.resource["nickName"], "Babs",
        "names come out in the schema's spelling"
    );
    assert!(outcome.changed);
}

#[test]
fn section_3_5_2_1_add_members() {
    let outcome = patch("Group", &group(&[BOB]), json!([{
        "op": "add", "path": "members",
        "value": [{"display": "Babs Jensen", "$ref": format!("https://example.com/v2/Users/{ALICE}"), "value": ALICE}]
    }])).unwrap();
    assert_eq!(outcome.members_added, [ALICE]);
    assert!(outcome.members_removed.is_empty());
    assert_eq!(outcome.resource["members"].as_array().unwrap().len(), 2);
    // Adding it again changes nothing.
    let again = patch(
        "Group",
        &outcome.resource,
        json!([{"op": "add", "path": "members", "value": [{"value": ALICE}]}]),
    )
    .unwrap();
    assert!(!again.changed);
    assert!(again.members_added.is_empty());
}

#[test]
fn section_3_5_2_2_remove_one_member() {
    let outcome = patch(
        "Group",
        &group(&[ALICE, BOB]),
        json!([{
            "op": "remove", "path": format!("members[value eq \"{ALICE}\"]")
        }]),
    )
    .unwrap();
    assert_eq!(outcome.members_removed, [ALICE]);
    assert_eq!(
        outcome.resource["members"],
        json!([{"value": BOB, "display": "x"}])
    );
}

#[test]
fn section_3_5_2_2_remove_all_members() {
    let outcome = patch(
        "Group",
        &group(&[ALICE, BOB]),
        json!([{"op": "remove", "path": "members"}]),
    )
    .unwrap();
    assert_eq!(outcome.members_removed, [ALICE, BOB]);
    assert!(outcome.resource.get("members").is_none());
}

#[test]
fn section_3_5_2_2_remove_multiple_members() {
    let outcome = patch(
        "Group",
        &group(&[ALICE, BOB, "c"]),
        json!([
            {"op": "remove", "path": format!("members[value eq \"{ALICE}\"]")},
            {"op": "remove", "path": format!("members[value eq \"{BOB}\"]")}
        ]),
    )
    .unwrap();
    assert_eq!(outcome.members_removed, [ALICE, BOB]);
    assert_eq!(outcome.resource["members"].as_array().unwrap().len(), 1);
}

#[test]
fn section_3_5_2_2_remove_by_complex_filter() {
    let outcome = patch(
        "User",
        &user(),
        json!([{
            "op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"
        }]),
    )
    .unwrap();
    assert_eq!(
        outcome.resource["emails"],
        json!([{"value": "babs@jensen.org", "type": "home"}])
    );
}

#[test]
fn section_3_5_2_2_remove_then_add_replaces_members() {
    let outcome = patch(
        "Group",
        &group(&[BOB]),
        json!([
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [{"value": ALICE}, {"value": "c"}]}
        ]),
    )
    .unwrap();
    assert_eq!(outcome.members_added, [ALICE, "c"]);
    assert_eq!(outcome.members_removed, [BOB]);
}

#[test]
fn section_3_5_2_3_replace_members() {
    let outcome = patch("Group", &group(&[BOB]), json!([{
        "op": "replace", "path": "members",
        "value": [{"display": "Babs Jensen", "value": ALICE}, {"display": "James Smith", "value": "08e1d05d"}]
    }])).unwrap();
    assert_eq!(outcome.members_added, [ALICE, "08e1d05d"]);
    assert_eq!(outcome.members_removed, [BOB]);
}

#[test]
fn section_3_5_2_3_replace_filtered_element() {
    let outcome = patch("User", &user(), json!([{
        "op": "replace", "path": "addresses[type eq \"work\"]",
        "value": {"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true}
    }])).unwrap();
    let addresses = outcome.resource["addresses"].as_array().unwrap();
    assert_eq!(addresses[0]["streetAddress"], "911 Universal City Plaza");
    assert_eq!(addresses[0]["primary"], true);
    assert_eq!(addresses[1]["streetAddress"], "456 Hollywood Blvd");
}

#[test]
fn section_3_5_2_3_replace_filtered_sub_attribute() {
    let outcome = patch("User", &user(), json!([{
        "op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"
    }])).unwrap();
    assert_eq!(
        outcome.resource["addresses"][0]["streetAddress"],
        "1010 Broadway Ave"
    );
    assert_eq!(outcome.resource["addresses"][0]["locality"], "Hollywood");
}

#[test]
fn section_3_5_2_3_replace_without_path() {
    let outcome = patch("User", &user(), json!([{
        "op": "replace",
        "value": {
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
            "nickname": "Babs"
        }
    }])).unwrap();
    assert_eq!(outcome.resource["nickName"], "Babs");
    assert_eq!(outcome.resource["emails"].as_array().unwrap().len(), 2);
}

#[test]
fn replace_single_valued_and_sub_attributes() {
    let outcome = patch(
        "User",
        &user(),
        json!([
            {"op": "replace", "path": "userName", "value": "barbara"},
            {"op": "add", "path": "name.givenName", "value": "Barbara"},
            {"op": "replace", "path": "name", "value": {"familyName": "Jensen"}}
        ]),
    )
    .unwrap();
    assert_eq!(outcome.resource["userName"], "barbara");
    assert_eq!(
        outcome.resource["name"],
        json!({"givenName": "Barbara", "familyName": "Jensen"})
    );
    let removed = patch("User", &outcome.resource, json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"}])).unwrap();
    assert!(
        removed.resource.get("name").is_none(),
        "an emptied complex attribute is unassigned"
    );
}

#[test]
fn setting_primary_clears_other_primaries() {
    let outcome = patch("User", &user(), json!([{
        "op": "add", "path": "emails", "value": [{"value": "new@example.com", "type": "work", "primary": true}]
    }])).unwrap();
    let primaries: Vec<&Value> = outcome.resource["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .collect();
    assert_eq!(primaries.len(), 1);
    assert_eq!(primaries[0]["value"], "new@example.com");

    let outcome = patch(
        "User",
        &user(),
        json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
    )
    .unwrap();
    let emails = outcome.resource["emails"].as_array().unwrap();
    assert_eq!(emails[1]["primary"], true);
    assert!(emails[0].get("primary").is_none());
}

#[test]
fn extension_attributes_by_urn() {
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    let outcome = patch(
        "User",
        &user(),
        json!([
            {"op": "add", "path": format!("{ext}:employeeNumber"), "value": "701984"},
            {"op": "add", "path": format!("{ext}:manager.value"), "value": "26118915"}
        ]),
    )
    .unwrap();
    assert_eq!(outcome.resource[ext]["employeeNumber"], "701984");
    assert_eq!(outcome.resource[ext]["manager"]["value"], "26118915");
    assert!(
        outcome.resource["schemas"]
            .as_array()
            .unwrap()
            .contains(&json!(ext))
    );
    let removed = patch(
        "User",
        &outcome.resource,
        json!([{"op": "remove", "path": ext}]),
    )
    .unwrap();
    assert!(removed.resource.get(ext).is_none());
    assert_eq!(removed.resource["schemas"], json!([USER]));
}

#[test]
fn errors_named_by_the_rfc() {
    let cases = [
        (json!([{"op": "remove"}]), ScimType::NoTarget),
        (
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            ScimType::Mutability,
        ),
        (
            json!([{"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}]),
            ScimType::Mutability,
        ),
        (
            json!([{"op": "add", "path": "groups", "value": [{"value": "g"}]}]),
            ScimType::Mutability,
        ),
        (
            json!([{"op": "replace", "path": "addresses[type eq \"other\"]", "value": {"locality": "x"}}]),
            ScimType::NoTarget,
        ),
        (
            json!([{"op": "replace", "path": "emails[value sw \"zzz\"].display", "value": "x"}]),
            ScimType::NoTarget,
        ),
        (
            json!([{"op": "remove", "path": "userName"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "replace", "path": "nosuch", "value": 1}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[type eq", "value": 1}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "userName[value eq \"x\"]", "value": 1}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "active", "value": "yes"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "move", "path": "active"}]),
            ScimType::InvalidSyntax,
        ),
        (
            json!([{"op": "add", "path": "nickName"}]),
            ScimType::InvalidSyntax,
        ),
        (json!([]), ScimType::InvalidSyntax),
    ];
    for (ops, expected) in cases {
        let err = patch("User", &user(), ops.clone()).unwrap_err();
        assert_eq!(err.scim_type(), expected, "{ops}: {err}");
    }
}

#[test]
fn remove_with_unmatched_filter_changes_nothing() {
    let outcome = patch(
        "Group",
        &group(&[BOB]),
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
    )
    .unwrap();
    assert!(!outcome.changed);
}

#[test]
fn a_failed_operation_leaves_the_resource_as_it_was() {
    let before = user();
    let err = patch(
        "User",
        &before,
        json!([
            {"op": "replace", "path": "userName", "value": "changed"},
            {"op": "replace", "path": "id", "value": "x"}
        ]),
    );
    assert!(err.is_err());
    assert_eq!(before, user());
}

#[test]
fn body_must_be_a_patch_op() {
    let err = PatchRequest::parse(&json!({"Operations": [{"op": "add", "path": "a", "value": 1}]}))
        .unwrap_err();
    assert_eq!(err.scim_type(), ScimType::InvalidSyntax);
    assert!(PatchRequest::parse(&json!([])).is_err());
    let many: Vec<Value> = (0..1001)
        .map(|_| json!({"op": "remove", "path": "title"}))
        .collect();
    assert!(PatchRequest::parse(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": many})).is_err());
}
