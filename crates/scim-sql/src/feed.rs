//! The SQL provider's [`ChangeFeed`]: reading `scim_changes`, pruning it, and the
//! consumers' cursors (see `outbox.rs` for how events are written).

use std::collections::HashSet;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use scim_provider::{
    Change, ChangeBatch, ChangeCursor, ChangeEvent, ChangeFeed, ChangeKind, ChangeSignal,
    ProviderError,
};
use scim_schema::DateTime;
use scim_version::ScimVersion;
use sqlx::Row;
use sqlx::any::AnyRow;
use tokio::sync::watch;

use crate::Dialect;
use crate::provider::{SqlProvider, storage};
use crate::row::{optional_text, text};

/// Whether the feed is on, the signal its commits fire, and the tenants known to have
/// a head row (they are never deleted).
#[derive(Debug, Clone, Default)]
pub(crate) struct FeedSettings {
    /// How long events are kept; `None` while the feed is off.
    pub(crate) retention: Option<Duration>,
    pub(crate) signal: ChangeSignal,
    heads: Arc<RwLock<HashSet<String>>>,
}

impl FeedSettings {
    pub(crate) fn knows_head(&self, tenant: &str) -> bool {
        self.heads
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(tenant)
    }

    pub(crate) fn remember_head(&self, tenant: &str) {
        if !self.knows_head(tenant) {
            let mut heads = self.heads.write().unwrap_or_else(PoisonError::into_inner);
            heads.insert(tenant.to_owned());
        }
    }
}

impl SqlProvider {
    /// Turns the change feed on: every write from now on records its events in its
    /// own transaction (see [`ChangeFeed`]), and [`prune_changes`](ChangeFeed::prune_changes)
    /// removes those older than `retention`.
    pub fn with_change_feed(mut self, retention: Duration) -> Self {
        self.feed.retention = Some(retention);
        self
    }
}

#[async_trait]
impl ChangeFeed for SqlProvider {
    async fn changes_since(
        &self,
        tenant: &str,
        cursor: ChangeCursor,
        limit: usize,
    ) -> Result<ChangeBatch, ProviderError> {
        let (after, limit) = (to_i64(cursor.sequence()), to_i64(limit as u64));
        let read = match self.dialect {
            Dialect::Sqlite => self.changes_joined(tenant, after, limit).await?,
            Dialect::Postgres | Dialect::MySql => self.changes_locked(tenant, after, limit).await?,
        };
        let Some((pruned, rows)) = read else {
            return Ok(ChangeBatch::default());
        };
        let pruned = ChangeCursor::after(to_u64(pruned));
        Ok(ChangeBatch {
            events: rows
                .iter()
                .map(|row| event_from(tenant, row))
                .collect::<Result<_, _>>()?,
            pruned_through: (cursor < pruned).then_some(pruned),
        })
    }

