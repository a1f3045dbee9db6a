//! Metrics: the Prometheus recorder, and the `/metrics` endpoint that renders it.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response, StatusCode, header};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use scim_http::{Authenticator, StaticTokens};
use scim_sql::SqlProvider;

/// The path Prometheus scrapes.
pub(crate) const METRICS_PATH: &str = "/metrics";

/// The request-duration buckets, in seconds: from a cached read (well under a
/// millisecond) to a large Bulk.
const DURATION_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histograms are drained into their buckets between scrapes.
const UPKEEP: Duration = Duration::from_secs(5);

/// Installs the Prometheus recorder as the process's `metrics` recorder, and drains
/// its histograms in the background.
pub(crate) fn install_metrics() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(scim_http::observe::REQUEST_DURATION.into()),
            &DURATION_BUCKETS,
        )
        .and_then(PrometheusBuilder::install_recorder)
        .map_err(|e| format!("cannot record metrics: {e}"))?;
    scim_http::observe::describe_metrics();
    metrics::describe_gauge!(
        scim_sql::POOL_CONNECTIONS,
        "Database pool connections, by state (in_use, idle)"
    );
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(UPKEEP).await;
            upkeep.run_upkeep();
        }
    });
    Ok(handle)
}

/// `GET /metrics`: the Prometheus text format.
#[derive(Clone)]
pub(crate) struct MetricsEndpoint {
    inner: Arc<Inner>,
}

struct Inner {
    handle: PrometheusHandle,
    /// Whose pool gauges are set before each render.
    pool: Option<Arc<SqlProvider>>,
    /// When set, only a request with one of these tokens is answered.
    tokens: Option<StaticTokens>,
}

impl MetricsEndpoint {
    pub(crate) fn new(
        handle: PrometheusHandle,
        pool: Option<Arc<SqlProvider>>,
        tokens: Option<StaticTokens>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                handle,
                pool,
                tokens,
            }),
        }
    }

    /// Answers a request for the metrics.
    pub(crate) async fn answer(self, request: Request<Body>) -> Response<Body> {
        let (parts, _) = request.into_parts();
        if parts.method != Method::GET && parts.method != Method::HEAD {
            return method_not_allowed();
        }
        if let Some(tokens) = &self.inner.tokens
            && let Err(err) = tokens.authenticate(&parts).await
        {
            return scim_http::unauthorized(err.detail).map(Body::from);
        }
        if let Some(pool) = &self.inner.pool {
            pool.record_pool_metrics();
        }
        let mut response = Response::new(Body::from(self.inner.handle.render()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        );
        response
    }
}

/// `405` with `Allow: GET, HEAD`, for `/metrics` and `/healthz`.
pub(crate) fn method_not_allowed() -> Response<Body> {
    let mut refused = Response::new(Body::empty());
    *refused.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    refused
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    refused
}
