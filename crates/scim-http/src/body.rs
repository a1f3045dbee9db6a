//! Request bodies: media type, size, nesting depth, JSON.

use http::HeaderMap;
use scim_ops::ScimError;
use scim_schema::ScimType;
use serde_json::Value;

/// The media type SCIM responses carry.
pub const SCIM_JSON: &str = "application/scim+json";

/// Whether a `Content-Type` is `application/scim+json` or `application/json`, with any
/// parameters (`charset=utf-8`).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let media_type = value.split(';').next().unwrap_or("").trim();
    media_type.eq_ignore_ascii_case(SCIM_JSON)
        || media_type.eq_ignore_ascii_case("application/json")
}

/// Parses a request body, within the size and depth limits.
pub(crate) fn parse_json(
    body: &[u8],
    max_size: usize,
    max_depth: usize,
) -> Result<Value, ScimError> {
    if body.len() > max_size {
        return Err(ScimError::new(
            413,
            None,
            format!(
                "the body is {} bytes; at most {max_size} are accepted",
                body.len()
            ),
        ));
    }
    let depth = nesting_depth(body);
    if depth > max_depth {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("the JSON is nested {depth} levels deep; at most {max_depth} are accepted"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("the body is not valid JSON: {e}"),
        )
    })
}

/// The deepest nesting of arrays and objects, strings skipped. Linear, no recursion.
fn nesting_depth(body: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
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
    }

    #[test]
    fn media_types() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (value, ok) in [
            ("application/scim+json", true),
            ("application/json; charset=utf-8", true),
            ("Application/SCIM+JSON;charset=UTF-8", true),
            ("text/plain", false),
            ("application/jsonx", false),
        ] {
            headers.insert(http::header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_json(&headers), ok, "{value}");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(parse_json(b"{}", 1, 10).unwrap_err().status, 413);
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(
            parse_json(deep.as_bytes(), 1000, 32).unwrap_err().scim_type,
            Some(ScimType::InvalidSyntax)
        );
        assert_eq!(
            parse_json(b"{", 10, 10).unwrap_err().scim_type,
            Some(ScimType::InvalidSyntax)
        );
    }
}
