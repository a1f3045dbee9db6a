//! `scim-server`: a SCIM 2.0 server on SQLite (default), in memory, PostgreSQL or
//! MySQL/MariaDB: SCIM under `/scim/v2`, MCP for AI agents at `/mcp`, Prometheus
//! metrics at `/metrics` and `/healthz` on one listener; or MCP on stdio
//! (`mcp-stdio`), migrations (`migrate`), the OpenAPI document (`openapi`).

mod app;
mod cli;
mod config;
mod logs;
mod reload;
mod telemetry;
mod webhooks;

use std::sync::Arc;

use axum::ServiceExt as _;
use axum::response::IntoResponse as _;
use clap::Parser as _;
use scim_http::{HttpConfig, Principal, StaticTokens};
use scim_mcp::{McpConfig, ScimMcp};
use scim_ops::{BaseUrl, ScimOperationHandler, ServiceConfig};
use scim_provider::{
    ChangeFeed, InMemoryProvider, ProviderError, RequestContext, ResourceProvider,
};
use scim_schema::SchemaRegistry;
use scim_sql::SqlProvider;

use crate::cli::{Cli, Command, LogFormat};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // A wrong flag or variable: clap says which and why, and exits with 2.
    let command = Cli::parse().command();
    let lines = match &command {
        Command::Serve(serve) => logs::init(serve.telemetry.log_format, false),
        // stdout carries the protocol or the document.
        _ => logs::init(LogFormat::Text, true),
    };
    lines.flush_periodically();
    let outcome = match command {
        Command::Serve(serve) => self::serve(*serve).await,
        Command::Migrate(migrate) => self::migrate(migrate).await,
        Command::Audit(audit) => self::audit(audit).await,
        Command::Openapi(openapi) => self::openapi(openapi),
        Command::McpStdio(stdio) => mcp_stdio(stdio).await,
    };
    let code = match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            std::process::ExitCode::FAILURE
        }
    };
    lines.flush();
    code
}

/// The store a `--database` value names: the provider, its change feed, and the SQL
/// provider behind it when there is one (for its pool gauges).
struct Store {
    provider: Arc<dyn ResourceProvider>,
    feed: Arc<dyn ChangeFeed>,
    sql: Option<Arc<SqlProvider>>,
}

/// Opens the store a `--database` value names, creating or migrating its schema; its
/// change feed is on, keeping events for `retention`, when that is given.
async fn open(
    database: &str,
    registry: Arc<SchemaRegistry>,
    retention: Option<std::time::Duration>,
) -> Result<Store, String> {
    if database == "memory" {
        let mut memory = InMemoryProvider::with_registry(registry);
        if let Some(retention) = retention {
            memory = memory.with_change_feed(retention);
        }
        let memory = Arc::new(memory);
        return Ok(Store {
            provider: memory.clone(),
            feed: memory,
            sql: None,
        });
    }
    let url = if database.contains("://") || database.starts_with("sqlite:") {
        database.to_owned()
    } else {
        format!("sqlite://{database}")
    };
    let mut sql = connect(&url, registry).await?;
    if let Some(retention) = retention {
        sql = sql.with_change_feed(retention);
    }
    let sql = Arc::new(sql);
    Ok(Store {
        provider: sql.clone(),
        feed: sql.clone(),
        sql: Some(sql),
    })
}

/// Connects to a SQL database, trying again with backoff (and a warning each time)
/// while it cannot be reached, as when the server starts before its database. Any
/// other failure (a wrong password, a wrong URL) ends the start at once.
async fn connect(url: &str, registry: Arc<SchemaRegistry>) -> Result<SqlProvider, String> {
    let mut wait = std::time::Duration::from_millis(500);
    loop {
        match SqlProvider::connect_with_registry(url, registry.clone()).await {
            Ok(sql) => return Ok(sql),
            Err(err @ ProviderError::Unavailable { .. }) => {
                tracing::warn!(
                    database = %redact(url),
                    retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "the database is not available yet: {}",
                    with_causes(&err)
                );
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_CONNECT_WAIT);
            }
            Err(err) => {
                return Err(format!(
                    "cannot open the database {}: {}",
                    redact(url),
                    with_causes(&err)
                ));
            }
        }
    }
}

