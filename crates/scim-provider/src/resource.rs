//! [`VersionedResource`] and how a resource's version is computed from its content.
//!
//! A version is SHA-256 over three parts, so that membership can change by delta:
//!
//! ```text
//! version = SHA-256( SHA-256(canonical(base)) ‖ digest(members[].value) ‖ digest(groups[].value) )
//! ```
//!
//! `base` is the resource without `members`, `groups` and `meta.version`; a
//! [`SetDigest`] is an order-independent sum of SHA-256 hashes that can add or remove
//! one element in constant time. Adding one member to a group of 100,000 therefore
//! costs one small hash, not a rehash of the member list, and any provider (in memory
//! or SQL) arrives at the same version as [`ContentDigest::of`] computes from the full
//! resource.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use scim_schema::{Projection, ResourceDefinition, json_text};
use scim_version::{ScimVersion, canonical_json};

/// A resource as stored, with its version. `meta.version` inside the resource always
/// equals [`version`](Self::version).
///
/// ```
/// use scim_provider::VersionedResource;
/// use serde_json::json;
///
/// let stored = VersionedResource::new(json!({"id": "1", "userName": "bjensen", "meta": {}}));
/// assert_eq!(stored.resource()["meta"]["version"], stored.version().to_http_header());
/// assert_eq!(stored.id(), Some("1"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct VersionedResource {
    resource: Value,
    version: ScimVersion,
}

impl VersionedResource {
    /// Computes the version of `resource` ([`ContentDigest::of`]) and records it in
    /// `meta.version`.
    pub fn new(resource: Value) -> Self {
        let version = ContentDigest::of(&resource).version();
        Self::with_version(resource, version)
    }

    /// A resource whose version the caller computed (incrementally, say); records it in
    /// `meta.version`. The caller vouches that it is the content version.
    pub fn with_version(mut resource: Value, version: ScimVersion) -> Self {
        if let Value::Object(object) = &mut resource {
            let meta = object
                .entry("meta")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(meta) = meta {
                meta.insert("version".into(), Value::String(version.to_http_header()));
            }
        }
        Self { resource, version }
    }

    /// The resource.
    pub fn resource(&self) -> &Value {
        &self.resource
    }

    /// Its version.
    pub fn version(&self) -> &ScimVersion {
        &self.version
    }

    /// Its `id`.
    pub fn id(&self) -> Option<&str> {
        self.resource.get("id").and_then(Value::as_str)
    }

    /// The resource and its version.
    pub fn into_parts(self) -> (Value, ScimVersion) {
        (self.resource, self.version)
    }

    /// The resource alone.
    pub fn into_resource(self) -> Value {
        self.resource
    }
}

/// A resource as JSON text, without `meta.version`, and its version: what
/// [`ResourceProvider::get_serialized`](crate::ResourceProvider::get_serialized) hands
/// out so a read can be answered without parsing and re-serializing.
///
/// The text can only come from [`ReturnableJson::new`], which leaves out every
/// `returned: never` value, so the fast path cannot hand out a password.
#[derive(Debug, Clone, PartialEq)]
pub struct SerializedResource {
    /// The resource as compact JSON, without `meta.version` and never-returned values.
    pub json: ReturnableJson,
    /// Its version.
    pub version: ScimVersion,
}

