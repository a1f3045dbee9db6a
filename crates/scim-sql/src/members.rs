//! Memberships: rows of `scim_members`, membership deltas, the derived `User.groups`,
//! and rendering stored rows into full resources.

use std::collections::{HashMap, HashSet};

use scim_provider::{
    Change, ChangeKind, Fetch, Member, MembershipDelta, ProviderError, RequestContext, SetDigest,
    VersionedResource, base_hash, group_reference,
};
use scim_schema::{DateTime, ResourceDefinition};
use scim_version::{ScimVersion, VersionConflict};
use serde_json::Value;
use sqlx::{AnyConnection, Row};

use crate::provider::{SqlProvider, retrying, storage};
use crate::row::{Stored, from_hex, optional_text, stale, text, to_hex};

/// Ids per `IN (…)` list when rendering many rows.
const RENDER_CHUNK: usize = 200;

/// Member rows per `INSERT` or `DELETE … IN (…)`: 6 parameters a row keeps an insert at
/// 600 parameters, far below every dialect's limit (SQLite's oldest is 999).
const MEMBER_BATCH: usize = 100;

impl SqlProvider {
    /// Resources from stored rows of one type: base, `meta.version`, and the members
    /// and derived groups `fetch` asks for, read with one query each per
    /// [`RENDER_CHUNK`] rows, never one per row (and not at all when not asked for).
    pub(crate) async fn render_all(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        rows: Vec<(String, Stored)>,
        fetch: Fetch,
    ) -> Result<Vec<VersionedResource>, ProviderError> {
        let mut rendered = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(RENDER_CHUNK) {
            let ids: Vec<&str> = chunk.iter().map(|(id, _)| id.as_str()).collect();
            let mut members = if definition.has_members() && fetch.members {
                self.members_of(conn, ctx, definition.name(), &ids).await?
            } else {
                HashMap::new()
            };
            let mut groups = if definition.derives_groups() && fetch.groups {
                self.groups_of(conn, ctx, &ids).await?
            } else {
                HashMap::new()
            };
            for (id, stored) in chunk {
                let mut resource: Value = serde_json::from_str(&stored.base)
                    .map_err(|e| ProviderError::storage("stored resource is not JSON", e))?;
                if let Value::Object(object) = &mut resource {
                    if let Some(members) = members.remove(id.as_str()) {
                        object.insert("members".into(), Value::Array(members));
                    }
                    if let Some(groups) = groups.remove(id.as_str()) {
                        object.insert("groups".into(), Value::Array(groups));
                    }
                }
                rendered.push(VersionedResource::with_version(
                    resource,
                    stored.scim_version(),
                ));
            }
        }
        Ok(rendered)
    }

    /// One resource from its stored row, with what `fetch` asks for.
    pub(crate) async fn render(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        id: &str,
        stored: Stored,
        fetch: Fetch,
    ) -> Result<VersionedResource, ProviderError> {
        self.render_all(conn, ctx, definition, vec![(id.to_owned(), stored)], fetch)
            .await?
            .pop()
            .ok_or_else(|| ProviderError::invalid("the resource vanished"))
    }

