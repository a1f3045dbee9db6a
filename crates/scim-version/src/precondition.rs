//! [`Precondition`]: a parsed `If-Match` or `If-None-Match` field value (RFC 9110
//! section 13.1), and how it is evaluated against a resource's current version.

use crate::version::{MAX_HEADER_LEN, scan_entity_tag, skip_ows, trailing};
use crate::{ScimVersion, VersionError};

/// Which comparison function an `If-Match` evaluation uses.
///
/// RFC 9110 asks for strong comparison in `If-Match`. Every SCIM version is weak
/// (see [`ScimVersion`]), so under strong comparison no SCIM `If-Match` could ever
/// succeed; this toolkit therefore uses [`Weak`](Self::Weak) by default, a documented
/// deviation that a server can switch back with [`Strong`](Self::Strong).
///
/// ```
/// use scim_version::{Comparison, ScimVersion};
///
/// let server = ScimVersion::from_hash("7")?; // weak, like every SCIM version
/// let client = ScimVersion::parse_http_header(r#""7""#)?;
/// assert!(Comparison::Weak.compare(&client, &server));
/// assert!(!Comparison::Strong.compare(&client, &server));
/// # Ok::<(), scim_version::VersionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Comparison {
    /// Opaque tags equal, weak or not. The default.
    #[default]
    Weak,
    /// Both tags strong and their opaque tags equal.
    Strong,
}

impl Comparison {
    /// Compares two versions with this function.
    pub fn compare(self, a: &ScimVersion, b: &ScimVersion) -> bool {
        match self {
            Self::Weak => a.matches(b),
            Self::Strong => a.matches_strong(b),
        }
    }
}

/// The value of an `If-Match` or `If-None-Match` header: `*`, or a list of entity tags.
///
/// Parsing follows RFC 9110's list syntax: tags separated by commas with optional
/// whitespace, empty list elements ignored, commas inside a quoted tag kept, and the
/// same field sent on several header lines read as one list
/// ([`parse_lines`](Self::parse_lines)). Input is bounded: at most
/// [`MAX_TAGS`](Self::MAX_TAGS) tags and 8 KiB per line.
///
/// ```
/// use scim_version::{Comparison, Precondition, ScimVersion};
///
/// let current = ScimVersion::from_hash("v2")?;
/// let if_match = Precondition::parse(r#"W/"v1", W/"v2""#)?;
/// assert!(if_match.if_match(Some(&current), Comparison::Weak));
///
/// let if_none_match = Precondition::parse("*")?;
/// assert!(!if_none_match.if_none_match(Some(&current)));
/// assert!(if_none_match.if_none_match(None));
/// # Ok::<(), scim_version::VersionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any current representation.
    Any,
    /// A non-empty list of entity tags, in the order sent.
    Tags(Vec<ScimVersion>),
}

impl Precondition {
    /// The most entity tags one field may list.
    pub const MAX_TAGS: usize = 64;

    /// Parses one header line.
    ///
    /// ```
    /// use scim_version::{Precondition, VersionError};
    ///
    /// let p = Precondition::parse(r#" "a,b" ,, W/"c" "#)?;
    /// let Precondition::Tags(tags) = p else { unreachable!() };
    /// assert_eq!(tags.len(), 2);
    /// assert_eq!(tags[0].opaque(), "a,b");
    ///
    /// assert_eq!(Precondition::parse(r#"*, "a""#), Err(VersionError::WildcardInList));
    /// # Ok::<(), VersionError>(())
    /// ```
    pub fn parse(value: &str) -> Result<Self, VersionError> {
        Self::parse_lines([value])
    }

