//! [`ScimOperationHandler`]: dispatch, and what every operation shares.

use std::sync::Arc;

use http::StatusCode;
use scim_provider::{ListQuery, ProviderError, ResourceProvider, VersionedResource};
use scim_schema::{
    Filter, Projection, ResourceDefinition, SchemaRegistry, ScimType, ValidationOptions,
};
use scim_version::{ScimVersion, VersionConflict};
use serde_json::Value;

use crate::config::{MeMapping, TenantConfig};
use crate::{
    ErrorKind, Operation, ScimError, ScimOperation, ScimOperationRequest, ScimOperationResponse,
    ServiceConfig, Target,
};

/// Runs SCIM operations against a provider. Cheap to clone (one reference count);
/// share one per server.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use std::sync::Arc;
/// use scim_ops::{ScimOperationHandler, ScimOperationRequest, ServiceConfig};
/// use scim_provider::InMemoryProvider;
/// use scim_schema::SchemaRegistry;
/// use serde_json::json;
///
/// let handler = ScimOperationHandler::new(
///     Arc::new(InMemoryProvider::new()),
///     Arc::new(SchemaRegistry::default()),
///     ServiceConfig::new("https://example.com/scim/v2"),
/// );
/// let created = handler.handle(ScimOperationRequest::create("User", json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen"
/// }))).await;
/// assert_eq!(created.status, 201);
/// let body = created.body.unwrap();
/// assert_eq!(body["meta"]["version"], created.current_version.unwrap().to_http_header());
/// assert!(created.location.unwrap().starts_with("https://example.com/scim/v2/Users/"));
/// # });
/// ```
#[derive(Clone)]
pub struct ScimOperationHandler {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Arc<dyn ResourceProvider>,
    registry: Arc<SchemaRegistry>,
    config: ServiceConfig,
}

