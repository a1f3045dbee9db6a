//! Any bytes as a filter: parsing never panics, a parsed filter prints to text that
//! parses to the same AST, and evaluating it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_schema::{Filter, SchemaRegistry};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(filter) = Filter::parse(text) else {
        return;
    };
    let printed = filter.to_string();
    assert_eq!(Filter::parse(&printed).as_ref(), Ok(&filter), "{printed}");
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let user = serde_json::json!({
        "userName": "bjensen", "emails": [{"value": "b@example.com", "type": "work"}],
        "meta": {"lastModified": "2011-05-13T04:42:34Z"}
    });
    let _ = filter.matches(&user, users);
});
