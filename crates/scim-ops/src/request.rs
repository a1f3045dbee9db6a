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

/// What a single-resource operation acts on: a resource by type and id, or the
/// authenticated principal's own User (`/Me`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/{type}/{id}`.
    Resource {
        /// The resource type's name or endpoint (`User`, `Users`).
        resource_type: String,
        /// The resource id.
        id: String,
    },
    /// `/Me`: resolved from the principal as [`ServiceConfig::me`](crate::ServiceConfig)
    /// says.
    Me,
}

/// What to do, and to what: one variant per operation of RFC 7644 section 3, each with
/// exactly what it needs, so a Get without an id or a Create without a body cannot be
/// built.
#[derive(Debug, Clone, PartialEq)]
pub enum ScimOperation {
    /// `POST /{type}`.
    Create {
        /// The resource type's name or endpoint.
        resource_type: String,
        /// The new resource.
        body: Value,
    },
    /// `GET /{type}/{id}`, `GET /Me`.
    Get {
        /// What to read.
        target: Target,
    },
    /// `PUT /{type}/{id}`, `PUT /Me`.
    Replace {
        /// What to replace.
        target: Target,
        /// The replacement.
        body: Value,
    },
    /// `PATCH /{type}/{id}`, `PATCH /Me`.
    Patch {
        /// What to modify.
        target: Target,
        /// The PatchOp message.
        body: Value,
    },
    /// `DELETE /{type}/{id}`, `DELETE /Me`.
    Delete {
        /// What to delete.
        target: Target,
    },
    /// `GET /{type}`, or `GET /` across types when `resource_type` is `None`.
    List {
        /// The resource type's name or endpoint.
        resource_type: Option<String>,
    },
    /// `POST /{type}/.search`, or `POST /.search` across types.
    Search {
        /// The resource type's name or endpoint.
        resource_type: Option<String>,
        /// The SearchRequest message.
        body: Value,
    },
    /// `POST /Bulk`.
    Bulk {
        /// The BulkRequest message.
        body: Value,
    },
    /// `GET /ServiceProviderConfig`.
    ServiceProviderConfig,
    /// `GET /ResourceTypes[/{id}]`.
    ResourceTypes {
        /// One resource type, or all of them.
        id: Option<String>,
    },
    /// `GET /Schemas[/{id}]`.
    Schemas {
        /// One schema, or all of them.
        id: Option<String>,
    },
}

impl ScimOperation {
    /// Which operation this is.
    pub fn kind(&self) -> Operation {
        match self {
            Self::Create { .. } => Operation::Create,
            Self::Get { .. } => Operation::Get,
            Self::Replace { .. } => Operation::Replace,
            Self::Patch { .. } => Operation::Patch,
            Self::Delete { .. } => Operation::Delete,
            Self::List { .. } => Operation::List,
            Self::Search { .. } => Operation::Search,
            Self::Bulk { .. } => Operation::Bulk,
            Self::ServiceProviderConfig => Operation::ServiceProviderConfig,
            Self::ResourceTypes { .. } => Operation::ResourceTypes,
            Self::Schemas { .. } => Operation::Schemas,
        }
    }

