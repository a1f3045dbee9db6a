//! The command line: subcommands, flags and the environment variable of each (flags
//! win over the environment).

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use scim_http::Rate;
use scim_ops::BaseUrl;
use scim_ops::Profile;
use scim_provider::RequestContext;

use crate::webhooks::Hook;

/// A SCIM 2.0 server: SCIM at /scim/v2, MCP for AI agents at /mcp, Prometheus
/// metrics at /metrics and a health check at /healthz, on SQLite by default.
#[derive(Debug, Parser)]
#[command(
    name = "scim-server",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "Logs: RUST_LOG sets the filter (default info): one line per request at info."
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    /// Serving, when no subcommand is given.
    #[command(flatten)]
    pub(crate) serve: Serve,
}

impl Cli {
    /// What to do: `serve` unless another subcommand is named.
    pub(crate) fn command(self) -> Command {
        self.command
            .unwrap_or_else(|| Command::Serve(Box::new(self.serve)))
    }
}

/// What the server was asked to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Serve SCIM, MCP, metrics and the health check over HTTP (the default).
    Serve(Box<Serve>),
    /// Run the database's pending migrations, print its schema version, and exit.
    Migrate(Migrate),
    /// Check every stored resource and membership against the invariants writes keep
    /// (versions, digests, members, unique userNames), print what is wrong, and exit
    /// non-zero if anything is.
    Audit(Migrate),
    /// Print the OpenAPI 3.1 document of the SCIM endpoint and exit.
    Openapi(OpenApi),
    /// Serve MCP on stdin and stdout for one tenant, logging to stderr.
    McpStdio(McpStdio),
}

/// `serve`.
#[derive(Debug, Clone, Args)]
pub(crate) struct Serve {
    /// Where to listen.
    #[arg(
        long,
        env = "SCIM_LISTEN",
        value_name = "ADDRESS",
        default_value = "127.0.0.1:8080"
    )]
    pub(crate) listen: String,
    #[command(flatten)]
    pub(crate) database: Database,
    /// The bearer token of the default tenant; generated and printed when neither it nor
    /// --tenants is given.
    #[arg(long, env = "SCIM_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// More tenants, one token each: tenantA=tokenA,tenantB=tokenB (with --token, the
    /// default tenant keeps its token).
    #[arg(
        long,
        env = "SCIM_TENANTS",
        value_name = "LIST",
        hide_env_values = true
    )]
    pub(crate) tenants: Option<String>,
    #[command(flatten)]
    pub(crate) settings: Settings,
    #[command(flatten)]
    pub(crate) endpoint: Endpoint,
    /// Take the origin of locations from Forwarded / X-Forwarded-Proto and
    /// X-Forwarded-Host; only behind a proxy that sets them.
    #[arg(long, env = "SCIM_TRUST_FORWARDED", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = off_unless_set)]
    pub(crate) trust_forwarded: bool,
    #[command(flatten)]
    pub(crate) agents: Agents,
    #[command(flatten)]
    pub(crate) telemetry: Telemetry,
    #[command(flatten)]
    pub(crate) limits: Limits,
    #[command(flatten)]
    pub(crate) events: Events,
}

/// Change events, delivered to webhooks.
#[derive(Debug, Clone, Args)]
pub(crate) struct Events {
    /// POST every change event as JSON to this http:// URL, in order, until it answers
    /// 2xx; repeat the flag for more (SCIM_WEBHOOK_URL: a comma-separated list). Turns
    /// the change feed on.
    #[arg(
        long = "webhook",
        env = "SCIM_WEBHOOK_URL",
        value_name = "URL",
        value_delimiter = ',',
        value_parser = webhook_url
    )]
    pub(crate) webhooks: Vec<Unset<http::Uri>>,
    /// Sign each delivery: X-Scim-Signature: sha256=HEX, the HMAC-SHA256 of the body
    /// under this key.
    #[arg(
        long,
        env = "SCIM_WEBHOOK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub(crate) webhook_secret: Option<String>,
    /// Hours change events are kept for webhooks that cannot take them yet [default:
    /// 168].
    #[arg(long, env = "SCIM_EVENT_RETENTION", value_name = "HOURS", value_parser = positive)]
    pub(crate) event_retention: Option<Unset<NonZeroU32>>,
}