/// Compact JSON text of a resource with every `returned: never` value left out. Cheap
/// to clone (one reference count); built only by [`new`](Self::new).
///
/// ```
/// use scim_provider::ReturnableJson;
/// use scim_schema::SchemaRegistry;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::default();
/// let users = registry.resource_type("User").unwrap();
/// let json = ReturnableJson::new(users, &json!({"userName": "b", "password": "secret"}));
/// assert_eq!(json.as_str(), r#"{"userName":"b"}"#);
/// ```
///
/// It knows where its top-level `meta` object opens, so the response path adds
/// `meta.location` and `meta.version` with one copy and no scan:
///
/// ```
/// # use scim_provider::ReturnableJson;
/// # use scim_schema::SchemaRegistry;
/// # use serde_json::json;
/// # let registry = SchemaRegistry::default();
/// # let users = registry.resource_type("User").unwrap();
/// let json = ReturnableJson::new(users, &json!({"id": "1", "meta": {"resourceType": "User"}}));
/// assert_eq!(
///     json.with_meta_fields("https://h/Users/1", r#"W/"v""#).unwrap(),
///     r#"{"id":"1","meta":{"location":"https://h/Users/1","version":"W/\"v\"","resourceType":"User"}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnableJson {
    text: std::sync::Arc<str>,
    /// Just past the `{` of the top-level `meta` object, when there is one.
    meta_at: Option<u32>,
}

impl ReturnableJson {
    /// Serializes `resource` without the values `definition` says are never returned
    /// (copying the resource only when it holds one).
    pub fn new(definition: &ResourceDefinition, resource: &Value) -> Self {
        Self::stripping(
            definition,
            resource,
            holds_never_returned(definition, resource),
        )
    }

    /// [`new`](Self::new) for a caller that already asked [`holds_never_returned`].
    pub(crate) fn stripping(
        definition: &ResourceDefinition,
        resource: &Value,
        holds: bool,
    ) -> Self {
        match holds {
            true => {
                Self::serialize(&Projection::default().apply_owned(definition, resource.clone()))
            }
            false => Self::serialize(resource),
        }
    }

    /// Compact JSON, as `Value::to_string` writes it, noting where `meta` opens.
    fn serialize(resource: &Value) -> Self {
        let Value::Object(object) = resource else {
            return Self {
                text: resource.to_string().into(),
                meta_at: None,
            };
        };
        let mut out = Vec::with_capacity(512);
        let mut meta_at = None;
        out.push(b'{');
        for (i, (key, value)) in object.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Writing to a Vec fails only on a map key that is not a string: never.
            let _ = serde_json::to_writer(&mut out, key);
            out.push(b':');
            if key == "meta" && value.is_object() {
                meta_at = u32::try_from(out.len() + 1).ok();
            }
            let _ = serde_json::to_writer(&mut out, value);
        }
        out.push(b'}');
        let text = String::from_utf8(out).unwrap_or_else(|_| resource.to_string());
        Self {
            text: text.into(),
            meta_at,
        }
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The shared text, for a provider that keeps it as its stored copy too.
    pub fn shared(&self) -> std::sync::Arc<str> {
        self.text.clone()
    }

    /// The text with `"location"` and `"version"` first in its top-level `meta`
    /// object; `None` when it has none.
    pub fn with_meta_fields(&self, location: &str, version: &str) -> Option<String> {
        let at = usize::try_from(self.meta_at?).ok()?;
        let text = &*self.text;
        let separator = match text.as_bytes().get(at) {
            Some(b'}') => "",
            _ => ",",
        };
        let mut out = String::with_capacity(text.len() + location.len() + version.len() + 32);
        out.push_str(text.get(..at)?);
        out.push_str("\"location\":");
        json_text::push_json_string(&mut out, location);
        out.push_str(",\"version\":");
        json_text::push_json_string(&mut out, version);
        out.push_str(separator);
        out.push_str(&text[at..]);
        Some(out)
    }
}

/// Whether a resource holds a value that is never returned (a password).
pub fn holds_never_returned(definition: &ResourceDefinition, resource: &Value) -> bool {
    definition.never_returned().any(|(extension, attribute)| {
        let container = match extension {
            None => Some(resource),
            Some(schema) => resource.get(&schema.id),
        };
        container.and_then(|c| c.get(&attribute.name)).is_some()
    })
}

