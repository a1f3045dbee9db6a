//! Applying a [`PatchRequest`] to a resource.
//!
//! Operations run in order on a copy of the resource; the result is validated as a
//! replacement of the original ([`validate::replace`]), so types, required attributes
//! and immutability hold whatever the operations did, and a failed PATCH changes
//! nothing.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{PatchOp, PatchOperation, PatchOutcome, PatchRequest};
use crate::compare::same_value;
use crate::filter::{CompValue, CompareOp, Filter};
use crate::model::{AttributeDefinition, AttributeType, Schema};
use crate::validate::{self, UnknownAttributes, container_mut, prune_extension};
use crate::{AttributePath, PatchPath, ResourceDefinition, SchemaError, ValidationOptions, json};

impl PatchRequest {
    /// Applies the operations to `resource` (a stored, normalized resource) under the
    /// schemas of `definition`. Returns the new resource; `resource` is not modified.
    pub fn apply(
        &self,
        definition: &ResourceDefinition,
        resource: &Value,
        options: &ValidationOptions,
    ) -> Result<PatchOutcome, SchemaError> {
        let Some(original) = resource.as_object() else {
            return Err(SchemaError::InvalidSyntax(
                "a resource must be a JSON object".into(),
            ));
        };
        let mut document = original.clone();
        let engine = Engine {
            definition,
            options,
        };
        for operation in &self.operations {
            engine.apply(&mut document, operation)?;
        }
        let patched = validate::replace(definition, &Value::Object(document), resource, options)?;
        let (members_added, members_removed) = member_delta(resource, &patched);
        Ok(PatchOutcome {
            changed: patched != *resource,
            resource: patched,
            members_added,
            members_removed,
        })
    }
}

struct Engine<'a> {
    definition: &'a ResourceDefinition,
    options: &'a ValidationOptions,
}

impl Engine<'_> {
    fn apply(
        &self,
        document: &mut Map<String, Value>,
        operation: &PatchOperation,
    ) -> Result<(), SchemaError> {
        match (&operation.path, &operation.value) {
            (Some(path), value) => self.at_path(document, operation.op, path, value.as_ref()),
            (None, Some(Value::Object(fields))) => {
                self.without_path(document, operation.op, fields)
            }
            (None, _) => Err(SchemaError::InvalidSyntax(
                "an operation without \"path\" needs an object \"value\"".into(),
            )),
        }
    }

    /// `add` / `replace` whose value object names the attributes: plain, dotted or
    /// URN-qualified keys, or whole extension objects.
    fn without_path(
        &self,
        document: &mut Map<String, Value>,
        op: PatchOp,
        fields: &Map<String, Value>,
    ) -> Result<(), SchemaError> {
        for (key, value) in fields {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if key.eq_ignore_ascii_case("id") {
                // Okta repeats the id in a no-path replace.
                if json::get(document, "id").is_some_and(|id| id == value) {
                    continue;
                }
                return Err(SchemaError::Mutability("\"id\" is readOnly".into()));
            }
            if let Some(schema) = self.definition.extension(key) {
                self.extension(document, op, schema, Some(value))?;
                continue;
            }
            let path = PatchPath {
                attribute: AttributePath::parse(key)?,
                value_filter: None,
            };
            self.at_path(document, op, &path, Some(value))?;
        }
        Ok(())
    }

    /// An operation on a whole extension object.
    fn extension(
        &self,
        document: &mut Map<String, Value>,
        op: PatchOp,
        schema: &Schema,
        value: Option<&Value>,
    ) -> Result<(), SchemaError> {
        if op == PatchOp::Remove {
            json::remove(document, &schema.id);
            return Ok(());
        }
        let Some(Value::Object(fields)) = value else {
            return Err(SchemaError::invalid_value(format!(
                "the value for extension {:?} must be an object",
                schema.id
            )));
        };
        // Some clients repeat `schemas` inside the extension object.
        for (name, value) in fields
            .iter()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("schemas"))
        {
            let path = PatchPath {
                attribute: AttributePath::new(name.clone()).with_schema(schema.id.clone()),
                value_filter: None,
            };
            self.at_path(document, op, &path, Some(value))?;
        }
        Ok(())
    }

    fn at_path(
        &self,
        document: &mut Map<String, Value>,
        op: PatchOp,
        path: &PatchPath,
        value: Option<&Value>,
    ) -> Result<(), SchemaError> {
        if path.value_filter.is_none()
            && let Some(schema) = path
                .attribute
                .as_urn()
                .and_then(|urn| self.definition.extension(&urn))
        {
            return self.extension(document, op, schema, value);
        }
        let Some(resolved) = self.definition.resolve(&path.attribute) else {
            if self.options.unknown_attributes == UnknownAttributes::Ignore {
                return Ok(());
            }
            return Err(SchemaError::invalid_path(
                &path.to_string(),
                "no such attribute",
            ));
        };
        if resolved.attribute.is_read_only()
            || resolved
                .sub_attribute
                .is_some_and(AttributeDefinition::is_read_only)
        {
            return Err(SchemaError::Mutability(format!("{path} is readOnly")));
        }
        let container = container_mut(document, resolved.extension);
        let target = Target {
            attribute: resolved.attribute,
            sub: resolved.sub_attribute,
        };
        let result = match &path.value_filter {
            None => target.apply(container, op, value),
            Some(filter) => target.apply_filtered(container, op, filter, value, path),
        };
        prune_extension(document, resolved.extension);
        result
    }
}