impl Events {
    /// Hours events are kept, unless set.
    pub(crate) const RETENTION_HOURS: u32 = 168;

    /// The webhooks of the flags, and `more` (the configuration file's), when there is
    /// any.
    pub(crate) fn resolve(&self, more: &[Hook]) -> Option<crate::webhooks::Webhooks> {
        let secret = self.webhook_secret.clone().filter(|s| !s.is_empty());
        let mut hooks: Vec<Hook> = (self.webhooks.iter().filter_map(|u| u.0.clone()))
            .map(|url| Hook {
                url,
                secret: secret.clone(),
                tenant: None,
            })
            .collect();
        hooks.extend_from_slice(more);
        if hooks.is_empty() {
            return None;
        }
        let hours = given(&self.event_retention).map_or(Self::RETENTION_HOURS, NonZeroU32::get);
        Some(crate::webhooks::Webhooks {
            hooks,
            retention: Duration::from_secs(u64::from(hours) * 3600),
        })
    }
}

/// What each tenant may ask of the server; each tenant is counted on its own. Shared
/// by `serve` and `openapi`.
#[derive(Debug, Clone, Args)]
pub(crate) struct Limits {
    /// Requests a second each tenant may make (429 with Retry-After beyond) [default:
    /// no limit].
    #[arg(long, env = "SCIM_RATE_LIMIT", value_name = "PER_SECOND", value_parser = positive)]
    pub(crate) rate_limit: Option<Unset<NonZeroU32>>,
    /// Requests a tenant may make at once within its rate [default: the rate].
    #[arg(long, env = "SCIM_RATE_BURST", value_name = "REQUESTS", value_parser = positive)]
    pub(crate) rate_burst: Option<Unset<NonZeroU32>>,
    /// Requests of one tenant in progress at once (429 with Retry-After beyond); 0: no
    /// limit [default: 256].
    #[arg(long, env = "SCIM_MAX_IN_FLIGHT", value_name = "REQUESTS", value_parser = whole)]
    pub(crate) max_in_flight: Option<Unset<u64>>,
    /// Seconds a request may take, its body's reading included (503 with Retry-After
    /// beyond); 0: no limit [default: 60].
    #[arg(long, env = "SCIM_REQUEST_TIMEOUT", value_name = "SECONDS", value_parser = whole)]
    pub(crate) request_timeout: Option<Unset<u64>>,
}

impl Limits {
    /// Requests of one tenant in progress at once, unless set.
    pub(crate) const MAX_IN_FLIGHT: u64 = 256;
    /// Seconds a request may take, unless set.
    pub(crate) const REQUEST_TIMEOUT: u64 = 60;

    /// The limits for `scim-http`; a burst without a rate is refused.
    pub(crate) fn resolve(&self) -> Result<scim_http::Limits, String> {
        let rate = match (given(&self.rate_limit), given(&self.rate_burst)) {
            (Some(rate), burst) => Some(Rate::per_second(rate).with_burst(burst.unwrap_or(rate))),
            (None, Some(_)) => {
                return Err(
                    "--rate-burst (SCIM_RATE_BURST) needs --rate-limit (SCIM_RATE_LIMIT)".into(),
                );
            }
            (None, None) => None,
        };
        let max_in_flight = given(&self.max_in_flight).unwrap_or(Self::MAX_IN_FLIGHT);
        let timeout = given(&self.request_timeout).unwrap_or(Self::REQUEST_TIMEOUT);
        Ok(scim_http::Limits {
            rate,
            max_in_flight: (max_in_flight > 0)
                .then(|| usize::try_from(max_in_flight).unwrap_or(usize::MAX)),
            timeout: (timeout > 0).then(|| Duration::from_secs(timeout)),
            ..scim_http::Limits::default()
        })
    }
}

