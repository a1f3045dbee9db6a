//! Filters, sorts and pages give the same answers on every SQL backend as on the
//! in-memory provider (whose evaluator is the reference): table-driven over the
//! translated and untranslated shapes, then property-tested with generated filters.
//! SQLite always; PostgreSQL and MySQL/MariaDB when `SCIM_TEST_POSTGRES_URL` /
//! `SCIM_TEST_MYSQL_URL` are set.

use std::sync::Arc;

use proptest::prelude::*;
use scim_provider::{InMemoryProvider, ListQuery, RequestContext, ResourceProvider};
use scim_schema::{Filter, SortSpec};
use scim_sql::SqlProvider;
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Users chosen to catch the differences between SQL and the evaluator: case and
/// Unicode folding (including the Kelvin sign, which folds to ASCII `k`), trailing
/// spaces, LIKE/GLOB wildcards, empty and missing values, several addresses.
fn users() -> Vec<Value> {
    let user = |name: &str,
                display: Option<&str>,
                external: Option<&str>,
                emails: &[&str],
                active: Option<bool>| {
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
        });
        if let Some(display) = display {
            user["displayName"] = json!(display);
        }
        if let Some(external) = external {
            user["externalId"] = json!(external);
        }
        if !emails.is_empty() {
            user["emails"] = emails
                .iter()
                .enumerate()
                .map(|(i, e)| json!({"value": e, "type": if i == 0 { "work" } else { "home" }}))
                .collect();
        }
        if let Some(active) = active {
            user["active"] = json!(active);
        }
        user
    };
    let mut all = vec![
        user(
            "bjensen",
            Some("Barbara Jensen"),
            Some("E-1"),
            &["bjensen@example.com", "babs@Jensen.org"],
            Some(true),
        ),
        user(
            "BJensen2",
            Some("barbara jensen"),
            Some("e-1"),
            &["BJENSEN@EXAMPLE.COM"],
            Some(false),
        ),
        user(
            "jsmith",
            Some("John Smith"),
            None,
            &["john@example.com"],
            None,
        ),
        user(
            "Ünïcode",
            Some("ÜNÏCODE Ñame"),
            Some("Ü-9"),
            &["ü@exämple.com"],
            Some(true),
        ),
        user(
            "\u{212A}-user",
            Some("\u{212A}ELVIN"),
            Some("k-1"),
            &[],
            Some(true),
        ),
        user(
            "kelvin",
            Some("kelvin"),
            Some("K-1"),
            &["kelvin@example.com"],
            Some(false),
        ),
        user(
            "bob ",
            Some("Bob "),
            Some("bob "),
            &["bob@example.com "],
            None,
        ),
        user(
            "bob",
            Some("Bob"),
            Some("bob"),
            &["bob@example.com"],
            Some(true),
        ),
        user(
            "50%_off",
            Some("50%_off"),
            Some("x*y?[z]"),
            &["a%b_c@example.com"],
            None,
        ),
        user(
            "x*y?[z]",
            Some("x*y?[z]"),
            Some("50%_off"),
            &["star*@example.com"],
            Some(true),
        ),
        user("empty", Some(""), Some(""), &[""], Some(false)),
        user("nothing", None, None, &[], None),
        user(
            "a!b",
            Some("A!B"),
            Some("a!b"),
            &["bang!@example.com"],
            Some(true),
        ),
    ];
    all[0][ENTERPRISE] = json!({"employeeNumber": "701984", "manager": {"value": "x"}});
    all
}

fn group_names() -> [&'static str; 4] {
    ["Admins", "admins ", "Über Group", ""]
}