/// The attribute (and sub-attribute) an operation works on.
struct Target<'a> {
    attribute: &'a AttributeDefinition,
    sub: Option<&'a AttributeDefinition>,
}

impl Target<'_> {
    fn apply(
        &self,
        container: &mut Map<String, Value>,
        op: PatchOp,
        value: Option<&Value>,
    ) -> Result<(), SchemaError> {
        let attribute = self.attribute;
        let name = &attribute.name;
        if let Some(sub) = self.sub {
            return self.apply_sub(container, op, sub, value);
        }
        match op {
            PatchOp::Remove => {
                match value {
                    // Entra: remove just the listed values of a multi-valued attribute.
                    Some(listed) if attribute.multi_valued && !listed.is_null() => {
                        let victims = as_list(attribute, listed);
                        if let Some(Value::Array(items)) = json::get_mut(container, name) {
                            items.retain(|item| {
                                !victims.iter().any(|v| same_element(item, v, attribute))
                            });
                        }
                        drop_if_empty(container, name);
                    }
                    _ => {
                        json::remove(container, name);
                    }
                }
            }
            PatchOp::Add if attribute.multi_valued => {
                let items = array_slot(container, attribute);
                for new in as_list(attribute, value.unwrap_or(&Value::Null)) {
                    match items
                        .iter()
                        .position(|item| same_element(item, &new, attribute))
                    {
                        Some(i) if is_primary(&new) => {
                            items[i] = new;
                            keep_primary(items, i);
                        }
                        Some(_) => {}
                        None => {
                            let primary = is_primary(&new);
                            items.push(new);
                            if primary {
                                let last = items.len() - 1;
                                keep_primary(items, last);
                            }
                        }
                    }
                }
                drop_if_empty(container, name);
            }
            PatchOp::Replace if attribute.multi_valued => {
                let new = as_list(attribute, value.unwrap_or(&Value::Null));
                set(container, name, Value::Array(new));
                drop_if_empty(container, name);
            }
            PatchOp::Add | PatchOp::Replace if attribute.kind == AttributeType::Complex => {
                match coerce_complex(attribute, value.cloned().unwrap_or(Value::Null)) {
                    Value::Null => {
                        json::remove(container, name);
                    }
                    Value::Object(fields) => {
                        let object = object_slot(container, attribute);
                        for (key, field) in fields {
                            set_field(object, attribute, &key, field);
                        }
                        drop_if_empty(container, name);
                    }
                    _ => {
                        return Err(SchemaError::invalid_value(format!(
                            "the value for {name:?} must be an object"
                        )));
                    }
                }
            }
            PatchOp::Add | PatchOp::Replace => {
                set(container, name, value.cloned().unwrap_or(Value::Null))
            }
        }
        Ok(())
    }

    /// `name.givenName`, or `emails.value` (every element) without a filter.
    fn apply_sub(
        &self,
        container: &mut Map<String, Value>,
        op: PatchOp,
        sub: &AttributeDefinition,
        value: Option<&Value>,
    ) -> Result<(), SchemaError> {
        let attribute = self.attribute;
        let new = || value.cloned().unwrap_or(Value::Null);
        if attribute.multi_valued {
            let Some(Value::Array(items)) = json::get_mut(container, &attribute.name) else {
                return match op {
                    PatchOp::Remove => Ok(()),
                    _ => Err(SchemaError::NoTarget(format!(
                        "{:?} has no values whose {:?} could be set",
                        attribute.name, sub.name
                    ))),
                };
            };
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                match op {
                    PatchOp::Remove => {
                        json::remove(item, &sub.name);
                    }
                    _ => set_field(item, attribute, &sub.name, new()),
                }
            }
        } else if op == PatchOp::Remove {
            if let Some(Value::Object(object)) = json::get_mut(container, &attribute.name) {
                json::remove(object, &sub.name);
            }
        } else {
            set_field(
                object_slot(container, attribute),
                attribute,
                &sub.name,
                new(),
            );
        }
        drop_if_empty(container, &attribute.name);
        Ok(())
    }

    /// `attr[filter]` or `attr[filter].sub`.
    fn apply_filtered(
        &self,
        container: &mut Map<String, Value>,
        op: PatchOp,
        filter: &Filter,
        value: Option<&Value>,
        path: &PatchPath,
    ) -> Result<(), SchemaError> {
        let attribute = self.attribute;
        if !attribute.multi_valued || attribute.kind != AttributeType::Complex {
            return Err(SchemaError::invalid_path(
                &path.to_string(),
                "a value filter needs a multi-valued complex attribute",
            ));
        }
        let no_target = || SchemaError::NoTarget(format!("no value matches {path}"));
        let items = array_slot(container, attribute);
        let matched: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                item.as_object()
                    .is_some_and(|o| filter.matches_element(o, attribute))
            })
            .map(|(i, _)| i)
            .collect();
        let new = value.cloned().unwrap_or(Value::Null);
        match (op, self.sub) {
            (PatchOp::Remove, None) => {
                let mut index = 0;
                items.retain(|_| {
                    index += 1;
                    !matched.contains(&(index - 1))
                });
            }
            (PatchOp::Remove, Some(sub)) => {
                for &i in &matched {
                    if let Some(object) = items[i].as_object_mut() {
                        json::remove(object, &sub.name);
                    }
                }
            }
            (PatchOp::Add | PatchOp::Replace, None) => {
                if matched.is_empty() {
                    return Err(no_target());
                }
                let Value::Object(fields) = coerce_complex(attribute, new) else {
                    return Err(SchemaError::invalid_value(format!(
                        "the value for {path} must be an object"
                    )));
                };
                for &i in &matched {
                    if op == PatchOp::Replace {
                        items[i] = Value::Object(Map::new());
                    }
                    if let Some(object) = items[i].as_object_mut() {
                        for (key, field) in &fields {
                            set_field(object, attribute, key, field.clone());
                        }
                    }
                }
                if let Some(&i) = matched.iter().find(|&&i| is_primary(&items[i])) {
                    keep_primary(items, i);
                }
            }
            (PatchOp::Add | PatchOp::Replace, Some(sub)) => {
                if matched.is_empty() {
                    // Entra: `addresses[type eq "work"].streetAddress` on a user without
                    // a work address creates it.
                    let mut seed = seed_from(filter).ok_or_else(no_target)?;
                    set_field(&mut seed, attribute, &sub.name, new);
                    items.push(Value::Object(seed));
                } else {
                    for &i in &matched {
                        if let Some(object) = items[i].as_object_mut() {
                            set_field(object, attribute, &sub.name, new.clone());
                        }
                    }
                }
                if sub.name == "primary" && is_primary_value(value) {
                    let last = items.len() - 1;
                    keep_primary(items, matched.first().copied().unwrap_or(last));
                }
            }
        }
        drop_if_empty(container, &attribute.name);
        Ok(())
    }
}

