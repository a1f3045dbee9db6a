//! Checking what is stored against the invariants every write keeps: a tool for after
//! an outage, a restore or a soak, not for the request path (it reads every row).

use std::collections::{HashMap, HashSet};
use std::fmt;

use scim_provider::{ProviderError, SetDigest, base_hash};
use serde_json::Value;
use sqlx::AnyConnection;

use crate::provider::{SqlProvider, storage};
use crate::row::{from_hex, optional_text, text};
use crate::{Dialect, row::Stored};

/// What [`SqlProvider::audit`] read and found wrong.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    /// Resources read.
    pub resources: u64,
    /// Membership rows read.
    pub memberships: u64,
    /// Every broken invariant; empty when the store is sound.
    pub violations: Vec<Violation>,
}

/// One broken invariant, on one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The tenant it is in.
    pub tenant: String,
    /// Its resource type (for a membership row, the group's).
    pub resource_type: String,
    /// Its id (for a membership row, the group's).
    pub id: String,
    /// What is wrong.
    pub problem: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenant = match self.tenant.as_str() {
            "" => "(default tenant)",
            tenant => tenant,
        };
        write!(
            f,
            "{tenant} {}/{}: {}",
            self.resource_type, self.id, self.problem
        )
    }
}

/// A `scim_resources` row, as the audit reads it.
struct Resource {
    tenant: String,
    resource_type: String,
    id: String,
    base: String,
    base_hash: String,
    members: String,
    groups: String,
    version: String,
    user_name: Option<String>,
}

/// The membership rows, by tenant and group, and by tenant and member.
#[derive(Default)]
struct Memberships {
    of_group: HashMap<(String, String, String), SetDigest>,
    of_member: HashMap<(String, String), SetDigest>,
    rows: Vec<(String, String, String, String)>,
}

impl SqlProvider {
    /// Reads every stored resource and membership and checks what every write keeps
    /// true:
    ///
    /// - each resource's JSON parses, names its own id, and hashes to its stored
    ///   `base_hash`;
    /// - its members digest is the digest of its membership rows, and (for types that
    ///   derive `groups`) its groups digest the digest of the groups that list it;
    /// - its stored version is the version those make, so `meta.version` is the hash of
    ///   what is stored;
    /// - its `user_name` column is its `userName`, folded, and no two resources of a
    ///   type share one in a tenant;
    /// - every membership row's group and member exist in the same tenant;
    /// - on SQLite, `PRAGMA integrity_check` answers `ok`.
    ///
    /// It reads the whole database into memory: run it offline (`scim-server audit`),
    /// not on the request path.
    pub async fn audit(&self) -> Result<Audit, ProviderError> {
        let mut conn = self.pool.acquire().await.map_err(storage)?;
        // One snapshot, so a server writing meanwhile cannot look like a violation.
        let begin = match self.dialect {
            Dialect::Sqlite => "BEGIN",
            Dialect::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            Dialect::MySql => "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
        };
        sqlx::query(begin)
            .execute(&mut *conn)
            .await
            .map_err(storage)?;
        let audit = self.audit_in(&mut conn).await;
        let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        audit
    }

