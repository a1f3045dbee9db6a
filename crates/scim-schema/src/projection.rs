//! Projection (RFC 7643 section 7 `returned`, RFC 7644 section 3.9): which attributes a
//! response carries, given `attributes` or `excludedAttributes`.

use serde_json::{Map, Value};

use crate::model::{AttributeDefinition, Returned};
use crate::{AttributePath, ResourceDefinition, SchemaError, parse_attribute_list};

use crate::value_selection;
pub use crate::value_selection::ValueSelection;

/// The `attributes` / `excludedAttributes` of a request.
///
/// - `returned: never` attributes (`password`) are never rendered;
/// - `returned: always` attributes (`id`) always are, excluded or not;
/// - with `attributes`, only those listed (and `always` ones) are rendered, `request`
///   ones included when listed; naming a sub-attribute renders just it;
/// - otherwise every `default` attribute is rendered except those excluded.
///
/// `schemas` is always kept.
///
/// ```
/// use scim_schema::{Projection, SchemaRegistry};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::default();
/// let users = registry.resource_type("User").unwrap();
/// let user = json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "1", "userName": "bjensen", "password": "secret",
///     "name": {"givenName": "Barbara", "familyName": "Jensen"}
/// });
/// let only = Projection::from_query(Some("name.givenName"), None)?;
/// assert_eq!(only.apply(users, &user), json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "1", "name": {"givenName": "Barbara"}
/// }));
/// assert!(Projection::default().apply(users, &user).get("password").is_none());
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    /// `attributes`: when non-empty, only these (and `returned: always` ones).
    pub attributes: Vec<AttributePath>,
    /// `excludedAttributes`.
    pub excluded: Vec<AttributePath>,
    /// Value filters, which only
    /// [`from_query_with_value_filters`](Self::from_query_with_value_filters) reads.
    pub value_filters: Vec<ValueSelection>,
}

