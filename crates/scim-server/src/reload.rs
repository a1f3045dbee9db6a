//! The configuration a server runs with, swapped whole when `SIGHUP` asks for the
//! configuration file to be read again.
//!
//! Each request takes the service current when it arrives and runs to its end on it:
//! a reload changes what later requests see, never a request in flight. A token the
//! new file no longer has is refused from the next request on; each tenant's use of
//! its limits carries over to the new snapshot. A file that cannot be read, or is
//! invalid, is refused with its line and reason, and the running configuration stays.
//! (The file's webhooks are started and stopped by the caller, beside the swap.)

use std::convert::Infallible;
use std::sync::{Arc, PoisonError, RwLock};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{Request, Response};
use tower_service::Service;

use crate::app::{Answer, App};
use crate::telemetry::MetricsEndpoint;

/// What one configuration serves: the app, and `/metrics` on its own listener.
#[derive(Clone)]
pub(crate) struct Snapshot {
    pub(crate) app: App,
    pub(crate) metrics: Option<MetricsEndpoint>,
}

/// The current [`Snapshot`], shared by every connection.
#[derive(Clone)]
pub(crate) struct Current(Arc<RwLock<Arc<Snapshot>>>);

impl Current {
    pub(crate) fn new(snapshot: Snapshot) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(snapshot))))
    }

    /// The snapshot now.
    pub(crate) fn get(&self) -> Arc<Snapshot> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Serves `snapshot` from the next request on.
    pub(crate) fn replace(&self, snapshot: Snapshot) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(snapshot);
    }
}

impl Service<Request<Body>> for Current {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Answer {
        self.get().app.answer(request)
    }
}

/// Builds a snapshot from the configuration file each time `SIGHUP` arrives, and
/// serves it; a file that fails keeps the running one. On platforms without `SIGHUP`,
/// does nothing.
pub(crate) async fn on_hangup(
    current: Current,
    mut rebuild: impl FnMut() -> Result<Snapshot, String>,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(err) => {
                tracing::warn!(
                    "cannot listen for SIGHUP; the configuration will not be reloaded: {err}"
                );
                return;
            }
        };
        while hangups.recv().await.is_some() {
            match rebuild() {
                Ok(snapshot) => {
                    current.replace(snapshot);
                    tracing::info!("configuration reloaded");
                }
                Err(err) => {
                    tracing::error!("configuration not reloaded, the running one stays: {err}")
                }
            }
        }
    }
    #[cfg(not(unix))]
    drop((current, rebuild));
}

/// What a reload does not change, from which each [`Snapshot`] is built.
#[derive(Clone)]
pub(crate) struct Blueprint {
    /// The handler of the store, its configuration replaced per snapshot.
    pub(crate) handler: scim_ops::ScimOperationHandler,
    pub(crate) http: scim_http::HttpConfig,
    pub(crate) mcp: scim_mcp::McpConfig,
    /// Metrics, when recorded: the recorder, the pool whose gauges it sets, whether
    /// `/metrics` wants a token, whether it has a listener of its own.
    pub(crate) metrics: Option<MetricsBlueprint>,
}

/// `/metrics`, as a snapshot builds it.
#[derive(Clone)]
pub(crate) struct MetricsBlueprint {
    pub(crate) recorder: metrics_exporter_prometheus::PrometheusHandle,
    pub(crate) pool: Option<Arc<scim_sql::SqlProvider>>,
    pub(crate) require_token: bool,
    pub(crate) own_listener: bool,
}

