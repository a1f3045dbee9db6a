//! [`SqlProvider`]: the provider on sqlx.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use async_trait::async_trait;
use scim_provider::{
    ConditionalProvider, ListPage, ListQuery, Member, MembershipDelta, ProviderError,
    RequestContext, ResourceProvider, SetDigest, VersionedResource, base_hash, group_reference,
    require_found, stamp_meta,
};
use scim_schema::{CompValue, CompareOp, DateTime, Filter, ResourceDefinition, SchemaRegistry};
use scim_version::{ConditionalResult, ScimVersion, VersionConflict};
use serde_json::Value;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Row};

use crate::Dialect;
use crate::row::{Stored, from_hex, to_hex};

/// A [`ResourceProvider`] and [`ConditionalProvider`] on SQLite, PostgreSQL or
/// MySQL/MariaDB.
///
/// - Rows keyed by (tenant, resource type, id) hold the resource JSON (without
///   `members`, derived `groups` and `meta.version`), its version and the digests the
///   version is made of, and indexed columns for `userName` (lower-cased, unique per
///   tenant and type) and `externalId`.
/// - Members are rows of `scim_members`: a membership change inserts or deletes rows and
///   updates the group's digest, never rewrites the member list; `User.groups` is a join.
/// - Every write is one transaction that locks the row (`SELECT … FOR UPDATE`; SQLite's
///   writers are serialized) and updates it with `WHERE version = ?`, so a stale
///   version is refused and two processes on one database never both win.
/// - `id eq`, `userName eq` and `externalId eq` filters (also inside `and`) are
///   answered from indexes; everything else is evaluated in Rust with `scim-schema`'s
///   evaluator, so results never differ from the in-memory provider.
#[derive(Debug, Clone)]
pub struct SqlProvider {
    pool: AnyPool,
    dialect: Dialect,
    registry: Arc<SchemaRegistry>,
}

/// Maps a database error.
fn storage(err: sqlx::Error) -> ProviderError {
    ProviderError::storage("database error", err)
}

impl SqlProvider {
    /// Connects to `url` (`sqlite://scim.db`, `postgres://…`, `mysql://…`) for the
    /// resource types of [`SchemaRegistry::default`], and creates the schema if needed.
    pub async fn connect(url: &str) -> Result<Self, ProviderError> {
        Self::connect_with_registry(url, Arc::new(SchemaRegistry::default())).await
    }

