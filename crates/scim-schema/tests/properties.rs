//! Property tests: printing a filter and parsing it gives the same AST; the parser of
//! unquoted values reads every RFC filter alike; no parser, projection or the PATCH
//! engine panics on any input.

use proptest::prelude::*;
use scim_schema::{
    AttributePath, CompValue, CompareOp, Filter, PatchPath, PatchRequest, Projection,
    SchemaRegistry, ValidationOptions,
};
use serde_json::{Number, Value, json};

fn op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Co),
        Just(CompareOp::Sw),
        Just(CompareOp::Ew),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
    ]
}

fn value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
    ]
}

fn leaf(paths: &'static [&'static str]) -> impl Strategy<Value = Filter> {
    let path = proptest::sample::select(paths).prop_map(|p| AttributePath::parse(p).unwrap());
    prop_oneof![
        path.clone().prop_map(Filter::Present),
        (path, op(), value()).prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
    ]
}

fn combine(inner: impl Strategy<Value = Filter> + Clone) -> impl Strategy<Value = Filter> {
    prop_oneof![
        (inner.clone(), inner.clone()).prop_map(|(a, b)| a.and(b)),
        (inner.clone(), inner.clone()).prop_map(|(a, b)| a.or(b)),
        inner.prop_map(|f| Filter::Not(Box::new(f))),
    ]
}

fn value_filter() -> impl Strategy<Value = Filter> {
    leaf(&["type", "value", "primary", "display"]).prop_recursive(3, 12, 2, combine)
}

fn filter() -> impl Strategy<Value = Filter> {
    const PATHS: &[&str] = &[
        "userName",
        "title",
        "name.givenName",
        "meta.lastModified",
        "urn:ietf:params:scim:schemas:core:2.0:User:userName",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        "members.$ref",
    ];
    let value_path = (
        proptest::sample::select(&["emails", "members", "addresses"][..]),
        value_filter(),
    )
        .prop_map(|(path, filter)| Filter::ValuePath {
            path: AttributePath::new(path),
            filter: Box::new(filter),
        });
    prop_oneof![3 => leaf(PATHS), 1 => value_path].prop_recursive(4, 32, 2, combine)
}

fn registry() -> &'static SchemaRegistry {
    static REGISTRY: std::sync::OnceLock<SchemaRegistry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(SchemaRegistry::default)
}

fn filterish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("userName".to_owned()),
            Just("emails".to_owned()),
            Just(".value".to_owned()),
            Just("urn:ietf:params:scim:schemas:core:2.0:User:".to_owned()),
            Just(" eq ".to_owned()),
            Just(" pr".to_owned()),
            Just(" and ".to_owned()),
            Just(" or ".to_owned()),
            Just("not ".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("\"x\"".to_owned()),
            Just("1e5".to_owned()),
            Just("true".to_owned()),
            "[a-z.$:-]{1,4}".prop_map(|s| s),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(Value::from),
        "[a-zA-Z0-9 ]{0,6}".prop_map(Value::String),
        Just(json!("True")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(
                (
                    proptest::sample::select(
                        &[
                            "value",
                            "type",
                            "primary",
                            "display",
                            "givenName",
                            "x",
                            "id"
                        ][..]
                    ),
                    inner
                ),
                0..4
            )
            .prop_map(|entries| Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect()
            )),
        ]
    })
}

fn patch_operation() -> impl Strategy<Value = Value> {
    let path = prop_oneof![
        Just(Value::Null),
        proptest::sample::select(
            &[
                "members",
                "emails",
                "userName",
                "name",
                "name.givenName",
                "active",
                "id",
                "meta",
                "emails[type eq \"work\"]",
                "emails[type eq \"work\"].value",
                "members[value eq \"u1\"]",
                "addresses[type eq \"home\" and primary eq true].locality",
                "groups",
                "nosuch",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            ][..]
        )
        .prop_map(|p| Value::String(p.to_owned())),
        filterish().prop_map(Value::String),
    ];
    (
        proptest::sample::select(&["add", "Add", "remove", "Replace", "replace", "move"][..]),
        path,
        json_value(),
    )
        .prop_map(|(op, path, value)| json!({"op": op, "path": path, "value": value}))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printing_then_parsing_gives_the_same_ast(filter in filter()) {
        let printed = filter.to_string();
        let parsed = Filter::parse(&printed);
        prop_assert_eq!(parsed.as_ref(), Ok(&filter), "{}", printed);
    }

    #[test]
    fn filter_parser_never_panics(input in any::<String>()) {
        let _ = Filter::parse(&input);
    }

    #[test]
    fn the_unquoted_parser_reads_every_rfc_filter_as_the_rfc_parser_does(filter in filter()) {
        let printed = filter.to_string();
        prop_assert_eq!(Filter::parse_unquoted(&printed, None), Filter::parse(&printed), "{}", printed);
    }

    #[test]
    fn the_unquoted_parser_never_panics_and_prints_rfc_filters(input in filterish()) {
        let users = registry().resource_type("User").unwrap();
        for definition in [None, Some(&**users)] {
            if let Ok(filter) = Filter::parse_unquoted(&input, definition) {
                let printed = filter.to_string();
                let reparsed = Filter::parse(&printed);
                prop_assert_eq!(reparsed.as_ref(), Ok(&filter), "{}", printed);
                let _ = filter.matches(&json!({"userName": "x", "emails": [{"value": "y"}]}), users);
            }
        }
    }

    #[test]
    fn projections_with_value_filters_never_panic(input in filterish(), excluded in any::<bool>()) {
        let users = registry().resource_type("User").unwrap();
        let list = format!("userName,emails[{input}],emails[{input}].value");
        let projection = match excluded {
            true => Projection::from_query_with_value_filters(None, Some(&list)),
            false => Projection::from_query_with_value_filters(Some(&list), None),
        };
        if let Ok(projection) = projection {
            let user = json!({"userName": "x", "emails": [{"value": "y", "type": "work"}, "odd"]});
            let _ = projection.apply(users, &user);
        }
    }

    #[test]
    fn filter_parser_never_panics_on_filter_like_input(input in filterish()) {
        if let Ok(filter) = Filter::parse(&input) {
            let users = registry().resource_type("User").unwrap();
            let _ = filter.matches(&json!({"userName": "x", "emails": [{"value": "y"}]}), users);
        }
    }

    #[test]
    fn path_parsers_never_panic(input in any::<String>(), filterish in filterish()) {
        let _ = AttributePath::parse(&input);
        let _ = PatchPath::parse(&input);
        let _ = PatchPath::parse(&filterish);
    }

    #[test]
    fn patch_engine_never_panics(ops in proptest::collection::vec(patch_operation(), 1..5), lenient in any::<bool>()) {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
        let Ok(request) = PatchRequest::parse(&body) else { return Ok(()) };
        let options = if lenient { ValidationOptions::lenient() } else { ValidationOptions::default() };
        let users = registry().resource_type("User").unwrap();
        let user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "b",
            "emails": [{"value": "a@x", "type": "work", "primary": true}],
            "addresses": [{"type": "home", "primary": true, "locality": "Here"}]
        });
        if let Ok(outcome) = request.apply(users, &user, &options) {
            // Whatever the operations, the result is a valid user.
            prop_assert!(scim_schema::validate::replace(users, &outcome.resource, &user, &options).is_ok());
        }
        let groups = registry().resource_type("Group").unwrap();
        let group = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "displayName": "G", "members": [{"value": "u1"}]});
        let _ = request.apply(groups, &group, &options);
    }
}
