//! Scanning JSON text without parsing it: the one scanner behind the body depth limit
//! and the read fast path's `meta` splice.

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
}
