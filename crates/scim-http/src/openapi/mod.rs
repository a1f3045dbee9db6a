//! The OpenAPI 3.1 document of a [`ScimService`](crate::ScimService), generated from
//! the live schema registry and configuration, so custom resource types and schema
//! extensions appear as they are served.
//!
//! It is written with `serde_json` directly rather than a typed OpenAPI crate: every
//! schema in it is derived at run time from SCIM schemas, which a crate of compile-time
//! Rust types (`utoipa`) would only wrap, and the document is served as JSON anyway.

mod paths;
mod patterns;
mod schemas;

use scim_ops::{MeMapping, ScimOperationHandler};
use serde_json::{Map, Value, json};

use crate::HttpConfig;
use schemas::Direction;

/// The OpenAPI 3.1 document of the service `handler` and `config` make: every endpoint
/// with its parameters, request and response schemas (derived from the SCIM schemas
/// of every resource type, extensions included), `ETag` / `Location` response headers,
/// `If-Match` / `If-None-Match` request headers, SCIM error responses, bearer
/// security, and links from each create to the operations on what it created.
///
/// [`ScimService`](crate::ScimService) serves it at `GET {base}/openapi.json`.
///
/// ```
/// use std::sync::Arc;
/// use scim_http::HttpConfig;
/// use scim_ops::{ScimOperationHandler, ServiceConfig};
/// use scim_provider::InMemoryProvider;
/// use scim_schema::SchemaRegistry;
///
/// let handler = ScimOperationHandler::new(
///     Arc::new(InMemoryProvider::new()),
///     Arc::new(SchemaRegistry::default()),
///     ServiceConfig::new("https://scim.example.com/scim/v2"),
/// );
/// let document = scim_http::openapi_document(&handler, &HttpConfig::default());
/// assert_eq!(document["openapi"], "3.1.0");
/// assert_eq!(document["servers"][0]["url"], "https://scim.example.com/scim/v2");
/// assert!(document["paths"]["/Users/{id}"]["patch"].is_object());
/// assert!(document["components"]["schemas"]["User"].is_object());
/// ```
pub fn openapi_document(handler: &ScimOperationHandler, config: &HttpConfig) -> Value {
    let registry = handler.registry();
    let mut component_schemas = Map::new();
    let mut paths = Map::new();
    let writer = paths::Writer::new(handler, config);
    for definition in registry.resource_types() {
        let name = definition.name();
        component_schemas.insert(
            name.to_owned(),
            schemas::resource(definition, Direction::Response),
        );
        component_schemas.insert(
            format!("{name}Input"),
            schemas::resource(definition, Direction::Request),
        );
        component_schemas.insert(
            format!("{name}ListResponse"),
            schemas::list_response(schema_ref(name)),
        );
        writer.resource_type(definition, &mut paths);
    }
    writer.service(&mut paths, handler.config().me != MeMapping::Disabled);
    for (name, schema) in [
        ("Error", schemas::error()),
        ("PatchOp", schemas::patch_op()),
        ("SearchRequest", schemas::search_request()),
        (
            "ListResponse",
            schemas::list_response(json!({"type": "object"})),
        ),
        (
            "BulkRequest",
            schemas::bulk_request(handler.config().bulk.max_operations),
        ),
        ("BulkResponse", schemas::bulk_response()),
        (
            "ServiceProviderConfig",
            schemas::discovery("What the service supports (RFC 7643 section 5)."),
        ),
        (
            "ResourceType",
            schemas::discovery("A resource type (RFC 7643 section 6)."),
        ),
        ("Schema", schemas::schema_resource()),
    ] {
        component_schemas.insert(name.into(), schema);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SCIM 2.0",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "User and group provisioning (RFC 7643, RFC 7644). Every \
                single-resource response carries its version as a weak ETag, equal to \
                meta.version; send it back in If-Match to write only if nobody else has \
                (412 Precondition Failed otherwise)."
        },
        "servers": [server(handler, config)],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": component_schemas,
            "parameters": paths::parameters(),
            "headers": paths::headers(),
            "responses": paths::error_responses(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "A bearer token; it names the tenant."}
            }
        }
    })
}

/// Where the paths are: the public base URL, with the tenant segment when the tenant
/// is in the path.
fn server(handler: &ScimOperationHandler, config: &HttpConfig) -> Value {
    let base = handler.config().base_url.as_str().trim_end_matches('/');
    match config.tenant_in_path {
        false => json!({"url": base}),
        true => json!({
            "url": format!("{base}/{{tenant}}"),
            "variables": {"tenant": {"default": scim_provider::RequestContext::DEFAULT_TENANT}}
        }),
    }
}

/// `{"$ref": "#/components/schemas/NAME"}`.
fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}
