//! Comparing attribute values the way SCIM does: by the attribute's type, honouring
//! `caseExact` for strings and chronology for dateTimes. Shared by filters and sorting.

use std::cmp::Ordering;

use serde_json::{Number, Value};

use crate::DateTime;
use crate::model::{AttributeDefinition, AttributeType};

/// The type to compare a value as: the attribute's, or the JSON value's own when the
/// attribute is not in any schema.
pub(crate) fn kind_of(
    definition: Option<&AttributeDefinition>,
    value: &Value,
) -> Option<AttributeType> {
    match (definition, value) {
        (Some(def), _) => Some(def.kind),
        (None, Value::String(_)) => Some(AttributeType::String),
        (None, Value::Bool(_)) => Some(AttributeType::Boolean),
        (None, Value::Number(_)) => Some(AttributeType::Decimal),
        (None, Value::Object(_)) => Some(AttributeType::Complex),
        _ => None,
    }
}

/// Orders two strings, ignoring case unless `case_exact`.
pub(crate) fn cmp_str(a: &str, b: &str, case_exact: bool) -> Ordering {
    if case_exact {
        a.cmp(b)
    } else if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.to_lowercase().cmp(&b.to_lowercase())
    }
}

/// Orders two numbers exactly when both are integers, else as f64.
pub(crate) fn cmp_number(a: &Number, b: &Number) -> Ordering {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
    }
}

/// Orders two values of the same attribute; `None` when they are not comparable.
pub(crate) fn cmp_values(
    a: &Value,
    b: &Value,
    kind: AttributeType,
    case_exact: bool,
) -> Option<Ordering> {
    match (kind, a, b) {
        (AttributeType::DateTime, Value::String(x), Value::String(y)) => {
            match (DateTime::parse(x), DateTime::parse(y)) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => Some(cmp_str(x, y, case_exact)),
            }
        }
        (_, Value::String(x), Value::String(y)) => Some(cmp_str(x, y, case_exact)),
        (_, Value::Number(x), Value::Number(y)) => Some(cmp_number(x, y)),
        (_, Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// `co`, `sw`, `ew` on strings, ignoring case unless `case_exact`.
pub(crate) fn contains(haystack: &str, needle: &str, case_exact: bool) -> bool {
    if case_exact {
        haystack.contains(needle)
    } else if haystack.is_ascii() && needle.is_ascii() {
        needle.is_empty()
            || haystack
                .as_bytes()
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(&needle.to_lowercase())
    }
}

pub(crate) fn starts_with(haystack: &str, needle: &str, case_exact: bool) -> bool {
    if case_exact {
        haystack.starts_with(needle)
    } else if haystack.is_ascii() && needle.is_ascii() {
        haystack.len() >= needle.len()
            && haystack.as_bytes()[..needle.len()].eq_ignore_ascii_case(needle.as_bytes())
    } else {
        haystack.to_lowercase().starts_with(&needle.to_lowercase())
    }
}

pub(crate) fn ends_with(haystack: &str, needle: &str, case_exact: bool) -> bool {
    if case_exact {
        haystack.ends_with(needle)
    } else if haystack.is_ascii() && needle.is_ascii() {
        haystack.len() >= needle.len()
            && haystack.as_bytes()[haystack.len() - needle.len()..]
                .eq_ignore_ascii_case(needle.as_bytes())
    } else {
        haystack.to_lowercase().ends_with(&needle.to_lowercase())
    }
}

/// Whether two values of one attribute are the same value: strings by `caseExact`,
/// complex values sub-attribute by sub-attribute, everything else by JSON equality.
pub(crate) fn same_value(a: &Value, b: &Value, definition: Option<&AttributeDefinition>) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            cmp_str(x, y, definition.is_some_and(|d| d.case_exact)) == Ordering::Equal
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(key, xv)| {
                    crate::json::get(y, key).is_some_and(|yv| {
                        same_value(xv, yv, definition.and_then(|d| d.sub_attribute(key)))
                    })
                })
        }
        _ => a == b,
    }
}
