//! The tenants a server runs with: the configuration file (`--config`) combined with
//! the flags and environment, into what a reload can change.
//!
//! The rules, also in `docs/running.md`:
//! - a flag or variable (`--compat`, `--rate-limit`, `--rate-burst`) stands in for the
//!   same key of the file's `[defaults]`, and wins over it;
//! - a tenant's own table wins over `[defaults]`;
//! - `--token` adds a token of the `default` tenant, `--tenants` tokens of its tenants,
//!   to whatever tokens the file gives them;
//! - `--webhook` URLs receive every tenant's events; a tenant's `webhooks` only its own.

mod file;

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use scim_http::{Limits, Rate, StaticTokens, TenantLimits};
use scim_ops::{Compatibility, Profile, TenantConfig};

use crate::webhooks::Hook;

/// What the flags and environment give, read once at start.
#[derive(Debug, Clone, Default)]
pub(crate) struct Flags {
    /// `(tenant, token)` from `--token`, `--tenants`, or the generated token.
    pub(crate) tokens: Vec<(String, String)>,
    /// `--compat`.
    pub(crate) profile: Option<Profile>,
    /// `--rate-limit` and `--rate-burst`, with the other limits.
    pub(crate) limits: Limits,
    /// The largest body any request may have.
    pub(crate) max_body_size: usize,
}

/// Everything about tenants a reload can change.
#[derive(Debug, Clone)]
pub(crate) struct Tenancy {
    /// Every token, of every tenant.
    pub(crate) tokens: StaticTokens,
    /// The settings of a tenant the file does not name.
    pub(crate) defaults: TenantConfig,
    /// Each named tenant's settings.
    pub(crate) tenants: HashMap<String, TenantConfig>,
    /// Rates and body sizes, per tenant.
    pub(crate) limits: Limits,
    /// The largest body read before the tenant is known: the largest any tenant may
    /// send.
    pub(crate) max_body_size: usize,
    /// The file's webhooks, each for its tenant.
    pub(crate) webhooks: Vec<Hook>,
}

/// The configuration file and where it is.
#[derive(Debug, Clone)]
pub(crate) struct ConfigFile {
    path: PathBuf,
}

impl ConfigFile {
    pub(crate) fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Reads the file and combines it with `flags`, or says what is wrong and on which
    /// line.
    pub(crate) fn load(&self, flags: &Flags) -> Result<Tenancy, String> {
        let text = std::fs::read_to_string(&self.path)
            .map_err(|e| format!("cannot read {}: {e}", self.path.display()))?;
        tenancy(&text, flags).map_err(|e| e.locate(&self.path, &text))
    }
}

/// What is wrong with a file, and where.
#[derive(Debug)]
struct Invalid {
    span: Option<Range<usize>>,
    message: String,
}

impl Invalid {
    fn at(span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            span: Some(span),
            message: message.into(),
        }
    }

    /// `path:line:column: message`.
    fn locate(self, path: &Path, text: &str) -> String {
        let Some(span) = self.span else {
            return format!("{}: {}", path.display(), self.message);
        };
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |n| n + 1) + 1;
        format!("{}:{line}:{column}: {}", path.display(), self.message)
    }
}

/// The settings of the flags alone.
pub(crate) fn from_flags(flags: &Flags) -> Result<Tenancy, String> {
    tenancy("", flags).map_err(|e| e.message)
}

/// The tenancy of `file` and the flags, or of the flags alone without a file.
pub(crate) fn load(file: Option<&ConfigFile>, flags: &Flags) -> Result<Tenancy, String> {
    match file {
        Some(file) => file.load(flags),
        None => from_flags(flags),
    }
}

impl Tenancy {
    /// Gives `config` these tenants' settings.
    pub(crate) fn configure(&self, config: &mut scim_ops::ServiceConfig) {
        config.defaults = self.defaults.clone();
        config.tenants = self.tenants.clone();
    }
}

