//! [`ResourceType`] (RFC 7643 section 6).

use serde::{Deserialize, Serialize};

/// A kind of resource a server offers: its endpoint, core schema and extensions.
///
/// ```
/// use scim_schema::{ResourceType, builtin};
///
/// let users = ResourceType::new("User", "/Users", builtin::USER)
///     .with_extension(builtin::ENTERPRISE_USER, false);
/// assert_eq!(users.schema_extensions.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    /// The resource type's id; by convention its name.
    pub id: String,
    /// Its name, as `meta.resourceType` carries it.
    pub name: String,
    /// Its endpoint relative to the base URL, such as `/Users`.
    pub endpoint: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// The URN of its core schema.
    pub schema: String,
    /// The extension schemas it accepts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_extensions: Vec<SchemaExtension>,
}

/// An extension schema of a resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaExtension {
    /// The extension's schema URN.
    pub schema: String,
    /// Whether every resource must carry it.
    pub required: bool,
}

impl ResourceType {
    /// A resource type without extensions.
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        schema: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            id: name.clone(),
            description: name.clone(),
            name,
            endpoint: endpoint.into(),
            schema: schema.into(),
            schema_extensions: Vec::new(),
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Adds an extension schema.
    pub fn with_extension(mut self, schema: impl Into<String>, required: bool) -> Self {
        self.schema_extensions.push(SchemaExtension {
            schema: schema.into(),
            required,
        });
        self
    }
}
