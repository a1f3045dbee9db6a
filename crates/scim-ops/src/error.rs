//! [`ScimError`] and [`ErrorKind`]: every failure as a SCIM error response, mapped to an
//! HTTP status and `scimType` in one place.

use std::time::Duration;

use http::StatusCode;
use scim_provider::ProviderError;
use scim_schema::{SchemaError, ScimType, builtin};
use scim_version::{ScimVersion, VersionConflict, VersionError};
use serde_json::{Value, json};

/// The `Retry-After` of a `503` for a store that cannot be reached: long enough for a
/// lost connection to be made again, short enough that a client barely waits.
const STORE_RETRY_AFTER: Duration = Duration::from_secs(2);

/// What kind of failure an error is. [`status`](Self::status) and
/// [`scim_type`](Self::scim_type) are the one mapping to HTTP and SCIM of every error
/// of every layer:
///
/// | from | kind | status | `scimType` |
/// | --- | --- | --- | --- |
/// | [`SchemaError`] | `Invalid` | 400 | its own (`invalidFilter`, `invalidPath`, `invalidValue`, `invalidSyntax`, `mutability`, `noTarget`) |
/// | [`ProviderError::NotFound`] | `NotFound` | 404 | |
/// | [`ProviderError::Uniqueness`] | `Invalid(Uniqueness)` | 409 | `uniqueness` |
/// | [`ProviderError::VersionMismatch`] / [`VersionConflict`] | `PreconditionFailed` | 412 | |
/// | [`ProviderError::Invalid`] | `Invalid` | 400 | its own |
/// | [`ProviderError::Storage`] | `Internal` | 500 | |
/// | [`ProviderError::Unavailable`] (the store cannot be reached now) | `Unavailable` | 503, with `Retry-After: 2` | |
/// | a tenant over its request rate or requests in progress (`scim-http`'s limits) | `TooManyRequests` | 429, with `Retry-After` | |
/// | a request over its time limit (`scim-http`'s limits) | `Unavailable` | 503, with `Retry-After` | |
/// | [`VersionError`] (a malformed `If-Match`) | `Invalid(InvalidValue)` | 400 | `invalidValue` |
///
/// ```
/// use scim_ops::ErrorKind;
/// use scim_schema::ScimType;
///
/// assert_eq!(ErrorKind::Invalid(ScimType::Uniqueness).status(), 409);
/// assert_eq!(ErrorKind::Invalid(ScimType::InvalidFilter).status(), 400);
/// assert_eq!(ErrorKind::PreconditionFailed.scim_type(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request is wrong in the way the `scimType` says: `409` for `uniqueness`,
    /// `403` for `sensitive`, `400` for the others (RFC 7644 section 3.12).
    Invalid(ScimType),
    /// The request is malformed in a way no `scimType` names: `400`.
    BadRequest,
    /// No valid credentials: `401`.
    Unauthorized,
    /// The credentials do not reach this resource: `403`.
    Forbidden,
    /// No such resource or endpoint: `404`.
    NotFound,
    /// The endpoint does not answer the method: `405`.
    MethodNotAllowed,
    /// The request conflicts with the state of the resource in a way no precondition
    /// expresses (a bulkId that cannot be resolved, say): `409`.
    Conflict,
    /// A precondition (`If-Match`, `If-None-Match`) does not hold: `412`.
    PreconditionFailed,
    /// The request is larger than the server accepts: `413`.
    PayloadTooLarge,
    /// Too many operations in one request (`maxOperations`): `413` with `tooMany`.
    TooManyOperations,
    /// The body is not JSON: `415`.
    UnsupportedMediaType,
    /// The client is over its request rate or has too many requests in progress:
    /// `429`, with `Retry-After`.
    TooManyRequests,
    /// The server failed: `500`.
    Internal,
    /// The server does not offer this: `501`.
    NotImplemented,
    /// The server cannot answer now (a request over its time limit, a store that
    /// cannot be reached): `503`, with `Retry-After`.
    Unavailable,
}

