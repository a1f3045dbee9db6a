//! Evaluating a filter against a resource.
//!
//! Each comparison follows the attribute's schema: strings honour `caseExact`
//! (`userName` matches case-insensitively), dateTimes compare chronologically, numbers
//! numerically, booleans only for equality. A multi-valued attribute matches when any
//! of its values does; a complex attribute compared without a sub-attribute is compared
//! by its `value` sub-attribute (so `members eq "…"` and `emails co "@x"` work).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::{CompValue, CompareOp, Filter};
use crate::compare::{cmp_values, contains, ends_with, kind_of, starts_with};
use crate::model::{AttributeDefinition, AttributeType};
use crate::{AttributePath, ResourceDefinition, json};

/// What paths in a filter are relative to.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// A whole resource.
    Resource(&'a Map<String, Value>, &'a ResourceDefinition),
    /// One element of a multi-valued complex attribute, inside a value path.
    Element(&'a Map<String, Value>, Option<&'a AttributeDefinition>),
}

impl Filter {
    /// Whether `resource` matches this filter, under the schemas of `definition`.
    ///
    /// ```
    /// use scim_schema::{Filter, SchemaRegistry};
    /// use serde_json::json;
    ///
    /// let registry = SchemaRegistry::default();
    /// let users = registry.resource_type("User").unwrap();
    /// let user = json!({
    ///     "userName": "BJensen",
    ///     "emails": [{"value": "bjensen@example.com", "type": "work"}],
    ///     "meta": {"lastModified": "2011-05-13T04:42:34Z"}
    /// });
    /// assert!(Filter::parse(r#"userName eq "bjensen""#)?.matches(&user, users));
    /// assert!(Filter::parse(r#"emails[type eq "work" and value co "@example.com"]"#)?.matches(&user, users));
    /// assert!(Filter::parse(r#"meta.lastModified gt "2011-05-13T06:00:00+02:00""#)?.matches(&user, users));
    /// # Ok::<(), scim_schema::SchemaError>(())
    /// ```
    pub fn matches(&self, resource: &Value, definition: &ResourceDefinition) -> bool {
        resource
            .as_object()
            .is_some_and(|object| self.eval(Scope::Resource(object, definition)))
    }

    /// Whether one element of the multi-valued attribute `parent` matches this value
    /// filter (paths in it name sub-attributes).
    pub(crate) fn matches_element(
        &self,
        element: &Map<String, Value>,
        parent: &AttributeDefinition,
    ) -> bool {
        self.eval(Scope::Element(element, Some(parent)))
    }

    fn eval(&self, scope: Scope<'_>) -> bool {
        match self {
            Self::And(a, b) => a.eval(scope) && b.eval(scope),
            Self::Or(a, b) => a.eval(scope) || b.eval(scope),
            Self::Not(inner) => !inner.eval(scope),
            Self::Present(path) => {
                let (values, _) = leaf_values(scope, path);
                values.into_iter().any(json::has_value)
            }
            Self::Compare { path, op, value } => {
                let (values, definition) = leaf_values(scope, path);
                compare_any(&values, *op, value, definition)
            }
            Self::ValuePath { path, filter } => {
                let (values, definition) = raw_values(scope, path);
                values
                    .into_iter()
                    .filter_map(Value::as_object)
                    .any(|element| filter.eval(Scope::Element(element, definition)))
            }
        }
    }
}

