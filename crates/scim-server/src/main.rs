//! `scim-server`: a SCIM 2.0 server on SQLite (default), in memory, PostgreSQL or
//! MySQL/MariaDB: SCIM under `/scim/v2` and MCP for AI agents at `/mcp` on one listener,
//! or MCP on stdio (`scim-server mcp-stdio`).

mod app;
mod config;

use std::sync::Arc;

use axum::ServiceExt as _;
use scim_http::{HttpConfig, Principal, ScimService, StaticTokens};
use scim_mcp::{McpConfig, McpService, ScimMcp};
use scim_ops::{BaseUrl, ScimOperationHandler, ServiceConfig};
use scim_provider::{InMemoryProvider, RequestContext, ResourceProvider};
use scim_schema::SchemaRegistry;
use scim_sql::SqlProvider;

use crate::config::{Command, Config};

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
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match config.command {
        // stdout carries the protocol.
        Command::McpStdio => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init(),
        Command::Serve => logs
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .init(),
    }
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
    let provider = open(&config.database, registry.clone()).await?;
    match config.command {
        Command::Serve => serve(config, provider, registry).await,
        Command::McpStdio => mcp_stdio(config, provider, registry).await,
    }
}

/// The provider a `--database` value names.
async fn open(
    database: &str,
    registry: Arc<SchemaRegistry>,
) -> Result<Arc<dyn ResourceProvider>, String> {
    if database == "memory" {
        return Ok(Arc::new(InMemoryProvider::with_registry(registry)));
    }
    let url = if database.contains("://") || database.starts_with("sqlite:") {
        database.to_owned()
    } else {
        format!("sqlite://{database}")
    };
    let provider = SqlProvider::connect_with_registry(&url, registry)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", redact(&url)))?;
    Ok(Arc::new(provider))
}

/// What agents may do.
fn mcp_config(config: &Config) -> McpConfig {
    let mut mcp = McpConfig::default();
    for tenant in &config.unconditional_writes {
        match tenant.as_str() {
            "*" => mcp.require_version = false,
            tenant => mcp = mcp.with_unconditional_writes(tenant),
        }
    }
    mcp
}

/// HTTP: SCIM, MCP and the health check on one listener.
async fn serve(
    config: Config,
    provider: Arc<dyn ResourceProvider>,
    registry: Arc<SchemaRegistry>,
) -> Result<(), String> {
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
    // Every MCP request needs a bearer token, which a DNS-rebinding page cannot send:
    // the `Host` allow-list would only refuse the names a deployment is reached by.
    let mcp = McpService::with_config(
        ScimMcp::new(handler.clone(), mcp_config(&config)),
        tokens.clone(),
        McpService::default_config().disable_allowed_hosts(),
    );
    let scim = ScimService::new(handler, tokens, http);
    tracing::info!(
        url = %base_url,
        mcp = %format!("http://{address}{}", app::MCP_PATH),
        listen = %address,
        database = %redact(&config.database),
        trust_forwarded = config.trust_forwarded,
        tenant_in_path = config.tenant_in_path,
        "SCIM server listening"
    );
    axum::serve(listener, app::App::new(scim, mcp).into_make_service())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// MCP on stdin and stdout, every call for the configured tenant.
async fn mcp_stdio(
    config: Config,
    provider: Arc<dyn ResourceProvider>,
    registry: Arc<SchemaRegistry>,
) -> Result<(), String> {
    let base_url = match config.public_url.clone() {
        Some(url) => url,
        None => BaseUrl::new(&format!("http://{}/scim/v2", config.listen)),
    };
    let handler = ScimOperationHandler::new(provider, registry, ServiceConfig::at(base_url));
    let principal = Principal {
        tenant: config.tenant.as_str().into(),
        name: "mcp-stdio".into(),
    };
    tracing::info!(
        tenant = %config.tenant,
        database = %redact(&config.database),
        "MCP on stdio"
    );
    scim_mcp::serve_stdio(ScimMcp::new(handler, mcp_config(&config)), principal)
        .await
        .map_err(|e| format!("MCP on stdio: {e}"))
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
