//! Command-line flags and environment variables.

use scim_ops::BaseUrl;

/// How the server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// HTTP: `/scim/v2`, `/mcp` and `/healthz` on one listener.
    Serve,
    /// MCP on stdin and stdout, for one tenant.
    McpStdio,
}

/// What the server was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) command: Command,
    pub(crate) listen: String,
    pub(crate) database: String,
    pub(crate) token: Option<String>,
    /// Where clients reach the server; `http://{bound address}/scim/v2` when unset.
    pub(crate) public_url: Option<BaseUrl>,
    pub(crate) trust_forwarded: bool,
    pub(crate) tenant_in_path: bool,
    /// The tenant `mcp-stdio` serves.
    pub(crate) tenant: String,
    /// Tenants whose agents may write without a version (`*`: every tenant).
    pub(crate) unconditional_writes: Vec<String>,
}

pub(crate) const USAGE: &str = "scim-server: a SCIM 2.0 server

Usage: scim-server [--listen ADDRESS] [--database URL] [--token TOKEN]
                   [--public-url URL] [--trust-forwarded] [--tenant-in-path]
                   [--mcp-unconditional-writes TENANTS]
       scim-server mcp-stdio [--database URL] [--tenant TENANT]
                   [--mcp-unconditional-writes TENANTS]

  Serves SCIM at /scim/v2 and MCP (Streamable HTTP, same tokens) at /mcp;
  mcp-stdio serves MCP on stdin/stdout for one tenant, logging to stderr.

  --listen ADDRESS   where to listen (SCIM_LISTEN; default 127.0.0.1:8080)
  --database URL     sqlite://FILE, memory, postgres://..., mysql://...
                     (SCIM_DATABASE; default sqlite://scim.db, created if missing)
  --token TOKEN      the bearer token of the default tenant (SCIM_TOKEN;
                     generated and printed when unset)
  --public-url URL   where clients reach SCIM, such as https://scim.example.com/scim/v2:
                     the base of every meta.location and Location, and its path the
                     path served (SCIM_PUBLIC_URL; default http://ADDRESS/scim/v2)
  --trust-forwarded  take the origin of locations from Forwarded / X-Forwarded-Proto
                     and X-Forwarded-Host; only behind a proxy that sets them
                     (SCIM_TRUST_FORWARDED=true)
  --tenant-in-path   serve /scim/v2/{tenant}/...; the token's tenant must match
                     (SCIM_TENANT_IN_PATH=true)
  --tenant TENANT    the tenant mcp-stdio serves (SCIM_TENANT; default default)
  --mcp-unconditional-writes TENANTS
                     tenants (comma-separated, * for all) whose agents may write
                     without the version they read (SCIM_MCP_UNCONDITIONAL_WRITES)
  SCIM_TENANTS       tenantA=tokenA,tenantB=tokenB: one token per tenant
  RUST_LOG           log filter (default info)";

impl Config {
    /// Reads flags (which win) and environment variables; `Err` holds what to print.
    pub(crate) fn from_args(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let mut args = args.into_iter().peekable();
        let command = match args.peek().map(String::as_str) {
            Some("mcp-stdio") => {
                args.next();
                Command::McpStdio
            }
            Some("serve") => {
                args.next();
                Command::Serve
            }
            _ => Command::Serve,
        };
        let mut config = Self {
            command,
            listen: env("SCIM_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database: env("SCIM_DATABASE").unwrap_or_else(|| "sqlite://scim.db".into()),
            token: env("SCIM_TOKEN").filter(|t| !t.is_empty()),
            public_url: env("SCIM_PUBLIC_URL")
                .filter(|u| !u.is_empty())
                .map(|u| public_url("SCIM_PUBLIC_URL", &u))
                .transpose()?,
            trust_forwarded: env_switch("SCIM_TRUST_FORWARDED", &env)?,
            tenant_in_path: env_switch("SCIM_TENANT_IN_PATH", &env)?,
            tenant: env("SCIM_TENANT")
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| scim_provider::RequestContext::DEFAULT_TENANT.into()),
            unconditional_writes: env("SCIM_MCP_UNCONDITIONAL_WRITES")
                .map(|list| tenant_list(&list))
                .unwrap_or_default(),
        };
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
                None => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or(format!("{name} needs a value\n\n{USAGE}"))
            };
            match name.as_str() {
                "--listen" => config.listen = value()?,
                "--database" => config.database = value()?,
                "--token" => config.token = Some(value()?),
                "--public-url" => config.public_url = Some(public_url(&name, &value()?)?),
                "--trust-forwarded" => config.trust_forwarded = switch(&name, inline.clone())?,
                "--tenant-in-path" => config.tenant_in_path = switch(&name, inline.clone())?,
                "--tenant" => config.tenant = value()?,
                "--mcp-unconditional-writes" => {
                    config.unconditional_writes = tenant_list(&value()?);
                }
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
            }
        }
        Ok(config)
    }
}

