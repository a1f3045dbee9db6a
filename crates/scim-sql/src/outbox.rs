//! The transactional outbox: a write transaction's change events, written in it as
//! its last statements, so an acknowledged write always has its events and a
//! rolled-back one never does.
//!
//! Events are numbered by the table's own counter (`seq`, an identity or
//! auto-increment column), which writers take without waiting for each other. What
//! orders them for readers is a lock per tenant: a writer takes it shared as it inserts
//! its events, and holds it to its commit; a reader (see `feed.rs`) takes it
//! exclusively, which waits until every writer that holds it has committed or rolled
//! back. So when a reader reads, every event numbered below the newest it sees is
//! final, and a writer that comes after takes a higher number: reading on from the last
//! event read never skips one. Writers share the lock, so they still commit together;
//! taken last, after every resource row, it closes no cycle with the other locks.
//!
//! The lock is a PostgreSQL advisory lock (in memory: a row lock shared by many
//! writers would be a multixact written to disk), the tenant's `scim_change_heads`
//! row on MySQL (`LOCK IN SHARE MODE` / `FOR UPDATE`). SQLite has one writer at a
//! time, which is all the order it needs.

use scim_provider::{Change, ChangeKind, ProviderError};
use scim_schema::DateTime;
use sqlx::AnyConnection;

use crate::Dialect;
use crate::provider::{SqlProvider, storage};

/// Rows per `INSERT` (nine parameters each, well under every database's limit).
const ROWS_PER_INSERT: usize = 100;

/// The columns an event is written with (`seq` numbers itself).
const EVENT_COLUMNS: &str =
    "tenant, at_ms, resource_type, id, operation, version, previous_version, added, removed";

/// The space of PostgreSQL advisory locks that order change events (beside the
/// migration lock's key, in the other form of key).
const LOCK_SPACE: i32 = 0x5C1A_0E7E;

/// PostgreSQL's advisory lock of a tenant: the space, and a hash of the name (two
/// tenants with one hash only wait on each other's readers a little more).
fn tenant_lock_key(tenant: &str) -> (i32, i32) {
    // FNV-1a, 32 bits: the same on every process and release.
    let hash = tenant.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    (LOCK_SPACE, i32::from_ne_bytes(hash.to_ne_bytes()))
}

/// The events a transaction records; empty while the feed is off.
#[derive(Debug)]
pub(crate) struct Outbox {
    recording: bool,
    changes: Vec<Change>,
}

impl Outbox {
    /// Adds a change (nothing while the feed is off).
    pub(crate) fn push(&mut self, change: Change) {
        if self.recording {
            self.changes.push(change);
        }
    }

    /// Adds each change (nothing while the feed is off).
    pub(crate) fn extend(&mut self, changes: impl IntoIterator<Item = Change>) {
        for change in changes {
            self.push(change);
        }
    }
}

impl SqlProvider {
    /// An empty outbox for a transaction.
    pub(crate) fn outbox(&self) -> Outbox {
        Outbox {
            recording: self.feed.retention.is_some(),
            changes: Vec::new(),
        }
    }

    /// Writes the outbox's events, under the tenant's lock shared: call it last, just
    /// before the commit. Answers whether it wrote any (the commit then
    /// [signals](Self::committed) them).
    pub(crate) async fn flush(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        outbox: Outbox,
    ) -> Result<bool, ProviderError> {
        if outbox.changes.is_empty() {
            return Ok(false);
        }
        self.ensure_head(conn, tenant).await?;
        // PostgreSQL takes the lock in the insert itself; MySQL locks the head row.
        let lock = match self.dialect {
            Dialect::Postgres => "WITH l AS (SELECT pg_advisory_xact_lock_shared(?, ?)) ",
            Dialect::MySql => {
                sqlx::query(
                    "SELECT pruned FROM scim_change_heads WHERE tenant = ? LOCK IN SHARE MODE",
                )
                .bind(tenant)
                .fetch_one(&mut *conn)
                .await
                .map_err(storage)?;
                ""
            }
            Dialect::Sqlite => "",
        };
        let at_ms = DateTime::now_millis().unix_micros() / 1000;
        for chunk in outbox.changes.chunks(ROWS_PER_INSERT) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let rows = match lock {
                "" => format!("VALUES {rows}"),
                _ => format!("SELECT v.* FROM l CROSS JOIN (VALUES {rows}) AS v ({EVENT_COLUMNS})"),
            };
            let sql = self.sql(&format!(
                "{lock}INSERT INTO scim_changes ({EVENT_COLUMNS}) {rows}"
            ));
            let mut query = sqlx::query(&sql);
            if !lock.is_empty() {
                let (space, key) = tenant_lock_key(tenant);
                query = query.bind(space).bind(key);
            }
            for change in chunk {
                let (added, removed) = match &change.kind {
                    ChangeKind::MembersChanged { added, removed } => (
                        Some(serde_json::to_string(added).unwrap_or_default()),
                        Some(serde_json::to_string(removed).unwrap_or_default()),
                    ),
                    _ => (None, None),
                };
                query = query
                    .bind(tenant)
                    .bind(at_ms)
                    .bind(&change.resource_type)
                    .bind(&change.id)
                    .bind(change.kind.name())
                    .bind(change.version.as_ref().map(|v| v.opaque().to_owned()))
                    .bind(
                        change
                            .previous_version
                            .as_ref()
                            .map(|v| v.opaque().to_owned()),
                    )
                    .bind(added)
                    .bind(removed);
            }
            query.execute(&mut *conn).await.map_err(storage)?;
        }
        Ok(true)
    }

    /// Makes `tenant`'s head row if it is missing (once per tenant and process).
    async fn ensure_head(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
    ) -> Result<(), ProviderError> {
        if self.feed.knows_head(tenant) {
            return Ok(());
        }
        let insert = match self.dialect {
            Dialect::MySql => "INSERT IGNORE INTO scim_change_heads (tenant, pruned) VALUES (?, 0)",
            Dialect::Sqlite | Dialect::Postgres => {
                "INSERT INTO scim_change_heads (tenant, pruned) VALUES (?, 0) ON CONFLICT (tenant) DO NOTHING"
            }
        };
        sqlx::query(&self.sql(insert))
            .bind(tenant)
            .execute(&mut *conn)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Takes `tenant`'s lock exclusively, to the end of the transaction: every writer
    /// that held it shared has committed or rolled back, and no other writes events
    /// until the transaction ends. SQLite's writers are serialized already.
    pub(crate) async fn lock_tenant(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
    ) -> Result<(), ProviderError> {
        match self.dialect {
            Dialect::Postgres => {
                let (space, key) = tenant_lock_key(tenant);
                sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
                    .bind(space)
                    .bind(key)
                    .execute(&mut *conn)
                    .await
                    .map_err(storage)?;
            }
            Dialect::MySql => {
                sqlx::query("SELECT pruned FROM scim_change_heads WHERE tenant = ? FOR UPDATE")
                    .bind(tenant)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(storage)?;
            }
            Dialect::Sqlite => {}
        }
        Ok(())
    }

    /// After a commit: when it recorded events, `tenant`'s head row is there for good,
    /// and this process's subscribers are woken.
    pub(crate) fn committed(&self, recorded: bool, tenant: &str) {
        if recorded {
            self.feed.remember_head(tenant);
            self.feed.signal.notify();
        }
    }
}