/// What AI agents may do; shared by `serve` and `mcp-stdio`.
#[derive(Debug, Clone, Args)]
pub(crate) struct Agents {
    /// Tenants (comma-separated, * for all) whose agents may write without the version
    /// they read.
    #[arg(
        long,
        env = "SCIM_MCP_UNCONDITIONAL_WRITES",
        value_name = "TENANTS",
        value_delimiter = ','
    )]
    pub(crate) mcp_unconditional_writes: Vec<String>,
}

/// Where SCIM is reached; shared by `serve` and `openapi`.
#[derive(Debug, Clone, Args)]
pub(crate) struct Endpoint {
    /// Where clients reach SCIM.
    #[arg(
        help = "Where clients reach SCIM, such as https://scim.example.com/scim/v2: the base of every meta.location and Location, and its path the path served [default: http://ADDRESS/scim/v2]"
    )]
    #[arg(long, env = "SCIM_PUBLIC_URL", value_name = "URL", value_parser = public_url)]
    pub(crate) public_url: Option<Unset<BaseUrl>>,
    /// Serve /scim/v2/{tenant}/...; the token's tenant must match.
    #[arg(long, env = "SCIM_TENANT_IN_PATH", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = off_unless_set)]
    pub(crate) tenant_in_path: bool,
}

/// Metrics and logs.
#[derive(Debug, Clone, Args)]
pub(crate) struct Telemetry {
    /// Record Prometheus metrics and serve them at GET /metrics.
    #[arg(long, env = "SCIM_METRICS", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true", value_parser = on_unless_set)]
    pub(crate) metrics: bool,
    /// Serve /metrics on this address of its own instead of the main listener.
    #[arg(long, env = "SCIM_METRICS_LISTEN", value_name = "ADDRESS", value_parser = address)]
    pub(crate) metrics_listen: Option<Unset<SocketAddr>>,
    /// Answer /metrics only to a request with a valid SCIM bearer token.
    #[arg(long, env = "SCIM_METRICS_REQUIRE_TOKEN", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = off_unless_set)]
    pub(crate) metrics_require_token: bool,
    /// Label metrics with the tenant (each tenant is then time series of its own).
    #[arg(long, env = "SCIM_METRICS_TENANT_LABEL", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_value = "false", default_missing_value = "true", value_parser = off_unless_set)]
    pub(crate) metrics_tenant_label: bool,
    /// How log lines are written: text (for people) or json (one object per line, for
    /// log pipelines).
    #[arg(long, env = "SCIM_LOG_FORMAT", value_name = "FORMAT", default_value = "text", value_parser = log_format)]
    pub(crate) log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogFormat {
    /// For people: one line per event, span fields inline.
    Text,
    /// For log pipelines: one JSON object per line.
    Json,
}

/// The database, for every subcommand that opens one.
#[derive(Debug, Clone, Args)]
pub(crate) struct Database {
    /// sqlite://FILE (created if missing), memory, postgres://..., mysql://...
    #[arg(
        long,
        env = "SCIM_DATABASE",
        value_name = "URL",
        default_value = "sqlite://scim.db"
    )]
    pub(crate) database: String,
}

/// `migrate` and `audit`.
#[derive(Debug, Clone, Args)]
pub(crate) struct Migrate {
    #[command(flatten)]
    pub(crate) database: Database,
}

/// `openapi`.
#[derive(Debug, Clone, Args)]
pub(crate) struct OpenApi {
    #[command(flatten)]
    pub(crate) settings: Settings,
    #[command(flatten)]
    pub(crate) endpoint: Endpoint,
    /// The limits the document's server runs with (they add its 429 and 503).
    #[command(flatten)]
    pub(crate) limits: Limits,
}

/// The tenants' settings: the configuration file and the default profile. Shared by
/// `serve`, `openapi` and `mcp-stdio`, so each describes or serves the same tenants.
#[derive(Debug, Clone, Args)]
pub(crate) struct Settings {
    /// A TOML file of tenants: their tokens, compatibility profiles, limits and
    /// webhooks (see docs/running.md); read again on SIGHUP.
    #[arg(long, env = "SCIM_CONFIG", value_name = "FILE")]
    pub(crate) config: Option<std::path::PathBuf>,
    /// The compatibility profile of every tenant whose own settings name none:
    /// strict, default, entra, okta or lenient [default: default].
    #[arg(long, env = "SCIM_COMPAT", value_name = "PROFILE", value_parser = profile)]
    pub(crate) compat: Option<Unset<Profile>>,
}

