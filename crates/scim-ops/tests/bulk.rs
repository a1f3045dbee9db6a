//! Bulk (RFC 7644 section 3.7): bulkId references, limits, failOnErrors, versions.

mod common;

use common::*;
use scim_ops::{BulkConfig, ScimOperationRequest, ServiceConfig};
use scim_provider::RequestContext;
use serde_json::{Value, json};

const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn bulk(operations: Value) -> ScimOperationRequest {
    ScimOperationRequest::bulk(json!({"schemas": [BULK], "Operations": operations}))
}

fn statuses(body: &Value) -> Vec<&str> {
    body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn forward_references_resolve_in_data_and_paths() {
    let handler = handler();
    // The group comes first but names a user created after it (RFC 7644 section 3.7.2).
    let response = run(&handler, bulk(json!([
        {"method": "POST", "path": "/Groups", "bulkId": "ytrewq",
         "data": {"schemas": [GROUP], "displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:qwerty"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "qwerty",
         "data": {"schemas": [USER], "userName": "Alice"}},
        {"method": "PATCH", "path": "/Users/bulkId:qwerty",
         "data": {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "Guide"}]}}
    ]))).await;
    assert_eq!(response.status.as_u16(), 200);
    let body = response.body.unwrap();
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:BulkResponse"])
    );
    assert_eq!(statuses(&body), ["201", "201", "200"]);
    let ops = body["Operations"].as_array().unwrap();
    assert_eq!(ops[0]["bulkId"], "ytrewq");
    assert!(ops[0]["location"].as_str().unwrap().contains("/Groups/"));
    assert!(ops[1]["version"].as_str().unwrap().starts_with("W/\""));

    let group_id = ops[0]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let user_id = ops[1]["location"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let group = run(&handler, ScimOperationRequest::get("Group", group_id))
        .await
        .body
        .unwrap();
    assert_eq!(group["members"][0]["value"], user_id);
    let user = run(&handler, ScimOperationRequest::get("User", user_id))
        .await
        .body
        .unwrap();
    assert_eq!(user["title"], "Guide");
    assert_eq!(user["groups"][0]["value"], group_id);
}

#[tokio::test]
async fn circular_and_unresolvable_references_fail_with_409() {
    let handler = handler();
    let response = run(&handler, bulk(json!([
        {"method": "POST", "path": "/Groups", "bulkId": "a",
         "data": {"schemas": [GROUP], "displayName": "A", "members": [{"value": "bulkId:b"}]}},
        {"method": "POST", "path": "/Groups", "bulkId": "b",
         "data": {"schemas": [GROUP], "displayName": "B", "members": [{"value": "bulkId:a"}]}},
        {"method": "POST", "path": "/Users", "bulkId": "c",
         "data": {"schemas": [USER], "userName": "c", "title": "bulkId:nowhere"}},
        {"method": "POST", "path": "/Users", "bulkId": "d", "data": {"schemas": [USER], "userName": "d"}}
    ]))).await;
    let body = response.body.unwrap();
    let ops = body["Operations"].as_array().unwrap();
    let by_id = |id: &str| ops.iter().find(|o| o["bulkId"] == id).unwrap();
    assert_eq!(by_id("a")["status"], "409");
    assert!(
        by_id("a")["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("circular")
    );
    assert_eq!(by_id("b")["status"], "409");
    assert_eq!(by_id("c")["status"], "409");
    assert_eq!(
        by_id("d")["status"],
        "201",
        "unrelated operations still run"
    );
}

#[tokio::test]
async fn fail_on_errors_stops_processing() {
    let handler = handler();
    create(&handler, "User", user("taken")).await;
    let response = run(
        &handler,
        ScimOperationRequest::bulk(json!({
            "schemas": [BULK], "failOnErrors": 1,
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "1", "data": user("taken")},
                {"method": "POST", "path": "/Users", "bulkId": "2", "data": user("never-created")}
            ]
        })),
    )
    .await;
    let body = response.body.unwrap();
    assert_eq!(statuses(&body), ["409"]);
    assert_eq!(body["Operations"][0]["response"]["scimType"], "uniqueness");
    let list = run(&handler, ScimOperationRequest::list("User"))
        .await
        .body
        .unwrap();
    assert_eq!(list["totalResults"], 1);
}

#[tokio::test]
async fn limits_and_malformed_requests() {
    let handler = handler_with(ServiceConfig {
        bulk: BulkConfig {
            max_operations: 2,
            max_payload_size: 600,
        },
        ..ServiceConfig::new("/scim/v2")
    });
    let three: Vec<Value> = (0..3)
        .map(|i| json!({"method": "DELETE", "path": format!("/Users/{i}")}))
        .collect();
    let too_many = run(&handler, bulk(json!(three))).await;
    assert_eq!(
        (too_many.status.as_u16(), scim_type(&too_many)),
        (413, Some("tooMany"))
    );
    let big = json!([{"method": "POST", "path": "/Users", "bulkId": "x", "data": {"schemas": [USER], "userName": "x".repeat(700)}}]);
    assert_eq!(run(&handler, bulk(big)).await.status, 413);
    let mut sized = bulk(json!([]));
    sized.body_size = Some(10_000);
    assert_eq!(
        run(&handler, sized).await.status,
        413,
        "the received size counts when known"
    );

    for body in [
        json!({"Operations": []}),
        json!({"schemas": [BULK]}),
        json!({"schemas": [BULK], "Operations": [{"method": "POST", "path": "/Users", "data": {}}]}),
        json!({"schemas": [BULK], "failOnErrors": 0, "Operations": []}),
    ] {
        let response = run(&handler, ScimOperationRequest::bulk(body.clone())).await;
        assert_eq!(
            (response.status.as_u16(), scim_type(&response)),
            (400, Some("invalidSyntax")),
            "{body}"
        );
    }
    let odd = run(&handler, bulk(json!([{"method": "GET", "path": "/Users/1"}, {"method": "POST", "path": "/Bulk", "bulkId": "b", "data": {}}]))).await;
    assert_eq!(statuses(&odd.body.unwrap()), ["400", "400"]);
}

#[tokio::test]
async fn per_operation_versions_and_tenants() {
    let handler = handler();
    let id = create(&handler, "User", user("versioned")).await;
    let current = run(&handler, ScimOperationRequest::get("User", &id))
        .await
        .current_version
        .unwrap();
    let response = run(&handler, bulk(json!([
        {"method": "PUT", "path": format!("/Users/{id}"), "version": "W/\"stale\"", "data": user("v2")},
        {"method": "PUT", "path": format!("/Users/{id}"), "version": current.to_http_header(), "data": user("v3")},
        {"method": "DELETE", "path": format!("/Users/{id}"), "version": "not an etag"}
    ]))).await;
    let body = response.body.unwrap();
    assert_eq!(statuses(&body), ["412", "200", "400"]);
    assert_eq!(
        body["Operations"][2]["response"]["scimType"], "invalidValue",
        "a malformed precondition is invalidValue, not invalidVers (protocol version)"
    );

    let other = handler
        .handle(
            bulk(json!([{"method": "DELETE", "path": format!("/Users/{id}")}]))
                .with_context(RequestContext::new("other")),
        )
        .await;
    assert_eq!(
        statuses(&other.body.unwrap()),
        ["404"],
        "an id from another tenant is not found in bulk either"
    );
}
