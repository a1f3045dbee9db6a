//! A host service that mounts SCIM on axum and acts on what the identity provider
//! changes: `cargo run --example host_service`.
//!
//! Its own routes stand for the rest of the service: `POST /app/sessions/{user id}`
//! opens a session (a login), `GET /app/sessions/{user id}` counts them. When the
//! identity provider sets a user `active: false` or deletes it, the change feed
//! tells the session follower (`scim_examples::sessions`), which revokes that
//! user's sessions: no polling of its own, no hook that could disagree with storage.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use scim_examples::sessions::{Sessions, revoke_on_deactivation};
use scim_provider::{InMemoryProvider, RequestContext};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // The feed keeps a day of events; a SQL provider keeps them in its database.
    let provider = Arc::new(InMemoryProvider::new().with_change_feed(Duration::from_secs(86_400)));
    let sessions = Arc::new(Sessions::default());
    tokio::spawn({
        let (provider, sessions) = (provider.clone(), sessions.clone());
        async move {
            let tenant = RequestContext::DEFAULT_TENANT;
            if let Err(err) = revoke_on_deactivation(provider, sessions, tenant).await {
                eprintln!("the session follower stopped: {err}");
            }
        }
    });

    let (service, address) = scim_examples::service_on("axum, with a session follower", provider);
    let app = axum::Router::new()
        .route("/app/sessions/{user}", axum::routing::post(open).get(count))
        .with_state(sessions)
        .nest_service(service.base_path(), service.nested());
    let listener = tokio::net::TcpListener::bind(address).await?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

async fn open(State(sessions): State<Arc<Sessions>>, Path(user): Path<String>) -> String {
    format!("session {} for {user}\n", sessions.open(&user))
}

async fn count(State(sessions): State<Arc<Sessions>>, Path(user): Path<String>) -> String {
    format!("{} sessions\n", sessions.count(&user))
}
