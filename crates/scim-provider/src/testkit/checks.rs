//! The checks of [`run_provider_contract`](super::run_provider_contract).

use std::collections::HashSet;
use std::sync::Arc;

use scim_schema::{Filter, ScimType, SortSpec};
use scim_version::{ConditionalResult, ScimVersion};
use serde_json::{Value, json};

use super::{GROUP, USER, tenant};
use crate::{
    ConditionalProvider, Fetch, ListQuery, Member, MembershipDelta, ProviderError, RequestContext,
    ResourceProvider, VersionedResource,
};

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name, "emails": [{"value": format!("{name}@example.com"), "type": "work"}]})
}

fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"schemas": [GROUP], "displayName": name, "members": members})
}

fn id_of(resource: &VersionedResource) -> String {
    resource
        .id()
        .expect("a stored resource has an id")
        .to_owned()
}

fn assert_consistent(stored: &VersionedResource, context: &str) {
    assert_eq!(
        stored.resource()["meta"]["version"],
        stored.version().to_http_header(),
        "{context}: meta.version must equal the version"
    );
}

fn is_not_found<T: std::fmt::Debug>(result: &Result<T, ProviderError>) -> bool {
    matches!(result, Err(ProviderError::NotFound { .. }))
}

fn ids(page: &crate::ListPage) -> Vec<String> {
    page.resources.iter().map(id_of).collect()
}

pub(super) async fn crud(provider: &dyn ResourceProvider) {
    let ctx = tenant("crud");
    let created = provider
        .create(&ctx, "User", user("crud"))
        .await
        .expect("create");
    let id = id_of(&created);
    assert!(!id.is_empty(), "crud: create assigns an id");
    assert_consistent(&created, "crud: create");
    let meta = &created.resource()["meta"];
    assert_eq!(meta["resourceType"], "User", "crud: meta.resourceType");
    assert!(
        meta["created"].is_string() && meta["lastModified"].is_string(),
        "crud: meta timestamps"
    );

    let fetched = provider.get(&ctx, "User", &id).await.expect("get");
    assert_eq!(fetched, created, "crud: get returns what create returned");

    let mut changed = user("crud");
    changed["displayName"] = json!("Changed");
    let replaced = provider
        .replace(&ctx, "User", &id, changed, None)
        .await
        .expect("replace");
    assert_consistent(&replaced, "crud: replace");
    assert_ne!(
        replaced.version(),
        created.version(),
        "crud: a change makes a new version"
    );
    assert_eq!(replaced.resource()["displayName"], "Changed");
    assert_eq!(
        replaced.resource()["meta"]["created"],
        meta["created"],
        "crud: replace keeps meta.created"
    );
    assert_eq!(
        provider
            .get(&ctx, "User", &id)
            .await
            .expect("get after replace"),
        replaced
    );

    provider
        .delete(&ctx, "User", &id, None)
        .await
        .expect("delete");
    assert!(
        is_not_found(&provider.get(&ctx, "User", &id).await),
        "crud: get after delete is NotFound"
    );
    assert!(
        is_not_found(&provider.delete(&ctx, "User", &id, None).await),
        "crud: a second delete is NotFound"
    );
    assert!(
        is_not_found(
            &provider
                .replace(&ctx, "User", &id, user("crud"), None)
                .await
        ),
        "crud: replace of a missing id"
    );
}

pub(super) async fn uniqueness(provider: &dyn ResourceProvider) {
    let ctx = tenant("unique");
    let first = provider
        .create(&ctx, "User", user("Alice"))
        .await
        .expect("create");
    let duplicate = provider.create(&ctx, "User", user("aLiCe")).await;
    assert!(
        matches!(&duplicate, Err(ProviderError::Uniqueness { attribute, .. }) if attribute == "userName"),
        "uniqueness: userName is unique case-insensitively, got {duplicate:?}"
    );
    let bob = provider
        .create(&ctx, "User", user("bob"))
        .await
        .expect("create bob");
    let clash = provider
        .replace(&ctx, "User", &id_of(&bob), user("ALICE"), None)
        .await;
    assert!(
        matches!(clash, Err(ProviderError::Uniqueness { .. })),
        "uniqueness: replace into a taken userName, got {clash:?}"
    );
    provider
        .replace(&ctx, "User", &id_of(&first), user("alice"), None)
        .await
        .expect("uniqueness: a resource may keep its own userName");
    provider
        .create(&tenant("unique-other"), "User", user("alice"))
        .await
        .expect("uniqueness: per tenant");
    let mut chosen = user("carol");
    chosen["id"] = json!(id_of(&bob));
    let taken_id = provider.create(&ctx, "User", chosen).await;
    assert!(
        matches!(&taken_id, Err(ProviderError::Uniqueness { attribute, value }) if attribute == "id" && *value == id_of(&bob)),
        "uniqueness: a client-chosen id that is taken, got {taken_id:?}"
    );
    assert!(
        matches!(clash, Err(ProviderError::Uniqueness { .. })),
        "uniqueness: a taken userName is refused"
    );
}