/// A value (or array of values) as a list, each complex one as an object.
fn as_list(attribute: &AttributeDefinition, value: &Value) -> Vec<Value> {
    let items = match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    };
    items
        .into_iter()
        .filter(|v| !v.is_null())
        .map(|v| coerce_complex(attribute, v))
        .collect()
}

/// A bare value given for a complex attribute stands for its `value` sub-attribute
/// (Entra sends `manager` as a plain id).
fn coerce_complex(attribute: &AttributeDefinition, value: Value) -> Value {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_)
            if attribute.kind == AttributeType::Complex =>
        {
            let mut object = Map::new();
            object.insert("value".into(), value);
            Value::Object(object)
        }
        other => other,
    }
}

/// Whether two elements of a multi-valued attribute are the same value: by `value`
/// (and `type` when both have one) for complex elements that carry a `value`.
fn same_element(a: &Value, b: &Value, attribute: &AttributeDefinition) -> bool {
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object())
        && let (Some(x), Some(y)) = (json::get(a, "value"), json::get(b, "value"))
    {
        let types_agree = match (json::get(a, "type"), json::get(b, "type")) {
            (Some(s), Some(t)) => same_value(s, t, attribute.sub_attribute("type")),
            _ => true,
        };
        return types_agree && same_value(x, y, attribute.sub_attribute("value"));
    }
    same_value(a, b, Some(attribute))
}

