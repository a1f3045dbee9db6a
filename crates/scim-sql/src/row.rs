//! A stored row, and the hex encoding of its digests.

use scim_provider::{ContentDigest, SetDigest};
use scim_version::ScimVersion;

/// The columns of `scim_resources` a write needs.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) base: String,
    pub(crate) members: SetDigest,
    pub(crate) groups: SetDigest,
    pub(crate) version: String,
}

impl Stored {
    /// The version these digests make, as stored (the opaque tag).
    pub(crate) fn compute_version(
        base_hash: [u8; 32],
        members: SetDigest,
        groups: SetDigest,
    ) -> String {
        ContentDigest {
            base: base_hash,
            members,
            groups,
        }
        .version()
        .opaque()
        .to_owned()
    }

    pub(crate) fn scim_version(&self) -> ScimVersion {
        ScimVersion::from_hash(&self.version)
            .unwrap_or_else(|_| ScimVersion::from_content(self.version.as_bytes()))
    }
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
