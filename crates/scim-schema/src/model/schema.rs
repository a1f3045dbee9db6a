//! [`Schema`]: a named set of attribute definitions (RFC 7643 section 7).

use serde::{Deserialize, Serialize};

use super::AttributeDefinition;

/// A schema: its URN, a name, and its attributes.
///
/// ```
/// use scim_schema::{AttributeDefinition, AttributeType, Schema};
///
/// let schema = Schema::new("urn:example:scim:Badge", "Badge", "Badge data")
///     .with_attribute(AttributeDefinition::new("number", AttributeType::String));
/// assert!(schema.attribute("NUMBER").is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    /// The schema URN.
    pub id: String,
    /// A human-readable name.
    pub name: String,
    /// What the schema is for.
    #[serde(default)]
    pub description: String,
    /// Its top-level attributes.
    pub attributes: Vec<AttributeDefinition>,
}

impl Schema {
    /// A schema with no attributes yet.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            description: description.into(),
            attributes: Vec::new(),
        }
    }

    /// Adds an attribute.
    pub fn with_attribute(mut self, attribute: AttributeDefinition) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The top-level attribute with this name, compared case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&AttributeDefinition> {
        self.attributes
            .iter()
            .find(|attr| attr.name.eq_ignore_ascii_case(name))
    }
}
