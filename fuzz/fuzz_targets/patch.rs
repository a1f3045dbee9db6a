//! Any bytes as a PATCH body applied to a user and a group: nothing panics, and a
//! successful PATCH yields a resource that validates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_schema::{PatchRequest, SchemaRegistry, ValidationOptions, validate};
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(request) = PatchRequest::parse(&body) else {
        return;
    };
    let registry = SchemaRegistry::default();
    let options = ValidationOptions::lenient();
    let users = registry.resource_type("User").unwrap();
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "b",
        "emails": [{"value": "a@x", "type": "work", "primary": true}]
    });
    if let Ok(outcome) = request.apply(users, &user, &options) {
        assert!(validate::replace(users, &outcome.resource, &user, &options).is_ok());
    }
    let groups = registry.resource_type("Group").unwrap();
    let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "displayName": "G", "members": [{"value": "u1"}]});
    let _ = request.apply(groups, &group, &options);
});
