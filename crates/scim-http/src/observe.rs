//! What every request leaves behind for an operator, through `tracing` and the
//! [`metrics`] facade (the application chooses the subscriber and the recorder;
//! without them each costs a check that nothing listens):
//!
//! - a **request id**, the client's `X-Request-Id` when it sent a sane one (at most 128
//!   visible ASCII characters), else one made here (`{process}-{n}`), answered in the
//!   same header and carried by the request's `RequestContext`;
//! - a `debug` **span** `request` (`request_id`, `method`) around the handling, so that
//!   what a provider or the handler logs while answering carries the request id;
//! - one `info` **event** `request answered` (target `scim_http::request`) when the
//!   request is answered, with `request_id`, `method`, `route`, `resource_type`,
//!   `tenant`, `status` and `latency_us`. Never the token, never a body;
//! - the metrics [`REQUESTS`] and [`REQUEST_DURATION`].
//!
//! The event carries the fields rather than an `info` span: a span's fields cost a
//! second trip through the subscriber (about 2,000 instructions a request on the
//! `scim-server` binary, a fifth of what logging costs there).
//!
//! Label values are bounded: the method (`other` for extension methods), the route
//! template, the resource type's registry name (`unknown` for anything else), the
//! status, and the tenant only when
//! [`ServiceConfig::metrics_tenant_label`](scim_ops::ServiceConfig) is on. Never an
//! id, a filter or a token.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use metrics::{Counter, Histogram, Label, SharedString, counter, histogram};
use scim_schema::SchemaRegistry;
use tracing::Span;

/// Every request answered, by `method`, `route`, `resource_type` and `status`.
pub const REQUESTS: &str = "scim_requests_total";
/// How long requests took, in seconds, by `method`, `route` and `resource_type`.
pub const REQUEST_DURATION: &str = "scim_request_duration_seconds";

/// Describes the metrics of this crate and of `scim-ops` to the installed recorder
/// (their `# HELP` lines); call it once after installing one.
pub fn describe_metrics() {
    metrics::describe_counter!(REQUESTS, "SCIM requests answered");
    metrics::describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "How long SCIM requests took to answer"
    );
    scim_ops::metrics::describe();
}

/// The header a request id arrives and leaves in.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client; a longer one is replaced.
const MAX_REQUEST_ID: usize = 128;

/// What routing learned about a request, for its labels and log fields. The route
/// and the resource type are plain values, so filling them touches no reference
/// count other threads touch too; the tenant (shared) is kept only when wanted.
#[derive(Debug, Clone, Default)]
pub(crate) struct Seen {
    /// The route template (`/{type}/{id}`); `unmatched` when no route applies.
    pub(crate) route: &'static str,
    /// The resource type, as its place in the service's [`ResourceTypeLabels`].
    pub(crate) resource_type: Option<usize>,
    /// Whether the request's `info` line is written (asked once per request).
    pub(crate) logged: bool,
    /// Whether [`tenant`](Self::tenant) is wanted (for a label or a log line).
    pub(crate) keep_tenant: bool,
    /// The tenant the request ran under, when wanted.
    pub(crate) tenant: Option<Arc<str>>,
}

impl Seen {
    /// Whether the tenant will be wanted: as a label, or in the request's log line.
    pub(crate) fn new(tenant_label: bool) -> Self {
        let logged = tracing::enabled!(target: "scim_http::request", tracing::Level::INFO);
        Self {
            logged,
            keep_tenant: tenant_label || logged,
            ..Self::default()
        }
    }
}

/// The `resource_type` label of each endpoint, made once per service.
#[derive(Debug)]
pub(crate) struct ResourceTypeLabels(Vec<(String, SharedString)>);

impl ResourceTypeLabels {
    pub(crate) fn new(registry: &SchemaRegistry) -> Self {
        Self(
            registry
                .resource_types()
                .map(|definition| {
                    let endpoint = definition.resource_type().endpoint.trim_start_matches('/');
                    let name: Arc<str> = definition.name().into();
                    (endpoint.to_owned(), SharedString::from(name))
                })
                .collect(),
        )
    }

    /// The place of the resource type served at `endpoint`.
    pub(crate) fn of(&self, endpoint: &str) -> Option<usize> {
        self.0
            .iter()
            .position(|(known, _)| known.eq_ignore_ascii_case(endpoint))
    }

    /// The label of the resource type at `place`.
    fn label(&self, place: Option<usize>) -> Option<&SharedString> {
        self.0.get(place?).map(|(_, label)| label)
    }
}

