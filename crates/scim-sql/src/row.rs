//! A stored row: its columns, reading them (text across drivers), the hex encoding of
//! its digests, and telling a stale version.

use scim_provider::{ContentDigest, SetDigest};
use scim_version::{ScimVersion, VersionConflict};
use sqlx::Row;

/// The columns of `scim_resources` a write needs.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) base: String,
    pub(crate) members: SetDigest,
    pub(crate) groups: SetDigest,
    pub(crate) version: String,
}

impl Stored {
    /// The version these digests make (stored as its opaque tag).
    pub(crate) fn compute_version(
        base_hash: [u8; 32],
        members: SetDigest,
        groups: SetDigest,
    ) -> ScimVersion {
        ContentDigest {
            base: base_hash,
            members,
            groups,
        }
        .version()
    }

    pub(crate) fn scim_version(&self) -> ScimVersion {
        ScimVersion::from_hash(&self.version)
            .unwrap_or_else(|_| ScimVersion::from_content(self.version.as_bytes()))
    }
}

/// The columns [`stored_from`] reads, in queries on `scim_resources r`.
pub(crate) const STORED_COLUMNS: &str = "r.base, r.members_digest, r.groups_digest, r.version";

/// The columns of a `scim_resources` row a write or a read needs.
pub(crate) fn stored_from(row: &sqlx::any::AnyRow) -> Result<Stored, sqlx::Error> {
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
pub(crate) fn text(row: &sqlx::any::AnyRow, column: &str) -> Result<String, sqlx::Error> {
    match row.try_get::<String, _>(column) {
        Ok(text) => Ok(text),
        Err(_) => {
            let bytes: Vec<u8> = row.try_get(column)?;
            String::from_utf8(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))
        }
    }
}

/// A text column that may be `NULL`, read as [`text`] reads one.
pub(crate) fn optional_text(
    row: &sqlx::any::AnyRow,
    column: &str,
) -> Result<Option<String>, sqlx::Error> {
    match row.try_get::<Option<String>, _>(column) {
        Ok(text) => Ok(text),
        Err(_) => row
            .try_get::<Option<Vec<u8>>, _>(column)?
            .map(|bytes| String::from_utf8(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose(),
    }
}

/// The conflict when `stored` is not at `expected`.
pub(crate) fn stale(stored: &Stored, expected: Option<&ScimVersion>) -> Option<VersionConflict> {
    let expected = expected?;
    let current = stored.scim_version();
    (!current.matches(expected)).then(|| VersionConflict::new(expected.clone(), current))
}

pub(crate) fn to_hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn from_hex(text: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = text
            .get(i * 2..i * 2 + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes: [u8; 32] = std::array::from_fn(|i| (i * 7) as u8);
        assert_eq!(from_hex(&to_hex(&bytes)), bytes);
    }
}
