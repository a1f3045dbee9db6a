//! Command-line flags and environment variables.

/// What the server was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) listen: String,
    pub(crate) database: String,
    pub(crate) token: Option<String>,
}

pub(crate) const USAGE: &str = "scim-server: a SCIM 2.0 server

Usage: scim-server [--listen ADDRESS] [--database URL] [--token TOKEN]

  --listen ADDRESS   where to listen (SCIM_LISTEN; default 127.0.0.1:8080)
  --database URL     sqlite://FILE, memory, postgres://..., mysql://...
                     (SCIM_DATABASE; default sqlite://scim.db, created if missing)
  --token TOKEN      the bearer token of the default tenant (SCIM_TOKEN;
                     generated and printed when unset)
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
                "-h" | "--help" => return Err(USAGE.to_owned()),
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
            }
        }
        Ok(config)
    }
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
                token: None
            }
        );
        let from_env = parse(
            &[],
            &[
                ("SCIM_LISTEN", "0.0.0.0:9000"),
                ("SCIM_DATABASE", "memory"),
                ("SCIM_TOKEN", "t"),
            ],
        )
        .unwrap();
        assert_eq!(
            from_env,
            Config {
                listen: "0.0.0.0:9000".into(),
                database: "memory".into(),
                token: Some("t".into())
            }
        );
        let flags = parse(
            &[
                "--listen",
                "127.0.0.1:1",
                "--database=postgres://x",
                "--token",
                "f",
            ],
            &[("SCIM_TOKEN", "t")],
        )
        .unwrap();
        assert_eq!(
            flags,
            Config {
                listen: "127.0.0.1:1".into(),
                database: "postgres://x".into(),
                token: Some("f".into())
            }
        );
        assert!(parse(&["--listen"], &[]).is_err());
        assert!(parse(&["--bogus"], &[]).is_err());
        assert!(parse(&["--help"], &[]).unwrap_err().contains("Usage"));
    }
}