/// The values at `path`, flattened one level (elements of a multi-valued attribute),
/// and the definition of the attribute (or sub-attribute) they belong to.
fn raw_values<'a>(
    scope: Scope<'a>,
    path: &AttributePath,
) -> (Vec<&'a Value>, Option<&'a AttributeDefinition>) {
    let (container, attribute) = match scope {
        Scope::Resource(object, definition) => {
            let resolved = definition.resolve(path);
            let container = match (resolved, &path.schema) {
                (Some(r), _) => ResourceDefinition::container(object, r.extension),
                (None, Some(urn)) if !urn.eq_ignore_ascii_case(&definition.core_schema().id) => {
                    json::get(object, urn).and_then(Value::as_object)
                }
                (None, _) => Some(object),
            };
            (container, resolved.map(|r| r.attribute))
        }
        Scope::Element(object, parent) => (
            Some(object),
            parent.and_then(|p| p.sub_attribute(&path.name)),
        ),
    };
    let mut values = Vec::new();
    if let Some(value) = container.and_then(|c| json::get(c, &path.name)) {
        push_flattened(&mut values, value);
    }
    match &path.sub_attribute {
        None => (values, attribute),
        Some(sub) => {
            let sub_values = values
                .into_iter()
                .filter_map(Value::as_object)
                .filter_map(|element| json::get(element, sub))
                .fold(Vec::new(), |mut acc, v| {
                    push_flattened(&mut acc, v);
                    acc
                });
            (sub_values, attribute.and_then(|a| a.sub_attribute(sub)))
        }
    }
}

/// Like [`raw_values`], but a complex value stands for its `value` sub-attribute.
fn leaf_values<'a>(
    scope: Scope<'a>,
    path: &AttributePath,
) -> (Vec<&'a Value>, Option<&'a AttributeDefinition>) {
    let (values, definition) = raw_values(scope, path);
    let complex = definition.map_or_else(
        || values.iter().any(|v| v.is_object()),
        |d| d.kind == AttributeType::Complex,
    );
    if !complex {
        return (values, definition);
    }
    let inner = values
        .into_iter()
        .filter_map(Value::as_object)
        .filter_map(|element| json::get(element, "value"))
        .collect();
    (inner, definition.and_then(|d| d.sub_attribute("value")))
}

fn push_flattened<'a>(out: &mut Vec<&'a Value>, value: &'a Value) {
    match value {
        Value::Array(items) => out.extend(items.iter().filter(|v| !v.is_null())),
        Value::Null => {}
        other => out.push(other),
    }
}

fn compare_any(
    values: &[&Value],
    op: CompareOp,
    expected: &CompValue,
    definition: Option<&AttributeDefinition>,
) -> bool {
    if op == CompareOp::Ne {
        return !compare_any(values, CompareOp::Eq, expected, definition);
    }
    let expected = match expected {
        CompValue::Null => return op == CompareOp::Eq && values.is_empty(),
        CompValue::Bool(b) => Value::Bool(*b),
        CompValue::Number(n) => Value::Number(n.clone()),
        CompValue::String(s) => Value::String(s.clone()),
    };
    values
        .iter()
        .any(|actual| compare_one(actual, op, &expected, definition))
}

fn compare_one(
    actual: &Value,
    op: CompareOp,
    expected: &Value,
    definition: Option<&AttributeDefinition>,
) -> bool {
    let Some(kind) = kind_of(definition, actual) else {
        return false;
    };
    let case_exact = definition.is_some_and(|d| d.case_exact);
    match op {
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
            let (Value::String(a), Value::String(e)) = (actual, expected) else {
                return false;
            };
            match op {
                CompareOp::Co => contains(a, e, case_exact),
                CompareOp::Sw => starts_with(a, e, case_exact),
                _ => ends_with(a, e, case_exact),
            }
        }
        _ => {
            // Booleans and binary values have equality only (RFC 7644 section 3.4.2.2).
            let ordered_kind = !matches!(kind, AttributeType::Boolean | AttributeType::Binary);
            if op != CompareOp::Eq && !ordered_kind {
                return false;
            }
            cmp_values(actual, expected, kind, case_exact).is_some_and(|ord| match op {
                CompareOp::Eq => ord == Ordering::Equal,
                CompareOp::Gt => ord == Ordering::Greater,
                CompareOp::Ge => ord != Ordering::Less,
                CompareOp::Lt => ord == Ordering::Less,
                _ => ord != Ordering::Greater,
            })
        }
    }
}
