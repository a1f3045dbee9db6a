//! The server the load script measures: one stored user, served two ways side by side
//! on one framework, so their throughput compares in one run.
//!
//! - `GET /bare/user`: a bare handler answering the stored JSON bytes and ETag;
//! - `GET /scim/v2/Users/{id}`: the same user through the SCIM adapter;
//! - `POST /bare/sink` (axum): `204` to any body, a webhook receiver that costs next
//!   to nothing.
//!
//! `cargo run --release --example load_server -- axum|warp|actix 127.0.0.1:PORT`; it
//! prints the user's id and the token. Used by `scripts/load.sh`.

use std::sync::Arc;

use bytes::Bytes;
use scim_http::{HttpConfig, ScimService, StaticTokens};
use scim_ops::{ScimOperationHandler, ScimOperationRequest, ServiceConfig};
use scim_provider::{InMemoryProvider, RequestContext};
use scim_schema::SchemaRegistry;
use warp::Filter;

const TOKEN: &str = "load-token";

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let framework = args.get(1).map(String::as_str).unwrap_or("axum").to_owned();
    let address: std::net::SocketAddr = args
        .get(2)
        .map_or("127.0.0.1:8080", String::as_str)
        .parse()
        .expect("address");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (service, id, bytes, etag) = runtime.block_on(setup());
    println!("user {id} token {TOKEN}");
    let bare = move || {
        http::Response::builder()
            .header("content-type", "application/scim+json")
            .header("etag", etag.as_str())
            .body(bytes.clone())
            .expect("response")
    };
    match framework.as_str() {
        "axum" => runtime.block_on(async move {
            let app = scim_axum::router(service)
                .route(
                    "/bare/user",
                    axum::routing::get(move || {
                        let bare = bare.clone();
                        async move { bare().map(axum::body::Body::from) }
                    }),
                )
                .route(
                    "/bare/sink",
                    axum::routing::post(|| async { http::StatusCode::NO_CONTENT }),
                );
            axum::serve(tokio::net::TcpListener::bind(address).await?, app).await
        }),
        "warp" => {
            runtime.block_on(async move {
                let bare_route = warp::path!("bare" / "user").map(bare);
                // The SCIM filter is tried first, so bare requests pay its (cheap) prefix rejection.
                warp::serve(scim_warp::filter(service).or(bare_route))
                    .run(address)
                    .await;
            });
            Ok(())
        }
        "actix" => actix_web::rt::System::new().block_on(async move {
            actix_web::HttpServer::new(move || {
                let bare = bare.clone();
                actix_web::App::new()
                    .configure(scim_actix::configure(service.clone()))
                    .route(
                        "/bare/user",
                        actix_web::web::get().to(move || {
                            let response = bare();
                            async move {
                                actix_web::HttpResponse::Ok()
                                    .insert_header(("content-type", "application/scim+json"))
                                    .insert_header(("etag", response.headers()["etag"].as_bytes()))
                                    .body(response.into_body())
                            }
                        }),
                    )
            })
            .bind(address)?
            .run()
            .await
        }),
        other => panic!("unknown framework {other:?}: axum, warp or actix"),
    }
}

/// A service with one user; the user's id, stored JSON and ETag.
async fn setup() -> (ScimService, String, Bytes, String) {
    let handler = ScimOperationHandler::new(
        Arc::new(InMemoryProvider::new()),
        Arc::new(SchemaRegistry::default()),
        ServiceConfig::new("/scim/v2"),
    );
    let user = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen@example.com", "displayName": "Barbara Jensen", "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}]
    });
    let created = handler
        .handle(ScimOperationRequest::create("User", user).with_context(RequestContext::default()))
        .await;
    let id = created.body.as_ref().expect("created")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let got = handler
        .handle(ScimOperationRequest::get("User", &id).with_context(RequestContext::default()))
        .await;
    let bytes = Bytes::from(serde_json::to_vec(&got.body.expect("body")).expect("json"));
    let etag = got.current_version.expect("version").to_http_header();
    let tokens = StaticTokens::new().with_token(TOKEN, RequestContext::DEFAULT_TENANT);
    (
        ScimService::new(handler, tokens, HttpConfig::default()),
        id,
        bytes,
        etag,
    )
}
