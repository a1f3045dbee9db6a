//! Which resources a list reads, from the filter and the indexes, and when an index
//! also gives the order of a sort: so that a page costs its rows, not the shard.

use scim_schema::{
    AttributeType, CompValue, CompareOp, Filter, ResolvedAttribute, ResourceDefinition, SortOrder,
    SortSpec,
};

use super::index::{Index, IndexSpec, same_target};

/// The resources a filter selects, as far as the indexes tell.
#[derive(Debug, PartialEq)]
pub(super) enum Selection {
    /// Every resource: there is no filter.
    All,
    /// Exactly these (sequence numbers, ascending): the indexes answered the filter.
    Exact(Vec<u64>),
    /// A superset of the matches (ascending), or every resource: the filter is
    /// evaluated on each.
    Evaluate(Option<Vec<u64>>),
}

/// The selection for a filter. `id eq` is answered by `by_id`.
pub(super) fn select(
    definition: &ResourceDefinition,
    specs: &[IndexSpec],
    indexes: &[Index],
    filter: Option<&Filter>,
    by_id: impl Fn(&str) -> Option<u64>,
) -> Selection {
    let Some(filter) = filter else {
        return Selection::All;
    };
    if let Some(id) = id_lookup(filter) {
        // Other terms of an `and` still have to hold.
        let only = by_id(id).into_iter().collect();
        return match filter {
            Filter::Compare { .. } => Selection::Exact(only),
            _ => Selection::Evaluate(Some(only)),
        };
    }
    match plan(definition, specs, indexes, filter) {
        Some(Plan { seqs, exact: true }) => Selection::Exact(seqs),
        Some(Plan { seqs, exact: false }) => Selection::Evaluate(Some(seqs)),
        None => Selection::Evaluate(None),
    }
}

/// Candidates from the indexes: a superset of the matches, ascending and without
/// repeats; `exact` when they are the matches.
struct Plan {
    seqs: Vec<u64>,
    exact: bool,
}

fn plan(
    definition: &ResourceDefinition,
    specs: &[IndexSpec],
    indexes: &[Index],
    filter: &Filter,
) -> Option<Plan> {
    match filter {
        Filter::Compare {
            path,
            op: op @ (CompareOp::Eq | CompareOp::Sw),
            value: CompValue::String(value),
        } => {
            let target = definition.resolve(path);
            let (spec, index) = specs
                .iter()
                .zip(indexes)
                .find(|(spec, _)| same_target(definition.resolve(&spec.path), target))?;
            let key = spec.normalize(value);
            let seqs = match op {
                CompareOp::Eq => index.get(&key).to_vec(),
                _ => index.prefixed(&key)?,
            };
            Some(Plan {
                seqs,
                exact: index.is_exact() && target.is_some_and(names_string_leaf),
            })
        }
        Filter::And(a, b) => {
            let (a, b) = (
                plan(definition, specs, indexes, a),
                plan(definition, specs, indexes, b),
            );
            match (a, b) {
                (Some(a), Some(b)) => Some(Plan {
                    seqs: intersection(&a.seqs, &b.seqs),
                    exact: a.exact && b.exact,
                }),
                // The other term still has to hold.
                (Some(one), None) | (None, Some(one)) => Some(Plan {
                    exact: false,
                    ..one
                }),
                (None, None) => None,
            }
        }
        _ => None,
    }
}

/// Whether a filter path names a string value itself (`userName`, `emails.value`),
/// not a complex attribute standing for its `value`: then comparing index keys is
/// exactly what the evaluator does.
fn names_string_leaf(resolved: ResolvedAttribute<'_>) -> bool {
    resolved.leaf().kind == AttributeType::String
}

/// The common part of two ascending lists.
fn intersection(a: &[u64], b: &[u64]) -> Vec<u64> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small
        .iter()
        .copied()
        .filter(|seq| large.binary_search(seq).is_ok())
        .collect()
}

/// The id an `id eq "…"` filter (possibly inside an `and`) names.
fn id_lookup(filter: &Filter) -> Option<&str> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(value),
        } if path.name.eq_ignore_ascii_case("id") && path.sub_attribute.is_none() => Some(value),
        Filter::And(a, b) => id_lookup(a).or_else(|| id_lookup(b)),
        _ => None,
    }
}

/// The first `offset + limit` of `selected` (every resource when `None`) in the order
/// of `sort`, read from an ordered index on the sorted attribute; `None` when no index
/// gives that order, or when some selected resource has no key in it (it would sort
/// last, after a walk of the whole index).
///
/// The order is the evaluator's: keys are the values as the attribute compares them
/// (lowercased unless `caseExact`), and resources under one key stay in creation order
/// in both directions, as a stable sort leaves them.
pub(super) fn sorted_by_index(
    definition: &ResourceDefinition,
    specs: &[IndexSpec],
    indexes: &[Index],
    sort: &SortSpec,
    selected: Option<&[u64]>,
    total: usize,
    wanted: usize,
) -> Option<Vec<u64>> {
    let target = definition.resolve(&sort.by)?;
    if !names_string_leaf(target) || target.attribute.multi_valued {
        return None;
    }
    let (map, len) = specs
        .iter()
        .zip(indexes)
        .find(|(spec, _)| same_target(definition.resolve(&spec.path), Some(target)))
        .and_then(|(_, index)| index.ordered())?;
    if selected.is_none() && len != total {
        return None;
    }
    let keys: Box<dyn Iterator<Item = _>> = match sort.order {
        SortOrder::Ascending => Box::new(map.values()),
        SortOrder::Descending => Box::new(map.values().rev()),
    };
    let wanted = wanted.min(total);
    let mut page = Vec::with_capacity(wanted.min(1024));
    let mut found = 0;
    for &seq in keys.flat_map(|ids| ids.as_slice()) {
        if page.len() == wanted {
            return Some(page);
        }
        if selected.is_none_or(|s| s.binary_search(&seq).is_ok()) {
            page.push(seq);
            found += 1;
        }
    }
    // Every selected resource was met, or some have no key: those sort last.
    (found == total).then_some(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intersections_keep_the_common_part_in_order() {
        assert_eq!(intersection(&[1, 3, 5, 7], &[3, 4, 7]), [3, 7]);
        assert_eq!(intersection(&[], &[1]), Vec::<u64>::new());
    }
}
