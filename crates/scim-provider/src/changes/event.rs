//! [`ChangeEvent`]: one committed change, as the feed records it, and its JSON form.

use std::fmt;
use std::str::FromStr;

use scim_schema::DateTime;
use scim_version::ScimVersion;
use serde::Serialize;
use serde_json::Value;

/// What a write did to one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    /// The resource was created.
    Created,
    /// The resource was replaced (`PUT`).
    Replaced,
    /// The resource was changed by a `PATCH` that rewrote it.
    Patched,
    /// The resource was deleted.
    Deleted,
    /// Members joined or left a group, and nothing else changed: a membership `PATCH`,
    /// or a member's delete removing it from the group.
    MembersChanged {
        /// The ids that joined, in the order given.
        added: Vec<String>,
        /// The ids that left, in the order given.
        removed: Vec<String>,
    },
}

impl ChangeKind {
    /// What a create (`replacing: false`) or a replace in `ctx` records: a replace is
    /// [`Patched`](Self::Patched) when the context [applies a
    /// PATCH](crate::RequestContext::as_patch).
    pub fn of_write(ctx: &crate::RequestContext, replacing: bool) -> Self {
        match (replacing, ctx.is_patch()) {
            (false, _) => Self::Created,
            (true, true) => Self::Patched,
            (true, false) => Self::Replaced,
        }
    }

    /// The kind named `operation` (see [`name`](Self::name)), with the member ids of a
    /// `members_changed` (the others take none); `None` for an unknown name.
    pub fn from_name(operation: &str, added: Vec<String>, removed: Vec<String>) -> Option<Self> {
        Some(match operation {
            "created" => Self::Created,
            "replaced" => Self::Replaced,
            "patched" => Self::Patched,
            "deleted" => Self::Deleted,
            "members_changed" => Self::MembersChanged { added, removed },
            _ => return None,
        })
    }

    /// The operation's name in the JSON form: `created`, `replaced`, `patched`,
    /// `deleted` or `members_changed`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Replaced => "replaced",
            Self::Patched => "patched",
            Self::Deleted => "deleted",
            Self::MembersChanged { .. } => "members_changed",
        }
    }
}

/// What one committed write changed, before the feed gives it a place: the resource,
/// what happened to it, and its version after (none after a delete) and before (none
/// before a create).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The resource type's name (`User`, `Group`).
    pub resource_type: String,
    /// The resource's id.
    pub id: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The version the write left; `None` after a delete.
    pub version: Option<ScimVersion>,
    /// The version the write replaced; `None` for a create.
    pub previous_version: Option<ScimVersion>,
}

/// A committed change, in its tenant's feed.
///
/// Within a tenant, sequences increase in the order the writes committed; they need
/// not be consecutive (a SQL feed numbers the events of every tenant from one counter).
/// The resource is not carried: a consumer that
/// needs it reads it, and the version tells whether what it read is this change or a
/// later one.
///
/// ```
/// use scim_provider::{Change, ChangeEvent, ChangeKind};
/// use scim_schema::DateTime;
/// use scim_version::ScimVersion;
///
/// let event = ChangeEvent {
///     tenant: "acme".into(),
///     sequence: 7,
///     time: DateTime::parse("2026-12-03T10:00:00Z").unwrap(),
///     change: Change {
///         resource_type: "User".into(),
///         id: "2819c223".into(),
///         kind: ChangeKind::Deleted,
///         version: None,
///         previous_version: Some(ScimVersion::from_hash("abc").unwrap()),
///     },
/// };
/// let json = event.to_json();
/// assert_eq!(json["operation"], "deleted");
/// assert_eq!(json["previousVersion"], r#"W/"abc""#);
/// assert_eq!(ChangeEvent::from_json(&json), Some(event));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEvent {
    /// The tenant the resource belongs to.
    pub tenant: String,
    /// Its place in the tenant's feed: above every event before it.
    pub sequence: u64,
    /// When the write was made.
    pub time: DateTime,
    /// What changed.
    pub change: Change,
}

impl ChangeEvent {
    /// The cursor that resumes the feed after this event.
    pub fn cursor(&self) -> ChangeCursor {
        ChangeCursor(self.sequence)
    }

    /// The JSON form, as webhooks deliver it:
    ///
    /// ```json
    /// {"tenant": "acme", "sequence": 42, "time": "2026-12-03T10:00:00.123Z",
    ///  "resourceType": "Group", "id": "e9e30dba", "operation": "members_changed",
    ///  "version": "W/\"b8a1…\"", "previousVersion": "W/\"3f0c…\"",
    ///  "added": ["2819c223"], "removed": []}
    /// ```
    ///
    /// `version` is absent after a delete, `previousVersion` after a create, `added` and
    /// `removed` unless the operation is `members_changed`.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(Wire::from(self)).unwrap_or(Value::Null)
    }

    /// The [JSON form](Self::to_json) as bytes, written straight from the event.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&Wire::from(self)).unwrap_or_default()
    }

    /// Reads the [JSON form](Self::to_json) back; `None` when it is not one.
    pub fn from_json(value: &Value) -> Option<Self> {
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let version = |key: &str| match value.get(key) {
            None => Some(None),
            Some(v) => ScimVersion::parse_http_header(v.as_str()?).ok().map(Some),
        };
        let ids = |key: &str| -> Option<Vec<String>> {
            let Some(ids) = value.get(key) else {
                return Some(Vec::new());
            };
            ids.as_array()?
                .iter()
                .map(|id| id.as_str().map(str::to_owned))
                .collect()
        };
        let kind = ChangeKind::from_name(text("operation")?, ids("added")?, ids("removed")?)?;
        Some(Self {
            tenant: text("tenant")?.to_owned(),
            sequence: value.get("sequence")?.as_u64()?,
            time: DateTime::parse(text("time")?)?,
            change: Change {
                resource_type: text("resourceType")?.to_owned(),
                id: text("id")?.to_owned(),
                kind,
                version: version("version")?,
                previous_version: version("previousVersion")?,
            },
        })
    }
}

