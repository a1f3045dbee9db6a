//! Mount a SCIM 2.0 endpoint on warp 0.4.
//!
//! [`filter`] turns a [`ScimService`] into a warp `Filter` that answers every request
//! under the service's base path and rejects (with "not found") everything else, so it
//! combines with your other filters through `.or(..)`.
//!
//! ```no_run
//! # async fn run(service: scim_http::ScimService) {
//! warp::serve(scim_warp::filter(service)).run(([127, 0, 0, 1], 8080)).await;
//! # }
//! ```

use bytes::{Buf, Bytes, BytesMut};
use futures_util::{Stream, StreamExt};
use scim_http::ScimService;
use warp::filters::path::FullPath;
use warp::{Filter, Rejection};

/// A filter answering every request under the service's base path.
pub fn filter(
    service: ScimService,
) -> impl Filter<Extract = (http::Response<Bytes>,), Error = Rejection> + Clone {
    let base: std::sync::Arc<str> =
        format!("/{}", service.config().base_path.trim_matches('/')).into();
    let under_base = warp::path::full().and_then(move |path: FullPath| {
        let inside = path
            .as_str()
            .strip_prefix(&*base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        async move {
            if inside {
                Ok(path)
            } else {
                Err(warp::reject::not_found())
            }
        }
    });
    let query = warp::query::raw().or(warp::any().map(String::new)).unify();
    under_base
        .and(warp::method())
        .and(query)
        .and(warp::header::headers_cloned())
        .and(warp::body::stream())
        .then(
            move |path: FullPath, method, query: String, headers, body| {
                let service = service.clone();
                async move {
                    let uri = if query.is_empty() {
                        path.as_str().to_owned()
                    } else {
                        format!("{}?{query}", path.as_str())
                    };
                    let limit = service.config().max_body_size;
                    let Some(bytes) = read_limited(body, limit).await else {
                        return service.payload_too_large();
                    };
                    let mut request = http::Request::new(bytes);
                    *request.method_mut() = method;
                    *request.headers_mut() = headers;
                    // warp hands over a valid path; should it not, "/" is answered 404.
                    *request.uri_mut() =
                        uri.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
                    service.call(request).await
                }
            },
        )
}

/// The whole body, or `None` once it passes `limit` bytes or fails to arrive.
async fn read_limited<S, B>(body: S, limit: usize) -> Option<Bytes>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    let mut body = std::pin::pin!(body);
    let mut collected = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let mut chunk = chunk.ok()?;
        if collected.len() + chunk.remaining() > limit {
            return None;
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            collected.extend_from_slice(part);
            let n = part.len();
            chunk.advance(n);
        }
    }
    Some(collected.freeze())
}
