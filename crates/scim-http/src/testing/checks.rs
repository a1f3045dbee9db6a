//! The checks of [`run_http_test_suite`](super::run_http_test_suite).

use bytes::Bytes;
use http::{Method, Request, Response};
use serde_json::{Value, json};

use super::{OTHER_TOKEN, PROXY_ORIGIN, Suite, SuiteConfig, TOKEN, TestClient};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A request to `{prefix}{path}`, as [`TOKEN`], through the suite's proxy if it has one.
struct Call {
    builder: http::request::Builder,
    body: Bytes,
}

fn call(suite: &Suite, method: Method, path: &str) -> Call {
    call_under(suite, &suite.prefix, method, path)
}

fn call_under(suite: &Suite, prefix: &str, method: Method, path: &str) -> Call {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("{prefix}{path}"))
        .header("authorization", format!("Bearer {TOKEN}"));
    if suite.config == SuiteConfig::BehindProxy {
        let host = PROXY_ORIGIN.trim_start_matches("https://");
        builder = builder
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-host", host);
    }
    Call {
        builder,
        body: Bytes::new(),
    }
}

impl Call {
    fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    fn json(mut self, body: &Value) -> Self {
        self.builder = self.builder.header("content-type", "application/scim+json");
        self.body = Bytes::from(body.to_string());
        self
    }

    fn raw(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.builder = self.builder.header("content-type", content_type);
        self.body = body.into();
        self
    }

    fn without_auth(mut self) -> Self {
        if let Some(headers) = self.builder.headers_mut() {
            headers.remove("authorization");
        }
        self
    }

    fn token(mut self, token: &str) -> Self {
        if let Some(headers) = self.builder.headers_mut() {
            headers.insert(
                "authorization",
                format!("Bearer {token}").parse().expect("header"),
            );
        }
        self
    }

    async fn send(self, client: &impl TestClient) -> Response<Bytes> {
        client
            .send(self.builder.body(self.body).expect("a valid request"))
            .await
    }
}

fn body(response: &Response<Bytes>) -> Value {
    serde_json::from_slice(response.body()).unwrap_or(Value::Null)
}

fn etag(response: &Response<Bytes>) -> Option<String> {
    response
        .headers()
        .get("etag")
        .map(|v| v.to_str().expect("ascii").to_owned())
}

fn assert_scim_error(response: &Response<Bytes>, status: u16, context: &str) {
    assert_eq!(
        response.status(),
        status,
        "{context}: status; body {:?}",
        body(response)
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/scim+json",
        "{context}: content type"
    );
    let error = body(response);
    assert_eq!(
        error["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
        "{context}: error schema"
    );
    assert_eq!(
        error["status"],
        status.to_string(),
        "{context}: status in the body"
    );
}

async fn create_user(client: &impl TestClient, suite: &Suite, name: &str) -> (String, String) {
    let response = call(suite, Method::POST, "/Users")
        .json(&json!({"schemas": [USER], "userName": name}))
        .send(client)
        .await;
    assert_eq!(
        response.status(),
        201,
        "create {name}: {:?}",
        body(&response)
    );
    (
        body(&response)["id"].as_str().expect("id").to_owned(),
        etag(&response).expect("ETag on 201"),
    )
}

pub(super) async fn authentication(client: &impl TestClient, suite: &Suite) {
    for (context, request) in [
        (
            "no token",
            call(suite, Method::GET, "/Users").without_auth(),
        ),
        (
            "wrong token",
            call(suite, Method::GET, "/Users").token("wrong"),
        ),
        (
            "discovery is closed by default",
            call(suite, Method::GET, "/ServiceProviderConfig").without_auth(),
        ),
        (
            "unknown path without a token",
            call(suite, Method::GET, "/Nope").without_auth(),
        ),
    ] {
        let response = request.send(client).await;
        assert_scim_error(&response, 401, context);
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap_or(""));
        assert!(
            challenge.is_some_and(|c| c.starts_with("Bearer")),
            "{context}: WWW-Authenticate: Bearer"
        );
    }
    let basic = call(suite, Method::GET, "/Users")
        .without_auth()
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send(client)
        .await;
    assert_eq!(
        basic.status(),
        401,
        "basic credentials are not a bearer token"
    );
}

