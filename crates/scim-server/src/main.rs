//! `scim-server`: a SCIM 2.0 server on SQLite (default), in memory, PostgreSQL or
//! MySQL/MariaDB, served with axum under `/scim/v2`.

mod app;
mod config;

use std::sync::Arc;

use axum::ServiceExt as _;
use scim_http::{HttpConfig, ScimService, StaticTokens};
use scim_ops::{BaseUrl, ScimOperationHandler, ServiceConfig};
use scim_provider::{InMemoryProvider, RequestContext, ResourceProvider};
use scim_schema::SchemaRegistry;
use scim_sql::SqlProvider;

use crate::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::from_args(std::env::args().skip(1), |name| std::env::var(name).ok())
    {
        Ok(config) => config,
        Err(message) => {
            eprintln!("{message}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let registry = Arc::new(SchemaRegistry::default());
    let provider: Arc<dyn ResourceProvider> = if config.database == "memory" {
        Arc::new(InMemoryProvider::with_registry(registry.clone()))
    } else {
        let url = if config.database.contains("://") || config.database.starts_with("sqlite:") {
            config.database.clone()
        } else {
            format!("sqlite://{}", config.database)
        };
        let provider = SqlProvider::connect_with_registry(&url, registry.clone())
            .await
            .map_err(|e| format!("cannot open the database {}: {e}", redact(&url)))?;
        Arc::new(provider)
    };

    let tokens = match &config.token {
        Some(token) => StaticTokens::new().with_token(token, RequestContext::DEFAULT_TENANT),
        None => {
            let (tokens, generated) = StaticTokens::from_env().map_err(|e| e.to_string())?;
            if let Some(token) = generated {
                println!("Generated bearer token (shown once): {token}");
            }
            tokens
        }
    };

    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let base_url = match config.public_url.clone() {
        Some(url) => url,
        None => BaseUrl::new(&format!("http://{address}/scim/v2")),
    };
    let handler =
        ScimOperationHandler::new(provider, registry, ServiceConfig::at(base_url.clone()));
    let http = HttpConfig {
        trust_forwarded: config.trust_forwarded,
        tenant_in_path: config.tenant_in_path,
        ..HttpConfig::default()
    };
    let service = ScimService::new(handler, tokens, http);
    tracing::info!(
        url = %base_url,
        listen = %address,
        database = %redact(&config.database),
        trust_forwarded = config.trust_forwarded,
        tenant_in_path = config.tenant_in_path,
        "SCIM server listening"
    );
    axum::serve(listener, app::App::new(service).into_make_service())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => return interrupt.await.unwrap_or_default(),
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    interrupt.await.unwrap_or_default();
    tracing::info!("shutting down");
}

/// A database URL without its password, for logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
