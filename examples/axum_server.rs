//! A SCIM server on axum: `cargo run --example axum_server`.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (service, address) = scim_examples::service_from_env("axum");
    let app = axum::Router::new().merge(scim_axum::router(service));
    let listener = tokio::net::TcpListener::bind(address).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