/// A filter per shape the translation handles, and some it leaves to the evaluator.
const USER_FILTERS: &[&str] = &[
    r#"userName eq "bjensen""#,
    r#"userName eq "BJENSEN""#,
    r#"userName eq "kelvin""#,
    r#"userName eq "KELVIN""#,
    r#"userName eq "bob""#,
    r#"userName eq "bob ""#,
    r#"userName ne "bob""#,
    r#"userName co "jensen""#,
    r#"userName co "%""#,
    r#"userName co "_""#,
    r#"userName co "*""#,
    r#"userName co "!""#,
    r#"userName sw "b""#,
    r#"userName sw "ü""#,
    r#"userName ew "N2""#,
    r#"userName co """#,
    r#"userName gt "bob""#,
    r#"userName ge "bob""#,
    r#"userName lt "k""#,
    r#"userName le "kelvin""#,
    r#"userName gt "é""#,
    r#"userName pr"#,
    r#"userName eq true"#,
    r#"userName eq null"#,
    r#"id pr"#,
    r#"externalId eq "E-1""#,
    r#"externalId eq "e-1""#,
    r#"externalId sw "E""#,
    r#"externalId co "?""#,
    r#"externalId gt "a""#,
    r#"externalId pr"#,
    r#"externalId eq null"#,
    r#"externalId ne "bob""#,
    r#"not (externalId pr)"#,
    r#"displayName eq "barbara jensen""#,
    r#"displayName eq "ünïcode ñame""#,
    r#"displayName eq "kelvin""#,
    r#"displayName co "ELV""#,
    r#"displayName sw "bob""#,
    r#"displayName ew " ""#,
    r#"displayName pr"#,
    r#"displayName eq """#,
    r#"displayName eq null"#,
    r#"displayName ne "bob""#,
    r#"displayName lt "c""#,
    r#"not (displayName co "jensen")"#,
    r#"emails eq "bjensen@example.com""#,
    r#"emails.value eq "BJENSEN@example.com""#,
    r#"emails co "EXAMPLE""#,
    r#"emails.value sw "bob@""#,
    r#"emails.value ew "com ""#,
    r#"emails.value co "%""#,
    r#"emails pr"#,
    r#"emails eq null"#,
    r#"emails ne "bob@example.com""#,
    r#"emails[value eq "john@example.com"]"#,
    r#"emails[type eq "work" and value co "example"]"#,
    r#"emails[type eq "home"]"#,
    r#"emails[value eq "x" or value ew ".org"]"#,
    r#"emails.type eq "home""#,
    r#"active eq true"#,
    r#"active eq false"#,
    r#"active ne true"#,
    r#"not (active eq false)"#,
    r#"active pr"#,
    r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
    r#"userName sw "b" and active eq true"#,
    r#"userName sw "b" or displayName co "kelvin""#,
    r#"userName sw "b" and title pr"#,
    r#"userName sw "b" or title pr"#,
    r#"not (userName sw "b" and title pr)"#,
    r#"(userName eq "bob" or emails co "jensen") and not (active eq false)"#,
    r#"meta.created pr"#,
    r#"title eq "x" or userName eq "jsmith""#,
];

const GROUP_FILTERS: &[&str] = &[
    r#"displayName eq "admins""#,
    r#"displayName eq "admins ""#,
    r#"displayName sw "ü""#,
    r#"displayName pr"#,
    r#"displayName eq """#,
    r#"members pr"#,
    r#"members eq "none""#,
];

const SORTS: &[Option<(&str, &str)>] = &[
    None,
    Some(("userName", "ascending")),
    Some(("userName", "descending")),
    Some(("displayName", "ascending")),
    Some(("displayName", "descending")),
    Some(("externalId", "ascending")),
    Some(("emails", "ascending")),
    Some(("meta.created", "descending")),
];

/// One store under test with the data loaded.
struct Loaded {
    name: &'static str,
    provider: Arc<dyn ResourceProvider>,
    ctx: RequestContext,
}

async fn load(name: &'static str, provider: Arc<dyn ResourceProvider>) -> Loaded {
    let ctx = RequestContext::new(format!(
        "filters-{}",
        scim_provider::new_id().expect("randomness")
    ));
    let mut ids = Vec::new();
    for user in users() {
        // Distinct `meta.created` milliseconds, so sorting by it has no ties.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        let created = provider
            .create(&ctx, "User", user)
            .await
            .expect("create user");
        ids.push(created.resource()["id"].as_str().unwrap().to_owned());
    }
    for (i, name) in group_names().iter().enumerate() {
        let members: Vec<Value> = ids
            .iter()
            .skip(i)
            .step_by(3)
            .map(|id| json!({"value": id}))
            .collect();
        let mut group = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
        });
        if i != 3 {
            group["members"] = Value::Array(members);
        }
        provider
            .create(&ctx, "Group", group)
            .await
            .expect("create group");
    }
    Loaded {
        name,
        provider,
        ctx,
    }
}

fn temp_sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!(
        "scim-sql-filters-{}.db",
        scim_provider::new_id().expect("randomness")
    ));
    format!("sqlite://{}", path.display())
}

