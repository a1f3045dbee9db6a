//! Every filter example of RFC 7644 section 3.4.2.2, parsed, printed back and evaluated
//! against a small set of users.

use scim_schema::{Filter, SchemaRegistry};
use serde_json::{Value, json};

fn users() -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "bjensen", "userName": "bjensen", "title": "Tour Guide", "userType": "Employee",
            "name": {"familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work"}],
            "meta": {"lastModified": "2011-05-13T04:42:34Z"}
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "id": "jsmith", "userName": "JSmith", "userType": "Intern",
            "name": {"familyName": "O'Malley"},
            "emails": [{"value": "js@example.org", "type": "home"}],
            "ims": [{"value": "js@foo.com", "type": "xmpp"}],
            "meta": {"lastModified": "2011-05-13T06:42:34+02:00"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1"}
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "jdoe", "userName": "jdoe", "title": "Boss", "userType": "Employee",
            "emails": [{"value": "jdoe@example.org", "type": "work"}],
            "meta": {"lastModified": "2012-01-01T00:00:00Z"}
        }),
    ]
}

#[test]
fn rfc7644_section_3_4_2_2_examples() {
    let table: &[(&str, &[&str])] = &[
        (r#"userName eq "bjensen""#, &["bjensen"]),
        (r#"name.familyName co "O'Malley""#, &["jsmith"]),
        (r#"userName sw "J""#, &["jsmith", "jdoe"]),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            &["jsmith", "jdoe"],
        ),
        ("title pr", &["bjensen", "jdoe"]),
        // jsmith's 06:42:34+02:00 is the same instant as 04:42:34Z.
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, &["jdoe"]),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            &["bjensen", "jsmith", "jdoe"],
        ),
        (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, &[]),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            &["bjensen", "jsmith"],
        ),
        (
            r#"title pr and userType eq "Employee""#,
            &["bjensen", "jdoe"],
        ),
        (
            r#"title pr or userType eq "Intern""#,
            &["bjensen", "jsmith", "jdoe"],
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            &["jsmith"],
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            &["bjensen", "jdoe"],
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            &[],
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            &["bjensen", "jdoe"],
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            &["bjensen"],
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            &["bjensen", "jsmith"],
        ),
    ];
    let registry = SchemaRegistry::default();
    let definition = registry.resource_type("User").unwrap();
    let users = users();
    for (text, expected) in table {
        let filter = Filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        // Printing keeps only the parentheses the tree needs; it parses back the same.
        assert_eq!(
            Filter::parse(&filter.to_string()).unwrap(),
            filter,
            "{text}"
        );
        let matched: Vec<&str> = users
            .iter()
            .filter(|u| filter.matches(u, definition))
            .map(|u| u["id"].as_str().unwrap())
            .collect();
        assert_eq!(&matched, expected, "{text}");
    }
}