/// An error and each of its causes, joined by `: `, for an operator to read.
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// The longest wait between two attempts to reach the database at start.
const MAX_CONNECT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// What agents may do.
fn mcp_config(unconditional_writes: &[String]) -> McpConfig {
    let mut mcp = McpConfig::default();
    for tenant in unconditional_writes
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        match tenant {
            "*" => mcp.require_version = false,
            tenant => mcp = mcp.with_unconditional_writes(tenant),
        }
    }
    mcp
}

/// The tokens of `--token` (the default tenant's) and `--tenants`, as
/// `(tenant, token)`.
fn flag_tokens(serve: &cli::Serve) -> Result<Vec<(String, String)>, String> {
    let mut tokens = match serve.tenants.as_deref().filter(|l| !l.trim().is_empty()) {
        Some(list) => {
            StaticTokens::parse_tenant_pairs(list).map_err(|e| format!("--tenants: {e}"))?
        }
        None => Vec::new(),
    };
    if let Some(token) = serve.token.as_deref().filter(|t| !t.is_empty()) {
        tokens.push((RequestContext::DEFAULT_TENANT.to_owned(), token.to_owned()));
    }
    Ok(tokens)
}

/// The tenants of the configuration file, if any, and the flags; with no token from
/// either, one is generated for the default tenant, printed, and kept in `flags` for
/// reloads.
fn tenancy(
    file: Option<&config::ConfigFile>,
    flags: &mut config::Flags,
) -> Result<config::Tenancy, String> {
    let mut tenancy = config::load(file, flags)?;
    if tenancy.tokens.is_empty() {
        let token = scim_http::generate_token().map_err(|e| e.to_string())?;
        println!("Generated bearer token (shown once): {token}");
        let default = RequestContext::DEFAULT_TENANT;
        tenancy.tokens = std::mem::take(&mut tenancy.tokens).with_token(&token, default);
        flags.tokens.push((default.to_owned(), token));
    }
    Ok(tenancy)
}

/// The tenants `settings` describe, for a subcommand that takes no tokens (`openapi`,
/// `mcp-stdio`): their profiles, switches and limits.
fn described_tenancy(
    settings: &cli::Settings,
    limits: scim_http::Limits,
) -> Result<config::Tenancy, String> {
    let flags = config::Flags {
        tokens: Vec::new(),
        profile: cli::given(&settings.compat),
        limits,
        max_body_size: HttpConfig::default().max_body_size,
    };
    let file = settings.config.as_ref().map(config::ConfigFile::new);
    config::load(file.as_ref(), &flags)
}