impl Projection {
    /// Reads the two query parameters (comma-separated lists). RFC 7644 lets a client
    /// send one or the other; when both are sent, `attributes` wins.
    pub fn from_query(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Self, SchemaError> {
        let attributes = attributes
            .map(parse_attribute_list)
            .transpose()?
            .unwrap_or_default();
        // Both lists must be well formed; `attributes` wins when both are given.
        let mut excluded = excluded
            .map(parse_attribute_list)
            .transpose()?
            .unwrap_or_default();
        if !attributes.is_empty() {
            excluded.clear();
        }
        Ok(Self {
            attributes,
            excluded,
            value_filters: Vec::new(),
        })
    }

    /// Reads the two query parameters as [`from_query`](Self::from_query) does, also
    /// accepting a value filter on an item, as some clients send it (RFC 7644 does not
    /// allow it): `attributes=emails[type eq "work"]` returns `emails` with only the
    /// values the filter matches; `excludedAttributes=emails[type eq "work"]` returns
    /// `emails` without them.
    ///
    /// ```
    /// use scim_schema::{Projection, SchemaRegistry};
    /// use serde_json::json;
    ///
    /// let registry = SchemaRegistry::default();
    /// let users = registry.resource_type("User").unwrap();
    /// let user = json!({"id": "1", "userName": "b", "emails": [
    ///     {"value": "b@work.example", "type": "work"},
    ///     {"value": "b@home.example", "type": "home"}
    /// ]});
    /// let work = Projection::from_query_with_value_filters(Some(r#"emails[type eq "work"]"#), None)?;
    /// assert_eq!(work.apply(users, &user), json!({"id": "1", "emails": [
    ///     {"value": "b@work.example", "type": "work"}
    /// ]}));
    /// let not_work = Projection::from_query_with_value_filters(None, Some(r#"emails[type eq "work"]"#))?;
    /// assert_eq!(not_work.apply(users, &user)["emails"], json!([
    ///     {"value": "b@home.example", "type": "home"}
    /// ]));
    /// # Ok::<(), scim_schema::SchemaError>(())
    /// ```
    pub fn from_query_with_value_filters(
        attributes: Option<&str>,
        excluded: Option<&str>,
    ) -> Result<Self, SchemaError> {
        let mut value_filters = Vec::new();
        let mut read = |list: Option<&str>, keep: bool| {
            list.map(|list| value_selection::parse_list(list, keep, &mut value_filters))
                .transpose()
                .map(Option::unwrap_or_default)
        };
        let attributes = read(attributes, true)?;
        let mut excluded = read(excluded, false)?;
        if !attributes.is_empty() {
            excluded.clear();
            value_filters.retain(|selection| selection.keep);
        }
        Ok(Self {
            attributes,
            excluded,
            value_filters,
        })
    }

    /// Whether this projection renders everything `default`.
    pub fn is_default(&self) -> bool {
        self.attributes.is_empty() && self.excluded.is_empty() && self.value_filters.is_empty()
    }

    /// The projected `resource`, reusing it: the default projection only removes
    /// `returned: never` values in place, without copying anything.
    ///
    /// ```
    /// use scim_schema::{Projection, SchemaRegistry};
    /// use serde_json::json;
    ///
    /// let registry = SchemaRegistry::default();
    /// let users = registry.resource_type("User").unwrap();
    /// let user = json!({"id": "1", "userName": "b", "password": "secret"});
    /// assert_eq!(Projection::default().apply_owned(users, user), json!({"id": "1", "userName": "b"}));
    /// ```
    pub fn apply_owned(&self, definition: &ResourceDefinition, mut resource: Value) -> Value {
        // Values are selected first: the filter may name sub-attributes not returned.
        for selection in &self.value_filters {
            selection.apply(definition, &mut resource);
        }
        if !self.attributes.is_empty() || !self.excluded.is_empty() {
            return self.project_object(definition, &resource);
        }
        let Value::Object(object) = &mut resource else {
            return resource;
        };
        for (extension, attribute) in definition.never_returned() {
            let container = match extension {
                None => Some(&mut *object),
                Some(schema) => object.get_mut(&schema.id).and_then(Value::as_object_mut),
            };
            if let Some(container) = container {
                container.remove(&attribute.name);
            }
        }
        resource
    }

    /// The projected copy of `resource`.
    pub fn apply(&self, definition: &ResourceDefinition, resource: &Value) -> Value {
        if self.value_filters.is_empty() {
            return self.project_object(definition, resource);
        }
        self.apply_owned(definition, resource.clone())
    }

    fn project_object(&self, definition: &ResourceDefinition, resource: &Value) -> Value {
        let Some(object) = resource.as_object() else {
            return resource.clone();
        };
        let mut out = Map::new();
        for (key, value) in object {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
            } else if let Some(schema) = definition.extension(key) {
                let Some(fields) = value.as_object() else {
                    continue;
                };
                let projected: Map<String, Value> = fields
                    .iter()
                    .filter_map(|(name, v)| {
                        let attribute = schema.attribute(name);
                        self.project(Some(&schema.id), name, attribute, v)
                            .map(|v| (name.clone(), v))
                    })
                    .collect();
                if !projected.is_empty() {
                    out.insert(key.clone(), Value::Object(projected));
                }
            } else {
                let attribute = definition.top_level_attribute(key);
                let schema = if definition
                    .common_attributes()
                    .iter()
                    .any(|a| a.name == *key)
                {
                    None
                } else {
                    Some(definition.core_schema().id.as_str())
                };
                if let Some(v) = self.project(schema, key, attribute, value) {
                    out.insert(key.clone(), v);
                }
            }
        }
        Value::Object(out)
    }

