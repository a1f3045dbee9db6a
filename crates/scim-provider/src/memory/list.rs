//! A page of a list from one shard. Where the indexes answer the filter (or there is
//! none) and give the order, only the page's rows are rendered: a page of 10 costs the
//! same with 100 or 100,000 resources stored, and `totalResults` is still exact.
//! Otherwise each candidate is rendered whole, the filter evaluated and the matches
//! sorted.

use super::plan::{Selection, select, sorted_by_index};
use super::shard::{Entry, Shard, ShardState};
use crate::{Fetch, ListPage, ListQuery, ProviderError};

pub(super) fn page(
    shard: &Shard,
    state: &ShardState,
    query: &ListQuery,
) -> Result<ListPage, ProviderError> {
    let window = query.window();
    let (definition, specs) = (&*shard.definition, &shard.layout.indexes);
    let selection = select(
        definition,
        specs,
        &state.indexes,
        query.filter.as_ref(),
        |id| state.seq(id),
    );
    // The page's rows of a list of sequence numbers, rendered.
    let rendered = |seqs: &[u64]| -> Result<Vec<_>, ProviderError> {
        seqs.iter()
            .skip(window.offset)
            .take(window.limit)
            .filter_map(|seq| state.by_seq(*seq))
            .map(|entry| entry.render(query.fetch))
            .collect()
    };

    let (selected, total) = match &selection {
        Selection::All => (None, state.len()),
        Selection::Exact(seqs) => (Some(seqs.as_slice()), seqs.len()),
        Selection::Evaluate(_) => return evaluated(shard, state, query, &selection),
    };
    let resources = match &query.sort {
        None => rendered(selected.unwrap_or(state.order()))?,
        Some(sort) => {
            let wanted = window.offset.saturating_add(window.limit);
            match sorted_by_index(
                definition,
                specs,
                &state.indexes,
                sort,
                selected,
                total,
                wanted,
            ) {
                Some(seqs) => rendered(&seqs)?,
                None => return evaluated(shard, state, query, &selection),
            }
        }
    };
    Ok(ListPage::new(resources, total, window))
}

/// Renders every candidate whole (the filter and the sort may look at any part),
/// keeps the matches and sorts them.
fn evaluated(
    shard: &Shard,
    state: &ShardState,
    query: &ListQuery,
    selection: &Selection,
) -> Result<ListPage, ProviderError> {
    let definition = &shard.definition;
    let (candidates, filter): (Box<dyn Iterator<Item = &Entry>>, _) = match selection {
        Selection::All => (Box::new(state.in_order()), None),
        Selection::Exact(seqs) => (Box::new(seqs.iter().filter_map(|s| state.by_seq(*s))), None),
        Selection::Evaluate(None) => (Box::new(state.in_order()), query.filter.as_ref()),
        Selection::Evaluate(Some(seqs)) => (
            Box::new(seqs.iter().filter_map(|s| state.by_seq(*s))),
            query.filter.as_ref(),
        ),
    };
    let mut matches = Vec::new();
    for entry in candidates {
        let rendered = entry.render(Fetch::ALL)?;
        if filter.is_none_or(|f| f.matches(rendered.resource(), definition)) {
            matches.push(rendered);
        }
    }
    Ok(ListPage::from_matches(
        matches,
        query.sort.as_ref(),
        definition,
        query.window(),
    ))
}
