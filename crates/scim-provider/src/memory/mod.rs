//! [`InMemoryProvider`]: every resource in memory, sharded by tenant and resource type.

mod feed;
mod index;
mod list;
mod members;
mod plan;
mod shard;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use async_trait::async_trait;
use scim_schema::{DateTime, SchemaRegistry};
use scim_version::ScimVersion;
use serde_json::{Map, Value};

use self::feed::{Feed, Log};
use self::members::{MemberList, Memberships};
use self::shard::{Entry, Shard};
use crate::{
    Change, ChangeCursor, ChangeKind, ChangeSignal, Fetch, ListPage, ListQuery, Member,
    MembershipDelta, ProviderError, RequestContext, ResourceProvider, SerializedResource,
    VersionedResource, check_expected,
};

/// A [`ResourceProvider`] that keeps everything in memory.
///
/// - **Sharded**: one shard per tenant and resource type, each under its own
///   `RwLock`; readers share it and never wait on a global lock.
/// - **Atomic**: every compare-and-write checks the version and writes under the
///   shard's write lock.
/// - **Indexed**: `userName` (case-insensitive) and every `uniqueness: server`
///   attribute are unique per tenant through an ordered index, never a scan; `eq` and
///   `sw` filters on them, and sorts by them, are answered from it, and `eq` filters on
///   `externalId`, `displayName` and `emails` from hashed indexes (inside an `and`
///   too); other filters are evaluated with `scim-schema`'s evaluator. A page of 10
///   unfiltered, sorted by `userName` or at `startIndex=90000` renders 10 resources,
///   whatever the shard holds, and `totalResults` stays exact.
/// - **Compact**: resources are kept as serialized JSON beside their version and index
///   keys, so 100,000 typical users take less than twice the size of their JSON.
/// - **Membership by delta**: a group's members live in an ordered set beside its JSON,
///   and its version is updated incrementally, so adding one member costs the same for
///   a group of 10 or of 100,000. `User.groups` is derived from membership and never
///   stale; deleting a resource removes it from every group.
///
/// Data lives as long as the provider; nothing is persisted.
#[derive(Debug)]
pub struct InMemoryProvider {
    registry: Arc<SchemaRegistry>,
    tenants: RwLock<HashMap<Arc<str>, Arc<Tenant>>>,
    sequence: AtomicU64,
    /// The change feed's settings; `None` while it is off.
    feed: Option<Feed>,
    signal: ChangeSignal,
    saved_cursors: Mutex<HashMap<(String, String), ChangeCursor>>,
}

#[derive(Debug, Default)]
struct Tenant {
    shards: RwLock<HashMap<String, Arc<Shard>>>,
    /// Locked after a shard lock, never before one.
    memberships: Mutex<Memberships>,
    /// The tenant's change events; locked last, after a shard lock and memberships.
    log: Mutex<Log>,
}

impl Tenant {
    fn log(&self) -> MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn memberships(&self) -> MutexGuard<'_, Memberships> {
        self.memberships
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The shards whose resources derive `groups`.
    fn group_holders(&self) -> Vec<Arc<Shard>> {
        let shards = self.shards.read().unwrap_or_else(PoisonError::into_inner);
        shards
            .values()
            .filter(|s| s.layout.has_groups)
            .cloned()
            .collect()
    }

    /// Sets the `display` of `member` in every group it belongs to, to its name now.
    fn refresh_display(&self, member: &str) {
        let holders: Vec<Arc<Shard>> = {
            let shards = self.shards.read().unwrap_or_else(PoisonError::into_inner);
            let holders = shards.values().filter(|s| s.layout.has_members);
            holders.cloned().collect()
        };
        for shard in holders {
            // Shard, then memberships: the order every write takes them in.
            let mut state = shard.write();
            let memberships = self.memberships();
            let Some(name) = memberships.name(member) else {
                return;
            };
            for group in memberships.groups_of(member) {
                let members = state.get_mut(&group).and_then(|e| e.members.as_mut());
                if let Some(members) = members {
                    members.set_display(member, name);
                }
            }
        }
    }

    /// Recomputes the derived `groups` of `member`, wherever it is stored.
    fn refresh_groups(&self, member: &str) {
        for shard in self.group_holders() {
            let mut state = shard.write();
            if let Some(entry) = state.get_mut(member) {
                let groups = self.memberships().derived_groups(member);
                entry.set_groups(groups);
                return;
            }
        }
    }
}

