//! Request bodies: media type, size, nesting depth, JSON.

use bytes::Bytes;
use http::HeaderMap;
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use scim_ops::{ErrorKind, ScimError};
use scim_schema::ScimType;
use scim_schema::json_text::nesting_depth;
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

/// Reads a whole request body, at most `limit` bytes of it: the one bounded collection
/// every transport goes through.
pub(crate) async fn collect_limited<B>(body: B, limit: usize) -> Result<Bytes, ScimError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(too_large(limit)),
        Err(err) => Err(ScimError::new(
            ErrorKind::BadRequest,
            format!("the body could not be read: {err}"),
        )),
    }
}

/// The `413` for a body over `limit` bytes.
pub(crate) fn too_large(limit: usize) -> ScimError {
    ScimError::new(
        ErrorKind::PayloadTooLarge,
        format!("the body exceeds {limit} bytes"),
    )
}

/// Parses a request body, within the size and depth limits.
pub(crate) fn parse_json(
    body: &[u8],
    max_size: usize,
    max_depth: usize,
) -> Result<Value, ScimError> {
    if body.len() > max_size {
        return Err(too_large(max_size));
    }
    let depth = nesting_depth(body);
    if depth > max_depth {
        return Err(ScimError::invalid(
            ScimType::InvalidSyntax,
            format!("the JSON is nested {depth} levels deep; at most {max_depth} are accepted"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        ScimError::invalid(
            ScimType::InvalidSyntax,
            format!("the body is not valid JSON: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(parse_json(b"{}", 1, 10).unwrap_err().status(), 413);
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        assert_eq!(
            parse_json(deep.as_bytes(), 1000, 32)
                .unwrap_err()
                .scim_type(),
            Some(ScimType::InvalidSyntax)
        );
        assert_eq!(
            parse_json(b"{", 10, 10).unwrap_err().scim_type(),
            Some(ScimType::InvalidSyntax)
        );
    }
}
