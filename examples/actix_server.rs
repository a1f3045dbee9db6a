//! A SCIM server on actix-web: `cargo run --example actix_server`.

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let (service, address) = scim_examples::service_from_env("actix-web");
    HttpServer::new(move || App::new().configure(scim_actix::configure(service.clone())))
        .bind(address)?
        .run()
        .await
}
