//! The SCIM 2.0 data model: pure, synchronous, no I/O.
//!
//! - [Schemas](model) of RFC 7643 and a [`SchemaRegistry`] holding the built-in ones
//!   ([`builtin`]) and any a server adds at run time.
//! - [Validation and normalization](validate) of resources for create and replace.
//! - [Filters](Filter) (RFC 7644 section 3.4.2.2): the whole grammar, a public AST, and
//!   an evaluator that honours each attribute's type and `caseExact`.
//! - [Attribute paths](AttributePath) and [PATCH paths](PatchPath).
//! - The [PATCH engine](PatchRequest) (RFC 7644 section 3.5.2), with the request shapes
//!   Microsoft Entra ID and Okta send.
//! - [Projection] for `attributes` / `excludedAttributes`, and
//!   [sorting](SortSpec).
//!
//! ```
//! use scim_schema::{Filter, SchemaRegistry, ValidationOptions, validate};
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::default();
//! let users = registry.resource_type("User").unwrap();
//!
//! // Attribute names are case-insensitive and come out in the schema's spelling.
//! let user = validate::create(users, &json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "USERNAME": "bjensen",
//!     "name": {"GIVENNAME": "Barbara"}
//! }), &ValidationOptions::default())?;
//! assert_eq!(user["userName"], "bjensen");
//! assert_eq!(user["name"]["givenName"], "Barbara");
//!
//! assert!(Filter::parse(r#"userName eq "BJENSEN""#)?.matches(&user, users));
//! # Ok::<(), scim_schema::SchemaError>(())
//! ```

pub mod builtin;
mod compare;
mod datetime;
mod error;
pub mod filter;
mod json;
pub mod json_text;
pub mod model;
mod patch;
mod path;
mod projection;
mod registry;
mod resource;
mod sort;
pub mod validate;
mod value_selection;

pub use datetime::DateTime;
pub use error::{SchemaError, ScimType};
pub use filter::{CompValue, CompareOp, Filter, FilterLimits};
pub use model::{
    AttributeDefinition, AttributeType, Mutability, ResourceType, Returned, Schema,
    SchemaExtension, Uniqueness,
};
pub use patch::{PatchOp, PatchOperation, PatchOutcome, PatchRequest};
pub use path::{AttributePath, MAX_PATH_LEN, PatchPath, parse_attribute_list};
pub use projection::{Projection, ValueSelection};
pub use registry::{RegistryError, SchemaRegistry};
pub use resource::{ResolvedAttribute, ResourceDefinition};
pub use sort::{SortOrder, SortSpec};
pub use validate::{UnknownAttributes, ValidationOptions};