/// One request being answered: its id, its span and when it started.
pub(crate) struct Exchange {
    pub(crate) id: Arc<str>,
    pub(crate) span: Span,
    method: &'static str,
    started: Instant,
}

impl Exchange {
    /// Starts observing a request.
    pub(crate) fn start(method: &Method, headers: &HeaderMap) -> Self {
        let id = request_id(headers);
        let method = method_label(method);
        let span = tracing::debug_span!("request", request_id = &*id, method);
        Self {
            id,
            span,
            method,
            started: Instant::now(),
        }
    }

    /// The request's span and its `info` event, written when it is answered: the span
    /// then carries every field at once (a field recorded later is another trip
    /// through the subscriber, and most of a log line's cost).
    fn log(
        &self,
        seen: &Seen,
        kind: Option<&str>,
        status: StatusCode,
        elapsed: std::time::Duration,
    ) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        tracing::info!(
            target: "scim_http::request",
            parent: &self.span,
            // A plain string: format arguments cost more to write.
            message = "request answered",
            request_id = &*self.id,
            method = self.method,
            route = seen.route,
            resource_type = kind,
            tenant = seen.tenant.as_deref(),
            status = status.as_u16(),
            latency_us = micros,
        );
    }

    /// Records how the request ended: the span and the `info` event, the metrics,
    /// and the request id in `headers`.
    pub(crate) fn finish(
        self,
        seen: Seen,
        status: StatusCode,
        headers: &mut HeaderMap,
        (labels, tenant_label): (&ResourceTypeLabels, bool),
    ) {
        let elapsed = self.started.elapsed();
        if seen.logged {
            let kind = labels.label(seen.resource_type).map(|label| &**label);
            self.log(&seen, kind, status, elapsed);
        }
        let series = Series {
            labels: std::ptr::from_ref(labels) as usize,
            method: self.method,
            route: seen.route,
            resource_type: seen.resource_type,
            tenant: seen.tenant.filter(|_| tenant_label),
            status: status.as_u16(),
        };
        series.count(elapsed.as_secs_f64(), labels);
        if let Ok(value) = HeaderValue::from_str(&self.id) {
            headers.insert(&REQUEST_ID, value);
        }
    }
}

/// The labels of one request's two series.
#[derive(PartialEq)]
struct Series {
    /// The service's [`ResourceTypeLabels`], by address: `resource_type` is a place in it.
    labels: usize,
    method: &'static str,
    route: &'static str,
    resource_type: Option<usize>,
    tenant: Option<Arc<str>>,
    status: u16,
}

/// A series' handles, for the recorder they came from.
struct Handles {
    recorder: usize,
    series: Series,
    requests: Counter,
    duration: Histogram,
}

/// How many series a thread keeps handles for; past it, they are looked up again.
const CACHED_SERIES: usize = 64;

impl Series {
    /// Counts one request of this series, which took `seconds`. Looking a series up in
    /// a recorder hashes and compares every label (thousands of instructions, twice a
    /// request), so each thread keeps the handles it got, keyed by the recorder they
    /// came from: a recorder installed or swapped later gets its own.
    fn count(self, seconds: f64, labels: &ResourceTypeLabels) {
        thread_local! {
            static CACHE: std::cell::RefCell<Vec<Handles>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let recorder = metrics::with_recorder(|r| std::ptr::from_ref(r).cast::<()>() as usize);
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            if let Some(hit) = cache
                .iter()
                .find(|h| h.recorder == recorder && h.series == self)
            {
                hit.requests.increment(1);
                hit.duration.record(seconds);
                return;
            }
            let (requests, duration) = self.register(labels);
            requests.increment(1);
            duration.record(seconds);
            if cache.len() == CACHED_SERIES {
                cache.clear();
            }
            cache.push(Handles {
                recorder,
                series: self,
                requests,
                duration,
            });
        })
    }

    /// Looks the series up in the recorder.
    fn register(&self, names: &ResourceTypeLabels) -> (Counter, Histogram) {
        let mut labels = Vec::with_capacity(5);
        labels.push(Label::from_static_parts("method", self.method));
        labels.push(Label::from_static_parts("route", self.route));
        let resource_type = names.label(self.resource_type).cloned();
        let resource_type =
            resource_type.unwrap_or(SharedString::const_str(scim_ops::metrics::UNKNOWN));
        labels.push(Label::new("resource_type", resource_type));
        if let Some(tenant) = &self.tenant {
            labels.push(Label::new("tenant", SharedString::from(tenant.clone())));
        }
        let duration = histogram!(REQUEST_DURATION, labels.iter());
        labels.push(Label::new("status", status_label(self.status)));
        (counter!(REQUESTS, labels), duration)
    }
}

