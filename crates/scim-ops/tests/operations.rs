//! Every operation through the handler, with its status codes and errors.

mod common;

use std::sync::Arc;

use common::*;
use scim_ops::{
    Compatibility, MeMapping, QueryParams, ScimOperation, ScimOperationHandler,
    ScimOperationRequest, ServiceConfig, Target, TenantConfig,
};
use scim_provider::{InMemoryProvider, RequestContext, ResourceProvider};
use scim_schema::SchemaRegistry;
use scim_version::{Precondition, ScimVersion};
use serde_json::json;

fn query(pairs: &[(&str, &str)]) -> QueryParams {
    QueryParams::from_pairs(pairs.iter().copied())
}

#[tokio::test]
async fn create_sets_id_meta_location_and_version() {
    let handler = handler();
    let response = run(&handler, ScimOperationRequest::create("Users", json!({
        "schemas": [USER], "userName": "bjensen", "id": "client-chosen", "externalId": "bjensen",
        "name": {"formatted": "Ms. Barbara J Jensen III", "familyName": "Jensen", "givenName": "Barbara"}
    }))).await;
    assert_eq!(response.status.as_u16(), 201);
    let body = response.body.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_ne!(id, "client-chosen", "id is server-assigned");
    let meta = &body["meta"];
    assert_eq!(meta["resourceType"], "User");
    assert!(meta["created"].is_string() && meta["lastModified"].is_string());
    let location = format!("https://example.com/scim/v2/Users/{id}");
    assert_eq!(meta["location"], location);
    assert_eq!(response.location.as_deref(), Some(location.as_str()));
    assert_eq!(
        meta["version"],
        response.current_version.unwrap().to_http_header()
    );
    assert_eq!(body["schemas"], json!([USER]));
}

#[tokio::test]
async fn create_conflicts_and_bad_bodies() {
    let handler = handler();
    create(&handler, "User", user("bjensen")).await;
    let duplicate = run(
        &handler,
        ScimOperationRequest::create("User", user("BJensen")),
    )
    .await;
    assert_eq!(
        (duplicate.status.as_u16(), scim_type(&duplicate)),
        (409, Some("uniqueness"))
    );
    let body = duplicate.body.unwrap();
    assert_eq!(body["status"], "409");
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );

    let cases = [
        (json!({"schemas": [USER]}), 400, "invalidValue"),
        (
            json!({"schemas": [USER], "userName": "x", "bogus": 1}),
            400,
            "invalidSyntax",
        ),
        (
            json!({"schemas": [USER], "userName": 7}),
            400,
            "invalidValue",
        ),
        (json!("not an object"), 400, "invalidSyntax"),
    ];
    for (body, status, kind) in cases {
        let response = run(&handler, ScimOperationRequest::create("User", body.clone())).await;
        assert_eq!(
            (response.status.as_u16(), scim_type(&response)),
            (status, Some(kind)),
            "{body}"
        );
    }
    let unknown = run(&handler, ScimOperationRequest::create("Widgets", user("x"))).await;
    assert_eq!(unknown.status.as_u16(), 404);
}

#[tokio::test]
async fn projection_applies_to_create_get_and_list() {
    let handler = handler();
    let response = run(
        &handler,
        ScimOperationRequest::create(
            "User",
            json!({"schemas": [USER], "userName": "p", "title": "T", "password": "secret"}),
        )
        .with_query(query(&[("attributes", "userName")])),
    )
    .await;
    let body = response.body.unwrap();
    assert_eq!(body["userName"], "p");
    assert!(body.get("title").is_none() && body.get("password").is_none());
    let id = body["id"].as_str().unwrap().to_owned();
    let got = run(
        &handler,
        ScimOperationRequest::get("User", &id)
            .with_query(query(&[("excludedAttributes", "title,meta")])),
    )
    .await;
    let body = got.body.unwrap();
    assert!(body.get("title").is_none() && body.get("meta").is_none());
    assert!(body.get("password").is_none(), "password is never returned");
}

