//! [`AttributePath`] and [`PatchPath`]: attribute paths as RFC 7644 writes them.
//!
//! ```text
//! attrPath  = [URI ":"] ATTRNAME ["." subAttr]
//! PATH      = attrPath / valuePath ["." subAttr]      ; PATCH paths
//! valuePath = attrPath "[" valFilter "]"
//! ```
//!
//! A URN prefix keeps its dots (`…:enterprise:2.0:User:manager.value` names `manager`'s
//! `value` in the schema `…:enterprise:2.0:User`): the attribute starts after the
//! URN's last colon.

use std::fmt;

use crate::SchemaError;
use crate::filter::{Filter, grammar};

/// The longest attribute path accepted, in bytes.
pub const MAX_PATH_LEN: usize = 512;

/// An attribute, optionally qualified by its schema URN and narrowed to a sub-attribute.
///
/// ```
/// use scim_schema::AttributePath;
///
/// let p = AttributePath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")?;
/// assert_eq!(p.schema.as_deref(), Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
/// assert_eq!(p.name, "manager");
/// assert_eq!(p.sub_attribute.as_deref(), Some("value"));
/// assert_eq!(p.to_string(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value");
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttributePath {
    /// The schema URN, when the path was qualified with one.
    pub schema: Option<String>,
    /// The attribute's name, as written.
    pub name: String,
    /// The sub-attribute's name, as written.
    pub sub_attribute: Option<String>,
}

impl AttributePath {
    /// An unqualified path to a top-level attribute.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            schema: None,
            name: name.into(),
            sub_attribute: None,
        }
    }

    /// Narrows the path to a sub-attribute.
    pub fn with_sub_attribute(mut self, sub: impl Into<String>) -> Self {
        self.sub_attribute = Some(sub.into());
        self
    }

    /// Qualifies the path with a schema URN.
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Parses an `attrPath`; errors are `invalidPath`.
    pub fn parse(input: &str) -> Result<Self, SchemaError> {
        if input.len() > MAX_PATH_LEN {
            return Err(SchemaError::invalid_path(
                crate::error::excerpt(input),
                format!("longer than {MAX_PATH_LEN} bytes"),
            ));
        }
        let (schema, rest) = split_urn(input);
        if schema.is_some_and(|urn| urn.len() <= "urn:".len()) {
            return Err(SchemaError::invalid_path(input, "the schema URN is empty"));
        }
        let (name, sub) = match rest.split_once('.') {
            Some((name, sub)) => (name, Some(sub)),
            None => (rest, None),
        };
        check_name(input, name)?;
        if let Some(sub) = sub {
            check_name(input, sub)?;
        }
        Ok(Self {
            schema: schema.map(str::to_owned),
            name: name.to_owned(),
            sub_attribute: sub.map(str::to_owned),
        })
    }

    /// The path without its sub-attribute.
    pub fn parent(&self) -> Self {
        Self {
            schema: self.schema.clone(),
            name: self.name.clone(),
            sub_attribute: None,
        }
    }

    /// `schema:name` when the path is qualified and has no sub-attribute: the form in
    /// which a whole extension (`urn:…:enterprise:2.0:User`) parses as a path.
    pub fn as_urn(&self) -> Option<String> {
        match (&self.schema, &self.sub_attribute) {
            (Some(schema), None) => Some(format!("{schema}:{}", self.name)),
            _ => None,
        }
    }
}

impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attribute {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for AttributePath {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Splits `urn:…:name.sub` into the URN and `name.sub`; other input has no URN.
fn split_urn(input: &str) -> (Option<&str>, &str) {
    let is_urn = input
        .as_bytes()
        .get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"urn:"));
    match input.rfind(':') {
        Some(colon) if is_urn => (Some(&input[..colon]), &input[colon + 1..]),
        _ => (None, input),
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, `nameChar = "-" / "_" / DIGIT / ALPHA`, and `$ref`.
fn check_name(path: &str, name: &str) -> Result<(), SchemaError> {
    let mut chars = name.chars();
    let valid = name == "$ref"
        || chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else if name.is_empty() {
        Err(SchemaError::invalid_path(
            path,
            "an attribute name is empty",
        ))
    } else {
        Err(SchemaError::invalid_path(
            path,
            format!("{name:?} is not an attribute name"),
        ))
    }
}

/// The target of a PATCH operation: an attribute path, optionally with a value filter
/// selecting elements of a multi-valued attribute.
///
/// In `emails[type eq "work"].value` the attribute is `emails.value` and the filter
/// `type eq "work"` selects which `emails` elements; the sub-attribute applies inside
/// the selected elements.
///
/// ```
/// use scim_schema::PatchPath;
///
/// let p = PatchPath::parse(r#"emails[type eq "work"].value"#)?;
/// assert_eq!(p.attribute.name, "emails");
/// assert_eq!(p.attribute.sub_attribute.as_deref(), Some("value"));
/// assert!(p.value_filter.is_some());
/// assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute, with the sub-attribute written after the filter if any.
    pub attribute: AttributePath,
    /// The filter selecting elements of a multi-valued attribute.
    pub value_filter: Option<Filter>,
}

impl PatchPath {
    /// Parses a PATCH `path`; errors are `invalidPath`.
    pub fn parse(input: &str) -> Result<Self, SchemaError> {
        if input.len() > crate::filter::FilterLimits::default().max_len {
            return Err(SchemaError::invalid_path(
                crate::error::excerpt(input),
                "the path is too long",
            ));
        }
        grammar::parse_patch_path(input).map_err(|err| match err {
            SchemaError::InvalidFilter { position, message } => {
                SchemaError::invalid_path(input, format!("{message} (at position {position})"))
            }
            other => other,
        })
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value_filter {
            None => self.attribute.fmt(f),
            Some(filter) => {
                self.attribute.parent().fmt(f)?;
                write!(f, "[{filter}]")?;
                if let Some(sub) = &self.attribute.sub_attribute {
                    write!(f, ".{sub}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::str::FromStr for PatchPath {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Parses a comma-separated `attributes` / `excludedAttributes` list: each item trimmed
/// of ASCII whitespace, empty items skipped.
///
/// ```
/// let list = scim_schema::parse_attribute_list("userName, name.givenName")?;
/// assert_eq!(list.len(), 2);
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
pub fn parse_attribute_list(input: &str) -> Result<Vec<AttributePath>, SchemaError> {
    input
        .split(',')
        .map(str::trim_ascii)
        .filter(|item| !item.is_empty())
        .map(AttributePath::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc_attribute_paths() {
        let cases: [(&str, Option<&str>, &str, Option<&str>); 6] = [
            ("userName", None, "userName", None),
            ("name.givenName", None, "name", Some("givenName")),
            ("members.$ref", None, "members", Some("$ref")),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
                Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                "name",
                Some("familyName"),
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"),
                "employeeNumber",
                None,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
                "User",
                None,
            ),
        ];
        for (input, schema, name, sub) in cases {
            let p = AttributePath::parse(input).unwrap();
            assert_eq!(p.schema.as_deref(), schema, "{input}");
            assert_eq!(p.name, name, "{input}");
            assert_eq!(p.sub_attribute.as_deref(), sub, "{input}");
            assert_eq!(p.to_string(), input);
        }
        assert_eq!(
            AttributePath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
                .unwrap()
                .as_urn()
                .as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
    }

    #[test]
    fn rejects_bad_attribute_paths() {
        for input in [
            "",
            "1abc",
            "name.",
            ".name",
            "a.b.c",
            "na me",
            "urn:",
            "emails[type",
            "a$b",
        ] {
            let err = AttributePath::parse(input).unwrap_err();
            assert_eq!(err.scim_type(), crate::ScimType::InvalidPath, "{input}");
        }
        assert!(AttributePath::parse(&"a".repeat(100_000)).is_err());
    }

    #[test]
    fn parses_patch_paths() {
        for input in [
            "members",
            "name.familyName",
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            r#"emails[type eq "work" and value co "@example.com"]"#,
            r#"addresses[type eq "work"].streetAddress"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ] {
            let p = PatchPath::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(p.to_string(), input);
        }
        for input in [
            "emails[type eq \"work\"",
            "emails[]",
            "emails[type eq \"work\"]x",
            "name.givenName[value eq 1]",
            "emails[type[value eq 1]]",
            "emails[type eq \"work\"].value.x",
            "",
        ] {
            let err = PatchPath::parse(input).unwrap_err();
            assert_eq!(
                err.scim_type(),
                crate::ScimType::InvalidPath,
                "{input}: {err}"
            );
        }
    }
}
