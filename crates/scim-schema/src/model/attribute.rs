//! [`AttributeDefinition`] and its characteristics (RFC 7643 section 2.2 and 7).

use serde::{Deserialize, Serialize};

/// The data type of an attribute (RFC 7643 section 2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A JSON string.
    String,
    /// `true` or `false`.
    Boolean,
    /// A JSON number, possibly with a fraction.
    Decimal,
    /// A JSON number without a fraction.
    Integer,
    /// An RFC 3339 date and time, as a string.
    DateTime,
    /// Base64-encoded bytes, as a string.
    Binary,
    /// A URI, as a string.
    Reference,
    /// An object of sub-attributes.
    Complex,
}

/// Whether and how clients may change an attribute (RFC 7643 section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the server only; client values are ignored.
    ReadOnly,
    /// Clients may set and change it. The default.
    #[default]
    ReadWrite,
    /// Clients may set it once, when it has no value.
    Immutable,
    /// Clients may set it; it is never returned.
    WriteOnly,
}

/// When an attribute is returned (RFC 7643 section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always, even when excluded.
    Always,
    /// Never.
    Never,
    /// Unless excluded or another list of attributes was asked for. The default.
    #[default]
    Default,
    /// Only when asked for in `attributes`.
    Request,
}

/// How unique an attribute's value must be (RFC 7643 section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No constraint. The default.
    #[default]
    None,
    /// Unique within the service provider (per tenant here).
    Server,
    /// Globally unique.
    Global,
}

/// One attribute of a schema, serialized as RFC 7643 section 7 describes it.
///
/// Build one with [`new`](Self::new) and the chainable setters; everything not set has
/// RFC 7643's default (not required, not caseExact, readWrite, returned by default, no
/// uniqueness).
///
/// ```
/// use scim_schema::{AttributeDefinition, AttributeType, Uniqueness};
///
/// let badge = AttributeDefinition::new("badgeNumber", AttributeType::String)
///     .description("The number printed on the badge.")
///     .case_exact()
///     .uniqueness(Uniqueness::Server);
/// let json = serde_json::to_value(&badge).unwrap();
/// assert_eq!(json["name"], "badgeNumber");
/// assert_eq!(json["caseExact"], true);
/// assert_eq!(json["mutability"], "readWrite");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttributeDefinition {
    /// The attribute's name, in its canonical spelling.
    pub name: String,
    /// Its data type.
    #[serde(rename = "type")]
    pub kind: AttributeType,
    /// Whether it holds a list of values.
    pub multi_valued: bool,
    /// What it means.
    #[serde(default)]
    pub description: String,
    /// Whether a resource must have a value for it.
    pub required: bool,
    /// The suggested values, if any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// Whether string comparison is case-sensitive.
    pub case_exact: bool,
    /// Who may change it.
    pub mutability: Mutability,
    /// When it is returned.
    pub returned: Returned,
    /// How unique its values must be.
    pub uniqueness: Uniqueness,
    /// For references: the resource types or `external` / `uri` it may point to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For complex attributes: their sub-attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<AttributeDefinition>,
}

impl AttributeDefinition {
    /// A single-valued, optional attribute with RFC 7643's default characteristics.
    pub fn new(name: impl Into<String>, kind: AttributeType) -> Self {
        Self {
            name: name.into(),
            kind,
            multi_valued: false,
            description: String::new(),
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// A complex attribute with these sub-attributes.
    pub fn complex(name: impl Into<String>, sub_attributes: Vec<AttributeDefinition>) -> Self {
        Self {
            sub_attributes,
            ..Self::new(name, AttributeType::Complex)
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Makes it multi-valued.
    pub fn multi_valued(mut self) -> Self {
        self.multi_valued = true;
        self
    }

    /// Makes it required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Makes string comparison case-sensitive.
    pub fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }

    /// Sets who may change it.
    pub fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    /// Sets when it is returned.
    pub fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    /// Sets its uniqueness.
    pub fn uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets the suggested values.
    pub fn canonical_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets what a reference may point to.
    pub fn reference_types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.reference_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// The sub-attribute with this name, compared case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDefinition> {
        self.sub_attributes
            .iter()
            .find(|sub| sub.name.eq_ignore_ascii_case(name))
    }

    /// Whether clients may never write it.
    pub fn is_read_only(&self) -> bool {
        self.mutability == Mutability::ReadOnly
    }
}