#[tokio::test]
async fn get_with_preconditions() {
    let handler = handler();
    let id = create(&handler, "User", user("g")).await;
    let got = run(&handler, ScimOperationRequest::get("User", &id)).await;
    assert_eq!(got.status.as_u16(), 200);
    let version = got.current_version.unwrap();

    let cached = run(
        &handler,
        ScimOperationRequest::get("User", &id)
            .with_if_none_match(Precondition::Tags(vec![version.clone()])),
    )
    .await;
    assert_eq!((cached.status.as_u16(), cached.body.is_none()), (304, true));
    assert_eq!(cached.current_version.as_ref(), Some(&version));

    let stale = ScimVersion::from_hash("stale").unwrap();
    let fresh = run(
        &handler,
        ScimOperationRequest::get("User", &id)
            .with_if_none_match(Precondition::Tags(vec![stale.clone()])),
    )
    .await;
    assert_eq!(fresh.status.as_u16(), 200);
    let mismatch = run(
        &handler,
        ScimOperationRequest::get("User", &id).if_match(&stale),
    )
    .await;
    assert_eq!(mismatch.status.as_u16(), 412);
    assert_eq!(mismatch.current_version.as_ref(), Some(&version));

    let missing = run(
        &handler,
        ScimOperationRequest::get("User", "nope").if_match(&stale),
    )
    .await;
    assert_eq!(
        missing.status.as_u16(),
        404,
        "preconditions never hide a 404"
    );
}

#[tokio::test]
async fn replace_semantics() {
    let handler = handler();
    let id = create(
        &handler,
        "User",
        json!({"schemas": [USER], "userName": "r", "password": "p1"}),
    )
    .await;
    let v1 = run(&handler, ScimOperationRequest::get("User", &id))
        .await
        .current_version
        .unwrap();

    let replaced = run(&handler, ScimOperationRequest::replace("User", &id, json!({
        "schemas": [USER], "id": id, "userName": "r2", "meta": {"created": "1999-01-01T00:00:00Z"}, "groups": [{"value": "g"}]
    })).if_match(&v1)).await;
    assert_eq!(replaced.status.as_u16(), 200, "{:?}", replaced.body);
    let body = replaced.body.unwrap();
    assert_eq!(body["userName"], "r2");
    assert_ne!(
        body["meta"]["created"], "1999-01-01T00:00:00Z",
        "readOnly meta ignored"
    );
    assert!(body.get("groups").is_none(), "readOnly groups ignored");
    let v2 = replaced.current_version.unwrap();
    assert_ne!(v1, v2);

    let stale = run(
        &handler,
        ScimOperationRequest::replace("User", &id, user("r3")).if_match(&v1),
    )
    .await;
    assert_eq!(stale.status.as_u16(), 412);
    assert_eq!(
        stale.version_conflict.as_ref().map(|c| c.current().clone()),
        Some(v2.clone())
    );

    let mismatch = run(
        &handler,
        ScimOperationRequest::replace(
            "User",
            &id,
            json!({"schemas": [USER], "id": "other", "userName": "x"}),
        ),
    )
    .await;
    assert_eq!(
        (mismatch.status.as_u16(), scim_type(&mismatch)),
        (400, Some("invalidValue"))
    );

    let exists = run(
        &handler,
        ScimOperationRequest::replace("User", &id, user("r4"))
            .with_if_none_match(Precondition::Any),
    )
    .await;
    assert_eq!(
        exists.status, 412,
        "If-None-Match: * on an existing resource"
    );

    let missing = run(
        &handler,
        ScimOperationRequest::replace("User", "nope", user("x")),
    )
    .await;
    assert_eq!(missing.status.as_u16(), 404);
}

