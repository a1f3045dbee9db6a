//! Indexes of one shard: unique values (userName, `uniqueness: server` attributes),
//! ordered, for uniqueness, equality, prefixes and sorting; and by hash the attributes
//! `eq` filters are served from (externalId, displayName, emails).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::ops::Bound;

use scim_schema::{
    AttributePath, AttributeType, ResolvedAttribute, ResourceDefinition, Uniqueness,
};
use serde_json::Value;

/// One indexed attribute.
#[derive(Debug, Clone)]
pub(super) struct IndexSpec {
    /// Where the value is; complex attributes are indexed by their `value`.
    pub(super) path: AttributePath,
    pub(super) case_exact: bool,
    pub(super) unique: bool,
}

impl IndexSpec {
    /// The indexes a resource type gets: every top-level single-valued attribute with
    /// `uniqueness` server or global (unique), and `externalId`, `displayName` and
    /// `emails.value` where the schema has them.
    pub(super) fn for_definition(definition: &ResourceDefinition) -> Vec<Self> {
        let mut specs = Vec::new();
        let schemas = std::iter::once(definition.core_schema())
            .chain(definition.extensions().map(|(s, _)| s));
        for schema in schemas {
            for attribute in &schema.attributes {
                if attribute.uniqueness != Uniqueness::None
                    && !attribute.multi_valued
                    && attribute.kind == AttributeType::String
                {
                    specs.push(Self {
                        path: AttributePath::new(attribute.name.clone())
                            .with_schema(schema.id.clone()),
                        case_exact: attribute.case_exact,
                        unique: true,
                    });
                }
            }
        }
        for name in ["externalId", "displayName", "emails.value"] {
            let Ok(path) = AttributePath::parse(name) else {
                continue;
            };
            if let Some(resolved) = definition.resolve(&path) {
                let taken = specs
                    .iter()
                    .any(|s| same_target(definition.resolve(&s.path), Some(resolved)));
                if !taken {
                    specs.push(Self {
                        path,
                        case_exact: resolved.leaf().case_exact,
                        unique: false,
                    });
                }
            }
        }
        specs
    }

    /// The index keys of a resource for this attribute.
    pub(super) fn keys(&self, definition: &ResourceDefinition, resource: &Value) -> Vec<String> {
        let Some(resolved) = definition.resolve(&self.path) else {
            return Vec::new();
        };
        let container = match resolved.extension {
            None => resource.get(&resolved.attribute.name),
            Some(schema) => resource
                .get(&schema.id)
                .and_then(|e| e.get(&resolved.attribute.name)),
        };
        let values: Vec<&Value> = match container {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(value) => vec![value],
            None => Vec::new(),
        };
        let sub = resolved.sub_attribute.map(|s| s.name.as_str());
        values
            .into_iter()
            .filter_map(|v| match sub {
                Some(sub) => v.get(sub),
                None => Some(v),
            })
            .filter_map(Value::as_str)
            .map(|s| self.normalize(s))
            .collect()
    }

    pub(super) fn normalize(&self, value: &str) -> String {
        if self.case_exact {
            value.to_owned()
        } else {
            value.to_lowercase()
        }
    }

    /// The attribute's name, for uniqueness errors.
    pub(super) fn label(&self) -> &str {
        &self.path.name
    }
}

/// Whether two resolutions name the same attribute (a complex attribute standing for
/// its `value`).
pub(super) fn same_target(
    a: Option<ResolvedAttribute<'_>>,
    b: Option<ResolvedAttribute<'_>>,
) -> bool {
    let leaf = |r: ResolvedAttribute<'_>| -> *const scim_schema::AttributeDefinition {
        match r.sub_attribute {
            Some(sub) => sub,
            None if r.attribute.kind == AttributeType::Complex => {
                r.attribute.sub_attribute("value").unwrap_or(r.attribute)
            }
            None => r.attribute,
        }
    };
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(leaf(a), leaf(b)),
        _ => false,
    }
}

