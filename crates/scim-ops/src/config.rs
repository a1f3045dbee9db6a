//! [`ServiceConfig`]: what a server allows, and the compatibility switches, per tenant.

use std::collections::HashMap;

use scim_schema::{UnknownAttributes, ValidationOptions};
use scim_version::Comparison;

use crate::BaseUrl;

/// How a server behaves. Per-tenant overrides replace [`TenantConfig`] for one tenant.
///
/// ```
/// use scim_ops::{Compatibility, ServiceConfig, TenantConfig};
///
/// let config = ServiceConfig::new("https://example.com/scim/v2")
///     .with_tenant("strict-co", TenantConfig {
///         compatibility: Compatibility::strict(),
///         ..TenantConfig::default()
///     });
/// assert!(config.tenant("anyone").compatibility.string_booleans);
/// assert!(!config.tenant("strict-co").compatibility.string_booleans);
/// ```
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// The public base URL resources are located under (`meta.location`, `Location`),
    /// such as `https://example.com/scim/v2` or just `/scim/v2`; `scim-http` serves
    /// under its path. A request may name a better one
    /// ([`ScimOperationRequest::base_url`](crate::ScimOperationRequest)).
    pub base_url: BaseUrl,
    /// Bulk limits.
    pub bulk: BulkConfig,
    /// How many times a PATCH without `If-Match` retries after losing a race.
    pub patch_retries: usize,
    /// What `/Me` maps the authenticated principal to.
    pub me: MeMapping,
    /// How `If-Match` compares versions: weak by default, because every SCIM version
    /// is weak and strong comparison (RFC 9110's rule) would fail every `If-Match`.
    pub if_match_comparison: Comparison,
    /// The authentication schemes `/ServiceProviderConfig` advertises.
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// The settings every tenant gets unless overridden.
    pub defaults: TenantConfig,
    /// Per-tenant overrides of [`defaults`](Self::defaults).
    pub tenants: HashMap<String, TenantConfig>,
    /// Label metrics with the tenant (see [`metrics`](crate::metrics)). Off by default:
    /// every tenant is then a set of time series of its own, and tenants can be many.
    pub metrics_tenant_label: bool,
}

/// Settings that may differ per tenant.
#[derive(Debug, Clone)]
pub struct TenantConfig {
    /// The largest page a list returns; larger `count`s are capped.
    pub max_page_size: usize,
    /// The page size when a request gives no `count`.
    pub default_page_size: usize,
    /// Identity-provider compatibility.
    pub compatibility: Compatibility,
}

/// Identity-provider compatibility switches. [`Profile`]s name the usual sets:
/// [`default`](Self::default) is [`Profile::Default`], [`strict`](Self::strict) is
/// [`Profile::Strict`] (every switch off).
///
/// The first two are tolerances today's clients need; the rest accept input the RFC
/// does not allow but that widely used servers accept, for teams moving from them, and
/// each is off unless a profile or the operator turns it on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compatibility {
    /// Accept `"True"` / `"False"` strings for booleans (Microsoft Entra ID).
    pub string_booleans: bool,
    /// Accept an unknown extra URI in `schemas` (sent on Group create by some clients).
    pub tolerate_unknown_schemas: bool,
    /// Drop attributes no schema defines instead of answering `invalidSyntax`; each
    /// name dropped is logged once, at `debug`.
    pub ignore_unknown_attributes: bool,
    /// Accept group members whose ids do not exist (yet), for clients that send groups
    /// before their users. Off by default: unknown members are `invalidValue`.
    pub allow_unknown_members: bool,
    /// Answer a successful PATCH with `204 No Content` (the new version in `ETag`)
    /// instead of `200` with the resource.
    pub patch_no_content: bool,
    /// Accept filter comparison values without quotes (`userName sw O`,
    /// `meta.created gt 2015-10-10T14:38:21Z`), read as the attribute's type.
    pub unquoted_filter_values: bool,
    /// Accept value filters in `attributes` and `excludedAttributes`:
    /// `emails[type eq "work"]` is read as `emails`, and only the values the filter
    /// matches are returned (or, excluded, left out).
    pub projection_value_filters: bool,
    /// Accept a group member given as a bare id string (`"members": ["2819c223"]`) as
    /// `{"value": "2819c223"}`.
    pub bare_string_members: bool,
}

impl Default for Compatibility {
    fn default() -> Self {
        Profile::Default.compatibility()
    }
}

