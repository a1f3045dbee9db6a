//! [`ListQuery`] and [`ListPage`]: filtered, sorted, paged listing with index
//! (`startIndex` / `count`) or cursor (RFC 9865) pagination.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scim_schema::{Filter, ScimType, SortSpec};

use crate::{ProviderError, VersionedResource};

/// What to list.
///
/// Results come in a stable order: by `sort` when given, then by creation order, so
/// pages never overlap or skip while the data is unchanged.
///
/// ```
/// use scim_provider::ListQuery;
/// use scim_schema::Filter;
///
/// let query = ListQuery::new()
///     .with_filter(Filter::parse(r#"userName sw "b""#)?)
///     .with_start_index(11)
///     .with_count(10);
/// let window = query.window()?;
/// assert_eq!((window.offset, window.limit), (10, 10));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Only resources matching this filter.
    pub filter: Option<Filter>,
    /// The order; creation order when `None`.
    pub sort: Option<crate::SortSpec>,
    /// 1-based index of the first result (`startIndex`); values below 1 mean 1.
    pub start_index: usize,
    /// The most results to return; `Some(0)` asks for `totalResults` only.
    pub count: Option<usize>,
    /// Cursor pagination: `Some("")` asks for the first page, `Some(cursor)` for the
    /// page a previous `nextCursor` / `previousCursor` named. Overrides `start_index`.
    pub cursor: Option<String>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self::new()
    }
}

/// The slice of the ordered matches a query asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageWindow {
    /// How many matches to skip.
    pub offset: usize,
    /// How many to return at most.
    pub limit: usize,
    /// Whether the query uses cursor pagination.
    pub cursor_mode: bool,
}

impl ListQuery {
    /// Everything, in creation order.
    pub fn new() -> Self {
        Self {
            filter: None,
            sort: None,
            start_index: 1,
            count: None,
            cursor: None,
        }
    }

    /// Sets the filter.
    pub fn with_filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// Sets the order.
    pub fn with_sort(mut self, sort: SortSpec) -> Self {
        self.sort = Some(sort);
        self
    }

    /// Sets the 1-based start index.
    pub fn with_start_index(mut self, start_index: usize) -> Self {
        self.start_index = start_index;
        self
    }

    /// Sets the page size.
    pub fn with_count(mut self, count: usize) -> Self {
        self.count = Some(count);
        self
    }

    /// Uses cursor pagination from `cursor` (`""` for the first page).
    pub fn with_cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// The slice to return; an unreadable cursor is an `invalidCursor` error.
    pub fn window(&self) -> Result<PageWindow, ProviderError> {
        let offset = match self.cursor.as_deref() {
            None => self.start_index.max(1) - 1,
            Some("") => 0,
            Some(cursor) => decode_cursor(cursor)?,
        };
        Ok(PageWindow {
            offset,
            limit: self.count.unwrap_or(usize::MAX),
            cursor_mode: self.cursor.is_some(),
        })
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct ListPage {
    /// The resources on this page.
    pub resources: Vec<VersionedResource>,
    /// How many resources match in all.
    pub total_results: usize,
    /// The 1-based index of the first resource on this page.
    pub start_index: usize,
    /// The cursor of the next page, in cursor mode when there is one.
    pub next_cursor: Option<String>,
    /// The cursor of the previous page, in cursor mode when there is one.
    pub previous_cursor: Option<String>,
}

impl ListPage {
    /// A page of `resources` taken at `window` from `total_results` ordered matches,
    /// with its cursors.
    pub fn new(
        resources: Vec<VersionedResource>,
        total_results: usize,
        window: PageWindow,
    ) -> Self {
        let end = window.offset + resources.len();
        let (next_cursor, previous_cursor) = if window.cursor_mode {
            let next = (end < total_results && !resources.is_empty()).then(|| encode_cursor(end));
            let previous = (window.offset > 0)
                .then(|| encode_cursor(window.offset.saturating_sub(window.limit.max(1))));
            (next, previous)
        } else {
            (None, None)
        };
        Self {
            resources,
            total_results,
            start_index: window.offset + 1,
            next_cursor,
            previous_cursor,
        }
    }
}

impl ListPage {
    /// The page at `window` of every match, sorted by `sort` (stably, so ties keep the
    /// order given, creation order by convention): for providers that filter in Rust.
    pub fn from_matches(
        mut matches: Vec<VersionedResource>,
        sort: Option<&SortSpec>,
        definition: &scim_schema::ResourceDefinition,
        window: PageWindow,
    ) -> Self {
        if let Some(sort) = sort {
            matches.sort_by(|a, b| sort.compare(definition, a.resource(), b.resource()));
        }
        let total = matches.len();
        let resources = matches
            .into_iter()
            .skip(window.offset)
            .take(window.limit)
            .collect();
        Self::new(resources, total, window)
    }
}

const CURSOR_PREFIX: &str = "scim-offset:";

fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{offset}"))
}

fn decode_cursor(cursor: &str) -> Result<usize, ProviderError> {
    let invalid = || ProviderError::Invalid {
        message: "the cursor is not one this server issued".into(),
        scim_type: ScimType::InvalidCursor,
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid())?;
    text.strip_prefix(CURSOR_PREFIX)
        .and_then(|n| n.parse().ok())
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = encode_cursor(42);
        assert_eq!(decode_cursor(&cursor).unwrap(), 42);
        for bad in [
            "x",
            "!!",
            &URL_SAFE_NO_PAD.encode("other:1"),
            &"a".repeat(5000),
        ] {
            let err = decode_cursor(bad).unwrap_err();
            assert_eq!(err.scim_type(), Some(ScimType::InvalidCursor));
        }
    }

    #[test]
    fn pages_carry_cursors_in_cursor_mode_only() {
        let window = ListQuery::new()
            .with_count(2)
            .with_cursor("")
            .window()
            .unwrap();
        let page = ListPage::new(Vec::new(), 5, window);
        assert_eq!(page.next_cursor, None, "an empty page has no next page");
        let window = ListQuery::new().with_start_index(0).window().unwrap();
        assert_eq!(window.offset, 0);
        assert!(!window.cursor_mode);
    }
}
