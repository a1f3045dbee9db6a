//! [`SchemaRegistry`]: the schemas and resource types a server offers, and their
//! `/Schemas` and `/ResourceTypes` representations.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::ResourceDefinition;
use crate::builtin;
use crate::model::{ResourceType, Schema};

/// Why a schema or resource type could not be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// A schema with this URN is registered already.
    #[error("a schema with id {0:?} is already registered")]
    DuplicateSchema(String),
    /// A resource type with this name or endpoint is registered already.
    #[error("a resource type named {0:?} or at that endpoint is already registered")]
    DuplicateResourceType(String),
    /// A resource type names a schema that is not registered.
    #[error("resource type {resource_type:?} names the unregistered schema {schema:?}")]
    UnknownSchema {
        /// The resource type.
        resource_type: String,
        /// The schema URN it names.
        schema: String,
    },
}

/// The schemas and resource types of a server.
///
/// [`Default`] registers everything RFC 7643 defines: the User, Group and Enterprise
/// User schemas, the ServiceProviderConfig, ResourceType and Schema schemas, and the
/// `User` (with the enterprise extension) and `Group` resource types. Custom schemas
/// and resource types are added at run time.
///
/// ```
/// use scim_schema::{AttributeDefinition, AttributeType, ResourceType, Schema, SchemaRegistry};
///
/// let mut registry = SchemaRegistry::default();
/// registry.add_schema(
///     Schema::new("urn:example:scim:Device", "Device", "A device")
///         .with_attribute(AttributeDefinition::new("serial", AttributeType::String).required()),
/// )?;
/// registry.add_resource_type(ResourceType::new("Device", "/Devices", "urn:example:scim:Device"))?;
/// assert_eq!(registry.resource_type_by_endpoint("/devices").unwrap().name(), "Device");
/// # Ok::<(), scim_schema::RegistryError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    schemas: Vec<Arc<Schema>>,
    resource_types: Vec<Arc<ResourceDefinition>>,
}

impl Default for SchemaRegistry {
    fn default() -> Self {
        let mut registry = Self::empty();
        let schemas = [
            builtin::user_schema(),
            builtin::group_schema(),
            builtin::enterprise_user_schema(),
            builtin::service_provider_config_schema(),
            builtin::resource_type_schema(),
            builtin::schema_schema(),
        ];
        for schema in schemas {
            registry
                .add_schema(schema)
                .expect("built-in schemas are distinct");
        }
        for resource_type in [
            builtin::user_resource_type(),
            builtin::group_resource_type(),
        ] {
            registry
                .add_resource_type(resource_type)
                .expect("built-in resource types are consistent");
        }
        registry
    }
}

impl SchemaRegistry {
    /// A registry with nothing in it.
    pub fn empty() -> Self {
        Self {
            schemas: Vec::new(),
            resource_types: Vec::new(),
        }
    }

    /// Registers a schema.
    pub fn add_schema(&mut self, schema: Schema) -> Result<(), RegistryError> {
        if self.schema(&schema.id).is_some() {
            return Err(RegistryError::DuplicateSchema(schema.id));
        }
        self.schemas.push(Arc::new(schema));
        Ok(())
    }

    /// Registers a resource type; its core and extension schemas must be registered.
    pub fn add_resource_type(&mut self, resource_type: ResourceType) -> Result<(), RegistryError> {
        let taken = self.resource_types.iter().any(|d| {
            d.name().eq_ignore_ascii_case(&resource_type.name)
                || d.resource_type()
                    .endpoint
                    .eq_ignore_ascii_case(&resource_type.endpoint)
        });
        if taken {
            return Err(RegistryError::DuplicateResourceType(resource_type.name));
        }
        let lookup = |urn: &str| {
            self.schema_arc(urn)
                .ok_or_else(|| RegistryError::UnknownSchema {
                    resource_type: resource_type.name.clone(),
                    schema: urn.to_owned(),
                })
        };
        let core = lookup(&resource_type.schema)?;
        let extensions = resource_type
            .schema_extensions
            .iter()
            .map(|ext| Ok((lookup(&ext.schema)?, ext.required)))
            .collect::<Result<Vec<_>, RegistryError>>()?;
        self.resource_types.push(Arc::new(ResourceDefinition::new(
            resource_type,
            core,
            extensions,
        )));
        Ok(())
    }

