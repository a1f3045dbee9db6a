//! Mount a SCIM 2.0 endpoint on actix-web 4.
//!
//! actix-web is built on `http` 0.2 while [`ScimService`] speaks `http` 1, so requests
//! and responses are converted at the edge; nothing else happens here.
//!
//! ```no_run
//! # async fn run(service: scim_http::ScimService) -> std::io::Result<()> {
//! use actix_web::{App, HttpServer};
//!
//! HttpServer::new(move || App::new().configure(scim_actix::configure(service.clone())))
//!     .bind(("127.0.0.1", 8080))?
//!     .run()
//!     .await
//! # }
//! ```

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use scim_http::ScimService;

/// Registers a scope answering every request under the service's base path.
pub fn configure(service: ScimService) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |config: &mut web::ServiceConfig| {
        let base = format!("/{}", service.config().base_path.trim_matches('/'));
        config.service(
            web::scope(&base)
                .app_data(web::Data::new(service.clone()))
                .default_service(web::to(handle)),
        );
    }
}

async fn handle(
    request: HttpRequest,
    body: web::Payload,
    service: web::Data<ScimService>,
) -> HttpResponse {
    let limit = service.config().max_body_size;
    let response = match body.to_bytes_limited(limit).await {
        Ok(Ok(bytes)) => match to_http(&request, bytes) {
            Some(request) => service.call(request).await,
            None => service.payload_too_large(),
        },
        _ => service.payload_too_large(),
    };
    from_http(response)
}

/// An actix request (`http` 0.2) as an `http` 1 request.
fn to_http(request: &HttpRequest, body: Bytes) -> Option<http::Request<Bytes>> {
    let mut builder = http::Request::builder()
        .method(request.method().as_str())
        .uri(request.uri().to_string());
    for (name, value) in request.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder.body(body).ok()
}

/// An `http` 1 response as an actix response.
fn from_http(response: http::Response<Bytes>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let status =
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        builder.append_header((name.as_str(), value.as_bytes()));
    }
    builder.body(body)
}
