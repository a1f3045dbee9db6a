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
//! `docs/storage.md` for running many processes on one PostgreSQL.

mod dialect;
mod provider;
mod row;

pub use dialect::Dialect;
pub use provider::SqlProvider;
