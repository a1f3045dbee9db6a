//! [`SchemaError`] and [`ScimType`]: what went wrong, as SCIM names it.

use std::fmt;

/// The `scimType` values of RFC 7644 section 3.12 (the HTTP status of each is decided
/// by `scim-ops`' `ErrorKind`, in one place).
///
/// ```
/// use scim_schema::ScimType;
///
/// assert_eq!(ScimType::Uniqueness.as_str(), "uniqueness");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScimType {
    /// The filter syntax was invalid or the filter could not be evaluated.
    InvalidFilter,
    /// The query would return more results than the server allows.
    TooMany,
    /// A uniqueness constraint was violated.
    Uniqueness,
    /// The change is incompatible with an attribute's mutability.
    Mutability,
    /// The request body could not be parsed or violates the schema.
    InvalidSyntax,
    /// A `path` attribute was invalid or malformed.
    InvalidPath,
    /// The path did not yield an attribute or value that could be operated on.
    NoTarget,
    /// A value was not compatible with the operation or the attribute type.
    InvalidValue,
    /// The SCIM protocol version in the request is not supported.
    InvalidVers,
    /// The request cannot be completed because it would reveal sensitive data.
    Sensitive,
    /// A pagination cursor is malformed or unknown (RFC 9865).
    InvalidCursor,
}

impl ScimType {
    /// The `scimType` string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
            Self::InvalidCursor => "invalidCursor",
        }
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a resource, filter, path or PATCH was rejected. Nothing was changed.
///
/// [`scim_type`](Self::scim_type) gives the SCIM error type; the message is the
/// `detail`.
///
/// ```
/// use scim_schema::{Filter, ScimType};
///
/// let err = Filter::parse("userName eq").unwrap_err();
/// assert_eq!(err.scim_type(), ScimType::InvalidFilter);
/// assert!(err.to_string().contains("position 11"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaError {
    /// A filter could not be parsed.
    #[error("invalid filter at position {position}: {message}")]
    InvalidFilter {
        /// Byte offset in the filter where the problem was found.
        position: usize,
        /// What is wrong.
        message: String,
    },
    /// An attribute path could not be parsed or names no attribute.
    #[error("invalid path {path:?}: {message}")]
    InvalidPath {
        /// The path as given.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A value does not fit its attribute.
    #[error("{0}")]
    InvalidValue(String),
    /// A request body is malformed.
    #[error("{0}")]
    InvalidSyntax(String),
    /// A change that the attribute's mutability forbids.
    #[error("{0}")]
    Mutability(String),
    /// A PATCH path matched nothing to operate on.
    #[error("{0}")]
    NoTarget(String),
}

impl SchemaError {
    /// The SCIM error type.
    pub fn scim_type(&self) -> ScimType {
        match self {
            Self::InvalidFilter { .. } => ScimType::InvalidFilter,
            Self::InvalidPath { .. } => ScimType::InvalidPath,
            Self::InvalidValue(_) => ScimType::InvalidValue,
            Self::InvalidSyntax(_) => ScimType::InvalidSyntax,
            Self::Mutability(_) => ScimType::Mutability,
            Self::NoTarget(_) => ScimType::NoTarget,
        }
    }

    pub(crate) fn invalid_path(path: &str, message: impl Into<String>) -> Self {
        Self::InvalidPath {
            path: path.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn invalid_value(message: impl Into<String>) -> Self {
        Self::InvalidValue(message.into())
    }
}

/// At most the first 64 bytes of `input`, cut at a character boundary, for messages
/// about inputs too long to quote whole.
pub(crate) fn excerpt(input: &str) -> &str {
    let mut end = input.len().min(64);
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    &input[..end]
}