impl Default for InMemoryProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryProvider {
    /// A provider for the resource types of [`SchemaRegistry::default`] (User, Group).
    pub fn new() -> Self {
        Self::with_registry(Arc::new(SchemaRegistry::default()))
    }

    /// A provider for the resource types of `registry`.
    pub fn with_registry(registry: Arc<SchemaRegistry>) -> Self {
        Self {
            registry,
            tenants: RwLock::new(HashMap::new()),
            sequence: AtomicU64::new(0),
            feed: None,
            signal: ChangeSignal::default(),
            saved_cursors: Mutex::default(),
        }
    }

    fn tenant(&self, ctx: &RequestContext) -> Arc<Tenant> {
        if let Some(tenant) = self
            .tenants
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(ctx.tenant())
        {
            return tenant.clone();
        }
        let mut tenants = self.tenants.write().unwrap_or_else(PoisonError::into_inner);
        tenants.entry(ctx.tenant().into()).or_default().clone()
    }

    /// The shard of a resource type, keyed by the type's canonical name, so that the
    /// usual lookup (by that name) allocates nothing.
    fn shard(&self, tenant: &Tenant, resource_type: &str) -> Result<Arc<Shard>, ProviderError> {
        let shards = tenant.shards.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(shard) = shards.get(resource_type) {
            return Ok(shard.clone());
        }
        drop(shards);
        let definition = self
            .registry
            .resource_type(resource_type)
            .ok_or_else(|| {
                ProviderError::invalid(format!("unknown resource type {resource_type:?}"))
            })?
            .clone();
        let mut shards = tenant
            .shards
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let shard = shards
            .entry(definition.name().to_owned())
            .or_insert_with(|| Arc::new(Shard::new(definition)));
        Ok(shard.clone())
    }

    fn next_seq(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// Create, replace and conditional replace.
    fn write(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        target: Target<'_>,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        let tenant = self.tenant(ctx);
        let shard = self.shard(&tenant, resource_type)?;
        let Value::Object(mut object) = resource else {
            return Err(ProviderError::invalid("a resource must be a JSON object"));
        };
        let id: Arc<str> = match target {
            Target::New => match object.get("id").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.into(),
                _ => crate::new_id()?.into(),
            },
            Target::Existing { id, .. } => id.into(),
        };
        object.insert("id".into(), Value::String(id.to_string()));
        let new_members = shard.layout.has_members.then(|| take_members(&mut object));
        object.remove("groups");
        let base = Value::Object(object);
        let keys = shard.keys(&base);

        let mut state = shard.write();
        let mut old_keys = Vec::new();
        let (previous_members, created, previous_version) = match target {
            Target::New => {
                if state.contains(&id) {
                    return Err(ProviderError::Uniqueness {
                        attribute: "id".into(),
                        value: id.to_string(),
                    });
                }
                (Vec::new(), None, None)
            }
            Target::Existing { expected, .. } => {
                let Some(entry) = state.get(&id) else {
                    return Err(ProviderError::not_found(resource_type, &*id));
                };
                check_expected(&entry.version(), expected)?;
                let old = entry.parse_base()?;
                old_keys = shard.keys(&old);
                let previous = entry
                    .members
                    .as_ref()
                    .map(|m| m.ids().map(str::to_owned).collect())
                    .unwrap_or_default();
                let created = old.pointer("/meta/created").cloned();
                (previous, created, Some(entry.version()))
            }
        };
        state.check_unique(&shard.layout, &id, &keys)?;
        // Locked now (shard, then memberships) to the end of the bookkeeping: a member
        // deleted meanwhile is refused here, or its delete sees this group.
        let mut memberships = tenant.memberships();
        if !ctx.unknown_members_allowed() {
            let ids = new_members.iter().flatten().map(|m| m.value.as_str());
            if let Some(unknown) = memberships.first_unknown(ids) {
                return Err(ProviderError::unknown_member(unknown));
            }
        }
        let base = crate::stamp_meta(base, shard.definition.name(), created);
        let named = |members: Vec<Member>| members.into_iter().map(|m| memberships.with_name(m));
        let members = new_members.map(|members| MemberList::from_members(named(members)));
        let current_members: Vec<String> = members
            .iter()
            .flat_map(|m| m.ids().map(str::to_owned))
            .collect();
        match state.get_mut(&id) {
            Some(entry) => {
                entry.members = members.map(Box::new);
                entry.set_base(&shard.definition, &base);
                state.rekey(&id, &old_keys, keys);
            }
            None => {
                let entry = Entry::new(&shard.definition, &base, members);
                state.insert(&id, self.next_seq(), entry, keys);
                memberships.store(&id);
            }
        }

        // Membership bookkeeping, under the shard lock (shard, then memberships).
        let mut touched = Vec::new();
        // Only a member's groups show its name (a create's id may have memberships
        // waiting, when unknown members are allowed).
        let renamed =
            memberships.set_name(&id, crate::display_of(&base)) && memberships.is_member(&id);
        if shard.layout.has_members {
            for gone in previous_members
                .iter()
                .filter(|m| !current_members.contains(m))
            {
                memberships.leave(gone, &id);
            }
            for member in &current_members {
                memberships.join(member, &id);
            }
            // Every member's display of this group may have changed.
            touched.extend(previous_members);
            touched.extend(current_members);
        }
        if shard.layout.has_groups {
            let groups = memberships.derived_groups(&id);
            if let Some(entry) = state.get_mut(&id) {
                entry.set_groups(groups);
            }
        }
        drop(memberships);
        let stored = state
            .get(&id)
            .ok_or_else(|| ProviderError::not_found(resource_type, &*id))?
            .render(Fetch::ALL)?;
        let change = Change {
            resource_type: shard.definition.name().to_owned(),
            id: id.to_string(),
            kind: ChangeKind::of_write(ctx, matches!(target, Target::Existing { .. })),
            version: Some(stored.version().clone()),
            previous_version,
        };
        self.record(&tenant, ctx.tenant(), change);
        drop(state);

        touched.sort_unstable();
        touched.dedup();
        for member in &touched {
            tenant.refresh_groups(member);
        }
        if renamed {
            tenant.refresh_display(&id);
        }
        Ok(stored)
    }

