//! The schema model of RFC 7643: attributes, schemas and resource types.

mod attribute;
mod resource_type;
mod schema;

pub use attribute::{AttributeDefinition, AttributeType, Mutability, Returned, Uniqueness};
pub use resource_type::{ResourceType, SchemaExtension};
pub use schema::Schema;
