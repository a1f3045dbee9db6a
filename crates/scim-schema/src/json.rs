//! Case-insensitive access to JSON objects: SCIM attribute names ignore case.

use serde_json::{Map, Value};

/// The value under `key`, matched exactly first, then ignoring ASCII case.
pub(crate) fn get<'v>(object: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The key under which `key` is stored, matched as [`get`] does.
pub(crate) fn stored_key(object: &Map<String, Value>, key: &str) -> Option<String> {
    if object.contains_key(key) {
        return Some(key.to_owned());
    }
    object.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned()
}

/// The value under `key`, mutably, matched as [`get`] does.
pub(crate) fn get_mut<'v>(object: &'v mut Map<String, Value>, key: &str) -> Option<&'v mut Value> {
    let stored = stored_key(object, key)?;
    object.get_mut(&stored)
}

/// Removes `key`, matched as [`get`] does; returns its value.
pub(crate) fn remove(object: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let stored = stored_key(object, key)?;
    object.remove(&stored)
}

/// Whether a value is non-empty in the sense of the `pr` operator: not null, not an
/// empty string, array or object.
pub(crate) fn has_value(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}
