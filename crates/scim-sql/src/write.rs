//! Writes: create, replace (conditional or not) and delete, each one transaction, in
//! three steps: load what the write depends on, compute what it stores, persist it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};

use scim_provider::{
    Change, ChangeKind, Member, MembershipDelta, ProviderError, RequestContext, SetDigest,
    VersionedResource, base_hash, stamp_meta,
};
use scim_schema::{DateTime, ResourceDefinition};
use scim_version::{ScimVersion, VersionConflict};
use serde_json::{Map, Value};
use sqlx::{AnyConnection, Row};

use crate::indexed::{IndexedValues, delete_emails};
use crate::members::{Lock, with_display};
use crate::provider::{SqlProvider, retrying, storage};
use crate::row::{Stored, stale, to_hex};
use crate::unique::UniqueKey;

/// What a write targets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target<'a> {
    /// A new resource (its `id` from the body, or a fresh one).
    New,
    /// The resource `id`, at `expected` when given.
    Existing {
        id: &'a str,
        expected: Option<&'a ScimVersion>,
    },
}

/// What a write depends on, read under the row lock.
struct Loaded {
    /// The stored row a replace overwrites.
    previous: Option<Stored>,
    /// Its `meta.created`, kept.
    created: Option<Value>,
    /// Its members, to refresh the derived `groups` of those who leave or join.
    old_members: Vec<String>,
    /// The groups the resource belongs to (a client-chosen id may have members waiting).
    groups: SetDigest,
    /// What the groups it belongs to show of it, before this write.
    display: Option<String>,
}

/// What a write stores.
struct Computed {
    id: String,
    base: Value,
    base_text: String,
    hash: [u8; 32],
    members: Vec<Member>,
    members_digest: SetDigest,
    version: ScimVersion,
    indexed: IndexedValues,
}

