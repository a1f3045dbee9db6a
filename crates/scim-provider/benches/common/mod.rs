//! Shared fixtures for the provider benchmarks.

use serde_json::{Value, json};

/// A typical provisioned user, as Entra ID or Okta would create it (about 700 bytes).
pub(crate) fn typical_user(i: usize) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": format!("user{i}@example.com"),
        "externalId": format!("ext-{i:08}"),
        "active": true,
        "displayName": format!("User Number {i}"),
        "name": {"givenName": "User", "familyName": format!("Number{i}"), "formatted": format!("User Number {i}")},
        "title": "Engineer",
        "emails": [{"value": format!("user{i}@example.com"), "type": "work", "primary": true}],
        "phoneNumbers": [{"value": format!("+1 555 {:07}", i), "type": "work"}],
        "addresses": [{"type": "work", "streetAddress": "1 Main Street", "locality": "Springfield",
                       "region": "IL", "postalCode": "62701", "country": "US", "primary": true}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": format!("{i}"), "department": "Engineering", "costCenter": "4130",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }
    })
}
