//! The shared HTTP suite through actix-web.

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, test};
use bytes::Bytes;
use scim_http::testing::{TestClient, run_http_test_suite, test_services};

struct Actix<S>(S);

impl<S> TestClient for Actix<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    async fn send(&self, request: http::Request<Bytes>) -> http::Response<Bytes> {
        let (parts, body) = request.into_parts();
        let mut builder = test::TestRequest::default()
            .method(
                actix_web::http::Method::from_bytes(parts.method.as_str().as_bytes())
                    .expect("method"),
            )
            .uri(&parts.uri.to_string());
        for (name, value) in &parts.headers {
            builder = builder.append_header((name.as_str(), value.as_bytes()));
        }
        let response = test::call_service(&self.0, builder.set_payload(body).to_request()).await;
        let mut out = http::Response::builder().status(response.status().as_u16());
        for (name, value) in response.headers() {
            out = out.header(name.as_str(), value.as_bytes());
        }
        out.body(test::read_body(response).await).expect("response")
    }
}

#[actix_web::test]
async fn actix_passes_the_http_suite_in_every_configuration() {
    for (service, suite) in test_services() {
        let app = test::init_service(App::new().configure(scim_actix::configure(service))).await;
        run_http_test_suite(&Actix(app), &suite).await;
    }
}
