//! Versioned migrations, run at start under a lock, so any number of processes may
//! start at once against one database and each step runs exactly once.
//!
//! `scim_migrations` records the versions applied. Every step is also safe to repeat
//! (it checks for what it adds), because MySQL commits DDL on its own and a process
//! may die between a step and its record.

use scim_schema::SchemaRegistry;
use sqlx::{AnyConnection, Row};

use crate::Dialect;
use crate::indexed::IndexedValues;
use crate::row::text;

/// The schema version this build migrates databases to (see
/// [`SqlProvider::schema_version`](crate::SqlProvider::schema_version)).
pub const SCHEMA_VERSION: i64 = 7;

/// A key for PostgreSQL's advisory lock (any constant both processes agree on).
const PG_LOCK_KEY: i64 = 0x5C1A_5C1A;

/// Rows re-indexed per batch by a backfill.
const BACKFILL_BATCH: i64 = 500;

/// Brings the database to [`SCHEMA_VERSION`], holding the dialect's migration lock.
/// A failed run releases the lock too, and its error is the one returned.
pub(crate) async fn run(
    conn: &mut AnyConnection,
    dialect: Dialect,
    registry: &SchemaRegistry,
) -> Result<(), sqlx::Error> {
    match dialect {
        // The write lock for the whole run: migrations are one transaction.
        Dialect::Sqlite => {
            sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            match apply_pending(conn, dialect, registry).await {
                Ok(()) => sqlx::query("COMMIT").execute(&mut *conn).await.map(drop),
                Err(err) => {
                    let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                    Err(err)
                }
            }
        }
        Dialect::Postgres => {
            sqlx::query(&format!("SELECT pg_advisory_lock({PG_LOCK_KEY})"))
                .execute(&mut *conn)
                .await?;
            let outcome = apply_pending(conn, dialect, registry).await;
            if outcome.is_err() {
                // A step may have failed inside its transaction.
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            }
            let released = sqlx::query(&format!("SELECT pg_advisory_unlock({PG_LOCK_KEY})"))
                .execute(&mut *conn)
                .await;
            outcome?;
            released.map(drop)
        }
        Dialect::MySql => {
            let row = sqlx::query("SELECT GET_LOCK('scim_sql_migrations', 120) AS got")
                .fetch_one(&mut *conn)
                .await?;
            if row.try_get::<i64, _>("got").ok() != Some(1) {
                return Err(sqlx::Error::Protocol(
                    "timed out waiting for another process's migrations".into(),
                ));
            }
            let outcome = apply_pending(conn, dialect, registry).await;
            let released = sqlx::query("SELECT RELEASE_LOCK('scim_sql_migrations')")
                .execute(&mut *conn)
                .await;
            outcome?;
            released.map(drop)
        }
    }
}

/// The schema version a database is at (0 when it has none).
pub(crate) async fn current_version(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    let row = sqlx::query("SELECT MAX(version) AS version FROM scim_migrations")
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<Option<i64>, _>("version")?.unwrap_or(0))
}

