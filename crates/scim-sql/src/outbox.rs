//! The transactional outbox: a write transaction's change events, written in it as
//! its last statements, so an acknowledged write always has its events and a
//! rolled-back one never does.
//!
//! Events are numbered by the table's own counter (`seq`, an identity or
//! auto-increment column), which writers take without waiting for each other. What
//! orders them for readers is the tenant's row of `scim_change_heads`: a writer locks it
//! shared before it inserts its events, and holds it to its commit; a reader (see
//! `feed.rs`) locks it exclusively, which waits until every writer that holds it has
//! committed or rolled back. So when a reader reads, every event numbered below the
//! newest it sees is final, and a writer that comes after takes a higher number: reading
//! on from the last event read never skips one. Writers share the lock, so they still
//! commit together; taken last, after every resource row, it closes no cycle with the
//! other locks. SQLite has one writer at a time, which is all the order it needs.

use scim_provider::{Change, ChangeKind, ProviderError};
use scim_schema::DateTime;
use sqlx::AnyConnection;

use crate::Dialect;
use crate::provider::{SqlProvider, storage};

/// Rows per `INSERT` (ten parameters each, well under every database's limit).
const ROWS_PER_INSERT: usize = 100;

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

    /// Writes the outbox's events, numbered after the tenant's head: call it last,
    /// just before the commit. Answers whether it wrote any (the commit then
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
        self.share_head(conn, tenant).await?;
        let at_ms = DateTime::now_millis().unix_micros() / 1000;
        for chunk in outbox.changes.chunks(ROWS_PER_INSERT) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = self.sql(&format!(
                "INSERT INTO scim_changes (tenant, at_ms, resource_type, id, operation, version, previous_version, added, removed) VALUES {rows}"
            ));
            let mut query = sqlx::query(&sql);
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
                    .bind(change.previous_version.as_ref().map(|v| v.opaque().to_owned()))
                    .bind(added)
                    .bind(removed);
            }
            query.execute(&mut *conn).await.map_err(storage)?;
        }
        Ok(true)
    }

    /// Locks `tenant`'s head row shared to the commit, making it first if it is
    /// missing. On SQLite only makes it (once per tenant and process).
    async fn share_head(&self, conn: &mut AnyConnection, tenant: &str) -> Result<(), ProviderError> {
        if self.dialect == Dialect::Sqlite && self.feed.knows_head(tenant) {
            return Ok(());
        }
        let lock = format!(
            "SELECT pruned FROM scim_change_heads WHERE tenant = ?{}",
            self.dialect.for_share()
        );
        let lock = self.sql(&lock);
        let found = sqlx::query(&lock)
            .bind(tenant)
            .fetch_optional(&mut *conn)
            .await
            .map_err(storage)?;
        if found.is_none() {
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
            if self.dialect != Dialect::Sqlite {
                sqlx::query(&lock)
                    .bind(tenant)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(storage)?;
            }
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
