//! Shared helpers for the handler tests.
#![allow(dead_code, unreachable_pub)]

use std::sync::Arc;

use scim_ops::{ScimOperationHandler, ScimOperationRequest, ScimOperationResponse, ServiceConfig};
use scim_provider::{InMemoryProvider, RequestContext};
use scim_schema::SchemaRegistry;
use serde_json::{Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub fn handler() -> ScimOperationHandler {
    handler_with(ServiceConfig::new("https://example.com/scim/v2"))
}

pub fn handler_with(config: ServiceConfig) -> ScimOperationHandler {
    ScimOperationHandler::new(
        Arc::new(InMemoryProvider::new()),
        Arc::new(SchemaRegistry::default()),
        config,
    )
}

pub fn ctx() -> RequestContext {
    RequestContext::new("test")
}

pub fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name})
}

pub fn group(name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"schemas": [GROUP], "displayName": name, "members": members})
}

pub fn patch_body(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

pub async fn run(
    handler: &ScimOperationHandler,
    request: ScimOperationRequest,
) -> ScimOperationResponse {
    handler.handle(request.with_context(ctx())).await
}

/// Creates a resource and returns its id.
pub async fn create(handler: &ScimOperationHandler, resource_type: &str, body: Value) -> String {
    let response = run(handler, ScimOperationRequest::create(resource_type, body)).await;
    assert_eq!(response.status, 201, "{:?}", response.body);
    response.body.unwrap()["id"].as_str().unwrap().to_owned()
}

/// The `scimType` of an error response.
pub fn scim_type(response: &ScimOperationResponse) -> Option<&str> {
    response.body.as_ref()?.get("scimType")?.as_str()
}
