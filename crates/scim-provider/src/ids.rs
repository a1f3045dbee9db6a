//! Resource ids: random UUIDs (version 4).

/// The operating system gave no randomness, so no id could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system provides no randomness for a new id")]
pub struct NoRandomness;

impl From<NoRandomness> for crate::ProviderError {
    fn from(err: NoRandomness) -> Self {
        crate::ProviderError::storage("no id could be made", err)
    }
}

/// A new random UUID, lower-case and hyphenated. Fails (with a log line), never panics,
/// when the operating system has no randomness to give.
///
/// ```
/// let id = scim_provider::new_id()?;
/// assert_eq!(id.len(), 36);
/// assert_eq!(&id[14..15], "4");
/// assert_ne!(id, scim_provider::new_id()?);
/// # Ok::<(), scim_provider::NoRandomness>(())
/// ```
pub fn new_id() -> Result<String, NoRandomness> {
    let mut bytes = [0u8; 16];
    if let Err(err) = getrandom::fill(&mut bytes) {
        tracing::error!(%err, "no randomness for a new resource id");
        return Err(NoRandomness);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}