/// The client's `X-Request-Id` when it is short visible ASCII, else a new one.
fn request_id(headers: &HeaderMap) -> Arc<str> {
    if let Some(given) = headers.get(&REQUEST_ID)
        && let Ok(given) = given.to_str()
        && !given.is_empty()
        && given.len() <= MAX_REQUEST_ID
        && given.bytes().all(|b| b.is_ascii_graphic())
    {
        return given.into();
    }
    new_request_id()
}

/// `{process}-{n}`: 8 random hex digits for the process, then a counter in hex, so ids
/// from many processes behind one load balancer do not collide. Written by hand: a
/// `format!` was a sixth of what a request's log line costs.
fn new_request_id() -> Arc<str> {
    static PROCESS: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let process = *PROCESS.get_or_init(|| {
        let mut bytes = [0u8; 4];
        // Without randomness the ids are still unique within the process.
        let _ = getrandom::fill(&mut bytes);
        u32::from_le_bytes(bytes)
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut id = [0u8; 25];
    for (i, byte) in id[..8].iter_mut().enumerate() {
        *byte = HEX[(process >> (28 - 4 * i) & 0xf) as usize];
    }
    id[8] = b'-';
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(1) as usize;
    for (i, byte) in id[9..9 + digits].iter_mut().enumerate() {
        *byte = HEX[(n >> (4 * (digits - 1 - i)) & 0xf) as usize];
    }
    // Every byte written is an ASCII hex digit or `-`.
    std::str::from_utf8(&id[..9 + digits]).unwrap_or("0").into()
}

/// The `method` label: the standard methods by name, any other as `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The `status` label: the three digits.
fn status_label(status: u16) -> SharedString {
    const KNOWN: [(u16, &str); 18] = [
        (200, "200"),
        (201, "201"),
        (204, "204"),
        (304, "304"),
        (400, "400"),
        (401, "401"),
        (403, "403"),
        (404, "404"),
        (405, "405"),
        (409, "409"),
        (412, "412"),
        (413, "413"),
        (415, "415"),
        (429, "429"),
        (500, "500"),
        (501, "501"),
        (503, "503"),
        (504, "504"),
    ];
    match KNOWN.iter().find(|(code, _)| *code == status) {
        Some((_, label)) => SharedString::const_str(label),
        None => SharedString::from_owned(status.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_taken_when_sane_and_made_otherwise() {
        let mut headers = HeaderMap::new();
        let made = request_id(&headers);
        assert_ne!(made, request_id(&headers), "each request gets its own");
        headers.insert(&REQUEST_ID, HeaderValue::from_static("abc-123"));
        assert_eq!(&*request_id(&headers), "abc-123");
        for refused in ["", "has space", &"x".repeat(MAX_REQUEST_ID + 1)] {
            headers.insert(&REQUEST_ID, HeaderValue::from_str(refused).unwrap());
            assert_ne!(&*request_id(&headers), refused, "{refused:?}");
        }
    }

    #[test]
    fn made_ids_are_the_process_then_a_hex_counter() {
        let id = new_request_id();
        let (process, n) = id.split_once('-').unwrap();
        assert_eq!(process.len(), 8);
        assert!(
            process
                .bytes()
                .chain(n.bytes())
                .all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
        let next = new_request_id();
        let number = |id: &str| u64::from_str_radix(id.split_once('-').unwrap().1, 16).unwrap();
        assert!(number(&next) > number(&id), "{id} then {next}");
        assert!(next.starts_with(process));
    }

    #[test]
    fn labels_are_bounded() {
        let extension = Method::from_bytes(b"BREW").unwrap();
        assert_eq!(method_label(&extension), "other");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        assert_eq!(&*status_label(412), "412");
        assert_eq!(&*status_label(418), "418");
        let labels = ResourceTypeLabels::new(&SchemaRegistry::default());
        let name = |endpoint| labels.label(labels.of(endpoint)).map(|l| l.to_string());
        assert_eq!(name("users").as_deref(), Some("User"));
        assert_eq!(name("Groups").as_deref(), Some("Group"));
        assert_eq!(labels.of("Nonsense"), None);
    }
}
