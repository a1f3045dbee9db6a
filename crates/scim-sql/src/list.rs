//! Listing. The filter is translated to SQL ([`crate::filter_sql`]); when the
//! translation is exact and the sort is on a column, the database counts, orders and
//! pages. Otherwise the rows the translation narrows to are rendered and the filter
//! evaluator, the sort and the page window run in Rust, over rows in creation order,
//! so both ways give the same pages.

use scim_provider::{Fetch, ListPage, ListQuery, ProviderError, RequestContext, VersionedResource};
use scim_schema::{ResourceDefinition, SortOrder, SortSpec};
use sqlx::{AnyConnection, Row};

use crate::Dialect;
use crate::filter_sql::{Condition, Target, translate};
use crate::indexed::Indexed;
use crate::provider::{SqlProvider, storage};
use crate::row::{STORED_COLUMNS, stored_from};

/// Creation order: the order of every list without `sortBy`, and the tie-break of
/// every sort.
const CREATION_ORDER: &str = "r.created_ms, r.id";

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
            None => Some(CREATION_ORDER.to_owned()),
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

        if let (true, Some(order)) = (filtered_in_sql, order) {
            let count_sql =
                format!("SELECT COUNT(*) AS total FROM scim_resources r WHERE {clause}");
            let total: i64 = bind_all(&self.sql(&count_sql), &binds)
                .fetch_one(&mut *conn)
                .await
                .map_err(storage)?
                .try_get("total")
                .map_err(storage)?;
            let limit = i64::try_from(window.limit)
                .unwrap_or(i64::MAX)
                .min(i64::from(u32::MAX));
            let page = format!("ORDER BY {order} LIMIT {limit} OFFSET {}", window.offset);
            let resources = self
                .select(
                    &mut conn,
                    ctx,
                    definition,
                    &clause,
                    &binds,
                    &page,
                    query.fetch,
                )
                .await?;
            return Ok(ListPage::new(
                resources,
                usize::try_from(total).unwrap_or(0),
                window,
            ));
        }

        let mut matches = self
            .select(
                &mut conn,
                ctx,
                definition,
                &clause,
                &binds,
                &format!("ORDER BY {CREATION_ORDER}"),
                // Whole: the evaluator and the sort may look at any part.
                Fetch::ALL,
            )
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

impl SqlProvider {
    /// The rendered resources of the rows `WHERE {clause} {tail}` selects.
    #[allow(clippy::too_many_arguments)]
    async fn select(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        clause: &str,
        binds: &[String],
        tail: &str,
        fetch: Fetch,
    ) -> Result<Vec<VersionedResource>, ProviderError> {
        let sql = self.sql(&format!(
            "SELECT r.id, {STORED_COLUMNS} FROM scim_resources r WHERE {clause} {tail}"
        ));
        let rows = bind_all(&sql, binds)
            .fetch_all(&mut *conn)
            .await
            .map_err(storage)?;
        let keyed = rows
            .iter()
            .map(|row| Ok((row.try_get("id")?, stored_from(row)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(storage)?;
        self.render_all(conn, ctx, definition, keyed, fetch).await
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
fn sort_order(
    sort: &SortSpec,
    definition: &ResourceDefinition,
    dialect: Dialect,
) -> Option<String> {
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
    Some(format!(
        "({column} IS NULL), {} {direction}, {CREATION_ORDER}",
        dialect.byte_order(column)
    ))
}
