//! The transactional outbox: a write transaction's change events, written in it as
//! its last statements, so an acknowledged write always has its events and a
//! rolled-back one never does.
//!
//! Each tenant's last sequence is a row of `scim_change_heads`. Moving it forward is
//! the last lock a write takes, held to its commit: two writers of one tenant number
//! their events in the order they commit, so a reader never sees an event before the
//! events numbered below it. Taken last, after every resource row, that lock closes no
//! cycle with the others.

use scim_provider::{Change, ChangeKind, ProviderError};
use scim_schema::DateTime;
use sqlx::{AnyConnection, Row};

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
        let count = outbox.changes.len();
        if count == 0 {
            return Ok(false);
        }
        let last = self.advance_head(conn, tenant, count as i64).await?;
        let first = last - count as i64 + 1;
        let at_ms = DateTime::now_millis().unix_micros() / 1000;
        let mut sequence = first;
        for chunk in outbox.changes.chunks(ROWS_PER_INSERT) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = self.sql(&format!(
                "INSERT INTO scim_changes (tenant, seq, at_ms, resource_type, id, operation, version, previous_version, added, removed) VALUES {rows}"
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
                    .bind(sequence)
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
                sequence += 1;
            }
            query.execute(&mut *conn).await.map_err(storage)?;
        }
        Ok(true)
    }

    /// Moves `tenant`'s head forward by `count`, locking its row to the commit;
    /// answers the new head.
    async fn advance_head(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        count: i64,
    ) -> Result<i64, ProviderError> {
        let row = match self.dialect {
            Dialect::MySql => {
                sqlx::query(
                    "INSERT INTO scim_change_heads (tenant, seq) VALUES (?, LAST_INSERT_ID(?)) \
                     ON DUPLICATE KEY UPDATE seq = LAST_INSERT_ID(seq + ?)",
                )
                .bind(tenant)
                .bind(count)
                .bind(count)
                .execute(&mut *conn)
                .await
                .map_err(storage)?;
                sqlx::query("SELECT CAST(LAST_INSERT_ID() AS SIGNED) AS seq")
                    .fetch_one(&mut *conn)
                    .await
            }
            Dialect::Sqlite | Dialect::Postgres => {
                sqlx::query(&self.sql(
                    "INSERT INTO scim_change_heads (tenant, seq) VALUES (?, ?) \
                     ON CONFLICT (tenant) DO UPDATE SET seq = scim_change_heads.seq + ? RETURNING seq",
                ))
                .bind(tenant)
                .bind(count)
                .bind(count)
                .fetch_one(&mut *conn)
                .await
            }
        }
        .map_err(storage)?;
        row.try_get::<i64, _>("seq").map_err(storage)
    }

    /// After a commit: wakes this process's subscribers when it recorded events.
    pub(crate) fn committed(&self, recorded: bool) {
        if recorded {
            self.feed.signal.notify();
        }
    }
}
