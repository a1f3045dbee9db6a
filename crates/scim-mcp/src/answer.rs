//! What a tool answers: its structured content on success, and [`ToolError`] (a tool
//! result with `isError: true`) on every domain failure. An agent reads the same JSON
//! as `structuredContent` and as the text content.

use rmcp::model::CallToolResult;
use scim_ops::{ErrorKind, ScimError, ScimOperationResponse};
use scim_schema::{ScimType, json_text};
use scim_version::ScimVersion;
use serde_json::{Map, Value, json};

/// What a tool answers.
pub(crate) type Answer = Result<Content, ToolError>;

/// A tool's structured content, a JSON object: a value, or JSON text already written
/// (a resource answered from its stored JSON, never parsed).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Content {
    /// A value.
    Value(Value),
    /// JSON text of an object.
    Text(String),
}

impl Content {
    /// The JSON text.
    fn into_text(self) -> String {
        match self {
            Self::Value(value) => value.to_string(),
            Self::Text(text) => text,
        }
    }
}

/// An answer as rmcp's tool result.
pub(crate) fn call_tool_result(answer: Answer) -> CallToolResult {
    let content = match answer {
        Ok(Content::Value(value)) => return CallToolResult::structured(value),
        Ok(Content::Text(text)) => serde_json::from_str(&text),
        Err(error) => return error.into_result(),
    };
    match content {
        Ok(value) => CallToolResult::structured(value),
        Err(err) => {
            ToolError::from(ScimError::internal(format!("stored JSON: {err}"))).into_result()
        }
    }
}

/// Appends an answer as the JSON of a tool result,
/// `{"content":[{"type":"text","text":…}],"structuredContent":…,"isError":…}`, writing
/// its JSON text once and escaping it once: what [`call_tool_result`] serializes to,
/// without building it.
pub(crate) fn write_call_tool_result(answer: Answer, out: &mut Vec<u8>) {
    let (text, is_error) = match answer {
        Ok(content) => (content.into_text(), false),
        Err(error) => (Value::Object(error.into_object()).to_string(), true),
    };
    out.reserve(2 * text.len() + 96);
    out.extend_from_slice(br#"{"content":[{"type":"text","text":"#);
    json_text::push_json_bytes(out, &text);
    out.extend_from_slice(br#"}],"structuredContent":"#);
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(if is_error {
        br#","isError":true}"#
    } else {
        br#","isError":false}"#
    });
}

/// `{"resource": …, "version": "W/\"…\""}` of a single-resource response: the stored
/// JSON spliced in when the handler answered with it.
pub(crate) fn resource(response: ScimOperationResponse) -> Content {
    let version = response
        .current_version
        .as_ref()
        .map(ScimVersion::to_http_header);
    match (response.serialized_body, response.body) {
        (Some(stored), _) => {
            let mut text = String::with_capacity(stored.len() + 64);
            text.push_str(r#"{"resource":"#);
            text.push_str(&stored);
            text.push_str(r#","version":"#);
            match &version {
                Some(version) => json_text::push_json_string(&mut text, version),
                None => text.push_str("null"),
            }
            text.push('}');
            Content::Text(text)
        }
        (None, body) => {
            let mut answer = Map::with_capacity(2);
            answer.insert("resource".into(), body.unwrap_or(Value::Null));
            answer.insert("version".into(), version.map_or(Value::Null, Value::String));
            Content::Value(Value::Object(answer))
        }
    }
}

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

    /// `{"error": code, "detail": …, …}`.
    fn into_object(self) -> Map<String, Value> {
        let mut body = Map::with_capacity(2 + self.fields.len());
        body.insert("error".into(), Value::String(self.code.into()));
        body.insert("detail".into(), Value::String(self.detail));
        body.extend(self.fields);
        body
    }

    /// The tool result.
    pub(crate) fn into_result(self) -> CallToolResult {
        CallToolResult::structured_error(Value::Object(self.into_object()))
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
            ErrorKind::TooManyRequests => "too_many_requests",
            ErrorKind::Unavailable => "unavailable",
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
        let filter = structured(ScimError::invalid(ScimType::InvalidFilter, "x").into());
        assert_eq!(filter["scim_type"], "invalidFilter");
    }

    /// The answers of a resource read from stored JSON and from a value, and of an
    /// error, each as both paths write them.
    #[test]
    fn both_writers_answer_the_same_json() {
        let stored = r#"{"id":"1","userName":"a\"b","meta":{"version":"W/\"v\""}}"#;
        let version = ScimVersion::from_hash("v").unwrap();
        let mut from_stored =
            ScimOperationResponse::empty(http::StatusCode::OK).with_version(version.clone());
        from_stored.serialized_body = Some(stored.to_owned());
        let from_value = ScimOperationResponse::json(
            http::StatusCode::OK,
            serde_json::from_str(stored).unwrap(),
        )
        .with_version(version);
        let (stored, value) = (resource(from_stored), resource(from_value));
        assert!(matches!(stored, Content::Text(_)) && matches!(value, Content::Value(_)));
        let answers = [
            Ok(stored),
            Ok(value),
            Err(ToolError::from(ScimError::not_found("gone"))),
        ];
        let mut seen = Vec::new();
        for answer in answers {
            let mut written = Vec::new();
            write_call_tool_result(answer.clone(), &mut written);
            // The text is the same JSON, its keys perhaps in another order.
            let text_parsed = |mut result: Value| {
                let text = result["content"][0]["text"].as_str().unwrap().to_owned();
                result["content"][0]["text"] = serde_json::from_str(&text).unwrap();
                result
            };
            let written = text_parsed(serde_json::from_slice(&written).unwrap());
            let mut built = serde_json::to_value(call_tool_result(answer)).unwrap();
            built.as_object_mut().unwrap().remove("resultType");
            assert_eq!(written, text_parsed(built));
            seen.push(written);
        }
        assert_eq!(seen[0], seen[1]);
        assert_eq!(seen[0]["structuredContent"]["version"], "W/\"v\"");
        assert_eq!(seen[2]["isError"], true);
    }
}