/// The reference and every SQL backend this run can reach.
async fn stores() -> Vec<Loaded> {
    let mut stores = vec![
        load("memory", Arc::new(InMemoryProvider::new())).await,
        load(
            "sqlite",
            Arc::new(
                SqlProvider::connect(&temp_sqlite_url())
                    .await
                    .expect("sqlite"),
            ),
        )
        .await,
    ];
    for (name, variable, enabled) in [
        (
            "postgres",
            "SCIM_TEST_POSTGRES_URL",
            cfg!(feature = "postgres"),
        ),
        ("mysql", "SCIM_TEST_MYSQL_URL", cfg!(feature = "mysql")),
    ] {
        match std::env::var(variable) {
            Ok(url) if !url.is_empty() && enabled => {
                let provider = SqlProvider::connect(&url).await.expect("connect");
                stores.push(load(name, Arc::new(provider)).await);
            }
            _ => eprintln!("skipped {name}: {variable} is not set (or the feature is off)"),
        }
    }
    stores
}

/// What a list answered, by names (ids differ between stores, so no sort by id).
async fn answer(store: &Loaded, resource_type: &str, query: &ListQuery) -> (usize, Vec<String>) {
    let page = store
        .provider
        .list(&store.ctx, resource_type, query)
        .await
        .unwrap_or_else(|e| panic!("{} {resource_type} {:?}: {e}", store.name, query.filter));
    let key = if resource_type == "User" {
        "userName"
    } else {
        "displayName"
    };
    let names = page
        .resources
        .iter()
        .map(|r| r.resource()[key].as_str().unwrap_or("<none>").to_owned())
        .collect();
    (page.total_results, names)
}

fn query(
    filter: Option<&str>,
    sort: Option<(&str, &str)>,
    start: usize,
    count: Option<usize>,
) -> ListQuery {
    let mut query = ListQuery::new().with_start_index(start);
    query.filter = filter.map(|f| Filter::parse(f).expect(f));
    query.sort = sort.map(|(by, order)| SortSpec::parse(by, Some(order)).expect(by));
    query.count = count;
    query
}

async fn agree(stores: &[Loaded], resource_type: &str, query: &ListQuery) {
    let expected = answer(&stores[0], resource_type, query).await;
    for store in &stores[1..] {
        let got = answer(store, resource_type, query).await;
        assert_eq!(
            got,
            expected,
            "{} disagrees with the evaluator on {resource_type} filter {:?} sort {:?} window {:?}+{:?}",
            store.name,
            query.filter.as_ref().map(ToString::to_string),
            query.sort,
            query.paging,
            query.count
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_filter_sort_and_page_agrees_with_the_evaluator() {
    let stores = stores().await;
    for filter in USER_FILTERS {
        for sort in SORTS {
            agree(&stores, "User", &query(Some(filter), *sort, 1, None)).await;
        }
        agree(
            &stores,
            "User",
            &query(Some(filter), Some(("userName", "ascending")), 2, Some(2)),
        )
        .await;
        agree(&stores, "User", &query(Some(filter), None, 1, Some(0))).await;
    }
    for sort in SORTS {
        for (start, count) in [(1, None), (3, Some(4)), (12, Some(5)), (40, Some(1))] {
            agree(&stores, "User", &query(None, *sort, start, count)).await;
        }
    }
    for filter in GROUP_FILTERS {
        for sort in [None, Some(("displayName", "descending"))] {
            agree(&stores, "Group", &query(Some(filter), sort, 1, None)).await;
        }
    }
}

/// Generated filters over the attributes the translation knows, with values taken
/// from the data (so they match something) or made up. Not `id` comparisons: ids are
/// random, so they differ between the stores.
fn arb_filter() -> impl Strategy<Value = String> {
    let attribute = prop::sample::select(vec![
        "userName",
        "displayName",
        "externalId",
        "emails",
        "emails.value",
        "active",
        "title",
    ]);
    let op = prop::sample::select(vec!["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
    let value = prop::sample::select(vec![
        "\"bjensen\"",
        "\"BOB\"",
        "\"bob \"",
        "\"k\"",
        "\"Ü\"",
        "\"%\"",
        "\"_\"",
        "\"*\"",
        "\"[\"",
        "\"example\"",
        "\"\"",
        "\"e-1\"",
        "true",
        "false",
        "null",
        "42",
    ]);
    let leaf = prop_oneof![
        (attribute.clone(), op, value.clone()).prop_map(|(a, o, v)| format!("{a} {o} {v}")),
        attribute.clone().prop_map(|a| format!("{a} pr")),
        Just("id pr".to_owned()),
        (prop::sample::select(vec!["value", "type"]), value)
            .prop_map(|(a, v)| format!("emails[{a} eq {v}]")),
    ];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.prop_map(|a| format!("not ({a})")),
        ]
    })
}

#[test]
fn generated_filters_agree_with_the_evaluator() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let stores = runtime.block_on(stores());
    let config = ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(filter in arb_filter(), sort in prop::sample::select(SORTS.to_vec()))| {
        runtime.block_on(agree(&stores, "User", &query(Some(&filter), sort, 1, None)));
    });
}

