//! Translating a `scim-schema` filter to a SQL condition on `scim_resources r`.
//!
//! A translation is a [`Condition`]: SQL that holds for every resource the filter
//! matches, and `exact` when it holds for no other. An exact condition lets the database
//! count, order and page; an inexact one only narrows the rows, and the caller runs the
//! filter evaluator on what it returns. Nothing is ever decided by SQL alone unless it
//! agrees with the evaluator, so results never differ from the in-memory provider.
//!
//! Translated: comparisons and presence on the indexed attributes (`id`, `userName`,
//! `externalId`, `displayName`, `emails`, see [`Indexed`]), value paths on `emails`,
//! `eq true`/`eq false` on boolean attributes through the dialect's JSON functions,
//! and `and`/`or`/`not` over those. Ordering comparisons (`gt`…) compare bytes, the
//! evaluator's order. Everything else becomes "any row" and is left to the evaluator.
//!
//! The JSON translation relies on stored resources matching their schema (attribute
//! names in the schema's spelling, booleans as booleans), which `scim-ops` guarantees
//! by validating every write.

use scim_schema::{AttributePath, AttributeType, CompValue, CompareOp, Filter, ResourceDefinition};

use crate::Dialect;
use crate::dialect::Anchor;
use crate::indexed::Indexed;

/// A SQL condition and the text values bound to its placeholders, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub(crate) sql: String,
    pub(crate) binds: Vec<String>,
    /// Whether the condition matches exactly the resources the filter does.
    pub(crate) exact: bool,
}

impl Condition {
    fn any_row() -> Self {
        Self::fixed(true, false)
    }

    fn fixed(value: bool, exact: bool) -> Self {
        Self {
            sql: if value { "1 = 1" } else { "1 = 0" }.into(),
            binds: Vec::new(),
            exact,
        }
    }

    /// Whether the condition narrows nothing.
    pub(crate) fn is_any_row(&self) -> bool {
        self.sql == "1 = 1" && !self.exact
    }

    fn and(self, other: Self) -> Self {
        match (self.is_any_row(), other.is_any_row()) {
            (true, _) => Self {
                exact: false,
                ..other
            },
            (_, true) => Self {
                exact: false,
                ..self
            },
            _ => self.join("AND", other),
        }
    }

    fn or(self, other: Self) -> Self {
        if self.is_any_row() || other.is_any_row() {
            return Self::any_row();
        }
        self.join("OR", other)
    }

    fn not(self) -> Self {
        if !self.exact {
            return Self::any_row();
        }
        Self {
            sql: format!("NOT ({})", self.sql),
            ..self
        }
    }

    fn join(mut self, word: &str, other: Self) -> Self {
        self.sql = format!("({}) {word} ({})", self.sql, other.sql);
        self.binds.extend(other.binds);
        self.exact &= other.exact;
        self
    }
}

/// What a translation is for: one tenant's resources of one type, on one database.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub(crate) definition: &'a ResourceDefinition,
    pub(crate) tenant: &'a str,
    pub(crate) dialect: Dialect,
    /// Whether the database compares stored strings by code point without padding
    /// (else string comparisons only narrow).
    pub(crate) exact_strings: bool,
}

/// Translates `filter` for the resources of `target`.
pub(crate) fn translate(filter: &Filter, target: Target<'_>) -> Condition {
    Translator { target }.filter(filter)
}

struct Translator<'a> {
    target: Target<'a>,
}

