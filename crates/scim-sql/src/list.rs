//! Listing. The filter is translated to SQL ([`crate::filter_sql`]); when the
//! translation is exact and the sort is on a column, the database counts, orders and
//! pages. Otherwise the rows the translation narrows to are rendered and the filter
//! evaluator, the sort and the page window run in Rust, over rows in creation order,
//! so both ways give the same pages.

use std::collections::HashMap;

use scim_provider::{Fetch, ListPage, ListQuery, ProviderError, RequestContext, VersionedResource};
use scim_schema::{ResourceDefinition, SortOrder, SortSpec};
use sqlx::{AnyConnection, Row};

use crate::Dialect;
use crate::counts;
use crate::filter_sql::{Condition, Target, translate};
use crate::indexed::Indexed;
use crate::provider::{SqlProvider, storage};
use crate::row::{STORED_COLUMNS, stored_from};

/// Creation order: the order of every list without `sortBy`, and the tie-break of
/// every sort.
const CREATION_ORDER: &str = "r.created_ms, r.id";

/// The table every list reads, as its queries name it.
const RESOURCES: &str = "scim_resources r";

impl SqlProvider {
    /// One page of `definition`'s resources of the context's tenant.
    pub(crate) async fn list_resources(
        &self,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError> {
        let window = query.window();
        let condition = query
            .filter
            .as_ref()
            .map(|f| {
                let target = Target {
                    definition,
                    tenant: ctx.tenant(),
                    dialect: self.dialect,
                    exact_strings: self.exact_strings,
                };
                translate(f, target)
            })
            .filter(|c| !c.is_any_row());
        let filtered_in_sql = match (&query.filter, &condition) {
            (None, _) => true,
            (Some(_), Some(c)) => c.exact,
            (Some(_), None) => false,
        };
        let order = match &query.sort {
            None => Some(Order {
                column: None,
                by: CREATION_ORDER.to_owned(),
            }),
            Some(sort) => sort_order(sort, definition, self.dialect),
        };
        let mut clause = "r.tenant = ? AND r.resource_type = ?".to_owned();
        let mut binds = vec![ctx.tenant().to_owned(), definition.name().to_owned()];
        if let Some(Condition {
            sql, binds: more, ..
        }) = &condition
        {
            clause.push_str(&format!(" AND ({sql})"));
            binds.extend(more.iter().cloned());
        }
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        let mut rows = Rows {
            provider: self,
            conn: &mut conn,
            ctx,
            definition,
        };

        if let (true, Some(order)) = (filtered_in_sql, order) {
            // The kept count answers an unfiltered total and decides how a filtered
            // creation-order page is found; a filtered sorted page needs neither.
            let stored = match (&query.filter, order.column) {
                (Some(_), Some(_)) => None,
                _ => rows.stored().await?,
            };
            let total = match (&query.filter, stored) {
                (None, Some(stored)) => stored,
                _ => rows.count(&clause, &binds).await?,
            };
            let resources = match order.column {
                None => {
                    let mut page = Page::of(&order.by, window.offset, window.limit);
                    if let (Some(_), Some(stored)) = (&query.filter, stored) {
                        page.walk_order = walks_creation_order(page, total, stored);
                    }
                    rows.page(&clause, &binds, page, query.fetch).await?
                }
                Some(column) => {
                    let page = Page::of(&order.by, window.offset, window.limit);
                    rows.sorted_page(&clause, &binds, column, page, query.fetch)
                        .await?
                }
            };
            return Ok(ListPage::new(resources, total, window));
        }

        let tail = format!("ORDER BY {CREATION_ORDER}");
        // Whole: the evaluator and the sort may look at any part.
        let mut matches = rows
            .select(RESOURCES, &clause, &binds, &tail, Fetch::ALL)
            .await?;
        if let (Some(filter), false) = (&query.filter, filtered_in_sql) {
            matches.retain(|r| filter.matches(r.resource(), definition));
        }
        Ok(ListPage::from_matches(
            matches,
            query.sort.as_ref(),
            definition,
            window,
        ))
    }
}

/// How the database orders a page: by `by`, and when sorting by a column, rows
/// without a value in it after the others, in creation order.
struct Order {
    column: Option<&'static str>,
    by: String,
}

/// One page of rows in one order.
#[derive(Clone, Copy)]
struct Page<'a> {
    by: &'a str,
    offset: usize,
    limit: usize,
    /// Find the page by walking the creation-order index (SQLite only; see
    /// [`walks_creation_order`]).
    walk_order: bool,
}