    /// Connects for the resource types of `registry`.
    ///
    /// SQLite runs in WAL mode with `synchronous=NORMAL`: a committed write survives the
    /// process being killed (only a power loss or OS crash may lose the last
    /// transactions); writers are serialized through one connection. Pooled connections
    /// are not pinged before use (that doubled the round trips of every read); a broken
    /// one fails its statement and is replaced.
    pub async fn connect_with_registry(
        url: &str,
        registry: Arc<SchemaRegistry>,
    ) -> Result<Self, ProviderError> {
        sqlx::any::install_default_drivers();
        let dialect = Dialect::from_url(url)
            .ok_or_else(|| ProviderError::invalid(format!("unsupported database URL {url:?}")))?;
        let url = match dialect {
            Dialect::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_owned(),
        };
        let options: AnyConnectOptions = url.parse().map_err(storage)?;
        let pool = match dialect {
            Dialect::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::query("PRAGMA journal_mode=WAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA synchronous=NORMAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA busy_timeout=5000")
                                .execute(&mut *conn)
                                .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await
            }
            _ => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await
            }
        }
        .map_err(storage)?;
        let provider = Self {
            pool,
            dialect,
            registry,
        };
        provider.migrate().await?;
        Ok(provider)
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Creates the tables and indexes if they do not exist.
    async fn migrate(&self) -> Result<(), ProviderError> {
        for statement in self.dialect.schema() {
            sqlx::query(&statement)
                .execute(&self.pool)
                .await
                .map_err(storage)?;
        }
        Ok(())
    }

    fn sql(&self, sql: &str) -> String {
        self.dialect.sql(sql)
    }

    fn definition(&self, resource_type: &str) -> Result<&Arc<ResourceDefinition>, ProviderError> {
        self.registry.resource_type(resource_type).ok_or_else(|| {
            ProviderError::invalid(format!("unknown resource type {resource_type:?}"))
        })
    }

    async fn load(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        lock: bool,
    ) -> Result<Option<Stored>, ProviderError> {
        let sql = format!(
            "SELECT base, members_digest, groups_digest, version FROM scim_resources \
             WHERE tenant = ? AND resource_type = ? AND id = ?{}",
            if lock { self.dialect.for_update() } else { "" }
        );
        let row = sqlx::query(&self.sql(&sql))
            .bind(ctx.tenant())
            .bind(resource_type)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(storage)?;
        row.as_ref().map(stored_from).transpose().map_err(storage)
    }

    /// The full resource: base, members, derived groups, `meta.version`.
    async fn render(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        id: &str,
        stored: &Stored,
    ) -> Result<VersionedResource, ProviderError> {
        let mut resource: Value = serde_json::from_str(&stored.base)
            .map_err(|e| ProviderError::storage("stored resource is not JSON", e))?;
        if let Value::Object(object) = &mut resource {
            if definition.has_members() {
                let rows = sqlx::query(&self.sql(
                    "SELECT member FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ? ORDER BY position",
                ))
                .bind(ctx.tenant())
                .bind(definition.name())
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err(storage)?;
                let members: Vec<Value> = rows
                    .iter()
                    .filter_map(|row| text(row, "member").ok())
                    .filter_map(|text| serde_json::from_str(&text).ok())
                    .collect();
                if !members.is_empty() {
                    object.insert("members".into(), Value::Array(members));
                }
            }
            if definition.derives_groups() {
                let rows = sqlx::query(&self.sql(
                    "SELECT m.group_id, g.base FROM scim_members m JOIN scim_resources g \
                     ON g.tenant = m.tenant AND g.resource_type = m.group_type AND g.id = m.group_id \
                     WHERE m.tenant = ? AND m.member_id = ? ORDER BY m.group_id",
                ))
                .bind(ctx.tenant())
                .bind(id)
                .fetch_all(&mut *conn)
                .await
                .map_err(storage)?;
                let groups: Vec<Value> = rows
                    .iter()
                    .filter_map(|row| {
                        let group_id: String = row.try_get("group_id").ok()?;
                        let base = text(row, "base").ok()?;
                        let display = serde_json::from_str::<Value>(&base).ok().and_then(|b| {
                            b.get("displayName")
                                .and_then(Value::as_str)
                                .map(str::to_owned)
                        });
                        Some(group_reference(&group_id, display.as_deref()))
                    })
                    .collect();
                if !groups.is_empty() {
                    object.insert("groups".into(), Value::Array(groups));
                }
            }
        }
        Ok(VersionedResource::with_version(
            resource,
            stored.scim_version(),
        ))
    }

    /// Recomputes the groups digest and version of every resource with this id.
    async fn refresh_member(
        &self,
        conn: &mut AnyConnection,
        tenant: &str,
        member: &str,
    ) -> Result<(), ProviderError> {
        let rows = sqlx::query(
            &self.sql("SELECT group_id FROM scim_members WHERE tenant = ? AND member_id = ?"),
        )
        .bind(tenant)
        .bind(member)
        .fetch_all(&mut *conn)
        .await
        .map_err(storage)?;
        let ids: Vec<String> = rows
            .iter()
            .filter_map(|r| r.try_get("group_id").ok())
            .collect();
        let groups: SetDigest = ids.iter().map(String::as_str).collect();
        let rows = sqlx::query(&self.sql(
            "SELECT resource_type, base_hash, members_digest FROM scim_resources WHERE tenant = ? AND id = ?",
        ))
        .bind(tenant)
        .bind(member)
        .fetch_all(&mut *conn)
        .await
        .map_err(storage)?;
        for row in rows {
            let resource_type: String = row.try_get("resource_type").map_err(storage)?;
            if !self
                .registry
                .resource_type(&resource_type)
                .is_some_and(|d| d.derives_groups())
            {
                continue;
            }
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
            .bind(version)
            .bind(tenant)
            .bind(&resource_type)
            .bind(member)
            .execute(&mut *conn)
            .await
            .map_err(storage)?;
        }
        Ok(())
    }

    /// Create, replace, conditional replace.
    async fn write(
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
                _ => scim_provider::new_id(),
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
        let user_name = base
            .get("userName")
            .and_then(Value::as_str)
            .map(str::to_lowercase);
        let external_id = base
            .get("externalId")
            .and_then(Value::as_str)
            .map(str::to_owned);
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
                let rows =
                    sqlx::query(&self.sql(
                        "SELECT group_id FROM scim_members WHERE tenant = ? AND member_id = ?",
                    ))
                    .bind(ctx.tenant())
                    .bind(&id)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(storage)?;
                let ids: Vec<String> = rows
                    .iter()
                    .filter_map(|r| r.try_get("group_id").ok())
                    .collect();
                ids.iter().map(String::as_str).collect()
            }
            None => SetDigest::default(),
        };
        let hash = base_hash(&base);
        let version = Stored::compute_version(hash, members_digest, groups_digest);
        let base_text = base.to_string();
        if let Some(name) = &user_name {
            let taken = sqlx::query(&self.sql(
                "SELECT id FROM scim_resources WHERE tenant = ? AND resource_type = ? AND user_name = ? AND id <> ?",
            ))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(name)
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?;
            if taken.is_some() {
                return Err(ProviderError::Uniqueness {
                    attribute: "userName".into(),
                    value: name.clone(),
                });
            }
        }
        let outcome = match &previous {
            None => sqlx::query(&self.sql(
                "INSERT INTO scim_resources (tenant, resource_type, id, base, base_hash, members_digest, groups_digest, version, user_name, external_id, created_ms) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(&id)
            .bind(&base_text)
            .bind(to_hex(&hash))
            .bind(to_hex(&members_digest.to_bytes()))
            .bind(to_hex(&groups_digest.to_bytes()))
            .bind(&version)
            .bind(user_name.clone())
            .bind(external_id)
            .bind(creation_sequence())
            .execute(&mut *tx)
            .await,
            Some(stored) => sqlx::query(&self.sql(
                "UPDATE scim_resources SET base = ?, base_hash = ?, members_digest = ?, version = ?, user_name = ?, external_id = ? \
                 WHERE tenant = ? AND resource_type = ? AND id = ? AND version = ?",
            ))
            .bind(&base_text)
            .bind(to_hex(&hash))
            .bind(to_hex(&members_digest.to_bytes()))
            .bind(&version)
            .bind(user_name.clone())
            .bind(external_id)
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(&id)
            .bind(&stored.version)
            .execute(&mut *tx)
            .await,
        };
        if let Err(err) = outcome {
            // A concurrent writer took the userName (or, rarely, the id) since the check.
            let database = err.as_database_error();
            let unique = database.is_some_and(|e| e.is_unique_violation());
            let on_id = database
                .and_then(|e| e.constraint())
                .is_some_and(|c| !c.contains("user_name"));
            return Err(match (unique, user_name) {
                (true, Some(name)) if !on_id => ProviderError::Uniqueness {
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
        let stored = self
            .load(&mut tx, ctx, definition.name(), &id, false)
            .await?
            .ok_or_else(|| ProviderError::invalid("the resource vanished"))?;
        let rendered = self.render(&mut tx, ctx, &definition, &id, &stored).await?;
        tx.commit().await.map_err(storage)?;
        Ok(ConditionalResult::Success(rendered))
    }

    async fn member_ids(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        id: &str,
    ) -> Result<Vec<String>, ProviderError> {
        let rows = sqlx::query(&self.sql("SELECT member_id FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ?"))
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

    async fn insert_member(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        group_id: &str,
        member: &Member,
        position: i64,
    ) -> Result<(), ProviderError> {
        sqlx::query(&self.sql(
            "INSERT INTO scim_members (tenant, group_type, group_id, member_id, member, position) VALUES (?, ?, ?, ?, ?, ?)",
        ))
        .bind(ctx.tenant())
        .bind(group_type)
        .bind(group_id)
        .bind(&member.value)
        .bind(member.to_json().to_string())
        .bind(position)
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn remove(
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

    /// Applies a membership delta inside a transaction.
    async fn apply_delta(
        &self,
        conn: &mut AnyConnection,
        ctx: &RequestContext,
        group_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ConditionalResult<ScimVersion>, ProviderError> {
        let definition = self.definition(group_type)?.clone();
        if !definition.has_members() {
            return Err(ProviderError::invalid(format!(
                "{} resources have no members",
                definition.name()
            )));
        }
        let Some(stored) = self.load(conn, ctx, definition.name(), id, true).await? else {
            return Ok(ConditionalResult::NotFound);
        };
        if let Some(conflict) = stale(&stored, expected) {
            return Ok(ConditionalResult::VersionMismatch(conflict));
        }
        let present: HashSet<String> = self
            .member_ids(conn, ctx, definition.name(), id)
            .await?
            .into_iter()
            .collect();
        let mut digest = stored.members;
        let mut changed = Vec::new();
        let mut position = i64::try_from(present.len()).unwrap_or(0);
        let row = sqlx::query(&self.sql("SELECT MAX(position) AS top FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ?"))
            .bind(ctx.tenant())
            .bind(definition.name())
            .bind(id)
            .fetch_one(&mut *conn)
            .await
            .map_err(storage)?;
        if let Ok(Some(top)) = row.try_get::<Option<i64>, _>("top") {
            position = position.max(top + 1);
        }
        let mut added = HashSet::new();
        for member in &delta.add {
            if present.contains(&member.value) || !added.insert(member.value.clone()) {
                continue;
            }
            self.insert_member(conn, ctx, definition.name(), id, member, position)
                .await?;
            position += 1;
            digest.insert(&member.value);
            changed.push(member.value.clone());
        }
        for member in &delta.remove {
            if !present.contains(member) {
                continue;
            }
            sqlx::query(&self.sql("DELETE FROM scim_members WHERE tenant = ? AND group_type = ? AND group_id = ? AND member_id = ?"))
                .bind(ctx.tenant())
                .bind(definition.name())
                .bind(id)
                .bind(member)
                .execute(&mut *conn)
                .await
                .map_err(storage)?;
            digest.remove(member);
            changed.push(member.clone());
        }
        if changed.is_empty() {
            return Ok(ConditionalResult::Success(stored.scim_version()));
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
        sqlx::query(&self.sql(
            "UPDATE scim_resources SET base = ?, base_hash = ?, members_digest = ?, version = ? \
             WHERE tenant = ? AND resource_type = ? AND id = ? AND version = ?",
        ))
        .bind(base.to_string())
        .bind(to_hex(&hash))
        .bind(to_hex(&digest.to_bytes()))
        .bind(&version)
        .bind(ctx.tenant())
        .bind(definition.name())
        .bind(id)
        .bind(&stored.version)
        .execute(&mut *conn)
        .await
        .map_err(storage)?;
        for member in &changed {
            self.refresh_member(conn, ctx.tenant(), member).await?;
        }
        Ok(ConditionalResult::Success(
            ScimVersion::from_hash(&version)
                .map_err(|e| ProviderError::storage("bad version", e))?,
        ))
    }

    async fn delta(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: Option<&ScimVersion>,
    ) -> Result<ConditionalResult<ScimVersion>, ProviderError> {
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let result = self
            .apply_delta(&mut tx, ctx, resource_type, id, delta, expected)
            .await?;
        tx.commit().await.map_err(storage)?;
        Ok(result)
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

/// The columns of a `scim_resources` row a write or a read needs.
fn stored_from(row: &sqlx::any::AnyRow) -> Result<Stored, sqlx::Error> {
    let digest = |column: &str| -> Result<SetDigest, sqlx::Error> {
        Ok(SetDigest::from_bytes(from_hex(
            &row.try_get::<String, _>(column)?,
        )))
    };
    Ok(Stored {
        base: text(row, "base")?,
        members: digest("members_digest")?,
        groups: digest("groups_digest")?,
        version: row.try_get("version")?,
    })
}

/// A text column; MySQL's `LONGTEXT` reaches sqlx's `Any` driver as bytes.
fn text(row: &sqlx::any::AnyRow, column: &str) -> Result<String, sqlx::Error> {
    match row.try_get::<String, _>(column) {
        Ok(text) => Ok(text),
        Err(_) => {
            let bytes: Vec<u8> = row.try_get(column)?;
            String::from_utf8(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))
        }
    }
}

/// The conflict when `stored` is not at `expected`.
fn stale(stored: &Stored, expected: Option<&ScimVersion>) -> Option<VersionConflict> {
    let expected = expected?;
    let current = stored.scim_version();
    (!current.matches(expected)).then(|| VersionConflict::new(expected.clone(), current))
}

/// The column a `sortBy` is served from in SQL, for the attributes stored in columns.
fn sort_column(sort: &scim_schema::SortSpec) -> Option<&'static str> {
    let path = &sort.by;
    if path.sub_attribute.is_some() {
        return match (
            path.name.to_ascii_lowercase().as_str(),
            path.sub_attribute.as_deref(),
        ) {
            ("meta", Some(sub)) if sub.eq_ignore_ascii_case("created") => Some("created_ms"),
            _ => None,
        };
    }
    match path.name.to_ascii_lowercase().as_str() {
        "id" => Some("id"),
        "username" => Some("user_name"),
        "externalid" => Some("external_id"),
        _ => None,
    }
}

/// The indexed column and value an `eq` filter (possibly inside `and`) can be served
/// from.
fn indexed(filter: &Filter) -> Option<(&'static str, String)> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::String(value),
        } if path.sub_attribute.is_none() => {
            let core = path.schema.as_deref().is_none_or(|s| {
                s.eq_ignore_ascii_case(scim_schema::builtin::USER)
                    || s.eq_ignore_ascii_case(scim_schema::builtin::GROUP)
            });
            match path.name.to_ascii_lowercase().as_str() {
                "id" if core => Some(("id", value.clone())),
                "username" if core => Some(("user_name", value.to_lowercase())),
                "externalid" if core => Some(("external_id", value.clone())),
                _ => None,
            }
        }
        Filter::And(a, b) => indexed(a).or_else(|| indexed(b)),
        _ => None,
    }
}

impl SqlProvider {
    /// A list answered entirely in SQL (filter, count, order, page), when the filter is
    /// absent or one indexed `eq` and the sort is absent or on a stored column; `None`
    /// otherwise, and the caller evaluates in Rust.
    async fn list_in_sql(
        &self,
        ctx: &RequestContext,
        definition: &ResourceDefinition,
        query: &ListQuery,
        window: scim_provider::PageWindow,
    ) -> Result<Option<ListPage>, ProviderError> {
        let condition = match &query.filter {
            None => None,
            Some(filter @ Filter::Compare { .. }) => match indexed(filter) {
                Some(condition) => Some(condition),
                None => return Ok(None),
            },
            Some(_) => return Ok(None),
        };
        let order = match &query.sort {
            None => "created_ms, id".to_owned(),
            Some(sort) => {
                let Some(column) = sort_column(sort) else {
                    return Ok(None);
                };
                let direction = match sort.order {
                    scim_schema::SortOrder::Ascending => "ASC",
                    scim_schema::SortOrder::Descending => "DESC",
                };
                // Missing values last in both directions, then creation order.
                format!("({column} IS NULL), {column} {direction}, created_ms, id")
            }
        };
        let clause = match &condition {
            Some((column, _)) => format!("tenant = ? AND resource_type = ? AND {column} = ?"),
            None => "tenant = ? AND resource_type = ?".to_owned(),
        };
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        let count_sql = self.sql(&format!(
            "SELECT COUNT(*) AS total FROM scim_resources WHERE {clause}"
        ));
        let mut count = sqlx::query(&count_sql)
            .bind(ctx.tenant())
            .bind(definition.name());
        if let Some((_, value)) = &condition {
            count = count.bind(value.clone());
        }
        let total: i64 = count
            .fetch_one(&mut *conn)
            .await
            .map_err(storage)?
            .try_get("total")
            .map_err(storage)?;
        let limit = i64::try_from(window.limit)
            .unwrap_or(i64::MAX)
            .min(i64::from(u32::MAX));
        let page_sql = self.sql(&format!(
            "SELECT id, base, members_digest, groups_digest, version FROM scim_resources WHERE {clause} \
             ORDER BY {order} LIMIT {limit} OFFSET {}",
            window.offset
        ));
        let mut page = sqlx::query(&page_sql)
            .bind(ctx.tenant())
            .bind(definition.name());
        if let Some((_, value)) = &condition {
            page = page.bind(value.clone());
        }
        let rows = page.fetch_all(&mut *conn).await.map_err(storage)?;
        let mut resources = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("id").map_err(storage)?;
            let stored = stored_from(&row).map_err(storage)?;
            resources.push(
                self.render(&mut conn, ctx, definition, &id, &stored)
                    .await?,
            );
        }
        Ok(Some(ListPage::new(
            resources,
            usize::try_from(total).unwrap_or(0),
            window,
        )))
    }
}

#[async_trait]
impl ResourceProvider for SqlProvider {
    async fn create(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        require_found(
            self.write(ctx, resource_type, None, resource).await?,
            resource_type,
            "",
        )
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<VersionedResource, ProviderError> {
        let definition = self.definition(resource_type)?.clone();
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        match self
            .load(&mut conn, ctx, definition.name(), id, false)
            .await?
        {
            Some(stored) => self.render(&mut conn, ctx, &definition, id, &stored).await,
            None => Err(ProviderError::not_found(resource_type, id)),
        }
    }

    async fn replace(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
    ) -> Result<VersionedResource, ProviderError> {
        require_found(
            self.write(ctx, resource_type, Some((id, None)), resource)
                .await?,
            resource_type,
            id,
        )
    }

    async fn delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
    ) -> Result<(), ProviderError> {
        require_found(
            self.remove(ctx, resource_type, id, None).await?,
            resource_type,
            id,
        )
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        query: &ListQuery,
    ) -> Result<ListPage, ProviderError> {
        let window = query.window()?;
        let definition = self.definition(resource_type)?.clone();
        if let Some(page) = self.list_in_sql(ctx, &definition, query, window).await? {
            return Ok(page);
        }
        let index = query.filter.as_ref().and_then(indexed);
        let filter = match index {
            Some((column, _)) => format!(" AND {column} = ?"),
            None => String::new(),
        };
        let sql = format!(
            "SELECT id, base, members_digest, groups_digest, version FROM scim_resources \
             WHERE tenant = ? AND resource_type = ?{filter} ORDER BY created_ms, id"
        );
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        let sql = self.sql(&sql);
        let mut statement = sqlx::query(&sql).bind(ctx.tenant()).bind(definition.name());
        if let Some((_, value)) = index {
            statement = statement.bind(value);
        }
        let rows = statement.fetch_all(&mut *conn).await.map_err(storage)?;
        let mut matches = Vec::new();
        for row in rows {
            let id: String = row.try_get("id").map_err(storage)?;
            let stored = stored_from(&row).map_err(storage)?;
            let rendered = self
                .render(&mut conn, ctx, &definition, &id, &stored)
                .await?;
            if query
                .filter
                .as_ref()
                .is_none_or(|f| f.matches(rendered.resource(), &definition))
            {
                matches.push(rendered);
            }
        }
        Ok(ListPage::from_matches(
            matches,
            query.sort.as_ref(),
            &definition,
            window,
        ))
    }

    async fn update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
    ) -> Result<ScimVersion, ProviderError> {
        require_found(
            self.delta(ctx, resource_type, id, delta, None).await?,
            resource_type,
            id,
        )
    }

    fn conditional(&self) -> Option<&dyn ConditionalProvider> {
        Some(self)
    }
}

#[async_trait]
impl ConditionalProvider for SqlProvider {
    async fn conditional_update(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        resource: Value,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<VersionedResource>, ProviderError> {
        self.write(ctx, resource_type, Some((id, Some(expected))), resource)
            .await
    }

    async fn conditional_delete(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<()>, ProviderError> {
        self.remove(ctx, resource_type, id, Some(expected)).await
    }

    async fn conditional_update_members(
        &self,
        ctx: &RequestContext,
        resource_type: &str,
        id: &str,
        delta: &MembershipDelta,
        expected: &ScimVersion,
    ) -> Result<ConditionalResult<ScimVersion>, ProviderError> {
        self.delta(ctx, resource_type, id, delta, Some(expected))
            .await
    }
}
