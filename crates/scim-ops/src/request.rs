//! [`ScimOperationRequest`]: one SCIM operation, independent of any HTTP framework.

use scim_provider::RequestContext;
use scim_version::{Precondition, ScimVersion};
use serde_json::Value;

/// Which operation (RFC 7644 section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `POST /{type}`.
    Create,
    /// `GET /{type}/{id}`.
    Get,
    /// `PUT /{type}/{id}`.
    Replace,
    /// `PATCH /{type}/{id}`.
    Patch,
    /// `DELETE /{type}/{id}`.
    Delete,
    /// `GET /{type}` (or `GET /` across types).
    List,
    /// `POST /{type}/.search` (or `POST /.search` across types).
    Search,
    /// `POST /Bulk`.
    Bulk,
    /// `GET /ServiceProviderConfig`.
    ServiceProviderConfig,
    /// `GET /ResourceTypes[/{id}]`.
    ResourceTypes,
    /// `GET /Schemas[/{id}]`.
    Schemas,
}

/// The query parameters of RFC 7644 section 3.4.2 and 3.9, as sent (strings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    /// `filter`.
    pub filter: Option<String>,
    /// `sortBy`.
    pub sort_by: Option<String>,
    /// `sortOrder`.
    pub sort_order: Option<String>,
    /// `startIndex`.
    pub start_index: Option<String>,
    /// `count`.
    pub count: Option<String>,
    /// `cursor` (RFC 9865).
    pub cursor: Option<String>,
    /// `attributes`.
    pub attributes: Option<String>,
    /// `excludedAttributes`.
    pub excluded_attributes: Option<String>,
}

impl QueryParams {
    /// Reads decoded `(name, value)` pairs; names are matched case-insensitively and
    /// unknown ones ignored.
    ///
    /// ```
    /// let q = scim_ops::QueryParams::from_pairs([("Filter", "userName pr"), ("count", "5")]);
    /// assert_eq!(q.filter.as_deref(), Some("userName pr"));
    /// assert_eq!(q.count.as_deref(), Some("5"));
    /// ```
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut params = Self::default();
        for (name, value) in pairs {
            let slot = match name.to_ascii_lowercase().as_str() {
                "filter" => &mut params.filter,
                "sortby" => &mut params.sort_by,
                "sortorder" => &mut params.sort_order,
                "startindex" => &mut params.start_index,
                "count" => &mut params.count,
                "cursor" => &mut params.cursor,
                "attributes" => &mut params.attributes,
                "excludedattributes" => &mut params.excluded_attributes,
                _ => continue,
            };
            *slot = Some(value.to_owned());
        }
        params
    }
}

/// One SCIM operation: what to do, on what, with which preconditions, for whom.
///
/// Build one with the constructors and `with_*` methods; no HTTP is needed, so tests
/// and tools (an MCP server, say) call the handler directly.
///
/// ```
/// use scim_ops::{Operation, ScimOperationRequest};
/// use scim_provider::RequestContext;
/// use serde_json::json;
///
/// let request = ScimOperationRequest::create("User", json!({"userName": "bjensen"}))
///     .with_context(RequestContext::new("acme"));
/// assert_eq!(request.operation, Operation::Create);
/// assert_eq!(request.context.tenant(), "acme");
/// ```
#[derive(Debug, Clone)]
pub struct ScimOperationRequest {
    /// The operation.
    pub operation: Operation,
    /// The resource type's name or endpoint (`User`, `/Users`); `None` at the root.
    pub resource_type: Option<String>,
    /// The resource id, for single-resource operations and discovery by id.
    pub id: Option<String>,
    /// The JSON body.
    pub body: Option<Value>,
    /// The size of the body as received, in bytes, for Bulk's `maxPayloadSize`.
    pub body_size: Option<usize>,
    /// Query parameters.
    pub query: QueryParams,
    /// `If-Match`: the version(s) the client expects the resource to be at.
    pub expected_version: Option<Precondition>,
    /// `If-None-Match`.
    pub if_none_match: Option<Precondition>,
    /// Whether the request came through `/Me`: `id` is then resolved from the principal.
    pub me: bool,
    /// Whether the caller takes a serialized body
    /// ([`ScimOperationResponse::serialized_body`](crate::ScimOperationResponse)): a
    /// transport that sends bytes sets it, so reads can skip parsing and re-serializing.
    pub serialized_ok: bool,
    /// Tenant, request id and principal.
    pub context: RequestContext,
}

impl ScimOperationRequest {
    /// A request for `operation` with nothing else set.
    pub fn new(operation: Operation) -> Self {
        Self {
            operation,
            resource_type: None,
            id: None,
            body: None,
            body_size: None,
            query: QueryParams::default(),
            expected_version: None,
            if_none_match: None,
            me: false,
            serialized_ok: false,
            context: RequestContext::default(),
        }
    }

    fn on(
        operation: Operation,
        resource_type: &str,
        id: Option<&str>,
        body: Option<Value>,
    ) -> Self {
        Self {
            resource_type: Some(resource_type.to_owned()),
            id: id.map(str::to_owned),
            body,
            ..Self::new(operation)
        }
    }

    /// `POST /{type}`.
    pub fn create(resource_type: &str, body: Value) -> Self {
        Self::on(Operation::Create, resource_type, None, Some(body))
    }

    /// `GET /{type}/{id}`.
    pub fn get(resource_type: &str, id: &str) -> Self {
        Self::on(Operation::Get, resource_type, Some(id), None)
    }

    /// `PUT /{type}/{id}`.
    pub fn replace(resource_type: &str, id: &str, body: Value) -> Self {
        Self::on(Operation::Replace, resource_type, Some(id), Some(body))
    }

    /// `PATCH /{type}/{id}`.
    pub fn patch(resource_type: &str, id: &str, body: Value) -> Self {
        Self::on(Operation::Patch, resource_type, Some(id), Some(body))
    }

    /// `DELETE /{type}/{id}`.
    pub fn delete(resource_type: &str, id: &str) -> Self {
        Self::on(Operation::Delete, resource_type, Some(id), None)
    }

    /// `GET /{type}`.
    pub fn list(resource_type: &str) -> Self {
        Self::on(Operation::List, resource_type, None, None)
    }

    /// `POST /{type}/.search`, or across types when `resource_type` is `None`.
    pub fn search(resource_type: Option<&str>, body: Value) -> Self {
        Self {
            resource_type: resource_type.map(str::to_owned),
            body: Some(body),
            ..Self::new(Operation::Search)
        }
    }

    /// `POST /Bulk`.
    pub fn bulk(body: Value) -> Self {
        Self {
            body: Some(body),
            ..Self::new(Operation::Bulk)
        }
    }

    /// Sets the query parameters.
    pub fn with_query(mut self, query: QueryParams) -> Self {
        self.query = query;
        self
    }

    /// Sets the tenant, request id and principal.
    pub fn with_context(mut self, context: RequestContext) -> Self {
        self.context = context;
        self
    }

    /// Sets `If-Match`.
    pub fn with_expected_version(mut self, precondition: Precondition) -> Self {
        self.expected_version = Some(precondition);
        self
    }

    /// Sets `If-Match` to one version.
    pub fn if_match(self, version: &ScimVersion) -> Self {
        self.with_expected_version(Precondition::Tags(vec![version.clone()]))
    }

    /// Sets `If-None-Match`.
    pub fn with_if_none_match(mut self, precondition: Precondition) -> Self {
        self.if_none_match = Some(precondition);
        self
    }

    /// Marks the request as made through `/Me`.
    pub fn through_me(mut self) -> Self {
        self.me = true;
        self
    }
}
