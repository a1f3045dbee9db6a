//! [`HttpConfig`]: the HTTP-level settings.

use crate::Limits;

/// HTTP-level settings of a [`ScimService`](crate::ScimService). The path it serves
/// under and the public URL of every location come from one setting,
/// [`ServiceConfig::base_url`](scim_ops::ServiceConfig), so they cannot disagree.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The largest request body, in bytes (`413` beyond); 1 MiB by default.
    pub max_body_size: usize,
    /// How much of a body over [`max_body_size`](Self::max_body_size) is still read,
    /// and thrown away, before the `413`: a client usually sends its whole body before
    /// it reads the answer, and one whose connection closes while it sends sees a
    /// broken pipe instead. Past it (or when the body declares a longer length) the
    /// `413` closes the connection. 64 MiB by default.
    pub max_drained_body_size: usize,
    /// The deepest JSON nesting accepted (`400 invalidSyntax` beyond); 32 by default.
    pub max_json_depth: usize,
    /// Serve `/ServiceProviderConfig`, `/ResourceTypes` and `/Schemas` without
    /// authentication. Off by default.
    pub open_discovery: bool,
    /// Read the tenant from the first path segment after the base path
    /// (`/scim/v2/{tenant}/Users`); the authenticated tenant must match it, and
    /// locations carry it.
    pub tenant_in_path: bool,
    /// Take the origin of locations from `Forwarded` (RFC 7239) or
    /// `X-Forwarded-Proto` / `X-Forwarded-Host`, as a reverse proxy in front of the
    /// server sets them. Off by default: turn it on only behind a proxy that sets (or
    /// strips) these headers, since a client can send them too.
    pub trust_forwarded: bool,
    /// Per-tenant limits: request rate, requests in progress, time per request. None
    /// by default.
    pub limits: Limits,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_body_size: 1024 * 1024,
            max_drained_body_size: 64 * 1024 * 1024,
            max_json_depth: 32,
            open_discovery: false,
            tenant_in_path: false,
            trust_forwarded: false,
            limits: Limits::default(),
        }
    }
}
