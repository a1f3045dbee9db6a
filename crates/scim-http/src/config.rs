//! [`HttpConfig`]: the HTTP-level settings.

/// HTTP-level settings of a [`ScimService`](crate::ScimService).
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The path SCIM is served under; `/scim/v2` by default.
    pub base_path: String,
    /// The largest request body, in bytes (`413` beyond); 1 MiB by default.
    pub max_body_size: usize,
    /// The deepest JSON nesting accepted (`400 invalidSyntax` beyond); 32 by default.
    pub max_json_depth: usize,
    /// Serve `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` without
    /// authentication. Off by default.
    pub open_discovery: bool,
    /// Read the tenant from the first path segment after the base path
    /// (`/scim/v2/{tenant}/Users`); the authenticated tenant must match it.
    pub tenant_in_path: bool,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            base_path: "/scim/v2".into(),
            max_body_size: 1024 * 1024,
            max_json_depth: 32,
            open_discovery: false,
            tenant_in_path: false,
        }
    }
}
