//! Change events through the handler: exactly one per committed change, whatever the
//! PATCH retry loop and bulk do; none for a refused or failed write.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use scim_ops::{ScimOperationHandler, ScimOperationRequest, ServiceConfig};
use scim_provider::{ChangeCursor, ChangeEvent, ChangeFeed, ChangeKind, InMemoryProvider};
use scim_schema::SchemaRegistry;
use scim_version::{Precondition, ScimVersion};
use serde_json::json;

fn recording() -> (ScimOperationHandler, Arc<InMemoryProvider>) {
    let provider = Arc::new(InMemoryProvider::new().with_change_feed(Duration::from_secs(3600)));
    let handler = ScimOperationHandler::new(
        provider.clone(),
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::new("https://example.com/scim/v2"),
    );
    (handler, provider)
}

async fn events(provider: &InMemoryProvider) -> Vec<ChangeEvent> {
    provider
        .changes_since(ctx().tenant(), ChangeCursor::START, 10_000)
        .await
        .unwrap()
        .events
}

fn kinds(events: &[ChangeEvent]) -> Vec<&str> {
    events.iter().map(|e| e.change.kind.name()).collect()
}

/// Each event's previous version is the version of the one before it.
fn assert_chained(events: &[ChangeEvent]) {
    for pair in events.windows(2) {
        assert_eq!(pair[1].change.previous_version, pair[0].change.version);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_patches_retried_record_one_event_each() {
    let (handler, provider) = recording();
    let id = create(&handler, "User", user("racer")).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let (handler, id) = (handler.clone(), id.clone());
        tasks.spawn(async move {
            let body = patch_body(json!([
                {"op": "add", "path": "emails", "value": [{"value": format!("e{i}@example.com")}]}
            ]));
            run(&handler, ScimOperationRequest::patch("User", &id, body)).await
        });
    }
    while let Some(response) = tasks.join_next().await {
        assert_eq!(response.unwrap().status, 200);
    }
    let events = events(&provider).await;
    let mut expected = vec!["created"];
    expected.extend(["patched"; 16]);
    assert_eq!(
        kinds(&events),
        expected,
        "lost races retried record nothing"
    );
    assert_chained(&events);
    let now = run(&handler, ScimOperationRequest::get("User", &id)).await;
    assert_eq!(events.last().unwrap().change.version, now.current_version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_membership_patches_record_one_event_each() {
    let (handler, provider) = recording();
    let mut users = Vec::new();
    for i in 0..8 {
        users.push(create(&handler, "User", user(&format!("member{i}"))).await);
    }
    let gid = create(&handler, "Group", group("Racers", &[])).await;
    let mut tasks = tokio::task::JoinSet::new();
    for uid in users {
        let (handler, gid) = (handler.clone(), gid.clone());
        tasks.spawn(async move {
            let body =
                patch_body(json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]));
            run(&handler, ScimOperationRequest::patch("Group", &gid, body)).await
        });
    }
    while let Some(response) = tasks.join_next().await {
        assert_eq!(response.unwrap().status, 200);
    }
    let events = events(&provider).await;
    let group_events: Vec<&ChangeEvent> = events.iter().filter(|e| e.change.id == gid).collect();
    assert_eq!(group_events.len(), 9, "the create and one per member added");
    for event in &group_events[1..] {
        assert!(
            matches!(&event.change.kind, ChangeKind::MembersChanged { added, removed }
            if added.len() == 1 && removed.is_empty())
        );
    }
}

#[tokio::test]
async fn refused_and_empty_writes_record_nothing() {
    let (handler, provider) = recording();
    let id = create(&handler, "User", user("stale")).await;
    let created = run(&handler, ScimOperationRequest::get("User", &id)).await;
    let first = created.current_version.clone().unwrap();
    let title = patch_body(json!([{"op": "replace", "path": "title", "value": "Boss"}]));
    let patched = run(
        &handler,
        ScimOperationRequest::patch("User", &id, title.clone()),
    )
    .await;
    assert_eq!(patched.status, 200);
    // Stale If-Match, on every write.
    let stale = |request: ScimOperationRequest| request.if_match(&first);
    let responses = [
        run(
            &handler,
            stale(ScimOperationRequest::patch("User", &id, title.clone())),
        )
        .await,
        run(
            &handler,
            stale(ScimOperationRequest::replace("User", &id, user("other"))),
        )
        .await,
        run(&handler, stale(ScimOperationRequest::delete("User", &id))).await,
    ];
    for response in responses {
        assert_eq!(response.status, 412, "{:?}", response.body);
    }
    // A PATCH that changes nothing, a bad body, a taken name, a missing id.
    assert_eq!(
        run(&handler, ScimOperationRequest::patch("User", &id, title))
            .await
            .status,
        200
    );
    let bad = patch_body(json!([{"op": "explode", "path": "title"}]));
    assert_eq!(
        run(&handler, ScimOperationRequest::patch("User", &id, bad))
            .await
            .status,
        400
    );
    let taken = run(
        &handler,
        ScimOperationRequest::create("User", user("STALE")),
    )
    .await;
    assert_eq!(taken.status, 409);
    let missing = run(&handler, ScimOperationRequest::delete("User", "nope")).await;
    assert_eq!(missing.status, 404);
    let any = ScimOperationRequest::delete("User", &id).with_expected_version(Precondition::Any);
    assert_eq!(run(&handler, any).await.status, 204);

    let events = events(&provider).await;
    assert_eq!(kinds(&events), ["created", "patched", "deleted"]);
    assert_chained(&events);
    assert_eq!(
        events[2].change.version, None::<ScimVersion>,
        "a delete leaves no version"
    );
}

#[tokio::test]
async fn bulk_records_one_event_per_operation_that_succeeded() {
    let (handler, provider) = recording();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("bulk")},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("BULK")},
            {"method": "PATCH", "path": "/Users/bulkId:a",
             "data": patch_body(json!([{"op": "add", "path": "title", "value": "Guide"}]))},
            {"method": "PUT", "path": "/Users/bulkId:a", "version": "W/\"stale\"", "data": user("bulk2")},
            {"method": "DELETE", "path": "/Users/nope"}
        ]
    });
    let response = run(&handler, ScimOperationRequest::bulk(body)).await;
    assert_eq!(response.status, 200);
    let statuses: Vec<String> = response.body.unwrap()["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(statuses, ["201", "409", "200", "412", "404"]);
    let events = events(&provider).await;
    assert_eq!(kinds(&events), ["created", "patched"]);
    assert_chained(&events);
}
