//! The attributes kept beside the JSON in indexed columns (`user_name`, `external_id`,
//! `display_name`) and the `scim_emails` table, and how their values are stored.
//!
//! Values of attributes that are not `caseExact` are stored lower-cased (by Rust, the
//! way the filter evaluator folds case, never by the database), so a translated filter
//! compares folded values and agrees with the evaluator on every script. `userName`
//! is always folded: its uniqueness is case-insensitive.

use std::collections::BTreeSet;

use scim_schema::{AttributePath, ResourceDefinition};
use serde_json::Value;
use sqlx::AnyConnection;

use crate::Dialect;

/// An attribute answered from a column (or, for `emails`, the emails table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Indexed {
    /// `id`, the key.
    Id,
    /// `userName`, folded.
    UserName,
    /// `externalId`.
    ExternalId,
    /// `displayName`, folded unless `caseExact`.
    DisplayName,
    /// `emails.value`, folded unless `caseExact`; one row per address.
    Emails,
}

impl Indexed {
    /// The indexed attribute `path` names, if any. `emails` and `emails.value` both
    /// name the addresses (a complex attribute compares by its `value`).
    pub(crate) fn of_path(definition: &ResourceDefinition, path: &AttributePath) -> Option<Self> {
        let resolved = definition.resolve(path)?;
        if resolved.extension.is_some() {
            return None;
        }
        let name = resolved.attribute.name.as_str();
        let sub = resolved.sub_attribute.map(|s| s.name.as_str());
        match (name, sub) {
            ("id", None) => Some(Self::Id),
            ("userName", None) => Some(Self::UserName),
            ("externalId", None) => Some(Self::ExternalId),
            ("displayName", None) => Some(Self::DisplayName),
            ("emails", None | Some("value")) => Some(Self::Emails),
            _ => None,
        }
    }

    /// The column, in queries on `scim_resources r` (and `scim_emails e`).
    pub(crate) fn column(self) -> &'static str {
        match self {
            Self::Id => "r.id",
            Self::UserName => "r.user_name",
            Self::ExternalId => "r.external_id",
            Self::DisplayName => "r.display_name",
            Self::Emails => "e.value",
        }
    }

    /// Whether the attribute is `caseExact` in `definition`.
    pub(crate) fn case_exact(self, definition: &ResourceDefinition) -> bool {
        let attribute = definition.top_level_attribute(match self {
            Self::Id => "id",
            Self::UserName => "userName",
            Self::ExternalId => "externalId",
            Self::DisplayName => "displayName",
            Self::Emails => "emails",
        });
        let leaf = match self {
            Self::Emails => attribute.and_then(|a| a.sub_attribute("value")),
            _ => attribute,
        };
        leaf.map_or(self == Self::Id, |a| a.case_exact)
    }

    /// Whether the stored values are lower-cased.
    pub(crate) fn folded(self, definition: &ResourceDefinition) -> bool {
        match self {
            Self::Id | Self::ExternalId => false,
            Self::UserName => true,
            Self::DisplayName | Self::Emails => !self.case_exact(definition),
        }
    }

    /// Whether the column orders (and compares) exactly as the evaluator does: folded
    /// exactly when the attribute ignores case.
    pub(crate) fn orders_exactly(self, definition: &ResourceDefinition) -> bool {
        self.folded(definition) != self.case_exact(definition)
    }
}

fn fold(value: &str, folded: bool) -> String {
    if folded {
        value.to_lowercase()
    } else {
        value.to_owned()
    }
}

/// The indexed values of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexedValues {
    pub(crate) user_name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) display_name: Option<String>,
    /// What members and `User.groups` show of the resource, unfolded
    /// ([`scim_provider::display_of`]).
    pub(crate) display: Option<String>,
    /// Distinct addresses, as stored.
    pub(crate) emails: BTreeSet<String>,
}

