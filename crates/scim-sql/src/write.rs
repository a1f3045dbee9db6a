//! Writes: create, replace (conditional or not) and delete, each one transaction.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, Ordering};

use scim_provider::{
    Member, MembershipDelta, ProviderError, RequestContext, SetDigest, VersionedResource,
    base_hash, stamp_meta,
};
use scim_schema::DateTime;
use scim_version::{ConditionalResult, ScimVersion};
use serde_json::Value;
use sqlx::Row;

use crate::indexed::{IndexedValues, delete_emails};
use crate::provider::{SqlProvider, retrying, storage};
use crate::row::{Stored, stale, to_hex};

impl SqlProvider {
    /// Create, replace, conditional replace.
    pub(crate) async fn write(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        target: Option<(&str, Option<&ScimVersion>)>,
        resource: Value,
    ) -> Result<ConditionalResult<VersionedResource>, ProviderError> {
        let outcome =
            retrying(|| self.write_once(ctx, resource_type, target, resource.clone())).await?;
        self.wrote().await;
        Ok(outcome)
    }

    async fn write_once(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        target: Option<(&str, Option<&ScimVersion>)>,
        resource: Value,
    ) -> Result<ConditionalResult<VersionedResource>, ProviderError> {
        let definition = self.definition(resource_type)?.clone();
        let Value::Object(mut object) = resource else {
            return Err(ProviderError::invalid("a resource must be a JSON object"));
        };
        let id = match target {
            Some((id, _)) => id.to_owned(),
            None => match object.get("id").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_owned(),
                _ => scim_provider::new_id()?,
            },
        };
        object.insert("id".into(), Value::String(id.clone()));
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

