//! Scanning and writing JSON text without parsing it: the one scanner behind the body
//! depth limit and the read fast path's `meta` splice, and the one string escaper of
//! JSON written by hand.

/// The bytes of JSON text that stand outside string literals, with their index; the
/// opening quote of each string is included, its contents and closing quote are not.
/// Escapes inside strings are honoured. Linear, no allocation, no recursion; on text
/// that is not JSON it still ends, yielding whatever lies outside what looks like
/// strings.
///
/// ```
/// let text = br#"{"a":"[}","b":[1]}"#;
/// let outside: String = scim_schema::json_text::outside_strings(text)
///     .map(|(_, b)| b as char)
///     .collect();
/// assert_eq!(outside, r#"{":",":[1]}"#);
/// ```
pub fn outside_strings(text: &[u8]) -> impl Iterator<Item = (usize, u8)> + '_ {
    let (mut in_string, mut escaped) = (false, false);
    text.iter().enumerate().filter_map(move |(i, &b)| {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            return None;
        }
        in_string = b == b'"';
        Some((i, b))
    })
}

/// The deepest nesting of arrays and objects in JSON text, strings skipped.
///
/// ```
/// assert_eq!(scim_schema::json_text::nesting_depth(br#"{"a": [1, {"b": "[[["}]}"#), 3);
/// ```
pub fn nesting_depth(text: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (_, b) in outside_strings(text) {
        match b {
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// The bytes a JSON string escapes: quotes, backslashes and control characters.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The offset of the first byte of `bytes` a JSON string escapes. Eight bytes are
/// tested at a time (a byte below `0x20`, or equal to `"` or `\\`, sets its high bit in
/// `found`); the word that holds one is then scanned byte by byte. A byte at a time,
/// this scan was a twentieth of a stored `GET`'s instructions.
pub(crate) fn first_escaped(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word;
    let mut start = 0;
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(word);
        let found = below(word, 0x20)
            | below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1);
        if found & HIGH != 0 {
            break;
        }
        start += 8;
    }
    bytes[start..]
        .iter()
        .position(|&b| ESCAPED[usize::from(b)])
        .map(|at| start + at)
}

/// Appends `text` as a JSON string: quotes, backslashes and control characters
/// escaped (each one byte, so the runs between them are copied as they are).
///
/// ```
/// let mut out = String::new();
/// scim_schema::json_text::push_json_string(&mut out, "say \"hi\"\n");
/// assert_eq!(out, r#""say \"hi\"\u000a""#);
/// ```
pub fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut rest = text;
    while let Some(at) = first_escaped(rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let (sequence, len) = escape(rest.as_bytes()[at]);
        out.extend(sequence[..len].iter().map(|&b| char::from(b)));
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// Appends `text` as a JSON string to bytes, as [`push_json_string`] does, a byte at
/// a time: for text dense with quotes, such as JSON text put inside a string, where
/// the runs between escapes are too short for a word-at-a-time scan to pay.
///
/// ```
/// let mut out = Vec::new();
/// scim_schema::json_text::push_json_bytes(&mut out, r#"{"a":"\"}"#);
/// assert_eq!(out, br#""{\"a\":\"\\\"}""#);
/// ```
pub fn push_json_bytes(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + text.len() / 4 + 2);
    out.push(b'"');
    for &b in text.as_bytes() {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0..0x20 => {
                let (sequence, len) = escape(b);
                out.extend_from_slice(&sequence[..len]);
            }
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// The escape sequence of a byte [`ESCAPED`] marks, and its length: `\"`, `\\`, or
/// `\u00XX`.
fn escape(b: u8) -> ([u8; 6], usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match b {
        b'"' => (*b"\\\"....", 2),
        b'\\' => (*b"\\\\....", 2),
        control => (
            [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(control >> 4)],
                HEX[usize::from(control & 15)],
            ],
            6,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_ignores_brackets_in_strings() {
        assert_eq!(nesting_depth(br#"{"a": [1, {"b": "[[[{{"}]}"#), 3);
        assert_eq!(nesting_depth(br#""\"[""#), 0);
        assert_eq!(nesting_depth(&[b'['; 10_000]), 10_000);
        assert_eq!(nesting_depth(b"]]]}}"), 0);
    }
    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        // Every ASCII byte and a few wider characters, at every offset of a word and
        // past it.
        let mut samples: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        samples.extend(["ü", "€", "\u{10FFFF}", "\u{7f}"].map(str::to_owned));
        for sample in &samples {
            for before in 0..19 {
                let text = format!("{}{sample}{}", "a".repeat(before), "é".repeat(before % 3));
                let mut out = String::new();
                push_json_string(&mut out, &text);
                let mut bytes = Vec::new();
                push_json_bytes(&mut bytes, &text);
                assert_eq!(bytes, out.as_bytes());
                // Valid JSON (a raw control character is not) for the same text.
                let parsed: String = serde_json::from_str(&out).expect("a JSON string");
                assert_eq!(parsed, text);
                assert_eq!(
                    first_escaped(text.as_bytes()),
                    text.bytes().position(|b| ESCAPED[usize::from(b)]),
                    "{text:?}"
                );
            }
        }
    }
}
