//! The contract's checks of members that do not exist, or stop existing while a write
//! names them, and of one member's groups written from two sides at once.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{GROUP, USER, tenant};
use crate::{
    ContentDigest, Member, MembershipDelta, ProviderError, RequestContext, ResourceProvider,
};

/// Rounds of each race: enough for the interleavings to differ.
const ROUNDS: usize = 12;

async fn create(provider: &dyn ResourceProvider, ctx: &RequestContext, kind: &str) -> String {
    let body = match kind {
        "User" => json!({"schemas": [USER], "userName": crate::new_id().expect("randomness")}),
        _ => json!({"schemas": [GROUP], "displayName": "g"}),
    };
    let created = provider.create(ctx, kind, body).await.expect("create");
    created.id().expect("an id").to_owned()
}

fn adding(id: &str) -> MembershipDelta {
    MembershipDelta {
        add: vec![Member::from_json(&json!({"value": id})).expect("a member")],
        remove: Vec::new(),
    }
}

fn lists(group: &Value, id: &str) -> bool {
    group["members"]
        .as_array()
        .is_some_and(|members| members.iter().any(|m| m["value"] == id))
}

fn is_unknown_member<T>(result: &Result<T, ProviderError>) -> bool {
    matches!(result, Err(ProviderError::Invalid { message, .. }) if message.contains("does not exist"))
}

/// A write naming a member that is not stored is refused, unless the context allows
/// unknown members.
pub(super) async fn unknown_members(provider: &dyn ResourceProvider) {
    let ctx = tenant("unknown-members");
    let group = create(provider, &ctx, "Group").await;
    let refused = provider
        .update_members(&ctx, "Group", &group, &adding("nobody"), None)
        .await;
    assert!(
        is_unknown_member(&refused),
        "unknown members: a delta adding one is refused, got {refused:?}"
    );
    let body = json!({"schemas": [GROUP], "displayName": "g", "members": [{"value": "nobody"}]});
    let refused = provider.create(&ctx, "Group", body.clone()).await;
    assert!(
        is_unknown_member(&refused),
        "unknown members: a group created with one is refused, got {refused:?}"
    );
    let allowed = ctx.clone().allowing_unknown_members();
    provider
        .update_members(&allowed, "Group", &group, &adding("nobody"), None)
        .await
        .expect("unknown members: allowed when the context says so");
    let other = provider
        .create(&allowed, "Group", body)
        .await
        .expect("unknown members: a group with one, allowed");
    // Nothing left listing a member that is not stored (an audit would report it).
    for id in [group.as_str(), other.id().expect("an id")] {
        provider
            .delete(&ctx, "Group", id, None)
            .await
            .expect("delete");
    }
}

/// A member deleted while a write adds it (a delta, or a new group naming it) ends in
/// no group: the write is refused, or the delete removes the membership it made.
pub(super) async fn deleted_while_added(provider: Arc<dyn ResourceProvider>) {
    let ctx = tenant("deleted-while-added");
    let group = create(&*provider, &ctx, "Group").await;
    for _ in 0..ROUNDS {
        let user = create(&*provider, &ctx, "User").await;
        let delete = {
            let (provider, ctx, user) = (provider.clone(), ctx.clone(), user.clone());
            tokio::spawn(async move { provider.delete(&ctx, "User", &user, None).await })
        };
        let add = {
            let (provider, ctx, user, group) =
                (provider.clone(), ctx.clone(), user.clone(), group.clone());
            tokio::spawn(async move {
                provider
                    .update_members(&ctx, "Group", &group, &adding(&user), None)
                    .await
            })
        };
        let body = json!({"schemas": [GROUP], "displayName": "n", "members": [{"value": user}]});
        let created = provider.create(&ctx, "Group", body).await;
        delete.await.expect("task").expect("the delete");
        let added = add.await.expect("task");
        assert!(
            added.is_ok() || is_unknown_member(&added),
            "deleted while added: the delta succeeds or is refused, got {added:?}"
        );
        assert!(
            created.is_ok() || is_unknown_member(&created),
            "deleted while added: the new group is made or refused, got {created:?}"
        );
        let mut groups = vec![group.clone()];
        groups.extend(created.ok().and_then(|g| g.id().map(str::to_owned)));
        for id in groups {
            let stored = provider.get(&ctx, "Group", &id).await.expect("the group");
            assert!(
                !lists(stored.resource(), &user),
                "deleted while added: group {id} lists deleted member {user}"
            );
        }
    }
}

