//! [`ListQuery`] and [`ListPage`]: filtered, sorted, paged listing with index
//! (`startIndex` / `count`) or cursor (RFC 9865) pagination.

use std::num::NonZeroUsize;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use scim_schema::{Filter, ScimType, SortSpec};

use crate::{Fetch, ProviderError, VersionedResource};

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
/// let window = query.window();
/// assert_eq!((window.offset, window.limit), (10, 10));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Only resources matching this filter.
    pub filter: Option<Filter>,
    /// The order; creation order when `None`.
    pub sort: Option<crate::SortSpec>,
    /// The most results to return; `Some(0)` asks for `totalResults` only.
    pub count: Option<usize>,
    /// Index or cursor pagination, and where the page starts.
    pub paging: Paging,
    /// What of each resource on the page the response shows (everything by default).
    pub fetch: Fetch,
}

/// How a list is paged: by index (`startIndex`) or by cursor (RFC 9865), never both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// Index pagination from this 1-based index; [`Paging::FIRST`] is the first page.
    Index(NonZeroUsize),
    /// Cursor pagination: `None` asks for the first page, `Some` for the page a
    /// previous `nextCursor` / `previousCursor` named.
    Cursor(Option<Cursor>),
}

impl Paging {
    /// The first page, by index.
    pub const FIRST: Paging = Paging::Index(NonZeroUsize::MIN);
}

impl Default for Paging {
    fn default() -> Self {
        Self::FIRST
    }
}

/// A page cursor this server issued (RFC 9865): opaque to clients, read back with
/// [`parse`](Self::parse), which refuses any other text.
///
/// ```
/// use scim_provider::Cursor;
///
/// assert!(Cursor::parse("not-a-cursor").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    offset: usize,
}

impl Cursor {
    /// Reads a cursor a client sent back; anything this server did not issue is an
    /// `invalidCursor` error.
    pub fn parse(text: &str) -> Result<Self, ProviderError> {
        decode_cursor(text).map(|offset| Self { offset })
    }

    /// How many ordered matches precede the page it names.
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&encode_cursor(self.offset))
    }
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
    /// Everything, in creation order, from the first page by index.
    pub fn new() -> Self {
        Self {
            filter: None,
            sort: None,
            count: None,
            paging: Paging::FIRST,
            fetch: Fetch::ALL,
        }
    }

    /// Loads only what `fetch` asks for of each resource on the page.
    pub fn with_fetch(mut self, fetch: Fetch) -> Self {
        self.fetch = fetch;
        self
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

    /// Index pagination from the 1-based `start_index`; values below 1 mean 1
    /// (RFC 7644 section 3.4.2.4).
    pub fn with_start_index(mut self, start_index: usize) -> Self {
        self.paging = Paging::Index(NonZeroUsize::new(start_index).unwrap_or(NonZeroUsize::MIN));
        self
    }

    /// Sets the page size.
    pub fn with_count(mut self, count: usize) -> Self {
        self.count = Some(count);
        self
    }

    /// Cursor pagination: from the first page (`None`) or the page `cursor` names.
    pub fn with_cursor(mut self, cursor: Option<Cursor>) -> Self {
        self.paging = Paging::Cursor(cursor);
        self
    }

    /// The slice to return.
    pub fn window(&self) -> PageWindow {
        let (offset, cursor_mode) = match &self.paging {
            Paging::Index(start) => (start.get() - 1, false),
            Paging::Cursor(cursor) => (cursor.map_or(0, |c| c.offset), true),
        };
        PageWindow {
            offset,
            limit: self.count.unwrap_or(usize::MAX),
            cursor_mode,
        }
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
            assert!(matches!(
                err,
                ProviderError::Invalid {
                    scim_type: ScimType::InvalidCursor,
                    ..
                }
            ));
        }
    }

    #[test]
    fn pages_carry_cursors_in_cursor_mode_only() {
        let window = ListQuery::new().with_count(2).with_cursor(None).window();
        let page = ListPage::new(Vec::new(), 5, window);
        assert_eq!(page.next_cursor, None, "an empty page has no next page");
        let window = ListQuery::new().with_start_index(0).window();
        assert_eq!(window.offset, 0);
        assert!(!window.cursor_mode);
    }
}