/// The JSON form of an event, borrowed from it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Wire<'a> {
    tenant: &'a str,
    sequence: u64,
    time: String,
    resource_type: &'a str,
    id: &'a str,
    operation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    added: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed: Option<&'a [String]>,
}

impl<'a> From<&'a ChangeEvent> for Wire<'a> {
    fn from(event: &'a ChangeEvent) -> Self {
        let change = &event.change;
        let (added, removed) = match &change.kind {
            ChangeKind::MembersChanged { added, removed } => (Some(&added[..]), Some(&removed[..])),
            _ => (None, None),
        };
        Self {
            tenant: &event.tenant,
            sequence: event.sequence,
            time: event.time.to_string(),
            resource_type: &change.resource_type,
            id: &change.id,
            operation: change.kind.name(),
            version: change.version.as_ref().map(ScimVersion::to_http_header),
            previous_version: change
                .previous_version
                .as_ref()
                .map(ScimVersion::to_http_header),
            added,
            removed,
        }
    }
}

/// A place in a tenant's feed: the sequence of the last event a consumer has seen.
/// [`START`](Self::START) is before the first event. Written and parsed as the decimal
/// number, so a consumer stores it as text or as an integer.
///
/// ```
/// use scim_provider::ChangeCursor;
///
/// let cursor: ChangeCursor = "42".parse().unwrap();
/// assert_eq!(cursor.sequence(), 42);
/// assert_eq!(cursor.to_string(), "42");
/// assert!(ChangeCursor::START < cursor);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChangeCursor(u64);

impl ChangeCursor {
    /// Before the first event.
    pub const START: Self = Self(0);

    /// The cursor after the event numbered `sequence`.
    pub const fn after(sequence: u64) -> Self {
        Self(sequence)
    }

    /// The sequence of the last event seen (0 at the start).
    pub const fn sequence(self) -> u64 {
        self.0
    }
}

impl fmt::Display for ChangeCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for ChangeCursor {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(kind: ChangeKind, version: Option<&str>, previous: Option<&str>) -> ChangeEvent {
        ChangeEvent {
            tenant: "t".into(),
            sequence: 3,
            time: DateTime::parse("2026-12-03T10:00:00.123Z").unwrap(),
            change: Change {
                resource_type: "Group".into(),
                id: "g".into(),
                kind,
                version: version.map(|v| ScimVersion::from_hash(v).unwrap()),
                previous_version: previous.map(|v| ScimVersion::from_hash(v).unwrap()),
            },
        }
    }

    #[test]
    fn every_kind_reads_back_from_its_json() {
        let members = ChangeKind::MembersChanged {
            added: vec!["a".into()],
            removed: vec!["b".into(), "c".into()],
        };
        for event in [
            event(ChangeKind::Created, Some("v1"), None),
            event(ChangeKind::Replaced, Some("v2"), Some("v1")),
            event(ChangeKind::Patched, Some("v3"), Some("v2")),
            event(members, Some("v4"), Some("v3")),
            event(ChangeKind::Deleted, None, Some("v4")),
        ] {
            let json = event.to_json();
            assert_eq!(ChangeEvent::from_json(&json), Some(event), "{json}");
        }
    }

    #[test]
    fn members_are_named_only_when_they_changed() {
        let json = event(ChangeKind::Created, Some("v1"), None).to_json();
        assert!(json.get("added").is_none() && json.get("previousVersion").is_none());
        assert_eq!(json["time"], "2026-12-03T10:00:00.123Z");
        assert_eq!(json["version"], r#"W/"v1""#);
    }

    #[test]
    fn the_bytes_are_the_json() {
        let event = event(ChangeKind::Patched, Some("v3"), Some("v2"));
        let bytes: Value = serde_json::from_slice(&event.to_json_bytes()).unwrap();
        assert_eq!(bytes, event.to_json());
    }

    #[test]
    fn what_is_not_an_event_reads_as_none() {
        let mut json = event(ChangeKind::Created, Some("v1"), None).to_json();
        json["operation"] = json!("renamed");
        assert_eq!(ChangeEvent::from_json(&json), None);
        assert_eq!(ChangeEvent::from_json(&json!("created")), None);
    }
}
