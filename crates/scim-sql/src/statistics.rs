//! Keeping the query planner's statistics current.
//!
//! Every index of `scim_resources` starts with (tenant, resource_type), so a planner
//! without statistics cannot tell a selective index (`userName`, `displayName`) from
//! the creation-order one, and may scan a whole tenant for an equality: on a table that
//! grew from empty, PostgreSQL without autovacuum checked `userName` uniqueness by
//! scanning (creates fell to about 400/s), and SQLite, which never gathers
//! statistics itself, ordered by index and filtered every row. So the provider
//! refreshes them at connect and again each time the rows it wrote (one per create,
//! replace or delete, one per member row a group write or membership change adds or
//! removes) have grown by half (at least 1,000 and at most 100,000 rows apart): a
//! logarithmic number of refreshes, each a sampled `ANALYZE` of a few milliseconds to
//! a few hundred. Counting member rows matters: a group grown to 20,000 members by a
//! few large PATCHes looked, to PostgreSQL's planner, like a group of one.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AnyConnection;

use crate::Dialect;

/// Writes between refreshes, at least and at most.
const INTERVAL: (u64, u64) = (1_000, 100_000);

/// When the next refresh is due.
#[derive(Debug)]
pub(crate) struct Statistics {
    writes: AtomicU64,
    next: AtomicU64,
}

impl Default for Statistics {
    fn default() -> Self {
        Self {
            writes: AtomicU64::new(0),
            next: AtomicU64::new(INTERVAL.0),
        }
    }
}

impl Statistics {
    /// Counts `rows` written; `true` for exactly one of the writes that make a refresh
    /// due.
    pub(crate) fn count_write(&self, rows: u64) -> bool {
        let writes = self.writes.fetch_add(rows, Ordering::Relaxed) + rows;
        let next = self.next.load(Ordering::Relaxed);
        writes >= next
            && self
                .next
                .compare_exchange(
                    next,
                    writes + (writes / 2).clamp(INTERVAL.0, INTERVAL.1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}

/// Samples the tables for the planner.
pub(crate) async fn refresh(conn: &mut AnyConnection, dialect: Dialect) -> Result<(), sqlx::Error> {
    let statements: &[&str] = match dialect {
        // A bounded sample per index, as `PRAGMA optimize` does.
        Dialect::Sqlite => &["PRAGMA analysis_limit=1000", "ANALYZE"],
        Dialect::Postgres => &["ANALYZE scim_resources, scim_members, scim_emails"],
        Dialect::MySql => &["ANALYZE TABLE scim_resources, scim_members, scim_emails"],
    };
    for statement in statements {
        sqlx::query(statement).fetch_all(&mut *conn).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_are_due_ever_further_apart() {
        let statistics = Statistics::default();
        let mut at = Vec::new();
        for n in 1..=1_000_000u64 {
            if statistics.count_write(1) {
                at.push(n);
            }
        }
        assert_eq!(&at[..4], &[1_000, 2_000, 3_000, 4_500]);
        // Growth by half, then every 100,000 writes.
        assert!(at.windows(2).all(|w| w[1] - w[0] <= INTERVAL.1));
        assert!(at.len() < 25, "{at:?}");
        let bulk = Statistics::default();
        assert!(!bulk.count_write(999));
        assert!(
            bulk.count_write(1_000),
            "member rows count toward a refresh"
        );
    }
}