async fn apply_pending(
    conn: &mut AnyConnection,
    dialect: Dialect,
    registry: &SchemaRegistry,
) -> Result<(), sqlx::Error> {
    let (key, _) = dialect.types();
    sqlx::query(&format!(
        "CREATE TABLE IF NOT EXISTS scim_migrations (
            version BIGINT NOT NULL PRIMARY KEY,
            description {key} NOT NULL,
            applied_ms BIGINT NOT NULL
        )"
    ))
    .execute(&mut *conn)
    .await?;
    let at = current_version(conn).await?;
    if at < 1 {
        for statement in v1_tables(dialect) {
            sqlx::query(&statement).execute(&mut *conn).await?;
        }
        record(conn, dialect, 1, "resources and members").await?;
    }
    if at < 2 {
        if dialect == Dialect::Postgres {
            sqlx::query("BEGIN").execute(&mut *conn).await?;
        }
        for statement in v2_index_columns(dialect, &mut *conn).await? {
            sqlx::query(&statement).execute(&mut *conn).await?;
        }
        backfill_indexed_values(conn, dialect, registry).await?;
        record(conn, dialect, 2, "displayName column and emails table").await?;
        if dialect == Dialect::Postgres {
            sqlx::query("COMMIT").execute(&mut *conn).await?;
        }
    }
    if at < 3 {
        if dialect == Dialect::MySql {
            mysql_without_padding(conn).await?;
        }
        record(conn, dialect, 3, "MySQL keys compare without padding").await?;
    }
    if at < 4 {
        if dialect != Dialect::MySql
            || !index_exists(conn, "scim_members", MEMBERS_POSITION).await?
        {
            sqlx::query(&members_position_index(dialect))
                .execute(&mut *conn)
                .await?;
        }
        record(conn, dialect, 4, "members indexed by position").await?;
    }
    if at < 5 {
        if dialect == Dialect::Sqlite {
            for statement in crate::counts::SQLITE_SETUP {
                sqlx::query(statement).execute(&mut *conn).await?;
            }
        }
        record(conn, dialect, 5, "SQLite counts resources per type").await?;
    }
    if at < 6 {
        for statement in v6_change_feed(dialect) {
            sqlx::query(&statement).execute(&mut *conn).await?;
        }
        record(conn, dialect, 6, "change feed: events, heads, cursors").await?;
    }
    if at < 7 {
        if dialect == Dialect::Postgres {
            sqlx::query("BEGIN").execute(&mut *conn).await?;
        }
        for table in ["scim_resources", "scim_members"] {
            if !column_exists(conn, dialect, table, "display").await? {
                let (_, text) = dialect.types();
                let add = format!("ALTER TABLE {table} ADD COLUMN display {text} NULL");
                sqlx::query(&add).execute(&mut *conn).await?;
            }
        }
        backfill_display(conn, dialect, registry).await?;
        record(conn, dialect, 7, "display names of members").await?;
        if dialect == Dialect::Postgres {
            sqlx::query("COMMIT").execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Version 6: the change feed (see `outbox.rs`). `scim_changes` holds the events,
/// numbered by one counter for every tenant; `scim_change_heads` has a row per tenant
/// with the last number pruned (on MySQL also the lock writers take shared and readers
/// exclusively); `scim_change_cursors` is where each consumer (a webhook) has got to.
fn v6_change_feed(dialect: Dialect) -> Vec<String> {
    let (key, text) = dialect.types();
    let seq = match dialect {
        // The rowid: the next is one above the largest, and pruning always keeps the
        // newest event, so numbers are never taken twice.
        Dialect::Sqlite => "seq INTEGER PRIMARY KEY",
        Dialect::Postgres => "seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        Dialect::MySql => "seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY",
    };
    let mut statements = table_with_indexes(
        dialect,
        "scim_changes",
        &format!(
            "{seq},
            tenant {key} NOT NULL,
            at_ms BIGINT NOT NULL,
            resource_type {key} NOT NULL,
            id {key} NOT NULL,
            operation {key} NOT NULL,
            version {key} NULL,
            previous_version {key} NULL,
            added {text} NULL,
            removed {text} NULL"
        ),
        &[("INDEX", "scim_changes_tenant", "tenant, seq")],
    );
    statements.extend(table_with_indexes(
        dialect,
        "scim_change_heads",
        &format!("tenant {key} NOT NULL PRIMARY KEY, pruned BIGINT NOT NULL"),
        &[],
    ));
    statements.extend(table_with_indexes(
        dialect,
        "scim_change_cursors",
        &format!(
            "consumer {key} NOT NULL, tenant {key} NOT NULL, seq BIGINT NOT NULL, \
             PRIMARY KEY (consumer, tenant)"
        ),
        &[],
    ));
    statements
}

/// The index that finds a group's last member position without reading its rows, so
/// adding one member costs the same for a group of 10 or of 100,000.
const MEMBERS_POSITION: &str = "scim_members_position";

fn members_position_index(dialect: Dialect) -> String {
    let if_not_exists = match dialect {
        Dialect::MySql => "",
        _ => "IF NOT EXISTS ",
    };
    format!(
        "CREATE INDEX {if_not_exists}{MEMBERS_POSITION} ON scim_members (tenant, group_type, group_id, position)"
    )
}

/// Whether MySQL has an index of this name on this table (MySQL has no
/// `CREATE INDEX IF NOT EXISTS`).
async fn index_exists(
    conn: &mut AnyConnection,
    table: &str,
    index: &str,
) -> Result<bool, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM information_schema.statistics \
         WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?",
    )
    .bind(table)
    .bind(index)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// The binary collation without `PAD SPACE` this MySQL or MariaDB has, if any
/// (MariaDB's `utf8mb4_nopad_bin`, MySQL 8's `utf8mb4_0900_bin`).
async fn mysql_no_pad_collation(conn: &mut AnyConnection) -> Result<Option<String>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COLLATION_NAME AS name FROM information_schema.COLLATIONS \
         WHERE COLLATION_NAME IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') ORDER BY COLLATION_NAME LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| text(&r, "name")).transpose()
}

