//! Group membership as the in-memory provider keeps it: per group an ordered member
//! list with O(1) lookups, per tenant the reverse map from member to groups.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::{Member, SetDigest};

/// A group's members in the order they were added, with constant-time lookup by id
/// and a running [`SetDigest`] of their ids.
#[derive(Debug, Default)]
pub(super) struct MemberList {
    next: u64,
    by_id: HashMap<Arc<str>, u64>,
    ordered: BTreeMap<u64, Member>,
    pub(super) digest: SetDigest,
}

impl MemberList {
    pub(super) fn from_members(members: impl IntoIterator<Item = Member>) -> Self {
        let mut list = Self::default();
        for member in members {
            list.add(member);
        }
        list
    }

    /// Adds a member; `false` when it was already there.
    pub(super) fn add(&mut self, member: Member) -> bool {
        if self.by_id.contains_key(member.value.as_str()) {
            return false;
        }
        let position = self.next;
        self.next += 1;
        self.digest.insert(&member.value);
        self.by_id.insert(member.value.as_str().into(), position);
        self.ordered.insert(position, member);
        true
    }

    /// Removes a member; `false` when it was not there.
    pub(super) fn remove(&mut self, id: &str) -> bool {
        let Some(position) = self.by_id.remove(id) else {
            return false;
        };
        self.ordered.remove(&position);
        self.digest.remove(id);
        true
    }

    /// Sets the `display` of member `id`, if it is one.
    pub(super) fn set_display(&mut self, id: &str, display: &str) {
        let member = self.by_id.get(id).and_then(|p| self.ordered.get_mut(p));
        if let Some(member) = member
            && member.display.as_deref() != Some(display)
        {
            member.display = Some(display.to_owned());
        }
    }

    pub(super) fn ids(&self) -> impl Iterator<Item = &str> {
        self.ordered.values().map(|m| m.value.as_str())
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ordered.is_empty()
    }

    pub(super) fn to_json(&self) -> Value {
        Value::Array(self.ordered.values().map(Member::to_json).collect())
    }
}

/// Per tenant: which groups each id belongs to, and each resource's display name
/// ([`display_of`](crate::display_of)), from which `User.groups` and the `display` of
/// members are derived; and which ids are stored.
#[derive(Debug, Default)]
pub(super) struct Memberships {
    member_of: HashMap<Arc<str>, BTreeSet<Arc<str>>>,
    names: HashMap<Arc<str>, String>,
    /// Every stored id, with how many resource types store it. A write adding members
    /// checks them here, under this lock, which a delete also holds while it reads
    /// the groups it leaves: a member deleted meanwhile is refused, or its delete sees
    /// the new membership and removes it.
    stored: HashMap<Arc<str>, u32>,
}

impl Memberships {
    pub(super) fn store(&mut self, id: &Arc<str>) {
        *self.stored.entry(id.clone()).or_default() += 1;
    }

    pub(super) fn unstore(&mut self, id: &str) {
        if let Some(count) = self.stored.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                self.stored.remove(id);
            }
        }
    }

    /// The first of `ids` no resource is stored as, if any.
    pub(super) fn first_unknown<'a>(
        &self,
        mut ids: impl Iterator<Item = &'a str>,
    ) -> Option<&'a str> {
        ids.find(|id| !self.stored.contains_key(*id))
    }

    pub(super) fn join(&mut self, member: &str, group: &Arc<str>) {
        self.member_of
            .entry(member.into())
            .or_default()
            .insert(group.clone());
    }

    pub(super) fn leave(&mut self, member: &str, group: &str) {
        if let Some(groups) = self.member_of.get_mut(member) {
            groups.remove(group);
            if groups.is_empty() {
                self.member_of.remove(member);
            }
        }
    }

    /// The groups `member` belongs to.
    pub(super) fn groups_of(&self, member: &str) -> Vec<Arc<str>> {
        self.member_of
            .get(member)
            .map(|groups| groups.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Records the display name of `id`; `true` when it changed.
    pub(super) fn set_name(&mut self, id: &Arc<str>, name: Option<&str>) -> bool {
        match name {
            Some(name) if self.names.get(id).is_some_and(|n| n == name) => false,
            Some(name) => {
                self.names.insert(id.clone(), name.to_owned());
                true
            }
            None => self.names.remove(id).is_some(),
        }
    }

    /// Whether `id` belongs to a group.
    pub(super) fn is_member(&self, id: &str) -> bool {
        self.member_of.contains_key(id)
    }

    /// The display name of `id`, if it is stored and has one.
    pub(super) fn name(&self, id: &str) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }

    pub(super) fn forget_name(&mut self, id: &str) {
        self.names.remove(id);
    }

    /// `member` as a group shows it ([`Member::or_display`]).
    pub(super) fn with_name(&self, member: Member) -> Member {
        let name = self.name(&member.value);
        member.or_display(name)
    }

    /// `User.groups` of `member`: `(group id, display name)`, ordered by id.
    pub(super) fn derived_groups(&self, member: &str) -> Vec<(Arc<str>, Option<String>)> {
        self.member_of
            .get(member)
            .into_iter()
            .flatten()
            .map(|g| (g.clone(), self.names.get(g).cloned()))
            .collect()
    }
}
