//! [`ProviderError`]: what went wrong in storage, typed so that the layers above map it
//! to a SCIM status in one place.

use scim_schema::ScimType;
use scim_version::VersionConflict;

/// A storage failure or refusal. Nothing was changed. `scim-ops` maps each variant
/// to its HTTP status and `scimType` (its `ErrorKind`), the one place that does.
///
/// ```
/// use scim_provider::ProviderError;
///
/// let err = ProviderError::not_found("User", "42");
/// assert_eq!(err.to_string(), "User 42 not found");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// No resource with this id exists for the tenant.
    #[error("{resource_type} {id} not found")]
    NotFound {
        /// The resource type asked for.
        resource_type: String,
        /// The id asked for.
        id: String,
    },
    /// A value that must be unique is taken.
    #[error("{attribute} {value:?} is already taken")]
    Uniqueness {
        /// The attribute, in its schema spelling.
        attribute: String,
        /// The conflicting value.
        value: String,
    },
    /// A conditional write found another version.
    #[error(transparent)]
    VersionMismatch(#[from] VersionConflict),
    /// The request cannot be served as given (an unknown resource type, a malformed
    /// cursor, …).
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
        /// The SCIM error type that describes it best.
        scim_type: ScimType,
    },
    /// The storage cannot be reached now (its connection was lost, it is restarting,
    /// no connection came free in time): trying again later may succeed, and nothing
    /// of the failed call was applied unless the connection was lost while it
    /// committed.
    #[error("storage unavailable: {message}")]
    Unavailable {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The storage failed.
    #[error("storage failure: {message}")]
    Storage {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl ProviderError {
    /// A [`NotFound`](Self::NotFound).
    pub fn not_found(resource_type: impl Into<String>, id: impl Into<String>) -> Self {
        Self::NotFound {
            resource_type: resource_type.into(),
            id: id.into(),
        }
    }

    /// An [`Invalid`](Self::Invalid) with `invalidValue`.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid {
            message: message.into(),
            scim_type: ScimType::InvalidValue,
        }
    }

    /// The [`Invalid`](Self::Invalid) refusal of a member no stored resource is (see
    /// [`RequestContext::allowing_unknown_members`](crate::RequestContext::allowing_unknown_members)).
    pub fn unknown_member(id: &str) -> Self {
        Self::invalid(format!("member {id:?} does not exist"))
    }

    /// An [`Unavailable`](Self::Unavailable) store, wrapping the cause.
    pub fn unavailable(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A [`Storage`](Self::Storage) failure wrapping its cause.
    pub fn storage(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Storage {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}
