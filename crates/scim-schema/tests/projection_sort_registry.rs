//! Projection, sorting and the registry's discovery representations.

use scim_schema::{
    AttributeDefinition, AttributeType, Projection, RegistryError, ResourceType, Returned, Schema,
    SchemaRegistry, SortSpec, builtin,
};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Value {
    json!({
        "schemas": [builtin::USER, ENTERPRISE],
        "id": "u1", "userName": "bjensen", "password": "secret", "displayName": "Babs",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "b@example.com", "type": "work"}, {"value": "b@home.org", "type": "home"}],
        "meta": {"resourceType": "User", "version": "W/\"x\""},
        ENTERPRISE: {"employeeNumber": "7", "department": "Tours"}
    })
}

fn project(attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    Projection::from_query(attributes, excluded)
        .unwrap()
        .apply(users, &user())
}

#[test]
fn default_projection_drops_never_returned_values() {
    let mut expected = user();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(project(None, None), expected);
}

#[test]
fn attributes_keep_only_what_is_listed_plus_always() {
    assert_eq!(
        project(Some("userName,emails.value"), None),
        json!({
            "schemas": [builtin::USER, ENTERPRISE], "id": "u1", "userName": "bjensen",
            "emails": [{"value": "b@example.com"}, {"value": "b@home.org"}]
        })
    );
    assert_eq!(
        project(Some(&format!("{ENTERPRISE}:department,password")), None),
        json!({"schemas": [builtin::USER, ENTERPRISE], "id": "u1", ENTERPRISE: {"department": "Tours"}})
    );
    assert_eq!(
        project(
            Some("urn:ietf:params:scim:schemas:core:2.0:User:name.familyName"),
            None
        ),
        json!({"schemas": [builtin::USER, ENTERPRISE], "id": "u1", "name": {"familyName": "Jensen"}})
    );
}

#[test]
fn excluded_attributes_drop_what_is_listed_but_never_always() {
    let projected = project(None, Some("emails,name.givenName,id,meta"));
    assert!(projected.get("emails").is_none());
    assert!(projected.get("meta").is_none());
    assert_eq!(projected["id"], "u1", "returned: always");
    assert_eq!(projected["name"], json!({"familyName": "Jensen"}));
    assert!(projected.get("password").is_none());
}

#[test]
fn excluded_members_answers_without_the_member_list() {
    let registry = SchemaRegistry::default();
    let groups = registry.resource_type("Group").unwrap();
    let group = json!({"schemas": [builtin::GROUP], "id": "g", "displayName": "G", "members": [{"value": "u1"}]});
    let projected = Projection::from_query(None, Some("members"))
        .unwrap()
        .apply(groups, &group);
    assert_eq!(
        projected,
        json!({"schemas": [builtin::GROUP], "id": "g", "displayName": "G"})
    );
}

#[test]
fn request_only_attributes_need_asking_for() {
    let mut registry = SchemaRegistry::empty();
    registry
        .add_schema(
            Schema::new("urn:x:T", "T", "")
                .with_attribute(
                    AttributeDefinition::new("secretish", AttributeType::String)
                        .returned(Returned::Request),
                )
                .with_attribute(AttributeDefinition::new("plain", AttributeType::String)),
        )
        .unwrap();
    registry
        .add_resource_type(ResourceType::new("T", "/T", "urn:x:T"))
        .unwrap();
    let t = registry.resource_type("T").unwrap();
    let value = json!({"schemas": ["urn:x:T"], "id": "1", "secretish": "s", "plain": "p"});
    assert_eq!(
        Projection::default().apply(t, &value),
        json!({"schemas": ["urn:x:T"], "id": "1", "plain": "p"})
    );
    assert_eq!(
        Projection::from_query(Some("secretish"), None)
            .unwrap()
            .apply(t, &value),
        json!({"schemas": ["urn:x:T"], "id": "1", "secretish": "s"})
    );
}

