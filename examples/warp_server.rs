//! A SCIM server on warp: `cargo run --example warp_server`.

#[tokio::main]
async fn main() {
    let (service, address) = scim_examples::service_from_env("warp");
    warp::serve(scim_warp::filter(service))
        .bind(address)
        .await
        .graceful(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .run()
        .await;
}