impl std::fmt::Debug for ScimOperationHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimOperationHandler")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl ScimOperationHandler {
    /// A handler over `provider`, for the resource types of `registry`.
    pub fn new(
        provider: Arc<dyn ResourceProvider>,
        registry: Arc<SchemaRegistry>,
        config: ServiceConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                provider,
                registry,
                config,
            }),
        }
    }

    /// The same provider and schemas under `config`, as a configuration reload makes
    /// it; this handler keeps its own. Operations already running on this one finish
    /// under its configuration.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use scim_ops::{Profile, ScimOperationHandler, ServiceConfig};
    /// use scim_provider::InMemoryProvider;
    /// use scim_schema::SchemaRegistry;
    ///
    /// let handler = ScimOperationHandler::new(
    ///     Arc::new(InMemoryProvider::new()),
    ///     Arc::new(SchemaRegistry::default()),
    ///     ServiceConfig::default(),
    /// );
    /// let mut config = handler.config().clone();
    /// config.defaults.compatibility = Profile::Strict.compatibility();
    /// let strict = handler.with_config(config);
    /// assert!(Arc::ptr_eq(strict.provider(), handler.provider()));
    /// assert!(!strict.config().defaults.compatibility.string_booleans);
    /// assert!(handler.config().defaults.compatibility.string_booleans);
    /// ```
    pub fn with_config(&self, config: ServiceConfig) -> Self {
        Self::new(self.provider().clone(), self.registry().clone(), config)
    }

    /// The provider.
    pub fn provider(&self) -> &Arc<dyn ResourceProvider> {
        &self.inner.provider
    }

    /// The schemas and resource types.
    pub fn registry(&self) -> &Arc<SchemaRegistry> {
        &self.inner.registry
    }

    /// The configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// Runs one operation. Every failure becomes a SCIM error response; nothing panics.
    pub async fn handle(&self, request: ScimOperationRequest) -> ScimOperationResponse {
        match self.try_handle(request).await {
            Ok(response) => response,
            Err(err) => err.into(),
        }
    }

    /// Runs one operation, answering a failure as the [`ScimError`] it is, for a
    /// transport that reports failures in its own terms (an MCP tool error, say).
    /// `Ok` is always a success (2xx or `304`).
    pub async fn try_handle(
        &self,
        mut request: ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        if request.operation.target() == Some(&Target::Me) {
            Box::pin(self.resolve_me(&mut request)).await?;
        }
        if self
            .tenant_config(&request)
            .compatibility
            .allow_unknown_members
        {
            request.context = request.context.allowing_unknown_members();
        }
        // Every operation but a read is boxed: its state (kilobytes, for a bulk or a
        // patch) then stays out of the future every request builds and moves, and a
        // plain GET, the most frequent request, carries only its own.
        let outcome = match &request.operation {
            ScimOperation::Create { .. }
            | ScimOperation::Replace { .. }
            | ScimOperation::Patch { .. }
            | ScimOperation::Delete { .. } => Box::pin(self.write_operation(&request)).await,
            ScimOperation::Get { .. } => self.get(&request).await,
            ScimOperation::List { .. } | ScimOperation::Search { .. } => {
                Box::pin(self.list(&request)).await
            }
            ScimOperation::Bulk { .. } => Box::pin(self.bulk(&request)).await,
            ScimOperation::ServiceProviderConfig => Ok(self.service_provider_config(&request)),
            ScimOperation::ResourceTypes { .. } => self.resource_types(&request),
            ScimOperation::Schemas { .. } => self.schemas(&request),
        };
        self.observe(&request, &outcome);
        outcome
    }

    /// The single-resource writes a Bulk operation may carry (no recursion into Bulk).
    pub(crate) async fn write_operation(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        match request.operation.kind() {
            Operation::Create => self.create(request).await,
            Operation::Replace => self.replace(request).await,
            Operation::Patch => self.patch(request).await,
            Operation::Delete => self.delete(request).await,
            other => Err(ScimError::invalid(
                ScimType::InvalidSyntax,
                format!("{other:?} is not a bulk operation"),
            )),
        }
    }

    /// `/Me`: the principal's User.
    async fn resolve_me(&self, request: &mut ScimOperationRequest) -> Result<(), ScimError> {
        let not_offered = || {
            ScimError::new(
                ErrorKind::NotImplemented,
                "/Me is not offered by this server",
            )
        };
        let principal = request
            .context
            .principal()
            .ok_or_else(not_offered)?
            .to_owned();
        let id = match self.inner.config.me {
            MeMapping::Disabled => return Err(not_offered()),
            MeMapping::UserId => principal,
            MeMapping::UserName => {
                let filter = Filter::Compare {
                    path: scim_schema::AttributePath::new("userName"),
                    op: scim_schema::CompareOp::Eq,
                    value: scim_schema::CompValue::String(principal),
                };
                let page = self
                    .inner
                    .provider
                    .list(
                        &request.context,
                        "User",
                        &ListQuery::new().with_filter(filter).with_count(1),
                    )
                    .await?;
                let user = page.resources.first().ok_or_else(|| {
                    ScimError::not_found("the authenticated principal has no User")
                })?;
                user.id().unwrap_or_default().to_owned()
            }
        };
        if let Some(target) = request.operation.target_mut() {
            *target = Target::Resource {
                resource_type: "User".into(),
                id,
            };
        }
        Ok(())
    }

    pub(crate) fn tenant_config(&self, request: &ScimOperationRequest) -> &TenantConfig {
        self.inner.config.tenant(request.context.tenant())
    }

    pub(crate) fn validation_options(&self, request: &ScimOperationRequest) -> ValidationOptions {
        self.tenant_config(request)
            .compatibility
            .validation_options()
    }

    /// The resource type a request names, by name or endpoint.
    pub(crate) fn definition(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<&Arc<ResourceDefinition>, ScimError> {
        let name = request
            .operation
            .resource_type()
            .ok_or_else(|| ScimError::not_found("no resource type given"))?;
        let registry = &self.inner.registry;
        registry
            .resource_type(name)
            .or_else(|| registry.resource_type_by_endpoint(name))
            .ok_or_else(|| ScimError::not_found(format!("unknown resource type {name:?}")))
    }

    pub(crate) fn id<'r>(&self, request: &'r ScimOperationRequest) -> Result<&'r str, ScimError> {
        match request.operation.target() {
            Some(Target::Resource { id, .. }) if !id.is_empty() => Ok(id),
            _ => Err(ScimError::not_found("no resource id given")),
        }
    }

    pub(crate) fn body<'r>(
        &self,
        request: &'r ScimOperationRequest,
    ) -> Result<&'r Value, ScimError> {
        request.operation.body().ok_or_else(|| {
            ScimError::invalid(ScimType::InvalidSyntax, "the request needs a JSON body")
        })
    }

    pub(crate) fn projection(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<Projection, ScimError> {
        self.read_projection(
            request,
            request.query.attributes.as_deref(),
            request.query.excluded_attributes.as_deref(),
        )
    }

    /// The public base URL of a request: its own when the transport gave one, else the
    /// configured one.
    pub(crate) fn base_url<'r>(&'r self, request: &'r ScimOperationRequest) -> &'r str {
        request
            .base_url
            .as_deref()
            .unwrap_or(self.inner.config.base_url.as_str())
    }

    /// Where a resource lives.
    pub(crate) fn location(
        &self,
        request: &ScimOperationRequest,
        definition: &ResourceDefinition,
        id: &str,
    ) -> String {
        let (base, endpoint) = (self.base_url(request), &definition.resource_type().endpoint);
        let mut location = String::with_capacity(base.len() + endpoint.len() + id.len() + 1);
        location.push_str(base);
        location.push_str(endpoint);
        location.push('/');
        location.push_str(id);
        location
    }

    /// A stored resource as a response renders it: `meta.location` set, projected.
    pub(crate) fn render(
        &self,
        request: &ScimOperationRequest,
        definition: &ResourceDefinition,
        stored: VersionedResource,
        projection: &Projection,
    ) -> Value {
        let (mut resource, _) = stored.into_parts();
        let location = resource
            .get("id")
            .and_then(Value::as_str)
            .map(|id| self.location(request, definition, id));
        if let (Some(location), Some(meta)) = (
            location,
            resource.get_mut("meta").and_then(Value::as_object_mut),
        ) {
            meta.insert("location".into(), Value::String(location));
        }
        projection.apply_owned(definition, resource)
    }

    /// A single-resource response with its version.
    pub(crate) fn resource_response(
        &self,
        request: &ScimOperationRequest,
        status: StatusCode,
        definition: &ResourceDefinition,
        stored: VersionedResource,
        projection: &Projection,
    ) -> ScimOperationResponse {
        let version = stored.version().clone();
        let body = self.render(request, definition, stored, projection);
        ScimOperationResponse::json(status, body).with_version(version)
    }

    /// Evaluates `If-Match` then `If-None-Match` (RFC 9110 section 13.2.2) against the
    /// current version. `Ok(true)` means "not modified" (only for reads).
    pub(crate) fn preconditions(
        &self,
        request: &ScimOperationRequest,
        current: &ScimVersion,
        read: bool,
    ) -> Result<bool, ScimError> {
        if let Some(if_match) = &request.expected_version
            && !if_match.if_match(Some(current), self.inner.config.if_match_comparison)
        {
            let expected = match if_match {
                scim_version::Precondition::Tags(tags) => tags.first().cloned(),
                scim_version::Precondition::Any => None,
            };
            return Err(VersionConflict::new(
                expected.unwrap_or_else(|| current.clone()),
                current.clone(),
            )
            .into());
        }
        if let Some(if_none_match) = &request.if_none_match
            && !if_none_match.if_none_match(Some(current))
        {
            if read {
                return Ok(true);
            }
            let conflict = VersionConflict::new(current.clone(), current.clone())
                .with_message("If-None-Match: the resource exists at a listed version");
            return Err(conflict.into());
        }
        Ok(false)
    }

    /// Rejects group members that do not exist, unless the tenant allows them: one
    /// provider call for all of them, before the write, so any provider refuses them.
    /// Providers that can also check in the write's atomic step (the in-memory and SQL
    /// ones do, see `RequestContext::allowing_unknown_members`) refuse a member deleted
    /// between this check and the write.
    pub(crate) async fn check_members(
        &self,
        request: &ScimOperationRequest,
        definition: &ResourceDefinition,
        members: &[&str],
    ) -> Result<(), ScimError> {
        let allowed = self
            .tenant_config(request)
            .compatibility
            .allow_unknown_members;
        if allowed || members.is_empty() {
            return Ok(());
        }
        let member_types = self.inner.registry.member_types(definition);
        let missing = self
            .inner
            .provider
            .missing(&request.context, &member_types, members)
            .await?;
        match missing.first() {
            None => Ok(()),
            Some(member) => Err(ProviderError::unknown_member(member).into()),
        }
    }
}