#[test]
fn sorting_by_type_case_and_presence() {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let list = vec![
        json!({"id": "1", "userName": "carol", "meta": {"created": "2020-01-01T00:00:00+05:00"}, "emails": [{"value": "z@x"}, {"value": "a@x", "primary": true}]}),
        json!({"id": "2", "userName": "Alice", "meta": {"created": "2019-12-31T20:00:00Z"}}),
        json!({"id": "3", "userName": "bob", "emails": [{"value": "m@x"}]}),
    ];
    let order = |sort_by: &str, sort_order: Option<&str>| -> Vec<String> {
        let spec = SortSpec::parse(sort_by, sort_order).unwrap();
        let mut sorted = list.clone();
        sorted.sort_by(|a, b| spec.compare(users, a, b));
        sorted
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(order("userName", None), ["2", "3", "1"]);
    assert_eq!(order("userName", Some("descending")), ["1", "3", "2"]);
    assert_eq!(
        order("meta.created", None),
        ["1", "2", "3"],
        "chronological, missing last"
    );
    assert_eq!(
        order("meta.created", Some("DESCENDING")),
        ["2", "1", "3"],
        "missing last either way"
    );
    assert_eq!(
        order("emails", None),
        ["1", "3", "2"],
        "by the primary value"
    );
    assert!(SortSpec::parse("userName", Some("sideways")).is_err());
    assert!(SortSpec::parse("user name", None).is_err());
}

#[test]
fn schemas_render_as_rfc7643_section_8_7() {
    let registry = SchemaRegistry::default();
    let ids: Vec<&str> = registry.schemas().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            builtin::USER,
            builtin::GROUP,
            ENTERPRISE,
            builtin::SERVICE_PROVIDER_CONFIG,
            builtin::RESOURCE_TYPE,
            builtin::SCHEMA
        ]
    );

    let user = registry.schema_json(
        registry.schema(builtin::USER).unwrap(),
        "https://example.com/v2/",
    );
    assert_eq!(user["schemas"], json!([builtin::SCHEMA]));
    assert_eq!(user["name"], "User");
    assert_eq!(
        user["meta"],
        json!({"resourceType": "Schema", "location": format!("https://example.com/v2/Schemas/{}", builtin::USER)})
    );
    let attributes = user["attributes"].as_array().unwrap();
    let names: Vec<&str> = attributes
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates",
        ]
    );
    assert_eq!(
        attributes[0],
        json!({
            "name": "userName", "type": "string", "multiValued": false,
            "description": attributes[0]["description"], "required": true, "caseExact": false,
            "mutability": "readWrite", "returned": "default", "uniqueness": "server"
        })
    );
    let password = &attributes[11];
    assert_eq!(
        (
            password["mutability"].as_str(),
            password["returned"].as_str()
        ),
        (Some("writeOnly"), Some("never"))
    );
    let groups = &attributes[17];
    assert_eq!(groups["mutability"], "readOnly");
    assert_eq!(groups["subAttributes"][1]["name"], "$ref");
    assert_eq!(
        groups["subAttributes"][1]["referenceTypes"],
        json!(["User", "Group"])
    );
    let emails = &attributes[12];
    assert_eq!(emails["multiValued"], true);
    assert_eq!(
        emails["subAttributes"][2]["canonicalValues"],
        json!(["work", "home", "other"])
    );

    let schema_schema = registry.schema_json(registry.schema(builtin::SCHEMA).unwrap(), "/v2");
    let sub = &schema_schema["attributes"][3]["subAttributes"];
    assert!(
        sub.as_array()
            .unwrap()
            .iter()
            .any(|a| a["name"] == "subAttributes")
    );
}

#[test]
fn resource_types_render_as_rfc7643_section_8_6() {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("user").unwrap();
    assert_eq!(
        registry.resource_type_json(users.resource_type(), "https://example.com/v2"),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User", "name": "User", "endpoint": "/Users", "description": "User Account",
            "schema": builtin::USER,
            "schemaExtensions": [{"schema": ENTERPRISE, "required": false}],
            "meta": {"location": "https://example.com/v2/ResourceTypes/User", "resourceType": "ResourceType"}
        })
    );
    let groups = registry.resource_type_by_endpoint("Groups").unwrap();
    let json = registry.resource_type_json(groups.resource_type(), "https://example.com/v2");
    assert!(json.get("schemaExtensions").is_none());
}

#[test]
fn registration_errors() {
    let mut registry = SchemaRegistry::default();
    assert_eq!(
        registry.add_schema(Schema::new(builtin::USER.to_lowercase(), "User", "")),
        Err(RegistryError::DuplicateSchema(builtin::USER.to_lowercase()))
    );
    assert!(matches!(
        registry.add_resource_type(ResourceType::new("Device", "/Devices", "urn:x:missing")),
        Err(RegistryError::UnknownSchema { .. })
    ));
    assert!(matches!(
        registry.add_resource_type(ResourceType::new("Other", "/users", builtin::USER)),
        Err(RegistryError::DuplicateResourceType(_))
    ));
}
