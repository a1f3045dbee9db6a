//! Reading the values of a filter parsed with bare words as the types of the
//! attributes they are compared with ([`Filter::parse_unquoted`]).

use super::{CompValue, Filter};
use crate::model::{AttributeDefinition, AttributeType};
use crate::{AttributePath, ResourceDefinition};

/// Turns a number or boolean compared with a string-typed attribute (a string, a
/// dateTime, a reference, binary) into the string it was written as: `externalId eq
/// 42` compares with `"42"`. `parent` is the multi-valued attribute whose elements a
/// value path's filter is about.
pub(super) fn read_as_types(
    filter: &mut Filter,
    definition: &ResourceDefinition,
    parent: Option<&AttributeDefinition>,
) {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => {
            read_as_types(a, definition, parent);
            read_as_types(b, definition, parent);
        }
        Filter::Not(inner) => read_as_types(inner, definition, parent),
        Filter::Present(_) => {}
        Filter::Compare { path, value, .. } => {
            if attribute_type(path, definition, parent).is_some_and(is_textual) {
                let text = match value {
                    CompValue::Number(number) => number.to_string(),
                    CompValue::Bool(on) => on.to_string(),
                    _ => return,
                };
                *value = CompValue::String(text);
            }
        }
        Filter::ValuePath { path, filter } => {
            let attribute = match parent {
                Some(parent) => parent.sub_attribute(&path.name),
                None => definition.resolve(path).map(|r| r.attribute),
            };
            read_as_types(filter, definition, attribute);
        }
    }
}

/// The type of the attribute `path` names, inside `parent` when given.
fn attribute_type(
    path: &AttributePath,
    definition: &ResourceDefinition,
    parent: Option<&AttributeDefinition>,
) -> Option<AttributeType> {
    let attribute = match parent {
        Some(parent) => parent.sub_attribute(&path.name)?,
        None => {
            let resolved = definition.resolve(path)?;
            resolved.sub_attribute.unwrap_or(resolved.attribute)
        }
    };
    // A complex attribute compared without a sub-attribute is compared by its value.
    match (attribute.kind, &path.sub_attribute, parent) {
        (AttributeType::Complex, None, _) => attribute.sub_attribute("value").map(|v| v.kind),
        (_, Some(sub), Some(_)) => attribute.sub_attribute(sub).map(|s| s.kind),
        (kind, _, _) => Some(kind),
    }
}

fn is_textual(kind: AttributeType) -> bool {
    matches!(
        kind,
        AttributeType::String
            | AttributeType::DateTime
            | AttributeType::Reference
            | AttributeType::Binary
    )
}

#[cfg(test)]
mod tests {
    use crate::{CompValue, Filter, SchemaRegistry};

    /// The value of the first comparison in `filter`.
    fn value(filter: &Filter) -> &CompValue {
        match filter {
            Filter::Compare { value, .. } => value,
            Filter::And(a, _) | Filter::Or(a, _) => value(a),
            Filter::Not(inner) | Filter::ValuePath { filter: inner, .. } => value(inner),
            Filter::Present(_) => panic!("no comparison"),
        }
    }

    #[test]
    fn bare_words_are_read_as_the_attribute_type() {
        let registry = SchemaRegistry::default();
        let users = registry.resource_type("User").unwrap();
        let string = |s: &str| CompValue::String(s.into());
        for (input, expected) in [
            ("userName sw O", string("O")),
            (
                "meta.created gt 2015-10-10T14:38:21Z",
                string("2015-10-10T14:38:21Z"),
            ),
            ("externalId eq 42", string("42")),
            ("displayName eq true", string("true")),
            ("emails[type eq work]", string("work")),
            ("emails[value eq 7]", string("7")),
            ("emails eq 7", string("7")),
            ("active eq TRUE", CompValue::Bool(true)),
            ("x.y eq 3", CompValue::Number(3.into())),
            (r#"userName eq "quoted""#, string("quoted")),
        ] {
            let filter = Filter::parse_unquoted(input, Some(users)).unwrap();
            assert_eq!(value(&filter), &expected, "{input}");
        }
    }

    #[test]
    fn quotes_still_matter_where_a_word_is_not_a_value() {
        let registry = SchemaRegistry::default();
        let users = registry.resource_type("User").unwrap();
        for input in ["userName sw", "userName sw O P", "userName eq (x)", "sw O"] {
            assert!(
                Filter::parse_unquoted(input, Some(users)).is_err(),
                "{input}"
            );
        }
    }
}
