//! Versions, entity tags and preconditions for SCIM 2.0 optimistic concurrency.
//!
//! The lowest layer of the toolkit: every other crate names a resource's version with
//! a [`ScimVersion`], reads `If-Match` / `If-None-Match` into a [`Precondition`], and
//! reports a compare-and-write with a [`ConditionalResult`].
//!
//! - A version is a content hash: SHA-256 over a [canonical](canonical_json) form of the
//!   resource, so equal content always has equal versions.
//! - It is presented as a weak ETag, `W/"…"`, which is also the resource's
//!   `meta.version`.
//! - `If-Match` uses weak comparison by default ([`Comparison`]); see its docs for why.
//!
//! ```
//! use scim_version::{Comparison, ConditionalResult, Precondition, ScimVersion, VersionConflict};
//! use serde_json::json;
//!
//! let stored = ScimVersion::from_json(&json!({"userName": "bjensen"}));
//!
//! // A client echoes the ETag it read earlier.
//! let if_match = Precondition::parse(&stored.to_http_header())?;
//! assert!(if_match.if_match(Some(&stored), Comparison::Weak));
//!
//! // Meanwhile someone else wrote: the client's version is stale.
//! let newer = ScimVersion::from_json(&json!({"userName": "barbara"}));
//! let outcome: ConditionalResult<()> = if if_match.if_match(Some(&newer), Comparison::Weak) {
//!     ConditionalResult::Success(())
//! } else {
//!     ConditionalResult::VersionMismatch(VersionConflict::new(stored, newer))
//! };
//! assert!(outcome.is_version_mismatch());
//! # Ok::<(), scim_version::VersionError>(())
//! ```

mod canonical;
mod conditional;
mod error;
mod precondition;
mod version;

pub use canonical::{canonical_json, write_canonical_json};
pub use conditional::{ConditionalError, ConditionalResult, VersionConflict};
pub use error::VersionError;
pub use precondition::{Comparison, Precondition};
pub use version::ScimVersion;
