//! Filter parsing, filter evaluation and PATCH application on a realistic User.

use criterion::{Criterion, criterion_group, criterion_main};
use scim_schema::{Filter, PatchRequest, SchemaRegistry, ValidationOptions, validate};
use serde_json::{Value, json};
use std::hint::black_box;

const TYPICAL_FILTER: &str =
    r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#;
const FIVE_TERMS: &str = r#"userName eq "bjensen@example.com" and active eq true and (title pr or userType eq "Intern") and meta.lastModified gt "2011-01-01T00:00:00Z""#;

fn full_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen", "givenName": "Barbara",
                 "middleName": "Jane", "honorificPrefix": "Ms.", "honorificSuffix": "III"},
        "displayName": "Babs Jensen", "nickName": "Babs", "profileUrl": "https://login.example.com/bjensen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
                       "region": "CA", "postalCode": "91608", "country": "USA", "primary": true}],
        "phoneNumbers": [{"value": "555-555-5555", "type": "work"}, {"value": "555-555-4444", "type": "mobile"}],
        "userType": "Employee", "title": "Tour Guide", "preferredLanguage": "en-US", "locale": "en-US",
        "timezone": "America/Los_Angeles", "active": true,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
            "division": "Theme Park", "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        },
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z",
                 "version": "W/\"3694e05e9dff591\""}
    })
}

fn filters(c: &mut Criterion) {
    c.bench_function("filter/parse_typical", |b| {
        b.iter(|| Filter::parse(black_box(TYPICAL_FILTER)).unwrap())
    });
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let user = full_user();
    let filter = Filter::parse(FIVE_TERMS).unwrap();
    assert!(filter.matches(&user, users));
    c.bench_function("filter/evaluate_5_terms", |b| {
        b.iter(|| black_box(&filter).matches(black_box(&user), users))
    });
}

fn patch(c: &mut Criterion) {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let user = full_user();
    let request = PatchRequest::parse(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": "active", "value": false},
            {"op": "Add", "path": "emails", "value": [{"value": "b@example.org", "type": "other"}]},
            {"op": "Replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1 Main St"}
        ]
    }))
    .unwrap();
    let options = ValidationOptions::default();
    c.bench_function("patch/apply_3_operations", |b| {
        b.iter(|| request.apply(users, black_box(&user), &options).unwrap())
    });
    let body = full_user();
    c.bench_function("validate/create_full_user", |b| {
        b.iter(|| validate::create(users, black_box(&body), &options).unwrap())
    });
}

criterion_group!(benches, filters, patch);
criterion_main!(benches);
