//! A SCIM 2.0 storage provider on sqlx: SQLite (embedded, the default feature),
//! PostgreSQL (`postgres`) and MySQL/MariaDB (`mysql`).
//!
//! ```no_run
//! # async fn run() -> Result<(), scim_provider::ProviderError> {
//! let provider = scim_sql::SqlProvider::connect("sqlite://scim.db").await?;
//! # Ok(()) }
//! ```
//!
//! See [`SqlProvider`] for the schema, the locking and the filters it translates, and
//! `docs/storage.md` for migrations and running many processes on one PostgreSQL.
//!
//! The modules: `provider` (connecting, the traits), `audit` (checking what is
//! stored), `failure` (what a database error means), `write` (create, replace,
//! delete), `members` (memberships and rendering), `list` (listing), `filter_sql` (the
//! filter translation), `indexed` (the indexed columns), `migrate` (the versioned
//! schema), `statistics` (the planner's statistics), `dialect` (what differs between
//! the databases), `row` (a stored row).

mod audit;
mod counts;
mod dialect;
mod failure;
mod feed;
mod filter_sql;
mod indexed;
mod list;
mod members;
mod migrate;
mod outbox;
mod provider;
mod row;
mod statistics;
mod unique;
mod write;

pub use audit::{Audit, Violation};
pub use dialect::Dialect;
pub use migrate::SCHEMA_VERSION;
pub use provider::SqlProvider;

/// The gauge of the pool's connections, by `state` (`in_use`, `idle`); see
/// [`SqlProvider::record_pool_metrics`].
pub const POOL_CONNECTIONS: &str = "scim_db_pool_connections";
