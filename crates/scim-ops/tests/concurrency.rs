//! No lost updates: racing PATCHes with and without If-Match.

mod common;

use common::*;
use scim_ops::ScimOperationRequest;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_members_added_concurrently_without_if_match_all_arrive() {
    let handler = handler();
    let mut users = Vec::new();
    for i in 0..32 {
        users.push(create(&handler, "User", user(&format!("racer{i}"))).await);
    }
    let gid = create(&handler, "Group", group("Racers", &[])).await;
    let mut tasks = tokio::task::JoinSet::new();
    for uid in users.clone() {
        let (handler, gid) = (handler.clone(), gid.clone());
        tasks.spawn(async move {
            let body =
                patch_body(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]));
            run(&handler, ScimOperationRequest::patch("Group", &gid, body))
                .await
                .status
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let group = run(&handler, ScimOperationRequest::get("Group", &gid))
        .await
        .body
        .unwrap();
    let mut members: Vec<String> = group["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_owned())
        .collect();
    members.sort();
    users.sort();
    assert_eq!(members, users);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_full_patches_without_if_match_lose_nothing() {
    // Not membership-only, so each goes through read, apply, conditional write, retry.
    let handler = handler();
    let id = create(&handler, "User", user("emails")).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let (handler, id) = (handler.clone(), id.clone());
        tasks.spawn(async move {
            let body = patch_body(json!([
                {"op": "add", "path": "emails", "value": [{"value": format!("e{i}@example.com")}]},
                {"op": "replace", "path": "title", "value": format!("writer {i}")}
            ]));
            run(&handler, ScimOperationRequest::patch("User", &id, body))
                .await
                .status
        });
    }
    while let Some(status) = tasks.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    let user = run(&handler, ScimOperationRequest::get("User", &id))
        .await
        .body
        .unwrap();
    assert_eq!(
        user["emails"].as_array().unwrap().len(),
        16,
        "every add survived"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixteen_patches_with_the_same_if_match_have_one_winner() {
    let handler = handler();
    let id = create(&handler, "User", user("contested")).await;
    let version = run(&handler, ScimOperationRequest::get("User", &id))
        .await
        .current_version
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let (handler, id, version) = (handler.clone(), id.clone(), version.clone());
        tasks.spawn(async move {
            let body = patch_body(
                json!([{"op": "replace", "path": "title", "value": format!("winner {i}")}]),
            );
            run(
                &handler,
                ScimOperationRequest::patch("User", &id, body).if_match(&version),
            )
            .await
            .status
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = tasks.join_next().await {
        statuses.push(status.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 412).count(),
        15,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_membership_patches_with_one_if_match_have_one_winner() {
    let handler = handler();
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(create(&handler, "User", user(&format!("m{i}"))).await);
    }
    let gid = create(&handler, "Group", group("Contested", &[])).await;
    let version = run(&handler, ScimOperationRequest::get("Group", &gid))
        .await
        .current_version
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for uid in users {
        let (handler, gid, version) = (handler.clone(), gid.clone(), version.clone());
        tasks.spawn(async move {
            let body =
                patch_body(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]));
            run(
                &handler,
                ScimOperationRequest::patch("Group", &gid, body).if_match(&version),
            )
            .await
            .status
        });
    }
    let mut ok = 0;
    while let Some(status) = tasks.join_next().await {
        match status.unwrap().as_u16() {
            200 => ok += 1,
            412 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 1);
}