/// An order-independent digest of a set of strings: the sum of their SHA-256 hashes
/// modulo 2^256. Inserting or removing one element costs one hash.
///
/// ```
/// use scim_provider::SetDigest;
///
/// let mut a = SetDigest::default();
/// a.insert("x");
/// a.insert("y");
/// let b: SetDigest = ["y", "x"].into_iter().collect();
/// assert_eq!(a, b);
/// a.remove("x");
/// assert_eq!(a, ["y"].into_iter().collect());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SetDigest([u64; 4]);

impl SetDigest {
    fn limbs(element: &str) -> [u64; 4] {
        let hash: [u8; 32] = Sha256::digest(element.as_bytes()).into();
        std::array::from_fn(|i| {
            u64::from_le_bytes(hash[i * 8..i * 8 + 8].try_into().expect("8 bytes"))
        })
    }

    /// Adds an element.
    pub fn insert(&mut self, element: &str) {
        let mut carry = false;
        for (limb, add) in self.0.iter_mut().zip(Self::limbs(element)) {
            let (sum, c1) = limb.overflowing_add(add);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *limb = sum;
            carry = c1 || c2;
        }
    }

    /// Removes an element that was added.
    pub fn remove(&mut self, element: &str) {
        let mut borrow = false;
        for (limb, sub) in self.0.iter_mut().zip(Self::limbs(element)) {
            let (diff, b1) = limb.overflowing_sub(sub);
            let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
            *limb = diff;
            borrow = b1 || b2;
        }
    }

    /// The digest as 32 bytes, for storage.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    /// A digest read back from [`to_bytes`](Self::to_bytes).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(std::array::from_fn(|i| {
            u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8 bytes"))
        }))
    }
}

impl<'a> FromIterator<&'a str> for SetDigest {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut digest = Self::default();
        for element in iter {
            digest.insert(element);
        }
        digest
    }
}

/// The three parts a version is computed from, so that membership can change by delta:
///
/// ```text
/// version = SHA-256( SHA-256(canonical(base)) ‖ digest(members[].value) ‖ digest(groups[].value) )
/// ```
///
/// `base` is the resource without `members`, `groups` and `meta.version`. Adding one
/// member to a group of 100,000 costs one small hash, and every provider (in memory or
/// SQL) arrives at the version [`ContentDigest::of`] computes from the full resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentDigest {
    /// SHA-256 of the canonical base (the resource without `members`, `groups` and
    /// `meta.version`).
    pub base: [u8; 32],
    /// The digest of the `members[].value` ids.
    pub members: SetDigest,
    /// The digest of the `groups[].value` ids.
    pub groups: SetDigest,
}

impl ContentDigest {
    /// The digest of a whole resource.
    ///
    /// ```
    /// use scim_provider::{ContentDigest, SetDigest};
    /// use serde_json::json;
    ///
    /// let group = json!({"id": "g", "displayName": "G", "members": [{"value": "a"}, {"value": "b"}]});
    /// let reordered = json!({"displayName": "G", "id": "g", "members": [{"value": "b"}, {"value": "a"}],
    ///                        "meta": {"version": "W/\"old\""}});
    /// assert_eq!(ContentDigest::of(&group).version(), ContentDigest::of(&reordered).version());
    ///
    /// // The same version, built incrementally.
    /// let mut parts = ContentDigest::of(&json!({"id": "g", "displayName": "G"}));
    /// parts.members = ["a", "b"].into_iter().collect::<SetDigest>();
    /// assert_eq!(parts.version(), ContentDigest::of(&group).version());
    /// ```
    pub fn of(resource: &Value) -> Self {
        let ids = |key: &str| -> SetDigest {
            resource
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|item| item.get("value").and_then(Value::as_str))
                .collect()
        };
        Self {
            base: base_hash(resource),
            members: ids("members"),
            groups: ids("groups"),
        }
    }

    /// The version these parts make.
    pub fn version(&self) -> ScimVersion {
        ScimVersion::from_digest(self.digest())
    }

    /// The digest the version is made from ([`ScimVersion::from_digest`]): what a
    /// provider can keep instead of the version itself.
    pub fn digest(&self) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.base);
        hasher.update(self.members.to_bytes());
        hasher.update(self.groups.to_bytes());
        hasher.finalize().into()
    }
}

