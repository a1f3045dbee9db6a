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
pub(crate) use crate::failure::storage;
use crate::failure::{out_of_transaction, sqlite_usable};
use crate::feed::FeedSettings;
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
    pub(crate) feed: FeedSettings,
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
            feed: FeedSettings::default(),
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
