//! Any bytes as a filter, read as the RFC says and with unquoted values: parsing never
//! panics, a parsed filter prints to text that parses to the same AST, and evaluating
//! it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_schema::{Filter, SchemaRegistry};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let user = serde_json::json!({
        "userName": "bjensen", "emails": [{"value": "b@example.com", "type": "work"}],
        "meta": {"lastModified": "2011-05-13T04:42:34Z"}
    });
    for parsed in [Filter::parse(text), Filter::parse_unquoted(text, Some(users))] {
        let Ok(filter) = parsed else {
            continue;
        };
        let printed = filter.to_string();
        assert_eq!(Filter::parse(&printed).as_ref(), Ok(&filter), "{printed}");
        let _ = filter.matches(&user, users);
    }
});