#[tokio::test]
async fn patch_semantics() {
    let handler = handler();
    let u1 = create(&handler, "User", user("p1")).await;
    let gid = create(&handler, "Group", group("G", &[&u1])).await;

    let renamed = run(
        &handler,
        ScimOperationRequest::patch(
            "Group",
            &gid,
            patch_body(json!([
                {"op": "replace", "path": "displayName", "value": "Renamed"}
            ])),
        )
        .with_query(query(&[("excludedAttributes", "members")])),
    )
    .await;
    assert_eq!(renamed.status.as_u16(), 200);
    let body = renamed.body.unwrap();
    assert_eq!(body["displayName"], "Renamed");
    assert!(
        body.get("members").is_none(),
        "excludedAttributes applies to PATCH responses"
    );

    let user_view = run(&handler, ScimOperationRequest::get("User", &u1))
        .await
        .body
        .unwrap();
    assert_eq!(
        user_view["groups"][0]["display"], "Renamed",
        "User.groups is never stale"
    );

    for (ops, status, kind) in [
        (json!([{"op": "remove"}]), 400, "noTarget"),
        (
            json!([{"op": "replace", "path": "nosuch", "value": 1}]),
            400,
            "invalidPath",
        ),
        (
            json!([{"op": "replace", "path": "id", "value": "x"}]),
            400,
            "mutability",
        ),
        (
            json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]),
            400,
            "invalidValue",
        ),
    ] {
        let response = run(
            &handler,
            ScimOperationRequest::patch("Group", &gid, patch_body(ops.clone())),
        )
        .await;
        assert_eq!(
            (response.status.as_u16(), scim_type(&response)),
            (status, Some(kind)),
            "{ops}"
        );
    }
    let stale = ScimVersion::from_hash("stale").unwrap();
    let refused = run(
        &handler,
        ScimOperationRequest::patch(
            "Group",
            &gid,
            patch_body(json!([{"op": "replace", "path": "displayName", "value": "X"}])),
        )
        .if_match(&stale),
    )
    .await;
    assert_eq!(refused.status.as_u16(), 412);
    let refused_delta = run(
        &handler,
        ScimOperationRequest::patch(
            "Group",
            &gid,
            patch_body(json!([{"op": "add", "path": "members", "value": [{"value": u1}]}])),
        )
        .if_match(&stale),
    )
    .await;
    assert_eq!(
        refused_delta.status, 412,
        "the membership fast path honours If-Match"
    );
    let missing = run(
        &handler,
        ScimOperationRequest::patch(
            "Group",
            "nope",
            patch_body(json!([{"op": "add", "path": "members", "value": [{"value": u1}]}])),
        ),
    )
    .await;
    assert_eq!(missing.status.as_u16(), 404);
}

#[tokio::test]
async fn patch_may_answer_no_content() {
    let mut config = ServiceConfig::new("/scim/v2");
    config.defaults.compatibility.patch_no_content = true;
    let handler = handler_with(config);
    let id = create(&handler, "User", user("nc")).await;
    let response = run(
        &handler,
        ScimOperationRequest::patch(
            "User",
            &id,
            patch_body(json!([{"op": "add", "path": "title", "value": "T"}])),
        ),
    )
    .await;
    assert_eq!(
        (response.status.as_u16(), response.body.is_none()),
        (204, true)
    );
    assert!(response.current_version.is_some());
}

