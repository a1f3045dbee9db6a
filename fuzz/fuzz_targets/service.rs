//! Any bytes as a whole HTTP request to the SCIM service on the in-memory provider:
//!
//! ```text
//! METHOD TARGET
//! Name: value            (headers, one a line; a bearer token is added unless one is given)
//!
//! body
//! ```
//!
//! The store holds a user and a group it belongs to, made afresh for each input;
//! `$U` and `$G` in the target and the body stand for their ids.
//!
//! Invariants: nothing panics; every response of 400 or more is a SCIM error body
//! whose `status` is the response's; a refused request changes nothing stored.
#![no_main]

use std::sync::{Arc, LazyLock};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request};
use libfuzzer_sys::fuzz_target;
use scim_http::{HttpConfig, ScimService, StaticTokens};
use scim_ops::{ScimOperationHandler, ServiceConfig};
use scim_provider::InMemoryProvider;
use scim_schema::SchemaRegistry;
use serde_json::{Value, json};

const TOKEN: &str = "fuzz-token";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

static REGISTRY: LazyLock<Arc<SchemaRegistry>> = LazyLock::new(Default::default);
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
});

fuzz_target!(|data: &[u8]| RUNTIME.block_on(check(data)));

/// The ids of the seeded user and group.
struct Seeded {
    user: String,
    group: String,
}

impl Seeded {
    /// `text` with `$U` and `$G` replaced by the ids.
    fn ids_in(&self, text: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        let mut rest = text;
        loop {
            let (replacement, tail) = match rest {
                [] => return out,
                [b'$', b'U', tail @ ..] => (self.user.as_bytes(), tail),
                [b'$', b'G', tail @ ..] => (self.group.as_bytes(), tail),
                [byte, tail @ ..] => (std::slice::from_ref(byte), tail),
            };
            out.extend_from_slice(replacement);
            rest = tail;
        }
    }

    /// The request `data` spells, when its method and target are valid.
    fn request(&self, data: &[u8]) -> Option<Request<Bytes>> {
        let data = self.ids_in(data);
        let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
            Some(at) => (&data[..at], &data[at + 2..]),
            None => (&data[..], &[][..]),
        };
        let head = std::str::from_utf8(head).ok()?;
        let mut lines = head.split('\n');
        let (method, target) = lines.next()?.split_once(' ')?;
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).ok()?)
            .uri(target)
            .body(Bytes::copy_from_slice(body))
            .ok()?;
        add_headers(request.headers_mut(), lines);
        Some(request)
    }
}

/// The headers of `lines`, each `Name: value` (others skipped), and a bearer token
/// unless they give credentials.
fn add_headers<'a>(headers: &mut http::HeaderMap, lines: impl Iterator<Item = &'a str>) {
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.trim().as_bytes()),
            HeaderValue::from_str(value.trim()),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    if !headers.contains_key(http::header::AUTHORIZATION) {
        let bearer = HeaderValue::from_static("Bearer fuzz-token");
        headers.insert(http::header::AUTHORIZATION, bearer);
    }
}

async fn check(data: &[u8]) {
    let (service, seeded) = seeded().await;
    let Some(request) = seeded.request(data) else {
        return;
    };
    let before = stored(&service).await;
    let response = service.handle(request).await;
    let status = response.status();
    if status.as_u16() < 400 {
        return;
    }
    let body: Value = serde_json::from_slice(response.body())
        .unwrap_or_else(|e| panic!("a {status} without a JSON body: {e}"));
    assert_eq!(body["schemas"], json!([ERROR]), "{body}");
    assert_eq!(body["status"], status.as_str(), "{body}");
    assert_eq!(
        stored(&service).await,
        before,
        "a refused request changed the store"
    );
}

/// A service on a fresh store holding a user and a group it belongs to.
async fn seeded() -> (ScimService, Seeded) {
    let handler = ScimOperationHandler::new(
        Arc::new(InMemoryProvider::new()),
        REGISTRY.clone(),
        ServiceConfig::new("https://scim.example.test/scim/v2"),
    );
    let tokens = StaticTokens::new().with_token(TOKEN, "fuzz");
    let service = ScimService::new(handler, tokens, HttpConfig::default());
    let user = send(
        &service,
        "POST",
        "/scim/v2/Users",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "ignored",
               "externalId": "e1", "userName": "bjensen", "displayName": "Barbara",
               "emails": [{"value": "b@example.com", "type": "work", "primary": true}]}),
    )
    .await;
    let member = user["id"].clone();
    let group = send(
        &service,
        "POST",
        "/scim/v2/Groups",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
               "displayName": "Admins", "members": [{"value": member}]}),
    )
    .await;
    let seeded = Seeded {
        user: member.as_str().unwrap_or_default().to_owned(),
        group: group["id"].as_str().unwrap_or_default().to_owned(),
    };
    (service, seeded)
}

async fn send(service: &ScimService, method: &str, path: &str, body: Value) -> Value {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", "Bearer fuzz-token")
        .header("content-type", "application/scim+json")
        .body(Bytes::from(body.to_string()))
        .expect("a request");
    let response = service.handle(request).await;
    assert!(response.status().is_success(), "{:?}", response.body());
    serde_json::from_slice(response.body()).expect("JSON")
}

/// Every user and group stored, as listed.
async fn stored(service: &ScimService) -> (Value, Value) {
    let list = |endpoint: &'static str| async move {
        let request = Request::get(format!("/scim/v2/{endpoint}?count=1000"))
            .header("authorization", "Bearer fuzz-token")
            .body(Bytes::new())
            .expect("a request");
        let response = service.handle(request).await;
        serde_json::from_slice::<Value>(response.body()).expect("a list")
    };
    (list("Users").await, list("Groups").await)
}
