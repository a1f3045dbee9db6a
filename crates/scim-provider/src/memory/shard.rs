//! One shard of the in-memory provider: the resources of one resource type of one
//! tenant, under one lock, with their indexes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use scim_schema::ResourceDefinition;
use scim_version::ScimVersion;
use serde_json::Value;

use super::index::{Index, IndexSpec};
use super::members::MemberList;
use crate::{
    ContentDigest, Fetch, ProviderError, ReturnableJson, SerializedResource, SetDigest,
    VersionedResource, holds_never_returned,
};

/// Index keys of a resource: (index number, key).
pub(super) type Keys = Vec<(usize, String)>;

/// A stored resource. The JSON is kept serialized (compact), without `members`,
/// `groups` and `meta.version`, which live beside it, so memory stays close to the
/// size of the JSON and membership changes never rewrite it. Index keys are not kept
/// here: they are read back from the JSON when the entry changes.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) base: Arc<str>,
    /// The base without `returned: never` values, for the serialized read path: the
    /// same shared text as `base` unless the resource holds a password.
    returnable: ReturnableJson,
    pub(super) base_hash: [u8; 32],
    /// Boxed: most resources have none, and users are many.
    pub(super) members: Option<Box<MemberList>>,
    groups: Option<Box<DerivedGroups>>,
    /// Kept whole, so a read hands out a clone (a reference count) rather than
    /// encoding a digest.
    version: ScimVersion,
}

/// The derived `groups` of a resource: (group id, display name), and their digest.
#[derive(Debug, PartialEq)]
struct DerivedGroups {
    list: Vec<(Arc<str>, Option<String>)>,
    digest: SetDigest,
}

impl Entry {
    /// An entry for a resource without `members`, `groups` and `meta.version`.
    pub(super) fn new(
        definition: &ResourceDefinition,
        base: &Value,
        members: Option<MemberList>,
    ) -> Self {
        let (text, returnable) = texts(definition, base);
        let mut entry = Self {
            base_hash: crate::base_hash(base),
            base: text,
            returnable,
            members: members.map(Box::new),
            groups: None,
            version: ScimVersion::from_digest([0; 32]),
        };
        entry.refresh_version();
        entry
    }

    pub(super) fn refresh_version(&mut self) {
        self.version = ContentDigest {
            base: self.base_hash,
            members: self.members.as_ref().map(|m| m.digest).unwrap_or_default(),
            groups: self.groups.as_ref().map(|g| g.digest).unwrap_or_default(),
        }
        .version();
    }

    pub(super) fn version(&self) -> ScimVersion {
        self.version.clone()
    }

    /// Replaces the base (after a change of `meta.lastModified`, say).
    pub(super) fn set_base(&mut self, definition: &ResourceDefinition, base: &Value) {
        self.base_hash = crate::base_hash(base);
        (self.base, self.returnable) = texts(definition, base);
        self.refresh_version();
    }

    pub(super) fn parse_base(&self) -> Result<Value, ProviderError> {
        serde_json::from_str(&self.base)
            .map_err(|e| ProviderError::storage("stored resource is not JSON", e))
    }

    /// The resource as the provider returns it, with the parts `fetch` asks for.
    pub(super) fn render(&self, fetch: Fetch) -> Result<VersionedResource, ProviderError> {
        let mut resource = self.parse_base()?;
        if let Value::Object(object) = &mut resource {
            if let Some(members) = self
                .members
                .as_ref()
                .filter(|m| fetch.members && !m.is_empty())
            {
                object.insert("members".into(), members.to_json());
            }
            if let Some(groups) = self.groups.as_ref().filter(|_| fetch.groups) {
                let groups = groups
                    .list
                    .iter()
                    .map(|(id, display)| crate::group_reference(id, display.as_deref()));
                object.insert("groups".into(), Value::Array(groups.collect()));
            }
        }
        Ok(VersionedResource::with_version(resource, self.version()))
    }

    /// The returnable JSON, when it is the whole resource but `meta.version` (no
    /// members, no derived groups).
    pub(super) fn serialized(&self) -> Option<SerializedResource> {
        let plain = self.members.as_ref().is_none_or(|m| m.is_empty()) && self.groups.is_none();
        plain.then(|| SerializedResource {
            json: self.returnable.clone(),
            version: self.version(),
        })
    }

    /// Sets the derived groups; `true` when they changed.
    pub(super) fn set_groups(&mut self, list: Vec<(Arc<str>, Option<String>)>) -> bool {
        let groups = (!list.is_empty()).then(|| {
            let digest = list.iter().map(|(id, _)| &**id).collect();
            Box::new(DerivedGroups { list, digest })
        });
        if groups == self.groups {
            return false;
        }
        self.groups = groups;
        self.refresh_version();
        true
    }
}