/// The settings a file's text and the flags make. No file is an empty text.
fn tenancy(text: &str, flags: &Flags) -> Result<Tenancy, Invalid> {
    let parsed: file::File = toml::from_str(text).map_err(|e| Invalid {
        span: e.span(),
        message: e.message().trim().to_owned(),
    })?;
    let empty = file::Table::default();
    let defaults = parsed.defaults.as_ref().map_or(&empty, |d| d.get_ref());
    if !defaults.tokens.is_empty()
        || !defaults.token_sha256.is_empty()
        || !defaults.webhooks.is_empty()
    {
        let span = parsed.defaults.as_ref().map(|d| d.span());
        let message = "tokens and webhooks belong to a tenant's table, not to [defaults]";
        return Err(Invalid {
            span,
            message: message.into(),
        });
    }
    let base = Resolved::base(defaults, flags)?;
    let default_size = base.max_body_size.unwrap_or(flags.max_body_size);
    let mut tenancy = Tenancy {
        tokens: StaticTokens::new(),
        defaults: base.config.clone(),
        tenants: HashMap::new(),
        limits: Limits {
            rate: base.rate,
            // Checked once the tenant is known: a tenant allowed more raises what is
            // read, never what the others may send.
            max_body_size: Some(default_size),
            tenants: HashMap::new(),
            ..flags.limits.clone()
        },
        max_body_size: default_size,
        webhooks: Vec::new(),
    };
    let mut tokens = Tokens::default();
    for (tenant, token) in &flags.tokens {
        tokens.add(StaticTokens::hash(token.as_bytes()), tenant, None)?;
    }
    for (name, table) in &parsed.tenants {
        let (span, table) = (table.span(), table.get_ref());
        if name.trim().is_empty() || name.contains('/') {
            return Err(Invalid::at(span, format!("{name:?} cannot name a tenant")));
        }
        for token in &table.tokens {
            if token.get_ref().trim().is_empty() {
                return Err(Invalid::at(token.span(), "a token cannot be empty"));
            }
            let hash = StaticTokens::hash(token.get_ref().as_bytes());
            tokens.add(hash, name, Some(token.span()))?;
        }
        for hash in &table.token_sha256 {
            let parsed = StaticTokens::parse_hash(hash.get_ref())
                .map_err(|e| Invalid::at(hash.span(), e.to_string()))?;
            tokens.add(parsed, name, Some(hash.span()))?;
        }
        let own = Resolved::over(&base, table)?;
        let size = own.max_body_size.unwrap_or(flags.max_body_size);
        if (own.rate, size) != (base.rate, default_size) {
            let limits = TenantLimits {
                rate: own.rate,
                max_body_size: Some(size),
            };
            tenancy.limits.tenants.insert(name.clone(), limits);
        }
        tenancy.max_body_size = tenancy.max_body_size.max(size);
        tenancy.tenants.insert(name.clone(), own.config);
        for url in &table.webhooks {
            let url = crate::webhooks::Webhooks::url(url.get_ref())
                .map_err(|e| Invalid::at(url.span(), e))?;
            tenancy.webhooks.push(Hook {
                url,
                secret: table.webhook_secret.clone().filter(|s| !s.is_empty()),
                tenant: Some(name.clone()),
            });
        }
    }
    tenancy.tokens = tokens.accepted;
    Ok(tenancy)
}

/// The tokens read so far, each naming one tenant.
#[derive(Default)]
struct Tokens {
    accepted: StaticTokens,
    tenants: HashMap<[u8; 32], String>,
}

impl Tokens {
    /// Accepts the token `hash` for `tenant`, unless it names another already.
    fn add(
        &mut self,
        hash: [u8; 32],
        tenant: &str,
        span: Option<Range<usize>>,
    ) -> Result<(), Invalid> {
        match self.tenants.insert(hash, tenant.to_owned()) {
            Some(other) if other != tenant => Err(Invalid {
                span,
                message: format!(
                    "a token of tenant {tenant:?} is also a token of tenant {other:?}"
                ),
            }),
            Some(_) => Ok(()),
            None => {
                self.accepted = std::mem::take(&mut self.accepted).with_token_hash(hash, tenant);
                Ok(())
            }
        }
    }
}

/// The settings of `[defaults]` or of one tenant, resolved.
#[derive(Debug, Clone)]
struct Resolved {
    config: TenantConfig,
    rate: Option<Rate>,
    max_body_size: Option<usize>,
}

impl Resolved {
    /// `[defaults]` over the built-in settings; a flag wins over both.
    fn base(defaults: &file::Table, flags: &Flags) -> Result<Self, Invalid> {
        let builtin = Self {
            config: TenantConfig::default(),
            rate: None,
            max_body_size: None,
        };
        let mut base = Self::over(&builtin, defaults)?;
        if let Some(profile) = flags.profile {
            base.config.compatibility = profile.compatibility();
            switch(&mut base.config.compatibility, defaults)?;
        }
        if flags.limits.rate.is_some() {
            base.rate = flags.limits.rate;
        }
        Ok(base)
    }