pub(super) async fn routing(client: &impl TestClient, suite: &Suite) {
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/ResourceTypes/User",
        "/Schemas",
        &format!("/Schemas/{USER}"),
    ] {
        let response = call(suite, Method::GET, path).send(client).await;
        assert_eq!(response.status(), 200, "GET {path}");
        assert_eq!(
            response.headers()["content-type"],
            "application/scim+json",
            "GET {path}"
        );
    }
    let spc = body(
        &call(suite, Method::GET, "/ServiceProviderConfig")
            .send(client)
            .await,
    );
    assert_eq!(spc["etag"]["supported"], true, "etag.supported");
    for path in [
        "/ResourceTypes/Nope",
        "/Schemas/urn:nope",
        "/Nope",
        "/Users/1/extra",
        "/",
    ] {
        assert_scim_error(
            &call(suite, Method::GET, path).send(client).await,
            404,
            &format!("GET {path}"),
        );
    }
    let outside = client
        .send(
            Request::get("/elsewhere/Users")
                .header("authorization", format!("Bearer {TOKEN}"))
                .body(Bytes::new())
                .expect("request"),
        )
        .await;
    assert_eq!(outside.status(), 404, "outside the base path");
    for (method, path, allow) in [
        (Method::DELETE, "/Users", "GET, POST"),
        (Method::POST, "/Users/123", "GET, PUT, PATCH, DELETE"),
        (Method::PUT, "/ServiceProviderConfig", "GET"),
        (Method::GET, "/Bulk", "POST"),
        (Method::GET, "/.search", "POST"),
    ] {
        let response = call(suite, method.clone(), path).send(client).await;
        assert_scim_error(&response, 405, &format!("{method} {path}"));
        assert_eq!(response.headers()["allow"], allow, "{method} {path}: Allow");
    }
    let me = call(suite, Method::GET, "/Me").send(client).await;
    assert_scim_error(&me, 501, "/Me without a mapping");
}

pub(super) async fn content(client: &impl TestClient, suite: &Suite) {
    let user = json!({"schemas": [USER], "userName": "content-type"}).to_string();
    let plain = call(suite, Method::POST, "/Users")
        .raw("text/plain", user.clone())
        .send(client)
        .await;
    assert_scim_error(&plain, 415, "text/plain");
    let missing = call(suite, Method::POST, "/Users").send(client).await;
    assert_scim_error(&missing, 415, "no content type");
    let json_charset = call(suite, Method::POST, "/Users")
        .raw("application/json; charset=utf-8", user)
        .send(client)
        .await;
    assert_eq!(
        json_charset.status(),
        201,
        "application/json with a charset"
    );

    let malformed = call(suite, Method::POST, "/Users")
        .raw("application/scim+json", "{\"userName\": ")
        .send(client)
        .await;
    assert_scim_error(&malformed, 400, "malformed JSON");
    assert_eq!(body(&malformed)["scimType"], "invalidSyntax");
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_scim_error(
        &call(suite, Method::POST, "/Users")
            .raw("application/scim+json", deep)
            .send(client)
            .await,
        400,
        "deep JSON",
    );
    let huge = format!("{{\"userName\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    assert_scim_error(
        &call(suite, Method::POST, "/Users")
            .raw("application/scim+json", huge)
            .send(client)
            .await,
        413,
        "huge body",
    );
}

