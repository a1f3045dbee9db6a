//! Filters (RFC 7644 section 3.4.2.2): the public AST, parsing, printing and evaluation.
//!
//! The grammar lives in [`grammar`](self) (`grammar.rs`), evaluation in `eval.rs`.

mod display;
mod eval;
pub(crate) mod grammar;
mod lexer;
mod unquoted;

use serde_json::Number;

use crate::{AttributePath, ResourceDefinition, SchemaError};

/// A parsed filter. Public so that storage layers can translate it (to SQL, say).
///
/// `a and b and c` parses left-nested, `And(And(a, b), c)`; `and` binds tighter than
/// `or`; parentheses leave no node of their own. Inside a [`ValuePath`](Self::ValuePath)
/// filter, paths name sub-attributes of the multi-valued attribute's elements.
///
/// ```
/// use scim_schema::{AttributePath, CompareOp, CompValue, Filter};
///
/// let f = Filter::parse(r#"userName eq "bjensen""#)?;
/// assert_eq!(f, Filter::Compare {
///     path: AttributePath::new("userName"),
///     op: CompareOp::Eq,
///     value: CompValue::String("bjensen".into()),
/// });
/// assert_eq!(f.to_string(), r#"userName eq "bjensen""#);
/// # Ok::<(), scim_schema::SchemaError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `path op value`.
    Compare {
        /// The attribute compared.
        path: AttributePath,
        /// The comparison.
        op: CompareOp,
        /// The literal compared with.
        value: CompValue,
    },
    /// `path pr`: the attribute has a non-empty value.
    Present(AttributePath),
    /// Both match.
    And(Box<Filter>, Box<Filter>),
    /// Either matches.
    Or(Box<Filter>, Box<Filter>),
    /// `not (…)`.
    Not(Box<Filter>),
    /// `path[filter]`: some element of the multi-valued attribute `path` matches
    /// `filter`. Entra's `emails[type eq "work"].value eq "x"` parses as
    /// `emails[type eq "work" and value eq "x"]`, which means the same.
    ValuePath {
        /// The multi-valued (or complex) attribute; never has a sub-attribute.
        path: AttributePath,
        /// The filter applied to each element.
        filter: Box<Filter>,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

impl CompareOp {
    /// The operator as written in a filter.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
        }
    }

    /// Reads an operator, case-insensitively.
    pub fn parse(word: &str) -> Option<Self> {
        [
            Self::Eq,
            Self::Ne,
            Self::Co,
            Self::Sw,
            Self::Ew,
            Self::Gt,
            Self::Ge,
            Self::Lt,
            Self::Le,
        ]
        .into_iter()
        .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }
}

/// A literal in a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(Number),
    /// A JSON string, unescaped.
    String(String),
}

/// Bounds on filter input, so no filter can exhaust the stack or the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterLimits {
    /// The longest filter, in bytes.
    pub max_len: usize,
    /// The deepest nesting of parentheses, `not` and value paths.
    pub max_depth: usize,
    /// The most comparisons and presence tests.
    pub max_terms: usize,
}

impl Default for FilterLimits {
    /// 8 KiB, depth 32, 100 terms.
    fn default() -> Self {
        Self {
            max_len: 8 * 1024,
            max_depth: 32,
            max_terms: 100,
        }
    }
}

impl Filter {
    /// Parses a filter within the [default limits](FilterLimits::default).
    ///
    /// ```
    /// use scim_schema::Filter;
    ///
    /// let f = Filter::parse(r#"title pr and (emails.type eq "work" or not (userType eq "Intern"))"#)?;
    /// assert!(matches!(f, Filter::And(..)));
    /// assert!(Filter::parse("title pr and").is_err());
    /// # Ok::<(), scim_schema::SchemaError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, SchemaError> {
        Self::parse_with_limits(input, FilterLimits::default())
    }

    /// Parses a filter within the given limits. Errors are `invalidFilter`, with the byte
    /// position of the problem.
    pub fn parse_with_limits(input: &str, limits: FilterLimits) -> Result<Self, SchemaError> {
        grammar::parse_filter(input, limits, false)
    }

    /// Parses a filter as [`parse`](Self::parse) does, also accepting comparison values
    /// without quotes, as some clients send them (`userName sw O`,
    /// `meta.created gt 2015-10-10T14:38:21Z`): a bare word is read as the type of the
    /// attribute it is compared with under `definition` (a string, a dateTime, a
    /// number or a boolean); without a definition (a search across resource types), a
    /// word that is not a number or keyword is a string. RFC 7644 does not allow
    /// this; a server accepts it only when asked to.
    ///
    /// ```
    /// use scim_schema::{CompValue, Filter, SchemaRegistry};
    ///
    /// let registry = SchemaRegistry::default();
    /// let users = registry.resource_type("User").unwrap();
    /// assert!(Filter::parse("userName sw O").is_err());
    /// let Filter::Compare { value, .. } = Filter::parse_unquoted("userName sw O", Some(users))? else {
    ///     unreachable!()
    /// };
    /// assert_eq!(value, CompValue::String("O".into()));
    /// let Filter::Compare { value, .. } = Filter::parse_unquoted("externalId eq 42", Some(users))? else {
    ///     unreachable!()
    /// };
    /// assert_eq!(value, CompValue::String("42".into()));
    /// # Ok::<(), scim_schema::SchemaError>(())
    /// ```
    pub fn parse_unquoted(
        input: &str,
        definition: Option<&ResourceDefinition>,
    ) -> Result<Self, SchemaError> {
        let mut filter = grammar::parse_filter(input, FilterLimits::default(), true)?;
        if let Some(definition) = definition {
            unquoted::read_as_types(&mut filter, definition, None);
        }
        Ok(filter)
    }

    /// `a and b`.
    pub fn and(self, other: Filter) -> Self {
        Self::And(Box::new(self), Box::new(other))
    }

    /// `a or b`.
    pub fn or(self, other: Filter) -> Self {
        Self::Or(Box::new(self), Box::new(other))
    }
}

impl std::str::FromStr for Filter {
    type Err = SchemaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}