pub(super) async fn conditional_writes(provider: &dyn ResourceProvider) {
    let ctx = tenant("conditional");
    let created = provider
        .create(&ctx, "User", user("cond"))
        .await
        .expect("create");
    let id = id_of(&created);
    let v1 = created.version().clone();

    let updated = provider
        .conditional_update(&ctx, "User", &id, user("cond2"), &v1)
        .await
        .expect("update");
    let ConditionalResult::Success(updated) = updated else {
        panic!("conditional: the current version is accepted, got {updated:?}");
    };
    let v2 = updated.version().clone();
    let stale = provider
        .conditional_update(&ctx, "User", &id, user("cond3"), &v1)
        .await
        .expect("stale update");
    match &stale {
        ConditionalResult::VersionMismatch(conflict) => {
            assert_eq!(
                conflict.current(),
                &v2,
                "conditional: the mismatch names the current version"
            );
            assert_eq!(conflict.expected(), &v1);
        }
        other => panic!("conditional: a stale version is rejected, got {other:?}"),
    }
    assert_eq!(
        provider
            .get(&ctx, "User", &id)
            .await
            .expect("get")
            .version(),
        &v2,
        "conditional: a rejected write changes nothing"
    );

    let stale_delete = provider
        .conditional_delete(&ctx, "User", &id, &v1)
        .await
        .expect("stale delete");
    assert!(
        stale_delete.is_version_mismatch(),
        "conditional: stale delete rejected, got {stale_delete:?}"
    );
    let missing = provider
        .conditional_update(&ctx, "User", "no-such-id", user("x"), &v2)
        .await
        .expect("missing");
    assert!(
        missing.is_not_found(),
        "conditional: update of a missing id is NotFound"
    );
    let deleted = provider
        .conditional_delete(&ctx, "User", &id, &v2)
        .await
        .expect("delete");
    assert!(
        deleted.is_success(),
        "conditional: delete at the current version, got {deleted:?}"
    );

    {
        let again = provider
            .create_versioned_resource(&ctx, "User", user("cond4"))
            .await
            .expect("create_versioned_resource");
        let fetched = provider
            .get_versioned_resource(&ctx, "User", &id_of(&again))
            .await
            .expect("get_versioned_resource");
        assert_eq!(fetched.as_ref(), Some(&again));
        let gone = provider
            .get_versioned_resource(&ctx, "User", &id)
            .await
            .expect("get_versioned_resource");
        assert!(
            gone.is_none(),
            "conditional: get_versioned_resource of a deleted id is None"
        );
    }

    // Membership deltas honour versions too.
    let g = provider
        .create(&ctx, "Group", group("cond-group", &[]))
        .await
        .expect("create group");
    let delta = MembershipDelta {
        add: vec![Member::new(id_of(&again_user(provider, &ctx).await))],
        remove: Vec::new(),
    };
    let stale_version = ScimVersion::from_hash("stale").expect("valid");
    let refused = provider
        .conditional_update_members(&ctx, "Group", &id_of(&g), &delta, &stale_version)
        .await
        .expect("stale delta");
    assert!(
        refused.is_version_mismatch(),
        "conditional: a stale membership delta is rejected, got {refused:?}"
    );
    let accepted = provider
        .conditional_update_members(&ctx, "Group", &id_of(&g), &delta, g.version())
        .await
        .expect("delta");
    assert!(
        accepted.is_success(),
        "conditional: a current membership delta is accepted, got {accepted:?}"
    );
}

async fn again_user(provider: &dyn ResourceProvider, ctx: &RequestContext) -> VersionedResource {
    provider
        .create(ctx, "User", user("cond-member"))
        .await
        .expect("create member")
}

