//! Command-line flags and environment variables.

use scim_ops::BaseUrl;

/// What the server was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) listen: String,
    pub(crate) database: String,
    pub(crate) token: Option<String>,
    /// Where clients reach the server; `http://{bound address}/scim/v2` when unset.
    pub(crate) public_url: Option<BaseUrl>,
    pub(crate) trust_forwarded: bool,
    pub(crate) tenant_in_path: bool,
}

pub(crate) const USAGE: &str = "scim-server: a SCIM 2.0 server

Usage: scim-server [--listen ADDRESS] [--database URL] [--token TOKEN]
                   [--public-url URL] [--trust-forwarded] [--tenant-in-path]

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
  SCIM_TENANTS       tenantA=tokenA,tenantB=tokenB: one token per tenant
  RUST_LOG           log filter (default info)";

impl Config {
    /// Reads flags (which win) and environment variables; `Err` holds what to print.
    pub(crate) fn from_args(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let mut config = Self {
            listen: env("SCIM_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database: env("SCIM_DATABASE").unwrap_or_else(|| "sqlite://scim.db".into()),
            token: env("SCIM_TOKEN").filter(|t| !t.is_empty()),
            public_url: env("SCIM_PUBLIC_URL")
                .filter(|u| !u.is_empty())
                .map(|u| public_url("SCIM_PUBLIC_URL", &u))
                .transpose()?,
            trust_forwarded: env_switch("SCIM_TRUST_FORWARDED", &env)?,
            tenant_in_path: env_switch("SCIM_TENANT_IN_PATH", &env)?,
        };
        let mut args = args.into_iter();
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
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
            }
        }
        Ok(config)
    }
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
                listen: "127.0.0.1:8080".into(),
                database: "sqlite://scim.db".into(),
                token: None,
                public_url: None,
                trust_forwarded: false,
                tenant_in_path: false,
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
            ],
        )
        .unwrap();
        assert_eq!(
            from_env,
            Config {
                listen: "0.0.0.0:9000".into(),
                database: "memory".into(),
                token: Some("t".into()),
                public_url: Some("https://scim.example.com/scim/v2".parse().unwrap()),
                trust_forwarded: true,
                tenant_in_path: false,
            }
        );
        let flags = parse(
            &[
                "--listen",
                "127.0.0.1:1",
                "--database=postgres://x",
                "--token",
                "f",
                "--public-url",
                "http://lb.internal:8443/identity/scim",
                "--trust-forwarded=false",
                "--tenant-in-path",
            ],
            &[("SCIM_TOKEN", "t"), ("SCIM_TRUST_FORWARDED", "yes")],
        )
        .unwrap();
        assert_eq!(
            flags,
            Config {
                listen: "127.0.0.1:1".into(),
                database: "postgres://x".into(),
                token: Some("f".into()),
                public_url: Some("http://lb.internal:8443/identity/scim".parse().unwrap()),
                trust_forwarded: false,
                tenant_in_path: true,
            }
        );
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