impl ErrorKind {
    /// The HTTP status.
    pub fn status(self) -> StatusCode {
        match self {
            Self::Invalid(ScimType::Uniqueness) | Self::Conflict => StatusCode::CONFLICT,
            Self::Invalid(ScimType::Sensitive) | Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Invalid(_) | Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge | Self::TooManyOperations => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `scimType`, where one applies.
    pub fn scim_type(self) -> Option<ScimType> {
        match self {
            Self::Invalid(scim_type) => Some(scim_type),
            Self::TooManyOperations => Some(ScimType::TooMany),
            _ => None,
        }
    }
}

/// An error as SCIM reports it (RFC 7644 section 3.12): its [`ErrorKind`] (which gives
/// the status and `scimType`) and a `detail`. Every error of the layers below converts
/// into one here, and nowhere else.
///
/// ```
/// use scim_ops::ScimError;
/// use scim_schema::ScimType;
///
/// let err = ScimError::invalid(ScimType::InvalidFilter, "unexpected end");
/// assert_eq!(err.status(), 400);
/// assert_eq!(err.to_json()["status"], "400");
/// assert_eq!(err.to_json()["scimType"], "invalidFilter");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScimError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What went wrong.
    pub detail: String,
    /// For a `412`: the version the resource is at now.
    pub conflict: Option<VersionConflict>,
    /// For a `429` or `503`: how long the client should wait before it tries again
    /// (the `Retry-After` header).
    pub retry_after: Option<Duration>,
}

impl ScimError {
    /// An error of this kind with this detail.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            conflict: None,
            retry_after: None,
        }
    }

    /// The same error, telling the client to wait `wait` before it tries again.
    ///
    /// ```
    /// use std::time::Duration;
    /// use scim_ops::{ErrorKind, ScimError};
    ///
    /// let err = ScimError::new(ErrorKind::TooManyRequests, "slow down")
    ///     .with_retry_after(Duration::from_secs(2));
    /// assert_eq!(err.status(), 429);
    /// assert_eq!(err.retry_after, Some(Duration::from_secs(2)));
    /// ```
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// An [`ErrorKind::Invalid`] with this `scimType`.
    pub fn invalid(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid(scim_type), detail)
    }

    /// A `404`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, detail)
    }

    /// A `500`, for a failure of the server itself.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, detail)
    }

    /// A `412` for a failed precondition, naming the current version.
    pub fn precondition_failed(current: Option<&ScimVersion>) -> Self {
        let detail = match current {
            Some(current) => format!("the resource is at version {current}"),
            None => "the precondition does not hold".to_owned(),
        };
        Self::new(ErrorKind::PreconditionFailed, detail)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    /// The `scimType`, where one applies.
    pub fn scim_type(&self) -> Option<ScimType> {
        self.kind.scim_type()
    }

    /// The SCIM error body.
    pub fn to_json(&self) -> Value {
        let mut body = json!({
            "schemas": [builtin::ERROR],
            "status": self.status().as_str(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type() {
            body["scimType"] = json!(scim_type.as_str());
        }
        body
    }
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status().as_u16(), self.detail)
    }
}

impl std::error::Error for ScimError {}

impl From<SchemaError> for ScimError {
    fn from(err: SchemaError) -> Self {
        Self::invalid(err.scim_type(), err.to_string())
    }
}

impl From<VersionConflict> for ScimError {
    fn from(conflict: VersionConflict) -> Self {
        Self {
            conflict: Some(conflict.clone()),
            ..Self::new(ErrorKind::PreconditionFailed, conflict.to_string())
        }
    }
}

impl From<VersionError> for ScimError {
    fn from(err: VersionError) -> Self {
        Self::invalid(
            ScimType::InvalidValue,
            format!("invalid entity tag in a precondition header: {err}"),
        )
    }
}

impl From<ProviderError> for ScimError {
    fn from(err: ProviderError) -> Self {
        crate::metrics::observe_provider_error(&err);
        let kind = match &err {
            ProviderError::VersionMismatch(conflict) => return conflict.clone().into(),
            ProviderError::NotFound { .. } => ErrorKind::NotFound,
            ProviderError::Uniqueness { .. } => ErrorKind::Invalid(ScimType::Uniqueness),
            ProviderError::Invalid { scim_type, .. } => ErrorKind::Invalid(*scim_type),
            ProviderError::Storage { .. } => ErrorKind::Internal,
            ProviderError::Unavailable { .. } => ErrorKind::Unavailable,
            _ => ErrorKind::Internal,
        };
        if matches!(kind, ErrorKind::Internal | ErrorKind::Unavailable) {
            // The client reads only the summary; the operator needs the cause.
            tracing::warn!(cause = %causes(&err), "the store failed: {err}");
        }
        let scim = Self::new(kind, err.to_string());
        match kind {
            ErrorKind::Unavailable => scim.with_retry_after(STORE_RETRY_AFTER),
            _ => scim,
        }
    }
}

/// The causes of `err`, joined by `: ` (empty when it has none).
fn causes(err: &dyn std::error::Error) -> String {
    let mut text = String::new();
    let mut cause = err.source();
    while let Some(next) = cause {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_out_of_reach_is_a_503_to_retry() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let err = ScimError::from(ProviderError::unavailable("down", refused));
        assert_eq!(err.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(err.retry_after, Some(Duration::from_secs(2)));
        assert_eq!(err.to_json()["status"], "503");
        let broken = std::io::Error::other("broken");
        let failed = ScimError::from(ProviderError::storage("broken", broken));
        assert_eq!((failed.status().as_u16(), failed.retry_after), (500, None));
    }
}
