//! Any bytes as a resource to create and to replace a stored one with, for every
//! built-in resource type: validation never panics, and what it accepts validates
//! again unchanged (normalizing is idempotent).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_schema::{SchemaRegistry, ValidationOptions, validate};
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let registry = SchemaRegistry::default();
    for options in [ValidationOptions::default(), ValidationOptions::lenient()] {
        for kind in ["User", "Group"] {
            let definition = registry.resource_type(kind).unwrap();
            if let Ok(created) = validate::create(definition, &input, &options) {
                let again = validate::create(definition, &created, &options);
                assert_eq!(again.as_ref(), Ok(&created), "{kind}: {created}");
            }
            let stored = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": "42", "userName": "bjensen", "password": "secret",
                "meta": {"resourceType": kind}
            });
            let _ = validate::replace(definition, &input, &stored, &options);
        }
    }
});
