//! [`ResourceDefinition`]: a resource type with its schemas resolved, and attribute
//! lookup by path.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::AttributePath;
use crate::json;
use crate::model::{AttributeDefinition, ResourceType, Schema};

/// A resource type with its core and extension schemas looked up once, so validation,
/// filtering, PATCH and projection never search the registry per request.
///
/// Get one from [`SchemaRegistry::resource_type`](crate::SchemaRegistry::resource_type).
#[derive(Debug, Clone)]
pub struct ResourceDefinition {
    resource_type: ResourceType,
    core: Arc<Schema>,
    extensions: Vec<(Arc<Schema>, bool)>,
    common: Vec<AttributeDefinition>,
}

/// Where a path leads: the attribute, its container and its sub-attribute.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedAttribute<'a> {
    /// The extension schema whose object holds the attribute; `None` for top-level
    /// (core and common) attributes.
    pub extension: Option<&'a Schema>,
    /// The attribute.
    pub attribute: &'a AttributeDefinition,
    /// The sub-attribute, when the path names one.
    pub sub_attribute: Option<&'a AttributeDefinition>,
}

impl<'a> ResolvedAttribute<'a> {
    /// The definition of what the path finally names: the sub-attribute if any.
    pub fn leaf(&self) -> &'a AttributeDefinition {
        self.sub_attribute.unwrap_or(self.attribute)
    }
}

impl ResourceDefinition {
    pub(crate) fn new(
        resource_type: ResourceType,
        core: Arc<Schema>,
        extensions: Vec<(Arc<Schema>, bool)>,
    ) -> Self {
        Self {
            resource_type,
            core,
            extensions,
            common: crate::builtin::common_attributes(),
        }
    }

    /// The resource type.
    pub fn resource_type(&self) -> &ResourceType {
        &self.resource_type
    }

    /// The resource type's name (`User`, `Group`, …).
    pub fn name(&self) -> &str {
        &self.resource_type.name
    }

    /// The core schema.
    pub fn core_schema(&self) -> &Schema {
        &self.core
    }

    /// The extension schemas, each with whether it is required.
    pub fn extensions(&self) -> impl Iterator<Item = (&Schema, bool)> {
        self.extensions
            .iter()
            .map(|(s, required)| (&**s, *required))
    }

    /// The extension schema with this URN, compared case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&Schema> {
        self.extensions
            .iter()
            .map(|(s, _)| &**s)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// `id`, `externalId` and `meta`.
    pub fn common_attributes(&self) -> &[AttributeDefinition] {
        &self.common
    }

    /// A top-level attribute: a common one or one of the core schema.
    pub fn top_level_attribute(&self, name: &str) -> Option<&AttributeDefinition> {
        self.common
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .or_else(|| self.core.attribute(name))
    }

    /// Every top-level attribute: common ones, then the core schema's.
    pub fn top_level_attributes(&self) -> impl Iterator<Item = &AttributeDefinition> {
        self.common.iter().chain(&self.core.attributes)
    }

    /// Whether resources of this type have `members` (groups do).
    pub fn has_members(&self) -> bool {
        self.core.attribute("members").is_some()
    }

    /// Whether resources of this type carry a derived, readOnly `groups` (users do):
    /// storage fills it from memberships.
    pub fn derives_groups(&self) -> bool {
        self.core
            .attribute("groups")
            .is_some_and(AttributeDefinition::is_read_only)
    }

    /// The attributes that are never returned (`returned: never`, such as `password`),
    /// each with the extension schema holding it (`None` at the top level).
    pub fn never_returned(&self) -> impl Iterator<Item = (Option<&Schema>, &AttributeDefinition)> {
        let never = |a: &&AttributeDefinition| a.returned == crate::Returned::Never;
        let top = self.top_level_attributes().filter(never).map(|a| (None, a));
        let extensions = self.extensions().flat_map(move |(schema, _)| {
            schema
                .attributes
                .iter()
                .filter(never)
                .map(move |a| (Some(schema), a))
        });
        top.chain(extensions)
    }

    /// Resolves a path against the schemas: a URN-qualified path looks in that schema
    /// only; an unqualified one in the top level, then in each extension.
    ///
    /// ```
    /// use scim_schema::{AttributePath, SchemaRegistry};
    ///
    /// let registry = SchemaRegistry::default();
    /// let users = registry.resource_type("User").unwrap();
    /// let found = users.resolve(&AttributePath::parse("NAME.givenname")?).unwrap();
    /// assert_eq!(found.leaf().name, "givenName");
    /// let manager = users.resolve(&AttributePath::parse("manager")?).unwrap();
    /// assert!(manager.extension.is_some());
    /// # Ok::<(), scim_schema::SchemaError>(())
    /// ```
    pub fn resolve(&self, path: &AttributePath) -> Option<ResolvedAttribute<'_>> {
        let (extension, attribute) = match &path.schema {
            Some(urn) if urn.eq_ignore_ascii_case(&self.core.id) => {
                (None, self.top_level_attribute(&path.name)?)
            }
            Some(urn) => {
                let schema = self.extension(urn)?;
                (Some(schema), schema.attribute(&path.name)?)
            }
            None => match self.top_level_attribute(&path.name) {
                Some(attribute) => (None, attribute),
                None => self.extensions().find_map(|(schema, _)| {
                    schema.attribute(&path.name).map(|a| (Some(schema), a))
                })?,
            },
        };
        let sub_attribute = match &path.sub_attribute {
            Some(sub) => Some(attribute.sub_attribute(sub)?),
            None => None,
        };
        Some(ResolvedAttribute {
            extension,
            attribute,
            sub_attribute,
        })
    }

    /// The object holding the attributes of `extension` (or the top level) in a resource.
    pub(crate) fn container<'v>(
        resource: &'v Map<String, Value>,
        extension: Option<&Schema>,
    ) -> Option<&'v Map<String, Value>> {
        match extension {
            None => Some(resource),
            Some(schema) => json::get(resource, &schema.id)?.as_object(),
        }
    }
}
