//! What a tool answers: its structured content on success, and [`ToolError`] (a tool
//! result with `isError: true`) on every domain failure. An agent reads the same JSON
//! as `structuredContent` and as the text content.

use rmcp::model::CallToolResult;
use scim_ops::{ErrorKind, ScimError};
use scim_schema::ScimType;
use scim_version::ScimVersion;
use serde_json::{Map, Value, json};

/// A failure an agent can act on, answered as `{"error": code, "detail": …}` with
/// `isError: true`; never a protocol error, never a panic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolError {
    code: &'static str,
    detail: String,
    /// Further fields: `current_version` and `resource` for `version_mismatch`,
    /// `status` and `scim_type` for the SCIM error behind it.
    fields: Map<String, Value>,
}

impl ToolError {
    /// Arguments or input the server refuses.
    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        Self::new("invalid", detail)
    }

    /// A call without credentials that reach the data.
    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        Self::new("forbidden", detail)
    }

    fn new(code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
            fields: Map::new(),
        }
    }

    /// A write refused because the resource is no longer at the version the agent
    /// read: `current` and `resource` are what it is now, to re-read and decide on.
    pub(crate) fn version_mismatch(detail: String, current: &ScimVersion, resource: Value) -> Self {
        let mut error = Self::new("version_mismatch", detail);
        error.fields.insert(
            "current_version".into(),
            Value::String(current.to_http_header()),
        );
        error.fields.insert("resource".into(), resource);
        error
    }

    /// The code: `invalid`, `not_found`, `uniqueness`, `version_mismatch`,
    /// `forbidden` or `internal`.
    #[cfg(test)]
    pub(crate) fn code(&self) -> &'static str {
        self.code
    }

    /// The tool result.
    pub(crate) fn into_result(self) -> CallToolResult {
        let mut body = Map::with_capacity(2 + self.fields.len());
        body.insert("error".into(), Value::String(self.code.into()));
        body.insert("detail".into(), Value::String(self.detail));
        body.extend(self.fields);
        CallToolResult::structured_error(Value::Object(body))
    }
}

impl From<ScimError> for ToolError {
    fn from(err: ScimError) -> Self {
        let status = err.status();
        let code = match err.kind {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Invalid(ScimType::Uniqueness) => "uniqueness",
            ErrorKind::PreconditionFailed => "version_mismatch",
            ErrorKind::Unauthorized | ErrorKind::Forbidden => "forbidden",
            _ if status.is_server_error() => "internal",
            _ => "invalid",
        };
        let mut error = Self::new(code, err.detail);
        error.fields.insert("status".into(), json!(status.as_u16()));
        if let Some(scim_type) = err.kind.scim_type() {
            error
                .fields
                .insert("scim_type".into(), json!(scim_type.as_str()));
        }
        error
    }
}

/// `{"resource": …, "version": "W/\"…\""}`: what reads and writes answer.
pub(crate) fn resource(resource: Value, version: Option<&ScimVersion>) -> Value {
    json!({
        "resource": resource,
        "version": version.map(ScimVersion::to_http_header),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn structured(error: ToolError) -> Value {
        let result = error.into_result();
        assert_eq!(result.is_error, Some(true));
        result.structured_content.unwrap()
    }

    #[test]
    fn every_scim_failure_has_one_code() {
        let cases = [
            (ScimError::not_found("gone"), "not_found", 404),
            (
                ScimError::invalid(ScimType::Uniqueness, "taken"),
                "uniqueness",
                409,
            ),
            (
                ScimError::invalid(ScimType::InvalidFilter, "bad filter"),
                "invalid",
                400,
            ),
            (
                ScimError::new(ErrorKind::PayloadTooLarge, "big"),
                "invalid",
                413,
            ),
            (
                ScimError::precondition_failed(None),
                "version_mismatch",
                412,
            ),
            (ScimError::new(ErrorKind::Forbidden, "no"), "forbidden", 403),
            (ScimError::internal("disk"), "internal", 500),
        ];
        for (scim, code, status) in cases {
            let detail = scim.detail.clone();
            let body = structured(scim.clone().into());
            assert_eq!(body["error"], code, "{scim}");
            assert_eq!(body["detail"], detail.as_str());
            assert_eq!(body["status"], status);
        }
    }

    #[test]
    fn a_version_mismatch_names_the_current_state() {
        let current = ScimVersion::from_hash("v2").unwrap();
        let body = structured(ToolError::version_mismatch(
            "stale".into(),
            &current,
            json!({"id": "1"}),
        ));
        assert_eq!(body["error"], "version_mismatch");
        assert_eq!(body["current_version"], "W/\"v2\"");
        assert_eq!(body["resource"]["id"], "1");
        let ok = resource(json!({"id": "1"}), Some(&current));
        assert_eq!(ok["version"], "W/\"v2\"");
        let filter = structured(ScimError::invalid(ScimType::InvalidFilter, "x").into());
        assert_eq!(filter["scim_type"], "invalidFilter");
    }
}
