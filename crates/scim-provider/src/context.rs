//! [`RequestContext`]: who is asking, for which tenant.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

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
#[derive(Debug, Clone)]
pub struct RequestContext {
    tenant: Arc<str>,
    /// The counter value a request id is made from when none was given.
    number: u64,
    /// The request id: given, or written from `number` the first time it is asked
    /// for (most requests never ask, so most never pay for it).
    request_id: OnceLock<Arc<str>>,
    principal: Option<Arc<str>>,
    /// Whether writes may name members that are not stored.
    unknown_members: bool,
    /// Whether a replace in this context applies a PATCH.
    patch: bool,
}

impl PartialEq for RequestContext {
    fn eq(&self, other: &Self) -> bool {
        self.tenant == other.tenant
            && self.request_id() == other.request_id()
            && self.principal == other.principal
    }
}

impl Eq for RequestContext {}

impl RequestContext {
    /// The tenant a single-tenant server uses.
    pub const DEFAULT_TENANT: &'static str = "default";

    /// A context for `tenant`, with a fresh request id (from a process-wide counter,
    /// cheap on the hot path) and no principal.
    pub fn new(tenant: impl Into<Arc<str>>) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self {
            tenant: tenant.into(),
            number: NEXT.fetch_add(1, Ordering::Relaxed),
            request_id: OnceLock::new(),
            principal: None,
            unknown_members: false,
            patch: false,
        }
    }

    /// Sets the request id (from an `X-Request-Id` header, say).
    pub fn with_request_id(mut self, request_id: impl Into<Arc<str>>) -> Self {
        self.request_id = OnceLock::from(request_id.into());
        self
    }

    /// Sets the authenticated principal.
    pub fn with_principal(mut self, principal: impl Into<Arc<str>>) -> Self {
        self.principal = Some(principal.into());
        self
    }

    /// Lets writes in this context name members that are not stored (a group listing
    /// ids its resources will have later). Without it, the default, a provider refuses
    /// a write that adds a member no stored resource is, with
    /// [`ProviderError::unknown_member`](crate::ProviderError::unknown_member), checked in
    /// the same atomic step as the write: a member deleted meanwhile is either removed
    /// by its delete or refused here, never left listed.
    pub fn allowing_unknown_members(mut self) -> Self {
        self.unknown_members = true;
        self
    }

    /// Whether writes may name members that are not stored (see
    /// [`allowing_unknown_members`](Self::allowing_unknown_members)).
    pub fn unknown_members_allowed(&self) -> bool {
        self.unknown_members
    }

    /// Marks the writes of this context as applying a PATCH: a provider that records
    /// [change events](crate::ChangeFeed) records a replace as
    /// [`Patched`](crate::ChangeKind::Patched) rather than
    /// [`Replaced`](crate::ChangeKind::Replaced). `scim-ops` sets it for the writes of a
    /// PATCH.
    pub fn as_patch(mut self) -> Self {
        self.patch = true;
        self
    }

    /// Whether the writes of this context apply a PATCH (see [`as_patch`](Self::as_patch)).
    pub fn is_patch(&self) -> bool {
        self.patch
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The request id.
    pub fn request_id(&self) -> &str {
        self.request_id
            .get_or_init(|| self.number.to_string().into())
    }

    /// The authenticated principal, if any.
    pub fn principal(&self) -> Option<&str> {
        self.principal.as_deref()
    }
}

impl Default for RequestContext {
    /// The [default tenant](Self::DEFAULT_TENANT).
    fn default() -> Self {
        // One shared name, not an allocation per request.
        static DEFAULT: OnceLock<Arc<str>> = OnceLock::new();
        Self::new(DEFAULT.get_or_init(|| Self::DEFAULT_TENANT.into()).clone())
    }
}
