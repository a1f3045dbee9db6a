//! [`ScimOperationResponse`]: the outcome of one operation.

use std::time::Duration;

use http::StatusCode;
use scim_version::{ScimVersion, VersionConflict};
use serde_json::Value;

use crate::ScimError;

/// What an operation answers: a status, a SCIM JSON body (none for `204` and `304`),
/// the resource's current version (the `ETag`), a version conflict for a `412`, and
/// the `Location` of a created resource.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimOperationResponse {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body.
    pub body: Option<Value>,
    /// The body already serialized, instead of `body`: set only when the request
    /// allowed it ([`ScimOperationRequest::serialized_ok`](crate::ScimOperationRequest)),
    /// for reads answered straight from stored JSON.
    pub serialized_body: Option<String>,
    /// The version of the single resource this response is about.
    pub current_version: Option<ScimVersion>,
    /// For a `412`: the conflict, with the current version.
    pub version_conflict: Option<VersionConflict>,
    /// For a `201`: where the new resource lives.
    pub location: Option<String>,
    /// For a `429` or `503`: how long the client should wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl ScimOperationResponse {
    /// A response with a body.
    pub fn json(status: StatusCode, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            serialized_body: None,
            current_version: None,
            version_conflict: None,
            location: None,
            retry_after: None,
        }
    }

    /// A response without a body (`204`, `304`).
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: None,
            serialized_body: None,
            current_version: None,
            version_conflict: None,
            location: None,
            retry_after: None,
        }
    }

    /// Sets the current version.
    pub fn with_version(mut self, version: ScimVersion) -> Self {
        self.current_version = Some(version);
        self
    }

    /// Whether the status is a success (2xx) or `304`.
    pub fn is_success(&self) -> bool {
        self.status.is_success() || self.status == StatusCode::NOT_MODIFIED
    }
}

impl From<ScimError> for ScimOperationResponse {
    fn from(err: ScimError) -> Self {
        Self {
            status: err.status(),
            body: Some(err.to_json()),
            serialized_body: None,
            current_version: err.conflict.as_ref().map(|c| c.current().clone()),
            version_conflict: err.conflict,
            location: None,
            retry_after: err.retry_after,
        }
    }
}
