//! Mount a SCIM 2.0 endpoint on actix-web 4.
//!
//! actix-web is built on `http` 0.2 while [`ScimService`] speaks `http` 1, so the
//! request head and the response are converted at the edge, and the body is streamed
//! to [`ScimService::serve`], which reads it within its limit; nothing else happens
//! here.
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
use futures_util::StreamExt;
use http_body::Frame;
use http_body_util::StreamBody;
use scim_http::ScimService;
use scim_ops::{ErrorKind, ScimError};

/// Registers a scope answering every request under the service's base path.
pub fn configure(service: ScimService) -> impl Fn(&mut web::ServiceConfig) + Clone {
    move |config: &mut web::ServiceConfig| {
        let scope = match service.base_path() {
            "/" => "",
            base => base,
        };
        config.service(
            web::scope(scope)
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
    let response = match head(&request) {
        Ok(head) => {
            let frames = body.map(|chunk| chunk.map(Frame::data));
            let (parts, ()) = head.into_parts();
            let request = http::Request::from_parts(parts, StreamBody::new(frames));
            service.serve(request).await
        }
        Err(detail) => scim_http::error_response(ScimError::new(ErrorKind::BadRequest, detail)),
    };
    from_http(response)
}

/// An actix request head (`http` 0.2) as an `http` 1 request head.
fn head(request: &HttpRequest) -> Result<http::Request<()>, String> {
    let mut builder = http::Request::builder()
        .method(request.method().as_str())
        .uri(request.uri().to_string());
    for (name, value) in request.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    builder
        .body(())
        .map_err(|e| format!("the request head could not be read: {e}"))
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