        let mut tx = self.pool.begin().await.map_err(storage)?;
        let (previous, created) = match target {
            None => (None, None),
            Some((_, expected)) => {
                let Some(stored) = self
                    .load(&mut tx, ctx, definition.name(), &id, true)
                    .await?
                else {
                    return Ok(ConditionalResult::NotFound);
                };
                if let Some(conflict) = stale(&stored, expected) {
                    return Ok(ConditionalResult::VersionMismatch(conflict));
                }
                let created = serde_json::from_str::<Value>(&stored.base)
                    .ok()
                    .and_then(|b| b.pointer("/meta/created").cloned());
                (Some(stored), created)
            }
        };
        let base = stamp_meta(Value::Object(object), definition.name(), created);
        let indexed = IndexedValues::of(&definition, &base);
        let old_members: Vec<String> = if previous.is_some() {
            self.member_ids(&mut tx, ctx, definition.name(), &id)
                .await?
        } else {
            Vec::new()
        };
        let members_digest: SetDigest = members.iter().map(|m| m.value.as_str()).collect();
        let groups_digest = match &previous {
            Some(stored) => stored.groups,
            None if definition.derives_groups() => {
                self.groups_digest(&mut tx, ctx.tenant(), &id).await?
            }
            None => SetDigest::default(),
        };
        let hash = base_hash(&base);
        let version = Stored::compute_version(hash, members_digest, groups_digest);
        let base_text = base.to_string();
        let outcome = match &previous {
            None => sqlx::query(&self.sql(
                "INSERT INTO scim_resources (tenant, resource_type, id, base, base_hash, members_digest, groups_digest, version, user_name, external_id, display_name, created_ms) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(&id)
            .bind(&base_text)
            .bind(to_hex(&hash))
            .bind(to_hex(&members_digest.to_bytes()))
            .bind(to_hex(&groups_digest.to_bytes()))
            .bind(version.opaque())
            .bind(indexed.user_name.clone())
            .bind(indexed.external_id.clone())
            .bind(indexed.display_name.clone())
            .bind(creation_sequence())
            .execute(&mut *tx)
            .await,
            Some(stored) => sqlx::query(&self.sql(
                "UPDATE scim_resources SET base = ?, base_hash = ?, members_digest = ?, version = ?, user_name = ?, external_id = ?, display_name = ? \
                 WHERE tenant = ? AND resource_type = ? AND id = ? AND version = ?",
            ))
            .bind(&base_text)
            .bind(to_hex(&hash))
            .bind(to_hex(&members_digest.to_bytes()))
            .bind(version.opaque())
            .bind(indexed.user_name.clone())
            .bind(indexed.external_id.clone())
            .bind(indexed.display_name.clone())
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(&id)
            .bind(&stored.version)
            .execute(&mut *tx)
            .await,
        };
        if let Err(err) = outcome {
            // The unique indexes decide: `userName` taken (now or by a concurrent
            // writer), or, rarely, a client-chosen id.
            let database = err.as_database_error();
            let unique = database.is_some_and(|e| e.is_unique_violation());
            let on_user_name = database.is_some_and(|e| {
                e.constraint().is_some_and(|c| c.contains("user_name"))
                    || e.message().contains("user_name")
            });
            return Err(match (unique, indexed.user_name) {
                (true, Some(name)) if on_user_name => ProviderError::Uniqueness {
                    attribute: "userName".into(),
                    value: name,
                },
                (true, _) => ProviderError::Uniqueness {
                    attribute: "id".into(),
                    value: id,
                },
                (false, _) => storage(err),
            });
        }
        if previous.is_some() {
            delete_emails(&mut tx, self.dialect, ctx.tenant(), definition.name(), &id)
                .await
                .map_err(storage)?;
        }
        indexed
            .insert_emails(&mut tx, self.dialect, ctx.tenant(), definition.name(), &id)
            .await
            .map_err(storage)?;
        if definition.has_members() {
            sqlx::query(&self.sql(
                "DELETE FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ?",
            ))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
            for (position, member) in members.iter().enumerate() {
                self.insert_member(
                    &mut tx,
                    ctx,
                    definition.name(),
                    &id,
                    member,
                    position as i64,
                )
                .await?;
            }
            let new: HashSet<&str> = members.iter().map(|m| m.value.as_str()).collect();
            let old: HashSet<&str> = old_members.iter().map(String::as_str).collect();
            for member in new.symmetric_difference(&old) {
                self.refresh_member(&mut tx, ctx.tenant(), member).await?;
            }
        }
        // Rendered from what was written (refreshing members touched other rows, never
        // this one); only groups the resource already belonged to need a query.
        let mut resource = base;
        if let Value::Object(object) = &mut resource {
            if !members.is_empty() {
                let members = members.iter().map(Member::to_json).collect();
                object.insert("members".into(), Value::Array(members));
            }
            if definition.derives_groups() && groups_digest != SetDigest::default() {
                let groups = self.groups_of(&mut tx, ctx, &[id.as_str()]).await?;
                if let Some(groups) = groups.into_values().next() {
                    object.insert("groups".into(), Value::Array(groups));
                }
            }
        }
        let rendered = VersionedResource::with_version(resource, version);
        tx.commit().await.map_err(storage)?;
        Ok(ConditionalResult::Success(rendered))
    }

    /// Delete, conditional or not; the resource leaves every group it was in.
    pub(crate) async fn remove(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<ConditionalResult<()>, ProviderError> {
        let outcome = retrying(|| self.remove_once(ctx, resource_type, id, expected)).await?;
        self.wrote().await;
        Ok(outcome)
    }

    async fn remove_once(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: Option<&ScimVersion>,
    ) -> Result<ConditionalResult<()>, ProviderError> {
        let definition = self.definition(resource_type)?.clone();
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let Some(stored) = self.load(&mut tx, ctx, definition.name(), id, true).await? else {
            return Ok(ConditionalResult::NotFound);
        };
        if let Some(conflict) = stale(&stored, expected) {
            return Ok(ConditionalResult::VersionMismatch(conflict));
        }
        sqlx::query(&self.sql("DELETE FROM scim_resources WHERE tenant = ? AND resource_type = ? AND id = ? AND version = ?"))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(id)
            .bind(&stored.version)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        delete_emails(&mut tx, self.dialect, ctx.tenant(), definition.name(), id)
            .await
            .map_err(storage)?;
        if definition.has_members() {
            let former = self.member_ids(&mut tx, ctx, definition.name(), id).await?;
            sqlx::query(&self.sql(
                "DELETE FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ?",
            ))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
            for member in &former {
                self.refresh_member(&mut tx, ctx.tenant(), member).await?;
            }
        }
        // Remove it from every group it belonged to.
        let rows = sqlx::query(&self.sql(
            "SELECT group_type, group_id FROM scim_members WHERE tenant = ? AND member_id = ?",
        ))
        .bind(ctx.tenant())
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .map_err(storage)?;
        let groups: Vec<(String, String)> = rows
            .iter()
            .filter_map(|r| Some((r.try_get("group_type").ok()?, r.try_get("group_id").ok()?)))
            .collect();
        let delta = MembershipDelta {
            add: Vec::new(),
            remove: vec![id.to_owned()],
        };
        for (group_type, group_id) in groups {
            // Unconditional, inside this transaction: the group is there.
            let _ = self
                .apply_delta(&mut tx, ctx, &group_type, &group_id, &delta, None)
                .await?;
        }
        tx.commit().await.map_err(storage)?;
        Ok(ConditionalResult::Success(()))
    }
}

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