/// HTTP: SCIM, MCP, metrics and the health check.
async fn serve(serve: cli::Serve) -> Result<(), String> {
    let mut flags = config::Flags {
        tokens: flag_tokens(&serve)?,
        profile: cli::given(&serve.settings.compat),
        limits: serve.limits.resolve()?,
        max_body_size: HttpConfig::default().max_body_size,
    };
    let file = serve.settings.config.as_ref().map(config::ConfigFile::new);
    let tenancy = tenancy(file.as_ref(), &mut flags)?;
    let telemetry = &serve.telemetry;
    let recorder = match telemetry.metrics {
        true => Some(telemetry::install_metrics()?),
        false => None,
    };
    let webhooks = serve.events.resolve(&tenancy.webhooks);
    let registry = Arc::new(SchemaRegistry::default());
    let retention = webhooks.as_ref().map(|w| w.retention);
    let store = open(&serve.database.database, registry.clone(), retention).await?;
    let mut delivering = webhooks.as_ref().map(|w| w.start(store.feed.clone()));

    let listener = tokio::net::TcpListener::bind(&serve.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", serve.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let base_url = match cli::given(&serve.endpoint.public_url) {
        Some(url) => url,
        None => BaseUrl::new(&format!("http://{address}/scim/v2")),
    };
    let mut config = ServiceConfig::at(base_url.clone());
    config.metrics_tenant_label = telemetry.metrics_tenant_label;
    let metrics_listen = cli::given(&telemetry.metrics_listen);
    let blueprint = reload::Blueprint {
        handler: ScimOperationHandler::new(store.provider, registry, config),
        http: HttpConfig {
            trust_forwarded: serve.trust_forwarded,
            tenant_in_path: serve.endpoint.tenant_in_path,
            ..HttpConfig::default()
        },
        mcp: mcp_config(&serve.agents.mcp_unconditional_writes),
        metrics: recorder.map(|recorder| reload::MetricsBlueprint {
            recorder,
            pool: store.sql,
            require_token: telemetry.metrics_require_token,
            own_listener: metrics_listen.is_some(),
        }),
    };
    let current = reload::Current::new(blueprint.snapshot(&tenancy, None));
    let metrics_url = match (&blueprint.metrics, metrics_listen) {
        (None, _) => "off".to_owned(),
        (Some(_), Some(own)) => {
            let bound = serve_metrics(current.clone(), own).await?;
            format!("http://{bound}{}", telemetry::METRICS_PATH)
        }
        (Some(_), None) => format!("http://{address}{}", telemetry::METRICS_PATH),
    };
    let (reloaded, running, events) = (current.clone(), current.clone(), serve.events.clone());
    tokio::spawn(reload::on_hangup(reloaded, move || {
        let file = file
            .as_ref()
            .ok_or("there is no configuration file (--config) to read")?;
        let tenancy = file.load(&flags)?;
        redeliver(delivering.as_mut(), events.resolve(&tenancy.webhooks));
        Ok(blueprint.snapshot(&tenancy, Some(&running.get())))
    }));
    tracing::info!(
        url = %base_url,
        mcp = %format!("http://{address}{}", app::MCP_PATH),
        metrics = %metrics_url,
        listen = %address,
        database = %redact(&serve.database.database),
        trust_forwarded = serve.trust_forwarded,
        tenant_in_path = serve.endpoint.tenant_in_path,
        config = %serve.settings.config.as_ref().map_or("none".into(), |p| p.display().to_string()),
        tenants = tenancy.tenants.len(),
        webhooks = webhooks.as_ref().map_or(0, |w| w.hooks.len()),
        "SCIM server listening"
    );
    axum::serve(listener, current.into_make_service())
        .with_graceful_shutdown(shutdown())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

/// Delivers to the webhooks of a reloaded file (and the flags'). The change feed is on
/// only when the server started with a webhook; without it, new webhooks wait for a
/// restart.
fn redeliver(running: Option<&mut webhooks::Running>, wanted: Option<webhooks::Webhooks>) {
    let hooks = wanted.map_or_else(Vec::new, |w| w.hooks);
    match running {
        Some(running) => {
            let (started, stopped) = running.deliver_to(&hooks);
            if started + stopped > 0 {
                tracing::info!(started, stopped, "webhooks changed");
            }
        }
        None if !hooks.is_empty() => tracing::warn!(
            "the file now has webhooks, but the change feed is on only when the server \
             starts with a webhook: they start on the next start"
        ),
        None => {}
    }
}

/// `/metrics` on a listener of its own; answers the address it bound.
async fn serve_metrics(
    current: reload::Current,
    address: std::net::SocketAddr,
) -> Result<std::net::SocketAddr, String> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen for metrics on {address}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let router = axum::Router::new().route(
        telemetry::METRICS_PATH,
        axum::routing::any(move |request| {
            let endpoint = current.get().metrics.clone();
            async move {
                match endpoint {
                    Some(endpoint) => endpoint.answer(request).await,
                    None => axum::http::StatusCode::NOT_FOUND.into_response(),
                }
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::error!("the metrics listener stopped: {err}");
        }
    });
    Ok(bound)
}

/// `migrate`: connecting runs the pending migrations.
async fn migrate(migrate: cli::Migrate) -> Result<(), String> {
    let database = &migrate.database.database;
    let registry = Arc::new(SchemaRegistry::default());
    let Some(sql) = open(database, registry, None).await?.sql else {
        println!("the in-memory store has no schema to migrate");
        return Ok(());
    };
    let version = sql.schema_version().await.map_err(|e| e.to_string())?;
    println!(
        "{} is at schema version {version} (this binary's: {})",
        redact(database),
        scim_sql::SCHEMA_VERSION
    );
    Ok(())
}

/// `audit`: every violation on its own line, then a summary; an error when there is
/// any.
async fn audit(audit: cli::Migrate) -> Result<(), String> {
    let database = &audit.database.database;
    let Some(sql) = open(database, Arc::new(SchemaRegistry::default()), None)
        .await?
        .sql
    else {
        return Err("the in-memory store starts empty: there is nothing to audit".into());
    };
    let found = sql.audit().await.map_err(|e| e.to_string())?;
    for violation in &found.violations {
        println!("{violation}");
    }
    println!(
        "{}: {} resources, {} memberships, {} violations",
        redact(database),
        found.resources,
        found.memberships,
        found.violations.len()
    );
    match found.violations.len() {
        0 => Ok(()),
        n => Err(format!("the audit found {n} violations")),
    }
}

/// `openapi`: the document of the endpoint these settings make.
fn openapi(openapi: cli::OpenApi) -> Result<(), String> {
    let base_url =
        cli::given(&openapi.endpoint.public_url).unwrap_or_else(|| BaseUrl::from_path("/scim/v2"));
    let tenancy = described_tenancy(&openapi.settings, openapi.limits.resolve()?)?;
    let mut config = ServiceConfig::at(base_url);
    tenancy.configure(&mut config);
    let handler = ScimOperationHandler::new(
        Arc::new(InMemoryProvider::new()),
        Arc::new(SchemaRegistry::default()),
        config,
    );
    let http = HttpConfig {
        tenant_in_path: openapi.endpoint.tenant_in_path,
        limits: tenancy.limits,
        max_body_size: tenancy.max_body_size,
        ..HttpConfig::default()
    };
    let document = scim_http::openapi_document(&handler, &http);
    let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    println!("{text}");
    Ok(())
}

/// MCP on stdin and stdout, every call for the configured tenant.
async fn mcp_stdio(stdio: cli::McpStdio) -> Result<(), String> {
    let tenancy = described_tenancy(&stdio.settings, scim_http::Limits::default())?;
    let registry = Arc::new(SchemaRegistry::default());
    let store = open(&stdio.database.database, registry.clone(), None).await?;
    let base_url = cli::given(&stdio.public_url)
        .unwrap_or_else(|| BaseUrl::new("http://127.0.0.1:8080/scim/v2"));
    let mut config = ServiceConfig::at(base_url);
    tenancy.configure(&mut config);
    let handler = ScimOperationHandler::new(store.provider, registry, config);
    let tenant = match stdio.tenant.trim() {
        "" => RequestContext::DEFAULT_TENANT,
        tenant => tenant,
    };
    let principal = Principal {
        tenant: tenant.into(),
        name: "mcp-stdio".into(),
    };
    tracing::info!(
        tenant = %tenant,
        database = %redact(&stdio.database.database),
        "MCP on stdio"
    );
    let mcp = ScimMcp::new(handler, mcp_config(&stdio.agents.mcp_unconditional_writes));
    scim_mcp::serve_stdio(mcp, principal)
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