fn is_primary(value: &Value) -> bool {
    value
        .get("primary")
        .is_some_and(|p| is_primary_value(Some(p)))
}

/// `true`, or Entra's `"True"`.
fn is_primary_value(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Clears `primary` on every element but `winner`.
fn keep_primary(items: &mut [Value], winner: usize) {
    for (i, item) in items.iter_mut().enumerate() {
        if i != winner
            && let Some(object) = item.as_object_mut()
        {
            json::remove(object, "primary");
        }
    }
}

/// The element a filter of `eq` terms joined by `and` describes, if it is one.
fn seed_from(filter: &Filter) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.schema.is_none() && path.sub_attribute.is_none() => {
            let value = match value {
                CompValue::String(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Number(n) => Value::Number(n.clone()),
                CompValue::Null => return None,
            };
            let mut seed = Map::new();
            seed.insert(path.name.clone(), value);
            Some(seed)
        }
        Filter::And(a, b) => {
            let mut seed = seed_from(a)?;
            seed.extend(seed_from(b)?);
            Some(seed)
        }
        _ => None,
    }
}

/// Sets an attribute under its canonical name, replacing any other spelling.
fn set(container: &mut Map<String, Value>, name: &str, value: Value) {
    json::remove(container, name);
    if !value.is_null() {
        container.insert(name.to_owned(), value);
    }
}

/// Sets a sub-attribute of `parent` under its canonical name.
fn set_field(
    object: &mut Map<String, Value>,
    parent: &AttributeDefinition,
    key: &str,
    value: Value,
) {
    let name = parent
        .sub_attribute(key)
        .map_or(key, |sub| sub.name.as_str());
    json::remove(object, key);
    if !value.is_null() {
        object.insert(name.to_owned(), value);
    }
}

/// The attribute's array, created (or made from a lone value) under its canonical name.
fn array_slot<'m>(
    container: &'m mut Map<String, Value>,
    attribute: &AttributeDefinition,
) -> &'m mut Vec<Value> {
    let items = match json::remove(container, &attribute.name) {
        Some(Value::Array(items)) => items,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    };
    let slot = container
        .entry(attribute.name.clone())
        .or_insert(Value::Array(items));
    match slot {
        Value::Array(items) => items,
        _ => unreachable!("just inserted an array"),
    }
}

/// The attribute's object, created under its canonical name if missing.
fn object_slot<'m>(
    container: &'m mut Map<String, Value>,
    attribute: &AttributeDefinition,
) -> &'m mut Map<String, Value> {
    let object = match json::remove(container, &attribute.name) {
        Some(Value::Object(object)) => object,
        _ => Map::new(),
    };
    let slot = container
        .entry(attribute.name.clone())
        .or_insert(Value::Object(object));
    match slot {
        Value::Object(object) => object,
        _ => unreachable!("just inserted an object"),
    }
}

fn drop_if_empty(container: &mut Map<String, Value>, name: &str) {
    if container.get(name).is_some_and(|v| !json::has_value(v)) {
        container.remove(name);
    }
}

/// The member ids added and removed between two versions of a resource.
fn member_delta(before: &Value, after: &Value) -> (Vec<String>, Vec<String>) {
    let ids = |resource: &Value| -> Vec<String> {
        resource
            .get("members")
            .and_then(Value::as_array)
            .map(|members| {
                members
                    .iter()
                    .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old, new) = (ids(before), ids(after));
    let old_set: HashSet<&str> = old.iter().map(String::as_str).collect();
    let new_set: HashSet<&str> = new.iter().map(String::as_str).collect();
    let added = new
        .iter()
        .filter(|id| !old_set.contains(id.as_str()))
        .cloned()
        .collect();
    let removed = old
        .iter()
        .filter(|id| !new_set.contains(id.as_str()))
        .cloned()
        .collect();
    (added, removed)
}