/// What a group's member entry, or a `User.groups` entry, shows of a resource as its
/// `display`: its `displayName`, else its `userName`.
///
/// ```
/// use serde_json::json;
///
/// assert_eq!(scim_provider::display_of(&json!({"userName": "bjensen", "displayName": "Babs"})), Some("Babs"));
/// assert_eq!(scim_provider::display_of(&json!({"userName": "bjensen"})), Some("bjensen"));
/// assert_eq!(scim_provider::display_of(&json!({"id": "1"})), None);
/// ```
pub fn display_of(resource: &Value) -> Option<&str> {
    ["displayName", "userName"]
        .into_iter()
        .find_map(|name| resource.get(name).and_then(Value::as_str))
}

/// One element of a derived `User.groups`: `{"value", "display", "type": "direct"}`.
pub fn group_reference(id: &str, display: Option<&str>) -> Value {
    let mut group = Map::new();
    group.insert("value".into(), Value::String(id.to_owned()));
    if let Some(display) = display {
        group.insert("display".into(), Value::String(display.to_owned()));
    }
    group.insert("type".into(), Value::String("direct".into()));
    Value::Object(group)
}

/// Sets `meta` as a provider maintains it on a write: `resourceType`, `created` (the
/// stored value on replace, now on create), `lastModified` now, and no `version` (which
/// the provider records beside the JSON and adds when reading).
///
/// ```
/// let stamped = scim_provider::stamp_meta(serde_json::json!({"id": "1"}), "User", None);
/// assert_eq!(stamped["meta"]["resourceType"], "User");
/// assert_eq!(stamped["meta"]["created"], stamped["meta"]["lastModified"]);
/// ```
pub fn stamp_meta(mut resource: Value, resource_type: &str, created: Option<Value>) -> Value {
    let now = Value::String(scim_schema::DateTime::now_millis().to_string());
    if let Value::Object(object) = &mut resource {
        let mut meta = match object.remove("meta") {
            Some(Value::Object(meta)) => meta,
            _ => Map::new(),
        };
        meta.remove("version");
        meta.insert(
            "resourceType".into(),
            Value::String(resource_type.to_owned()),
        );
        meta.insert("created".into(), created.unwrap_or_else(|| now.clone()));
        meta.insert("lastModified".into(), now);
        object.insert("meta".into(), Value::Object(meta));
    }
    resource
}