impl IndexedValues {
    /// The values of `resource` (a resource as stored: attribute names in the
    /// schema's spelling).
    pub(crate) fn of(definition: &ResourceDefinition, resource: &Value) -> Self {
        let string = |name: &str| resource.get(name).and_then(Value::as_str);
        let has = |name: &str| definition.top_level_attribute(name).is_some();
        let emails = match resource.get("emails") {
            Some(Value::Array(items)) if has("emails") => items.iter().collect(),
            Some(item @ Value::Object(_)) if has("emails") => vec![item],
            _ => Vec::new(),
        };
        let emails_folded = Indexed::Emails.folded(definition);
        Self {
            user_name: string("userName").map(str::to_lowercase),
            external_id: string("externalId").map(str::to_owned),
            display_name: string("displayName")
                .filter(|_| has("displayName"))
                .map(|v| fold(v, Indexed::DisplayName.folded(definition))),
            display: scim_provider::display_of(resource).map(str::to_owned),
            emails: emails
                .into_iter()
                .filter_map(|email| email.get("value").and_then(Value::as_str))
                .map(|v| fold(v, emails_folded))
                .collect(),
        }
    }

    /// Stores these addresses of a resource that has none stored, in one statement.
    pub(crate) async fn insert_emails(
        &self,
        conn: &mut AnyConnection,
        dialect: Dialect,
        tenant: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<(), sqlx::Error> {
        if self.emails.is_empty() {
            return Ok(());
        }
        let rows = vec!["(?, ?, ?, ?)"; self.emails.len()].join(", ");
        let sql = dialect.sql(&format!(
            "INSERT INTO scim_emails (tenant, resource_type, id, value) VALUES {rows}"
        ));
        let mut query = sqlx::query(&sql);
        for email in &self.emails {
            query = query.bind(tenant).bind(resource_type).bind(id).bind(email);
        }
        query.execute(&mut *conn).await?;
        Ok(())
    }

    /// Stores `display_name` and the addresses of a row written before they were
    /// indexed.
    pub(crate) async fn store(
        &self,
        conn: &mut AnyConnection,
        dialect: Dialect,
        tenant: &str,
        resource_type: &str,
        id: &str,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(&dialect.sql(
            "UPDATE scim_resources SET display_name = ? WHERE tenant = ? AND resource_type = ? AND id = ?",
        ))
        .bind(self.display_name.clone())
        .bind(tenant)
        .bind(resource_type)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        delete_emails(conn, dialect, tenant, resource_type, id).await?;
        self.insert_emails(conn, dialect, tenant, resource_type, id)
            .await
    }
}

/// Deletes the stored addresses of one resource.
pub(crate) async fn delete_emails(
    conn: &mut AnyConnection,
    dialect: Dialect,
    tenant: &str,
    resource_type: &str,
    id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        &dialect.sql("DELETE FROM scim_emails WHERE tenant = ? AND resource_type = ? AND id = ?"),
    )
    .bind(tenant)
    .bind(resource_type)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_schema::SchemaRegistry;
    use serde_json::json;

    #[test]
    fn values_fold_where_the_schema_ignores_case() {
        let registry = SchemaRegistry::default();
        let users = registry.resource_type("User").unwrap();
        let values = IndexedValues::of(
            users,
            &json!({
                "userName": "BJensen",
                "externalId": "AbC",
                "displayName": "Ünïcode Ñame",
                "emails": [
                    {"value": "BJ@Example.com", "type": "work"},
                    {"value": "bj@example.com", "type": "home"},
                    {"type": "other"}
                ]
            }),
        );
        assert_eq!(values.user_name.as_deref(), Some("bjensen"));
        assert_eq!(values.external_id.as_deref(), Some("AbC"));
        assert_eq!(values.display_name.as_deref(), Some("ünïcode ñame"));
        assert_eq!(values.emails.len(), 1);
        assert!(values.emails.contains("bj@example.com"));
    }

    #[test]
    fn paths_name_their_columns() {
        let registry = SchemaRegistry::default();
        let users = registry.resource_type("User").unwrap();
        let table = [
            ("id", Some(Indexed::Id)),
            ("USERNAME", Some(Indexed::UserName)),
            (
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                Some(Indexed::UserName),
            ),
            ("emails", Some(Indexed::Emails)),
            ("emails.value", Some(Indexed::Emails)),
            ("emails.type", None),
            ("name.givenName", None),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                None,
            ),
        ];
        for (path, expected) in table {
            let path = AttributePath::parse(path).unwrap();
            assert_eq!(Indexed::of_path(users, &path), expected, "{path:?}");
        }
    }
}
