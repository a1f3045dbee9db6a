//! Create, get, replace and delete (RFC 7644 sections 3.3, 3.4.1, 3.5.1, 3.6).

use http::StatusCode;
use scim_provider::Fetch;
use scim_schema::{ScimType, validate};
use serde_json::Value;

use crate::{ScimError, ScimOperationHandler, ScimOperationRequest, ScimOperationResponse};

/// The `value`s of a resource's `members`.
pub(crate) fn member_ids(resource: &Value) -> Vec<&str> {
    resource
        .get("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("value").and_then(Value::as_str))
        .collect()
}

impl ScimOperationHandler {
    pub(crate) async fn create(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let definition = self.definition(request)?;
        let projection = self.projection(request)?;
        let resource = validate::create(
            definition,
            &*self.resource_body(request, definition)?,
            &self.validation_options(request),
        )?;
        self.check_members(request, definition, &member_ids(&resource))
            .await?;
        let stored = self
            .provider()
            .create(&request.context, definition.name(), resource)
            .await?;
        let id = stored.id().unwrap_or_default().to_owned();
        let mut response = self.resource_response(
            request,
            StatusCode::CREATED,
            definition,
            stored,
            &projection,
        );
        response.location = Some(self.location(request, definition, &id));
        Ok(response)
    }

    pub(crate) async fn get(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let definition = self.definition(request)?;
        let projection = self.projection(request)?;
        let id = self.id(request)?;
        if request.serialized_ok
            && projection.is_default()
            && let Some(raw) = self
                .provider()
                .get_serialized(&request.context, definition.name(), id)
                .await?
        {
            if self.preconditions(request, &raw.version, true)? {
                return Ok(not_modified(raw.version));
            }
            let location = self.location(request, definition, id);
            let version = raw.version.to_http_header();
            if let Some(json) = raw.json.with_meta_fields(&location, &version) {
                let mut response = ScimOperationResponse::empty(StatusCode::OK);
                response.serialized_body = Some(json);
                return Ok(response.with_version(raw.version));
            }
        }
        let fetch = Fetch::for_projection(definition, &projection);
        let stored = self
            .provider()
            .get_with(&request.context, definition.name(), id, fetch)
            .await?;
        if self.preconditions(request, stored.version(), true)? {
            return Ok(not_modified(stored.version().clone()));
        }
        Ok(self.resource_response(request, StatusCode::OK, definition, stored, &projection))
    }

    pub(crate) async fn replace(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let definition = self.definition(request)?;
        let projection = self.projection(request)?;
        let id = self.id(request)?;
        let body = self.resource_body(request, definition)?;
        let body = &*body;
        if let Some(sent) = body.get("id").and_then(Value::as_str)
            && sent != id
        {
            return Err(ScimError::invalid(
                ScimType::InvalidValue,
                format!("the body's id {sent:?} does not match the URL's {id:?}"),
            ));
        }
        let options = self.validation_options(request);
        let (ctx, name) = (&request.context, definition.name());
        let stored = self
            .retrying(request, || async {
                let current = self.provider().get(ctx, name, id).await?;
                // A body that is wrong is 400 whatever the preconditions say: they never
                // hide a 400.
                let replacement =
                    validate::replace(definition, body, current.resource(), &options)?;
                self.preconditions(request, current.version(), false)?;
                let previous = member_ids(current.resource());
                let added: Vec<&str> = member_ids(&replacement)
                    .into_iter()
                    .filter(|m| !previous.contains(m))
                    .collect();
                self.check_members(request, definition, &added).await?;
                let expected = Some(current.version());
                Ok(self
                    .provider()
                    .replace(ctx, name, id, replacement, expected)
                    .await?)
            })
            .await?;
        Ok(self.resource_response(request, StatusCode::OK, definition, stored, &projection))
    }

    pub(crate) async fn delete(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let definition = self.definition(request)?;
        let id = self.id(request)?;
        let (ctx, name) = (&request.context, definition.name());
        self.retrying(request, || async {
            let current = self.provider().get(ctx, name, id).await?;
            self.preconditions(request, current.version(), false)?;
            Ok(self
                .provider()
                .delete(ctx, name, id, Some(current.version()))
                .await?)
        })
        .await?;
        Ok(ScimOperationResponse::empty(StatusCode::NO_CONTENT))
    }
}

/// `304 Not Modified`, with the version.
fn not_modified(version: scim_version::ScimVersion) -> ScimOperationResponse {
    ScimOperationResponse::empty(StatusCode::NOT_MODIFIED).with_version(version)
}