/// SHA-256 of the canonical resource without `members`, `groups` and `meta.version`
/// (and without `meta` when nothing else is in it).
pub fn base_hash(resource: &Value) -> [u8; 32] {
    let base = match resource {
        Value::Object(object) => {
            let mut base = Map::new();
            for (key, value) in object {
                match key.as_str() {
                    "members" | "groups" => {}
                    "meta" => {
                        let mut meta = value.clone();
                        if let Value::Object(fields) = &mut meta {
                            fields.remove("version");
                            if fields.is_empty() {
                                continue;
                            }
                        }
                        base.insert(key.clone(), meta);
                    }
                    _ => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
            Value::Object(base)
        }
        other => other.clone(),
    };
    Sha256::digest(canonical_json(&base)).into()
}

/// One member of a group: the id of a User or Group, its type, display name and URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The member's id (`value`).
    pub value: String,
    /// `User` or `Group`, when known (`type`).
    pub kind: Option<String>,
    /// A display name (`display`).
    pub display: Option<String>,
    /// The member's URI (`$ref`), as the client sent it.
    pub reference: Option<String>,
}

impl Member {
    /// A member with only its id.
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            kind: None,
            display: None,
            reference: None,
        }
    }

    /// This member with the `display` it was written with, or else `name` (the
    /// [`display_of`] the resource it is): the `display` a group shows of a member.
    ///
    /// ```
    /// use scim_provider::Member;
    ///
    /// assert_eq!(Member::new("1").or_display(Some("Babs")).display.as_deref(), Some("Babs"));
    /// let sent = Member { display: Some("sent".into()), ..Member::new("1") };
    /// assert_eq!(sent.or_display(Some("Babs")).display.as_deref(), Some("sent"));
    /// ```
    pub fn or_display(mut self, name: Option<&str>) -> Self {
        if self.display.is_none() {
            self.display = name.map(str::to_owned);
        }
        self
    }

    /// Reads a `members` element (`{"value": …, "type": …, "display": …, "$ref": …}`).
    pub fn from_json(value: &Value) -> Option<Self> {
        let object = value.as_object()?;
        let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            value: text("value")?,
            kind: text("type"),
            display: text("display"),
            reference: text("$ref"),
        })
    }

    /// The `members` element.
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("value".into(), Value::String(self.value.clone()));
        if let Some(kind) = &self.kind {
            object.insert("type".into(), Value::String(kind.clone()));
        }
        if let Some(display) = &self.display {
            object.insert("display".into(), Value::String(display.clone()));
        }
        if let Some(reference) = &self.reference {
            object.insert("$ref".into(), Value::String(reference.clone()));
        }
        Value::Object(object)
    }
}

/// Members to add to and remove from a group, applied as one write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipDelta {
    /// Members to add; ones already present are left as they are.
    pub add: Vec<Member>,
    /// Member ids to remove; ones not present are ignored.
    pub remove: Vec<String>,
}

impl MembershipDelta {
    /// Whether the delta changes nothing.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use scim_schema::SchemaRegistry;
    use serde_json::json;

    use super::*;

    fn returnable(resource: &Value) -> ReturnableJson {
        let registry = SchemaRegistry::default();
        ReturnableJson::new(registry.resource_type("User").expect("User"), resource)
    }

    #[test]
    fn the_text_is_what_serde_json_writes() {
        for resource in [
            json!({}),
            json!({"b": [1, {"meta": {}}], "a": "\"meta\":{", "meta": {"x": "\\"}}),
            json!({"userName": "ü\u{1}", "meta": 3}),
            json!([1, 2]),
        ] {
            assert_eq!(returnable(&resource).as_str(), resource.to_string());
        }
    }

    #[test]
    fn meta_fields_go_into_the_top_level_meta_only() {
        let cases = [
            (
                json!({"id": "1", "meta": {"resourceType": "User"}}),
                Some(r#"{"id":"1","meta":{"location":"L","version":"V","resourceType":"User"}}"#),
            ),
            (
                json!({"meta": {}}),
                Some(r#"{"meta":{"location":"L","version":"V"}}"#),
            ),
            (
                json!({"a": {"meta": {"x": 1}}, "b": "\"meta\":{", "meta": {"r": "U"}}),
                Some(
                    r#"{"a":{"meta":{"x":1}},"b":"\"meta\":{","meta":{"location":"L","version":"V","r":"U"}}"#,
                ),
            ),
            (json!({"id": "1"}), None),
            (json!({"meta": "not an object"}), None),
        ];
        for (resource, expected) in cases {
            let json = returnable(&resource);
            assert_eq!(
                json.with_meta_fields("L", "V").as_deref(),
                expected,
                "{resource}"
            );
        }
    }

    #[test]
    fn meta_values_are_escaped() {
        let location = "https://h/x\"y\\z\u{1}é";
        let json = returnable(&json!({"meta": {}}))
            .with_meta_fields(location, "W/\"abc\"")
            .expect("meta");
        let value: Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(value["meta"]["location"], location);
        assert_eq!(value["meta"]["version"], "W/\"abc\"");
    }
}
