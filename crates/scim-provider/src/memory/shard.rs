//! One shard of the in-memory provider: the resources of one resource type of one
//! tenant, under one lock, with their indexes.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use scim_schema::ResourceDefinition;
use scim_version::ScimVersion;
use serde_json::{Map, Value};

use super::index::{Index, IndexSpec};
use super::members::MemberList;
use crate::{ContentDigest, ProviderError, SetDigest, VersionedResource};

/// A stored resource. The JSON is kept serialized (compact), without `members`,
/// `groups` and `meta.version`, which live beside it, so memory stays close to the
/// size of the JSON and membership changes never rewrite it.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) seq: u64,
    pub(super) base: Box<str>,
    pub(super) base_hash: [u8; 32],
    pub(super) members: Option<MemberList>,
    /// Derived `groups`: (group id, display name).
    pub(super) groups: Vec<(Arc<str>, Option<String>)>,
    pub(super) groups_digest: SetDigest,
    pub(super) version: ScimVersion,
    /// The index keys this entry holds, per index.
    pub(super) keys: Vec<(usize, String)>,
}

impl Entry {
    /// An entry for a resource without `members`, `groups` and `meta.version`.
    pub(super) fn new(
        seq: u64,
        base: &Value,
        members: Option<MemberList>,
        keys: Vec<(usize, String)>,
    ) -> Self {
        let base_hash = crate::base_hash(base);
        let version = Self::version_of(base_hash, members.as_ref(), SetDigest::default());
        Self {
            seq,
            base_hash,
            base: base.to_string().into_boxed_str(),
            members,
            groups: Vec::new(),
            groups_digest: SetDigest::default(),
            version,
            keys,
        }
    }

    fn version_of(base: [u8; 32], members: Option<&MemberList>, groups: SetDigest) -> ScimVersion {
        ContentDigest {
            base,
            members: members.map(|m| m.digest).unwrap_or_default(),
            groups,
        }
        .version()
    }

    pub(super) fn refresh_version(&mut self) {
        self.version = Self::version_of(self.base_hash, self.members.as_ref(), self.groups_digest);
    }

    /// Replaces the base (after a change of `meta.lastModified`, say).
    pub(super) fn set_base(&mut self, base: &Value) {
        self.base_hash = crate::base_hash(base);
        self.base = base.to_string().into_boxed_str();
        self.refresh_version();
    }

    pub(super) fn parse_base(&self) -> Result<Value, ProviderError> {
        serde_json::from_str(&self.base)
            .map_err(|e| ProviderError::storage("stored resource is not JSON", e))
    }

    /// The full resource, as the provider returns it.
    pub(super) fn render(&self) -> Result<VersionedResource, ProviderError> {
        let mut resource = self.parse_base()?;
        if let Value::Object(object) = &mut resource {
            if let Some(members) = self.members.as_ref().filter(|m| !m.is_empty()) {
                object.insert("members".into(), members.to_json());
            }
            if !self.groups.is_empty() {
                let groups = self
                    .groups
                    .iter()
                    .map(|(id, display)| {
                        let mut group = Map::new();
                        group.insert("value".into(), Value::String(id.to_string()));
                        if let Some(display) = display {
                            group.insert("display".into(), Value::String(display.clone()));
                        }
                        group.insert("type".into(), Value::String("direct".into()));
                        Value::Object(group)
                    })
                    .collect();
                object.insert("groups".into(), Value::Array(groups));
            }
        }
        Ok(VersionedResource::with_version(
            resource,
            self.version.clone(),
        ))
    }

    /// Sets the derived groups; `true` when they changed.
    pub(super) fn set_groups(&mut self, groups: Vec<(Arc<str>, Option<String>)>) -> bool {
        if groups == self.groups {
            return false;
        }
        self.groups_digest = groups.iter().map(|(id, _)| &**id).collect();
        self.groups = groups;
        self.refresh_version();
        true
    }
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
    pub(super) entries: HashMap<Arc<str>, Entry>,
    /// Creation order.
    pub(super) order: BTreeMap<u64, Arc<str>>,
    pub(super) indexes: Vec<Index>,
}

impl ShardState {
    /// Fails with `uniqueness` if another resource holds one of `keys` in a unique index.
    pub(super) fn check_unique(
        &self,
        layout: &Layout,
        id: &str,
        keys: &[(usize, String)],
    ) -> Result<(), ProviderError> {
        for (i, key) in keys {
            let spec = &layout.indexes[*i];
            if spec.unique && self.indexes[*i].get(key).iter().any(|other| &**other != id) {
                return Err(ProviderError::Uniqueness {
                    attribute: spec.label().to_owned(),
                    value: key.clone(),
                });
            }
        }
        Ok(())
    }

    pub(super) fn insert(&mut self, id: Arc<str>, entry: Entry) {
        for (i, key) in &entry.keys {
            self.indexes[*i].insert(key.clone(), &id);
        }
        self.order.insert(entry.seq, id.clone());
        self.entries.insert(id, entry);
    }

    pub(super) fn remove(&mut self, id: &str) -> Option<Entry> {
        let entry = self.entries.remove(id)?;
        for (i, key) in &entry.keys {
            self.indexes[*i].remove(key, id);
        }
        self.order.remove(&entry.seq);
        Some(entry)
    }

    /// Swaps the index keys of an entry.
    pub(super) fn rekey(&mut self, id: &Arc<str>, keys: Vec<(usize, String)>) {
        let Some(entry) = self.entries.get_mut(id) else {
            return;
        };
        let old = std::mem::replace(&mut entry.keys, keys);
        for (i, key) in &old {
            self.indexes[*i].remove(key, id);
        }
        for (i, key) in &self.entries[id].keys {
            self.indexes[*i].insert(key.clone(), id);
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
            has_members: definition.core_schema().attribute("members").is_some(),
            has_groups: definition
                .core_schema()
                .attribute("groups")
                .is_some_and(|a| a.is_read_only()),
            indexes,
        };
        let state = ShardState {
            indexes: layout.indexes.iter().map(|_| Index::default()).collect(),
            ..ShardState::default()
        };
        Self {
            definition,
            layout,
            state: RwLock::new(state),
        }
    }

    pub(super) fn read(&self) -> RwLockReadGuard<'_, ShardState> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn write(&self) -> RwLockWriteGuard<'_, ShardState> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The index keys of a resource.
    pub(super) fn keys(&self, resource: &Value) -> Vec<(usize, String)> {
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