/// Pages deep enough that the SQL provider finds their ids first, sorted by columns
/// some rows have no value in (so pages reach past the valued rows into the rest):
/// the same pages as the in-memory provider's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_pages_agree_with_the_evaluator() {
    const USERS: usize = 1_050;
    let mut stores: Vec<(&str, Arc<dyn ResourceProvider>)> = vec![
        ("memory", Arc::new(InMemoryProvider::new())),
        (
            "sqlite",
            Arc::new(
                SqlProvider::connect(&temp_sqlite_url())
                    .await
                    .expect("sqlite"),
            ),
        ),
    ];
    for (name, variable) in [
        ("postgres", "SCIM_TEST_POSTGRES_URL"),
        ("mysql", "SCIM_TEST_MYSQL_URL"),
    ] {
        match std::env::var(variable) {
            Ok(url) if !url.is_empty() => stores.push((
                name,
                Arc::new(SqlProvider::connect(&url).await.expect("connect")),
            )),
            _ => eprintln!("skipped {name}: {variable} is not set"),
        }
    }
    let ctx = RequestContext::new(format!(
        "deep-{}",
        scim_provider::new_id().expect("randomness")
    ));
    let mut loaded = Vec::new();
    for (name, provider) in stores {
        loaded.push(Loaded {
            name,
            provider,
            ctx: ctx.clone(),
        });
    }
    let mut ids = vec![Vec::new(); loaded.len()];
    for i in 0..USERS {
        let mut user = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("u{:04}", (i * 7919) % USERS),
        });
        if i % 3 != 0 {
            user["displayName"] = json!(format!("D{:03}", i % 400));
        }
        if i % 2 == 0 {
            user["externalId"] = json!(format!("x{i}"));
        }
        // Distinct creation milliseconds: creation order is the same everywhere.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        for (store, ids) in loaded.iter().zip(&mut ids) {
            let created = store
                .provider
                .create(&ctx, "User", user.clone())
                .await
                .expect("create");
            ids.push(created.id().expect("id").to_owned());
        }
    }
    for sort in [
        None,
        Some(("userName", "descending")),
        Some(("displayName", "ascending")),
        Some(("externalId", "descending")),
    ] {
        for (start, count) in [(1_001, 20), (1_040, 20), (1_049, 5), (700, 400)] {
            agree(&loaded, "User", &query(None, sort, start, Some(count))).await;
            agree(
                &loaded,
                "User",
                &query(Some("userName sw \"u0\""), sort, 1_001, Some(10)),
            )
            .await;
        }
    }
    // Filters matching most rows, some and few: SQLite finds the first by walking
    // creation order, the others through the userName index.
    async fn check_all(loaded: &[Loaded]) {
        agree(loaded, "User", &query(None, None, 1, Some(5))).await;
        for filter in [
            "userName sw \"u0\"",
            "userName sw \"u01\"",
            "userName sw \"u104\"",
        ] {
            for (start, count) in [(1, 10), (50, 10), (990, 20), (1_001, 10)] {
                agree(
                    loaded,
                    "User",
                    &query(Some(filter), None, start, Some(count)),
                )
                .await;
            }
        }
    }
    check_all(&loaded).await;
    // Deletes are counted too (SQLite keeps the count in a table).
    for (store, ids) in loaded.iter().zip(&ids) {
        for id in ids.iter().step_by(5) {
            store
                .provider
                .delete(&ctx, "User", id, None)
                .await
                .expect("delete");
        }
    }
    check_all(&loaded).await;
    let (total, _) = answer(&loaded[1], "User", &query(None, None, 1, Some(1))).await;
    assert_eq!(total, USERS - USERS.div_ceil(5));
}