impl Compatibility {
    /// RFC behaviour only: [`Profile::Strict`].
    pub fn strict() -> Self {
        Profile::Strict.compatibility()
    }

    /// The validation options these switches mean.
    pub fn validation_options(&self) -> ValidationOptions {
        ValidationOptions {
            unknown_attributes: if self.ignore_unknown_attributes {
                UnknownAttributes::Ignore
            } else {
                UnknownAttributes::Reject
            },
            coerce_string_booleans: self.string_booleans,
            tolerate_unknown_schemas: self.tolerate_unknown_schemas,
        }
    }

    /// Sets the switch named `name` (as its field is named), or says it has no such
    /// switch.
    ///
    /// ```
    /// use scim_ops::Compatibility;
    ///
    /// let mut compatibility = Compatibility::strict();
    /// compatibility.set("patch_no_content", true)?;
    /// assert!(compatibility.patch_no_content);
    /// assert!(compatibility.set("patch_no_body", true).is_err());
    /// # Ok::<(), scim_ops::UnknownSwitch>(())
    /// ```
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), UnknownSwitch> {
        *self
            .switch_mut(name)
            .ok_or_else(|| UnknownSwitch(name.into()))? = on;
        Ok(())
    }
}

/// Lists the switches once, as the fields are declared, and derives from that list
/// their names, reading them all, and setting one by name. Each method destructures
/// the whole struct, so a field missing from the list does not compile.
macro_rules! switches {
    ($($field:ident),* $(,)?) => {
        impl Compatibility {
            /// The names of the switches, in the order the fields are declared.
            pub const SWITCHES: [&'static str; [$(stringify!($field)),*].len()] =
                [$(stringify!($field)),*];

            /// Every switch's name and whether it is on, in the order the fields are
            /// declared.
            pub fn switches(&self) -> [(&'static str, bool); Self::SWITCHES.len()] {
                let Self { $($field),* } = self;
                [$((stringify!($field), *$field)),*]
            }

            fn switch_mut(&mut self, name: &str) -> Option<&mut bool> {
                let Self { $($field),* } = self;
                match name {
                    $(stringify!($field) => Some($field),)*
                    _ => None,
                }
            }
        }
    };
}

switches!(
    string_booleans,
    tolerate_unknown_schemas,
    ignore_unknown_attributes,
    allow_unknown_members,
    patch_no_content,
    unquoted_filter_values,
    projection_value_filters,
    bare_string_members,
);

/// A name [`Compatibility::set`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no compatibility switch is named {0:?}; the switches are {switches}", switches = Compatibility::SWITCHES.join(", "))]
pub struct UnknownSwitch(pub String);

/// A named set of [`Compatibility`] switches.
///
/// | switch | `strict` | `default` | `entra` | `okta` | `lenient` |
/// |---|---|---|---|---|---|
/// | `string_booleans` | off | on | on | on | on |
/// | `tolerate_unknown_schemas` | off | on | on | on | on |
/// | `ignore_unknown_attributes` | off | off | off | on | on |
/// | `allow_unknown_members` | off | off | off | off | on |
/// | `patch_no_content` | off | off | on | on | on |
/// | `unquoted_filter_values` | off | off | off | off | on |
/// | `projection_value_filters` | off | off | off | off | on |
/// | `bare_string_members` | off | off | off | off | on |
///
/// ```
/// use scim_ops::Profile;
///
/// let okta: Profile = "okta".parse()?;
/// assert!(okta.compatibility().patch_no_content);
/// assert!(!Profile::Default.compatibility().unquoted_filter_values);
/// # Ok::<(), scim_ops::UnknownProfile>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// RFC 7643/7644 only: every switch off.
    Strict,
    /// What the server did before profiles: string booleans and an extra unknown
    /// schema URI, nothing else.
    #[default]
    Default,
    /// Microsoft Entra ID: `default`, and PATCH answered with `204`, as Entra's
    /// provisioning documentation shows it.
    Entra,
    /// Okta: `default`, PATCH answered with `204`, and attributes no schema defines
    /// (an Okta app's custom profile attributes) dropped instead of refused.
    Okta,
    /// Every switch on: for clients moving from servers that accept what the RFC does
    /// not.
    Lenient,
}

impl Profile {
    /// Every profile, strictest first.
    pub const ALL: [Profile; 5] = [
        Self::Strict,
        Self::Default,
        Self::Entra,
        Self::Okta,
        Self::Lenient,
    ];

    /// The name configuration uses: `strict`, `default`, `entra`, `okta`, `lenient`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Default => "default",
            Self::Entra => "entra",
            Self::Okta => "okta",
            Self::Lenient => "lenient",
        }
    }

    /// The switches of this profile.
    pub const fn compatibility(self) -> Compatibility {
        let (tolerant, entra, okta, lenient) = match self {
            Self::Strict => (false, false, false, false),
            Self::Default => (true, false, false, false),
            Self::Entra => (true, true, false, false),
            Self::Okta => (true, true, true, false),
            Self::Lenient => (true, true, true, true),
        };
        Compatibility {
            string_booleans: tolerant,
            tolerate_unknown_schemas: tolerant,
            ignore_unknown_attributes: okta,
            allow_unknown_members: lenient,
            patch_no_content: entra,
            unquoted_filter_values: lenient,
            projection_value_filters: lenient,
            bare_string_members: lenient,
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(name: &str) -> Result<Self, UnknownProfile> {
        Self::ALL
            .into_iter()
            .find(|profile| profile.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| UnknownProfile(name.into()))
    }
}

/// A name no [`Profile`] has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no compatibility profile is named {0:?}; the profiles are strict, default, entra, okta and lenient"
)]
pub struct UnknownProfile(pub String);