    /// The members of each of these groups, in the order they were added, each with
    /// the `display` its row keeps current (see [`rename_member`](Self::rename_member)).
    async fn members_of(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, Vec<Value>>, ProviderError> {
        let sql = self.sql(&format!(
            "SELECT group_id, member, display FROM scim_members WHERE tenant = ? AND group_type = ? \
             AND group_id IN ({}) ORDER BY group_id, position",
            placeholders(ids.len())
        ));
        let mut query = sqlx::query(&sql).bind(ctx.tenant()).bind(group_type);
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(storage)?;
        let mut members: HashMap<String, Vec<Value>> = HashMap::new();
        for row in &rows {
            let group_id: String = row.try_get("group_id").map_err(storage)?;
            let text = text(row, "member").map_err(storage)?;
            let Ok(mut member) = serde_json::from_str::<Value>(&text) else {
                continue;
            };
            let display = optional_text(row, "display").map_err(storage)?;
            if let (Some(display), Value::Object(fields)) = (display, &mut member) {
                fields.insert("display".into(), Value::String(display));
            }
            members.entry(group_id).or_default().push(member);
        }
        Ok(members)
    }

    /// Sets the `display` of `member` in every group it belongs to (what a writer sent
    /// included): a rename's one statement, on the rows the `(tenant, member_id)`
    /// index finds.
    pub(crate) async fn rename_member(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        member: &str,
        display: Option<&str>,
    ) -> Result<(), ProviderError> {
        sqlx::query(
            &self.sql("UPDATE scim_members SET display = ? WHERE tenant = ? AND member_id = ?"),
        )
        .bind(display)
        .bind(tenant)
        .bind(member)
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
        Ok(())
    }

    /// The derived `groups` of each of these resources: a reference to every group
    /// that has it as a member.
    pub(crate) async fn groups_of(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        ids: &[&str],
    ) -> Result<HashMap<String, Vec<Value>>, ProviderError> {
        let sql = self.sql(&format!(
            "SELECT m.member_id, m.group_id, g.display FROM scim_members m JOIN scim_resources g \
             ON g.tenant = m.tenant AND g.resource_type = m.group_type AND g.id = m.group_id \
             WHERE m.tenant = ? AND m.member_id IN ({}) ORDER BY m.group_id",
            placeholders(ids.len())
        ));
        let mut query = sqlx::query(&sql).bind(ctx.tenant());
        for id in ids {
            query = query.bind(*id);
        }
        let rows = query.fetch_all(&mut *conn).await.map_err(storage)?;
        let mut groups: HashMap<String, Vec<Value>> = HashMap::new();
        for row in &rows {
            let member_id: String = row.try_get("member_id").map_err(storage)?;
            let group_id: String = row.try_get("group_id").map_err(storage)?;
            let display = optional_text(row, "display").map_err(storage)?;
            groups
                .entry(member_id)
                .or_default()
                .push(group_reference(&group_id, display.as_deref()));
        }
        Ok(groups)
    }

    /// The digest of the ids of the groups `member` belongs to.
    pub(crate) async fn groups_digest(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        member: &str,
    ) -> Result<SetDigest, ProviderError> {
        // A locking read: on MySQL a plain one would read the transaction's snapshot,
        // which may be older than a membership committed while this one waited.
        let rows = sqlx::query(&self.sql(&format!(
            "SELECT group_id FROM scim_members WHERE tenant = ? AND member_id = ?{}",
            self.dialect.for_share()
        )))
        .bind(tenant)
        .bind(member)
        .fetch_all(&mut *conn)
        .await
        .map_err(storage)?;
        let ids: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get("group_id").ok())
            .collect();
        Ok(ids.iter().map(String::as_str).collect())
    }

    /// Recomputes the groups digest and version of every resource with this id, its row
    /// locked before its memberships are read, so no other write of its groups can
    /// commit in between.
    pub(crate) async fn refresh_member(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        member: &str,
    ) -> Result<(), ProviderError> {
        let mut groups = None;
        // One primary-key lookup per type that derives `groups`: an id alone is not
        // a key prefix, and a scan of the tenant would cost what the tenant holds.
        let holders = self
            .registry()
            .resource_types()
            .filter(|d| d.derives_groups())
            .map(|d| d.name().to_owned())
            .collect::<Vec<_>>();
        for resource_type in holders {
            let row = sqlx::query(&self.sql(&format!(
                "SELECT base_hash, members_digest FROM scim_resources WHERE tenant = ? AND resource_type = ? AND id = ?{}",
                self.dialect.for_update()
            )))
            .bind(tenant)
            .bind(&resource_type)
            .bind(member)
            .fetch_optional(&mut *conn)
            .await
            .map_err(storage)?;
            let Some(row) = row else { continue };
            let groups = match groups {
                Some(groups) => groups,
                None => *groups.insert(self.groups_digest(conn, tenant, member).await?),
            };
            let base = from_hex(&row.try_get::<String, _>("base_hash").map_err(storage)?);
            let members = SetDigest::from_bytes(from_hex(
                &row.try_get::<String, _>("members_digest")
                    .map_err(storage)?,
            ));
            let version = Stored::compute_version(base, members, groups);
            sqlx::query(&self.sql(
                "UPDATE scim_resources SET groups_digest = ?, version = ? WHERE tenant = ? AND resource_type = ? AND id = ?",
            ))
            .bind(to_hex(&groups.to_bytes()))
            .bind(version.opaque())
            .bind(tenant)
            .bind(&resource_type)
            .bind(member)
            .execute(&mut *conn)
            .await
            .map_err(storage)?;
        }
        Ok(())
    }

