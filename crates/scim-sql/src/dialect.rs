//! The three SQL dialects: placeholders, row locks, and the schema (idempotent DDL run
//! at start, so several processes may start at once).

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

    /// The schema, as statements that may run any number of times.
    pub(crate) fn schema(self) -> Vec<String> {
        let (key, text) = match self {
            // Binary collation: ids and externalId compare case-sensitively, as in SCIM.
            Self::MySql => (
                "VARCHAR(190) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "LONGTEXT",
            ),
            _ => ("TEXT", "TEXT"),
        };
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS scim_resources (
                    tenant {key} NOT NULL,
                    resource_type {key} NOT NULL,
                    id {key} NOT NULL,
                    base {text} NOT NULL,
                    base_hash {key} NOT NULL,
                    members_digest {key} NOT NULL,
                    groups_digest {key} NOT NULL,
                    version {key} NOT NULL,
                    user_name {key} NULL,
                    external_id {key} NULL,
                    created_ms BIGINT NOT NULL,
                    PRIMARY KEY (tenant, resource_type, id)
                )"
            ),
            "CREATE UNIQUE INDEX IF NOT EXISTS scim_resources_user_name ON scim_resources (tenant, resource_type, user_name)".into(),
            "CREATE INDEX IF NOT EXISTS scim_resources_external_id ON scim_resources (tenant, resource_type, external_id)".into(),
            "CREATE INDEX IF NOT EXISTS scim_resources_order ON scim_resources (tenant, resource_type, created_ms, id)".into(),
            format!(
                "CREATE TABLE IF NOT EXISTS scim_members (
                    tenant {key} NOT NULL,
                    group_type {key} NOT NULL,
                    group_id {key} NOT NULL,
                    member_id {key} NOT NULL,
                    member {text} NOT NULL,
                    position BIGINT NOT NULL,
                    PRIMARY KEY (tenant, group_type, group_id, member_id)
                )"
            ),
            "CREATE INDEX IF NOT EXISTS scim_members_member ON scim_members (tenant, member_id)".into(),
        ]
    }
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
}