/// The least string above every string that starts with `prefix` (`None`: there is
/// none): the prefix with its last character replaced by the next one, dropping
/// characters that have no next. UTF-8 orders bytes as characters, so a key starts
/// with `prefix` exactly when `prefix <= key < prefix_end(prefix)`.
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = match u32::from(last) + 1 {
            0xD800 => Some('\u{E000}'),
            code => char::from_u32(code),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The sequence numbers of the resources stored under one key, ascending: nearly
/// always one, so one is kept inline.
#[derive(Debug)]
pub(super) enum Ids {
    One(u64),
    // Boxed, so the enum is two words and a map slot stays small.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<u64>>),
}

impl Ids {
    pub(super) fn as_slice(&self) -> &[u64] {
        match self {
            Self::One(seq) => std::slice::from_ref(seq),
            Self::Many(seqs) => seqs,
        }
    }

    /// Adds `seq`; `false` when it was there.
    fn insert(&mut self, seq: u64) -> bool {
        match self {
            Self::One(one) if *one == seq => false,
            Self::One(one) => {
                let (low, high) = ((*one).min(seq), (*one).max(seq));
                *self = Self::Many(Box::new(vec![low, high]));
                true
            }
            Self::Many(seqs) => match seqs.binary_search(&seq) {
                Ok(_) => false,
                Err(at) => {
                    seqs.insert(at, seq);
                    true
                }
            },
        }
    }

    /// Removes `seq`: whether it was there, and whether none is left.
    fn remove(&mut self, seq: u64) -> (bool, bool) {
        match self {
            Self::One(one) => (*one == seq, *one == seq),
            Self::Many(seqs) => {
                let Ok(at) = seqs.binary_search(&seq) else {
                    return (false, false);
                };
                seqs.remove(at);
                if let [one] = seqs.as_slice() {
                    *self = Self::One(*one);
                }
                (true, false)
            }
        }
    }
}

/// The resources stored under each key of one attribute.
///
/// Unique attributes keep their keys, ordered: their index answers uniqueness,
/// equality and prefix filters exactly, and gives the order of a sort. The others
/// keep a hash of each key, which is all an equality lookup needs to find its
/// candidates (the filter is still evaluated on them), at a fraction of the memory.
#[derive(Debug)]
pub(super) enum Index {
    Ordered {
        map: BTreeMap<Box<str>, Ids>,
        /// How many resources are stored under some key.
        len: usize,
    },
    Hashed {
        map: HashMap<u64, Ids>,
        hasher: RandomState,
    },
}

impl Index {
    pub(super) fn for_spec(spec: &IndexSpec) -> Self {
        match spec.unique {
            true => Self::Ordered {
                map: BTreeMap::new(),
                len: 0,
            },
            false => Self::Hashed {
                map: HashMap::new(),
                hasher: RandomState::new(),
            },
        }
    }

    /// The resources under `key`; for a hashed index, those under keys of its hash.
    pub(super) fn get(&self, key: &str) -> &[u64] {
        let ids = match self {
            Self::Ordered { map, .. } => map.get(key),
            Self::Hashed { map, hasher } => map.get(&hasher.hash_one(key)),
        };
        ids.map_or(&[], Ids::as_slice)
    }

    /// Whether [`get`](Self::get) answers exactly (the keys are kept).
    pub(super) fn is_exact(&self) -> bool {
        matches!(self, Self::Ordered { .. })
    }

    /// The keys in order with their resources, when the keys are kept.
    pub(super) fn ordered(&self) -> Option<(&BTreeMap<Box<str>, Ids>, usize)> {
        match self {
            Self::Ordered { map, len } => Some((map, *len)),
            Self::Hashed { .. } => None,
        }
    }

    /// The resources under keys starting with `prefix`, when the keys are kept.
    ///
    /// The range is bounded on both sides, so walking it never reads a key: keys live
    /// on the heap, one cache miss each, and a prefix may cover 10% of a shard.
    pub(super) fn prefixed(&self, prefix: &str) -> Option<Vec<u64>> {
        let (map, _) = self.ordered()?;
        let end = prefix_end(prefix);
        let upper = match &end {
            Some(end) => Bound::Excluded(end.as_str()),
            None => Bound::Unbounded,
        };
        let range = map.range::<str, _>((Bound::Included(prefix), upper));
        let mut seqs: Vec<u64> = range
            .flat_map(|(_, ids)| ids.as_slice().iter().copied())
            .collect();
        seqs.sort_unstable();
        seqs.dedup();
        Some(seqs)
    }

    pub(super) fn insert(&mut self, key: String, seq: u64) {
        match self {
            Self::Ordered { map, len } => {
                let added = match map.get_mut(key.as_str()) {
                    Some(ids) => ids.insert(seq),
                    None => map.insert(key.into(), Ids::One(seq)).is_none(),
                };
                *len += usize::from(added);
            }
            Self::Hashed { map, hasher } => {
                let hash = hasher.hash_one(key.as_str());
                match map.get_mut(&hash) {
                    Some(ids) => _ = ids.insert(seq),
                    None => _ = map.insert(hash, Ids::One(seq)),
                }
            }
        }
    }

    pub(super) fn remove(&mut self, key: &str, seq: u64) {
        match self {
            Self::Ordered { map, len } => {
                let Some(ids) = map.get_mut(key) else { return };
                let (removed, empty) = ids.remove(seq);
                if empty {
                    map.remove(key);
                }
                *len -= usize::from(removed);
            }
            Self::Hashed { map, hasher } => {
                let hash = hasher.hash_one(key);
                let Some(ids) = map.get_mut(&hash) else {
                    return;
                };
                if ids.remove(seq).1 {
                    map.remove(&hash);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_ends_bound_exactly_the_keys_with_the_prefix() {
        assert_eq!(prefix_end("user1").as_deref(), Some("user2"));
        assert_eq!(prefix_end("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(prefix_end("\u{10FFFF}"), None);
        assert_eq!(prefix_end(""), None);
        let keys = [
            "user",
            "user1",
            "user1\u{10FFFF}",
            "user19",
            "user2",
            "user0",
            "usEr1",
            "ß",
            "ßa",
            "ẞ",
        ];
        for prefix in ["user1", "user", "ß", "u", "\u{10FFFF}"] {
            let end = prefix_end(prefix);
            for key in keys {
                let inside = key >= prefix && end.as_deref().is_none_or(|end| key < end);
                assert_eq!(
                    inside,
                    key.starts_with(prefix),
                    "{key:?} against {prefix:?}"
                );
            }
        }
    }
}
