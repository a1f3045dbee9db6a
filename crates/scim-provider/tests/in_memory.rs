//! Properties of the in-memory provider beyond the shared contract.

use scim_provider::{
    ContentDigest, InMemoryProvider, ListQuery, Member, MembershipDelta, ProviderError,
    RequestContext, ResourceProvider,
};
use scim_schema::Filter;
use serde_json::{Value, json};

fn user(name: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})
}

/// The incrementally maintained version always equals the version computed from the
/// full resource, whatever sequence of writes led there.
#[tokio::test]
async fn incremental_versions_equal_content_versions() {
    let provider = InMemoryProvider::new();
    let ctx = RequestContext::new("versions");
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(
            provider
                .create(&ctx, "User", user(&format!("u{i}")))
                .await
                .unwrap()
                .id()
                .unwrap()
                .to_owned(),
        );
    }
    let group = provider
        .create(&ctx, "Group", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G",
                                        "members": [{"value": ids[0]}, {"value": ids[1], "display": "one"}]}))
        .await
        .unwrap();
    let gid = group.id().unwrap().to_owned();
    let delta = MembershipDelta {
        add: vec![Member::new(ids[2].clone())],
        remove: vec![ids[0].clone()],
    };
    provider
        .update_members(&ctx, "Group", &gid, &delta, None)
        .await
        .unwrap();
    provider.delete(&ctx, "User", &ids[1], None).await.unwrap();

    for (resource_type, id) in
        std::iter::once(("Group", gid.as_str())).chain(ids.iter().map(|i| ("User", i.as_str())))
    {
        match provider.get(&ctx, resource_type, id).await {
            Ok(stored) => assert_eq!(
                &ContentDigest::of(stored.resource()).version(),
                stored.version(),
                "{resource_type} {id}"
            ),
            Err(ProviderError::NotFound { .. }) => assert_eq!(id, ids[1]),
            Err(other) => panic!("{other}"),
        }
    }
}

#[tokio::test]
async fn members_added_before_the_user_exists_show_up_in_its_groups() {
    let provider = InMemoryProvider::new();
    let ctx = RequestContext::new("early").allowing_unknown_members();
    let group = provider
        .create(&ctx, "Group", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Early",
                                        "members": [{"value": "future-user"}]}))
        .await
        .unwrap();
    let mut body = user("late");
    body["id"] = json!("future-user");
    let created = provider.create(&ctx, "User", body).await.unwrap();
    assert_eq!(
        created.resource()["groups"][0]["value"],
        group.id().unwrap()
    );
    assert_eq!(created.resource()["groups"][0]["display"], "Early");
}

#[tokio::test]
async fn unique_and_indexed_lookups_follow_replacements() {
    let provider = InMemoryProvider::new();
    let ctx = RequestContext::new("index");
    let created = provider.create(&ctx, "User", user("before")).await.unwrap();
    let id = created.id().unwrap().to_owned();
    provider
        .replace(&ctx, "User", &id, user("after"), None)
        .await
        .unwrap();
    let query = |name: &str| {
        ListQuery::new().with_filter(Filter::parse(&format!("userName eq \"{name}\"")).unwrap())
    };
    assert_eq!(
        provider
            .list(&ctx, "User", &query("before"))
            .await
            .unwrap()
            .total_results,
        0
    );
    assert_eq!(
        provider
            .list(&ctx, "User", &query("AFTER"))
            .await
            .unwrap()
            .total_results,
        1
    );
    provider
        .create(&ctx, "User", user("before"))
        .await
        .expect("the old userName is free again");
    assert!(provider.create(&ctx, "Unknown", user("x")).await.is_err());
}