#[test]
fn operators_and_keywords_are_case_insensitive() {
    let a =
        Filter::parse(r#"userName EQ "x" AND NOT (title PR) Or emails[type Eq "work"]"#).unwrap();
    let b =
        Filter::parse(r#"userName eq "x" and not (title pr) or emails[type eq "work"]"#).unwrap();
    assert_eq!(a, b);
}

#[test]
fn and_binds_tighter_than_or() {
    let f = Filter::parse("a pr or b pr and c pr").unwrap();
    assert_eq!(f.to_string(), "a pr or b pr and c pr");
    assert!(matches!(f, Filter::Or(_, ref right) if matches!(**right, Filter::And(..))));
    let g = Filter::parse("(a pr or b pr) and c pr").unwrap();
    assert_eq!(g.to_string(), "(a pr or b pr) and c pr");
}

#[test]
fn literals_types_and_escapes() {
    let registry = SchemaRegistry::default();
    let users = registry.resource_type("User").unwrap();
    let user = json!({"userName": "a\"b\\c", "active": true, "title": null});
    assert!(
        Filter::parse(r#"userName eq "a\"b\\c""#)
            .unwrap()
            .matches(&user, users)
    );
    assert!(
        Filter::parse(r#"userName eq "\u0061\"b\\c""#)
            .unwrap()
            .matches(&user, users)
    );
    assert!(
        Filter::parse("active eq true")
            .unwrap()
            .matches(&user, users)
    );
    assert!(
        !Filter::parse("active eq false")
            .unwrap()
            .matches(&user, users)
    );
    assert!(
        !Filter::parse("active gt false")
            .unwrap()
            .matches(&user, users),
        "booleans have no order"
    );
    assert!(
        Filter::parse("title eq null")
            .unwrap()
            .matches(&user, users)
    );
    assert!(
        Filter::parse("userName ne null")
            .unwrap()
            .matches(&user, users)
    );
    assert!(!Filter::parse("title pr").unwrap().matches(&user, users));

    // caseExact attributes compare exactly; others ignore case, Unicode included.
    let exact = json!({"id": "AbC", "externalId": "XyZ", "displayName": "ÉLODIE"});
    assert!(
        !Filter::parse(r#"id eq "abc""#)
            .unwrap()
            .matches(&exact, users)
    );
    assert!(
        Filter::parse(r#"id eq "AbC""#)
            .unwrap()
            .matches(&exact, users)
    );
    assert!(
        !Filter::parse(r#"externalId sw "x""#)
            .unwrap()
            .matches(&exact, users)
    );
    assert!(
        Filter::parse(r#"displayName eq "élodie""#)
            .unwrap()
            .matches(&exact, users)
    );
    assert!(
        Filter::parse(r#"displayName co "lod""#)
            .unwrap()
            .matches(&exact, users)
    );
}

#[test]
fn numbers_and_decimals_compare_numerically() {
    let mut registry = SchemaRegistry::empty();
    registry
        .add_schema(
            scim_schema::Schema::new("urn:x:Thing", "Thing", "")
                .with_attribute(scim_schema::AttributeDefinition::new(
                    "size",
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
            "urn:x:Thing",
        ))
        .unwrap();
    let things = registry.resource_type("Thing").unwrap();
    let thing = json!({"size": 10, "ratio": 0.5});
    for (text, expected) in [
        ("size gt 9", true),
        ("size gt 10", false),
        ("size ge 10", true),
        ("size eq 10.0", true),
        ("size lt 1e2", true),
        ("ratio le 0.5", true),
        ("ratio gt -1", true),
        ("ratio co 0", false),
    ] {
        assert_eq!(
            Filter::parse(text).unwrap().matches(&thing, things),
            expected,
            "{text}"
        );
    }
}

#[test]
fn errors_carry_positions() {
    let cases = [
        ("", 0),
        ("userName", 8),
        ("userName eq", 11),
        (r#"userName xx "a""#, 9),
        (r#"userName eq "a" and"#, 19),
        (r#"userName eq "a" junk"#, 16),
        (r#"(userName eq "a""#, 16),
        (r#"emails[type eq "work""#, 21),
        (r#"emails[type eq "work"].value"#, 28),
        (r#"userName eq bjensen"#, 12),
        (r#"userName eq 'x'"#, 12),
        (r#"emails[type[value eq "x"] eq "y"]"#, 11),
        (r#"1userName eq "x""#, 0),
    ];
    for (text, position) in cases {
        match Filter::parse(text) {
            Err(scim_schema::SchemaError::InvalidFilter {
                position: p,
                message,
            }) => {
                assert_eq!(p, position, "{text}: {message}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn limits_stop_hostile_filters() {
    let deep = format!("{}a pr{}", "(".repeat(100_000), ")".repeat(100_000));
    assert!(Filter::parse(&deep).is_err());
    let deep_not = format!("{}a pr{}", "not (".repeat(2_000), ")".repeat(2_000));
    assert!(Filter::parse(&deep_not).is_err());
    let nested = format!("{}a pr{}", "(".repeat(30), ")".repeat(30));
    assert!(Filter::parse(&nested).is_ok());
    let many = vec!["a pr"; 101].join(" or ");
    assert!(Filter::parse(&many).is_err());
    let enough = vec!["a pr"; 100].join(" or ");
    assert!(Filter::parse(&enough).is_ok());
    let long = format!(r#"a eq "{}""#, "x".repeat(10 * 1024 * 1024));
    assert!(Filter::parse(&long).is_err());
}
