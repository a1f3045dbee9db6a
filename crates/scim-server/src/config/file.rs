//! The configuration file as written: TOML, every table and key known (a misspelt one
//! is refused, with its line).

use std::collections::BTreeMap;
use std::num::NonZeroU32;

use scim_ops::Profile;
use serde::{Deserialize, Deserializer};
use toml::Spanned;

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    /// What every tenant gets unless its own table says otherwise (no tokens or
    /// webhooks: those belong to a tenant).
    pub(crate) defaults: Option<Spanned<Table>>,
    /// The tenants, by name.
    #[serde(default)]
    pub(crate) tenants: BTreeMap<String, Spanned<Table>>,
}

/// A tenant's table, or `[defaults]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Table {
    /// Bearer tokens, as sent.
    #[serde(default)]
    pub(crate) tokens: Vec<Spanned<String>>,
    /// Bearer tokens as SHA-256 digests (64 hex digits, `sha256sum`'s output).
    #[serde(default)]
    pub(crate) token_sha256: Vec<Spanned<String>>,
    /// http:// URLs that receive this tenant's change events.
    #[serde(default)]
    pub(crate) webhooks: Vec<Spanned<String>>,
    /// The key its webhook deliveries are signed with.
    pub(crate) webhook_secret: Option<String>,
    /// The compatibility profile.
    #[serde(default, deserialize_with = "profile")]
    pub(crate) profile: Option<Profile>,
    /// Single switches over the profile's, by [`Compatibility`](scim_ops::Compatibility)
    /// field name.
    #[serde(default)]
    pub(crate) compatibility: BTreeMap<Spanned<String>, bool>,
    /// Requests a second (`429` beyond).
    pub(crate) rate_limit: Option<Spanned<NonZeroU32>>,
    /// Requests at once within the rate.
    pub(crate) rate_burst: Option<Spanned<NonZeroU32>>,
    /// The largest request body, in bytes.
    pub(crate) max_body_bytes: Option<Spanned<NonZeroU32>>,
    /// The largest page a list returns.
    pub(crate) max_page_size: Option<NonZeroU32>,
    /// The page size of a list that names none.
    pub(crate) default_page_size: Option<NonZeroU32>,
}

/// A profile by name; an unknown name is an error at its line.
fn profile<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Profile>, D::Error> {
    let name = String::deserialize(deserializer)?;
    name.parse().map(Some).map_err(serde::de::Error::custom)
}
