//! [`VersionError`]: why a version or an entity-tag header was rejected.

/// Why a version, an entity tag or an `If-Match` / `If-None-Match` value was rejected.
///
/// Every variant says what is wrong and, where it helps, at which byte of the input,
/// so the message can go straight into a SCIM error `detail`.
///
/// ```
/// use scim_version::{ScimVersion, VersionError};
///
/// let err = ScimVersion::parse_http_header("W/abc").unwrap_err();
/// assert_eq!(err, VersionError::NotQuoted);
/// assert!(err.to_string().contains("quoted"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The input was empty or held only whitespace.
    #[error("entity tag is empty")]
    Empty,
    /// The input is longer than this crate accepts.
    #[error("entity tag input is {len} bytes long; at most {max} bytes are accepted")]
    TooLong {
        /// Length of the rejected input in bytes.
        len: usize,
        /// The limit that was exceeded.
        max: usize,
    },
    /// The value is not wrapped in double quotes (`abc`, `W/abc`).
    #[error("entity tag must be quoted, as \"…\" or W/\"…\"")]
    NotQuoted,
    /// The opening quote has no closing quote.
    #[error("entity tag has no closing quote")]
    Unterminated,
    /// A character that RFC 9110 does not allow inside an entity tag.
    #[error("character {found:?} at byte {position} is not allowed in an entity tag")]
    InvalidCharacter {
        /// The offending character.
        found: char,
        /// Its byte offset in the input.
        position: usize,
    },
    /// Something other than whitespace or a list comma follows an entity tag (`"a"b"`).
    #[error("unexpected {found:?} at byte {position} after the entity tag")]
    TrailingCharacters {
        /// The first unexpected character.
        found: char,
        /// Its byte offset in the input.
        position: usize,
    },
    /// An `If-Match` / `If-None-Match` list names more tags than accepted.
    #[error("the entity-tag list has more than {max} entries")]
    TooManyTags {
        /// The limit that was exceeded.
        max: usize,
    },
    /// `*` appears in a list together with entity tags.
    #[error("`*` must be the whole field value, not part of an entity-tag list")]
    WildcardInList,
}
