//! [`SqlProvider`]: connecting, the provider traits, and the helpers the other modules
//! share (placeholders, the resource types, reading one row).

use std::sync::Arc;

use async_trait::async_trait;
use scim_provider::{
    Fetch, ListPage, ListQuery, MembershipDelta, ProviderError, RequestContext, ResourceProvider,
    VersionedResource,
};
use scim_schema::{ResourceDefinition, SchemaRegistry};
use scim_version::ScimVersion;
use serde_json::Value;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool};

use crate::Dialect;
use crate::migrate;
use crate::row::{STORED_COLUMNS, Stored, stored_from};
use crate::statistics::{self, Statistics};
use crate::write::Target;

/// A [`ResourceProvider`] (atomic compare-and-write in the database) on SQLite,
/// PostgreSQL or MySQL/MariaDB.
///
/// - Rows keyed by (tenant, resource type, id) hold the resource JSON (without
///   `members`, derived `groups` and `meta.version`), its version and the digests the
///   version is made of, and indexed columns for `userName` (lower-cased, unique per
///   tenant and type), `externalId` and `displayName`; `emails` addresses are rows of
///   `scim_emails`.
/// - Members are rows of `scim_members`: a membership change inserts or deletes rows and
///   updates the group's digest, never rewrites the member list; `User.groups` is a join.
/// - Every write is one transaction that locks the row (`SELECT … FOR UPDATE`; SQLite's
///   writers are serialized) and updates it with `WHERE version = ?`, checking that the
///   statement changed the row, so a stale version is refused and two processes on one
///   database never both win. Unique keys are decided by the unique indexes, read back
///   per dialect from the database's error.
/// - Filters are translated to SQL on those columns (and to JSON functions for boolean
///   attributes); when the translation is exact the database counts, sorts and pages,
///   otherwise it only narrows the rows and `scim-schema`'s evaluator decides, so
///   results never differ from the in-memory provider.
/// - The schema is versioned (`scim_migrations`); migrations run at connect under a
///   database lock, so processes may start together.
#[derive(Debug, Clone)]
pub struct SqlProvider {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    /// Whether stored strings compare as the evaluator compares them (see
    /// `migrate::strings_compare_exactly`); when not, translated filters only narrow.
    pub(crate) exact_strings: bool,
    registry: Arc<SchemaRegistry>,
    statistics: Arc<Statistics>,
}

/// Maps a database error: one that says the database cannot be reached or written
/// now is [`ProviderError::Unavailable`] (a `503` a client retries), any other a
/// storage failure.
pub(crate) fn storage(err: sqlx::Error) -> ProviderError {
    if unreachable_database(&err) {
        return ProviderError::unavailable("the database cannot be reached", err);
    }
    if read_only_handle(&err) {
        SQLITE_HANDLE_READ_ONLY.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    if unwritable_database(&err) {
        return ProviderError::unavailable(
            "the database cannot be written (its disk is full, read-only or failing)",
            err,
        );
    }
    ProviderError::storage("database error", err)
}

/// Whether `err` says the database cannot store anything now, whatever the statement:
/// its disk is full (PostgreSQL's 53100, SQLite's `SQLITE_FULL`), or its files cannot
/// be written (SQLite's `SQLITE_IOERR`, `SQLITE_READONLY` and `SQLITE_CANTOPEN`
/// families). What was committed before is intact; the failed write changed nothing.
fn unwritable_database(err: &sqlx::Error) -> bool {
    let code = err.as_database_error().and_then(|db| db.code());
    if code.as_deref() == Some("53100") {
        return true;
    }
    matches!(
        sqlite_primary_code(err),
        Some(SQLITE_READONLY | SQLITE_IOERR | SQLITE_FULL | SQLITE_CANTOPEN)
    )
}

const SQLITE_READONLY: u32 = 8;
const SQLITE_IOERR: u32 = 10;
const SQLITE_FULL: u32 = 13;
const SQLITE_CANTOPEN: u32 = 14;

/// The primary result code of a SQLite error (an extended code's low byte). SQLite's
/// codes are numbers; SQLSTATEs have five characters.
fn sqlite_primary_code(err: &sqlx::Error) -> Option<u32> {
    let code = err.as_database_error()?.code()?;
    match code.parse::<u32>() {
        Ok(n) if code.len() < 5 => Some(n & 0xff),
        _ => None,
    }
}

/// Whether a SQLite statement failed because its handle is read-only.
fn read_only_handle(err: &sqlx::Error) -> bool {
    sqlite_primary_code(err) == Some(SQLITE_READONLY)
}

/// Set when a SQLite handle turned out read-only: SQLite opens a file it cannot write
/// read-only, and that handle refuses every write for its whole life, even once the
/// file can be written again. The next acquire closes it and the pool opens another,
/// which reads meanwhile and writes once the file can be written. One flag for the
/// process: another SQLite pool that sees it only reopens its connection once.
static SQLITE_HANDLE_READ_ONLY: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// [`out_of_transaction`], and not a handle found read-only.
async fn sqlite_usable(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    use std::sync::atomic::Ordering::Relaxed;
    // A load first: no write to the shared flag on the way to every statement.
    let read_only =
        SQLITE_HANDLE_READ_ONLY.load(Relaxed) && SQLITE_HANDLE_READ_ONLY.swap(false, Relaxed);
    Ok(!read_only && out_of_transaction(conn).await?)
}

/// Whether `err` says the database cannot be reached now, rather than that a
/// statement failed: the connection broke or was refused, no pooled connection came
/// free in time, or the server is shutting down or starting (PostgreSQL's
/// SQLSTATE class 08 and 57P01-57P03, too many connections 53300; MySQL's 08S01 and
/// a killed connection, 70100).
fn unreachable_database(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57P01" | "57P02" | "57P03" | "53300" | "70100"
                )
        }),
        _ => false,
    }
}