#[tokio::test]
async fn delete_semantics() {
    let handler = handler();
    let id = create(&handler, "User", user("d")).await;
    let stale = ScimVersion::from_hash("stale").unwrap();
    assert_eq!(
        run(
            &handler,
            ScimOperationRequest::delete("User", &id).if_match(&stale)
        )
        .await
        .status,
        412
    );
    assert_eq!(
        run(&handler, ScimOperationRequest::delete("User", &id))
            .await
            .status,
        204
    );
    assert_eq!(
        run(&handler, ScimOperationRequest::delete("User", &id))
            .await
            .status,
        404
    );
    assert_eq!(
        run(&handler, ScimOperationRequest::get("User", &id))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn listing_filters_pages_and_errors() {
    let handler = handler();
    for i in 0..5 {
        create(
            &handler,
            "User",
            json!({"schemas": [USER], "userName": format!("u{i}"), "active": i != 2}),
        )
        .await;
    }
    let list = |pairs: &[(&str, &str)]| ScimOperationRequest::list("User").with_query(query(pairs));
    let body = run(&handler, list(&[])).await.body.unwrap();
    assert_eq!(
        (
            body["totalResults"].as_u64(),
            body["startIndex"].as_u64(),
            body["itemsPerPage"].as_u64()
        ),
        (Some(5), Some(1), Some(5))
    );
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );

    let inactive = run(&handler, list(&[("filter", "active eq false")]))
        .await
        .body
        .unwrap();
    assert_eq!(
        inactive["Resources"][0]["userName"], "u2",
        "inactive users are still returned"
    );
    let none = run(&handler, list(&[("filter", r#"userName eq "nobody""#)]))
        .await
        .body
        .unwrap();
    assert_eq!(
        (none["totalResults"].as_u64(), none["Resources"].clone()),
        (Some(0), json!([]))
    );

    let sorted = run(
        &handler,
        list(&[
            ("sortBy", "userName"),
            ("sortOrder", "descending"),
            ("startIndex", "2"),
            ("count", "2"),
        ]),
    )
    .await
    .body
    .unwrap();
    let names: Vec<&str> = sorted["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["u3", "u2"]);
    assert_eq!(sorted["startIndex"], 2);

    let totals = run(&handler, list(&[("count", "0")])).await.body.unwrap();
    assert_eq!(
        (totals["totalResults"].as_u64(), totals["Resources"].clone()),
        (Some(5), json!([]))
    );
    let negative = run(&handler, list(&[("count", "-3")])).await.body.unwrap();
    assert_eq!(negative["itemsPerPage"], 0, "a negative count means 0");

    let first = run(&handler, list(&[("count", "2"), ("cursor", "")]))
        .await
        .body
        .unwrap();
    let next = first["nextCursor"].as_str().unwrap().to_owned();
    let second = run(&handler, list(&[("count", "2"), ("cursor", &next)]))
        .await
        .body
        .unwrap();
    assert_eq!(second["Resources"][0]["userName"], "u2");
    assert!(second["previousCursor"].is_string());

    for (pairs, kind) in [
        (vec![("filter", "userName eq")], "invalidFilter"),
        (vec![("startIndex", "abc")], "invalidValue"),
        (
            vec![("sortOrder", "sideways"), ("sortBy", "userName")],
            "invalidValue",
        ),
        (vec![("cursor", "garbage")], "invalidCursor"),
        (vec![("attributes", "not an attribute!")], "invalidPath"),
    ] {
        let response = run(&handler, list(&pairs)).await;
        assert_eq!(
            (response.status.as_u16(), scim_type(&response)),
            (400, Some(kind)),
            "{pairs:?}"
        );
    }
}

#[tokio::test]
async fn page_size_is_capped_per_tenant() {
    let config = ServiceConfig::new("/scim/v2").with_tenant(
        "small",
        TenantConfig {
            max_page_size: 2,
            ..TenantConfig::default()
        },
    );
    let handler = handler_with(config);
    let small = RequestContext::new("small");
    for i in 0..3 {
        let response = handler
            .handle(
                ScimOperationRequest::create("User", user(&format!("s{i}")))
                    .with_context(small.clone()),
            )
            .await;
        assert_eq!(response.status.as_u16(), 201);
    }
    let page = handler
        .handle(
            ScimOperationRequest::list("User")
                .with_query(query(&[("count", "50")]))
                .with_context(small),
        )
        .await;
    let body = page.body.unwrap();
    assert_eq!(
        (body["itemsPerPage"].as_u64(), body["totalResults"].as_u64()),
        (Some(2), Some(3))
    );
}

#[tokio::test]
async fn search_per_type_and_at_the_root() {
    let handler = handler();
    create(&handler, "User", user("searcher")).await;
    create(&handler, "Group", group("Searchers", &[])).await;
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                      "filter": r#"userName sw "search""#, "attributes": ["userName"], "startIndex": 1, "count": 10});
    let typed = run(&handler, ScimOperationRequest::search(Some("Users"), body))
        .await
        .body
        .unwrap();
    assert_eq!(typed["totalResults"], 1);
    assert!(typed["Resources"][0].get("meta").is_none());
    let root = run(
        &handler,
        ScimOperationRequest::search(
            None,
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}),
        ),
    )
    .await
    .body
    .unwrap();
    assert_eq!(
        root["totalResults"], 2,
        "the root search spans every resource type"
    );
    let bad = run(
        &handler,
        ScimOperationRequest::search(Some("Users"), json!({"count": "many"})),
    )
    .await;
    assert_eq!(
        (bad.status.as_u16(), scim_type(&bad)),
        (400, Some("invalidValue"))
    );
}

/// A store without atomic conditional writes, behind the explicit wrapper.
struct Plain(InMemoryProvider);

#[async_trait::async_trait]
impl scim_provider::NonAtomicStore for Plain {
    async fn create(
        &self,
        c: &RequestContext,
        t: &str,
        r: serde_json::Value,
    ) -> Result<scim_provider::VersionedResource, scim_provider::ProviderError> {
        self.0.create(c, t, r).await
    }
    async fn get(
        &self,
        c: &RequestContext,
        t: &str,
        id: &str,
    ) -> Result<scim_provider::VersionedResource, scim_provider::ProviderError> {
        self.0.get(c, t, id).await
    }
    async fn replace(
        &self,
        c: &RequestContext,
        t: &str,
        id: &str,
        r: serde_json::Value,
    ) -> Result<scim_provider::VersionedResource, scim_provider::ProviderError> {
        self.0.replace(c, t, id, r, None).await
    }
    async fn delete(
        &self,
        c: &RequestContext,
        t: &str,
        id: &str,
    ) -> Result<(), scim_provider::ProviderError> {
        self.0.delete(c, t, id, None).await
    }
    async fn list(
        &self,
        c: &RequestContext,
        t: &str,
        q: &scim_provider::ListQuery,
    ) -> Result<scim_provider::ListPage, scim_provider::ProviderError> {
        self.0.list(c, t, q).await
    }
    async fn update_members(
        &self,
        c: &RequestContext,
        t: &str,
        id: &str,
        d: &scim_provider::MembershipDelta,
    ) -> Result<ScimVersion, scim_provider::ProviderError> {
        self.0.update_members(c, t, id, d, None).await
    }
}

#[tokio::test]
async fn a_non_atomic_store_still_refuses_a_stale_if_match() {
    let plain = ScimOperationHandler::new(
        Arc::new(scim_provider::NonAtomicProvider::new(Plain(
            InMemoryProvider::new(),
        ))),
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::default(),
    );
    let id = &create(&plain, "User", user("plain")).await;
    let version = run(&plain, ScimOperationRequest::get("User", id))
        .await
        .current_version
        .unwrap();
    let rename = |name: &str| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "replace", "path": "userName", "value": name}]})
    };
    let first = ScimOperationRequest::patch("User", id, rename("plain-2")).if_match(&version);
    assert_eq!(run(&plain, first).await.status, 200);
    let stale = ScimOperationRequest::patch("User", id, rename("plain-3")).if_match(&version);
    assert_eq!(run(&plain, stale).await.status, 412);
}