impl SqlProvider {
    /// Create, replace, conditional replace.
    pub(crate) async fn write(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        target: Target<'_>,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        let definition = self.definition(resource_type)?.clone();
        let Value::Object(object) = resource else {
            return Err(ProviderError::invalid("a resource must be a JSON object"));
        };
        let id = match target {
            Target::Existing { id, .. } => id.to_owned(),
            Target::New => match object.get("id").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_owned(),
                _ => scim_provider::new_id()?,
            },
        };
        let outcome = retrying(|| async {
            let mut tx = self.pool.begin().await.map_err(storage)?;
            // The members it keeps, gains and loses are locked first, its row then,
            // as deletes and membership changes do; a stale version is reported
            // before a member deleted meanwhile.
            let leaving = match (definition.has_members(), target) {
                (true, Target::Existing { id, .. }) => {
                    self.member_ids(&mut tx, ctx, definition.name(), id, Lock::None)
                        .await?
                }
                _ => Vec::new(),
            };
            let leaving: Vec<&str> = leaving.iter().map(String::as_str).collect();
            let members = self
                .lock_members(
                    &mut tx,
                    ctx,
                    &definition,
                    &body_member_ids(&object),
                    &leaving,
                )
                .await;
            let loaded = self
                .load_for_write(&mut tx, ctx, &definition, &id, target)
                .await?;
            let displays = members?;
            let mut computed = compute(&definition, &id, object.clone(), &loaded);
            computed.members = (computed.members.into_iter())
                .map(|member| with_display(member, &displays))
                .collect();
            let stored = self
                .persist(&mut tx, ctx, &definition, computed, &loaded)
                .await?;
            let mut outbox = self.outbox();
            outbox.push(Change {
                resource_type: definition.name().to_owned(),
                id: id.clone(),
                kind: ChangeKind::of_write(ctx, matches!(target, Target::Existing { .. })),
                version: Some(stored.version().clone()),
                previous_version: loaded.previous.as_ref().map(Stored::scim_version),
            });
            let recorded = self.flush(&mut tx, ctx.tenant(), outbox).await?;
            tx.commit().await.map_err(storage)?;
            Ok((stored, recorded))
        })
        .await?;
        let (outcome, recorded) = outcome;
        self.committed(recorded, ctx.tenant());
        // The row, and a member row for each member (members, if any, are in the body).
        let members = object
            .get("members")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        self.wrote(1 + members).await;
        Ok(outcome)
    }

    /// Step one: the row a replace overwrites (locked, checked against `expected`),
    /// its members and its groups.
    async fn load_for_write(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        id: &str,
        target: Target<'_>,
    ) -> Result<Loaded, ProviderError> {
        let Target::Existing { expected, .. } = target else {
            let groups = match definition.derives_groups() {
                true => self.groups_digest(conn, ctx.tenant(), id).await?,
                false => SetDigest::default(),
            };
            return Ok(Loaded {
                previous: None,
                created: None,
                old_members: Vec::new(),
                groups,
                display: None,
            });
        };
        let stored = self
            .load(conn, ctx, definition.name(), id, true)
            .await?
            .ok_or_else(|| ProviderError::not_found(definition.name(), id))?;
        if let Some(conflict) = stale(&stored, expected) {
            return Err(conflict.into());
        }
        let base = serde_json::from_str::<Value>(&stored.base).ok();
        let created = base
            .as_ref()
            .and_then(|b| b.pointer("/meta/created").cloned());
        let display = base
            .as_ref()
            .and_then(scim_provider::display_of)
            .map(str::to_owned);
        let old_members = match definition.has_members() {
            true => {
                self.member_ids(conn, ctx, definition.name(), id, Lock::Rows)
                    .await?
            }
            false => Vec::new(),
        };
        Ok(Loaded {
            groups: stored.groups,
            previous: Some(stored),
            created,
            old_members,
            display,
        })
    }

    /// Step three: the row, its addresses and its member rows, then the resource as
    /// written (members and groups included).
    async fn persist(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        computed: Computed,
        loaded: &Loaded,
    ) -> Result<VersionedResource, ProviderError> {
        let (tenant, name, id) = (ctx.tenant(), definition.name(), computed.id.as_str());
        let written = match &loaded.previous {
            None => {
                self.insert_row(conn, tenant, name, &computed, loaded.groups)
                    .await
            }
            Some(stored) => self.update_row(conn, tenant, name, &computed, stored).await,
        };
        match written {
            Ok(0) => return Err(self.lost_row(conn, ctx, name, id, loaded).await),
            Ok(_) => {}
            Err(err) => return Err(self.write_error(err, &computed)),
        }
        if loaded.previous.is_some() {
            delete_emails(conn, self.dialect, tenant, name, id)
                .await
                .map_err(storage)?;
            // Renamed: every group it belongs to shows the new name.
            if loaded.display != computed.indexed.display {
                let display = computed.indexed.display.as_deref();
                self.rename_member(conn, tenant, id, display).await?;
            }
        }
        computed
            .indexed
            .insert_emails(conn, self.dialect, tenant, name, id)
            .await
            .map_err(storage)?;
        if definition.has_members() {
            self.replace_members(conn, ctx, name, id, &computed.members)
                .await?;
            let new: HashSet<&str> = computed.members.iter().map(|m| m.value.as_str()).collect();
            let old: HashSet<&str> = loaded.old_members.iter().map(String::as_str).collect();
            for member in new.symmetric_difference(&old) {
                self.refresh_member(conn, tenant, member).await?;
            }
        }
        // Rendered from what was written (refreshing members touched other rows, never
        // this one); only groups the resource already belonged to need a query.
        let Computed {
            mut base,
            members,
            version,
            ..
        } = computed;
        if let Value::Object(object) = &mut base {
            if !members.is_empty() {
                let members = members.iter().map(Member::to_json).collect();
                object.insert("members".into(), Value::Array(members));
            }
            if definition.derives_groups() && loaded.groups != SetDigest::default() {
                let groups = self.groups_of(conn, ctx, &[id]).await?;
                if let Some(groups) = groups.into_values().next() {
                    object.insert("groups".into(), Value::Array(groups));
                }
            }
        }
        Ok(VersionedResource::with_version(base, version))
    }

    async fn insert_row(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        resource_type: &str,
        computed: &Computed,
        groups: SetDigest,
    ) -> Result<u64, sqlx::Error> {
        let indexed = &computed.indexed;
        let done = sqlx::query(&self.sql(
            "INSERT INTO scim_resources (tenant, resource_type, id, base, base_hash, members_digest, groups_digest, version, user_name, external_id, display_name, display, created_ms) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ))
        .bind(tenant)
        .bind(resource_type)
        .bind(&computed.id)
        .bind(&computed.base_text)
        .bind(to_hex(&computed.hash))
        .bind(to_hex(&computed.members_digest.to_bytes()))
        .bind(to_hex(&groups.to_bytes()))
        .bind(computed.version.opaque())
        .bind(indexed.user_name.clone())
        .bind(indexed.external_id.clone())
        .bind(indexed.display_name.clone())
        .bind(indexed.display.clone())
        .bind(creation_sequence())
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected())
    }

    /// The conditional `UPDATE … AND version = ?` on the version read under the lock.
    async fn update_row(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        resource_type: &str,
        computed: &Computed,
        stored: &Stored,
    ) -> Result<u64, sqlx::Error> {
        let indexed = &computed.indexed;
        let done = sqlx::query(&self.sql(
            "UPDATE scim_resources SET base = ?, base_hash = ?, members_digest = ?, version = ?, user_name = ?, external_id = ?, display_name = ?, display = ? \
             WHERE tenant = ? AND resource_type = ? AND id = ? AND version = ?",
        ))
        .bind(&computed.base_text)
        .bind(to_hex(&computed.hash))
        .bind(to_hex(&computed.members_digest.to_bytes()))
        .bind(computed.version.opaque())
        .bind(indexed.user_name.clone())
        .bind(indexed.external_id.clone())
        .bind(indexed.display_name.clone())
        .bind(indexed.display.clone())
        .bind(tenant)
        .bind(resource_type)
        .bind(&computed.id)
        .bind(&stored.version)
        .execute(&mut *conn)
        .await?;
        Ok(done.rows_affected())
    }

    /// A conditional statement that changed no row although the locked read found it
    /// at the version it names: another writer got past the lock (a database without
    /// row locks, a misconfigured isolation level). Reported as the version mismatch
    /// it is, with the version the row is at now.
    async fn lost_row(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        loaded: &Loaded,
    ) -> ProviderError {
        let Some(read) = &loaded.previous else {
            return ProviderError::storage("a new row was not written", NoRow);
        };
        match self.load(conn, ctx, resource_type, id, false).await {
            Ok(Some(now)) => VersionConflict::new(read.scim_version(), now.scim_version()).into(),
            Ok(None) => ProviderError::not_found(resource_type, id),
            Err(err) => err,
        }
    }

    /// A failed row write: a unique key taken (now, or by a concurrent writer) is
    /// decided by the unique index alone; anything else is a storage failure.
    fn write_error(&self, err: sqlx::Error, computed: &Computed) -> ProviderError {
        let key = err
            .as_database_error()
            .and_then(|e| UniqueKey::violated(self.dialect, e));
        match key {
            Some(UniqueKey::UserName) => ProviderError::Uniqueness {
                attribute: "userName".into(),
                value: computed.indexed.user_name.clone().unwrap_or_default(),
            },
            Some(UniqueKey::Id) => ProviderError::Uniqueness {
                attribute: "id".into(),
                value: computed.id.clone(),
            },
            None => storage(err),
        }
    }

    /// Delete, conditional or not; the resource leaves every group it was in.
    pub(crate) async fn remove(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<(), ProviderError> {
        let recorded = retrying(|| self.remove_once(ctx, resource_type, id, expected)).await?;
        self.committed(recorded, ctx.tenant());
        self.wrote(1).await;
        Ok(())
    }

    async fn remove_once(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<bool, ProviderError> {
        let definition = self.definition(resource_type)?.clone();
        let (tenant, name) = (ctx.tenant(), definition.name());
        let mut outbox = self.outbox();
        let mut tx = self.pool.begin().await.map_err(storage)?;
        // A group's members first, then its row, as every membership change locks.
        if definition.has_members() {
            let members = self.member_ids(&mut tx, ctx, name, id, Lock::None).await?;
            let members: Vec<&str> = members.iter().map(String::as_str).collect();
            self.lock_members(&mut tx, ctx, &definition, &[], &members)
                .await?;
        }
        let stored = self
            .load(&mut tx, ctx, name, id, true)
            .await?
            .ok_or_else(|| ProviderError::not_found(name, id))?;
        if let Some(conflict) = stale(&stored, expected) {
            return Err(conflict.into());
        }
        let deleted = sqlx::query(&self.sql("DELETE FROM scim_resources WHERE tenant = ? AND resource_type = ? AND id = ? AND version = ?"))
            .bind(tenant)
            .bind(name)
            .bind(id)
            .bind(&stored.version)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        if deleted.rows_affected() == 0 {
            let loaded = Loaded {
                previous: Some(stored),
                created: None,
                old_members: Vec::new(),
                groups: SetDigest::default(),
                display: None,
            };
            return Err(self.lost_row(&mut tx, ctx, name, id, &loaded).await);
        }
        delete_emails(&mut tx, self.dialect, tenant, name, id)
            .await
            .map_err(storage)?;
        outbox.push(Change {
            resource_type: name.to_owned(),
            id: id.to_owned(),
            kind: ChangeKind::Deleted,
            version: None,
            previous_version: Some(stored.scim_version()),
        });
        if definition.has_members() {
            let former = self.member_ids(&mut tx, ctx, name, id, Lock::Rows).await?;
            self.replace_members(&mut tx, ctx, name, id, &[]).await?;
            for member in &former {
                self.refresh_member(&mut tx, tenant, member).await?;
            }
        }
        // Remove it from every group it belonged to.
        let rows = sqlx::query(&self.sql(
            "SELECT group_type, group_id FROM scim_members WHERE tenant = ? AND member_id = ?",
        ))
        .bind(tenant)
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(storage)?;
        let mut groups: Vec<(String, String)> = rows
            .iter()
            .filter_map(|r| Some((r.try_get("group_type").ok()?, r.try_get("group_id").ok()?)))
            .collect();
        // In one order, so two deletes never wait on each other's groups in a cycle.
        groups.sort_unstable();
        let delta = MembershipDelta {
            add: Vec::new(),
            remove: vec![id.to_owned()],
        };
        for (group_type, group_id) in groups {
            // Unconditional, inside this transaction: the group is there.
            let (_, change) = self
                .apply_delta(&mut tx, ctx, &group_type, &group_id, &delta, None)
                .await?;
            outbox.extend(change);
        }
        let recorded = self.flush(&mut tx, tenant, outbox).await?;
        tx.commit().await.map_err(storage)?;
        Ok(recorded)
    }
}

/// Step two: the stored form of a resource (without `members`, `groups`,
/// `meta.version`), its digests, its version and its indexed values.
fn compute(
    definition: &ResourceDefinition,
    id: &str,
    mut object: Map<String, Value>,
    loaded: &Loaded,
) -> Computed {
    object.insert("id".into(), Value::String(id.to_owned()));
    let members: Vec<Member> = match object.remove("members") {
        Some(Value::Array(items)) if definition.has_members() => {
            let mut seen = HashSet::new();
            items
                .iter()
                .filter_map(Member::from_json)
                .filter(|m| seen.insert(m.value.clone()))
                .collect()
        }
        _ => Vec::new(),
    };
    object.remove("groups");
    let base = stamp_meta(
        Value::Object(object),
        definition.name(),
        loaded.created.clone(),
    );
    let hash = base_hash(&base);
    let members_digest: SetDigest = members.iter().map(|m| m.value.as_str()).collect();
    Computed {
        id: id.to_owned(),
        indexed: IndexedValues::of(definition, &base),
        base_text: base.to_string(),
        version: Stored::compute_version(hash, members_digest, loaded.groups),
        hash,
        members,
        members_digest,
        base,
    }
}

/// The ids a resource's `members` name.
fn body_member_ids(object: &Map<String, Value>) -> Vec<&str> {
    object
        .get("members")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

/// A statement that should have written a row wrote none.
#[derive(Debug, thiserror::Error)]
#[error("no row was written")]
struct NoRow;

/// A creation order key: microseconds since the epoch, strictly increasing within this
/// process, so resources list in the order they were created (across processes, in the
/// order of their clocks).
fn creation_sequence() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = DateTime::now().unix_micros();
    let previous = LAST
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |last| {
            Some(now.max(last + 1))
        })
        .unwrap_or(now);
    now.max(previous + 1)
}
