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
    /// Whether PATCH answers `204 No Content` instead of the resource.
    pub patch_no_content: bool,
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

/// Identity-provider compatibility switches. Each tolerance is on by default;
/// [`strict`](Self::strict) turns them all off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compatibility {
    /// Accept `"True"` / `"False"` strings for booleans (Microsoft Entra ID).
    pub string_booleans: bool,
    /// Accept an unknown extra URI in `schemas` (sent on Group create by some clients).
    pub tolerate_unknown_schemas: bool,
    /// Drop attributes no schema defines instead of answering `invalidSyntax`.
    pub ignore_unknown_attributes: bool,
    /// Accept group members whose ids do not exist (yet), for clients that send groups
    /// before their users. Off by default: unknown members are `invalidValue`.
    pub allow_unknown_members: bool,
}

impl Default for Compatibility {
    fn default() -> Self {
        Self {
            string_booleans: true,
            tolerate_unknown_schemas: true,
            ignore_unknown_attributes: false,
            allow_unknown_members: false,
        }
    }
}

impl Compatibility {
    /// RFC behaviour only.
    pub fn strict() -> Self {
        Self {
            string_booleans: false,
            tolerate_unknown_schemas: false,
            ignore_unknown_attributes: false,
            allow_unknown_members: false,
        }
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
}

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
            patch_no_content: false,
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
