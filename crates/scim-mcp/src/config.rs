//! [`McpConfig`]: what agents may do, per tenant.

use std::collections::HashSet;

/// How the MCP tools behave.
///
/// ```
/// use scim_mcp::McpConfig;
///
/// let config = McpConfig::default().with_unconditional_writes("sandbox");
/// assert!(config.requires_version("acme"));
/// assert!(!config.requires_version("sandbox"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct McpConfig {
    /// The page size of `search_resources` when the agent gives no `count` (still
    /// capped by the tenant's largest page): small, so one call does not fill an
    /// agent's context.
    pub default_count: usize,
    /// Whether `replace_resource`, `patch_resource` and `delete_resource` need the
    /// `version` the agent read (`add_members`/`remove_members` never do: a membership
    /// delta cannot undo another writer's change).
    pub require_version: bool,
    /// Tenants whose agents may write without a `version`, whatever
    /// [`require_version`](Self::require_version) says.
    pub unconditional_tenants: HashSet<String>,
}

impl Default for McpConfig {
    fn default() -> Self {
        Self {
            default_count: 20,
            require_version: true,
            unconditional_tenants: HashSet::new(),
        }
    }
}

impl McpConfig {
    /// Lets the agents of `tenant` write without a `version`.
    pub fn with_unconditional_writes(mut self, tenant: impl Into<String>) -> Self {
        self.unconditional_tenants.insert(tenant.into());
        self
    }

    /// Whether writes under `tenant` need a `version`.
    pub fn requires_version(&self, tenant: &str) -> bool {
        self.require_version && !self.unconditional_tenants.contains(tenant)
    }
}
