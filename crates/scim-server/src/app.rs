//! The service the server runs: `/healthz` answered in place, `/mcp` by MCP,
//! `/metrics` by the Prometheus endpoint (unless it has a listener of its own), every
//! other request by SCIM (which answers a SCIM 404 outside its base path). No router:
//! a comparison or two of the path per request, and SCIM's response goes out without
//! being mapped through a route's layers (that was about 2,700 instructions of a
//! stored `GET`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, header};
use scim_http::ScimService;
use scim_mcp::McpService;
use tower_service::Service;

use crate::telemetry::{METRICS_PATH, MetricsEndpoint, method_not_allowed};

/// The path load balancers probe.
const HEALTH_PATH: &str = "/healthz";

/// The path of the MCP endpoint (Streamable HTTP).
pub(crate) const MCP_PATH: &str = "/mcp";

/// `GET /healthz`, MCP, `/metrics` and SCIM.
#[derive(Clone)]
pub(crate) struct App {
    scim: ScimService,
    mcp: McpService,
    metrics: Option<MetricsEndpoint>,
}

impl App {
    /// `metrics`: served at `/metrics` on this listener when given.
    pub(crate) fn new(
        scim: ScimService,
        mcp: McpService,
        metrics: Option<MetricsEndpoint>,
    ) -> Self {
        Self { scim, mcp, metrics }
    }

    /// The SCIM service.
    pub(crate) fn scim(&self) -> &ScimService {
        &self.scim
    }

    /// The answer to `request`, which owns what it needs: the app may be dropped (or
    /// replaced by a reload) while it runs.
    pub(crate) fn answer(&self, request: Request<Body>) -> Answer {
        let metrics = request.uri().path() == METRICS_PATH;
        if metrics && let Some(endpoint) = &self.metrics {
            return Answer::Metrics(Box::pin(endpoint.clone().answer(request)));
        }
        match request.uri().path() {
            HEALTH_PATH => Answer::Health(request.method().clone()),
            MCP_PATH => Answer::Mcp(self.mcp.clone().call(request)),
            _ => {
                let scim = self.scim.clone();
                Answer::Scim(Box::pin(async move {
                    Ok(scim.serve(request).await.map(http_body_util::Full::new))
                }))
            }
        }
    }
}

/// The answer to one request.
pub(crate) enum Answer {
    /// `/healthz`, asked with this method.
    Health(Method),
    /// SCIM's answer, on its way.
    Scim(<ScimService as Service<Request<Body>>>::Future),
    /// MCP's answer, on its way.
    Mcp(<McpService as Service<Request<Body>>>::Future),
    /// The metrics, rendering.
    Metrics(Pin<Box<dyn Future<Output = Response<Body>> + Send>>),
}

impl Future for Answer {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Self::Health(method) => Poll::Ready(Ok(health(method))),
            Self::Scim(future) => future
                .as_mut()
                .poll(cx)
                .map(|answered| answered.map(|response| response.map(Body::new))),
            Self::Mcp(future) => future
                .as_mut()
                .poll(cx)
                .map(|answered| answered.map(|response| response.map(Body::new))),
            Self::Metrics(future) => future.as_mut().poll(cx).map(Ok),
        }
    }
}

/// `ok` to `GET` and `HEAD`; 405 to any other method.
fn health(method: &Method) -> Response<Body> {
    let mut response = if *method == Method::GET || *method == Method::HEAD {
        Response::new(Body::from("ok"))
    } else {
        method_not_allowed()
    };
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn health_answers_get_and_head_and_refuses_the_rest() {
        assert_eq!(health(&Method::GET).status(), StatusCode::OK);
        assert_eq!(health(&Method::HEAD).status(), StatusCode::OK);
        let refused = health(&Method::POST);
        assert_eq!(refused.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(refused.headers()[header::ALLOW], "GET, HEAD");
    }
}
