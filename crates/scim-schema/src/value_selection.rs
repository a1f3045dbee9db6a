//! Value filters in `attributes` / `excludedAttributes` (`emails[type eq "work"]`),
//! which [`Projection::from_query_with_value_filters`](crate::Projection) accepts.

use serde_json::Value;

use crate::{AttributePath, Filter, PatchPath, ResourceDefinition, SchemaError, json};

/// The values of one multi-valued attribute a response keeps (or leaves out): those
/// its filter matches.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueSelection {
    /// The multi-valued attribute.
    pub attribute: AttributePath,
    /// Which of its values are meant; paths in it name sub-attributes.
    pub filter: Filter,
    /// Keep only the values meant (`attributes`), or leave them out
    /// (`excludedAttributes`).
    pub keep: bool,
}

impl ValueSelection {
    /// Keeps or drops the values of the attribute in a projected `resource`.
    pub(crate) fn apply(&self, definition: &ResourceDefinition, resource: &mut Value) {
        let Some(resolved) = definition.resolve(&self.attribute) else {
            return;
        };
        let Some(resource) = resource.as_object_mut() else {
            return;
        };
        let container = match resolved.extension {
            None => Some(resource),
            Some(schema) => json::get_mut(resource, &schema.id).and_then(Value::as_object_mut),
        };
        let Some(Value::Array(values)) =
            container.and_then(|c| json::get_mut(c, &resolved.attribute.name))
        else {
            return;
        };
        values.retain(|value| {
            let meant = value
                .as_object()
                .is_some_and(|element| self.filter.matches_element(element, resolved.attribute));
            meant == self.keep
        });
    }
}

/// The paths of a list, each item's value filter pushed onto `selections`.
pub(crate) fn parse_list(
    list: &str,
    keep: bool,
    selections: &mut Vec<ValueSelection>,
) -> Result<Vec<AttributePath>, SchemaError> {
    let mut paths = Vec::new();
    for item in items(list).map(str::trim_ascii).filter(|i| !i.is_empty()) {
        if !item.contains('[') {
            paths.push(AttributePath::parse(item)?);
            continue;
        }
        let PatchPath {
            attribute,
            value_filter,
        } = PatchPath::parse(item)?;
        if let Some(filter) = value_filter {
            selections.push(ValueSelection {
                attribute: attribute.parent(),
                filter,
                keep,
            });
        }
        // Excluding some values keeps the attribute; keeping some lists it.
        if keep {
            paths.push(attribute);
        }
    }
    Ok(paths)
}

/// The comma-separated items of `list`; a comma inside brackets or quotes (in a value
/// filter) does not separate.
fn items(list: &str) -> impl Iterator<Item = &str> {
    let (mut depth, mut quoted, mut escaped, mut start) = (0usize, false, false, 0);
    let mut cuts = Vec::new();
    for (at, c) in list.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                cuts.push(&list[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    cuts.push(&list[start..]);
    cuts.into_iter()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{Projection, SchemaRegistry};

    #[test]
    fn value_filters_select_values_and_plain_items_work_as_before() {
        let registry = SchemaRegistry::default();
        let users = registry.resource_type("User").unwrap();
        let user = json!({"id": "1", "userName": "b", "displayName": "B", "emails": [
            {"value": "a,1@work", "type": "work"},
            {"value": "b@home", "type": "home"},
            {"value": "c@work", "type": "work", "primary": true}
        ]});
        let cases = [
            (
                Some(r#"userName,emails[value eq "a,1@work" or primary eq true]"#),
                None,
                json!({"id": "1", "userName": "b", "emails": [
                    {"value": "a,1@work", "type": "work"},
                    {"value": "c@work", "type": "work", "primary": true}
                ]}),
            ),
            (
                Some(r#"emails[type eq "home"].value"#),
                None,
                json!({"id": "1", "emails": [{"value": "b@home"}]}),
            ),
            (
                None,
                Some(r#"displayName, emails[type eq "work"]"#),
                json!({"id": "1", "userName": "b", "emails": [{"value": "b@home", "type": "home"}]}),
            ),
            (
                Some("userName"),
                Some(r#"emails[type eq "work"]"#),
                json!({"id": "1", "userName": "b"}),
            ),
        ];
        for (attributes, excluded, expected) in cases {
            let projection =
                Projection::from_query_with_value_filters(attributes, excluded).unwrap();
            assert_eq!(
                projection.apply(users, &user),
                expected,
                "{attributes:?} {excluded:?}"
            );
            assert_eq!(projection.apply_owned(users, user.clone()), expected);
        }
    }

    #[test]
    fn value_filters_are_refused_unless_asked_for() {
        assert!(Projection::from_query(Some(r#"emails[type eq "work"]"#), None).is_err());
        for bad in [r#"emails[type eq]"#, "emails[", r#"emails[type eq "w"]x"#] {
            assert!(
                Projection::from_query_with_value_filters(Some(bad), None).is_err(),
                "{bad}"
            );
        }
    }
}