    /// The target of a single-resource operation.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Self::Get { target }
            | Self::Replace { target, .. }
            | Self::Patch { target, .. }
            | Self::Delete { target } => Some(target),
            _ => None,
        }
    }

    pub(crate) fn target_mut(&mut self) -> Option<&mut Target> {
        match self {
            Self::Get { target }
            | Self::Replace { target, .. }
            | Self::Patch { target, .. }
            | Self::Delete { target } => Some(target),
            _ => None,
        }
    }

    /// The resource type named, by name or endpoint (`User` for `/Me`).
    pub fn resource_type(&self) -> Option<&str> {
        match self {
            Self::Create { resource_type, .. } => Some(resource_type),
            Self::List { resource_type } | Self::Search { resource_type, .. } => {
                resource_type.as_deref()
            }
            _ => match self.target()? {
                Target::Resource { resource_type, .. } => Some(resource_type),
                Target::Me => Some("User"),
            },
        }
    }

    /// The JSON body, for the operations that carry one.
    pub fn body(&self) -> Option<&Value> {
        match self {
            Self::Create { body, .. }
            | Self::Replace { body, .. }
            | Self::Patch { body, .. }
            | Self::Search { body, .. }
            | Self::Bulk { body } => Some(body),
            _ => None,
        }
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
/// assert_eq!(request.operation.kind(), Operation::Create);
/// assert_eq!(request.context.tenant(), "acme");
/// ```
#[derive(Debug, Clone)]
pub struct ScimOperationRequest {
    /// The operation, with its target and body.
    pub operation: ScimOperation,
    /// The size of the body as received, in bytes, for Bulk's `maxPayloadSize`.
    pub body_size: Option<usize>,
    /// Query parameters.
    pub query: QueryParams,
    /// `If-Match`: the version(s) the client expects the resource to be at.
    pub expected_version: Option<Precondition>,
    /// `If-None-Match`.
    pub if_none_match: Option<Precondition>,
    /// Whether the caller takes a serialized body
    /// ([`ScimOperationResponse::serialized_body`](crate::ScimOperationResponse)): a
    /// transport that sends bytes sets it, so reads can skip parsing and re-serializing.
    pub serialized_ok: bool,
    /// The public base URL this request was made under, when the transport knows it
    /// better than [`ServiceConfig::base_url`](crate::ServiceConfig) (a tenant segment
    /// in the path, a trusted `Forwarded` header): locations are built on it.
    pub base_url: Option<String>,
    /// Tenant, request id and principal.
    pub context: RequestContext,
}

impl ScimOperationRequest {
    /// A request for `operation` with nothing else set.
    pub fn new(operation: ScimOperation) -> Self {
        Self {
            operation,
            body_size: None,
            query: QueryParams::default(),
            expected_version: None,
            if_none_match: None,
            serialized_ok: false,
            base_url: None,
            context: RequestContext::default(),
        }
    }

    fn resource(resource_type: &str, id: &str) -> Target {
        Target::Resource {
            resource_type: resource_type.to_owned(),
            id: id.to_owned(),
        }
    }

    /// `POST /{type}`.
    pub fn create(resource_type: &str, body: Value) -> Self {
        Self::new(ScimOperation::Create {
            resource_type: resource_type.to_owned(),
            body,
        })
    }

    /// `GET /{type}/{id}`.
    pub fn get(resource_type: &str, id: &str) -> Self {
        Self::new(ScimOperation::Get {
            target: Self::resource(resource_type, id),
        })
    }

    /// `PUT /{type}/{id}`.
    pub fn replace(resource_type: &str, id: &str, body: Value) -> Self {
        Self::new(ScimOperation::Replace {
            target: Self::resource(resource_type, id),
            body,
        })
    }

    /// `PATCH /{type}/{id}`.
    pub fn patch(resource_type: &str, id: &str, body: Value) -> Self {
        Self::new(ScimOperation::Patch {
            target: Self::resource(resource_type, id),
            body,
        })
    }

    /// `DELETE /{type}/{id}`.
    pub fn delete(resource_type: &str, id: &str) -> Self {
        Self::new(ScimOperation::Delete {
            target: Self::resource(resource_type, id),
        })
    }

    /// `GET /{type}`.
    pub fn list(resource_type: &str) -> Self {
        Self::new(ScimOperation::List {
            resource_type: Some(resource_type.to_owned()),
        })
    }

    /// `POST /{type}/.search`, or across types when `resource_type` is `None`.
    pub fn search(resource_type: Option<&str>, body: Value) -> Self {
        Self::new(ScimOperation::Search {
            resource_type: resource_type.map(str::to_owned),
            body,
        })
    }

    /// `POST /Bulk`.
    pub fn bulk(body: Value) -> Self {
        Self::new(ScimOperation::Bulk { body })
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
}
