//! Sorting (RFC 7644 section 3.4.2.3): [`SortSpec`] compares resources by `sortBy`.

use std::cmp::Ordering;

use serde_json::Value;

use crate::compare::{cmp_values, kind_of};
use crate::model::AttributeType;
use crate::{AttributePath, ResourceDefinition, SchemaError, json};

/// `sortOrder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortOrder {
    /// Smallest first. The default.
    #[default]
    Ascending,
    /// Largest first.
    Descending,
}

impl SortOrder {
    /// Reads `ascending` / `descending`, case-insensitively; errors are `invalidValue`.
    pub fn parse(input: &str) -> Result<Self, SchemaError> {
        if input.eq_ignore_ascii_case("ascending") {
            Ok(Self::Ascending)
        } else if input.eq_ignore_ascii_case("descending") {
            Ok(Self::Descending)
        } else {
            Err(SchemaError::invalid_value(format!(
                "sortOrder must be \"ascending\" or \"descending\", not {input:?}"
            )))
        }
    }
}

/// A `sortBy` attribute and a `sortOrder`, as a comparator over resources.
///
/// Values compare by the attribute's type and `caseExact`; a multi-valued attribute
/// sorts by its primary value, else its first; resources without a value sort last in
/// either order.
///
/// ```
/// use scim_schema::{SchemaRegistry, SortOrder, SortSpec};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::default();
/// let users = registry.resource_type("User").unwrap();
/// let spec = SortSpec::parse("userName", None)?;
/// let mut list = vec![json!({"userName": "b"}), json!({}), json!({"userName": "A"})];
/// list.sort_by(|x, y| spec.compare(users, x, y));
/// assert_eq!(list, [json!({"userName": "A"}), json!({"userName": "b"}), json!({})]);
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortSpec {
    /// The attribute sorted by.
    pub by: AttributePath,
    /// The direction.
    pub order: SortOrder,
}

impl SortSpec {
    /// Reads `sortBy` and an optional `sortOrder`.
    pub fn parse(sort_by: &str, sort_order: Option<&str>) -> Result<Self, SchemaError> {
        Ok(Self {
            by: AttributePath::parse(sort_by)?,
            order: sort_order
                .map(SortOrder::parse)
                .transpose()?
                .unwrap_or_default(),
        })
    }

    /// The value `resource` sorts by, if it has one.
    pub fn key<'v>(
        &self,
        definition: &ResourceDefinition,
        resource: &'v Value,
    ) -> Option<&'v Value> {
        let resolved = definition.resolve(&self.by);
        let object = resource.as_object()?;
        let container = match resolved {
            Some(r) => ResourceDefinition::container(object, r.extension)?,
            None => object,
        };
        let mut value = json::get(container, &self.by.name)?;
        if let Value::Array(items) = value {
            value = items
                .iter()
                .find(|v| v.get("primary") == Some(&Value::Bool(true)))
                .or_else(|| items.first())?;
        }
        let sub = self.by.sub_attribute.as_deref().or_else(|| {
            let complex = resolved.map_or(value.is_object(), |r| {
                r.attribute.kind == AttributeType::Complex
            });
            complex.then_some("value")
        });
        match sub {
            Some(sub) => json::get(value.as_object()?, sub).filter(|v| !v.is_null()),
            None => Some(value).filter(|v| !v.is_null()),
        }
    }

    /// Orders two resources; missing values last in both directions.
    pub fn compare(&self, definition: &ResourceDefinition, a: &Value, b: &Value) -> Ordering {
        let leaf = definition.resolve(&self.by).map(|r| {
            if r.sub_attribute.is_none() && r.attribute.kind == AttributeType::Complex {
                r.attribute.sub_attribute("value").unwrap_or(r.attribute)
            } else {
                r.leaf()
            }
        });
        match (self.key(definition, a), self.key(definition, b)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => {
                let kind = kind_of(leaf, x).unwrap_or(AttributeType::String);
                let case_exact = leaf.is_some_and(|d| d.case_exact);
                let ord = cmp_values(x, y, kind, case_exact).unwrap_or(Ordering::Equal);
                match self.order {
                    SortOrder::Ascending => ord,
                    SortOrder::Descending => ord.reverse(),
                }
            }
        }
    }
}