impl Translator<'_> {
    fn filter(&self, filter: &Filter) -> Condition {
        match filter {
            Filter::And(a, b) => self.filter(a).and(self.filter(b)),
            Filter::Or(a, b) => self.filter(a).or(self.filter(b)),
            Filter::Not(inner) => self.filter(inner).not(),
            Filter::Present(path) => match Indexed::of_path(self.target.definition, path) {
                Some(indexed) => self.on(indexed, |column| {
                    (
                        format!("({column} IS NOT NULL AND LENGTH({column}) > 0)"),
                        Vec::new(),
                    )
                }),
                None => Condition::any_row(),
            },
            Filter::Compare { path, op, value } => self.compare(path, *op, value),
            Filter::ValuePath { path, filter } => {
                match Indexed::of_path(self.target.definition, path) {
                    Some(Indexed::Emails) if path.sub_attribute.is_none() => {
                        self.emails_element(filter)
                    }
                    _ => Condition::any_row(),
                }
            }
        }
    }

    /// A filter inside `emails[…]`: only `value` is indexed, and two conditions joined
    /// by `and` may hold for different addresses, so `and` only narrows. `ne` and
    /// `null` are about one address, not all of them, so they are left to the
    /// evaluator.
    fn emails_element(&self, filter: &Filter) -> Condition {
        match filter {
            Filter::And(a, b) => {
                let joined = self.emails_element(a).and(self.emails_element(b));
                Condition {
                    exact: false,
                    ..joined
                }
            }
            Filter::Or(a, b) => self.emails_element(a).or(self.emails_element(b)),
            // Only tests no address without a value passes: "some address has a
            // value that …" is then "some row of scim_emails …".
            Filter::Compare {
                path,
                op,
                value: value @ CompValue::String(_),
            } if *op != CompareOp::Ne
                && path.schema.is_none()
                && path.sub_attribute.is_none()
                && path.name.eq_ignore_ascii_case("value") =>
            {
                self.compare_indexed(Indexed::Emails, *op, value)
            }
            _ => Condition::any_row(),
        }
    }

    fn compare(&self, path: &AttributePath, op: CompareOp, value: &CompValue) -> Condition {
        if let Some(indexed) = Indexed::of_path(self.target.definition, path) {
            return self.compare_indexed(indexed, op, value);
        }
        match (op, value) {
            (CompareOp::Eq | CompareOp::Ne, CompValue::Bool(b)) => {
                let Some(keys) = self.boolean_keys(path) else {
                    return Condition::any_row();
                };
                let Some(sql) = self.target.dialect.json_bool_is("r.base", &keys, *b) else {
                    return Condition::any_row();
                };
                let eq = Condition {
                    sql,
                    binds: Vec::new(),
                    exact: true,
                };
                if op == CompareOp::Ne { eq.not() } else { eq }
            }
            _ => Condition::any_row(),
        }
    }

    /// The JSON object keys of a single-valued boolean attribute (a sub-attribute of a
    /// single-valued complex one included).
    fn boolean_keys(&self, path: &AttributePath) -> Option<Vec<&str>> {
        let resolved = self.target.definition.resolve(path)?;
        if resolved.leaf().kind != AttributeType::Boolean
            || resolved.attribute.multi_valued
            || resolved.leaf().multi_valued
        {
            return None;
        }
        let mut keys = Vec::with_capacity(3);
        if let Some(schema) = resolved.extension {
            keys.push(schema.id.as_str());
        }
        keys.push(resolved.attribute.name.as_str());
        if let Some(sub) = resolved.sub_attribute {
            keys.push(sub.name.as_str());
        }
        Some(keys)
    }

    fn compare_indexed(&self, indexed: Indexed, op: CompareOp, value: &CompValue) -> Condition {
        let string = match value {
            CompValue::String(s) => s,
            // `eq null`: no value at all.
            CompValue::Null if op == CompareOp::Eq => {
                return self
                    .on(indexed, |column| {
                        (format!("{column} IS NOT NULL"), Vec::new())
                    })
                    .not();
            }
            CompValue::Null if op == CompareOp::Ne => {
                return self.on(indexed, |column| {
                    (format!("{column} IS NOT NULL"), Vec::new())
                });
            }
            // A string attribute never equals, contains or orders with a non-string.
            _ if op == CompareOp::Ne => return Condition::fixed(true, true),
            _ => return Condition::fixed(false, true),
        };
        // A folded column serves a case-exact attribute only as a narrowing; an
        // unfolded one cannot serve a case-insensitive attribute at all.
        let folded = indexed.folded(self.target.definition);
        let exact = indexed.orders_exactly(self.target.definition);
        if !folded && !exact {
            return Condition::any_row();
        }
        let needle = if folded {
            string.to_lowercase()
        } else {
            string.clone()
        };
        let dialect = self.target.dialect;
        let condition = match op {
            CompareOp::Eq | CompareOp::Ne => self.on(indexed, |column| {
                (
                    format!("({column} IS NOT NULL AND {column} = ?)"),
                    vec![needle.clone()],
                )
            }),
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew if needle.is_empty() => self
                .on(indexed, |column| {
                    (format!("{column} IS NOT NULL"), Vec::new())
                }),
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew => {
                let at = match op {
                    CompareOp::Sw => Anchor::Start,
                    CompareOp::Ew => Anchor::End,
                    _ => Anchor::Anywhere,
                };
                self.on(indexed, |column| {
                    let (test, pattern) = dialect.pattern(column, &needle, at);
                    (format!("({column} IS NOT NULL AND {test})"), vec![pattern])
                })
            }
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => {
                if !exact {
                    return Condition::any_row();
                }
                let symbol = match op {
                    CompareOp::Gt => ">",
                    CompareOp::Ge => ">=",
                    CompareOp::Lt => "<",
                    _ => "<=",
                };
                self.on(indexed, |column| {
                    (
                        format!(
                            "({column} IS NOT NULL AND {} {symbol} {})",
                            dialect.byte_order(column),
                            dialect.byte_order("?")
                        ),
                        vec![needle.clone()],
                    )
                })
            }
        };
        let condition = Condition {
            exact: condition.exact && exact,
            ..condition
        };
        if op == CompareOp::Ne {
            condition.not()
        } else {
            condition
        }
    }

    /// A test on an indexed column: on `r` directly, or, for `emails`, "some address
    /// passes" as an uncorrelated `IN` (which the planner can drive from the address
    /// index; a correlated `EXISTS` probes every row). Exact as far as the database
    /// compares strings exactly.
    fn on(&self, indexed: Indexed, test: impl FnOnce(&str) -> (String, Vec<String>)) -> Condition {
        let (sql, binds) = test(indexed.column());
        let (sql, binds) = match indexed {
            Indexed::Emails => (
                format!(
                    "r.id IN (SELECT e.id FROM scim_emails e \
                     WHERE e.tenant = ? AND e.resource_type = ? AND {sql})"
                ),
                [
                    self.target.tenant.to_owned(),
                    self.target.definition.name().to_owned(),
                ]
                .into_iter()
                .chain(binds)
                .collect(),
            ),
            _ => (sql, binds),
        };
        Condition {
            sql,
            binds,
            exact: self.target.exact_strings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_schema::SchemaRegistry;

    fn users(filter: &str, dialect: Dialect) -> Condition {
        let registry = SchemaRegistry::default();
        let definition = registry.resource_type("User").unwrap();
        let target = Target {
            definition,
            tenant: "t",
            dialect,
            exact_strings: true,
        };
        translate(&Filter::parse(filter).unwrap(), target)
    }

    /// Which filters the database answers alone (exact), which it only narrows, and
    /// which it leaves entirely to the evaluator.
    #[test]
    fn exactness_of_each_shape() {
        use Outcome::*;
        #[derive(Debug, PartialEq)]
        enum Outcome {
            Exact,
            Narrows,
            AnyRow,
        }
        let table = [
            (r#"userName eq "BJensen""#, Exact),
            (r#"userName co "jen" and active eq true"#, Exact),
            (r#"displayName sw "B" or externalId eq "x""#, Exact),
            (r#"emails[value eq "a@b.c"]"#, Exact),
            (r#"emails[type eq "work" and value eq "a@b.c"]"#, Narrows),
            (r#"userName eq "x" and title eq "y""#, Narrows),
            (r#"not (userName eq "x" and title eq "y")"#, AnyRow),
            (r#"userName eq "x" or title eq "y""#, AnyRow),
            (r#"title eq "y""#, AnyRow),
            (r#"emails.type eq "work""#, AnyRow),
            (r#"emails[value ne "a@b.c"]"#, AnyRow),
            (r#"meta.lastModified gt "2020-01-01T00:00:00Z""#, AnyRow),
        ];
        for (filter, expected) in table {
            let condition = users(filter, Dialect::Sqlite);
            let outcome = match (condition.is_any_row(), condition.exact) {
                (true, _) => AnyRow,
                (false, true) => Exact,
                (false, false) => Narrows,
            };
            assert_eq!(outcome, expected, "{filter}: {}", condition.sql);
        }
    }

    #[test]
    fn values_are_bound_folded_and_escaped() {
        let c = users(r#"userName sw "B_J""#, Dialect::Postgres);
        assert_eq!(c.binds, vec!["b!_j%".to_owned()]);
        assert!(c.sql.contains("LIKE ? ESCAPE '!'"), "{}", c.sql);
        let c = users(r#"externalId gt "AbC""#, Dialect::Postgres);
        assert_eq!(c.binds, vec!["AbC".to_owned()]);
        assert!(
            c.sql
                .contains(r#"r.external_id COLLATE "C" > ? COLLATE "C""#),
            "{}",
            c.sql
        );
        let c = users(r#"emails co "X""#, Dialect::Sqlite);
        assert!(
            c.sql.starts_with("r.id IN (SELECT e.id FROM scim_emails e"),
            "{}",
            c.sql
        );
        assert_eq!(c.binds, ["t", "User", "*x*"]);
        let c = users(r#"userName eq 42"#, Dialect::Sqlite);
        assert_eq!((c.sql.as_str(), c.exact), ("1 = 0", true));
    }

    #[test]
    fn inexact_strings_only_narrow() {
        let registry = SchemaRegistry::default();
        let definition = registry.resource_type("User").unwrap();
        let filter = Filter::parse(r#"userName eq "bob""#).unwrap();
        let target = Target {
            definition,
            tenant: "t",
            dialect: Dialect::MySql,
            exact_strings: false,
        };
        let c = translate(&filter, target);
        assert!(!c.exact && !c.is_any_row());
        let not = Filter::parse(r#"not (userName eq "bob")"#).unwrap();
        assert!(translate(&not, target).is_any_row());
    }
}