#[tokio::test]
async fn discovery_reflects_real_capabilities() {
    let handler = handler();
    let spc = run(
        &handler,
        ScimOperationRequest::new(ScimOperation::ServiceProviderConfig),
    )
    .await
    .body
    .unwrap();
    assert_eq!(spc["etag"]["supported"], true);
    assert_eq!(spc["patch"]["supported"], true);
    assert_eq!(spc["bulk"]["maxOperations"], 1000);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");

    let types = run(
        &handler,
        ScimOperationRequest::new(ScimOperation::ResourceTypes { id: None }),
    )
    .await
    .body
    .unwrap();
    assert_eq!(types["totalResults"], 2);
    let by_id = |id: &str| {
        ScimOperationRequest::new(ScimOperation::ResourceTypes {
            id: Some(id.into()),
        })
    };
    assert_eq!(
        run(&handler, by_id("Group")).await.body.unwrap()["endpoint"],
        "/Groups"
    );
    let by_id = by_id("Nope");
    assert_eq!(run(&handler, by_id).await.status, 404);

    let schemas = run(
        &handler,
        ScimOperationRequest::new(ScimOperation::Schemas { id: None }),
    )
    .await
    .body
    .unwrap();
    assert_eq!(schemas["totalResults"], 6);
    let schema = ScimOperationRequest::new(ScimOperation::Schemas {
        id: Some(USER.into()),
    });
    assert_eq!(run(&handler, schema).await.body.unwrap()["name"], "User");
}

#[tokio::test]
async fn me_maps_to_the_principal_when_configured() {
    let off = handler();
    let response = off
        .handle(
            ScimOperationRequest::new(ScimOperation::Get { target: Target::Me })
                .with_context(RequestContext::new("t").with_principal("bjensen")),
        )
        .await;
    assert_eq!(response.status.as_u16(), 501);

    let handler = handler_with(ServiceConfig {
        me: MeMapping::UserName,
        ..ServiceConfig::new("/scim/v2")
    });
    let ctx = RequestContext::new("t").with_principal("bjensen");
    let created = handler
        .handle(ScimOperationRequest::create("User", user("bjensen")).with_context(ctx.clone()))
        .await;
    assert_eq!(created.status.as_u16(), 201);
    let me = handler
        .handle(
            ScimOperationRequest::new(ScimOperation::Get { target: Target::Me })
                .with_context(ctx.clone()),
        )
        .await;
    assert_eq!(me.status.as_u16(), 200);
    assert_eq!(me.body.unwrap()["userName"], "bjensen");
    let nobody = handler
        .handle(
            ScimOperationRequest::new(ScimOperation::Get { target: Target::Me })
                .with_context(RequestContext::new("t").with_principal("ghost")),
        )
        .await;
    assert_eq!(nobody.status.as_u16(), 404);
}

