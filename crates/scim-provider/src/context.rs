//! [`RequestContext`]: who is asking, for which tenant.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The tenant, request id and authenticated principal of one request.
///
/// Every provider keys every record by the tenant, so a resource created under one
/// tenant is invisible (404) under any other.
///
/// ```
/// use scim_provider::RequestContext;
///
/// let ctx = RequestContext::new("acme").with_principal("okta-provisioning");
/// assert_eq!(ctx.tenant(), "acme");
/// assert_eq!(ctx.principal(), Some("okta-provisioning"));
/// assert!(!ctx.request_id().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    tenant: Arc<str>,
    request_id: Arc<str>,
    principal: Option<Arc<str>>,
}

impl RequestContext {
    /// The tenant a single-tenant server uses.
    pub const DEFAULT_TENANT: &'static str = "default";

    /// A context for `tenant`, with a fresh request id (from a process-wide counter,
    /// cheap on the hot path) and no principal.
    pub fn new(tenant: impl Into<Arc<str>>) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self {
            tenant: tenant.into(),
            request_id: NEXT.fetch_add(1, Ordering::Relaxed).to_string().into(),
            principal: None,
        }
    }

    /// Sets the request id (from an `X-Request-Id` header, say).
    pub fn with_request_id(mut self, request_id: impl Into<Arc<str>>) -> Self {
        self.request_id = request_id.into();
        self
    }

    /// Sets the authenticated principal.
    pub fn with_principal(mut self, principal: impl Into<Arc<str>>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The authenticated principal, if any.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }
}

impl Default for RequestContext {
    /// The [default tenant](Self::DEFAULT_TENANT).
    fn default() -> Self {
        Self::new(Self::DEFAULT_TENANT)
    }
}