/// The stored text of a base and its returnable text: one serialization, shared,
/// unless the base holds a never-returned value.
fn texts(definition: &ResourceDefinition, base: &Value) -> (Arc<str>, ReturnableJson) {
    let holds = holds_never_returned(definition, base);
    let returnable = ReturnableJson::stripping(definition, base, holds);
    let text = match holds {
        true => base.to_string().into(),
        false => returnable.shared(),
    };
    (text, returnable)
}

/// What a resource type stores beside its JSON.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    /// It has `members`, stored as a [`MemberList`].
    pub(super) has_members: bool,
    /// It has a derived, readOnly `groups`.
    pub(super) has_groups: bool,
    pub(super) indexes: Vec<IndexSpec>,
}

#[derive(Debug, Default)]
pub(super) struct ShardState {
    /// Every resource by its sequence number: in creation order.
    entries: BTreeMap<u64, Entry>,
    /// The sequence number of each id.
    ids: HashMap<Box<str>, u64>,
    /// Every sequence number, ascending: the n-th resource in creation order in O(1).
    order: Vec<u64>,
    pub(super) indexes: Vec<Index>,
}

impl ShardState {
    pub(super) fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.get(self.ids.get(id)?)
    }

    pub(super) fn get_mut(&mut self, id: &str) -> Option<&mut Entry> {
        self.entries.get_mut(self.ids.get(id)?)
    }

    pub(super) fn contains(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    pub(super) fn seq(&self, id: &str) -> Option<u64> {
        self.ids.get(id).copied()
    }

    pub(super) fn by_seq(&self, seq: u64) -> Option<&Entry> {
        self.entries.get(&seq)
    }

    /// Every resource, in creation order.
    pub(super) fn in_order(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// Every sequence number, in creation order.
    pub(super) fn order(&self) -> &[u64] {
        &self.order
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Fails with `uniqueness` if another resource holds one of `keys` in a unique index.
    pub(super) fn check_unique(
        &self,
        layout: &Layout,
        id: &str,
        keys: &[(usize, String)],
    ) -> Result<(), ProviderError> {
        let own = self.seq(id);
        for (i, key) in keys {
            let spec = &layout.indexes[*i];
            if spec.unique && self.indexes[*i].get(key).iter().any(|s| Some(*s) != own) {
                return Err(ProviderError::Uniqueness {
                    attribute: spec.label().to_owned(),
                    value: key.clone(),
                });
            }
        }
        Ok(())
    }

    /// Stores a new entry under the index `keys` of its resource.
    /// Sequence numbers only grow, so `order` stays sorted by pushing.
    pub(super) fn insert(&mut self, id: &str, seq: u64, entry: Entry, keys: Keys) {
        for (i, key) in keys {
            self.indexes[i].insert(key, seq);
        }
        self.ids.insert(id.into(), seq);
        match self.order.last() {
            Some(last) if *last > seq => {
                let at = self.order.partition_point(|s| *s < seq);
                self.order.insert(at, seq);
            }
            _ => self.order.push(seq),
        }
        self.entries.insert(seq, entry);
    }

    /// Removes an entry stored under the index `keys`.
    pub(super) fn remove(&mut self, id: &str, keys: &[(usize, String)]) -> Option<Entry> {
        let seq = self.ids.remove(id)?;
        for (i, key) in keys {
            self.indexes[*i].remove(key, seq);
        }
        if let Ok(at) = self.order.binary_search(&seq) {
            self.order.remove(at);
        }
        self.entries.remove(&seq)
    }

    /// Moves a stored resource from `old` index keys to `new` ones.
    pub(super) fn rekey(&mut self, id: &str, old: &[(usize, String)], new: Keys) {
        let Some(seq) = self.seq(id) else { return };
        for (i, key) in old {
            self.indexes[*i].remove(key, seq);
        }
        for (i, key) in new {
            self.indexes[i].insert(key, seq);
        }
    }
}

/// The resources of one resource type of one tenant.
#[derive(Debug)]
pub(super) struct Shard {
    pub(super) definition: Arc<ResourceDefinition>,
    pub(super) layout: Layout,
    state: RwLock<ShardState>,
}

impl Shard {
    pub(super) fn new(definition: Arc<ResourceDefinition>) -> Self {
        let indexes = IndexSpec::for_definition(&definition);
        let layout = Layout {
            has_members: definition.has_members(),
            has_groups: definition.derives_groups(),
            indexes,
        };
        let state = ShardState {
            indexes: layout.indexes.iter().map(Index::for_spec).collect(),
            ..ShardState::default()
        };
        Self {
            definition,
            layout,
            state: RwLock::new(state),
        }
    }

    pub(super) fn read(&self) -> RwLockReadGuard<'_, ShardState> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, ShardState> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The index keys of a resource.
    pub(super) fn keys(&self, resource: &Value) -> Keys {
        self.layout
            .indexes
            .iter()
            .enumerate()
            .flat_map(|(i, spec)| {
                spec.keys(&self.definition, resource)
                    .into_iter()
                    .map(move |k| (i, k))
            })
            .collect()
    }
}