impl<'a> Page<'a> {
    fn of(by: &'a str, offset: usize, limit: usize) -> Self {
        Self {
            by,
            offset,
            limit,
            walk_order: false,
        }
    }

    /// The `FROM` of the query that orders the page.
    fn from(&self) -> &'static str {
        if self.walk_order {
            "scim_resources r INDEXED BY scim_resources_order"
        } else {
            RESOURCES
        }
    }

    fn tail(&self) -> String {
        let limit = i64::try_from(self.limit)
            .unwrap_or(i64::MAX)
            .min(i64::from(u32::MAX));
        format!("ORDER BY {} LIMIT {limit} OFFSET {}", self.by, self.offset)
    }
}

/// From this offset on, a page's ids are found first, from an index alone where the
/// order and the filter allow, and only the page's rows are read: skipping 90,000
/// rows of an index costs a fraction of skipping 90,000 rows of the table.
const IDS_FIRST_OFFSET: usize = 1_000;

/// Whether a creation-order page of a filter `matches` of the `stored` rows match is
/// found sooner by walking the creation-order index, testing each row, than by
/// reading every match through the filter's index and sorting them. Walking reads
/// about `(offset + limit) * stored / matches` rows when matches are spread evenly;
/// the filter's index reads `matches`. SQLite's planner cannot know how many rows a
/// `GLOB` range holds and always chose the filter's index: a page of
/// `userName sw "user1"` (11,111 of 100,000 users) read and sorted 11,111 rows.
/// PostgreSQL and MySQL keep statistics of the values and choose for themselves.
fn walks_creation_order(page: Page<'_>, matches: usize, stored: usize) -> bool {
    let end = page.offset.saturating_add(page.limit);
    (end as u128) * (stored as u128) < (matches as u128) * (matches as u128)
}

/// The rows of one resource type of one tenant, read for one list.
struct Rows<'a> {
    provider: &'a SqlProvider,
    conn: &'a mut AnyConnection,
    ctx: &'a RequestContext,
    definition: &'a ResourceDefinition,
}