pub(super) async fn resources(client: &impl TestClient, suite: &Suite) {
    let created = call(suite, Method::POST, "/Users")
        .json(&json!({"schemas": [USER], "userName": "http-user"}))
        .send(client)
        .await;
    assert_eq!(created.status(), 201);
    let created_body = body(&created);
    let id = created_body["id"].as_str().expect("id").to_owned();
    let location = created
        .headers()
        .get("location")
        .expect("Location on 201")
        .to_str()
        .expect("ascii");
    assert_eq!(
        location,
        format!("{}/Users/{id}", suite.location_base),
        "Location from the public URL, not the address bound"
    );
    assert_eq!(
        created_body["meta"]["location"], location,
        "meta.location equals Location"
    );
    assert_eq!(
        Some(
            created_body["meta"]["version"]
                .as_str()
                .expect("meta.version")
                .to_owned()
        ),
        etag(&created),
        "ETag equals meta.version"
    );

    let duplicate = call(suite, Method::POST, "/Users")
        .json(&json!({"schemas": [USER], "userName": "HTTP-USER"}))
        .send(client)
        .await;
    assert_scim_error(&duplicate, 409, "duplicate userName");
    assert_eq!(body(&duplicate)["scimType"], "uniqueness");

    let got = call(suite, Method::GET, &format!("/Users/{id}"))
        .send(client)
        .await;
    assert_eq!(got.status(), 200);
    assert_eq!(etag(&got), etag(&created));
    assert_eq!(
        Some(
            body(&got)["meta"]["version"]
                .as_str()
                .expect("version")
                .to_owned()
        ),
        etag(&got)
    );

    let projected = call(
        suite,
        Method::GET,
        &format!("/Users/{id}?attributes=userName"),
    )
    .send(client)
    .await;
    assert!(
        body(&projected).get("meta").is_none(),
        "attributes=userName"
    );

    let patched = call(suite, Method::PATCH, &format!("/Users/{id}"))
        .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "title", "value": "T"}]}))
        .send(client)
        .await;
    assert_eq!(patched.status(), suite.patched());
    assert_ne!(etag(&patched), etag(&created), "PATCH makes a new ETag");
    match suite.patched() {
        204 => assert!(patched.body().is_empty(), "204 has no body"),
        _ => assert_eq!(
            Some(
                body(&patched)["meta"]["version"]
                    .as_str()
                    .expect("version")
                    .to_owned()
            ),
            etag(&patched)
        ),
    }

    let bad_patch = call(suite, Method::PATCH, &format!("/Users/{id}"))
        .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "remove"}]}))
        .send(client)
        .await;
    assert_scim_error(&bad_patch, 400, "remove without path");
    assert_eq!(body(&bad_patch)["scimType"], "noTarget");

    let replaced = call(suite, Method::PUT, &format!("/Users/{id}"))
        .json(&json!({"schemas": [USER], "userName": "http-user-2"}))
        .send(client)
        .await;
    assert_eq!(replaced.status(), 200);
    assert!(etag(&replaced).is_some());
    let deleted = call(suite, Method::DELETE, &format!("/Users/{id}"))
        .send(client)
        .await;
    assert_eq!(
        (deleted.status(), deleted.body().is_empty()),
        (http::StatusCode::NO_CONTENT, true)
    );
    assert_scim_error(
        &call(suite, Method::GET, &format!("/Users/{id}"))
            .send(client)
            .await,
        404,
        "after delete",
    );
    let malformed_etag = call(suite, Method::GET, &format!("/Users/{id}"))
        .header("if-match", "abc")
        .send(client)
        .await;
    assert_eq!(
        malformed_etag.status(),
        400,
        "a malformed If-Match is a 400, not hidden"
    );
}