pub(super) async fn tenant_isolation(provider: &dyn ResourceProvider) {
    let a = tenant("isolation-a");
    let b = tenant("isolation-b");
    let user_a = provider
        .create(&a, "User", user("shared-name"))
        .await
        .expect("create in A");
    let group_a = provider
        .create(&a, "Group", group("group-a", &[&id_of(&user_a)]))
        .await
        .expect("group in A");
    let (uid, gid) = (id_of(&user_a), id_of(&group_a));
    // Joining the group gave the user a new version.
    let user_a = provider.get(&a, "User", &uid).await.expect("A's user");

    assert!(
        is_not_found(&provider.get(&b, "User", &uid).await),
        "isolation: get"
    );
    assert!(
        is_not_found(&provider.replace(&b, "User", &uid, user("x"), None).await),
        "isolation: replace"
    );
    assert!(
        is_not_found(&provider.delete(&b, "User", &uid, None).await),
        "isolation: delete"
    );
    let delta = MembershipDelta {
        add: vec![Member::new("someone")],
        remove: vec![uid.clone()],
    };
    assert!(
        is_not_found(
            &provider
                .update_members(&b, "Group", &gid, &delta, None)
                .await
        ),
        "isolation: update_members"
    );
    let version = user_a.version();
    assert!(
        provider
            .conditional_update(&b, "User", &uid, user("x"), version)
            .await
            .expect("cond")
            .is_not_found(),
        "isolation: conditional update"
    );
    assert!(
        provider
            .conditional_delete(&b, "User", &uid, version)
            .await
            .expect("cond")
            .is_not_found(),
        "isolation: conditional delete"
    );
    assert!(
        provider
            .conditional_update_members(&b, "Group", &gid, &delta, group_a.version())
            .await
            .expect("cond")
            .is_not_found(),
        "isolation: conditional delta"
    );
    let page = provider
        .list(&b, "User", &ListQuery::new())
        .await
        .expect("list in B");
    assert_eq!(
        page.total_results, 0,
        "isolation: list never crosses tenants"
    );
    let probe =
        ListQuery::new().with_filter(Filter::parse(&format!("id eq \"{uid}\"")).expect("filter"));
    assert_eq!(
        provider
            .list(&b, "User", &probe)
            .await
            .expect("list")
            .total_results,
        0,
        "isolation: id filter"
    );
    provider
        .create(&b, "User", user("shared-name"))
        .await
        .expect("isolation: the same userName in another tenant");

    // A was not touched by any of it.
    let still = provider.get(&a, "User", &uid).await.expect("A's user");
    assert_eq!(
        still.version(),
        user_a.version(),
        "isolation: nothing under B changed A"
    );
    let group_still = provider.get(&a, "Group", &gid).await.expect("A's group");
    assert_eq!(
        group_still.resource()["members"],
        json!([{"value": uid, "display": "shared-name"}])
    );
}

