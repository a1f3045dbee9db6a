//! Every compatibility switch, each with a request whose answer it changes: refused
//! under `strict`, accepted with only that switch on, and accepted under `lenient`.

use std::sync::Arc;

use bytes::Bytes;
use scim_http::{HttpConfig, ScimService, StaticTokens};
use scim_ops::{Compatibility, Profile, ScimOperationHandler, ServiceConfig};
use scim_provider::InMemoryProvider;
use scim_schema::SchemaRegistry;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A service whose one tenant has `compatibility`, holding the user Otto; and Otto's id.
async fn service(compatibility: Compatibility) -> (ScimService, String) {
    let mut config = ServiceConfig::new("/scim/v2");
    config.defaults.compatibility = compatibility;
    let handler = ScimOperationHandler::new(
        Arc::new(InMemoryProvider::new()),
        Arc::new(SchemaRegistry::default()),
        config,
    );
    let tokens = StaticTokens::new().with_token("t", "acme");
    let service = ScimService::new(handler, tokens, HttpConfig::default());
    let otto = json!({"schemas": [USER], "userName": "Otto", "emails": [
        {"value": "otto@work.example", "type": "work"},
        {"value": "otto@home.example", "type": "home"}
    ]});
    let (status, created) = send(&service, "POST", "/Users", Some(otto)).await;
    assert_eq!(status, 201);
    (service, created["id"].as_str().expect("id").to_owned())
}

async fn send(
    service: &ScimService,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(format!("/scim/v2{path}"))
        .header("authorization", "Bearer t")
        .header("content-type", "application/scim+json")
        .body(body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())))
        .expect("request");
    let response = service.handle(request).await;
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (response.status().as_u16(), body)
}

/// A switch, its request (`{id}` is Otto's id), the status without it and with it,
/// and what the accepted answer shows.
struct Row {
    switch: &'static str,
    method: &'static str,
    path: &'static str,
    body: fn(&str) -> Option<Value>,
    refused: u16,
    accepted: u16,
    shows: fn(&Value, &str) -> bool,
}

fn rows() -> Vec<Row> {
    vec![
        Row {
            switch: "string_booleans",
            method: "POST",
            path: "/Users",
            body: |_| Some(json!({"schemas": [USER], "userName": "b", "active": "True"})),
            refused: 400,
            accepted: 201,
            shows: |body, _| body["active"] == true,
        },
        Row {
            switch: "tolerate_unknown_schemas",
            method: "POST",
            path: "/Groups",
            body: |_| Some(json!({"schemas": [GROUP, "urn:example:unknown"], "displayName": "g"})),
            refused: 400,
            accepted: 201,
            shows: |body, _| body["displayName"] == "g",
        },
        Row {
            switch: "ignore_unknown_attributes",
            method: "POST",
            path: "/Users",
            body: |_| Some(json!({"schemas": [USER], "userName": "c", "favouriteColour": "blue"})),
            refused: 400,
            accepted: 201,
            shows: |body, _| body.get("favouriteColour").is_none(),
        },
        Row {
            switch: "allow_unknown_members",
            method: "POST",
            path: "/Groups",
            body: |_| {
                Some(
                    json!({"schemas": [GROUP], "displayName": "early", "members": [{"value": "not-yet"}]}),
                )
            },
            refused: 400,
            accepted: 201,
            shows: |body, _| body["members"][0]["value"] == "not-yet",
        },
        Row {
            switch: "patch_no_content",
            method: "PATCH",
            path: "/Users/{id}",
            body: |_| {
                Some(
                    json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "T"}]}),
                )
            },
            refused: 200,
            accepted: 204,
            shows: |body, _| body.is_null(),
        },
        Row {
            switch: "unquoted_filter_values",
            method: "GET",
            path: "/Users?filter=userName%20sw%20O%20and%20meta.created%20gt%202015-10-10T14:38:21Z",
            body: |_| None,
            refused: 400,
            accepted: 200,
            shows: |body, id| body["totalResults"] == 1 && body["Resources"][0]["id"] == id,
        },
        Row {
            switch: "projection_value_filters",
            method: "GET",
            path: "/Users/{id}?attributes=emails%5Btype%20eq%20%22work%22%5D",
            body: |_| None,
            refused: 400,
            accepted: 200,
            shows: |body, _| {
                body["emails"] == json!([{"value": "otto@work.example", "type": "work"}])
            },
        },
        Row {
            switch: "bare_string_members",
            method: "POST",
            path: "/Groups",
            body: |id| Some(json!({"schemas": [GROUP], "displayName": "bare", "members": [id]})),
            refused: 400,
            accepted: 201,
            shows: |body, id| body["members"][0]["value"] == id,
        },
    ]
}

#[tokio::test]
async fn each_switch_changes_its_answer_between_strict_and_lenient() {
    let rows = rows();
    let listed: Vec<&str> = rows.iter().map(|row| row.switch).collect();
    assert_eq!(listed, Compatibility::SWITCHES, "every switch has a row");
    for row in &rows {
        let mut only = Compatibility::strict();
        only.set(row.switch, true).expect("a switch");
        for (name, compatibility, accepts) in [
            ("strict", Profile::Strict.compatibility(), false),
            (
                "default",
                Profile::Default.compatibility(),
                Profile::Default
                    .compatibility()
                    .switches()
                    .contains(&(row.switch, true)),
            ),
            ("strict and the switch", only, true),
            ("lenient", Profile::Lenient.compatibility(), true),
        ] {
            let (service, id) = service(compatibility).await;
            let path = row.path.replace("{id}", &id);
            let (status, body) = send(&service, row.method, &path, (row.body)(&id)).await;
            let context = format!("{} under {name}: {body}", row.switch);
            match accepts {
                true => {
                    assert_eq!(status, row.accepted, "{context}");
                    assert!((row.shows)(&body, &id), "{context}");
                }
                false => assert_eq!(status, row.refused, "{context}"),
            }
        }
    }
}

#[tokio::test]
async fn patch_members_may_be_bare_ids_and_are_then_objects() {
    let (service, id) = service(Profile::Lenient.compatibility()).await;
    let (_, group) = send(
        &service,
        "POST",
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "g"})),
    )
    .await;
    let path = format!("/Groups/{}", group["id"].as_str().unwrap());
    for operations in [
        json!([{"op": "add", "path": "members", "value": [id]}]),
        json!([{"op": "add", "path": "members", "value": id}]),
        json!([{"op": "replace", "value": {"members": [id]}}]),
    ] {
        let patch = json!({"schemas": [PATCH_OP], "Operations": operations});
        let (status, _) = send(&service, "PATCH", &path, Some(patch)).await;
        assert_eq!(status, 204, "{operations}");
        let (_, read) = send(&service, "GET", &path, None).await;
        assert_eq!(
            read["members"].as_array().map(Vec::len),
            Some(1),
            "{operations}: {read}"
        );
        assert_eq!(read["members"][0]["value"], id.as_str());
    }
}
