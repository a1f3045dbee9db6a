//! The request/response examples of RFC 7644, through the handler.

mod common;

use common::*;
use scim_ops::{QueryParams, ScimOperationRequest};
use serde_json::json;

/// Section 3.3: creating a User; section 3.4.1: reading it back.
#[tokio::test]
async fn section_3_3_create_and_3_4_1_get() {
    let handler = handler();
    let created = run(&handler, ScimOperationRequest::create("/Users", json!({
        "schemas": [USER],
        "userName": "bjensen",
        "externalId": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"}
    }))).await;
    assert_eq!(created.status.as_u16(), 201);
    let body = created.body.unwrap();
    for key in ["id", "userName", "externalId", "name", "meta", "schemas"] {
        assert!(body.get(key).is_some(), "{key} in the 201 body");
    }
    let id = body["id"].as_str().unwrap();
    let fetched = run(&handler, ScimOperationRequest::get("/Users", id)).await;
    assert_eq!(fetched.status.as_u16(), 200);
    assert_eq!(fetched.body.unwrap(), body);
    assert_eq!(
        fetched.current_version, created.current_version,
        "the ETag of GET equals the one of POST"
    );
}

/// Section 3.4.2: a filtered query returning a ListResponse.
#[tokio::test]
async fn section_3_4_2_query() {
    let handler = handler();
    create(&handler, "User", json!({"schemas": [USER], "userName": "Smith", "name": {"familyName": "Smith"}, "title": "Tour Guide"})).await;
    let response = run(
        &handler,
        ScimOperationRequest::list("/Users").with_query(QueryParams::from_pairs([
            ("attributes", "displayName"),
            ("filter", "name.familyName eq \"smith\""),
        ])),
    )
    .await;
    let body = response.body.unwrap();
    assert_eq!(body["totalResults"], 1);
    assert!(body["Resources"][0].get("title").is_none());
    assert!(
        body["Resources"][0].get("id").is_some(),
        "id is always returned"
    );
}

/// Section 3.4.3: POST /.search.
#[tokio::test]
async fn section_3_4_3_search() {
    let handler = handler();
    create(
        &handler,
        "User",
        json!({"schemas": [USER], "userName": "J-1", "displayName": "Jane"}),
    )
    .await;
    let response = run(
        &handler,
        ScimOperationRequest::search(
            None,
            json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                "attributes": ["displayName", "userName"],
                "filter": "displayName sw \"smith\"",
                "startIndex": 1,
                "count": 10
            }),
        ),
    )
    .await;
    assert_eq!(response.body.unwrap()["totalResults"], 0);
}

/// Section 3.5.1: PUT replaces the resource.
#[tokio::test]
async fn section_3_5_1_replace() {
    let handler = handler();
    let id = create(&handler, "User", json!({"schemas": [USER], "userName": "bjensen", "emails": [{"value": "bjensen@example.com"}]})).await;
    let response = run(&handler, ScimOperationRequest::replace("/Users", &id, json!({
        "schemas": [USER], "id": id, "userName": "bjensen", "externalId": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara", "middleName": "Jane"},
        "roles": [], "emails": [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}]
    }))).await;
    assert_eq!(response.status.as_u16(), 200);
    let body = response.body.unwrap();
    assert_eq!(body["name"]["middleName"], "Jane");
    assert_eq!(body["emails"].as_array().unwrap().len(), 2);
    assert!(body.get("roles").is_none(), "an empty array is unassigned");
}

/// Section 3.5.2.1: adding a member; section 3.6: deleting.
#[tokio::test]
async fn section_3_5_2_patch_and_3_6_delete() {
    let handler = handler();
    let member = create(&handler, "User", user("babs")).await;
    let gid = create(&handler, "Group", group("Tour Guides", &[])).await;
    let response = run(&handler, ScimOperationRequest::patch("/Groups", &gid, patch_body(json!([{
        "op": "add", "path": "members",
        "value": [{"display": "Babs Jensen", "$ref": format!("https://example.com/v2/Users/{member}"), "value": member}]
    }])))).await;
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(response.body.unwrap()["members"][0]["value"], member);
    assert_eq!(
        run(&handler, ScimOperationRequest::delete("/Users", &member))
            .await
            .status,
        204
    );
    let group = run(&handler, ScimOperationRequest::get("/Groups", &gid))
        .await
        .body
        .unwrap();
    assert!(group.get("members").is_none());
}