/// Whether a pooled connection may be used: not when sqlx still counts it inside a
/// transaction. That happens when a `COMMIT` failed (a full disk, a file that cannot
/// be written) and SQLite had already rolled the transaction back, so the `ROLLBACK`
/// after it failed too: sqlx would then open the next transaction as a `SAVEPOINT`
/// inside one that is not there, and what it "commits" would stay uncommitted, seen by
/// this connection only and lost with it. Such a connection is closed and replaced.
async fn out_of_transaction(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    Ok(!conn.is_in_transaction())
}

/// How long a statement waits for a pooled connection (sqlx keeps trying to open one
/// meanwhile) before it fails as [`ProviderError::Unavailable`]: a database that is
/// down is answered `503` within this, not after a client has given up.
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How many times a write transaction runs when the database keeps rolling it back to
/// break a deadlock or a serialization conflict.
const WRITE_ATTEMPTS: usize = 5;

/// Runs a write transaction, again when the database rolled it back to break a
/// deadlock (MySQL's gap locks make these common under concurrent writes) or a
/// serialization conflict: nothing of a rolled-back attempt is kept, so running it
/// again is safe, and its version check runs again too.
pub(crate) async fn retrying<T, F, Fut>(mut transaction: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ProviderError>>,
{
    let mut attempt = 1;
    loop {
        match transaction().await {
            Err(err) if attempt < WRITE_ATTEMPTS && rolled_back(&err) => attempt += 1,
            outcome => return outcome,
        }
    }
}

/// Whether the database rolled the transaction back (SQLSTATE 40001, or 40P01,
/// PostgreSQL's deadlock).
fn rolled_back(err: &ProviderError) -> bool {
    let ProviderError::Storage {
        source: Some(source),
        ..
    } = err
    else {
        return false;
    };
    source
        .downcast_ref::<sqlx::Error>()
        .and_then(sqlx::Error::as_database_error)
        .and_then(|e| e.code())
        .is_some_and(|code| matches!(code.as_ref(), "40001" | "40P01"))
}

impl SqlProvider {
    /// Connects to `url` (`sqlite://scim.db`, `postgres://…`, `mysql://…`) for the
    /// resource types of [`SchemaRegistry::default`], and creates the schema if needed.
    pub async fn connect(url: &str) -> Result<Self, ProviderError> {
        Self::connect_with_registry(url, Arc::new(SchemaRegistry::default())).await
    }

    /// Connects for the resource types of `registry`.
    ///
    /// SQLite runs in WAL mode with `synchronous=NORMAL`: a committed write survives the
    /// process being killed (only a power loss or OS crash may lose the last
    /// transactions); writers are serialized through one connection. The WAL is
    /// checkpointed (and the database file synced) every 4,000 pages (16 MiB) rather
    /// than SQLite's 1,000: a create touches about eight b-trees, and checkpoints were
    /// about a tenth of its cost. Pooled connections are not pinged before use (that
    /// doubled the round trips of every read); a broken one fails its statement and is
    /// replaced.
    pub async fn connect_with_registry(
        url: &str,
        registry: Arc<SchemaRegistry>,
    ) -> Result<Self, ProviderError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)
            .ok_or_else(|| ProviderError::invalid(format!("unsupported database URL {url:?}")))?;
        let url = match dialect {
            Dialect::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_owned(),
        };
        let options: AnyConnectOptions = url.parse().map_err(storage)?;
        let pool = match dialect {
            Dialect::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .before_acquire(|conn, _| Box::pin(sqlite_usable(conn)))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::query("PRAGMA journal_mode=WAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA synchronous=NORMAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA busy_timeout=5000")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA wal_autocheckpoint=4000")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            _ => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .before_acquire(|conn, _| Box::pin(out_of_transaction(conn)))
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
            }
        }
        .map_err(storage)?;
        let mut provider = Self {
            pool,
            dialect,
            exact_strings: false,
            registry,
            statistics: Arc::default(),
        };
        provider.exact_strings = provider.migrate().await?;
        Ok(provider)
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The pool's connections: `(in use, idle)`.
    pub fn pool_connections(&self) -> (usize, usize) {
        let idle = self.pool.num_idle();
        let open = self.pool.size() as usize;
        (open.saturating_sub(idle), idle)
    }

    /// Sets the [`POOL_CONNECTIONS`](crate::POOL_CONNECTIONS) gauges through the
    /// [`metrics`] facade, `state` `in_use` and `idle`: call it before a scrape renders
    /// (the `scim-server` binary does, on every `GET /metrics`).
    pub fn record_pool_metrics(&self) {
        let (in_use, idle) = self.pool_connections();
        metrics::gauge!(crate::POOL_CONNECTIONS, "state" => "in_use").set(in_use as f64);
        metrics::gauge!(crate::POOL_CONNECTIONS, "state" => "idle").set(idle as f64);
    }

    /// The schema version of the connected database (see `docs/storage.md`).
    pub async fn schema_version(&self) -> Result<i64, ProviderError> {
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        migrate::current_version(&mut conn).await.map_err(storage)
    }

    /// Brings the schema up to date and the planner's statistics with it; answers
    /// whether strings compare exactly.
    async fn migrate(&self) -> Result<bool, ProviderError> {
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        migrate::run(&mut conn, self.dialect, &self.registry)
            .await
            .map_err(storage)?;
        statistics::refresh(&mut conn, self.dialect)
            .await
            .map_err(storage)?;
        migrate::strings_compare_exactly(&mut conn, self.dialect)
            .await
            .map_err(storage)
    }

    /// Counts a committed write of `rows` rows, and refreshes the planner's statistics
    /// when they are due (see `statistics.rs`). A failed refresh fails nothing: the
    /// write is committed, and the next refresh comes due in turn.
    pub(crate) async fn wrote(&self, rows: usize) {
        if !self
            .statistics
            .count_write(u64::try_from(rows).unwrap_or(u64::MAX))
        {
            return;
        }
        if let Ok(mut conn) = self.pool.acquire().await {
            let _ = statistics::refresh(&mut conn, self.dialect).await;
        }
    }

    pub(crate) fn sql(&self, sql: &str) -> String {
        self.dialect.sql(sql)
    }

    pub(crate) fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    pub(crate) fn definition(
        &self,
        resource_type: &str,
    ) -> Result<&Arc<ResourceDefinition>, ProviderError> {
        self.registry.resource_type(resource_type).ok_or_else(|| {
            ProviderError::invalid(format!("unknown resource type {resource_type:?}"))
        })
    }

    pub(crate) async fn load(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        lock: bool,
    ) -> Result<Option<Stored>, ProviderError> {
        let sql = format!(
            "SELECT {STORED_COLUMNS} FROM scim_resources r \
             WHERE r.tenant = ? AND r.resource_type = ? AND r.id = ?{}",
            if lock { self.dialect.for_update() } else { "" }
        );
        let row = sqlx::query(&self.sql(&sql))
            .bind(ctx.tenant())
            .bind(resource_type)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(storage)?;
        row.as_ref().map(stored_from).transpose().map_err(storage)
    }
}