#[tokio::test]
async fn group_membership_stays_consistent() {
    let handler = handler();
    let u = create(&handler, "User", user("member")).await;
    let gid = create(&handler, "Group", group("Team", &[&u])).await;
    let user_view = run(&handler, ScimOperationRequest::get("User", &u))
        .await
        .body
        .unwrap();
    assert_eq!(user_view["groups"][0]["value"], gid);
    assert_eq!(
        run(&handler, ScimOperationRequest::delete("User", &u))
            .await
            .status,
        204
    );
    let group_view = run(&handler, ScimOperationRequest::get("Group", &gid))
        .await
        .body
        .unwrap();
    assert!(
        group_view.get("members").is_none(),
        "deleting a user removes it from its groups"
    );

    let unknown = run(
        &handler,
        ScimOperationRequest::create("Group", group("Ghosts", &["ghost"])),
    )
    .await;
    assert_eq!(
        (unknown.status.as_u16(), scim_type(&unknown)),
        (400, Some("invalidValue"))
    );
    let lenient = handler_with(ServiceConfig::new("/scim/v2").with_tenant(
        "test",
        TenantConfig {
            compatibility: Compatibility {
                allow_unknown_members: true,
                ..Compatibility::default()
            },
            ..TenantConfig::default()
        },
    ));
    create(&lenient, "Group", group("Ghosts", &["ghost"])).await;
}

