//! [`ConditionalResult`] and [`VersionConflict`]: the outcome of a compare-and-write.

use serde::{Deserialize, Serialize};

use crate::ScimVersion;

/// A conditional write was refused because the resource is no longer at the version
/// the caller expected. Serializable, so it can become the body of a `412`.
///
/// ```
/// use scim_version::{ScimVersion, VersionConflict};
///
/// let conflict = VersionConflict::new(
///     ScimVersion::from_hash("1")?,
///     ScimVersion::from_hash("2")?,
/// );
/// assert_eq!(conflict.current().opaque(), "2");
/// let json = serde_json::to_value(&conflict).unwrap();
/// assert_eq!(json["expected"], r#"W/"1""#);
/// # Ok::<(), scim_version::VersionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct VersionConflict {
    expected: ScimVersion,
    current: ScimVersion,
    message: String,
}

impl VersionConflict {
    /// A conflict with a message naming both versions.
    pub fn new(expected: ScimVersion, current: ScimVersion) -> Self {
        let message = format!(
            "the resource was modified: expected version {expected}, current version {current}"
        );
        Self {
            expected,
            current,
            message,
        }
    }

    /// Replaces the message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The version the caller expected.
    pub fn expected(&self) -> &ScimVersion {
        &self.expected
    }

    /// The version the resource is at now; a client retries against this one.
    pub fn current(&self) -> &ScimVersion {
        &self.current
    }

    /// A human-readable explanation.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The outcome of a conditional operation: it happened, the version was stale, or
/// there was nothing to operate on.
///
/// ```
/// use scim_version::{ConditionalResult, ConditionalError};
///
/// let done: ConditionalResult<u32> = ConditionalResult::Success(1);
/// assert_eq!(done.map(|n| n + 1).into_result(), Ok(2));
///
/// let missing: ConditionalResult<u32> = ConditionalResult::NotFound;
/// assert_eq!(missing.into_result(), Err(ConditionalError::NotFound));
/// ```
#[must_use = "a conditional write may have been refused"]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConditionalResult<T> {
    /// The operation took place; here is its result.
    Success(T),
    /// The resource exists at another version; nothing was changed.
    VersionMismatch(VersionConflict),
    /// The resource does not exist; nothing was changed.
    NotFound,
}

impl<T> ConditionalResult<T> {
    /// Whether the operation took place.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Success(_))
    }

    /// Whether the operation was refused for a stale version.
    pub fn is_version_mismatch(&self) -> bool {
        matches!(self, Self::VersionMismatch(_))
    }

    /// Whether the resource was missing.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound)
    }

    /// The result, if the operation took place.
    pub fn success(self) -> Option<T> {
        match self {
            Self::Success(value) => Some(value),
            _ => None,
        }
    }

    /// The conflict, if the version was stale.
    pub fn conflict(&self) -> Option<&VersionConflict> {
        match self {
            Self::VersionMismatch(conflict) => Some(conflict),
            _ => None,
        }
    }

    /// Borrows the success value.
    pub fn as_ref(&self) -> ConditionalResult<&T> {
        match self {
            Self::Success(value) => ConditionalResult::Success(value),
            Self::VersionMismatch(conflict) => ConditionalResult::VersionMismatch(conflict.clone()),
            Self::NotFound => ConditionalResult::NotFound,
        }
    }

    /// Transforms the success value, keeping a mismatch or not-found as it is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ConditionalResult<U> {
        match self {
            Self::Success(value) => ConditionalResult::Success(f(value)),
            Self::VersionMismatch(conflict) => ConditionalResult::VersionMismatch(conflict),
            Self::NotFound => ConditionalResult::NotFound,
        }
    }

    /// Chains another conditional step after a success.
    pub fn and_then<U>(self, f: impl FnOnce(T) -> ConditionalResult<U>) -> ConditionalResult<U> {
        match self {
            Self::Success(value) => f(value),
            Self::VersionMismatch(conflict) => ConditionalResult::VersionMismatch(conflict),
            Self::NotFound => ConditionalResult::NotFound,
        }
    }

    /// Converts into a `Result`, so `?` can be used.
    pub fn into_result(self) -> Result<T, ConditionalError> {
        self.into()
    }
}

impl<T> From<ConditionalResult<T>> for Result<T, ConditionalError> {
    fn from(result: ConditionalResult<T>) -> Self {
        match result {
            ConditionalResult::Success(value) => Ok(value),
            ConditionalResult::VersionMismatch(conflict) => {
                Err(ConditionalError::VersionMismatch(conflict))
            }
            ConditionalResult::NotFound => Err(ConditionalError::NotFound),
        }
    }
}

/// Why a [`ConditionalResult`] was not a success, as an error type.
///
/// ```
/// use scim_version::{ConditionalError, ConditionalResult};
///
/// fn delete() -> Result<(), ConditionalError> {
///     ConditionalResult::<()>::NotFound.into_result()?;
///     Ok(())
/// }
/// assert_eq!(delete().unwrap_err().to_string(), "the resource does not exist");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionalError {
    /// The resource is at another version.
    #[error(transparent)]
    VersionMismatch(#[from] VersionConflict),
    /// The resource does not exist.
    #[error("the resource does not exist")]
    NotFound,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conflict() -> VersionConflict {
        VersionConflict::new(
            ScimVersion::from_hash("1").unwrap(),
            ScimVersion::from_hash("2").unwrap(),
        )
    }

    #[test]
    fn helpers_report_each_variant() {
        let ok: ConditionalResult<i32> = ConditionalResult::Success(3);
        assert!(ok.is_success() && !ok.is_version_mismatch() && !ok.is_not_found());
        assert_eq!(ok.as_ref().map(|n| n * 2), ConditionalResult::Success(6));
        assert_eq!(ok.clone().success(), Some(3));
        assert!(ok.conflict().is_none());

        let stale: ConditionalResult<i32> = ConditionalResult::VersionMismatch(conflict());
        assert!(stale.is_version_mismatch());
        assert_eq!(stale.conflict().unwrap().current().opaque(), "2");
        assert_eq!(stale.clone().map(|n| n + 1).conflict(), Some(&conflict()));
        assert_eq!(stale.clone().success(), None);
        assert_eq!(
            stale.into_result(),
            Err(ConditionalError::VersionMismatch(conflict()))
        );

        let missing: ConditionalResult<i32> = ConditionalResult::NotFound;
        assert!(missing.is_not_found());
        assert_eq!(
            missing.and_then(ConditionalResult::Success),
            ConditionalResult::NotFound
        );
        assert_eq!(
            ConditionalResult::Success(1).and_then(|_| ConditionalResult::<()>::NotFound),
            ConditionalResult::NotFound
        );
    }

    #[test]
    fn conflict_message_names_both_versions_and_serializes() {
        let c = conflict();
        assert_eq!(
            c.to_string(),
            r#"the resource was modified: expected version W/"1", current version W/"2""#
        );
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "expected": "W/\"1\"",
                "current": "W/\"2\"",
                "message": c.message(),
            })
        );
        let back: VersionConflict = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
        assert_eq!(c.with_message("stale").to_string(), "stale");
    }
}
