//! [`ScimError`]: every failure as a SCIM error response, mapped in one place.

use scim_provider::ProviderError;
use scim_schema::{SchemaError, ScimType, builtin};
use scim_version::{ScimVersion, VersionConflict, VersionError};
use serde_json::{Value, json};

/// An error as SCIM reports it (RFC 7644 section 3.12): a status, an optional
/// `scimType` and a `detail`.
///
/// Every error of the layers below converts into one here, and nowhere else:
///
/// | from | status | `scimType` |
/// | --- | --- | --- |
/// | [`SchemaError`] | 400 | its own (`invalidFilter`, `invalidPath`, `invalidValue`, `invalidSyntax`, `mutability`, `noTarget`) |
/// | [`ProviderError::NotFound`] | 404 | |
/// | [`ProviderError::Uniqueness`] | 409 | `uniqueness` |
/// | [`ProviderError::VersionMismatch`] / [`VersionConflict`] | 412 | |
/// | [`ProviderError::Invalid`] | 400 | its own |
/// | [`ProviderError::Storage`] | 500 | |
/// | [`VersionError`] (a malformed `If-Match`) | 400 | `invalidVers` |
///
/// ```
/// use scim_ops::ScimError;
/// use scim_schema::ScimType;
///
/// let err = ScimError::bad_request(ScimType::InvalidFilter, "unexpected end");
/// assert_eq!(err.to_json()["status"], "400");
/// assert_eq!(err.to_json()["scimType"], "invalidFilter");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScimError {
    /// The HTTP status.
    pub status: u16,
    /// The SCIM error type.
    pub scim_type: Option<ScimType>,
    /// What went wrong.
    pub detail: String,
    /// For a `412`: the version the resource is at now.
    pub conflict: Option<VersionConflict>,
}

impl ScimError {
    /// An error with this status and detail.
    pub fn new(status: u16, scim_type: Option<ScimType>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
            conflict: None,
        }
    }

    /// A `400` with a `scimType`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    /// A `404`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    /// A `412` for a failed precondition, naming the current version.
    pub fn precondition_failed(current: Option<&ScimVersion>) -> Self {
        let detail = match current {
            Some(current) => format!("the resource is at version {current}"),
            None => "the precondition does not hold".to_owned(),
        };
        Self::new(412, None, detail)
    }

    /// The SCIM error body.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [builtin::ERROR],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = json!(scim_type.as_str());
        }
        body
    }
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl std::error::Error for ScimError {}

impl From<SchemaError> for ScimError {
    fn from(err: SchemaError) -> Self {
        let scim_type = err.scim_type();
        Self::new(scim_type.status(), Some(scim_type), err.to_string())
    }
}

impl From<VersionConflict> for ScimError {
    fn from(conflict: VersionConflict) -> Self {
        Self {
            conflict: Some(conflict.clone()),
            ..Self::new(412, None, conflict.to_string())
        }
    }
}

impl From<VersionError> for ScimError {
    fn from(err: VersionError) -> Self {
        Self::bad_request(ScimType::InvalidVers, format!("invalid entity tag: {err}"))
    }
}

impl From<ProviderError> for ScimError {
    fn from(err: ProviderError) -> Self {
        match err {
            ProviderError::VersionMismatch(conflict) => conflict.into(),
            other => Self::new(other.status(), other.scim_type(), other.to_string()),
        }
    }
}