    /// `settings` over `base`.
    fn over(base: &Self, settings: &file::Table) -> Result<Self, Invalid> {
        let mut resolved = base.clone();
        let config = &mut resolved.config;
        if let Some(profile) = settings.profile {
            config.compatibility = profile.compatibility();
        }
        switch(&mut config.compatibility, settings)?;
        if let Some(size) = settings.max_page_size {
            config.max_page_size = size.get() as usize;
        }
        if let Some(size) = settings.default_page_size {
            config.default_page_size = size.get() as usize;
        }
        resolved.rate = match (&settings.rate_limit, &settings.rate_burst) {
            (Some(rate), burst) => Some(
                Rate::per_second(*rate.get_ref())
                    .with_burst(burst.as_ref().map_or(*rate.get_ref(), |b| *b.get_ref())),
            ),
            (None, Some(burst)) => match resolved.rate {
                Some(rate) => Some(rate.with_burst(*burst.get_ref())),
                None => return Err(Invalid::at(burst.span(), "rate_burst needs a rate_limit")),
            },
            (None, None) => resolved.rate,
        };
        if let Some(size) = &settings.max_body_bytes {
            resolved.max_body_size = Some(size.get_ref().get() as usize);
        }
        Ok(resolved)
    }
}

/// The single switches of `settings` over `compatibility`.
fn switch(compatibility: &mut Compatibility, settings: &file::Table) -> Result<(), Invalid> {
    for (name, on) in &settings.compatibility {
        compatibility
            .set(name.get_ref(), *on)
            .map_err(|e| Invalid::at(name.span(), e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, flags: &Flags) -> Result<Tenancy, String> {
        tenancy(text, flags).map_err(|e| e.locate(Path::new("scim.toml"), text))
    }

    fn flags() -> Flags {
        Flags {
            max_body_size: 1 << 20,
            ..Flags::default()
        }
    }

    fn rate(per_second: u32, burst: u32) -> Option<Rate> {
        let n = |n: u32| std::num::NonZeroU32::new(n).unwrap();
        Some(Rate::per_second(n(per_second)).with_burst(n(burst)))
    }

    const TWO_TENANTS: &str = r#"
[defaults]
max_page_size = 500
rate_limit = 100

[tenants.contoso]
profile = "entra"
tokens = ["contoso-token"]
rate_limit = 20
rate_burst = 40

[tenants.contoso.compatibility]
patch_no_content = false

[tenants.acme]
profile = "okta"
token_sha256 = ["sha256:1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0"]
max_body_bytes = 4096
webhooks = ["http://127.0.0.1:9000/acme"]
webhook_secret = "k"
"#;

    #[test]
    fn tenants_get_their_profiles_switches_and_limits() {
        let tenancy = load(TWO_TENANTS, &flags()).unwrap();
        let contoso = &tenancy.tenants["contoso"];
        let mut entra = Profile::Entra.compatibility();
        entra.patch_no_content = false;
        assert_eq!(contoso.compatibility, entra);
        assert_eq!(contoso.max_page_size, 500);
        assert_eq!(
            tenancy.tenants["acme"].compatibility,
            Profile::Okta.compatibility()
        );
        assert_eq!(tenancy.defaults.compatibility, Compatibility::default());
        assert_eq!(tenancy.limits.rate, rate(100, 100));
        assert_eq!(tenancy.limits.tenants["contoso"].rate, rate(20, 40));
        assert_eq!(tenancy.limits.tenants["acme"].max_body_size, Some(4096));
        assert_eq!(tenancy.limits.tenants["acme"].rate, rate(100, 100));
        assert_eq!(tenancy.max_body_size, 1 << 20);
        let principal = |token: &[u8]| tenancy.tokens.tenant_of(token).map(|p| p.tenant);
        assert_eq!(principal(b"contoso-token").as_deref(), Some("contoso"));
        assert_eq!(principal(b"s3cret").as_deref(), Some("acme"));
        assert_eq!(principal(b"other"), None);
        let hook = &tenancy.webhooks[0];
        assert_eq!(
            (hook.tenant.as_deref(), hook.secret.as_deref()),
            (Some("acme"), Some("k"))
        );
    }

    #[test]
    fn flags_stand_in_for_defaults_and_add_tokens() {
        let flags = Flags {
            tokens: vec![
                ("default".into(), "d".into()),
                ("contoso".into(), "second-contoso-token".into()),
            ],
            profile: Some(Profile::Strict),
            limits: Limits {
                rate: rate(7, 7),
                ..Limits::default()
            },
            ..flags()
        };
        let tenancy = load(TWO_TENANTS, &flags).unwrap();
        assert_eq!(tenancy.defaults.compatibility, Compatibility::strict());
        assert_eq!(tenancy.limits.rate, rate(7, 7));
        // A tenant's own table still wins.
        assert!(tenancy.tenants["contoso"].compatibility.string_booleans);
        assert_eq!(tenancy.limits.tenants["contoso"].rate, rate(20, 40));
        let tenant = |token: &[u8]| tenancy.tokens.tenant_of(token).unwrap().tenant;
        assert_eq!(&*tenant(b"second-contoso-token"), "contoso");
        assert_eq!(&*tenant(b"contoso-token"), "contoso");
        assert_eq!(&*tenant(b"d"), "default");
        // Without a file, the flags alone.
        let alone = from_flags(&flags).unwrap();
        assert!(alone.tenants.is_empty() && alone.webhooks.is_empty());
        assert_eq!(alone.tokens.len(), 2);
    }

    #[test]
    fn the_others_keep_the_default_body_size_when_one_tenant_gets_more() {
        let text = "[tenants.big]\ntokens = [\"b\"]\nmax_body_bytes = 4194304\n";
        let tenancy = load(text, &flags()).unwrap();
        assert_eq!(tenancy.max_body_size, 4 << 20);
        assert_eq!(tenancy.limits.max_body_size, Some(1 << 20));
        assert_eq!(tenancy.limits.tenants["big"].max_body_size, Some(4 << 20));
    }

    #[test]
    fn a_larger_body_for_one_tenant_raises_what_is_read() {
        let text = "[defaults]\nmax_body_bytes = 1000\n[tenants.big]\ntokens = [\"b\"]\nmax_body_bytes = 5000\n[tenants.small]\ntokens = [\"s\"]\n";
        let tenancy = load(text, &flags()).unwrap();
        assert_eq!(tenancy.max_body_size, 5000);
        assert_eq!(tenancy.limits.max_body_size, Some(1000));
        assert_eq!(tenancy.limits.tenants["big"].max_body_size, Some(5000));
        assert!(!tenancy.limits.tenants.contains_key("small"));
    }

    #[test]
    fn an_invalid_file_is_refused_with_its_line_and_reason() {
        for (text, says) in [
            (
                "[tenants.a]\ntokens = [\"x\"]\nprofile = \"azure\"\n",
                "scim.toml:3:",
            ),
            (
                "[tenants.a]\nprofile = \"azure\"\n",
                "the profiles are strict, default",
            ),
            (
                "[tenants.a]\ntokens = [\"x\"]\n[tenants.a.compatibility]\npatch_no_body = true\n",
                "scim.toml:4:1: no compatibility switch is named \"patch_no_body\"",
            ),
            (
                "[tenants.a]\ntokns = [\"x\"]\n",
                "scim.toml:2:1: unknown field `tokns`",
            ),
            (
                "[tenants.a]\ntokens = [\"x\"]\n[tenants.b]\ntokens = [\"y\", \"x\"]\n",
                "scim.toml:4:16: a token of tenant \"b\" is also a token of tenant \"a\"",
            ),
            (
                "[tenants.a]\ntoken_sha256 = [\"abc\"]\n",
                "scim.toml:2:17: \"abc\" is not a SHA-256 digest",
            ),
            (
                "[tenants.a]\ntokens = [\"\"]\n",
                "scim.toml:2:11: a token cannot be empty",
            ),
            ("[tenants.a]\nrate_limit = 0\n", "scim.toml:2:14:"),
            (
                "[tenants.a]\nrate_burst = 5\n",
                "scim.toml:2:14: rate_burst needs a rate_limit",
            ),
            (
                "[tenants.a]\nwebhooks = [\"https://h/\"]\n",
                "scim.toml:2:13: https is not supported",
            ),
            ("[defaults\n", "scim.toml:1:"),
            ("[bogus]\n", "scim.toml:1:2: unknown field `bogus`"),
            (
                "[defaults]\ntokens = [\"x\"]\n",
                "scim.toml:1:1: tokens and webhooks belong to a tenant",
            ),
        ] {
            let err = load(text, &flags()).map(|_| ()).unwrap_err();
            assert!(err.contains(says), "{text:?}: {err}");
        }
    }
}
