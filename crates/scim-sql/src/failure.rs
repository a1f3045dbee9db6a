//! What a database error means for a request and for the connection it came from:
//! the database cannot be reached, or cannot be written (both a `503`), or a statement
//! failed (a `500`); and which pooled connections must be replaced before use.

use scim_provider::ProviderError;
use sqlx::AnyConnection;

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
pub(crate) async fn sqlite_usable(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
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
pub(crate) async fn out_of_transaction(conn: &mut AnyConnection) -> Result<bool, sqlx::Error> {
    use sqlx::Connection;
    Ok(!conn.is_in_transaction())
}
