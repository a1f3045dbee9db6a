//! [`ScimVersion`]: an opaque resource version, presented as a weak entity tag.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::VersionError;

/// How many bytes of the SHA-256 digest a content version keeps (128 bits).
const DIGEST_BYTES_KEPT: usize = 16;

/// The version of one state of a resource: an opaque tag, shown to clients as a weak
/// ETag (`W/"…"`) and as the resource's `meta.version`.
///
/// A server-made version is a content hash ([`from_content`](Self::from_content),
/// [`from_json`](Self::from_json)); a storage layer that keeps versions of its own hands
/// them in through [`from_hash`](Self::from_hash). A version a client sent is read with
/// [`parse_http_header`](Self::parse_http_header), which remembers whether the client
/// sent it strong (`"x"`) or weak (`W/"x"`).
///
/// # Equality is weak comparison
///
/// `==`, [`Hash`] and [`matches`](Self::matches) look at the opaque tag only, which is
/// RFC 9110's *weak comparison*: `W/"1"` equals `"1"`. SCIM representations vary with
/// `attributes=` and `excludedAttributes=`, so SCIM versions are weak by nature; use
/// [`matches_strong`](Self::matches_strong) where strong comparison is wanted.
///
/// Cloning is cheap (a reference count), so versions can be handed around freely.
///
/// ```
/// use scim_version::ScimVersion;
///
/// let v = ScimVersion::from_content(br#"{"userName":"bjensen"}"#);
/// let header = v.to_http_header();
/// assert!(header.starts_with("W/\""));
///
/// let echoed = ScimVersion::parse_http_header(&header)?;
/// assert!(echoed.matches(&v));
/// assert_eq!(echoed, v);
/// # Ok::<(), scim_version::VersionError>(())
/// ```
#[derive(Clone)]
pub struct ScimVersion {
    opaque: Arc<str>,
    weak: bool,
}

impl ScimVersion {
    /// The longest opaque tag accepted, in bytes.
    pub const MAX_LEN: usize = 1024;

    /// The version of some content: SHA-256 over `content`, the first 128 bits
    /// encoded as unpadded base64url (22 characters).
    ///
    /// ```
    /// use scim_version::ScimVersion;
    ///
    /// let a = ScimVersion::from_content(b"hello");
    /// assert_eq!(a, ScimVersion::from_content(b"hello"));
    /// assert_ne!(a, ScimVersion::from_content(b"hello!"));
    /// assert_eq!(a.opaque().len(), 22);
    /// ```
    pub fn from_content(content: &[u8]) -> Self {
        Self::from_digest(Sha256::digest(content).into())
    }

    /// The version for a SHA-256 digest computed elsewhere (for content hashed in
    /// parts); keeps the same 128 bits as [`from_content`](Self::from_content).
    ///
    /// ```
    /// use scim_version::ScimVersion;
    /// use sha2::{Digest, Sha256};
    ///
    /// let digest: [u8; 32] = Sha256::digest(b"hello").into();
    /// assert_eq!(ScimVersion::from_digest(digest), ScimVersion::from_content(b"hello"));
    /// ```
    pub fn from_digest(digest: [u8; 32]) -> Self {
        let opaque = URL_SAFE_NO_PAD.encode(&digest[..DIGEST_BYTES_KEPT]);
        Self {
            opaque: opaque.into(),
            weak: true,
        }
    }