#[tokio::test]
async fn tenants_never_see_each_other() {
    let handler = handler();
    let a = RequestContext::new("a");
    let b = RequestContext::new("b");
    let created = handler
        .handle(ScimOperationRequest::create("User", user("iso")).with_context(a.clone()))
        .await;
    let id = created.body.unwrap()["id"].as_str().unwrap().to_owned();
    for request in [
        ScimOperationRequest::get("User", &id),
        ScimOperationRequest::replace("User", &id, user("x")),
        ScimOperationRequest::patch(
            "User",
            &id,
            patch_body(json!([{"op": "add", "path": "title", "value": "x"}])),
        ),
        ScimOperationRequest::delete("User", &id),
    ] {
        assert_eq!(
            handler.handle(request.with_context(b.clone())).await.status,
            404
        );
    }
    let listed = handler
        .handle(ScimOperationRequest::list("User").with_context(b))
        .await
        .body
        .unwrap();
    assert_eq!(listed["totalResults"], 0);
    assert_eq!(
        handler
            .handle(ScimOperationRequest::get("User", &id).with_context(a))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn serialized_reads_equal_parsed_reads() {
    let handler = handler();
    let plain = create(
        &handler,
        "User",
        json!({"schemas": [USER], "userName": "fast", "name": {"givenName": "F"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "meta"}}),
    )
    .await;
    let secret = create(
        &handler,
        "User",
        json!({"schemas": [USER], "userName": "secret", "password": "p"}),
    )
    .await;
    let member = create(&handler, "User", user("member-of")).await;
    create(&handler, "Group", group("G", &[&member])).await;
    for id in [&plain, &secret, &member] {
        let parsed = run(&handler, ScimOperationRequest::get("User", id)).await;
        let mut request = ScimOperationRequest::get("User", id);
        request.serialized_ok = true;
        let fast = run(&handler, request).await;
        assert_eq!(fast.current_version, parsed.current_version);
        let body = match &fast.serialized_body {
            Some(text) => serde_json::from_str(text).unwrap(),
            None => fast.body.clone().unwrap(),
        };
        assert_eq!(body, parsed.body.unwrap(), "{id}");
    }
    // Served from stored JSON when that JSON is the whole answer; a stored password
    // is left out of the returnable text, never handed out.
    let mut request = ScimOperationRequest::get("User", &plain);
    request.serialized_ok = true;
    assert!(run(&handler, request).await.serialized_body.is_some());
    let mut request = ScimOperationRequest::get("User", &secret);
    request.serialized_ok = true;
    let text = run(&handler, request).await.serialized_body.unwrap();
    assert!(!text.contains("password"), "{text}");
    let mut request =
        ScimOperationRequest::get("User", &plain).with_if_none_match(Precondition::Any);
    request.serialized_ok = true;
    assert_eq!(run(&handler, request).await.status, 304);
}

#[tokio::test]
async fn strong_if_match_comparison_refuses_weak_tags_everywhere() {
    let handler = handler_with(ServiceConfig {
        if_match_comparison: scim_version::Comparison::Strong,
        ..ServiceConfig::new("/scim/v2")
    });
    let member = create(&handler, "User", user("strong-member")).await;
    let gid = create(&handler, "Group", group("Strong", &[])).await;
    let version = run(&handler, ScimOperationRequest::get("Group", &gid))
        .await
        .current_version
        .unwrap();
    // Every SCIM version is weak, so under strong comparison no If-Match can match.
    let members =
        patch_body(json!([{"op": "add", "path": "members", "value": [{"value": member}]}]));
    let refused = run(
        &handler,
        ScimOperationRequest::patch("Group", &gid, members).if_match(&version),
    )
    .await;
    assert_eq!(
        refused.status, 412,
        "the membership fast path honours strong comparison"
    );
    let rename = patch_body(json!([{"op": "replace", "path": "displayName", "value": "X"}]));
    assert_eq!(
        run(
            &handler,
            ScimOperationRequest::patch("Group", &gid, rename).if_match(&version)
        )
        .await
        .status,
        412
    );
}

/// Root search pages like a per-type search: every window of the concatenation (type
/// order, then creation order) or of the merged sort, with exact totals and the page
/// size capped by `maxResults`.
#[tokio::test]
async fn root_search_is_paged_and_sorted_across_types() {
    let handler = handler_with(ServiceConfig {
        defaults: TenantConfig {
            max_page_size: 4,
            ..TenantConfig::default()
        },
        ..ServiceConfig::new("/scim/v2")
    });
    let mut users = Vec::new();
    for name in ["d-user", "b-user", "f-user"] {
        let mut body = user(name);
        body["displayName"] = json!(name);
        users.push(create(&handler, "User", body).await);
    }
    let mut groups = Vec::new();
    for name in ["e-group", "a-group", "c-group"] {
        groups.push(create(&handler, "Group", group(name, &[])).await);
    }
    let search = |extra: serde_json::Value| {
        let mut body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let handler = handler.clone();
        async move {
            let page = run(&handler, ScimOperationRequest::search(None, body))
                .await
                .body
                .unwrap();
            let ids: Vec<String> = page["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned())
                .collect();
            (page["totalResults"].as_u64().unwrap(), ids)
        }
    };
    let everything: Vec<String> = users.iter().chain(&groups).cloned().collect();
    for start in 1..=7 {
        for count in 0..=5 {
            let (total, ids) = search(json!({"startIndex": start, "count": count})).await;
            let from = (start - 1).min(6);
            let expected: Vec<String> = everything[from..]
                .iter()
                .take(count.min(4))
                .cloned()
                .collect();
            assert_eq!(
                (total, ids),
                (6, expected),
                "startIndex {start} count {count}"
            );
        }
    }
    // Sorted by displayName across both types: a, b, c, d, e, f.
    let sorted = [
        &groups[1], &users[1], &groups[2], &users[0], &groups[0], &users[2],
    ];
    for start in 1..=6 {
        let (total, ids) =
            search(json!({"sortBy": "displayName", "startIndex": start, "count": 2})).await;
        let expected: Vec<String> = sorted[start - 1..]
            .iter()
            .take(2)
            .map(|s| s.to_string())
            .collect();
        assert_eq!((total, ids), (6, expected), "sorted from {start}");
    }
    let (_, descending) =
        search(json!({"sortBy": "displayName", "sortOrder": "descending", "count": 3})).await;
    let expected: Vec<String> = sorted.iter().rev().take(3).map(|s| s.to_string()).collect();
    assert_eq!(descending, expected);
}