    /// Parses a field sent on several header lines, as if they were joined by commas.
    ///
    /// ```
    /// use scim_version::Precondition;
    ///
    /// let p = Precondition::parse_lines([r#"W/"a""#, r#""b", W/"c""#])?;
    /// assert_eq!(p, Precondition::parse(r#"W/"a", "b", W/"c""#)?);
    /// # Ok::<(), scim_version::VersionError>(())
    /// ```
    pub fn parse_lines<'a>(lines: impl IntoIterator<Item = &'a str>) -> Result<Self, VersionError> {
        let mut wildcard = false;
        let mut tags = Vec::new();
        for line in lines {
            parse_line(line, &mut wildcard, &mut tags)?;
        }
        // An empty field is an empty list (RFC 9110's `#entity-tag` allows one): as
        // `If-Match` it names no version (412), as `If-None-Match` it holds.
        match (wildcard, tags.is_empty()) {
            (true, true) => Ok(Self::Any),
            (true, false) => Err(VersionError::WildcardInList),
            (false, _) => Ok(Self::Tags(tags)),
        }
    }

    /// Whether `current` is named by this precondition under `comparison`: `*` names
    /// every version, a list names the versions any of its tags compares equal to.
    ///
    /// ```
    /// use scim_version::{Comparison, Precondition, ScimVersion};
    ///
    /// let list = Precondition::parse(r#""a", "b""#)?;
    /// assert!(list.names(&ScimVersion::from_hash("b")?, Comparison::Weak));
    /// assert!(!list.names(&ScimVersion::from_hash("c")?, Comparison::Weak));
    /// # Ok::<(), scim_version::VersionError>(())
    /// ```
    pub fn names(&self, current: &ScimVersion, comparison: Comparison) -> bool {
        match self {
            Self::Any => true,
            Self::Tags(tags) => tags.iter().any(|tag| comparison.compare(tag, current)),
        }
    }

    /// Evaluates this value as `If-Match` (RFC 9110 section 13.1.1) against the
    /// resource's current version, `None` when it does not exist. `true` means the
    /// request may proceed; `false` means `412 Precondition Failed`.
    ///
    /// ```
    /// use scim_version::{Comparison, Precondition, ScimVersion};
    ///
    /// let current = ScimVersion::from_hash("v2")?;
    /// let stale = Precondition::parse(r#"W/"v1""#)?;
    /// assert!(!stale.if_match(Some(&current), Comparison::Weak));
    /// assert!(!Precondition::Any.if_match(None, Comparison::Weak));
    /// # Ok::<(), scim_version::VersionError>(())
    /// ```
    pub fn if_match(&self, current: Option<&ScimVersion>, comparison: Comparison) -> bool {
        current.is_some_and(|current| self.names(current, comparison))
    }

    /// Evaluates this value as `If-None-Match` (RFC 9110 section 13.1.2, always weak
    /// comparison) against the current version, `None` when the resource does not
    /// exist. `true` means the request may proceed; `false` means `304 Not Modified`
    /// for GET and HEAD and `412 Precondition Failed` otherwise.
    ///
    /// ```
    /// use scim_version::{Precondition, ScimVersion};
    ///
    /// let current = ScimVersion::from_hash("v2")?;
    /// let cached = Precondition::parse(r#""v2""#)?;
    /// assert!(!cached.if_none_match(Some(&current)));
    /// assert!(cached.if_none_match(None));
    /// # Ok::<(), scim_version::VersionError>(())
    /// ```
    pub fn if_none_match(&self, current: Option<&ScimVersion>) -> bool {
        !current.is_some_and(|current| self.names(current, Comparison::Weak))
    }
}

impl std::str::FromStr for Precondition {
    type Err = VersionError;

