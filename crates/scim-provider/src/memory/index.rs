//! Indexes of one shard: unique values (userName, `uniqueness: server` attributes) and
//! the attributes `eq` filters are served from (externalId, displayName, emails).

use std::collections::HashMap;
use std::sync::Arc;

use scim_schema::{
    AttributePath, AttributeType, CompValue, CompareOp, Filter, ResolvedAttribute,
    ResourceDefinition, Uniqueness,
};
use serde_json::Value;

/// One indexed attribute.
#[derive(Debug, Clone)]
pub(super) struct IndexSpec {
    /// Where the value is; complex attributes are indexed by their `value`.
    pub(super) path: AttributePath,
    pub(super) case_exact: bool,
    pub(super) unique: bool,
}

impl IndexSpec {
    /// The indexes a resource type gets: every top-level single-valued attribute with
    /// `uniqueness` server or global (unique), and `externalId`, `displayName` and
    /// `emails.value` where the schema has them.
    pub(super) fn for_definition(definition: &ResourceDefinition) -> Vec<Self> {
        let mut specs = Vec::new();
        let schemas = std::iter::once(definition.core_schema())
            .chain(definition.extensions().map(|(s, _)| s));
        for schema in schemas {
            for attribute in &schema.attributes {
                if attribute.uniqueness != Uniqueness::None
                    && !attribute.multi_valued
                    && attribute.kind == AttributeType::String
                {
                    specs.push(Self {
                        path: AttributePath::new(attribute.name.clone())
                            .with_schema(schema.id.clone()),
                        case_exact: attribute.case_exact,
                        unique: true,
                    });
                }
            }
        }
        for name in ["externalId", "displayName", "emails.value"] {
            let Ok(path) = AttributePath::parse(name) else {
                continue;
            };
            if let Some(resolved) = definition.resolve(&path) {
                let taken = specs
                    .iter()
                    .any(|s| same_target(definition.resolve(&s.path), Some(resolved)));
                if !taken {
                    specs.push(Self {
                        path,
                        case_exact: resolved.leaf().case_exact,
                        unique: false,
                    });
                }
            }
        }
        specs
    }

    /// The index keys of a resource for this attribute.
    pub(super) fn keys(&self, definition: &ResourceDefinition, resource: &Value) -> Vec<String> {
        let Some(resolved) = definition.resolve(&self.path) else {
            return Vec::new();
        };
        let container = match resolved.extension {
            None => resource.get(&resolved.attribute.name),
            Some(schema) => resource
                .get(&schema.id)
                .and_then(|e| e.get(&resolved.attribute.name)),
        };
        let values: Vec<&Value> = match container {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(value) => vec![value],
            None => Vec::new(),
        };
        let sub = resolved.sub_attribute.map(|s| s.name.as_str());
        values
            .into_iter()
            .filter_map(|v| match sub {
                Some(sub) => v.get(sub),
                None => Some(v),
            })
            .filter_map(Value::as_str)
            .map(|s| self.normalize(s))
            .collect()
    }

    pub(super) fn normalize(&self, value: &str) -> String {
        if self.case_exact {
            value.to_owned()
        } else {
            value.to_lowercase()
        }
    }

    /// The attribute's name, for uniqueness errors.
    pub(super) fn label(&self) -> &str {
        &self.path.name
    }
}

/// Whether two resolutions name the same attribute (a complex attribute standing for
/// its `value`).
fn same_target(a: Option<ResolvedAttribute<'_>>, b: Option<ResolvedAttribute<'_>>) -> bool {
    let leaf = |r: ResolvedAttribute<'_>| -> *const scim_schema::AttributeDefinition {
        match r.sub_attribute {
            Some(sub) => sub,
            None if r.attribute.kind == AttributeType::Complex => {
                r.attribute.sub_attribute("value").unwrap_or(r.attribute)
            }
            None => r.attribute,
        }
    };
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(leaf(a), leaf(b)),
        _ => false,
    }
}

/// The ids stored under each key.
#[derive(Debug, Default)]
pub(super) struct Index {
    map: HashMap<String, Vec<Arc<str>>>,
}

impl Index {
    pub(super) fn get(&self, key: &str) -> &[Arc<str>] {
        self.map.get(key).map_or(&[], Vec::as_slice)
    }

    pub(super) fn insert(&mut self, key: String, id: &Arc<str>) {
        let ids = self.map.entry(key).or_default();
        if !ids.iter().any(|existing| existing == id) {
            ids.push(id.clone());
        }
    }

    pub(super) fn remove(&mut self, key: &str, id: &str) {
        if let Some(ids) = self.map.get_mut(key) {
            ids.retain(|existing| &**existing != id);
            if ids.is_empty() {
                self.map.remove(key);
            }
        }
    }
}

/// Candidate ids for a filter from the indexes: a superset of the matches, or `None`
/// when no index applies and every resource must be evaluated. `id eq` is served by
/// the caller.
pub(super) fn plan<'i>(
    definition: &ResourceDefinition,
    specs: &[IndexSpec],
    indexes: &'i [Index],
    filter: &Filter,
) -> Option<&'i [Arc<str>]> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(value),
        } => {
            let target = definition.resolve(path);
            specs.iter().zip(indexes).find_map(|(spec, index)| {
                same_target(definition.resolve(&spec.path), target)
                    .then(|| index.get(&spec.normalize(value)))
            })
        }
        Filter::And(a, b) => {
            let (a, b) = (
                plan(definition, specs, indexes, a),
                plan(definition, specs, indexes, b),
            );
            match (a, b) {
                (Some(a), Some(b)) => Some(if a.len() <= b.len() { a } else { b }),
                (a, b) => a.or(b),
            }
        }
        _ => None,
    }
}

/// The id an `id eq "…"` filter (possibly inside an `and`) names.
pub(super) fn id_lookup(filter: &Filter) -> Option<&str> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(value),
        } if path.name.eq_ignore_ascii_case("id") && path.sub_attribute.is_none() => Some(value),
        Filter::And(a, b) => id_lookup(a).or_else(|| id_lookup(b)),
        _ => None,
    }
}