    /// [`audit`](Self::audit), inside its transaction.
    async fn audit_in(&self, conn: &mut AnyConnection) -> Result<Audit, ProviderError> {
        let mut audit = Audit::default();
        if self.dialect == Dialect::Sqlite {
            let rows = sqlx::query("PRAGMA integrity_check")
                .fetch_all(&mut *conn)
                .await
                .map_err(storage)?;
            for row in rows {
                let said = text(&row, "integrity_check").map_err(storage)?;
                if said != "ok" {
                    audit.violations.push(violation(
                        "",
                        "",
                        "",
                        format!("integrity_check: {said}"),
                    ));
                }
            }
        }
        let resources = sqlx::query(
            "SELECT tenant, resource_type, id, base, base_hash, members_digest, groups_digest, version, user_name FROM scim_resources",
        )
        .fetch_all(&mut *conn)
        .await
        .map_err(storage)?
        .iter()
        .map(resource_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(storage)?;
        let memberships =
            sqlx::query("SELECT tenant, group_type, group_id, member_id FROM scim_members")
                .fetch_all(&mut *conn)
                .await
                .map_err(storage)?
                .iter()
                .map(|row| {
                    Ok((
                        text(row, "tenant")?,
                        text(row, "group_type")?,
                        text(row, "group_id")?,
                        text(row, "member_id")?,
                    ))
                })
                .collect::<Result<Memberships, sqlx::Error>>()
                .map_err(storage)?;
        audit.resources = resources.len() as u64;
        audit.memberships = memberships.rows.len() as u64;
        self.check_resources(&resources, &memberships, &mut audit.violations);
        check_memberships(&resources, &memberships, &mut audit.violations);
        Ok(audit)
    }

    /// The checks of each resource row on its own and of its digests.
    fn check_resources(
        &self,
        resources: &[Resource],
        memberships: &Memberships,
        violations: &mut Vec<Violation>,
    ) {
        let mut user_names = HashSet::new();
        for r in resources {
            let mut broken = |problem: String| {
                violations.push(violation(&r.tenant, &r.resource_type, &r.id, problem));
            };
            let base: Value = match serde_json::from_str(&r.base) {
                Ok(base) => base,
                Err(err) => {
                    broken(format!("its JSON does not parse: {err}"));
                    continue;
                }
            };
            if base.get("id").and_then(Value::as_str) != Some(r.id.as_str()) {
                broken(format!("its JSON names id {}", base["id"]));
            }
            let hash = base_hash(&base);
            if from_hex(&r.base_hash) != hash {
                broken("its base_hash is not the hash of its JSON".into());
            }
            let members = memberships
                .of_group
                .get(&(r.tenant.clone(), r.resource_type.clone(), r.id.clone()))
                .copied()
                .unwrap_or_default();
            if SetDigest::from_bytes(from_hex(&r.members)) != members {
                broken("its members digest does not match its membership rows".into());
            }
            let derives_groups = self
                .registry()
                .resource_type(&r.resource_type)
                .is_some_and(|d| d.derives_groups());
            let groups = match derives_groups {
                true => memberships
                    .of_member
                    .get(&(r.tenant.clone(), r.id.clone()))
                    .copied()
                    .unwrap_or_default(),
                false => SetDigest::from_bytes(from_hex(&r.groups)),
            };
            if SetDigest::from_bytes(from_hex(&r.groups)) != groups {
                broken("its groups digest does not match the groups that list it".into());
            }
            if Stored::compute_version(hash, members, groups).opaque() != r.version {
                broken(format!(
                    "its stored version {} is not the hash of its content",
                    r.version
                ));
            }
            let folded = base
                .get("userName")
                .and_then(Value::as_str)
                .map(str::to_lowercase);
            if r.user_name != folded {
                broken(format!(
                    "its user_name column {:?} is not its userName {:?}",
                    r.user_name, folded
                ));
            }
            if let Some(name) = folded
                && !user_names.insert((r.tenant.clone(), r.resource_type.clone(), name.clone()))
            {
                broken(format!("another resource has the userName {name:?}"));
            }
        }
    }
}

/// Every membership row's group and member exist in its tenant.
fn check_memberships(
    resources: &[Resource],
    memberships: &Memberships,
    violations: &mut Vec<Violation>,
) {
    let stored: HashSet<(&str, &str, &str)> = resources
        .iter()
        .map(|r| (r.tenant.as_str(), r.resource_type.as_str(), r.id.as_str()))
        .collect();
    let ids: HashSet<(&str, &str)> = resources
        .iter()
        .map(|r| (r.tenant.as_str(), r.id.as_str()))
        .collect();
    for (tenant, group_type, group_id, member_id) in &memberships.rows {
        if !stored.contains(&(tenant.as_str(), group_type.as_str(), group_id.as_str())) {
            violations.push(violation(
                tenant,
                group_type,
                group_id,
                format!("a membership row (member {member_id}) for a group that is not stored"),
            ));
        }
        if !ids.contains(&(tenant.as_str(), member_id.as_str())) {
            violations.push(violation(
                tenant,
                group_type,
                group_id,
                format!("member {member_id} is not stored in this tenant"),
            ));
        }
    }
}

impl FromIterator<(String, String, String, String)> for Memberships {
    fn from_iter<I: IntoIterator<Item = (String, String, String, String)>>(rows: I) -> Self {
        let mut memberships = Memberships::default();
        for (tenant, group_type, group_id, member_id) in rows {
            memberships
                .of_group
                .entry((tenant.clone(), group_type.clone(), group_id.clone()))
                .or_default()
                .insert(&member_id);
            memberships
                .of_member
                .entry((tenant.clone(), member_id.clone()))
                .or_default()
                .insert(&group_id);
            memberships
                .rows
                .push((tenant, group_type, group_id, member_id));
        }
        memberships
    }
}

fn resource_from(row: &sqlx::any::AnyRow) -> Result<Resource, sqlx::Error> {
    Ok(Resource {
        tenant: text(row, "tenant")?,
        resource_type: text(row, "resource_type")?,
        id: text(row, "id")?,
        base: text(row, "base")?,
        base_hash: text(row, "base_hash")?,
        members: text(row, "members_digest")?,
        groups: text(row, "groups_digest")?,
        version: text(row, "version")?,
        user_name: optional_text(row, "user_name")?,
    })
}

fn violation(tenant: &str, resource_type: &str, id: &str, problem: String) -> Violation {
    Violation {
        tenant: tenant.to_owned(),
        resource_type: resource_type.to_owned(),
        id: id.to_owned(),
        problem,
    }
}