    /// Per tenant, its newest event (one step down an index each).
    async fn change_heads(&self) -> Result<Vec<(String, ChangeCursor)>, ProviderError> {
        let rows = sqlx::query(
            "SELECT h.tenant AS tenant, (SELECT MAX(c.seq) FROM scim_changes c WHERE c.tenant = h.tenant) AS top \
             FROM scim_change_heads h ORDER BY h.tenant",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let mut heads = Vec::new();
        for row in &rows {
            let top: Option<i64> = row.try_get("top").map_err(storage)?;
            if let Some(top) = top {
                let tenant = text(row, "tenant").map_err(storage)?;
                heads.push((tenant, ChangeCursor::after(to_u64(top))));
            }
        }
        Ok(heads)
    }

    /// Every event numbered below the first one the retention keeps (found by reading
    /// the oldest events in order, so pruning costs what it removes), tenant by tenant
    /// under its lock taken exclusively; its head row records how far pruning went.
    /// The newest event is always kept: SQLite numbers the next one above it.
    async fn prune_changes(&self) -> Result<u64, ProviderError> {
        let Some(retention) = self.feed.retention else {
            return Ok(0);
        };
        let retention_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        let cutoff = (DateTime::now().unix_micros() / 1000).saturating_sub(retention_ms);
        let kept = sqlx::query(
            &self.sql("SELECT seq FROM scim_changes WHERE at_ms >= ? ORDER BY seq LIMIT 1"),
        )
        .bind(cutoff)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        let first_kept = match kept {
            Some(row) => row.try_get::<i64, _>("seq").map_err(storage)?,
            None => {
                let newest = sqlx::query("SELECT MAX(seq) AS seq FROM scim_changes")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(storage)?;
                match newest.try_get::<Option<i64>, _>("seq").map_err(storage)? {
                    Some(seq) => seq,
                    None => return Ok(0),
                }
            }
        };
        let tenants =
            sqlx::query(&self.sql("SELECT DISTINCT tenant FROM scim_changes WHERE seq < ?"))
                .bind(first_kept)
                .fetch_all(&self.pool)
                .await
                .map_err(storage)?;
        let mut pruned = 0;
        for row in &tenants {
            let tenant = text(row, "tenant").map_err(storage)?;
            pruned += self.prune_tenant(&tenant, first_kept).await?;
        }
        Ok(pruned)
    }

    async fn load_cursor(
        &self,
        consumer: &str,
        tenant: &str,
    ) -> Result<ChangeCursor, ProviderError> {
        let row = sqlx::query(
            &self.sql("SELECT seq FROM scim_change_cursors WHERE consumer = ? AND tenant = ?"),
        )
        .bind(consumer)
        .bind(tenant)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        match row {
            Some(row) => Ok(ChangeCursor::after(to_u64(
                row.try_get("seq").map_err(storage)?,
            ))),
            None => Ok(ChangeCursor::START),
        }
    }

    async fn save_cursor(
        &self,
        consumer: &str,
        tenant: &str,
        cursor: ChangeCursor,
    ) -> Result<(), ProviderError> {
        let sql = match self.dialect {
            Dialect::MySql => {
                "INSERT INTO scim_change_cursors (consumer, tenant, seq) VALUES (?, ?, ?) \
                 ON DUPLICATE KEY UPDATE seq = VALUES(seq)"
            }
            Dialect::Sqlite | Dialect::Postgres => {
                "INSERT INTO scim_change_cursors (consumer, tenant, seq) VALUES (?, ?, ?) \
                 ON CONFLICT (consumer, tenant) DO UPDATE SET seq = excluded.seq"
            }
        };
        sqlx::query(&self.sql(sql))
            .bind(consumer)
            .bind(tenant)
            .bind(to_i64(cursor.sequence()))
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    fn change_signal(&self) -> watch::Receiver<u64> {
        self.feed.signal.subscribe()
    }
}

/// What a read of the feed found: the head's `pruned`, and the event rows after the
/// cursor; `None` when the tenant has no head row (no event ever).
type Read = Option<(i64, Vec<AnyRow>)>;

/// The columns of an event row.
const EVENT_COLUMNS: &str = "c.seq AS seq, c.at_ms AS at_ms, c.resource_type AS resource_type, c.id AS id, \
     c.operation AS operation, c.version AS version, c.previous_version AS previous_version, \
     c.added AS added, c.removed AS removed";

impl SqlProvider {
    /// PostgreSQL and MySQL: in one transaction that first takes the tenant's lock
    /// exclusively, so every writer that held it shared has committed or rolled back,
    /// and no other inserts until the read is done (see `outbox.rs`).
    async fn changes_locked(
        &self,
        tenant: &str,
        after: i64,
        limit: i64,
    ) -> Result<Read, ProviderError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        self.lock_tenant(&mut tx, tenant).await?;
        let head = sqlx::query(&self.sql("SELECT pruned FROM scim_change_heads WHERE tenant = ?"))
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?;
        let read = match head {
            None => None,
            Some(head) => {
                let pruned: i64 = head.try_get("pruned").map_err(storage)?;
                let rows = sqlx::query(&self.sql(&format!(
                    "SELECT {EVENT_COLUMNS} FROM scim_changes c WHERE c.tenant = ? AND c.seq > ? ORDER BY c.seq LIMIT ?"
                )))
                .bind(tenant)
                .bind(after)
                .bind(limit)
                .fetch_all(&mut *tx)
                .await
                .map_err(storage)?;
                Some((pruned, rows))
            }
        };
        tx.commit().await.map_err(storage)?;
        Ok(read)
    }

    /// SQLite, whose writers are serialized: the head and the events in one statement.
    async fn changes_joined(
        &self,
        tenant: &str,
        after: i64,
        limit: i64,
    ) -> Result<Read, ProviderError> {
        let mut rows = sqlx::query(&format!(
            "SELECT h.pruned AS pruned, {EVENT_COLUMNS} FROM scim_change_heads h \
             LEFT JOIN scim_changes c ON c.tenant = h.tenant AND c.seq > ? \
             WHERE h.tenant = ? ORDER BY c.seq LIMIT ?"
        ))
        .bind(after)
        .bind(tenant)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(storage)?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let pruned: i64 = first.try_get("pruned").map_err(storage)?;
        // No event after the cursor: the one row is the head's alone.
        if first
            .try_get::<Option<i64>, _>("seq")
            .map_err(storage)?
            .is_none()
        {
            rows.clear();
        }
        Ok(Some((pruned, rows)))
    }

    /// `tenant`'s events numbered below `first_kept`.
    async fn prune_tenant(&self, tenant: &str, first_kept: i64) -> Result<u64, ProviderError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        self.lock_tenant(&mut tx, tenant).await?;
        let last = sqlx::query(
            &self.sql("SELECT MAX(seq) AS last FROM scim_changes WHERE tenant = ? AND seq < ?"),
        )
        .bind(tenant)
        .bind(first_kept)
        .fetch_one(&mut *tx)
        .await
        .map_err(storage)?;
        let Some(last) = last.try_get::<Option<i64>, _>("last").map_err(storage)? else {
            tx.commit().await.map_err(storage)?;
            return Ok(0);
        };
        let deleted =
            sqlx::query(&self.sql("DELETE FROM scim_changes WHERE tenant = ? AND seq <= ?"))
                .bind(tenant)
                .bind(last)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        sqlx::query(
            &self.sql("UPDATE scim_change_heads SET pruned = ? WHERE tenant = ? AND pruned < ?"),
        )
        .bind(last)
        .bind(tenant)
        .bind(last)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        Ok(deleted.rows_affected())
    }
}

