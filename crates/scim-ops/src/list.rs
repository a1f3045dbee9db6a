//! List and search (RFC 7644 sections 3.4.2 and 3.4.3), with index and cursor
//! (RFC 9865) pagination, per resource type and across all of them.

use std::num::NonZeroUsize;
use std::sync::Arc;

use http::StatusCode;
use scim_provider::{Cursor, Fetch, ListPage, ListQuery, Paging};
use scim_schema::{Projection, ResourceDefinition, ScimType, SortSpec, builtin};
use serde_json::{Value, json};

use crate::{
    ScimError, ScimOperation, ScimOperationHandler, ScimOperationRequest, ScimOperationResponse,
};

/// The parameters of a list or search, from the query string or a SearchRequest body.
struct Search {
    filter: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    cursor: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

impl ScimOperationHandler {
    pub(crate) async fn list(
        &self,
        request: &ScimOperationRequest,
    ) -> Result<ScimOperationResponse, ScimError> {
        let search = match &request.operation {
            ScimOperation::Search { body, .. } => search_from_body(body)?,
            _ => self.search_from_query(request)?,
        };
        let projection = self.read_projection(
            request,
            search.attributes.as_deref(),
            search.excluded_attributes.as_deref(),
        )?;
        let config = self.tenant_config(request);
        // A sortOrder is checked even without a sortBy: a wrong one is never ignored.
        if let Some(order) = search.sort_order.as_deref() {
            scim_schema::SortOrder::parse(order)?;
        }
        let query = ListQuery {
            filter: (search.filter.as_deref())
                .map(|text| self.filter(request, text))
                .transpose()?,
            sort: search
                .sort_by
                .as_deref()
                .map(|by| SortSpec::parse(by, search.sort_order.as_deref()))
                .transpose()?,
            // RFC 7644: a negative count means 0; larger than the maximum is capped.
            count: Some(
                usize::try_from(
                    search
                        .count
                        .map_or(config.default_page_size as i64, |c| c.max(0)),
                )
                .unwrap_or(usize::MAX)
                .min(config.max_page_size),
            ),
            paging: paging(search.start_index, search.cursor.as_deref())?,
            fetch: Fetch::ALL,
        };
        let (page, definitions) = match request.operation.resource_type() {
            Some(_) => {
                let definition = self.definition(request)?;
                let fetch = Fetch::for_projection(definition, &projection);
                let page = self
                    .provider()
                    .list(
                        &request.context,
                        definition.name(),
                        &query.with_fetch(fetch),
                    )
                    .await?;
                let definitions = vec![definition.clone(); page.resources.len()];
                (page, definitions)
            }
            None => self.list_all(request, &query, &projection).await?,
        };
        let (total_results, start_index) = (page.total_results, page.start_index);
        let (next_cursor, previous_cursor) = (page.next_cursor, page.previous_cursor);
        let resources: Vec<Value> = page
            .resources
            .into_iter()
            .zip(&definitions)
            .map(|(stored, definition)| self.render(request, definition, stored, &projection))
            .collect();
        let mut body = json!({
            "schemas": [builtin::LIST_RESPONSE],
            "totalResults": total_results,
            "startIndex": start_index,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        });
        if let Some(next) = next_cursor {
            body["nextCursor"] = json!(next);
        }
        if let Some(previous) = previous_cursor {
            body["previousCursor"] = json!(previous);
        }
        Ok(ScimOperationResponse::json(StatusCode::OK, body))
    }

    /// A search at the root, across every resource type: in type order then each
    /// type's order, or merged by `sortBy`. Bounded like a per-type search: without a
    /// sort, only the counts and the page's own rows are read; with one, each type
    /// gives at most its first `startIndex - 1 + count` matches, the most the merged
    /// page can draw from it.
    async fn list_all(
        &self,
        request: &ScimOperationRequest,
        query: &ListQuery,
        projection: &Projection,
    ) -> Result<(ListPage, Vec<Arc<ResourceDefinition>>), ScimError> {
        let window = query.window();
        let wanted = window.offset.saturating_add(window.limit);
        let (mut total, mut matches) = (0usize, Vec::new());
        for definition in self.registry().resource_types() {
            // Unsorted, a type contributes the part of the window its rows cover.
            let skip = window.offset.saturating_sub(total);
            let take = wanted.saturating_sub(total.max(window.offset));
            let (count, start) = match &query.sort {
                Some(_) => (wanted, 0),
                None => (take, skip),
            };
            let typed = ListQuery {
                count: Some(count),
                fetch: Fetch::for_projection(definition, projection),
                paging: Paging::Index(
                    start
                        .saturating_add(1)
                        .try_into()
                        .unwrap_or(NonZeroUsize::MAX),
                ),
                ..query.clone()
            };
            let page = self
                .provider()
                .list(&request.context, definition.name(), &typed)
                .await?;
            total += page.total_results;
            matches.extend(page.resources.into_iter().map(|r| (r, definition.clone())));
        }
        let resources = match &query.sort {
            Some(sort) => {
                // Stable: ties keep type order, then each type's order.
                matches.sort_by(|(a, da), (b, _)| sort.compare(da, a.resource(), b.resource()));
                matches
                    .into_iter()
                    .skip(window.offset)
                    .take(window.limit)
                    .collect()
            }
            None => matches,
        };
        let (resources, definitions) = resources.into_iter().unzip();
        Ok((ListPage::new(resources, total, window), definitions))
    }