    fn schema_arc(&self, urn: &str) -> Option<Arc<Schema>> {
        self.schemas
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
            .cloned()
    }

    /// The schema with this URN, compared case-insensitively.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas
            .iter()
            .map(|s| &**s)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Every schema, in registration order.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.iter().map(|s| &**s)
    }

    /// The resource type with this name (`User`), compared case-insensitively.
    pub fn resource_type(&self, name: &str) -> Option<&Arc<ResourceDefinition>> {
        self.resource_types
            .iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// The names of the resource types `definition`'s `members` may refer to (the
    /// registered ones among its `members.$ref` reference types), empty when it has no
    /// members.
    pub fn member_types(&self, definition: &ResourceDefinition) -> Vec<&str> {
        definition
            .top_level_attribute("members")
            .and_then(|m| m.sub_attribute("$ref"))
            .map(|r| r.reference_types.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|t| self.resource_type(t))
            .map(|d| d.name())
            .collect()
    }

    /// The resource type served at this endpoint (`/Users`), compared
    /// case-insensitively, with or without the leading slash.
    pub fn resource_type_by_endpoint(&self, endpoint: &str) -> Option<&Arc<ResourceDefinition>> {
        let wanted = endpoint.trim_start_matches('/');
        self.resource_types.iter().find(|d| {
            d.resource_type()
                .endpoint
                .trim_start_matches('/')
                .eq_ignore_ascii_case(wanted)
        })
    }

    /// Every resource type, in registration order.
    pub fn resource_types(&self) -> impl Iterator<Item = &Arc<ResourceDefinition>> {
        self.resource_types.iter()
    }

    /// A schema as `/Schemas/{id}` returns it (RFC 7643 section 8.7), with `meta`
    /// pointing under `base_url` (such as `https://example.com/scim/v2`).
    ///
    /// ```
    /// use scim_schema::{SchemaRegistry, builtin};
    ///
    /// let registry = SchemaRegistry::default();
    /// let json = registry.schema_json(registry.schema(builtin::GROUP).unwrap(), "https://example.com/v2");
    /// assert_eq!(json["id"], builtin::GROUP);
    /// assert_eq!(json["attributes"][0]["name"], "displayName");
    /// assert_eq!(json["meta"]["location"], format!("https://example.com/v2/Schemas/{}", builtin::GROUP));
    /// ```
    pub fn schema_json(&self, schema: &Schema, base_url: &str) -> Value {
        let mut value = serde_json::to_value(schema).expect("schemas serialize");
        let object = value.as_object_mut().expect("a schema is an object");
        object.insert("schemas".into(), json!([builtin::SCHEMA]));
        object.insert(
            "meta".into(),
            json!({
                "resourceType": "Schema",
                "location": format!("{}/Schemas/{}", base_url.trim_end_matches('/'), schema.id),
            }),
        );
        value
    }

    /// A resource type as `/ResourceTypes/{id}` returns it (RFC 7643 section 8.6).
    ///
    /// ```
    /// use scim_schema::SchemaRegistry;
    ///
    /// let registry = SchemaRegistry::default();
    /// let users = registry.resource_type("User").unwrap();
    /// let json = registry.resource_type_json(users.resource_type(), "https://example.com/v2");
    /// assert_eq!(json["endpoint"], "/Users");
    /// assert_eq!(json["schemaExtensions"][0]["required"], false);
    /// assert_eq!(json["meta"]["resourceType"], "ResourceType");
    /// ```
    pub fn resource_type_json(&self, resource_type: &ResourceType, base_url: &str) -> Value {
        let mut value = serde_json::to_value(resource_type).expect("resource types serialize");
        let object = value.as_object_mut().expect("a resource type is an object");
        object.insert("schemas".into(), json!([builtin::RESOURCE_TYPE]));
        object.insert(
            "meta".into(),
            json!({
                "resourceType": "ResourceType",
                "location": format!(
                    "{}/ResourceTypes/{}",
                    base_url.trim_end_matches('/'),
                    resource_type.id
                ),
            }),
        );
        value
    }
}