/// One row of `scim_changes` as an event.
fn event_from(tenant: &str, row: &AnyRow) -> Result<ChangeEvent, ProviderError> {
    let text = |column: &str| text(row, column).map_err(storage);
    let optional = |column: &str| optional_text(row, column).map_err(storage);
    let version = |column: &str| -> Result<Option<ScimVersion>, ProviderError> {
        optional(column)?
            .map(|v| {
                ScimVersion::from_hash(v)
                    .map_err(|e| ProviderError::storage("a stored version is not one", e))
            })
            .transpose()
    };
    let ids = |column: &str| -> Result<Vec<String>, ProviderError> {
        match optional(column)? {
            Some(json) => serde_json::from_str(&json)
                .map_err(|e| ProviderError::storage("stored member ids are not a JSON list", e)),
            None => Ok(Vec::new()),
        }
    };
    let operation = text("operation")?;
    let kind =
        ChangeKind::from_name(&operation, ids("added")?, ids("removed")?).ok_or_else(|| {
            ProviderError::Storage {
                message: format!("unknown stored change operation {operation:?}"),
                source: None,
            }
        })?;
    let at_ms: i64 = row.try_get("at_ms").map_err(storage)?;
    let seq: i64 = row.try_get("seq").map_err(storage)?;
    Ok(ChangeEvent {
        tenant: tenant.to_owned(),
        sequence: to_u64(seq),
        time: DateTime::from_unix(
            at_ms.div_euclid(1000),
            (at_ms.rem_euclid(1000) as u32) * 1_000_000,
        ),
        change: Change {
            resource_type: text("resource_type")?,
            id: text("id")?,
            kind,
            version: version("version")?,
            previous_version: version("previous_version")?,
        },
    })
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
