//! A SCIM server on axum: `cargo run --example axum_server`.
//!
//! The SCIM service is a `tower::Service`: nest it under its base path beside the
//! app's own routes, and wrap it in any tower layer.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (service, address) = scim_examples::service_from_env("axum");
    let app = axum::Router::new()
        .nest_service(service.base_path(), service.nested())
        .route("/healthz", axum::routing::get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(address).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
