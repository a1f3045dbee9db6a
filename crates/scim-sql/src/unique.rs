//! Which unique key a write violated, read per dialect from the database's error: the
//! constraint name where the database reports one, else its message.

use sqlx::error::DatabaseError;

use crate::dialect::Dialect;

/// A unique key of `scim_resources`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UniqueKey {
    /// `scim_resources_user_name`: `userName`, folded, per tenant and type.
    UserName,
    /// The primary key: a client-chosen `id` that is taken.
    Id,
}

impl UniqueKey {
    /// The key a unique violation names, or `None` for any other error (or a key this
    /// schema does not have: then the error is reported as the storage failure it is).
    pub(crate) fn violated(dialect: Dialect, err: &dyn DatabaseError) -> Option<Self> {
        if !err.is_unique_violation() {
            return None;
        }
        match dialect {
            // PostgreSQL names the index or constraint.
            Dialect::Postgres => match err.constraint()? {
                "scim_resources_user_name" => Some(Self::UserName),
                "scim_resources_pkey" => Some(Self::Id),
                _ => None,
            },
            // SQLite names the columns: "UNIQUE constraint failed: t.a, t.b".
            Dialect::Sqlite => {
                let columns = err.message().strip_prefix("UNIQUE constraint failed: ")?;
                match columns.rsplit(", ").next()? {
                    "scim_resources.user_name" => Some(Self::UserName),
                    "scim_resources.id" => Some(Self::Id),
                    _ => None,
                }
            }
            // MySQL and MariaDB name the key: "... for key 'scim_resources.PRIMARY'"
            // (MySQL 8) or "... for key 'PRIMARY'" (MariaDB).
            Dialect::MySql => {
                let key = err
                    .message()
                    .rsplit("for key '")
                    .next()?
                    .trim_end_matches('\'');
                match key.rsplit('.').next()? {
                    "scim_resources_user_name" => Some(Self::UserName),
                    "PRIMARY" if key.contains("scim_resources") || !key.contains('.') => {
                        Some(Self::Id)
                    }
                    _ => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use sqlx::error::ErrorKind;

    use super::*;

    #[derive(Debug)]
    struct Fake {
        message: &'static str,
        constraint: Option<&'static str>,
        unique: bool,
    }

    impl std::fmt::Display for Fake {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.message)
        }
    }

    impl std::error::Error for Fake {}

    impl DatabaseError for Fake {
        fn message(&self) -> &str {
            self.message
        }
        fn code(&self) -> Option<Cow<'_, str>> {
            None
        }
        fn constraint(&self) -> Option<&str> {
            self.constraint
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> ErrorKind {
            match self.unique {
                true => ErrorKind::UniqueViolation,
                false => ErrorKind::Other,
            }
        }
    }

    fn unique(message: &'static str, constraint: Option<&'static str>) -> Fake {
        Fake {
            message,
            constraint,
            unique: true,
        }
    }

    #[test]
    fn each_dialect_names_its_keys() {
        use Dialect::*;
        let cases = [
            (
                Postgres,
                unique("duplicate key", Some("scim_resources_user_name")),
                Some(UniqueKey::UserName),
            ),
            (
                Postgres,
                unique("duplicate key", Some("scim_resources_pkey")),
                Some(UniqueKey::Id),
            ),
            (
                Postgres,
                unique("duplicate key", Some("scim_emails_pkey")),
                None,
            ),
            (Postgres, unique("duplicate key", None), None),
            (
                Sqlite,
                unique(
                    "UNIQUE constraint failed: scim_resources.tenant, scim_resources.resource_type, scim_resources.user_name",
                    None,
                ),
                Some(UniqueKey::UserName),
            ),
            (
                Sqlite,
                unique(
                    "UNIQUE constraint failed: scim_resources.tenant, scim_resources.resource_type, scim_resources.id",
                    None,
                ),
                Some(UniqueKey::Id),
            ),
            (
                Sqlite,
                unique(
                    "UNIQUE constraint failed: scim_emails.tenant, scim_emails.resource_type, scim_emails.id, scim_emails.value",
                    None,
                ),
                None,
            ),
            (
                MySql,
                unique(
                    "Duplicate entry 'a-User-bob' for key 'scim_resources_user_name'",
                    None,
                ),
                Some(UniqueKey::UserName),
            ),
            (
                MySql,
                unique(
                    "Duplicate entry 'a-User-bob' for key 'scim_resources.scim_resources_user_name'",
                    None,
                ),
                Some(UniqueKey::UserName),
            ),
            (
                MySql,
                unique("Duplicate entry 'a-User-1' for key 'PRIMARY'", None),
                Some(UniqueKey::Id),
            ),
            (
                MySql,
                unique(
                    "Duplicate entry 'a-User-1' for key 'scim_resources.PRIMARY'",
                    None,
                ),
                Some(UniqueKey::Id),
            ),
            (
                MySql,
                unique(
                    "Duplicate entry 'a-User-1-x' for key 'scim_emails.PRIMARY'",
                    None,
                ),
                None,
            ),
        ];
        for (dialect, err, expected) in cases {
            assert_eq!(
                UniqueKey::violated(dialect, &err),
                expected,
                "{dialect:?} {}",
                err.message
            );
        }
        let other = Fake {
            message: "for key 'PRIMARY'",
            constraint: None,
            unique: false,
        };
        assert_eq!(
            UniqueKey::violated(MySql, &other),
            None,
            "not a unique violation"
        );
    }
}
