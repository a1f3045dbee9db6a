//! The three SQL dialects: placeholders, row locks, column types, and the expressions
//! filters translate to (byte-order comparisons, patterns, JSON paths).

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (embedded).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

/// The escape character of `LIKE` patterns (not `\`, which MySQL also treats as a
/// string-literal escape).
const LIKE_ESCAPE: char = '!';

impl Dialect {
    /// The dialect of a connection URL.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split(':').next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            "mysql" | "mariadb" => Some(Self::MySql),
            _ => None,
        }
    }

    /// `sql` with its `?` placeholders in this dialect's form (`$1`, `$2`, … for
    /// PostgreSQL). The statements here hold no other question marks.
    pub(crate) fn sql(self, sql: &str) -> String {
        if self != Self::Postgres {
            return sql.to_owned();
        }
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The row-lock suffix of a `SELECT` inside a write transaction. SQLite has none:
    /// its writers are serialized by the database lock.
    pub(crate) fn for_update(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres | Self::MySql => " FOR UPDATE",
        }
    }

    /// The shared row-lock suffix of a `SELECT` inside a write transaction: rows others
    /// may read but not change or delete until it ends. SQLite has none (see
    /// [`for_update`](Self::for_update)).
    pub(crate) fn for_share(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres => " FOR SHARE",
            Self::MySql => " LOCK IN SHARE MODE",
        }
    }

    /// The column type of keys (tenant, type, id and the indexed values) and of JSON
    /// text. MySQL's keys are `VARCHAR(190)` (an index key may hold 3,072 bytes) with
    /// a binary collation, so ids and externalId compare case-sensitively, as in SCIM.
    pub(crate) fn types(self) -> (&'static str, &'static str) {
        match self {
            Self::MySql => (
                "VARCHAR(190) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            ),
            _ => ("TEXT", "TEXT"),
        }
    }

    /// `expression` compared and ordered by bytes (UTF-8 byte order is code point
    /// order, the order of Rust's `str`), whatever the database's collation.
    pub(crate) fn byte_order(self, expression: &str) -> String {
        match self {
            Self::Sqlite => expression.to_owned(),
            Self::Postgres => format!("{expression} COLLATE \"C\""),
            Self::MySql => format!("CAST({expression} AS BINARY)"),
        }
    }

    /// A case-sensitive pattern match of `column` against one bound pattern, and the
    /// pattern that finds `needle` at the start, the end or anywhere.
    pub(crate) fn pattern(self, column: &str, needle: &str, at: Anchor) -> (String, String) {
        let (escaped, many, condition) = match self {
            // GLOB is case-sensitive; LIKE is not, for ASCII, in SQLite.
            Self::Sqlite => {
                let mut escaped = String::with_capacity(needle.len() + 2);
                for c in needle.chars() {
                    match c {
                        '*' | '?' | '[' => {
                            escaped.push('[');
                            escaped.push(c);
                            escaped.push(']');
                        }
                        _ => escaped.push(c),
                    }
                }
                (escaped, '*', format!("{column} GLOB ?"))
            }
            Self::Postgres | Self::MySql => {
                let mut escaped = String::with_capacity(needle.len() + 2);
                for c in needle.chars() {
                    if matches!(c, '%' | '_' | LIKE_ESCAPE) {
                        escaped.push(LIKE_ESCAPE);
                    }
                    escaped.push(c);
                }
                (
                    escaped,
                    '%',
                    format!("{column} LIKE ? ESCAPE '{LIKE_ESCAPE}'"),
                )
            }
        };
        let pattern = match at {
            Anchor::Start => format!("{escaped}{many}"),
            Anchor::End => format!("{many}{escaped}"),
            Anchor::Anywhere => format!("{many}{escaped}{many}"),
        };
        (condition, pattern)
    }

    /// Whether the JSON value at `keys` (object keys from the root) of the text column
    /// `column` is the boolean `value`: true or false, never NULL (a missing value is
    /// false), so the condition may be negated. `None` when a key holds characters that
    /// may not appear in a path literal.
    pub(crate) fn json_bool_is(self, column: &str, keys: &[&str], value: bool) -> Option<String> {
        let safe = |key: &&str| {
            !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$' | ':' | '.'))
        };
        if keys.is_empty() || !keys.iter().all(safe) {
            return None;
        }
        let dollar_path: String = keys.iter().map(|k| format!(".\"{k}\"")).collect();
        Some(match self {
            Self::Sqlite => format!("(json_type({column}, '${dollar_path}') IS '{value}')"),
            Self::Postgres => {
                let keys: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
                format!(
                    "COALESCE(({column})::jsonb #> '{{{}}}' = '{value}'::jsonb, FALSE)",
                    keys.join(",")
                )
            }
            Self::MySql => {
                format!("(COALESCE(JSON_CONTAINS({column}, '{value}', '${dollar_path}'), 0) = 1)")
            }
        })
    }
}

/// Where a pattern's needle must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// `sw`.
    Start,
    /// `ew`.
    End,
    /// `co`.
    Anywhere,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert_eq!(
            Dialect::Postgres.sql("a = ? AND b = ?"),
            "a = $1 AND b = $2"
        );
        assert_eq!(Dialect::MySql.sql("a = ?"), "a = ?");
        assert_eq!(Dialect::from_url("postgres://x"), Some(Dialect::Postgres));
        assert_eq!(Dialect::from_url("sqlite://scim.db"), Some(Dialect::Sqlite));
        assert_eq!(
            Dialect::from_url("mysql://root@localhost/test"),
            Some(Dialect::MySql)
        );
        assert_eq!(Dialect::from_url("oracle://x"), None);
    }

    #[test]
    fn patterns_escape_their_wildcards() {
        let table = [
            (Dialect::Sqlite, "a*b", Anchor::Start, "a[*]b*"),
            (Dialect::Sqlite, "?[", Anchor::End, "*[?][[]"),
            (
                Dialect::Postgres,
                "50%_off",
                Anchor::Anywhere,
                "%50!%!_off%",
            ),
            (Dialect::MySql, "x!y", Anchor::Start, "x!!y%"),
        ];
        for (dialect, needle, at, expected) in table {
            assert_eq!(
                dialect.pattern("c", needle, at).1,
                expected,
                "{dialect:?} {needle}"
            );
        }
    }

    #[test]
    fn json_paths_refuse_unsafe_keys() {
        assert!(
            Dialect::Sqlite
                .json_bool_is("base", &["active"], true)
                .is_some()
        );
        assert!(
            Dialect::Postgres
                .json_bool_is("base", &["a'b"], true)
                .is_none()
        );
        assert!(
            Dialect::MySql
                .json_bool_is("base", &["a\"b"], true)
                .is_none()
        );
        assert!(Dialect::MySql.json_bool_is("base", &[], true).is_none());
    }
}