/// One member added to two groups at once, then removed from both at once: its
/// `groups` and its version follow both writes.
pub(super) async fn two_groups_at_once(provider: Arc<dyn ResourceProvider>) {
    let ctx = tenant("two-groups");
    for _ in 0..ROUNDS {
        let user = create(&*provider, &ctx, "User").await;
        let pair = [
            create(&*provider, &ctx, "Group").await,
            create(&*provider, &ctx, "Group").await,
        ];
        for delta in [
            adding(&user),
            MembershipDelta {
                add: Vec::new(),
                remove: vec![user.clone()],
            },
        ] {
            let writes = pair.clone().map(|group| {
                let (provider, ctx, delta) = (provider.clone(), ctx.clone(), delta.clone());
                tokio::spawn(async move {
                    provider
                        .update_members(&ctx, "Group", &group, &delta, None)
                        .await
                })
            });
            for write in writes {
                write.await.expect("task").expect("the delta");
            }
            let stored = provider.get(&ctx, "User", &user).await.expect("the user");
            let groups = stored.resource()["groups"].as_array().map_or(0, Vec::len);
            let expected = if delta.add.is_empty() { 0 } else { 2 };
            assert_eq!(
                groups, expected,
                "two groups at once: the user's groups after both writes"
            );
            assert_eq!(
                &ContentDigest::of(stored.resource()).version(),
                stored.version(),
                "two groups at once: the user's version is the hash of its content"
            );
        }
    }
}

/// The `display` of a group's member entries, by member id.
fn displays(group: &Value) -> Vec<(String, Option<String>)> {
    let members = group["members"].as_array().cloned().unwrap_or_default();
    let display = |m: &Value| m["display"].as_str().map(str::to_owned);
    let id = |m: &Value| m["value"].as_str().unwrap_or_default().to_owned();
    members.iter().map(|m| (id(m), display(m))).collect()
}

/// Members carry the `display` the writer sent, else that of the resource they are
/// (its `displayName`, else its `userName`); a rename of the member replaces either
/// with its new name. `User.groups` carry the group's, kept current. A rename leaves
/// the group's version as it was (the display is derived, like `User.groups`).
pub(super) async fn member_display(provider: &dyn ResourceProvider) {
    let ctx = tenant("member-display");
    let user = |name: &str, display: Option<&str>| {
        let mut body = json!({"schemas": [USER], "userName": name});
        if let Some(display) = display {
            body["displayName"] = json!(display);
        }
        body
    };
    let named = provider
        .create(&ctx, "User", user("bjensen", Some("Babs")))
        .await
        .expect("create");
    let plain = provider
        .create(&ctx, "User", user("jsmith", None))
        .await
        .expect("create");
    let (named_id, plain_id) = (
        named.id().expect("id").to_owned(),
        plain.id().expect("id").to_owned(),
    );
    let body = json!({"schemas": [GROUP], "displayName": "Staff", "members": [
        {"value": plain_id, "display": "what the client sent"}
    ]});
    let group = provider
        .create(&ctx, "Group", body)
        .await
        .expect("create a group");
    let group_id = group.id().expect("id").to_owned();
    provider
        .update_members(&ctx, "Group", &group_id, &adding(&named_id), None)
        .await
        .expect("add a member");
    let before = provider.get(&ctx, "Group", &group_id).await.expect("get");
    assert_eq!(
        displays(before.resource()),
        [
            (plain_id.clone(), Some("what the client sent".into())),
            (named_id.clone(), Some("Babs".into())),
        ],
        "member display: as the writer sent it, else the member's displayName"
    );
    let renamed = provider
        .replace(
            &ctx,
            "User",
            &named_id,
            user("bjensen", Some("Barbara")),
            None,
        )
        .await
        .expect("rename");
    provider
        .replace(&ctx, "User", &plain_id, user("john.smith", None), None)
        .await
        .expect("rename");
    let after = provider.get(&ctx, "Group", &group_id).await.expect("get");
    assert_eq!(
        displays(after.resource()),
        [
            (plain_id, Some("john.smith".into())),
            (named_id.clone(), Some("Barbara".into())),
        ],
        "member display: a rename replaces it, with displayName, else userName"
    );
    assert_eq!(
        after.version(),
        before.version(),
        "member display: a rename is not a change of the group"
    );
    assert_eq!(
        renamed.resource()["groups"][0]["display"],
        "Staff",
        "User.groups display"
    );
    provider
        .replace(&ctx, "Group", &group_id, json!({"schemas": [GROUP], "displayName": "Everyone", "members": [{"value": named_id}]}), None)
        .await
        .expect("rename the group");
    let member = provider.get(&ctx, "User", &named_id).await.expect("get");
    assert_eq!(
        member.resource()["groups"][0]["display"],
        "Everyone",
        "User.groups display: kept current"
    );
}