/// `mcp-stdio`.
#[derive(Debug, Clone, Args)]
pub(crate) struct McpStdio {
    #[command(flatten)]
    pub(crate) database: Database,
    /// The tenant every call runs for (empty: default).
    #[arg(long, env = "SCIM_TENANT", value_name = "TENANT", default_value = RequestContext::DEFAULT_TENANT)]
    pub(crate) tenant: String,
    /// Where resources are located.
    #[arg(help = "Where resources are located [default: http://127.0.0.1:8080/scim/v2]")]
    #[arg(long, env = "SCIM_PUBLIC_URL", value_name = "URL", value_parser = public_url)]
    pub(crate) public_url: Option<Unset<BaseUrl>>,
    #[command(flatten)]
    pub(crate) settings: Settings,
    #[command(flatten)]
    pub(crate) agents: Agents,
}

/// A value that may be given empty, which counts as not given: clap reads an empty
/// environment variable as a value, and `SCIM_PUBLIC_URL=` must mean "unset".
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unset<T>(Option<T>);

/// The value of an [`Unset`] flag, if it was given and not empty.
pub(crate) fn given<T: Clone>(value: &Option<Unset<T>>) -> Option<T> {
    value.as_ref().and_then(|unset| unset.0.clone())
}

/// A public URL, refused unless it is `http(s)://host[:port][/path]`.
fn public_url(value: &str) -> Result<Unset<BaseUrl>, String> {
    if value.is_empty() {
        return Ok(Unset(None));
    }
    match value.parse::<BaseUrl>() {
        Ok(url) if url.origin().is_some() => Ok(Unset(Some(url))),
        Ok(_) => Err("needs http:// or https:// and a host".into()),
        Err(err) => Err(err.to_string()),
    }
}

/// A webhook URL, or empty.
fn webhook_url(value: &str) -> Result<Unset<http::Uri>, String> {
    match value.trim() {
        "" => Ok(Unset(None)),
        url => crate::webhooks::Webhooks::url(url).map(|u| Unset(Some(u))),
    }
}

/// A compatibility profile, or empty.
fn profile(value: &str) -> Result<Unset<Profile>, String> {
    parsed(value, |e: scim_ops::UnknownProfile| e.to_string())
}

/// A socket address, or empty.
fn address(value: &str) -> Result<Unset<SocketAddr>, String> {
    parsed(value, |e: std::net::AddrParseError| e.to_string())
}

/// A whole number above 0, or empty.
fn positive(value: &str) -> Result<Unset<NonZeroU32>, String> {
    parsed(value, |_| "is not a whole number above 0".into())
}

/// A whole number, or empty.
fn whole(value: &str) -> Result<Unset<u64>, String> {
    parsed(value, |_| "is not a whole number".into())
}

/// `value` parsed, or unset when empty; `refusal` says what is wrong otherwise.
fn parsed<T: std::str::FromStr>(
    value: &str,
    refusal: impl FnOnce(T::Err) -> String,
) -> Result<Unset<T>, String> {
    match value {
        "" => Ok(Unset(None)),
        value => value.parse().map(|v| Unset(Some(v))).map_err(refusal),
    }
}

/// `text` or `json` (empty: `text`).
fn log_format(value: &str) -> Result<LogFormat, String> {
    match value.to_ascii_lowercase().as_str() {
        "" | "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err("is not text or json".into()),
    }
}

/// A switch that is off unless set: `true`, `yes`, `on`, `1` (and `t`, `y`) are on;
/// `false`, `no`, `off`, `0` (and `f`, `n`) and empty are off.
fn off_unless_set(value: &str) -> Result<bool, String> {
    switch(value, false)
}

/// A switch that is on unless set off (empty: on).
fn on_unless_set(value: &str) -> Result<bool, String> {
    switch(value, true)
}