#[async_trait]
impl ResourceProvider for SqlProvider {
    async fn create(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        self.write(ctx, resource_type, Target::New, resource).await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<VersionedResource, ProviderError> {
        self.get_with(ctx, resource_type, id, Fetch::ALL).await
    }

    async fn get_with(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        fetch: Fetch,
    ) -> Result<VersionedResource, ProviderError> {
        let definition = self.definition(resource_type)?.clone();
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        let stored = self
            .load(&mut conn, ctx, definition.name(), id, false)
            .await?
            .ok_or_else(|| ProviderError::not_found(resource_type, id))?;
        self.render(&mut conn, ctx, &definition, id, stored, fetch)
            .await
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
        expected: Option<&ScimVersion>,
    ) -> Result<VersionedResource, ProviderError> {
        let target = Target::Existing { id, expected };
        self.write(ctx, resource_type, target, resource).await
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<(), ProviderError> {
        self.remove(ctx, resource_type, id, expected).await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError> {
        let definition = self.definition(resource_type)?.clone();
        self.list_resources(ctx, &definition, query).await
    }

    async fn update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ScimVersion, ProviderError> {
        self.delta(ctx, resource_type, id, delta, expected).await
    }

    async fn missing(
        &self,
        ctx: &RequestContext,
        resource_types: &[&str],
        ids: &[&str],
    ) -> Result<Vec<String>, ProviderError> {
        self.missing_ids(ctx, resource_types, ids).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_out_of_reach_is_unavailable_and_a_failed_statement_is_not() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for err in [
            sqlx::Error::Io(refused),
            sqlx::Error::PoolTimedOut,
            sqlx::Error::PoolClosed,
        ] {
            assert!(
                matches!(storage(err), ProviderError::Unavailable { .. }),
                "unavailable"
            );
        }
        for err in [
            sqlx::Error::RowNotFound,
            sqlx::Error::Protocol("unexpected message".into()),
            sqlx::Error::ColumnNotFound("id".into()),
        ] {
            assert!(
                matches!(storage(err), ProviderError::Storage { .. }),
                "a storage failure"
            );
        }
    }
}
