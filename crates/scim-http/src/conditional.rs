//! RFC 9110 conditional requests: reading `If-Match` / `If-None-Match`, writing `ETag`,
//! and evaluating preconditions in the order of RFC 9110 section 13.2.2.
//!
//! [`ScimService`](crate::ScimService) passes the parsed preconditions to `scim-ops`,
//! which evaluates them against the version it reads and writes conditionally on it
//! (so the check and the write are one atomic step in the provider). The functions here
//! are public for handlers of your own.

use http::{HeaderMap, HeaderName, HeaderValue, Method, Response};
use scim_version::{Comparison, Precondition, ScimVersion, VersionError};

/// The parsed value of `If-Match` or `If-None-Match` (every line of it), or `None`
/// when the header is absent.
///
/// ```
/// use http::header::IF_MATCH;
///
/// let mut headers = http::HeaderMap::new();
/// headers.append(IF_MATCH, r#"W/"1""#.parse().unwrap());
/// headers.append(IF_MATCH, r#""2""#.parse().unwrap());
/// let parsed = scim_http::extract_etag_from_headers(&headers, &IF_MATCH).unwrap().unwrap();
/// assert_eq!(parsed, scim_version::Precondition::parse(r#"W/"1", "2""#).unwrap());
/// ```
pub fn extract_etag_from_headers(
    headers: &HeaderMap,
    name: &HeaderName,
) -> Result<Option<Precondition>, VersionError> {
    let mut values = headers.get_all(name).iter().peekable();
    if values.peek().is_none() {
        return Ok(None);
    }
    let lines: Vec<&str> = values
        .map(|v| v.to_str().map_err(|_| VersionError::NotQuoted))
        .collect::<Result<_, _>>()?;
    Precondition::parse_lines(lines).map(Some)
}

/// Sets the `ETag` header (always weak, `W/"…"`).
///
/// ```
/// let mut response = http::Response::new(());
/// let version = scim_version::ScimVersion::from_hash("7").unwrap();
/// scim_http::add_etag_to_response(&mut response, &version);
/// assert_eq!(response.headers()["etag"], r#"W/"7""#);
/// ```
pub fn add_etag_to_response<B>(response: &mut Response<B>, version: &ScimVersion) {
    // The header string becomes the value's bytes, without a second copy.
    let header = bytes::Bytes::from(version.to_http_header());
    if let Ok(value) = HeaderValue::from_maybe_shared(header) {
        response.headers_mut().insert(http::header::ETAG, value);
    }
}

/// What a conditional request may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionalOutcome {
    /// The preconditions hold (or there are none).
    Proceed,
    /// `304 Not Modified` (GET and HEAD with a matching `If-None-Match`).
    NotModified,
    /// `412 Precondition Failed`.
    PreconditionFailed,
}

/// Evaluates `If-Match`, then `If-None-Match`, as RFC 9110 section 13.2.2 orders them,
/// against the current version of the target (`None` when it does not exist).
///
/// Call it only once the request is authenticated, valid and its target looked up: a
/// precondition never hides a `401`, `400` or `404`. `comparison` is used for
/// `If-Match` (weak for SCIM, see [`Comparison`]); `If-None-Match` always compares
/// weakly.
///
/// ```
/// use http::{HeaderMap, Method};
/// use scim_http::{ConditionalOutcome, handle_conditional_request};
/// use scim_version::{Comparison, ScimVersion};
///
/// let current = ScimVersion::from_hash("2").unwrap();
/// let mut headers = HeaderMap::new();
/// headers.insert("if-none-match", r#"W/"2""#.parse().unwrap());
/// let get = handle_conditional_request(&Method::GET, &headers, Some(&current), Comparison::Weak).unwrap();
/// assert_eq!(get, ConditionalOutcome::NotModified);
/// let put = handle_conditional_request(&Method::PUT, &headers, Some(&current), Comparison::Weak).unwrap();
/// assert_eq!(put, ConditionalOutcome::PreconditionFailed);
/// ```
pub fn handle_conditional_request(
    method: &Method,
    headers: &HeaderMap,
    current: Option<&ScimVersion>,
    comparison: Comparison,
) -> Result<ConditionalOutcome, VersionError> {
    if let Some(if_match) = extract_etag_from_headers(headers, &http::header::IF_MATCH)?
        && !if_match.if_match(current, comparison)
    {
        return Ok(ConditionalOutcome::PreconditionFailed);
    }
    if let Some(if_none_match) = extract_etag_from_headers(headers, &http::header::IF_NONE_MATCH)?
        && !if_none_match.if_none_match(current)
    {
        return Ok(if method == Method::GET || method == Method::HEAD {
            ConditionalOutcome::NotModified
        } else {
            ConditionalOutcome::PreconditionFailed
        });
    }
    Ok(ConditionalOutcome::Proceed)
}