/// RFC 9110: `If-Match` and `If-None-Match` with `*`, a list, the current and a stale
/// tag, on GET, PUT, PATCH and DELETE, on existing and missing resources.
pub(super) async fn precondition_matrix(client: &impl TestClient, suite: &Suite) {
    let methods = [Method::GET, Method::PUT, Method::PATCH, Method::DELETE];
    let forms = ["*", "list", "current", "stale"];
    let mut n = 0;
    for method in &methods {
        for header in ["if-match", "if-none-match"] {
            for form in forms {
                for exists in [true, false] {
                    n += 1;
                    let (id, current) = if exists {
                        create_user(client, suite, &format!("matrix-{n}")).await
                    } else {
                        ("missing-id".to_owned(), r#"W/"whatever""#.to_owned())
                    };
                    let value = match form {
                        "*" => "*".to_owned(),
                        "list" => format!(r#"W/"other", {current}"#),
                        "current" => current.clone(),
                        _ => r#"W/"stale""#.to_owned(),
                    };
                    let names_current = form != "stale";
                    let success = match *method {
                        Method::GET | Method::PUT => 200,
                        Method::PATCH => suite.patched(),
                        _ => 204,
                    };
                    let expected = match (exists, header, names_current) {
                        (false, _, _) => 404,
                        (true, "if-match", true) => success,
                        (true, "if-match", false) => 412,
                        (true, _, true) if *method == Method::GET => 304,
                        (true, _, true) => 412,
                        (true, _, false) => success,
                    };
                    let path = format!("/Users/{id}");
                    let mut request = call(suite, method.clone(), &path).header(header, &value);
                    request = match *method {
                        Method::PUT => request.json(&json!({"schemas": [USER], "userName": format!("matrix-{n}-put")})),
                        Method::PATCH => request.json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": "title", "value": "x"}]})),
                        _ => request,
                    };
                    let response = request.send(client).await;
                    let context = format!("{method} {header}: {form}, exists: {exists}");
                    assert_eq!(
                        response.status(),
                        expected,
                        "{context}: {:?}",
                        body(&response)
                    );
                    match expected {
                        304 => {
                            assert!(response.body().is_empty(), "{context}: 304 has no body");
                            assert_eq!(
                                etag(&response),
                                Some(current.clone()),
                                "{context}: 304 carries the ETag"
                            );
                        }
                        412 => {
                            assert_scim_error(&response, 412, &context);
                            assert_eq!(
                                etag(&response),
                                Some(current.clone()),
                                "{context}: 412 names the current version"
                            );
                        }
                        200 => assert!(etag(&response).is_some(), "{context}: ETag"),
                        204 if *method == Method::PATCH => {
                            assert!(etag(&response).is_some(), "{context}: ETag")
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

pub(super) async fn lists_bulk_and_tenants(client: &impl TestClient, suite: &Suite) {
    let (id, _) = create_user(client, suite, "list me").await;
    let filtered = call(
        suite,
        Method::GET,
        "/Users?filter=userName%20eq%20%22LIST%20ME%22&count=5",
    )
    .send(client)
    .await;
    assert_eq!(filtered.status(), 200);
    let list = body(&filtered);
    assert_eq!(list["totalResults"], 1, "URL-decoded filter");
    assert_eq!(list["Resources"][0]["id"], id);
    assert!(
        filtered.headers().get("etag").is_none(),
        "lists carry no ETag"
    );
    let bad_filter = call(suite, Method::GET, "/Users?filter=userName%20eq")
        .send(client)
        .await;
    assert_scim_error(&bad_filter, 400, "bad filter");
    assert_eq!(body(&bad_filter)["scimType"], "invalidFilter");

    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq \"list me\""});
    for path in ["/Users/.search", "/.search"] {
        let response = call(suite, Method::POST, path)
            .json(&search)
            .send(client)
            .await;
        assert_eq!(response.status(), 200, "POST {path}");
        assert_eq!(body(&response)["totalResults"], 1, "POST {path}");
    }
    let bulk = call(suite, Method::POST, "/Bulk")
        .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "b1", "data": {"schemas": [USER], "userName": "bulk-user"}}
        ]}))
        .send(client)
        .await;
    assert_eq!(bulk.status(), 200);
    assert_eq!(body(&bulk)["Operations"][0]["status"], "201");

    let other = call_under(
        suite,
        &suite.other_prefix,
        Method::GET,
        &format!("/Users/{id}"),
    )
    .token(OTHER_TOKEN)
    .send(client)
    .await;
    assert_scim_error(&other, 404, "another tenant's user");
    let other_list = call_under(suite, &suite.other_prefix, Method::GET, "/Users")
        .token(OTHER_TOKEN)
        .send(client)
        .await;
    assert_eq!(
        body(&other_list)["totalResults"],
        0,
        "another tenant's list"
    );
}

/// Every location a client sees comes from the public base URL: single resources,
/// lists, bulk, discovery; and a tenant in the path must be the token's.
pub(super) async fn locations(client: &impl TestClient, suite: &Suite) {
    let base = &suite.location_base;
    let (id, _) = create_user(client, suite, "located").await;
    let got = body(
        &call(suite, Method::GET, &format!("/Users/{id}"))
            .send(client)
            .await,
    );
    assert_eq!(got["meta"]["location"], format!("{base}/Users/{id}"), "GET");
    let listed = body(
        &call(
            suite,
            Method::GET,
            "/Users?filter=userName%20eq%20%22located%22",
        )
        .send(client)
        .await,
    );
    assert_eq!(
        listed["Resources"][0]["meta"]["location"],
        format!("{base}/Users/{id}"),
        "list"
    );
    let bulk = body(
        &call(suite, Method::POST, "/Bulk")
            .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "l", "data": {"schemas": [USER], "userName": "located-bulk"}}
            ]}))
            .send(client)
            .await,
    );
    let bulk_location = bulk["Operations"][0]["location"].as_str().unwrap_or("");
    assert!(
        bulk_location.starts_with(&format!("{base}/Users/")),
        "bulk location {bulk_location}"
    );
    let spc = body(
        &call(suite, Method::GET, "/ServiceProviderConfig")
            .send(client)
            .await,
    );
    assert_eq!(
        spc["meta"]["location"],
        format!("{base}/ServiceProviderConfig"),
        "discovery"
    );
    if suite.config == SuiteConfig::TenantInPath {
        let foreign = call_under(suite, &suite.other_prefix, Method::GET, "/Users")
            .send(client)
            .await;
        assert_scim_error(
            &foreign,
            403,
            "a tenant in the path that is not the token's",
        );
    }
}