    /// A version a storage layer made itself (a counter, a row hash, …), checked against
    /// the characters an `ETag` header carries inside an entity tag (RFC 9110
    /// `%x21 / %x23-7E`; its `obs-text` is refused, since `http`'s header values do not
    /// carry it), non-empty and at most [`MAX_LEN`](Self::MAX_LEN) bytes. Every version
    /// built here therefore has a header form.
    ///
    /// Pass the bare tag, without quotes or `W/`.
    ///
    /// ```
    /// use scim_version::{ScimVersion, VersionError};
    ///
    /// let v = ScimVersion::from_hash("row-17")?;
    /// assert_eq!(v.to_http_header(), r#"W/"row-17""#);
    /// assert!(matches!(
    ///     ScimVersion::from_hash("a b"),
    ///     Err(VersionError::InvalidCharacter { found: ' ', position: 1 })
    /// ));
    /// assert!(ScimVersion::from_hash("caf\u{e9}").is_err());
    /// # Ok::<(), VersionError>(())
    /// ```
    pub fn from_hash(hash: impl AsRef<str>) -> Result<Self, VersionError> {
        let hash = hash.as_ref();
        if hash.is_empty() {
            return Err(VersionError::Empty);
        }
        check_len(hash.len(), Self::MAX_LEN)?;
        if let Some(position) = hash.bytes().position(|b| !b.is_ascii() || !is_etagc(b)) {
            return Err(invalid_character(hash, position));
        }
        Ok(Self {
            opaque: hash.into(),
            weak: true,
        })
    }

    /// Parses one entity tag as it appears in an `ETag` or `If-Match` header or in
    /// `meta.version`: strong `"x"` or weak `W/"x"`, with optional surrounding
    /// whitespace. Anything else is a [`VersionError`] that says what is wrong.
    ///
    /// ```
    /// use scim_version::{ScimVersion, VersionError};
    ///
    /// assert!(ScimVersion::parse_http_header(r#"W/"abc""#)?.is_weak());
    /// assert!(!ScimVersion::parse_http_header(r#""abc""#)?.is_weak());
    /// assert_eq!(ScimVersion::parse_http_header(r#"W/"""#)?.opaque(), "");
    ///
    /// assert_eq!(ScimVersion::parse_http_header("abc"), Err(VersionError::NotQuoted));
    /// assert_eq!(ScimVersion::parse_http_header(""), Err(VersionError::Empty));
    /// assert!(matches!(
    ///     ScimVersion::parse_http_header(r#""a"b""#),
    ///     Err(VersionError::TrailingCharacters { found: 'b', position: 3 })
    /// ));
    /// # Ok::<(), VersionError>(())
    /// ```
    pub fn parse_http_header(value: &str) -> Result<Self, VersionError> {
        check_len(value.len(), MAX_HEADER_LEN)?;
        let start = skip_ows(value, 0);
        if start == value.len() {
            return Err(VersionError::Empty);
        }
        let (version, end) = scan_entity_tag(value, start)?;
        let rest = skip_ows(value, end);
        if rest < value.len() {
            return Err(trailing(value, rest));
        }
        Ok(version)
    }

    /// The version as an HTTP `ETag` value, always weak: `W/"…"`.
    ///
    /// Always weak because a SCIM representation varies with `attributes=` and
    /// `excludedAttributes=` while its version does not. The same string is the
    /// resource's `meta.version`.
    ///
    /// ```
    /// use scim_version::ScimVersion;
    ///
    /// let strong = ScimVersion::parse_http_header(r#""7""#)?;
    /// assert_eq!(strong.to_http_header(), r#"W/"7""#);
    /// # Ok::<(), scim_version::VersionError>(())
    /// ```
    pub fn to_http_header(&self) -> String {
        // Pushed, not formatted: it is on every response's path.
        let mut header = String::with_capacity(self.opaque.len() + 4);
        header.push_str("W/\"");
        header.push_str(&self.opaque);
        header.push('"');
        header
    }

    /// The opaque tag, without quotes or `W/`.
    pub fn opaque(&self) -> &str {
        &self.opaque
    }

    /// Whether this tag is weak. Versions made here are; a parsed one is weak when the
    /// client wrote `W/`.
    pub fn is_weak(&self) -> bool {
        self.weak
    }