    fn search_from_query(&self, request: &ScimOperationRequest) -> Result<Search, ScimError> {
        let q = &request.query;
        Ok(Search {
            filter: q.filter.clone(),
            sort_by: q.sort_by.clone(),
            sort_order: q.sort_order.clone(),
            start_index: q
                .start_index
                .as_deref()
                .map(|v| integer("startIndex", v))
                .transpose()?,
            count: q
                .count
                .as_deref()
                .map(|v| integer("count", v))
                .transpose()?,
            cursor: q.cursor.clone(),
            attributes: q.attributes.clone(),
            excluded_attributes: q.excluded_attributes.clone(),
        })
    }
}

/// Index or cursor paging: a `cursor` (empty for the first page) wins over
/// `startIndex`, whose values below 1 mean 1.
fn paging(start_index: Option<i64>, cursor: Option<&str>) -> Result<Paging, ScimError> {
    Ok(match cursor {
        Some("") => Paging::Cursor(None),
        Some(text) => Paging::Cursor(Some(Cursor::parse(text)?)),
        None => {
            let start = usize::try_from(start_index.unwrap_or(1)).unwrap_or(0);
            Paging::Index(NonZeroUsize::new(start).unwrap_or(NonZeroUsize::MIN))
        }
    })
}

fn integer(name: &str, value: &str) -> Result<i64, ScimError> {
    value.trim().parse().map_err(|_| {
        ScimError::invalid(
            ScimType::InvalidValue,
            format!("{name} must be an integer, not {value:?}"),
        )
    })
}

/// A JSON number with no fraction as an `i64`: `5` and `5.0` alike, as JSON Schema's
/// `integer` reads them.
pub(crate) fn whole_number(n: &serde_json::Number) -> Option<i64> {
    // Beyond 2^53 a float is not exact, and an integer too large for an i64 reads as one.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < EXACT)
            .map(|f| f as i64)
    })
}

/// Reads a SearchRequest body (RFC 7644 section 3.4.3).
fn search_from_body(body: &Value) -> Result<Search, ScimError> {
    let object = body.as_object().ok_or_else(|| {
        ScimError::invalid(
            ScimType::InvalidSyntax,
            "a SearchRequest must be a JSON object",
        )
    })?;
    let get = |name: &str| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let text = |name: &str| -> Result<Option<String>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ScimError::invalid(
                ScimType::InvalidValue,
                format!("{name} must be a string"),
            )),
        }
    };
    let number = |name: &str| -> Result<Option<i64>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => whole_number(n).map(Some).ok_or_else(|| {
                ScimError::invalid(ScimType::InvalidValue, format!("{name} must be an integer"))
            }),
            Some(Value::String(s)) => integer(name, s).map(Some),
            Some(_) => Err(ScimError::invalid(
                ScimType::InvalidValue,
                format!("{name} must be an integer"),
            )),
        }
    };
    let list = |name: &str| -> Result<Option<String>, ScimError> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(|names| Some(names.join(",")))
                .ok_or_else(|| {
                    ScimError::invalid(ScimType::InvalidValue, format!("{name} must list strings"))
                }),
            Some(_) => Err(ScimError::invalid(
                ScimType::InvalidValue,
                format!("{name} must list strings"),
            )),
        }
    };
    // `schemas` may be left out (or list anything), but is a list of strings.
    match get("schemas") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {}
        Some(_) => {
            return Err(ScimError::invalid(
                ScimType::InvalidSyntax,
                "schemas must list strings",
            ));
        }
    }
    Ok(Search {
        filter: text("filter")?,
        sort_by: text("sortBy")?,
        sort_order: text("sortOrder")?,
        start_index: number("startIndex")?,
        count: number("count")?,
        cursor: text("cursor")?,
        attributes: list("attributes")?,
        excluded_attributes: list("excludedAttributes")?,
    })
}