impl Rows<'_> {
    /// How many resources of the type the tenant holds, where the database keeps the
    /// number ([`crate::counts`]).
    async fn stored(&mut self) -> Result<Option<usize>, ProviderError> {
        counts::stored(
            self.conn,
            self.provider.dialect,
            self.ctx.tenant(),
            self.definition.name(),
        )
        .await
        .map_err(storage)
    }

    async fn count(&mut self, clause: &str, binds: &[String]) -> Result<usize, ProviderError> {
        let sql = format!("SELECT COUNT(*) AS total FROM {RESOURCES} WHERE {clause}");
        let total: i64 = bind_all(&self.provider.sql(&sql), binds)
            .fetch_one(&mut *self.conn)
            .await
            .map_err(storage)?
            .try_get("total")
            .map_err(storage)?;
        Ok(usize::try_from(total).unwrap_or(0))
    }

    /// A page sorted by `column`: the rows with a value, in the database's order (an
    /// index on the column serves it), then, if the page reaches past them, the rows
    /// without one, in creation order.
    async fn sorted_page(
        &mut self,
        clause: &str,
        binds: &[String],
        column: &str,
        page: Page<'_>,
        fetch: Fetch,
    ) -> Result<Vec<VersionedResource>, ProviderError> {
        let valued = format!("{clause} AND {column} IS NOT NULL");
        let mut found = self.page(&valued, binds, page, fetch).await?;
        if found.len() < page.limit {
            let with_value = self.count(&valued, binds).await?;
            let rest = Page::of(
                CREATION_ORDER,
                page.offset.saturating_sub(with_value),
                page.limit - found.len(),
            );
            let unvalued = format!("{clause} AND {column} IS NULL");
            found.extend(self.page(&unvalued, binds, rest, fetch).await?);
        }
        Ok(found)
    }

    /// The rendered rows of one page of `WHERE {clause}`.
    async fn page(
        &mut self,
        clause: &str,
        binds: &[String],
        page: Page<'_>,
        fetch: Fetch,
    ) -> Result<Vec<VersionedResource>, ProviderError> {
        if page.offset < IDS_FIRST_OFFSET {
            return self
                .select(page.from(), clause, binds, &page.tail(), fetch)
                .await;
        }
        let sql = format!(
            "SELECT r.id FROM {} WHERE {clause} {}",
            page.from(),
            page.tail()
        );
        let ids: Vec<String> = bind_all(&self.provider.sql(&sql), binds)
            .fetch_all(&mut *self.conn)
            .await
            .map_err(storage)?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()
            .map_err(storage)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let chosen = format!("{clause} AND r.id IN ({marks})");
        let all_binds: Vec<String> = binds.iter().chain(&ids).cloned().collect();
        let mut found = self
            .select(RESOURCES, &chosen, &all_binds, "", fetch)
            .await?;
        let position: HashMap<&str, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        found.sort_by_key(|r| r.id().and_then(|id| position.get(id).copied()));
        Ok(found)
    }

    /// The rendered resources of the rows `FROM {from} WHERE {clause} {tail}` selects.
    async fn select(
        &mut self,
        from: &str,
        clause: &str,
        binds: &[String],
        tail: &str,
        fetch: Fetch,
    ) -> Result<Vec<VersionedResource>, ProviderError> {
        let sql = self.provider.sql(&format!(
            "SELECT r.id, {STORED_COLUMNS} FROM {from} WHERE {clause} {tail}"
        ));
        let rows = bind_all(&sql, binds)
            .fetch_all(&mut *self.conn)
            .await
            .map_err(storage)?;
        let keyed = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, stored_from(row)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(storage)?;
        self.provider
            .render_all(self.conn, self.ctx, self.definition, keyed, fetch)
            .await
    }
}

/// A query with these text values bound in order.
fn bind_all<'q>(
    sql: &'q str,
    binds: &'q [String],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    binds
        .iter()
        .fold(sqlx::query(sql), |query, value| query.bind(value.as_str()))
}

/// The `ORDER BY` of a sort the database orders exactly as the evaluator does
/// (missing values last in both directions, then creation order); `None` when the sort
/// is on an attribute without a column.
fn sort_order(sort: &SortSpec, definition: &ResourceDefinition, dialect: Dialect) -> Option<Order> {
    let direction = match sort.order {
        SortOrder::Ascending => "ASC",
        SortOrder::Descending => "DESC",
    };
    // Not `meta.created`: `created_ms` is read from the clock apart from it, so two
    // creates racing within a millisecond may order differently by the two.
    let column = match Indexed::of_path(definition, &sort.by)? {
        Indexed::Emails => return None,
        indexed if indexed.orders_exactly(definition) => indexed.column(),
        _ => return None,
    };
    Some(Order {
        column: Some(column),
        by: format!(
            "{} {direction}, {CREATION_ORDER}",
            dialect.byte_order(column)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_filters_walk_creation_order() {
        // (offset, limit, matches, stored, walks)
        let table = [
            (0, 10, 11_111, 100_000, true),
            (0, 10, 1, 100_000, false),
            (0, 10, 1_000, 100_000, false),
            (5_000, 10, 11_111, 100_000, false),
            (0, 10, 100_000, 100_000, true),
            (0, 10, 0, 100_000, false),
            (0, usize::MAX, usize::MAX, usize::MAX, false),
        ];
        for (offset, limit, matches, stored, walks) in table {
            let page = Page::of(CREATION_ORDER, offset, limit);
            assert_eq!(
                walks_creation_order(page, matches, stored),
                walks,
                "{offset}+{limit}, {matches} of {stored}"
            );
        }
    }
}