    /// RFC 9110 weak comparison: the opaque tags are equal, weak or not.
    ///
    /// ```
    /// use scim_version::ScimVersion;
    ///
    /// let weak = ScimVersion::parse_http_header(r#"W/"1""#)?;
    /// let strong = ScimVersion::parse_http_header(r#""1""#)?;
    /// assert!(weak.matches(&strong));
    /// # Ok::<(), scim_version::VersionError>(())
    /// ```
    pub fn matches(&self, other: &ScimVersion) -> bool {
        self.opaque == other.opaque
    }

    /// RFC 9110 strong comparison: both tags are strong and their opaque tags are equal.
    ///
    /// ```
    /// use scim_version::ScimVersion;
    ///
    /// let weak = ScimVersion::parse_http_header(r#"W/"1""#)?;
    /// let strong = ScimVersion::parse_http_header(r#""1""#)?;
    /// assert!(strong.matches_strong(&strong));
    /// assert!(!weak.matches_strong(&strong));
    /// # Ok::<(), scim_version::VersionError>(())
    /// ```
    pub fn matches_strong(&self, other: &ScimVersion) -> bool {
        !self.weak && !other.weak && self.matches(other)
    }
}

impl PartialEq for ScimVersion {
    fn eq(&self, other: &Self) -> bool {
        self.matches(other)
    }
}

impl Eq for ScimVersion {}

impl Hash for ScimVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.opaque.hash(state);
    }
}

impl fmt::Display for ScimVersion {
    /// Writes the weak `ETag` form, `W/"…"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "W/\"{}\"", self.opaque)
    }
}

impl fmt::Debug for ScimVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = if self.weak { "W/" } else { "" };
        write!(f, "ScimVersion({prefix}\"{}\")", self.opaque)
    }
}

impl FromStr for ScimVersion {
    type Err = VersionError;

    /// Same as [`ScimVersion::parse_http_header`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_http_header(s)
    }
}

impl serde::Serialize for ScimVersion {
    /// Serializes as the `meta.version` string, `W/"…"`.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ScimVersion {
    /// Reads a `meta.version` string with [`ScimVersion::parse_http_header`].
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse_http_header(&text).map_err(serde::de::Error::custom)
    }
}

/// The longest header value (one tag, or a whole `If-Match` list) accepted, in bytes.
pub(crate) const MAX_HEADER_LEN: usize = 8 * 1024;

/// `etagc = %x21 / %x23-7E / obs-text` (RFC 9110 section 8.8.3). Bytes of non-ASCII
/// characters are all `>= 0x80`, which is `obs-text`.
fn is_etagc(b: u8) -> bool {
    b == 0x21 || (0x23..=0x7e).contains(&b) || b >= 0x80
}

/// Index of the first byte at or after `from` that is not `OWS` (space or tab).
pub(crate) fn skip_ows(input: &str, from: usize) -> usize {
    input.as_bytes()[from..]
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .map_or(input.len(), |n| from + n)
}

/// Reads one `entity-tag` starting at byte `start` of `input`; returns it and the index
/// just past its closing quote.
pub(crate) fn scan_entity_tag(
    input: &str,
    start: usize,
) -> Result<(ScimVersion, usize), VersionError> {
    let bytes = input.as_bytes();
    let weak = bytes[start..].starts_with(b"W/");
    let quote = if weak { start + 2 } else { start };
    if bytes.get(quote) != Some(&b'"') {
        return Err(VersionError::NotQuoted);
    }
    let open = quote + 1;
    let mut close = open;
    loop {
        match bytes.get(close) {
            None => return Err(VersionError::Unterminated),
            Some(b'"') => break,
            Some(&b) if is_etagc(b) => close += 1,
            Some(_) => return Err(invalid_character(input, close)),
        }
    }
    check_len(close - open, ScimVersion::MAX_LEN)?;
    // Quotes are ASCII, so `open` and `close` are character boundaries.
    let version = ScimVersion {
        opaque: input[open..close].into(),
        weak,
    };
    Ok((version, close + 1))
}