pub(super) async fn listing(provider: &dyn ResourceProvider) {
    let ctx = &tenant("list");
    let mut created = Vec::new();
    for i in 0..7 {
        let mut body = user(&format!("user-{i}"));
        body["externalId"] = json!(format!("ext-{i}"));
        body["title"] = json!(if i % 2 == 0 { "even" } else { "odd" });
        created.push(id_of(
            &provider.create(ctx, "User", body).await.expect("create"),
        ));
    }
    let list =
        |query: ListQuery| async move { provider.list(ctx, "User", &query).await.expect("list") };
    let filter = |text: &str| Filter::parse(text).expect("filter");

    let all = list(ListQuery::new()).await;
    assert_eq!(
        (all.total_results, ids(&all)),
        (7, created.clone()),
        "listing: everything, in creation order"
    );

    let cases: [(&str, Vec<usize>); 7] = [
        (r#"userName eq "USER-3""#, vec![3]),
        (r#"emails.value eq "user-4@example.com""#, vec![4]),
        (r#"emails eq "USER-5@EXAMPLE.COM""#, vec![5]),
        (r#"externalId eq "ext-6""#, vec![6]),
        (r#"externalId eq "EXT-6""#, vec![]),
        (r#"title eq "odd" and userName sw "user-""#, vec![1, 3, 5]),
        (
            r#"userName eq "user-1" or userName eq "user-2""#,
            vec![1, 2],
        ),
    ];
    for (text, expected) in cases {
        let page = list(ListQuery::new().with_filter(filter(text))).await;
        let expected: Vec<String> = expected.into_iter().map(|i| created[i].clone()).collect();
        assert_eq!(ids(&page), expected, "listing: {text}");
        assert_eq!(
            page.total_results,
            expected.len(),
            "listing: totalResults of {text}"
        );
    }
    let by_id =
        list(ListQuery::new().with_filter(filter(&format!("id eq \"{}\"", created[2])))).await;
    assert_eq!(ids(&by_id), [created[2].clone()], "listing: id eq");

    let sorted = list(
        ListQuery::new().with_sort(SortSpec::parse("userName", Some("descending")).expect("sort")),
    )
    .await;
    let reversed: Vec<String> = created.iter().rev().cloned().collect();
    assert_eq!(
        ids(&sorted),
        reversed,
        "listing: sortBy userName descending"
    );

    let page = list(ListQuery::new().with_start_index(3).with_count(2)).await;
    assert_eq!(
        (page.start_index, page.total_results, ids(&page)),
        (3, 7, created[2..4].to_vec()),
        "listing: startIndex and count"
    );
    let totals = list(ListQuery::new().with_count(0)).await;
    assert!(
        totals.resources.is_empty() && totals.total_results == 7,
        "listing: count=0 gives totals only"
    );
    let past_end = list(ListQuery::new().with_start_index(50)).await;
    assert!(
        past_end.resources.is_empty() && past_end.total_results == 7,
        "listing: startIndex past the end"
    );

    let mut seen = Vec::new();
    let mut cursor = None;
    for _ in 0..10 {
        let page = list(ListQuery::new().with_count(3).with_cursor(cursor)).await;
        assert_eq!(
            page.total_results, 7,
            "listing: cursor pages keep totalResults"
        );
        seen.extend(ids(&page));
        match page.next_cursor {
            Some(next) => cursor = Some(crate::Cursor::parse(&next).expect("a cursor it issued")),
            None => break,
        }
    }
    assert_eq!(
        seen, created,
        "listing: cursors visit every resource once, in order"
    );
    let bad = crate::Cursor::parse("not-a-cursor");
    assert!(
        matches!(
            &bad,
            Err(ProviderError::Invalid {
                scim_type: ScimType::InvalidCursor,
                ..
            })
        ),
        "listing: an unknown cursor is invalidCursor, got {bad:?}"
    );
}

pub(super) async fn membership(provider: &dyn ResourceProvider) {
    let ctx = &tenant("members");
    let mut users = Vec::new();
    for name in ["m1", "m2", "m3"] {
        users.push(id_of(
            &provider
                .create(ctx, "User", user(name))
                .await
                .expect("create user"),
        ));
    }
    let g = provider
        .create(ctx, "Group", group("Team", &[&users[0]]))
        .await
        .expect("create group");
    let gid = id_of(&g);
    let groups_of = |uid: String| async move {
        let u = provider.get(ctx, "User", &uid).await.expect("get user");
        assert_consistent(&u, "membership: user");
        u.resource().get("groups").cloned().unwrap_or(json!([]))
    };
    let expected_groups =
        |display: &str| json!([{"value": gid, "display": display, "type": "direct"}]);
    assert_eq!(
        groups_of(users[0].clone()).await,
        expected_groups("Team"),
        "membership: User.groups is derived"
    );

    let before = provider
        .get(ctx, "User", &users[1])
        .await
        .expect("get")
        .version()
        .clone();
    let delta = MembershipDelta {
        add: vec![Member::new(users[1].clone()), Member::new(users[2].clone())],
        remove: vec![users[0].clone()],
    };
    let v2 = provider
        .update_members(ctx, "Group", &gid, &delta, None)
        .await
        .expect("update_members");
    assert_ne!(
        &v2,
        g.version(),
        "membership: a delta makes a new group version"
    );
    let fetched = provider.get(ctx, "Group", &gid).await.expect("get group");
    assert_consistent(&fetched, "membership: group");
    assert_eq!(
        fetched.version(),
        &v2,
        "membership: the returned version is the stored one"
    );
    assert_eq!(
        fetched.resource()["members"],
        json!([{"value": users[1], "display": "m2"}, {"value": users[2], "display": "m3"}])
    );
    assert_eq!(
        groups_of(users[0].clone()).await,
        json!([]),
        "membership: removed member loses the group"
    );
    assert_eq!(groups_of(users[1].clone()).await, expected_groups("Team"));
    let after = provider
        .get(ctx, "User", &users[1])
        .await
        .expect("get")
        .version()
        .clone();
    assert_ne!(
        before, after,
        "membership: joining a group changes the member's version"
    );

    let noop = provider
        .update_members(
            ctx,
            "Group",
            &gid,
            &MembershipDelta {
                add: vec![Member::new(users[1].clone())],
                remove: vec!["absent".into()],
            },
            None,
        )
        .await
        .expect("noop");
    assert_eq!(
        noop, v2,
        "membership: a delta that changes nothing keeps the version"
    );

    provider
        .delete(ctx, "User", &users[1], None)
        .await
        .expect("delete member");
    let fetched = provider.get(ctx, "Group", &gid).await.expect("get group");
    assert_eq!(
        fetched.resource()["members"],
        json!([{"value": users[2], "display": "m3"}]),
        "membership: deleting a user removes it from its groups"
    );

    let mut renamed = group("Renamed", &[&users[2]]);
    renamed["id"] = json!(gid);
    provider
        .replace(ctx, "Group", &gid, renamed, None)
        .await
        .expect("rename");
    assert_eq!(
        groups_of(users[2].clone()).await,
        expected_groups("Renamed"),
        "membership: User.groups follows renames"
    );

    provider
        .delete(ctx, "Group", &gid, None)
        .await
        .expect("delete group");
    assert_eq!(
        groups_of(users[2].clone()).await,
        json!([]),
        "membership: deleting a group empties User.groups"
    );

    let missing = provider
        .update_members(ctx, "Group", "no-such-group", &delta, None)
        .await;
    assert!(
        is_not_found(&missing),
        "membership: delta on a missing group"
    );
}

pub(super) async fn concurrency(provider: Arc<dyn ResourceProvider>) {
    const TASKS: usize = 8;
    const WINS_PER_TASK: usize = 5;
    let ctx = tenant("race");
    let mut body = user("racer");
    body["title"] = json!("0");
    let id = id_of(&provider.create(&ctx, "User", body).await.expect("create"));

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..TASKS {
        let (provider, ctx, id) = (provider.clone(), ctx.clone(), id.clone());
        tasks.spawn(async move {
            let mut wins = Vec::new();
            let mut attempts = 0;
            while wins.len() < WINS_PER_TASK {
                attempts += 1;
                assert!(attempts < 10_000, "concurrency: no progress");
                let current = provider.get(&ctx, "User", &id).await.expect("get");
                let count: u64 = current.resource()["title"]
                    .as_str()
                    .and_then(|t| t.parse().ok())
                    .expect("counter");
                tokio::task::yield_now().await;
                let mut next = user("racer");
                next["title"] = json!((count + 1).to_string());
                match provider
                    .conditional_update(&ctx, "User", &id, next, current.version())
                    .await
                    .expect("update")
                {
                    ConditionalResult::Success(_) => wins.push(current.version().clone()),
                    ConditionalResult::VersionMismatch(_) => {}
                    ConditionalResult::NotFound => panic!("concurrency: the resource vanished"),
                }
            }
            wins
        });
    }
    let mut winners = Vec::new();
    while let Some(result) = tasks.join_next().await {
        winners.extend(result.expect("task"));
    }
    let distinct: HashSet<&ScimVersion> = winners.iter().collect();
    assert_eq!(
        distinct.len(),
        winners.len(),
        "concurrency: exactly one winner per version"
    );
    let last = provider.get(&ctx, "User", &id).await.expect("get");
    assert_eq!(
        last.resource()["title"],
        json!((TASKS * WINS_PER_TASK).to_string()),
        "concurrency: the final state counts every successful write"
    );
}

pub(super) async fn serialized_reads(provider: &dyn ResourceProvider) {
    let ctx = tenant("serialized");
    let mut secret = user("serialized-secret");
    secret["password"] = json!("t0p-secret");
    let plain = provider
        .create(&ctx, "User", user("serialized-plain"))
        .await
        .expect("create");
    let secret = provider
        .create(&ctx, "User", secret)
        .await
        .expect("create with a password");
    let member = provider
        .create(&ctx, "User", user("serialized-member"))
        .await
        .expect("create member");
    let group = provider
        .create(&ctx, "Group", group("serialized", &[&id_of(&member)]))
        .await
        .expect("create group");
    for (resource_type, stored) in [
        ("User", &plain),
        ("User", &secret),
        ("User", &member),
        ("Group", &group),
    ] {
        let id = id_of(stored);
        let full = provider.get(&ctx, resource_type, &id).await.expect("get");
        let Some(raw) = provider
            .get_serialized(&ctx, resource_type, &id)
            .await
            .expect("get_serialized")
        else {
            continue;
        };
        assert_eq!(
            &raw.version,
            full.version(),
            "serialized: the version is the stored one"
        );
        let parsed: Value = serde_json::from_str(raw.json.as_str()).expect("serialized: JSON");
        let mut expected = full.resource().clone();
        expected["meta"]
            .as_object_mut()
            .expect("meta")
            .remove("version");
        expected.as_object_mut().expect("object").remove("password");
        assert_eq!(
            parsed, expected,
            "serialized: the whole resource but meta.version and never-returned values"
        );
        assert!(
            !raw.json.as_str().contains("t0p-secret"),
            "serialized: a password is never handed out"
        );
    }
    let other = tenant("serialized-other");
    let foreign = provider
        .get_serialized(&other, "User", &id_of(&plain))
        .await;
    assert!(
        matches!(foreign, Ok(None) | Err(ProviderError::NotFound { .. })),
        "serialized: tenants are isolated, got {foreign:?}"
    );
}

pub(super) async fn missing_members(provider: &dyn ResourceProvider) {
    let ctx = tenant("missing");
    let user = provider
        .create(&ctx, "User", user("missing-user"))
        .await
        .expect("create");
    let g = provider
        .create(&ctx, "Group", group("missing-group", &[]))
        .await
        .expect("create group");
    let (uid, gid) = (id_of(&user), id_of(&g));
    let missing = provider
        .missing(&ctx, &["User", "Group"], &["nope", &uid, &gid, "gone"])
        .await
        .expect("missing");
    assert_eq!(
        missing,
        vec!["nope".to_owned(), "gone".to_owned()],
        "missing: the ids of no resource, in the order given"
    );
    let only_users = provider
        .missing(&ctx, &["User"], &[&uid, &gid])
        .await
        .expect("missing");
    assert_eq!(
        only_users,
        vec![gid.clone()],
        "missing: only the types asked"
    );
    let elsewhere = provider
        .missing(&tenant("missing-other"), &["User"], &[&uid])
        .await
        .expect("missing");
    assert_eq!(elsewhere, vec![uid], "missing: tenants are isolated");
}

pub(super) async fn fetching_parts(provider: &dyn ResourceProvider) {
    let ctx = tenant("fetch");
    let member = provider
        .create(&ctx, "User", user("fetch-member"))
        .await
        .expect("create member");
    let (uid, group) = (id_of(&member), group("fetch-group", &[]));
    let mut group = group;
    group["members"] = json!([{"value": uid}]);
    let gid = id_of(
        &provider
            .create(&ctx, "Group", group)
            .await
            .expect("create group"),
    );
    let without = |mut resource: Value| {
        let object = resource.as_object_mut().expect("object");
        object.remove("members");
        object.remove("groups");
        resource
    };
    let nothing = Fetch {
        members: false,
        groups: false,
    };
    for (resource_type, id) in [("Group", &gid), ("User", &uid)] {
        let full = provider.get(&ctx, resource_type, id).await.expect("get");
        let all = provider
            .get_with(&ctx, resource_type, id, Fetch::ALL)
            .await
            .expect("get_with everything");
        assert_eq!(all, full, "fetch: everything is the whole resource");
        let part = provider
            .get_with(&ctx, resource_type, id, nothing)
            .await
            .expect("get_with");
        assert_eq!(
            part.version(),
            full.version(),
            "fetch: the version is the whole resource's"
        );
        assert_eq!(
            without(part.resource().clone()),
            without(full.resource().clone()),
            "fetch: {resource_type} without members and groups is the rest, unchanged"
        );
        let listed = provider
            .list(&ctx, resource_type, &ListQuery::new().with_fetch(nothing))
            .await
            .expect("list");
        let listed = listed
            .resources
            .into_iter()
            .find(|r| r.id() == Some(id.as_str()))
            .expect("listed");
        assert_eq!(listed.version(), full.version(), "fetch: list versions");
        assert_eq!(
            without(listed.into_resource()),
            without(full.resource().clone()),
            "fetch: a listed {resource_type} is the rest, unchanged"
        );
    }
    assert!(
        is_not_found(
            &provider
                .get_with(&tenant("fetch-other"), "Group", &gid, nothing)
                .await
        ),
        "fetch: tenants are isolated"
    );
}
