//! What Microsoft Entra ID and Okta send, through the handler, and the switches.

mod common;

use common::*;
use scim_ops::{Compatibility, QueryParams, ScimOperationRequest, ServiceConfig, TenantConfig};
use scim_provider::RequestContext;
use serde_json::json;

#[tokio::test]
async fn entra_user_provisioning_flow() {
    let handler = handler();
    // Entra's first call: does the user exist?
    let probe = run(
        &handler,
        ScimOperationRequest::list("Users").with_query(QueryParams::from_pairs([(
            "filter",
            r#"userName eq "ada@contoso.com""#,
        )])),
    )
    .await;
    let body = probe.body.unwrap();
    assert_eq!(
        (body["totalResults"].as_u64(), body["Resources"].clone()),
        (Some(0), json!([]))
    );

    let id = create(
        &handler,
        "Users",
        json!({
            "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "externalId": "ada", "userName": "ada@contoso.com", "active": "True",
            "emails": [{"primary": true, "type": "work", "value": "ada@contoso.com"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"}
        }),
    )
    .await;
    let patch = patch_body(json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "boss"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada@fabrikam.com"},
        {"op": "Add", "path": "addresses[type eq \"work\"].locality", "value": "Redmond"}
    ]));
    let patched = run(&handler, ScimOperationRequest::patch("Users", &id, patch)).await;
    assert_eq!(patched.status.as_u16(), 200, "{:?}", patched.body);
    let body = patched.body.unwrap();
    assert_eq!(body["active"], false);
    assert_eq!(body["emails"][0]["value"], "ada@fabrikam.com");
    assert_eq!(
        body["addresses"][0],
        json!({"type": "work", "locality": "Redmond"})
    );
    assert_eq!(
        body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"],
        "boss"
    );

    let inactive = run(
        &handler,
        ScimOperationRequest::list("Users").with_query(QueryParams::from_pairs([(
            "filter",
            r#"externalId eq "ada""#,
        )])),
    )
    .await;
    assert_eq!(
        inactive.body.unwrap()["totalResults"],
        1,
        "inactive users are still found"
    );
}

#[tokio::test]
async fn entra_group_flow_with_membership_probe_and_value_array_remove() {
    let handler = handler();
    let u1 = create(&handler, "User", user("u1")).await;
    let u2 = create(&handler, "User", user("u2")).await;
    let gid = create(&handler, "Groups", json!({
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "displayName": "Engineering", "externalId": "eng", "members": []
    })).await;
    let add = patch_body(
        json!([{"op": "Add", "path": "members", "value": [{"value": u1}, {"value": u2}]}]),
    );
    assert_eq!(
        run(&handler, ScimOperationRequest::patch("Groups", &gid, add))
            .await
            .status,
        200
    );

    let probe = |member: &str| {
        ScimOperationRequest::list("Groups").with_query(QueryParams::from_pairs([
            (
                "filter",
                format!("id eq \"{gid}\" and members eq \"{member}\"").as_str(),
            ),
            ("excludedAttributes", "members"),
        ]))
    };
    let hit = run(&handler, probe(&u1)).await.body.unwrap();
    assert_eq!(hit["totalResults"], 1);
    assert!(hit["Resources"][0].get("members").is_none());

    let remove = patch_body(json!([{"op": "Remove", "path": "members", "value": [{"value": u1}]}]));
    assert_eq!(
        run(
            &handler,
            ScimOperationRequest::patch("Groups", &gid, remove)
        )
        .await
        .status,
        200
    );
    assert_eq!(
        run(&handler, probe(&u1)).await.body.unwrap()["totalResults"],
        0
    );
    assert_eq!(
        run(&handler, probe(&u2)).await.body.unwrap()["totalResults"],
        1
    );
}

#[tokio::test]
async fn okta_group_flow() {
    let handler = handler();
    let u1 = create(&handler, "User", user("okta-user")).await;
    let gid = create(&handler, "Groups", group("Okta", &[])).await;
    let patch = patch_body(json!([
        {"op": "replace", "value": {"id": gid, "displayName": "Okta Renamed"}},
        {"op": "add", "path": "members", "value": [{"value": u1, "display": "okta-user"}]}
    ]));
    let response = run(&handler, ScimOperationRequest::patch("Groups", &gid, patch)).await;
    assert_eq!(response.status.as_u16(), 200, "{:?}", response.body);
    let emptied = run(
        &handler,
        ScimOperationRequest::patch(
            "Groups",
            &gid,
            patch_body(json!([{"op": "replace", "path": "members", "value": []}])),
        ),
    )
    .await;
    assert!(emptied.body.unwrap().get("members").is_none());
    let user = run(&handler, ScimOperationRequest::get("User", &u1))
        .await
        .body
        .unwrap();
    assert!(
        user.get("groups").is_none(),
        "User.groups follows the emptied group"
    );
}

#[tokio::test]
async fn compatibility_switches_per_tenant() {
    let handler = handler_with(ServiceConfig::new("/scim/v2").with_tenant(
        "strict",
        TenantConfig {
            compatibility: Compatibility::strict(),
            ..TenantConfig::default()
        },
    ));
    let body = json!({"schemas": [USER], "userName": "s", "active": "True"});
    let strict = handler
        .handle(
            ScimOperationRequest::create("User", body.clone())
                .with_context(RequestContext::new("strict")),
        )
        .await;
    assert_eq!(
        (strict.status.as_u16(), scim_type(&strict)),
        (400, Some("invalidValue"))
    );
    let lenient = handler
        .handle(
            ScimOperationRequest::create("User", body).with_context(RequestContext::new("lenient")),
        )
        .await;
    assert_eq!(lenient.status.as_u16(), 201);
    assert_eq!(lenient.body.unwrap()["active"], true);

    let extra = json!({"schemas": [GROUP, "urn:example:unknown"], "displayName": "G"});
    let strict = handler
        .handle(
            ScimOperationRequest::create("Group", extra.clone())
                .with_context(RequestContext::new("strict")),
        )
        .await;
    assert_eq!(strict.status.as_u16(), 400);
    let lenient = handler
        .handle(
            ScimOperationRequest::create("Group", extra)
                .with_context(RequestContext::new("lenient")),
        )
        .await;
    assert_eq!(lenient.status.as_u16(), 201);
}