fn check_len(len: usize, max: usize) -> Result<(), VersionError> {
    if len > max {
        Err(VersionError::TooLong { len, max })
    } else {
        Ok(())
    }
}

fn char_at(input: &str, position: usize) -> char {
    input[position..].chars().next().unwrap_or('\u{fffd}')
}

fn invalid_character(input: &str, position: usize) -> VersionError {
    VersionError::InvalidCharacter {
        found: char_at(input, position),
        position,
    }
}

pub(crate) fn trailing(input: &str, position: usize) -> VersionError {
    VersionError::TrailingCharacters {
        found: char_at(input, position),
        position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(s: &str) -> Result<ScimVersion, VersionError> {
        ScimVersion::parse_http_header(s)
    }

    #[test]
    fn accepts_weak_strong_and_empty_tags() {
        let cases = [
            (r#"W/"abc""#, "abc", true),
            (r#""abc""#, "abc", false),
            (r#"W/"""#, "", true),
            (r#""""#, "", false),
            ("  W/\"x\"\t", "x", true),
            (r#""a,b""#, "a,b", false),
            (r#""ünï""#, "ünï", false),
            (
                r#""!#$%&'()*+-./:;<=>?@[\]^_`{|}~""#,
                "!#$%&'()*+-./:;<=>?@[\\]^_`{|}~",
                false,
            ),
        ];
        for (input, opaque, weak) in cases {
            let v = parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(v.opaque(), opaque, "{input:?}");
            assert_eq!(v.is_weak(), weak, "{input:?}");
        }
    }

    #[test]
    fn rejects_malformed_tags_with_a_reason() {
        let cases = [
            ("W/abc", VersionError::NotQuoted),
            ("abc", VersionError::NotQuoted),
            ("w/\"abc\"", VersionError::NotQuoted),
            ("", VersionError::Empty),
            ("   ", VersionError::Empty),
            ("\"abc", VersionError::Unterminated),
            ("W/\"", VersionError::Unterminated),
            (
                "\"a\"b\"",
                VersionError::TrailingCharacters {
                    found: 'b',
                    position: 3,
                },
            ),
            (
                "\"a\" \"b\"",
                VersionError::TrailingCharacters {
                    found: '"',
                    position: 4,
                },
            ),
            (
                "\"a b\"",
                VersionError::InvalidCharacter {
                    found: ' ',
                    position: 2,
                },
            ),
            (
                "\"a\u{7f}\"",
                VersionError::InvalidCharacter {
                    found: '\u{7f}',
                    position: 2,
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn rejects_huge_input_without_scanning_it() {
        let huge = format!("\"{}\"", "a".repeat(10 * 1024 * 1024));
        assert_eq!(
            parse(&huge),
            Err(VersionError::TooLong {
                len: huge.len(),
                max: MAX_HEADER_LEN
            })
        );
        let long_tag = format!("\"{}\"", "a".repeat(ScimVersion::MAX_LEN + 1));
        assert!(matches!(
            parse(&long_tag),
            Err(VersionError::TooLong { .. })
        ));
        assert!(matches!(
            ScimVersion::from_hash("a".repeat(ScimVersion::MAX_LEN + 1)),
            Err(VersionError::TooLong { .. })
        ));
    }

    #[test]
    fn from_hash_validates_entity_tag_characters() {
        assert_eq!(ScimVersion::from_hash(""), Err(VersionError::Empty));
        assert!(matches!(
            ScimVersion::from_hash("W/\"a\""),
            Err(VersionError::InvalidCharacter { found: '"', .. })
        ));
        let v = ScimVersion::from_hash("v-1.2_3").unwrap();
        assert!(v.is_weak());
        assert_eq!(v.to_http_header(), r#"W/"v-1.2_3""#);
    }

    #[test]
    fn content_versions_are_128_bit_base64url() {
        let v = ScimVersion::from_content(b"");
        // SHA-256("") starts e3b0c44298fc1c149afbf4c8996fb924.
        assert_eq!(v.opaque(), "47DEQpj8HBSa-_TImW-5JA");
        assert!(v.is_weak());
    }

    /// RFC 9110 section 8.8.3.2, the example table.
    #[test]
    fn rfc9110_comparison_table() {
        let table = [
            (r#"W/"1""#, r#"W/"1""#, false, true),
            (r#"W/"1""#, r#"W/"2""#, false, false),
            (r#"W/"1""#, r#""1""#, false, true),
            (r#""1""#, r#""1""#, true, true),
        ];
        for (a, b, strong, weak) in table {
            let (a, b) = (parse(a).unwrap(), parse(b).unwrap());
            assert_eq!(a.matches_strong(&b), strong, "strong {a:?} {b:?}");
            assert_eq!(b.matches_strong(&a), strong, "strong {b:?} {a:?}");
            assert_eq!(a.matches(&b), weak, "weak {a:?} {b:?}");
            assert_eq!(b.matches(&a), weak, "weak {b:?} {a:?}");
            assert_eq!(a == b, weak);
        }
    }

    #[test]
    fn serde_uses_the_meta_version_string() {
        let v = ScimVersion::from_hash("abc").unwrap();
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#""W/\"abc\"""#);
        let back: ScimVersion = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
        let err = serde_json::from_str::<ScimVersion>(r#""abc""#).unwrap_err();
        assert!(err.to_string().contains("quoted"), "{err}");
    }

    #[test]
    fn display_and_from_str_round_trip() {
        let v: ScimVersion = r#""x""#.parse().unwrap();
        assert_eq!(v.to_string(), r#"W/"x""#);
        assert_eq!(format!("{v:?}"), r#"ScimVersion("x")"#);
        assert_eq!(v.to_string().parse::<ScimVersion>().unwrap(), v);
    }

    fn opaque_strategy() -> impl Strategy<Value = String> {
        // etagc: %x21 / %x23-7E / non-ASCII.
        proptest::string::string_regex(r#"[!#-~¡-ÿ€-￿]{0,40}"#).unwrap()
    }

    proptest! {
        #[test]
        fn print_then_parse_is_identity(opaque in opaque_strategy(), weak in any::<bool>()) {
            let header = if weak { format!("W/\"{opaque}\"") } else { format!("\"{opaque}\"") };
            let parsed = parse(&header).unwrap();
            prop_assert_eq!(parsed.opaque(), opaque.as_str());
            prop_assert_eq!(parsed.is_weak(), weak);
            let reparsed = parse(&parsed.to_http_header()).unwrap();
            prop_assert_eq!(reparsed.opaque(), parsed.opaque());
            prop_assert!(reparsed.is_weak());
        }

        #[test]
        fn from_hash_round_trips(opaque in opaque_strategy().prop_filter("non-empty ASCII", |s| !s.is_empty() && s.is_ascii())) {
            let v = ScimVersion::from_hash(&opaque).unwrap();
            prop_assert_eq!(parse(&v.to_http_header()).unwrap(), v);
        }

        #[test]
        fn from_hash_only_builds_what_a_header_carries(opaque in opaque_strategy()) {
            // A header value holds visible ASCII only (what `http::HeaderValue` takes).
            if let Ok(v) = ScimVersion::from_hash(&opaque) {
                prop_assert!(v.to_http_header().bytes().all(|b| (0x21..0x7f).contains(&b)));
            } else {
                prop_assert!(opaque.is_empty() || !opaque.is_ascii());
            }
        }

        #[test]
        fn parse_never_panics(input in any::<String>()) {
            let _ = parse(&input);
            let _ = ScimVersion::from_hash(&input);
        }

        #[test]
        fn parse_never_panics_on_tag_like_input(input in r#"(W/|"|,|\*| |\t|[a-z]|é|\x7f){0,24}"#) {
            let _ = parse(&input);
        }
    }
}
