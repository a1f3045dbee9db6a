//! Discovery (RFC 7644 section 4): `/ServiceProviderConfig`, `/ResourceTypes`,
//! `/Schemas`, generated from the real capabilities and registry.

use http::StatusCode;
use scim_schema::builtin;
use serde_json::{Value, json};

use crate::{
    ScimError, ScimOperation, ScimOperationHandler, ScimOperationRequest, ScimOperationResponse,
};

impl ScimOperationHandler {
    /// `etag.supported` is true: every provider compares and writes atomically.
    pub(crate) fn service_provider_config(
        &self,
        request: &ScimOperationRequest,
    ) -> ScimOperationResponse {
        let config = self.config();
        let tenant = self.tenant_config(request);
        let schemes: Vec<Value> = config
            .authentication_schemes
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"type": s.kind, "name": s.name, "description": s.description, "primary": i == 0}))
            .collect();
        ScimOperationResponse::json(
            StatusCode::OK,
            json!({
                "schemas": [builtin::SERVICE_PROVIDER_CONFIG],
                "patch": {"supported": true},
                "bulk": {
                    "supported": true,
                    "maxOperations": config.bulk.max_operations,
                    "maxPayloadSize": config.bulk.max_payload_size
                },
                "filter": {"supported": true, "maxResults": tenant.max_page_size},
                "changePassword": {"supported": false},
                "sort": {"supported": true},
                "etag": {"supported": true},
                "pagination": {
                    "cursor": true,
                    "index": true,
                    "defaultPaginationMethod": "index",
                    "defaultPageSize": tenant.default_page_size,
                    "maxPageSize": tenant.max_page_size
                },
                "authenticationSchemes": schemes,
                "meta": {
                    "resourceType": "ServiceProviderConfig",
                    "location": format!("{}/ServiceProviderConfig", self.base_url(request))
                }
            }),
        )
    }

    pub(crate) fn resource_types(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let registry = self.registry();
        let base = self.base_url(request);
        if let ScimOperation::ResourceTypes { id: Some(id) } = &request.operation {
            let definition = registry
                .resource_type(id)
                .ok_or_else(|| ScimError::not_found(format!("no resource type {id:?}")))?;
            return Ok(ScimOperationResponse::json(
                StatusCode::OK,
                registry.resource_type_json(definition.resource_type(), base),
            ));
        }
        let all = registry
            .resource_types()
            .map(|d| registry.resource_type_json(d.resource_type(), base))
            .collect();
        Ok(list_response(all))
    }

    pub(crate) fn schemas(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let registry = self.registry();
        let base = self.base_url(request);
        if let ScimOperation::Schemas { id: Some(id) } = &request.operation {
            let schema = registry
                .schema(id)
                .ok_or_else(|| ScimError::not_found(format!("no schema {id:?}")))?;
            return Ok(ScimOperationResponse::json(
                StatusCode::OK,
                registry.schema_json(schema, base),
            ));
        }
        Ok(list_response(
            registry
                .schemas()
                .map(|s| registry.schema_json(s, base))
                .collect(),
        ))
    }
}

/// An unpaged ListResponse.
fn list_response(resources: Vec<Value>) -> ScimOperationResponse {
    ScimOperationResponse::json(
        StatusCode::OK,
        json!({
            "schemas": [builtin::LIST_RESPONSE],
            "totalResults": resources.len(),
            "startIndex": 1,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    )
}