/// Version 3, MySQL only: every text column gets a binary collation without
/// `PAD SPACE`, so `'bob'` and `'bob '` are two userNames and comparisons are the
/// evaluator's. Servers without one keep `utf8mb4_bin`, and there filters are
/// re-checked in Rust (see [`strings_compare_exactly`]).
async fn mysql_without_padding(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    let Some(collation) = mysql_no_pad_collation(conn).await? else {
        return Ok(());
    };
    for table in ["scim_resources", "scim_members", "scim_emails"] {
        sqlx::query(&format!(
            "ALTER TABLE {table} CONVERT TO CHARACTER SET utf8mb4 COLLATE {collation}"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether the database compares and orders stored strings by code point with no
/// padding, exactly as the filter evaluator does: always on SQLite and PostgreSQL
/// (whose comparisons name `COLLATE "C"`), on MySQL when version 3 found a
/// collation without `PAD SPACE`.
pub(crate) async fn strings_compare_exactly(
    conn: &mut AnyConnection,
    dialect: Dialect,
) -> Result<bool, sqlx::Error> {
    if dialect != Dialect::MySql {
        return Ok(true);
    }
    let row = sqlx::query(
        "SELECT COLLATION_NAME AS name FROM information_schema.COLUMNS \
         WHERE table_schema = DATABASE() AND table_name = 'scim_resources' AND column_name = 'user_name'",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let collation = row.map(|r| text(&r, "name")).transpose()?;
    Ok(matches!(
        collation.as_deref(),
        Some("utf8mb4_nopad_bin" | "utf8mb4_0900_bin")
    ))
}

async fn record(
    conn: &mut AnyConnection,
    dialect: Dialect,
    version: i64,
    description: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        &dialect
            .sql("INSERT INTO scim_migrations (version, description, applied_ms) VALUES (?, ?, ?)"),
    )
    .bind(version)
    .bind(description)
    .bind(scim_schema::DateTime::now().unix_micros() / 1000)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Version 1: resources (JSON, version, digests, `userName` and `externalId` columns)
/// and memberships. `IF NOT EXISTS`, so databases made before versioning upgrade.
fn v1_tables(dialect: Dialect) -> Vec<String> {
    let (key, text) = dialect.types();
    let mut statements = table_with_indexes(
        dialect,
        "scim_resources",
        &format!(
            "tenant {key} NOT NULL,
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
            PRIMARY KEY (tenant, resource_type, id)"
        ),
        &[
            (
                "UNIQUE INDEX",
                "scim_resources_user_name",
                "tenant, resource_type, user_name",
            ),
            (
                "INDEX",
                "scim_resources_external_id",
                "tenant, resource_type, external_id",
            ),
            (
                "INDEX",
                "scim_resources_order",
                "tenant, resource_type, created_ms, id",
            ),
        ],
    );
    statements.extend(table_with_indexes(
        dialect,
        "scim_members",
        &format!(
            "tenant {key} NOT NULL,
            group_type {key} NOT NULL,
            group_id {key} NOT NULL,
            member_id {key} NOT NULL,
            member {text} NOT NULL,
            position BIGINT NOT NULL,
            PRIMARY KEY (tenant, group_type, group_id, member_id)"
        ),
        &[("INDEX", "scim_members_member", "tenant, member_id")],
    ));
    statements
}

/// `CREATE TABLE IF NOT EXISTS` with its indexes (kind, name, columns): declared inside
/// the table on MySQL, which has no `CREATE INDEX IF NOT EXISTS`; separate idempotent
/// statements elsewhere.
fn table_with_indexes(
    dialect: Dialect,
    table: &str,
    columns: &str,
    indexes: &[(&str, &str, &str)],
) -> Vec<String> {
    if dialect == Dialect::MySql {
        let inline: String = indexes
            .iter()
            .map(|(kind, name, on)| format!(",\n            {kind} {name} ({on})"))
            .collect();
        return vec![format!(
            "CREATE TABLE IF NOT EXISTS {table} (\n            {columns}{inline}\n        )"
        )];
    }
    std::iter::once(format!(
        "CREATE TABLE IF NOT EXISTS {table} (\n            {columns}\n        )"
    ))
    .chain(
        indexes.iter().map(|(kind, name, on)| {
            format!("CREATE {kind} IF NOT EXISTS {name} ON {table} ({on})")
        }),
    )
    .collect()
}

/// Version 2: a `display_name` column and a `scim_emails` table (one row per address),
/// both indexed; values lower-cased where the attribute is not `caseExact`. MySQL
/// indexes a 190-character prefix of these (they may be longer than a key).
async fn v2_index_columns(
    dialect: Dialect,
    conn: &mut AnyConnection,
) -> Result<Vec<String>, sqlx::Error> {
    let (key, text) = dialect.types();
    let mut statements = Vec::new();
    if !column_exists(conn, dialect, "scim_resources", "display_name").await? {
        statements.push(match dialect {
            Dialect::MySql => format!(
                "ALTER TABLE scim_resources ADD COLUMN display_name {text} NULL, \
                 ADD INDEX scim_resources_display_name (tenant, resource_type, display_name(190))"
            ),
            _ => "ALTER TABLE scim_resources ADD COLUMN display_name TEXT NULL".to_owned(),
        });
    }
    // Clustered by owner where the database can (SQLite `WITHOUT ROWID`), so a
    // create writes one b-tree for the row and one for the address index.
    let (key_or_indexes, clustering) = match dialect {
        Dialect::MySql => (
            ",
            INDEX scim_emails_value (tenant, resource_type, value(190)),
            INDEX scim_emails_owner (tenant, resource_type, id)",
            "",
        ),
        Dialect::Postgres => (
            ",\n            PRIMARY KEY (tenant, resource_type, id, value)",
            "",
        ),
        Dialect::Sqlite => (
            ",\n            PRIMARY KEY (tenant, resource_type, id, value)",
            " WITHOUT ROWID",
        ),
    };
    statements.push(format!(
        "CREATE TABLE IF NOT EXISTS scim_emails (
            tenant {key} NOT NULL,
            resource_type {key} NOT NULL,
            id {key} NOT NULL,
            value {text} NOT NULL{key_or_indexes}
        ){clustering}"
    ));
    if dialect != Dialect::MySql {
        statements.extend([
            "CREATE INDEX IF NOT EXISTS scim_resources_display_name ON scim_resources (tenant, resource_type, display_name)".to_owned(),
            "CREATE INDEX IF NOT EXISTS scim_emails_value ON scim_emails (tenant, resource_type, value)".to_owned(),
        ]);
    }
    Ok(statements)
}

async fn column_exists(
    conn: &mut AnyConnection,
    dialect: Dialect,
    table: &str,
    column: &str,
) -> Result<bool, sqlx::Error> {
    let sql = match dialect {
        Dialect::Sqlite => "SELECT COUNT(*) AS n FROM pragma_table_info(?) WHERE name = ?",
        Dialect::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?"
        }
        Dialect::MySql => {
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?"
        }
    };
    let row = sqlx::query(&dialect.sql(sql))
        .bind(table)
        .bind(column)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Fills `display_name` and `scim_emails` for the rows written before version 2.
/// Rows of resource types the registry does not know stay unindexed (no request can
/// reach them).
async fn backfill_indexed_values(
    conn: &mut AnyConnection,
    dialect: Dialect,
    registry: &SchemaRegistry,
) -> Result<(), sqlx::Error> {
    let mut after = Default::default();
    while let Some(rows) = resource_page(conn, dialect, &mut after).await? {
        for row in rows {
            let Some(definition) = registry.resource_type(&row.resource_type) else {
                continue;
            };
            IndexedValues::of(definition, &row.base)
                .store(conn, dialect, &row.tenant, &row.resource_type, &row.id)
                .await?;
        }
    }
    Ok(())
}

/// Version 7: fills `display` (what members and `User.groups` show of a resource)
/// for the rows written before it, then the `display` of every member row from it.
async fn backfill_display(
    conn: &mut AnyConnection,
    dialect: Dialect,
    registry: &SchemaRegistry,
) -> Result<(), sqlx::Error> {
    let update = dialect.sql(
        "UPDATE scim_resources SET display = ? WHERE tenant = ? AND resource_type = ? AND id = ?",
    );
    let mut after = Default::default();
    while let Some(rows) = resource_page(conn, dialect, &mut after).await? {
        for row in rows {
            sqlx::query(&update)
                .bind(scim_provider::display_of(&row.base))
                .bind(row.tenant)
                .bind(row.resource_type)
                .bind(row.id)
                .execute(&mut *conn)
                .await?;
        }
    }
    let mut member_types: Vec<&str> = (registry.resource_types())
        .flat_map(|definition| registry.member_types(definition))
        .collect();
    member_types.sort_unstable();
    member_types.dedup();
    if member_types.is_empty() {
        return Ok(());
    }
    let types = crate::members::placeholders(member_types.len());
    let sql = dialect.sql(&format!(
        "UPDATE scim_members SET display = (SELECT r.display FROM scim_resources r \
         WHERE r.tenant = scim_members.tenant AND r.resource_type IN ({types}) \
         AND r.id = scim_members.member_id)"
    ));
    let mut query = sqlx::query(&sql);
    for member_type in member_types {
        query = query.bind(member_type);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// A stored resource, as a backfill reads it.
struct StoredRow {
    tenant: String,
    resource_type: String,
    id: String,
    base: serde_json::Value,
}

/// The next [`BACKFILL_BATCH`] stored resources after the key `after` (tenant, type,
/// id), which moves to the last of them; `None` once there are none. A resource whose
/// JSON does not parse is left out (the page may then hold fewer, even none).
async fn resource_page(
    conn: &mut AnyConnection,
    dialect: Dialect,
    after: &mut (String, String, String),
) -> Result<Option<Vec<StoredRow>>, sqlx::Error> {
    let rows = sqlx::query(&dialect.sql(&format!(
        "SELECT tenant, resource_type, id, base FROM scim_resources \
         WHERE (tenant, resource_type, id) > (?, ?, ?) \
         ORDER BY tenant, resource_type, id LIMIT {BACKFILL_BATCH}"
    )))
    .bind(&after.0)
    .bind(&after.1)
    .bind(&after.2)
    .fetch_all(&mut *conn)
    .await?;
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    *after = (
        last.try_get("tenant")?,
        last.try_get("resource_type")?,
        last.try_get("id")?,
    );
    let mut page = Vec::with_capacity(rows.len());
    for row in &rows {
        let Ok(base) = serde_json::from_str(&text(row, "base")?) else {
            continue;
        };
        page.push(StoredRow {
            tenant: row.try_get("tenant")?,
            resource_type: row.try_get("resource_type")?,
            id: row.try_get("id")?,
            base,
        });
    }
    Ok(Some(page))
}