impl Default for TenantConfig {
    fn default() -> Self {
        Self {
            max_page_size: 1000,
            default_page_size: 100,
            compatibility: Compatibility::default(),
        }
    }
}

/// Bulk limits (RFC 7644 section 3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkConfig {
    /// The most operations in one request.
    pub max_operations: usize,
    /// The largest request body, in bytes.
    pub max_payload_size: usize,
}

impl Default for BulkConfig {
    fn default() -> Self {
        Self {
            max_operations: 1000,
            max_payload_size: 1024 * 1024,
        }
    }
}

/// What `/Me` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MeMapping {
    /// `/Me` is not offered: `501 Not Implemented`.
    #[default]
    Disabled,
    /// The principal is a User's `id`.
    UserId,
    /// The principal is a User's `userName`.
    UserName,
}

/// An authentication scheme, as `/ServiceProviderConfig` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationScheme {
    /// `oauthbearertoken`, `httpbasic`, …
    pub kind: String,
    /// A name.
    pub name: String,
    /// A description.
    pub description: String,
}

impl AuthenticationScheme {
    /// OAuth bearer tokens (RFC 6750), what identity providers use.
    pub fn bearer_token() -> Self {
        Self {
            kind: "oauthbearertoken".into(),
            name: "OAuth Bearer Token".into(),
            description: "Authentication with a bearer token in the Authorization header".into(),
        }
    }
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self::new("/scim/v2")
    }
}

impl ServiceConfig {
    /// Defaults under `base_url`, read as [`BaseUrl::new`] reads it.
    pub fn new(base_url: &str) -> Self {
        Self::at(BaseUrl::new(base_url))
    }

    /// Defaults under `base_url`.
    pub fn at(base_url: BaseUrl) -> Self {
        Self {
            base_url,
            bulk: BulkConfig::default(),
            patch_retries: 16,
            me: MeMapping::Disabled,
            if_match_comparison: Comparison::Weak,
            authentication_schemes: vec![AuthenticationScheme::bearer_token()],
            defaults: TenantConfig::default(),
            tenants: HashMap::new(),
            metrics_tenant_label: false,
        }
    }

    /// Overrides the settings of one tenant.
    pub fn with_tenant(mut self, tenant: impl Into<String>, config: TenantConfig) -> Self {
        self.tenants.insert(tenant.into(), config);
        self
    }

    /// The settings of `tenant`.
    pub fn tenant(&self, tenant: &str) -> &TenantConfig {
        self.tenants.get(tenant).unwrap_or(&self.defaults)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_switch_is_set_and_read_by_its_own_name() {
        for name in Compatibility::SWITCHES {
            let mut compatibility = Compatibility::strict();
            compatibility.set(name, true).unwrap();
            let on: Vec<_> = (compatibility.switches().into_iter())
                .filter(|(_, on)| *on)
                .map(|(name, _)| name)
                .collect();
            assert_eq!(on, [name]);
        }
        let mut all = Compatibility::strict();
        for name in Compatibility::SWITCHES {
            all.set(name, true).unwrap();
        }
        assert_eq!(all, Profile::Lenient.compatibility());
        assert_eq!(
            all.set("patch_no_body", true),
            Err(UnknownSwitch("patch_no_body".into()))
        );
    }
}