/// `a, b`: tenant names.
fn tenant_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|tenant| !tenant.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A public URL, refused unless it is `http(s)://host[:port][/path]`.
fn public_url(name: &str, value: &str) -> Result<BaseUrl, String> {
    match value.parse::<BaseUrl>() {
        Ok(url) if url.origin().is_some() => Ok(url),
        Ok(_) => Err(format!(
            "{name}: {value:?} needs http:// or https:// and a host"
        )),
        Err(err) => Err(format!("{name}: {err}")),
    }
}

/// An on/off setting: `true`, `1`, `yes`, `on`, or a flag given without a value
/// (`None`), are on; `false`, `0`, `no`, `off` and empty are off.
fn switch(name: &str, value: Option<String>) -> Result<bool, String> {
    match value.map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("true" | "1" | "yes" | "on") => Ok(true),
        Some("false" | "0" | "no" | "off" | "") => Ok(false),
        Some(other) => Err(format!("{name}: {other:?} is not true or false")),
    }
}

/// An on/off environment variable; off when unset.
fn env_switch(name: &str, env: &impl Fn(&str) -> Option<String>) -> Result<bool, String> {
    env(name).map_or(Ok(false), |value| switch(name, Some(value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_args(args.iter().map(|a| a.to_string()), |name| {
            env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_env_and_flags() {
        let defaults = parse(&[], &[]).unwrap();
        assert_eq!(
            defaults,
            Config {
                command: Command::Serve,
                listen: "127.0.0.1:8080".into(),
                database: "sqlite://scim.db".into(),
                token: None,
                public_url: None,
                trust_forwarded: false,
                tenant_in_path: false,
                tenant: "default".into(),
                unconditional_writes: vec![],
            }
        );
        let from_env = parse(
            &[],
            &[
                ("SCIM_LISTEN", "0.0.0.0:9000"),
                ("SCIM_DATABASE", "memory"),
                ("SCIM_TOKEN", "t"),
                ("SCIM_PUBLIC_URL", "https://scim.example.com/scim/v2"),
                ("SCIM_TRUST_FORWARDED", "true"),
                ("SCIM_TENANT_IN_PATH", "0"),
                ("SCIM_TENANT", "acme"),
                ("SCIM_MCP_UNCONDITIONAL_WRITES", "sandbox, test"),
            ],
        )
        .unwrap();
        assert_eq!(
            from_env,
            Config {
                command: Command::Serve,
                listen: "0.0.0.0:9000".into(),
                database: "memory".into(),
                token: Some("t".into()),
                public_url: Some("https://scim.example.com/scim/v2".parse().unwrap()),
                trust_forwarded: true,
                tenant_in_path: false,
                tenant: "acme".into(),
                unconditional_writes: vec!["sandbox".into(), "test".into()],
            }
        );
        let flags = parse(
            &[
                "serve",
                "--listen",
                "127.0.0.1:1",
                "--database=postgres://x",
                "--token",
                "f",
                "--public-url",
                "http://lb.internal:8443/identity/scim",
                "--trust-forwarded=false",
                "--tenant-in-path",
                "--mcp-unconditional-writes=*",
            ],
            &[
                ("SCIM_TOKEN", "t"),
                ("SCIM_TRUST_FORWARDED", "yes"),
                ("SCIM_MCP_UNCONDITIONAL_WRITES", "x"),
            ],
        )
        .unwrap();
        assert_eq!(
            flags,
            Config {
                command: Command::Serve,
                listen: "127.0.0.1:1".into(),
                database: "postgres://x".into(),
                token: Some("f".into()),
                public_url: Some("http://lb.internal:8443/identity/scim".parse().unwrap()),
                trust_forwarded: false,
                tenant_in_path: true,
                tenant: "default".into(),
                unconditional_writes: vec!["*".into()],
            }
        );
        let stdio = parse(
            &["mcp-stdio", "--database", "memory", "--tenant", "acme"],
            &[("SCIM_TENANT", "other")],
        )
        .unwrap();
        assert_eq!(
            (
                stdio.command,
                stdio.database.as_str(),
                stdio.tenant.as_str()
            ),
            (Command::McpStdio, "memory", "acme")
        );
        assert!(parse(&["--database", "memory", "mcp-stdio"], &[]).is_err());
        assert!(parse(&["--listen"], &[]).is_err());
        assert!(parse(&["--bogus"], &[]).is_err());
        assert!(parse(&["--help"], &[]).unwrap_err().contains("Usage"));
        assert!(
            parse(&["--public-url", "/scim/v2"], &[]).is_err(),
            "a host is needed"
        );
        assert!(parse(&["--public-url", "ftp://h/"], &[]).is_err());
        assert!(parse(&[], &[("SCIM_PUBLIC_URL", "nonsense")]).is_err());
        assert!(parse(&[], &[("SCIM_TRUST_FORWARDED", "maybe")]).is_err());
    }
}