    fn remove(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<(), ProviderError> {
        let tenant = self.tenant(ctx);
        let shard = self.shard(&tenant, resource_type)?;
        let mut state = shard.write();
        let Some(entry) = state.get(id) else {
            return Err(ProviderError::not_found(resource_type, id));
        };
        check_expected(&entry.version(), expected)?;
        let keys = shard.keys(&entry.parse_base()?);
        let entry = state
            .remove(id, &keys)
            .ok_or_else(|| ProviderError::not_found(resource_type, id))?;
        let (former_members, groups) = {
            let mut memberships = tenant.memberships();
            let former: Vec<String> = entry
                .members
                .iter()
                .flat_map(|m| m.ids().map(str::to_owned))
                .collect();
            for member in &former {
                memberships.leave(member, id);
            }
            memberships.forget_name(id);
            memberships.unstore(id);
            (former, memberships.groups_of(id))
        };
        let change = Change {
            resource_type: shard.definition.name().to_owned(),
            id: id.to_owned(),
            kind: ChangeKind::Deleted,
            version: None,
            previous_version: Some(entry.version()),
        };
        self.record(&tenant, ctx.tenant(), change);
        drop(state);

        for member in &former_members {
            tenant.refresh_groups(member);
        }
        // Remove the deleted resource from every group it belonged to.
        let delta = MembershipDelta {
            add: Vec::new(),
            remove: vec![id.to_owned()],
        };
        for group in groups {
            for shard in self.member_shards(&tenant) {
                if shard.read().contains(&group) {
                    // Unconditional; a group deleted meanwhile needs nothing more.
                    match self.apply_delta(ctx, &tenant, &shard, &group, &delta, None) {
                        Ok(_) | Err(ProviderError::NotFound { .. }) => {}
                        Err(other) => return Err(other),
                    }
                }
            }
        }
        Ok(())
    }

    /// The shards whose resources have members.
    fn member_shards(&self, tenant: &Tenant) -> Vec<Arc<Shard>> {
        let shards = tenant.shards.read().unwrap_or_else(PoisonError::into_inner);
        shards
            .values()
            .filter(|s| s.layout.has_members)
            .cloned()
            .collect()
    }

    fn apply_delta(
        &self,
        ctx: &RequestContext,
        tenant: &Tenant,
        shard: &Shard,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ScimVersion, ProviderError> {
        if !shard.layout.has_members {
            return Err(ProviderError::invalid(format!(
                "{} resources have no members",
                shard.definition.name()
            )));
        }
        let mut state = shard.write();
        let Some(entry) = state.get_mut(id) else {
            return Err(ProviderError::not_found(shard.definition.name(), id));
        };
        let previous_version = entry.version();
        check_expected(&previous_version, expected)?;
        // Locked before the members change (see `write`).
        let mut memberships = tenant.memberships();
        if !ctx.unknown_members_allowed() {
            let ids = delta.add.iter().map(|m| m.value.as_str());
            if let Some(unknown) = memberships.first_unknown(ids) {
                return Err(ProviderError::unknown_member(unknown));
            }
        }
        let members = entry.members.get_or_insert_with(Box::default);
        let added: Vec<String> = delta
            .add
            .iter()
            .filter(|m| members.add(memberships.with_name((*m).clone())))
            .map(|m| m.value.clone())
            .collect();
        let removed: Vec<String> = delta
            .remove
            .iter()
            .filter(|m| members.remove(m))
            .cloned()
            .collect();
        if added.is_empty() && removed.is_empty() {
            return Ok(entry.version());
        }
        let mut base = entry.parse_base()?;
        if let Some(meta) = base.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert(
                "lastModified".into(),
                Value::String(DateTime::now_millis().to_string()),
            );
        }
        entry.set_base(&shard.definition, &base);
        let version = entry.version();
        let group: Arc<str> = id.into();
        for member in &added {
            memberships.join(member, &group);
        }
        for member in &removed {
            memberships.leave(member, id);
        }
        drop(memberships);
        let change = Change {
            resource_type: shard.definition.name().to_owned(),
            id: id.to_owned(),
            version: Some(version.clone()),
            previous_version: Some(previous_version),
            kind: ChangeKind::MembersChanged {
                added: added.clone(),
                removed: removed.clone(),
            },
        };
        self.record(tenant, ctx.tenant(), change);
        drop(state);
        for member in added.iter().chain(&removed) {
            tenant.refresh_groups(member);
        }
        Ok(version)
    }
}

/// What a write targets.
#[derive(Clone, Copy)]
enum Target<'a> {
    New,
    Existing {
        id: &'a str,
        expected: Option<&'a ScimVersion>,
    },
}