/// What `excludedAttributes` leaves out is all that changes: a projected response is
/// the whole one minus the excluded attributes, with the same `ETag`, for reads, lists
/// and a membership PATCH, whatever the provider skipped loading.
pub(super) async fn projections(client: &impl TestClient, suite: &Suite) {
    let (member, _) = create_user(client, suite, "projected-member").await;
    let (other, _) = create_user(client, suite, "projected-other").await;
    let group = call(suite, Method::POST, "/Groups")
        .json(
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                      "displayName": "Projected", "members": [{"value": member}]}),
        )
        .send(client)
        .await;
    assert_eq!(group.status(), 201, "{:?}", body(&group));
    let gid = body(&group)["id"].as_str().expect("id").to_owned();
    let minus = |mut value: Value, name: &str| {
        value.as_object_mut().map(|o| o.remove(name));
        value
    };
    let read = |path: String| async move {
        let response = call(suite, Method::GET, &path).send(client).await;
        assert_eq!(response.status(), 200, "GET {path}");
        (body(&response), etag(&response))
    };
    let (whole, tag) = read(format!("/Groups/{gid}")).await;
    assert_eq!(whole["members"][0]["value"], member.as_str());
    let (projected, projected_tag) =
        read(format!("/Groups/{gid}?excludedAttributes=members")).await;
    assert_eq!(
        projected,
        minus(whole.clone(), "members"),
        "a group without members"
    );
    assert_eq!(projected_tag, tag, "the same version");
    let (user, _) = read(format!("/Users/{member}")).await;
    assert_eq!(user["groups"][0]["value"], gid.as_str());
    let (no_groups, _) = read(format!("/Users/{member}?excludedAttributes=groups")).await;
    assert_eq!(no_groups, minus(user, "groups"), "a user without groups");
    let (listed, _) = read(
        "/Groups?filter=displayName%20eq%20%22Projected%22&excludedAttributes=members".to_owned(),
    )
    .await;
    assert_eq!(
        listed["Resources"][0],
        minus(whole, "members"),
        "a listed group without members"
    );

    let patched = call(suite, Method::PATCH, &format!("/Groups/{gid}?excludedAttributes=members"))
        .json(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                      "Operations": [{"op": "add", "path": "members", "value": [{"value": other}]}]}))
        .send(client)
        .await;
    assert_eq!(patched.status(), suite.patched(), "{:?}", body(&patched));
    let (after, after_tag) = read(format!("/Groups/{gid}")).await;
    assert_eq!(after["members"].as_array().map(Vec::len), Some(2));
    if suite.patched() == 200 {
        assert_eq!(
            body(&patched),
            minus(after, "members"),
            "a membership PATCH answers the group without members"
        );
    }
    assert_eq!(etag(&patched), after_tag, "at the version it wrote");
}

/// What an operator relies on through any adapter: every response carries a request
/// id (the client's own when it sent a sane one), and the OpenAPI document is served.
pub(super) async fn operability(client: &impl TestClient, suite: &Suite) {
    let made = call(suite, Method::GET, "/Users/nobody").send(client).await;
    let id = made
        .headers()
        .get("x-request-id")
        .expect("a request id is made");
    assert!(!id.is_empty(), "a request id is not empty");
    let again = call(suite, Method::GET, "/Users/nobody").send(client).await;
    assert_ne!(
        again.headers().get("x-request-id"),
        Some(id),
        "each request has its own id"
    );
    let given = call(suite, Method::GET, "/ServiceProviderConfig")
        .header("x-request-id", "trace-7")
        .send(client)
        .await;
    assert_eq!(
        given.headers()["x-request-id"],
        "trace-7",
        "the client's id is echoed"
    );
    let refused = call(suite, Method::GET, "/Users")
        .without_auth()
        .header("x-request-id", "trace-8")
        .send(client)
        .await;
    assert_eq!(
        refused.headers()["x-request-id"],
        "trace-8",
        "a 401 carries it too"
    );

    let document = call(suite, Method::GET, "/openapi.json").send(client).await;
    assert_eq!(document.status(), 200, "GET /openapi.json");
    assert_eq!(document.headers()["content-type"], "application/json");
    let document = body(&document);
    assert_eq!(document["openapi"], "3.1.0");
    assert!(
        document["paths"]["/Users/{id}"]["patch"].is_object(),
        "{document}"
    );
    let refused = call(suite, Method::GET, "/openapi.json")
        .without_auth()
        .send(client)
        .await;
    assert_scim_error(&refused, 401, "the document without a token");
}