    /// Same as [`Precondition::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Adds the members of one line of `#entity-tag` / `"*"` to `tags` / `wildcard`.
fn parse_line(
    line: &str,
    wildcard: &mut bool,
    tags: &mut Vec<ScimVersion>,
) -> Result<(), VersionError> {
    if line.len() > MAX_HEADER_LEN {
        return Err(VersionError::TooLong {
            len: line.len(),
            max: MAX_HEADER_LEN,
        });
    }
    let bytes = line.as_bytes();
    let mut at = skip_ows(line, 0);
    while at < line.len() {
        // One list element (possibly empty), then OWS, then a comma or the end.
        match bytes[at] {
            b',' => {}
            b'*' => {
                *wildcard = true;
                at += 1;
            }
            _ => {
                if tags.len() == Precondition::MAX_TAGS {
                    return Err(VersionError::TooManyTags {
                        max: Precondition::MAX_TAGS,
                    });
                }
                let (tag, end) = scan_entity_tag(line, at)?;
                tags.push(tag);
                at = end;
            }
        }
        if *wildcard && !tags.is_empty() {
            return Err(VersionError::WildcardInList);
        }
        at = skip_ows(line, at);
        match bytes.get(at) {
            None => break,
            Some(b',') => at = skip_ows(line, at + 1),
            Some(_) => return Err(trailing(line, at)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(opaque: &str) -> ScimVersion {
        ScimVersion::from_hash(opaque).unwrap()
    }

    fn tags(p: &Precondition) -> Vec<(&str, bool)> {
        match p {
            Precondition::Any => panic!("expected a list"),
            Precondition::Tags(tags) => tags.iter().map(|t| (t.opaque(), t.is_weak())).collect(),
        }
    }

    #[test]
    fn parses_rfc9110_list_forms() {
        assert_eq!(Precondition::parse("*").unwrap(), Precondition::Any);
        assert_eq!(Precondition::parse(" * ").unwrap(), Precondition::Any);
        let cases: [(&str, &[(&str, bool)]); 6] = [
            (r#""xyzzy""#, &[("xyzzy", false)]),
            (
                r#""xyzzy", "r2d2xxxx", "c3piozzzz""#,
                &[("xyzzy", false), ("r2d2xxxx", false), ("c3piozzzz", false)],
            ),
            (
                r#"W/"xyzzy",W/"r2d2xxxx""#,
                &[("xyzzy", true), ("r2d2xxxx", true)],
            ),
            (r#""a,b",  "c""#, &[("a,b", false), ("c", false)]),
            (r#", , "a" ,, ,"b","#, &[("a", false), ("b", false)]),
            ("\t\"a\"\t,\tW/\"\"", &[("a", false), ("", true)]),
        ];
        for (input, expected) in cases {
            let parsed = Precondition::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(tags(&parsed), expected, "{input:?}");
        }
    }

    #[test]
    fn joins_several_header_lines() {
        let p = Precondition::parse_lines([r#""a""#, "", r#"W/"b", "c""#]).unwrap();
        assert_eq!(tags(&p), [("a", false), ("b", true), ("c", false)]);
        assert_eq!(
            Precondition::parse_lines(["*", r#""a""#]),
            Err(VersionError::WildcardInList)
        );
        assert_eq!(Precondition::parse_lines(["*", "*"]), Ok(Precondition::Any));
        assert_eq!(
            Precondition::parse_lines(std::iter::empty()),
            Ok(Precondition::Tags(vec![]))
        );
    }

    #[test]
    fn an_empty_field_is_an_empty_list() {
        let current = v("a");
        for empty in ["", " ", " , ,"] {
            let p = Precondition::parse(empty).unwrap();
            assert_eq!(p, Precondition::Tags(vec![]), "{empty:?}");
            assert!(
                !p.if_match(Some(&current), Comparison::Weak),
                "names no version"
            );
            assert!(p.if_none_match(Some(&current)), "so none of them matches");
        }
    }

    #[test]
    fn rejects_malformed_lists() {
        let cases = [
            (r#"*, "a""#, VersionError::WildcardInList),
            (r#""a", *"#, VersionError::WildcardInList),
            (
                r#""a" "b""#,
                VersionError::TrailingCharacters {
                    found: '"',
                    position: 4,
                },
            ),
            (
                "**",
                VersionError::TrailingCharacters {
                    found: '*',
                    position: 1,
                },
            ),
            (r#""a", b"#, VersionError::NotQuoted),
            (r#""a", "b"#, VersionError::Unterminated),
        ];
        for (input, expected) in cases {
            assert_eq!(Precondition::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn bounds_the_number_of_tags_and_the_length() {
        let many = vec![r#""a""#; Precondition::MAX_TAGS + 1].join(",");
        assert_eq!(
            Precondition::parse(&many),
            Err(VersionError::TooManyTags {
                max: Precondition::MAX_TAGS
            })
        );
        let enough = vec![r#""a""#; Precondition::MAX_TAGS].join(",");
        assert!(Precondition::parse(&enough).is_ok());
        let huge = ",".repeat(10 * 1024 * 1024);
        assert!(matches!(
            Precondition::parse(&huge),
            Err(VersionError::TooLong { .. })
        ));
    }

    /// RFC 9110 sections 13.1.1 and 13.1.2 against an existing and a missing resource.
    #[test]
    fn evaluation_matrix() {
        let current = v("2");
        let any = Precondition::Any;
        let matching = Precondition::parse(r#""1", W/"2""#).unwrap();
        let stale = Precondition::parse(r#"W/"1""#).unwrap();
        let strong_current = Precondition::parse(r#""2""#).unwrap();

        // (precondition, comparison, exists, if_match, if_none_match)
        let table = [
            (&any, Comparison::Weak, true, true, false),
            (&any, Comparison::Weak, false, false, true),
            (&matching, Comparison::Weak, true, true, false),
            (&matching, Comparison::Weak, false, false, true),
            (&stale, Comparison::Weak, true, false, true),
            (&stale, Comparison::Weak, false, false, true),
            // Server versions are weak: strong If-Match never matches them.
            (&strong_current, Comparison::Strong, true, false, false),
            (&strong_current, Comparison::Weak, true, true, false),
            (&any, Comparison::Strong, true, true, false),
        ];
        for (p, cmp, exists, if_match, if_none_match) in table {
            let cur = exists.then_some(&current);
            assert_eq!(
                p.if_match(cur, cmp),
                if_match,
                "If-Match {p:?} {cmp:?} {exists}"
            );
            assert_eq!(
                p.if_none_match(cur),
                if_none_match,
                "If-None-Match {p:?} {exists}"
            );
        }
    }

    proptest! {
        #[test]
        fn printed_lists_parse_back(list in proptest::collection::vec(
            (proptest::string::string_regex(r#"[!#-~]{0,12}"#).unwrap(), any::<bool>()), 1..8)
        ) {
            let printed: Vec<String> = list.iter()
                .map(|(o, weak)| if *weak { format!("W/\"{o}\"") } else { format!("\"{o}\"") })
                .collect();
            let parsed = Precondition::parse(&printed.join(" , ")).unwrap();
            let expected: Vec<(&str, bool)> = list.iter().map(|(o, w)| (o.as_str(), *w)).collect();
            prop_assert_eq!(tags(&parsed), expected);
        }

        #[test]
        fn parse_never_panics(input in any::<String>()) {
            let _ = Precondition::parse(&input);
        }

        #[test]
        fn parse_never_panics_on_list_like_input(input in r#"(W/|"|,|\*| |\t|[a-z]|é){0,32}"#) {
            let _ = Precondition::parse(&input);
        }
    }
}