    ///
    /// `Lock::Rows` reads them locked (the latest rows, on MySQL too, as in
    /// `groups_digest`), for a write that holds the group's row; `Lock::None` reads
    /// them as they are, to know which members to lock before the group's row (a
    /// membership row locked before its group's row would wait in a cycle with a
    /// membership change).
    pub(crate) async fn member_ids(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        id: &str,
        lock: Lock,
    ) -> Result<Vec<String>, ProviderError> {
        let suffix = match lock {
            Lock::Rows => self.dialect.for_share(),
            Lock::None => "",
        };
        let rows = sqlx::query(&self.sql(&format!(
            "SELECT member_id FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ?{suffix}"
        )))
            .bind(ctx.tenant())
            .bind(group_type)
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .map_err(storage)?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get("member_id").ok())
            .collect())
    }

    /// Which of `ids` are a resource of none of `resource_types`: one query per
    /// [`RENDER_CHUNK`] ids.
    pub(crate) async fn missing_ids(
        &self,
        ctx: &RequestContext,
        resource_types: &[&str],
        ids: &[&str],
    ) -> Result<Vec<String>, ProviderError> {
        if resource_types.is_empty() || ids.is_empty() {
            return Ok(ids.iter().map(|id| (*id).to_owned()).collect());
        }
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        let mut found = HashSet::new();
        for chunk in ids.chunks(RENDER_CHUNK) {
            let sql = self.sql(&format!(
                "SELECT id FROM scim_resources WHERE tenant = ? AND resource_type IN ({}) AND id IN ({})",
                placeholders(resource_types.len()),
                placeholders(chunk.len())
            ));
            let mut query = sqlx::query(&sql).bind(ctx.tenant());
            for resource_type in resource_types {
                query = query.bind(*resource_type);
            }
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *conn).await.map_err(storage)? {
                found.insert(row.try_get::<String, _>("id").map_err(storage)?);
            }
        }
        Ok(ids
            .iter()
            .filter(|id| !found.contains(**id))
            .map(|id| (*id).to_owned())
            .collect())
    }

    /// Locks the stored rows of the members a write adds or removes, and refuses an
    /// added one no stored resource of the group's member types is, unless the context
    /// allows unknown members. Answers the `display` of each stored one, read from the
    /// row it locks, so a member joins with its name at no extra cost.
    ///
    /// Inside the write transaction, before the group's row (callers report a stale
    /// group before this refusal). Joining or leaving a group changes the member's
    /// `groups` and version, so the member's row is written too: locked first, two
    /// writes of one member's groups (to two groups at once) take turns rather than
    /// each computing its groups without the other's; and a delete of a member, which
    /// locks it before its groups too, either waits for this write and then removes
    /// the membership, or commits first and is not found here.
    pub(crate) async fn lock_members(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        adding: &[&str],
        removing: &[&str],
    ) -> Result<Displays, ProviderError> {
        let types = self.registry().member_types(definition);
        let mut found = Displays::new();
        if types.is_empty() || (adding.is_empty() && removing.is_empty()) {
            return Ok(found);
        }
        let mut ids: Vec<&str> = adding.iter().chain(removing).copied().collect();
        // One order for every transaction: two never wait on each other's rows.
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(RENDER_CHUNK) {
            let sql = self.sql(&format!(
                "SELECT id, display FROM scim_resources WHERE tenant = ? AND resource_type IN ({}) AND id IN ({}) ORDER BY id{}",
                placeholders(types.len()),
                placeholders(chunk.len()),
                self.dialect.for_update()
            ));
            let mut query = sqlx::query(&sql).bind(ctx.tenant());
            for resource_type in &types {
                query = query.bind(*resource_type);
            }
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut *conn).await.map_err(storage)? {
                let id = row.try_get::<String, _>("id").map_err(storage)?;
                found.insert(id, optional_text(&row, "display").map_err(storage)?);
            }
        }
        if ctx.unknown_members_allowed() {
            return Ok(found);
        }
        match adding.iter().find(|id| !found.contains_key(**id)) {
            Some(id) => Err(ProviderError::unknown_member(id)),
            None => Ok(found),
        }
    }

    /// Which of `ids` are members of the group: [`MEMBER_BATCH`] ids per query.
    async fn present_members(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        group_id: &str,
        ids: &[&str],
    ) -> Result<HashSet<String>, ProviderError> {
        let mut present = HashSet::new();
        for batch in ids.chunks(MEMBER_BATCH) {
            let sql = self.member_batch_sql("SELECT member_id", batch.len());
            let query = bind_member_batch(&sql, ctx.tenant(), group_type, group_id, batch);
            for row in query.fetch_all(&mut *conn).await.map_err(storage)? {
                present.insert(row.try_get::<String, _>("member_id").map_err(storage)?);
            }
        }
        Ok(present)
    }

    /// Replaces every member row of a group by `members`, in order: one delete, then
    /// inserts of [`MEMBER_BATCH`] rows per statement.
    pub(crate) async fn replace_members(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        group_id: &str,
        members: &[Member],
    ) -> Result<(), ProviderError> {
        sqlx::query(
            &self.sql(
                "DELETE FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ?",
            ),
        )
        .bind(ctx.tenant())
        .bind(group_type)
        .bind(group_id)
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
        self.insert_members(conn, ctx, group_type, group_id, members, 0)
            .await
    }

    /// Inserts member rows at positions from `first`, [`MEMBER_BATCH`] per statement.
    async fn insert_members(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        group_id: &str,
        members: &[Member],
        first: i64,
    ) -> Result<(), ProviderError> {
        let mut position = first;
        for batch in members.chunks(MEMBER_BATCH) {
            let rows = vec!["(?, ?, ?, ?, ?, ?, ?)"; batch.len()].join(", ");
            let sql = self.sql(&format!(
                "INSERT INTO scim_members (tenant, group_type, group_id, member_id, member, display, position) VALUES {rows}"
            ));
            let mut query = sqlx::query(&sql);
            for member in batch {
                query = query
                    .bind(ctx.tenant())
                    .bind(group_type)
                    .bind(group_id)
                    .bind(&member.value)
                    .bind(member.to_json().to_string())
                    .bind(member.display.as_deref())
                    .bind(position);
                position += 1;
            }
            query.execute(&mut *conn).await.map_err(storage)?;
        }
        Ok(())
    }

    /// Deletes the rows of these members of a group, [`MEMBER_BATCH`] per statement.
    async fn delete_members(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        group_id: &str,
        members: &[&str],
    ) -> Result<(), ProviderError> {
        for batch in members.chunks(MEMBER_BATCH) {
            let sql = self.member_batch_sql("DELETE", batch.len());
            bind_member_batch(&sql, ctx.tenant(), group_type, group_id, batch)
                .execute(&mut *conn)
                .await
                .map_err(storage)?;
        }
        Ok(())
    }

    /// `{verb} FROM scim_members` for `n` member ids of one group, in this dialect.
    fn member_batch_sql(&self, verb: &str, n: usize) -> String {
        self.sql(&format!(
            "{verb} FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ? AND member_id IN ({})",
            placeholders(n)
        ))
    }

    /// Applies a membership delta inside a transaction; answers the group's version
    /// and, when members joined or left, the change to record.
    pub(crate) async fn apply_delta(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<(ScimVersion, Option<Change>), ProviderError> {
        let definition = self.definition(group_type)?.clone();
        if !definition.has_members() {
            return Err(ProviderError::invalid(format!(
                "{} resources have no members",
                definition.name()
            )));
        }
        let adding: Vec<&str> = delta.add.iter().map(|m| m.value.as_str()).collect();
        let removing: Vec<&str> = delta.remove.iter().map(String::as_str).collect();
        let members = self
            .lock_members(conn, ctx, &definition, &adding, &removing)
            .await;
        let stored = self
            .load(conn, ctx, definition.name(), id, true)
            .await?
            .ok_or_else(|| ProviderError::not_found(definition.name(), id))?;
        if let Some(conflict) = stale(&stored, expected) {
            return Err(conflict.into());
        }
        let displays = members?;
        // Only the ids the delta names are looked up: the cost follows the delta, not
        // the group.
        let named: Vec<&str> = delta
            .add
            .iter()
            .map(|m| m.value.as_str())
            .chain(delta.remove.iter().map(String::as_str))
            .collect();
        let present = self
            .present_members(conn, ctx, definition.name(), id, &named)
            .await?;
        let mut digest = stored.members;
        let mut changed = Vec::new();
        // `ORDER BY … DESC LIMIT 1` rather than `MAX`: the position index answers it by
        // reading one entry whatever the planner's statistics say.
        let row = sqlx::query(&self.sql("SELECT position AS top FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ? ORDER BY position DESC LIMIT 1"))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(storage)?;
        let position = match row.map(|r| r.try_get::<i64, _>("top")) {
            Some(top) => top.map_err(storage)? + 1,
            None => 0,
        };
        let mut seen = HashSet::new();
        let added: Vec<Member> = delta
            .add
            .iter()
            .filter(|m| !present.contains(&m.value) && seen.insert(m.value.as_str()))
            .map(|m| with_display(m.clone(), &displays))
            .collect();
        let mut seen = HashSet::new();
        let removed: Vec<&str> = delta
            .remove
            .iter()
            .map(String::as_str)
            .filter(|m| present.contains(*m) && seen.insert(*m))
            .collect();
        self.insert_members(conn, ctx, definition.name(), id, &added, position)
            .await?;
        self.delete_members(conn, ctx, definition.name(), id, &removed)
            .await?;
        for member in &added {
            digest.insert(&member.value);
            changed.push(member.value.clone());
        }
        for member in &removed {
            digest.remove(member);
            changed.push((*member).to_owned());
        }
        if changed.is_empty() {
            return Ok((stored.scim_version(), None));
        }
        let mut base: Value = serde_json::from_str(&stored.base)
            .map_err(|e| ProviderError::storage("stored resource is not JSON", e))?;
        if let Some(meta) = base.get_mut("meta").and_then(Value::as_object_mut) {
            meta.insert(
                "lastModified".into(),
                Value::String(DateTime::now_millis().to_string()),
            );
        }
        let hash = base_hash(&base);
        let version = Stored::compute_version(hash, digest, stored.groups);
        let updated = sqlx::query(&self.sql(
            "UPDATE scim_resources SET base = ?, base_hash = ?, members_digest = ?, version = ? \
             WHERE tenant = ? AND resource_type = ? AND id = ? AND version = ?",
        ))
        .bind(base.to_string())
        .bind(to_hex(&hash))
        .bind(to_hex(&digest.to_bytes()))
        .bind(version.opaque())
        .bind(ctx.tenant())
        .bind(definition.name())
        .bind(id)
        .bind(&stored.version)
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
        if updated.rows_affected() == 0 {
            // The locked read found it at this version; another writer got past the lock.
            let now = self.load(conn, ctx, definition.name(), id, false).await?;
            return Err(match now {
                Some(now) => VersionConflict::new(stored.scim_version(), now.scim_version()).into(),
                None => ProviderError::not_found(definition.name(), id),
            });
        }
        for member in &changed {
            self.refresh_member(conn, ctx.tenant(), member).await?;
        }
        let change = Change {
            resource_type: definition.name().to_owned(),
            id: id.to_owned(),
            kind: ChangeKind::MembersChanged {
                added: added.into_iter().map(|m| m.value).collect(),
                removed: removed.into_iter().map(str::to_owned).collect(),
            },
            version: Some(version.clone()),
            previous_version: Some(stored.scim_version()),
        };
        Ok((version, Some(change)))
    }

    /// A membership delta in its own transaction.
    pub(crate) async fn delta(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ScimVersion, ProviderError> {
        let (version, recorded) = retrying(|| async {
            let mut tx = self.pool.begin().await.map_err(storage)?;
            let (version, change) = self
                .apply_delta(&mut tx, ctx, resource_type, id, delta, expected)
                .await?;
            let mut outbox = self.outbox();
            outbox.extend(change);
            let recorded = self.flush(&mut tx, ctx.tenant(), outbox).await?;
            tx.commit().await.map_err(storage)?;
            Ok((version, recorded))
        })
        .await?;
        self.committed(recorded, ctx.tenant());
        // Member rows count: a planner that last saw a small `scim_members` scans it.
        self.wrote(delta.add.len() + delta.remove.len()).await;
        Ok(version)
    }
}

/// Whether [`SqlProvider::member_ids`] locks the rows it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lock {
    Rows,
    None,
}

/// A [`member_batch_sql`](SqlProvider::member_batch_sql) statement with the group's
/// key and the member ids bound.
fn bind_member_batch<'q>(
    sql: &'q str,
    tenant: &'q str,
    group_type: &'q str,
    group_id: &'q str,
    ids: &'q [&str],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let query = sqlx::query(sql)
        .bind(tenant)
        .bind(group_type)
        .bind(group_id);
    ids.iter().fold(query, |query, id| query.bind(*id))
}

/// The `display` of each member a write locked, by id (`None`: it has none).
pub(crate) type Displays = HashMap<String, Option<String>>;

/// `member` as a group shows it ([`Member::or_display`]), by the `displays` locked.
pub(crate) fn with_display(member: Member, displays: &Displays) -> Member {
    let name = displays.get(&member.value).and_then(Option::as_deref);
    member.or_display(name)
}

/// `?, ?, …`: `n` placeholders for an `IN` list.
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}
