//! The in-memory provider answers some lists from its indexes (equality and prefix
//! filters on indexed attributes, sorts on unique ones) without evaluating the filter
//! or sorting: those pages must be exactly what the evaluator and a stable sort give,
//! whatever the case folding, Unicode or paging. Property-tested against the whole
//! store filtered and sorted here.

use proptest::prelude::*;
use scim_provider::{InMemoryProvider, ListQuery, ProviderError, RequestContext, ResourceProvider};
use scim_schema::{Filter, SchemaRegistry, SortSpec};
use serde_json::{Value, json};

/// Letters that fold in awkward ways: Greek sigmas (final and not), the Kelvin sign,
/// sharp s, and plain ASCII in both cases.
const LETTERS: &[&str] = &["a", "A", "b", "Σ", "σ", "ς", "K", "k", "ß"];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(LETTERS), 1..4).prop_map(|l| l.concat())
}

fn user() -> impl Strategy<Value = Value> {
    (
        text(),
        prop::option::of(text()),
        prop::option::of(text()),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(|(name, display, external, emails)| {
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
                user["emails"] = emails.iter().map(|e| json!({"value": e})).collect();
            }
            user
        })
}

fn term() -> impl Strategy<Value = String> {
    let attribute = prop::sample::select(
        &[
            "userName",
            "displayName",
            "externalId",
            "emails.value",
            "emails",
        ][..],
    );
    let op = prop::sample::select(&["eq", "sw", "co"][..]);
    (attribute, op, text()).prop_map(|(a, o, v)| format!("{a} {o} \"{v}\""))
}

fn filter() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        term().prop_map(Some),
        (term(), term()).prop_map(|(a, b)| Some(format!("{a} and {b}"))),
    ]
}

fn sort() -> impl Strategy<Value = Option<SortSpec>> {
    let by = prop::sample::select(&["userName", "displayName", "externalId"][..]);
    let order = prop::sample::select(&["ascending", "descending"][..]);
    prop::option::of((by, order).prop_map(|(b, o)| SortSpec::parse(b, Some(o)).expect("sort")))
}

fn ids(resources: &[scim_provider::VersionedResource]) -> Vec<String> {
    resources
        .iter()
        .map(|r| r.id().expect("id").to_owned())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn indexed_pages_are_the_evaluated_pages(
        users in prop::collection::vec(user(), 0..24),
        replacements in prop::collection::vec(user(), 0..6),
        filter in filter(),
        sort in sort(),
        start in 1usize..8,
        count in 0usize..6,
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(async {
            let provider = InMemoryProvider::new();
            let ctx = RequestContext::new("indexed");
            let mut created = Vec::new();
            for user in users {
                match provider.create(&ctx, "User", user).await {
                    Ok(user) => created.push(user.id().expect("id").to_owned()),
                    Err(ProviderError::Uniqueness { .. }) => {}
                    Err(other) => panic!("create: {other}"),
                }
            }
            // Index keys move on replace and go on delete.
            for (id, user) in created.iter().step_by(2).zip(replacements) {
                match provider.replace(&ctx, "User", id, user, None).await {
                    Ok(_) | Err(ProviderError::Uniqueness { .. }) => {}
                    Err(other) => panic!("replace: {other}"),
                }
            }
            for id in created.iter().skip(1).step_by(3) {
                provider.delete(&ctx, "User", id, None).await.expect("delete");
            }
            // The reference: every user in creation order, filtered and stably sorted here.
            let everyone = provider.list(&ctx, "User", &ListQuery::new().with_count(usize::MAX)).await.expect("all");
            let registry = SchemaRegistry::default();
            let users = registry.resource_type("User").expect("User");
            let parsed = filter.as_deref().map(|f| Filter::parse(f).expect("filter"));
            let mut expected: Vec<_> = everyone.resources.into_iter()
                .filter(|r| parsed.as_ref().is_none_or(|f| f.matches(r.resource(), users)))
                .collect();
            if let Some(sort) = &sort {
                expected.sort_by(|a, b| sort.compare(users, a.resource(), b.resource()));
            }
            let total = expected.len();
            let expected: Vec<_> = expected.into_iter().skip(start - 1).take(count).collect();

            let mut query = ListQuery::new().with_start_index(start).with_count(count);
            query.filter = parsed;
            query.sort = sort;
            let page = provider.list(&ctx, "User", &query).await.expect("page");
            prop_assert_eq!(page.total_results, total, "totalResults of {:?}", filter);
            prop_assert_eq!(ids(&page.resources), ids(&expected), "page of {:?}", filter);
            Ok(())
        })?;
    }
}