/// Removes `members` from a resource and reads it into members.
fn take_members(object: &mut Map<String, Value>) -> Vec<Member> {
    match object.remove("members") {
        Some(Value::Array(items)) => items.iter().filter_map(Member::from_json).collect(),
        _ => Vec::new(),
    }
}

#[async_trait]
impl ResourceProvider for InMemoryProvider {
    async fn create(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        self.write(ctx, resource_type, Target::New, resource)
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<VersionedResource, ProviderError> {
        self.get_with(ctx, resource_type, id, Fetch::ALL).await
    }

    async fn get_with(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        fetch: Fetch,
    ) -> Result<VersionedResource, ProviderError> {
        let tenant = self.tenant(ctx);
        let shard = self.shard(&tenant, resource_type)?;
        let state = shard.read();
        match state.get(id) {
            Some(entry) => entry.render(fetch),
            None => Err(ProviderError::not_found(resource_type, id)),
        }
    }

    async fn get_serialized(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<SerializedResource>, ProviderError> {
        let tenant = self.tenant(ctx);
        let shard = self.shard(&tenant, resource_type)?;
        let state = shard.read();
        match state.get(id) {
            Some(entry) => Ok(entry.serialized()),
            None => Err(ProviderError::not_found(resource_type, id)),
        }
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
        expected: Option<&ScimVersion>,
    ) -> Result<VersionedResource, ProviderError> {
        self.write(
            ctx,
            resource_type,
            Target::Existing { id, expected },
            resource,
        )
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<(), ProviderError> {
        self.remove(ctx, resource_type, id, expected)
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError> {
        let tenant = self.tenant(ctx);
        let shard = self.shard(&tenant, resource_type)?;
        let state = shard.read();
        list::page(&shard, &state, query)
    }

    async fn update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ScimVersion, ProviderError> {
        let tenant = self.tenant(ctx);
        let shard = self.shard(&tenant, resource_type)?;
        self.apply_delta(ctx, &tenant, &shard, id, delta, expected)
    }

    async fn missing(
        &self,
        ctx: &RequestContext,
        resource_types: &[&str],
        ids: &[&str],
    ) -> Result<Vec<String>, ProviderError> {
        let tenant = self.tenant(ctx);
        let mut missing: Vec<&str> = ids.to_vec();
        // One shard lock at a time, each taken once.
        for resource_type in resource_types {
            let shard = self.shard(&tenant, resource_type)?;
            let state = shard.read();
            missing.retain(|id| !state.contains(id));
        }
        Ok(missing.into_iter().map(str::to_owned).collect())
    }
}
