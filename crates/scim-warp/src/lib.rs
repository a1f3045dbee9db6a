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

use bytes::{Buf, Bytes};
use futures_util::{Stream, StreamExt};
use http_body::Frame;
use http_body_util::StreamBody;
use scim_http::ScimService;
use warp::filters::path::FullPath;
use warp::{Filter, Rejection};

/// A filter answering every request under the service's base path.
pub fn filter(
    service: ScimService,
) -> impl Filter<Extract = (http::Response<Bytes>,), Error = Rejection> + Clone {
    let base: std::sync::Arc<str> = service.base_path().into();
    let under_base = warp::path::full().and_then(move |path: FullPath| {
        let inside = base == "/".into()
            || path
                .as_str()
                .strip_prefix(&*base)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        async move {
            match inside {
                true => Ok(path),
                false => Err(warp::reject::not_found()),
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
                    let uri = match query.is_empty() {
                        true => path.as_str().to_owned(),
                        false => format!("{}?{query}", path.as_str()),
                    };
                    // The service reads the body, within its limit, as it reads any body.
                    let mut request = http::Request::new(StreamBody::new(frames(body)));
                    *request.method_mut() = method;
                    *request.headers_mut() = headers;
                    // warp hands over a valid path; should it not, "/" is answered 404.
                    *request.uri_mut() =
                        uri.parse().unwrap_or_else(|_| http::Uri::from_static("/"));
                    service.serve(request).await
                }
            },
        )
}

/// warp's body chunks as `http_body` frames.
fn frames<S, B>(body: S) -> impl Stream<Item = Result<Frame<Bytes>, warp::Error>>
where
    S: Stream<Item = Result<B, warp::Error>>,
    B: Buf,
{
    body.map(|chunk| chunk.map(|mut buf| Frame::data(buf.copy_to_bytes(buf.remaining()))))
}