    /// Whether a response under this projection may show the top-level core
    /// attribute `name` of `definition` (`false` only when it certainly does not): what
    /// a provider needs to know to skip loading it.
    ///
    /// ```
    /// use scim_schema::{Projection, SchemaRegistry};
    ///
    /// let registry = SchemaRegistry::default();
    /// let groups = registry.resource_type("Group").unwrap();
    /// assert!(Projection::default().may_return(groups, "members"));
    /// let without = Projection::from_query(None, Some("members"))?;
    /// assert!(!without.may_return(groups, "members"));
    /// assert!(without.may_return(groups, "displayName"));
    /// let only = Projection::from_query(Some("displayName"), None)?;
    /// assert!(!only.may_return(groups, "members"));
    /// let one_sub = Projection::from_query(Some("members.value"), None)?;
    /// assert!(one_sub.may_return(groups, "members"));
    /// # Ok::<(), scim_schema::SchemaError>(())
    /// ```
    pub fn may_return(&self, definition: &ResourceDefinition, name: &str) -> bool {
        let returned = definition
            .top_level_attribute(name)
            .map_or(Returned::Default, |a| a.returned);
        match returned {
            Returned::Never => return false,
            Returned::Always => return true,
            _ => {}
        }
        let core = definition.core_schema().id.as_str();
        let names = |p: &&AttributePath| {
            p.name.eq_ignore_ascii_case(name)
                && p.schema
                    .as_deref()
                    .is_none_or(|s| s.eq_ignore_ascii_case(core))
        };
        if !self.attributes.is_empty() {
            return self.attributes.iter().any(|p| names(&p));
        }
        returned != Returned::Request
            && !self
                .excluded
                .iter()
                .any(|p| names(&p) && p.sub_attribute.is_none())
    }

    /// The projected value of one top-level attribute of `schema`, or `None` to drop it.
    fn project(
        &self,
        schema: Option<&str>,
        name: &str,
        attribute: Option<&AttributeDefinition>,
        value: &Value,
    ) -> Option<Value> {
        let returned = attribute.map_or(Returned::Default, |a| a.returned);
        match returned {
            Returned::Never => return None,
            Returned::Always => return Some(value.clone()),
            _ => {}
        }
        let names = |p: &&AttributePath| {
            p.name.eq_ignore_ascii_case(name)
                && p.schema
                    .as_deref()
                    .is_none_or(|s| schema.is_some_and(|own| own.eq_ignore_ascii_case(s)))
        };
        if !self.attributes.is_empty() {
            let listed: Vec<&AttributePath> = self.attributes.iter().filter(names).collect();
            if listed.is_empty() {
                return None;
            }
            if listed.iter().any(|p| p.sub_attribute.is_none()) {
                return Some(filter_subs(value, attribute, |_, r| {
                    !matches!(r, Returned::Never | Returned::Request)
                }));
            }
            let wanted: Vec<&str> = listed
                .iter()
                .filter_map(|p| p.sub_attribute.as_deref())
                .collect();
            return keep_subs(value, attribute, &wanted);
        }
        if returned == Returned::Request {
            return None;
        }
        let excluded: Vec<&AttributePath> = self.excluded.iter().filter(names).collect();
        if excluded.iter().any(|p| p.sub_attribute.is_none()) {
            return None;
        }
        let dropped: Vec<&str> = excluded
            .iter()
            .filter_map(|p| p.sub_attribute.as_deref())
            .collect();
        Some(filter_subs(value, attribute, |sub, r| {
            r == Returned::Always
                || (r == Returned::Default && !dropped.iter().any(|d| d.eq_ignore_ascii_case(sub)))
        }))
    }
}

/// Keeps the sub-attributes of a complex value (or of each element) that `keep` accepts,
/// given the sub-attribute's name and `returned`.
fn filter_subs(
    value: &Value,
    attribute: Option<&AttributeDefinition>,
    keep: impl Fn(&str, Returned) -> bool + Copy,
) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| filter_subs(v, attribute, keep))
                .collect(),
        ),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(name, _)| {
                    let returned = attribute
                        .and_then(|a| a.sub_attribute(name))
                        .map_or(Returned::Default, |s| s.returned);
                    keep(name, returned)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Keeps only the named sub-attributes (and `always` ones); `None` when nothing is left.
fn keep_subs(
    value: &Value,
    attribute: Option<&AttributeDefinition>,
    wanted: &[&str],
) -> Option<Value> {
    let projected = filter_subs(value, attribute, |sub, returned| {
        returned == Returned::Always
            || (returned != Returned::Never && wanted.iter().any(|w| w.eq_ignore_ascii_case(sub)))
    });
    match projected {
        Value::Object(fields) if fields.is_empty() => None,
        Value::Array(items) => {
            let kept: Vec<Value> = items
                .into_iter()
                .filter(|v| !v.as_object().is_some_and(Map::is_empty))
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => Some(other),
    }
}