fn switch(value: &str, empty: bool) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "" => Ok(empty),
        "true" | "t" | "yes" | "y" | "on" | "1" => Ok(true),
        "false" | "f" | "no" | "n" | "off" | "0" => Ok(false),
        _ => Err("is not true or false".into()),
    }
}

#[cfg(test)]
mod tests {
    //! Flags only: the environment is read through the binary, in `tests/cli.rs`.
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("scim-server").chain(args.iter().copied()))
            .map(Cli::command)
    }

    fn serve(args: &[&str]) -> Serve {
        match parse(args) {
            Ok(Command::Serve(serve)) => *serve,
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn flags() {
        let serve = serve(&[
            "serve",
            "--listen",
            "127.0.0.1:1",
            "--database=postgres://x",
            "--token",
            "f",
            "--tenants",
            "a=x,b=y",
            "--public-url",
            "http://lb.internal:8443/identity/scim",
            "--trust-forwarded=false",
            "--tenant-in-path",
            "--mcp-unconditional-writes=a,b",
            "--metrics=off",
            "--metrics-listen",
            "127.0.0.1:9100",
            "--metrics-require-token",
            "--metrics-tenant-label=yes",
            "--log-format",
            "json",
        ]);
        assert_eq!(serve.listen, "127.0.0.1:1");
        assert_eq!(serve.database.database, "postgres://x");
        assert_eq!(serve.token.as_deref(), Some("f"));
        assert_eq!(serve.tenants.as_deref(), Some("a=x,b=y"));
        assert_eq!(
            given(&serve.endpoint.public_url),
            Some("http://lb.internal:8443/identity/scim".parse().unwrap())
        );
        assert!(!serve.trust_forwarded && serve.endpoint.tenant_in_path);
        assert_eq!(serve.agents.mcp_unconditional_writes, ["a", "b"]);
        let telemetry = serve.telemetry;
        assert!(!telemetry.metrics && telemetry.metrics_require_token);
        assert!(telemetry.metrics_tenant_label);
        assert_eq!(
            given(&telemetry.metrics_listen),
            Some("127.0.0.1:9100".parse().unwrap())
        );
        assert_eq!(telemetry.log_format, LogFormat::Json);
    }

    #[test]
    fn webhooks_turn_the_feed_on() {
        assert!(serve(&[]).events.resolve(&[]).is_none());
        let events = serve(&[
            "--webhook",
            "http://127.0.0.1:9000/a",
            "--webhook=http://hooks.internal/b",
            "--webhook-secret",
            "k",
            "--event-retention",
            "2",
        ])
        .events
        .resolve(&[])
        .unwrap();
        let urls: Vec<String> = events.hooks.iter().map(|h| h.url.to_string()).collect();
        assert_eq!(urls, ["http://127.0.0.1:9000/a", "http://hooks.internal/b"]);
        assert!(
            events
                .hooks
                .iter()
                .all(|h| h.secret.as_deref() == Some("k"))
        );
        assert!(events.hooks.iter().all(|h| h.tenant.is_none()));
        assert_eq!(events.retention, Duration::from_secs(7200));
        let unsigned = serve(&["--webhook", "http://h/", "--webhook-secret="]);
        let unsigned = unsigned.events.resolve(&[]).unwrap();
        assert_eq!(unsigned.hooks[0].secret, None);
        assert_eq!(unsigned.retention, Duration::from_secs(168 * 3600));
    }

    #[test]
    fn serve_is_the_default() {
        let serve = serve(&["--listen", "127.0.0.1:2", "--trust-forwarded"]);
        assert_eq!(serve.listen, "127.0.0.1:2");
        assert!(serve.trust_forwarded);
    }

    #[test]
    fn subcommands() {
        match parse(&["mcp-stdio", "--database", "memory", "--tenant", "acme"]) {
            Ok(Command::McpStdio(stdio)) => {
                assert_eq!(stdio.database.database, "memory");
                assert_eq!(stdio.tenant, "acme");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(&["migrate", "--database", "memory"]),
            Ok(Command::Migrate(_))
        ));
        assert!(matches!(
            parse(&["audit", "--database", "sqlite://x.db"]),
            Ok(Command::Audit(_))
        ));
        match parse(&["openapi", "--public-url", "https://h/scim"]) {
            Ok(Command::Openapi(openapi)) => assert!(given(&openapi.endpoint.public_url).is_some()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        for (args, says) in [
            (&["--database", "memory", "mcp-stdio"][..], "mcp-stdio"),
            (&["--listen"], "--listen"),
            (&["--bogus"], "--bogus"),
            (&["--public-url", "/scim/v2"], "a host"),
            (&["--public-url", "ftp://h/"], "--public-url"),
            (&["--trust-forwarded=maybe"], "maybe"),
            (&["--log-format", "xml"], "xml"),
            (&["--metrics-listen", "nowhere"], "nowhere"),
            (&["--rate-limit", "0"], "a whole number above 0"),
            (&["--rate-burst=-3"], "a whole number above 0"),
            (&["--max-in-flight", "many"], "a whole number"),
            (&["--request-timeout", "1.5"], "a whole number"),
            (
                &["--webhook", "https://hooks.example.com/"],
                "https is not supported",
            ),
            (&["--webhook", "hooks"], "needs http://"),
            (&["--event-retention", "0"], "a whole number above 0"),
            (&["--compat", "azure"], "the profiles are strict"),
        ] {
            let err = parse(args).expect_err(says);
            assert!(err.to_string().contains(says), "{args:?}: {err}");
        }
    }

    #[test]
    fn limits_default_to_no_rate_256_in_progress_and_60_seconds() {
        let limits = serve(&[]).limits.resolve().unwrap();
        assert_eq!(limits.rate, None);
        assert_eq!(limits.max_in_flight, Some(256));
        assert_eq!(limits.timeout, Some(Duration::from_secs(60)));
        let off = serve(&["--max-in-flight", "0", "--request-timeout", "0"]);
        let off = off.limits.resolve().unwrap();
        assert_eq!((off.max_in_flight, off.timeout), (None, None));
        let rated = serve(&["--rate-limit", "20"]).limits.resolve().unwrap();
        let rate = rated.rate.unwrap();
        assert_eq!(
            (rate.per_second_limit().get(), rate.burst().get()),
            (20, 20)
        );
        let burst = serve(&["--rate-limit", "20", "--rate-burst", "50"]);
        assert_eq!(
            burst.limits.resolve().unwrap().rate.unwrap().burst().get(),
            50
        );
        let alone = serve(&["--rate-burst", "50"]).limits.resolve().unwrap_err();
        assert!(alone.contains("needs --rate-limit"), "{alone}");
    }

    #[test]
    fn help_names_every_flag_and_its_variable() {
        let help = parse(&["--help"]).unwrap_err().to_string();
        for variable in [
            "SCIM_LISTEN",
            "SCIM_DATABASE",
            "SCIM_TOKEN",
            "SCIM_TENANTS",
            "SCIM_CONFIG",
            "SCIM_COMPAT",
            "SCIM_PUBLIC_URL",
            "SCIM_TRUST_FORWARDED",
            "SCIM_TENANT_IN_PATH",
            "SCIM_MCP_UNCONDITIONAL_WRITES",
            "SCIM_METRICS",
            "SCIM_METRICS_LISTEN",
            "SCIM_METRICS_REQUIRE_TOKEN",
            "SCIM_METRICS_TENANT_LABEL",
            "SCIM_LOG_FORMAT",
            "SCIM_RATE_LIMIT",
            "SCIM_RATE_BURST",
            "SCIM_MAX_IN_FLIGHT",
            "SCIM_REQUEST_TIMEOUT",
            "SCIM_WEBHOOK_URL",
            "SCIM_WEBHOOK_SECRET",
            "SCIM_EVENT_RETENTION",
            "RUST_LOG",
        ] {
            assert!(
                help.contains(variable),
                "{variable} missing from --help:\n{help}"
            );
        }
        for subcommand in ["serve", "migrate", "openapi", "mcp-stdio"] {
            assert!(help.contains(subcommand), "{subcommand}");
        }
        let stdio = parse(&["mcp-stdio", "--help"]).unwrap_err().to_string();
        assert!(stdio.contains("SCIM_TENANT"), "{stdio}");
    }
}
