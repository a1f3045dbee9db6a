//! Request bodies: media type, size, nesting depth, JSON.

use std::sync::atomic::{AtomicBool, Ordering};

use bytes::{Buf, Bytes, BytesMut};
use http::HeaderMap;
use http_body::Body;
use http_body_util::BodyExt;
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

/// The limits a request body is read under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    /// The most that is kept.
    pub(crate) keep: usize,
    /// The most that is read of a body over `keep` (and thrown away) before the
    /// reading stops.
    pub(crate) drain: usize,
}

/// Reads a whole request body, at most `limits.keep` bytes of it: the one bounded
/// collection every transport goes through.
///
/// A body over the limit is still read, and thrown away, up to `limits.drain` bytes
/// in all: a client usually sends its whole body before it reads an answer, and one
/// whose connection closes while it is still sending sees a broken pipe, not the
/// `413`. Past `limits.drain` (or when the body declares a length past it), reading
/// stops and `abandoned` is set: the connection must then close after the answer.
pub(crate) async fn collect_limited<B>(
    body: B,
    limits: BodyLimits,
    abandoned: &AtomicBool,
) -> Result<Bytes, ScimError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let drain = limits.drain.max(limits.keep);
    if usize::try_from(body.size_hint().lower()).map_or(true, |declared| declared > drain) {
        abandoned.store(true, Ordering::Relaxed);
        return Err(too_large(limits.keep));
    }
    let mut body = std::pin::pin!(body);
    let mut kept = Kept::default();
    let mut read = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|err| {
            let err: Box<dyn std::error::Error + Send + Sync> = err.into();
            ScimError::new(
                ErrorKind::BadRequest,
                format!("the body could not be read: {err}"),
            )
        })?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        read = read.saturating_add(data.remaining());
        if read <= limits.keep {
            kept.push(data.copy_to_bytes(data.remaining()));
        } else if read > drain {
            abandoned.store(true, Ordering::Relaxed);
            return Err(too_large(limits.keep));
        }
    }
    match read > limits.keep {
        true => Err(too_large(limits.keep)),
        false => Ok(kept.into_bytes()),
    }
}

/// A body's chunks as they are read: the first kept as it came (most bodies are one
/// chunk), the rest copied after it.
#[derive(Default)]
struct Kept {
    first: Option<Bytes>,
    joined: BytesMut,
}

impl Kept {
    fn push(&mut self, chunk: Bytes) {
        match self.first.take() {
            None if self.joined.is_empty() => self.first = Some(chunk),
            first => {
                if let Some(first) = first {
                    self.joined.extend_from_slice(&first);
                }
                self.joined.extend_from_slice(&chunk);
            }
        }
    }

    fn into_bytes(self) -> Bytes {
        self.first.unwrap_or_else(|| self.joined.freeze())
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

    /// A body sent in `chunks` chunks of `size` bytes, with no declared length.
    fn streamed(
        chunks: usize,
        size: usize,
    ) -> impl Body<Data = Bytes, Error = std::convert::Infallible> {
        let frames =
            (0..chunks).map(move |_| Ok(http_body::Frame::data(Bytes::from(vec![b'x'; size]))));
        http_body_util::StreamBody::new(futures_util::stream::iter(frames))
    }

    const LIMITS: BodyLimits = BodyLimits {
        keep: 100,
        drain: 1000,
    };

    async fn read(
        body: impl Body<Data = Bytes, Error = std::convert::Infallible>,
    ) -> (Result<Bytes, ScimError>, bool) {
        let abandoned = AtomicBool::new(false);
        let read = collect_limited(body, LIMITS, &abandoned).await;
        (read, abandoned.into_inner())
    }

    #[tokio::test]
    async fn bodies_are_kept_within_the_limit_and_drained_past_it() {
        let (kept, abandoned) = read(streamed(4, 25)).await;
        assert_eq!((kept.unwrap().len(), abandoned), (100, false));
        let (one, _) = read(http_body_util::Full::new(Bytes::from_static(b"{}"))).await;
        assert_eq!(one.unwrap(), Bytes::from_static(b"{}"));

        // Over the limit: read to the end and answered 413, the connection kept.
        let (over, abandoned) = read(streamed(10, 100)).await;
        assert_eq!(
            (over.unwrap_err().status().as_u16(), abandoned),
            (413, false)
        );
        // Past what is drained: 413, and the connection is to be closed.
        let (past, abandoned) = read(streamed(11, 100)).await;
        assert_eq!(
            (past.unwrap_err().status().as_u16(), abandoned),
            (413, true)
        );
        // A declared length past it is not read at all.
        let declared = http_body_util::Full::new(Bytes::from(vec![b'x'; 1001]));
        let (declared, abandoned) = read(declared).await;
        assert_eq!(
            (declared.unwrap_err().status().as_u16(), abandoned),
            (413, true)
        );
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