impl Blueprint {
    /// The snapshot serving `tenancy`; replacing `previous`, it goes on with what each
    /// tenant is using of its limits there.
    pub(crate) fn snapshot(
        &self,
        tenancy: &crate::config::Tenancy,
        previous: Option<&Snapshot>,
    ) -> Snapshot {
        let mut config = self.handler.config().clone();
        tenancy.configure(&mut config);
        let handler = self.handler.with_config(config);
        let http = scim_http::HttpConfig {
            limits: tenancy.limits.clone(),
            max_body_size: tenancy.max_body_size,
            ..self.http.clone()
        };
        let tokens = tenancy.tokens.clone();
        // Every MCP request needs a bearer token, which a DNS-rebinding page cannot
        // send: the `Host` allow-list would only refuse the names a deployment is
        // reached by.
        let mcp = scim_mcp::McpService::with_config(
            scim_mcp::ScimMcp::new(handler.clone(), self.mcp.clone()),
            tokens.clone(),
            scim_mcp::McpService::default_config().disable_allowed_hosts(),
        );
        let metrics = self.metrics.as_ref().map(|m| {
            let required = m.require_token.then(|| tokens.clone());
            let endpoint = MetricsEndpoint::new(m.recorder.clone(), m.pool.clone(), required);
            (endpoint, m.own_listener)
        });
        let here = metrics.clone().filter(|(_, own)| !own).map(|(e, _)| e);
        let scim = match previous {
            Some(previous) => previous.app.scim().reconfigured(handler, tokens, http),
            None => scim_http::ScimService::new(handler, tokens, http),
        };
        Snapshot {
            app: App::new(scim, mcp, here),
            metrics: metrics.map(|(endpoint, _)| endpoint),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::http::StatusCode;
    use scim_ops::{ScimOperationHandler, ServiceConfig};
    use scim_provider::InMemoryProvider;
    use scim_schema::SchemaRegistry;

    use super::*;
    use crate::config::{Flags, Tenancy, from_flags};

    fn tenancy(token: &str) -> Tenancy {
        limited(token, scim_http::Limits::default())
    }

    fn limited(token: &str, limits: scim_http::Limits) -> Tenancy {
        let flags = Flags {
            tokens: vec![("default".into(), token.into())],
            max_body_size: 1 << 20,
            limits,
            ..Flags::default()
        };
        from_flags(&flags).expect("flags")
    }

    fn blueprint() -> Blueprint {
        Blueprint {
            handler: ScimOperationHandler::new(
                Arc::new(InMemoryProvider::new()),
                Arc::new(SchemaRegistry::default()),
                ServiceConfig::default(),
            ),
            http: scim_http::HttpConfig::default(),
            mcp: scim_mcp::McpConfig::default(),
            metrics: None,
        }
    }

    fn get(token: &str) -> Request<Body> {
        Request::get("/scim/v2/Users")
            .header("authorization", format!("Bearer {token}"))
            .body(Body::empty())
            .expect("a request")
    }

    #[tokio::test]
    async fn a_request_in_flight_finishes_under_the_configuration_it_started_with() {
        let blueprint = blueprint();
        let mut current = Current::new(blueprint.snapshot(&tenancy("old"), None));
        // Taken before the reload, answered after it.
        let started = current.call(get("old"));
        current.replace(blueprint.snapshot(&tenancy("new"), Some(&current.get())));
        let answered = started.await.expect("infallible");
        assert_eq!(
            answered.status(),
            StatusCode::OK,
            "the old token, in flight"
        );
        let after = current.call(get("old")).await.expect("infallible");
        assert_eq!(
            after.status(),
            StatusCode::UNAUTHORIZED,
            "the old token, after"
        );
        let new = current.call(get("new")).await.expect("infallible");
        assert_eq!(new.status(), StatusCode::OK, "the new token");
    }

    #[tokio::test]
    async fn a_reload_does_not_refill_a_tenants_bucket() {
        let one_a_second = scim_http::Limits {
            rate: Some(scim_http::Rate::per_second(std::num::NonZeroU32::MIN)),
            ..scim_http::Limits::default()
        };
        let blueprint = blueprint();
        let mut current =
            Current::new(blueprint.snapshot(&limited("t", one_a_second.clone()), None));
        let first = current.call(get("t")).await.expect("infallible");
        assert_eq!(first.status(), StatusCode::OK);
        let over = current.call(get("t")).await.expect("infallible");
        assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);
        let reloaded = blueprint.snapshot(&limited("t", one_a_second), Some(&current.get()));
        current.replace(reloaded);
        let after = current.call(get("t")).await.expect("infallible");
        assert_eq!(after.status(), StatusCode::TOO_MANY_REQUESTS, "still over");
    }
}
