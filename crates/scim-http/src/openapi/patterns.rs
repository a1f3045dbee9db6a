//! Regular expressions (ECMA-262, as JSON Schema uses them) for the strings the server
//! parses: each describes what the server accepts, so that a client generated from the
//! document, or a fuzzer reading it, sends what is accepted and knows what is not.
//! Where the server's grammar is larger than a regular expression says (filters), the
//! expression describes a subset, noted in its parameter's description.

/// `word` in any letter case: `ascending` as `[Aa][Ss]…`.
pub(crate) fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| match c.is_ascii_alphabetic() {
            true => format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()),
            false => c.to_string(),
        })
        .collect()
}

/// `ATTRNAME = ALPHA *(nameChar)` (RFC 7644 section 3.10), or `$ref`.
const NAME: &str = r"(?:[A-Za-z][A-Za-z0-9_-]{0,63}|\$ref)";

/// An attribute path: `name`, `name.sub`, either after a schema URN and a colon.
fn path() -> String {
    // At most 512 bytes in all, as the server reads paths.
    let urn = format!(
        "{}[^,:]{{1,24}}(?::[^,:]{{1,24}}){{0,2}}:",
        any_case("urn:")
    );
    format!(r"(?:{urn})?{NAME}(?:\.{NAME})?")
}

/// One attribute path (`sortBy`).
pub(crate) fn attribute_path() -> String {
    format!("^{}$", path())
}

/// A comma-separated list of attribute paths, each with optional ASCII white space
/// around it; empty items are skipped (`attributes`, `excludedAttributes`).
pub(crate) fn attribute_list() -> String {
    let space = r"[ \t\n\f\r]*";
    let item = format!("{space}(?:{}{space})?", path());
    format!("^{item}(?:,{item}){{0,31}}$")
}

/// A filter of comparisons joined by `and` / `or`: a subset of RFC 7644's grammar
/// (no parentheses, `not` or value paths), which the server reads in full.
pub(crate) fn filter() -> String {
    let path = format!(r"{NAME}(?:\.{NAME})?");
    let operators = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"]
        .map(any_case)
        .join("|");
    // A JSON string without escapes of code points (a lone surrogate is no text).
    let string = r#""(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]){0,64}""#;
    let number = r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?";
    let literal = [any_case("true"), any_case("false"), any_case("null")].join("|");
    let value = format!("(?:{string}|{number}|{literal})");
    let comparison = format!("{path} (?:{}|(?:{operators}) {value})", any_case("pr"));
    let logic = [any_case("and"), any_case("or")].join("|");
    format!("^{comparison}(?: (?:{logic}) {comparison}){{0,7}}$")
}

/// `*`, or a list of at most 64 entity tags (`W/"..."` or `"..."`), empty elements
/// allowed, as `If-Match` and `If-None-Match` carry them. An empty list is a list: as
/// `If-Match` it names no version.
pub(crate) fn entity_tags() -> String {
    let (space, tag) = (r"[ \t]*", r#"(?:W/)?"[!#-~]*""#);
    format!(
        "^(?:{space},)*{space}(?:\\*(?:{space},)*|(?:{tag})?(?:{space},{space}(?:{tag})?){{0,63}}){space}$"
    )
}

/// Base64, standard or URL-safe, padded or not, with line breaks: what a `binary`
/// attribute accepts.
pub(crate) fn base64() -> &'static str {
    r"^[A-Za-z0-9+/_\r\n-]*={0,2}$"
}

/// A cursor the server issues (RFC 9865), or empty for the first page: base64url of
/// `scim-offset:` and a decimal offset. Cursors are opaque to clients, which send
/// back `nextCursor` / `previousCursor`; the expression says what the server takes.
pub(crate) fn cursor() -> String {
    // Three digits make four characters; one or two left over make two or three.
    let lead = "(?:[MN][DTjz]|O[DT])";
    let three = format!("{lead}[AEIMQUYcgk][w-z0-5]");
    let one = "(?:[MN][AQgw]|O[AQ])";
    let two = format!("{lead}[AEIMQUYcgk]");
    format!("^(?:c2NpbS1vZmZzZXQ6(?:(?:{three}){{1,5}}(?:{one}|{two})?|{one}|{two}))?$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_case_spells_every_case() {
        assert_eq!(any_case("eq"), "[Ee][Qq]");
        assert_eq!(any_case("urn:"), "[Uu][Rr][Nn]:");
    }
}
