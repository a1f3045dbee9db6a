//! Tool calls answered without rmcp's per-request machinery.
//!
//! In stateless JSON mode rmcp answers each `tools/call` by building and spawning a
//! whole service for the one request: through the binary that was nine times the
//! instructions of the same `GET` over `/scim/v2`, most of them rmcp's. A request
//! that is certainly a plain stateless `tools/call` of one of our tools is therefore
//! answered here: the same tool dispatch ([`ScimMcp::run`]), the same result JSON
//! (`answer.rs` writes it, a test holds it equal to rmcp's), written once. Anything
//! else, or anything in doubt (a session, an `Origin`, a protocol version or header
//! this module does not know, extra fields, a body without a length), goes to rmcp,
//! which stays the judge of the protocol.

use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, HeaderName, Method, Response, header};
use http_body::Body;
use http_body_util::{BodyExt as _, Full};
use rmcp::model::JsonObject;
use serde::Deserialize;
use serde_json::Value;

use crate::answer::write_call_tool_result;
use crate::http::McpBody;
use crate::{McpServiceConfig, ScimMcp};

/// The protocol versions whose `tools/call` result this module writes as rmcp does
/// (without `resultType`).
const VERSIONS: [&str; 3] = ["2025-03-26", "2025-06-18", "2025-11-25"];

/// Headers whose presence sends a request to rmcp: sessions, browsers, and the
/// standard headers rmcp checks against the body.
const DEFERRED: [HeaderName; 4] = [
    HeaderName::from_static("mcp-session-id"),
    header::ORIGIN,
    HeaderName::from_static("mcp-method"),
    HeaderName::from_static("mcp-name"),
];

/// The protocol version a request speaks, when it says.
const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");

/// When a request may be answered here.
#[derive(Debug, Clone)]
pub(crate) struct Direct {
    max_body: usize,
    allowed_hosts: Vec<String>,
}

/// A JSON-RPC `tools/call` request with nothing else in it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ToolsCall {
    jsonrpc: String,
    id: Value,
    method: String,
    params: Params,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    name: String,
    arguments: Option<JsonObject>,
}

impl Direct {
    /// The direct path for a transport configured as `config`: only a stateless
    /// transport answering in JSON has one.
    pub(crate) fn for_config(config: &McpServiceConfig) -> Option<Self> {
        (!config.legacy_session_mode && config.json_response).then(|| Self {
            max_body: config.max_request_body_bytes,
            allowed_hosts: config.allowed_hosts.clone(),
        })
    }

    /// Whether the head of a request allows answering it here: a `POST` with a
    /// declared length within the limit, JSON in, JSON and event streams accepted, an
    /// allowed `Host`, and nothing that makes rmcp's answer depend on more.
    pub(crate) fn takes(&self, parts: &Parts) -> bool {
        let headers = &parts.headers;
        parts.method == Method::POST
            && DEFERRED.iter().all(|name| !headers.contains_key(name))
            && declared_length(headers).is_some_and(|length| length <= self.max_body)
            && header_is(headers, header::CONTENT_TYPE, |value| {
                value.split(';').next().unwrap_or("").trim() == "application/json"
            })
            && header_is(headers, header::ACCEPT, |value| {
                !value.contains("q=")
                    && value.contains("application/json")
                    && value.contains("text/event-stream")
            })
            && headers.get(&PROTOCOL_VERSION).is_none_or(|version| {
                VERSIONS
                    .iter()
                    .any(|known| version.as_bytes() == known.as_bytes())
            })
            && self.host_allowed(headers)
    }

    /// Answers `body` when it is a `tools/call` of one of `mcp`'s tools; `Err` gives
    /// the body back for rmcp.
    pub(crate) async fn answer(
        mcp: &ScimMcp,
        parts: &Parts,
        body: Bytes,
    ) -> Result<Response<McpBody>, Bytes> {
        let Some(call) = serde_json::from_slice::<ToolsCall>(&body)
            .ok()
            .filter(|call| call.jsonrpc == "2.0" && call.method == "tools/call")
            // rmcp's request ids are integers or strings.
            .filter(|call| match &call.id {
                Value::Number(number) => number.is_i64() || number.is_u64(),
                id => id.is_string(),
            })
        else {
            return Err(body);
        };
        let caller = mcp.caller(Some(parts));
        let arguments = call.params.arguments.unwrap_or_default();
        let Some(answer) = mcp.run(&call.params.name, caller, arguments).await else {
            return Err(body);
        };
        let mut out = Vec::with_capacity(1024);
        out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
        out.extend_from_slice(call.id.to_string().as_bytes());
        out.extend_from_slice(br#","result":"#);
        write_call_tool_result(answer, &mut out);
        out.push(b'}');
        let mut response = Response::new(Full::new(Bytes::from(out)).boxed());
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        Ok(response)
    }

    /// Whether `Host` is one rmcp certainly allows: any when the check is off, else
    /// an allowed name exactly, or an allowed name without a port followed by one.
    fn host_allowed(&self, headers: &HeaderMap) -> bool {
        if self.allowed_hosts.is_empty() {
            return true;
        }
        let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        self.allowed_hosts.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            // An IPv6 address is bracketed in `Host`; a name with a port is exact.
            let (name, any_port) = match allowed.matches(':').count() {
                0 => (allowed, true),
                1 => (allowed, false),
                _ if allowed.starts_with('[') => (allowed, false),
                _ => (format!("[{allowed}]"), true),
            };
            host == name
                || any_port
                    && host.strip_prefix(name.as_str()).is_some_and(|rest| {
                        rest.strip_prefix(':').is_some_and(|port| {
                            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())
                        })
                    })
        })
    }
}

/// `Content-Length`, when the request declares one.
fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Whether a request has exactly one `name` header, and it passes `test` (as sent:
/// a value in capitals goes to rmcp, which reads it case-insensitively).
fn header_is(headers: &HeaderMap, name: HeaderName, test: impl Fn(&str) -> bool) -> bool {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().is_ok_and(test),
        _ => false,
    }
}

/// Reads a body whose length was declared within the limit.
pub(crate) async fn read<B>(body: B) -> Option<Bytes>
where
    B: Body,
{
    body.collect()
        .await
        .ok()
        .map(|collected| collected.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut request = http::Request::post("/mcp");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    const PLAIN: [(&str, &str); 4] = [
        ("host", "127.0.0.1:8080"),
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
        ("content-length", "120"),
    ];

    fn with(extra: &[(&str, &str)], without: &str) -> Parts {
        let mut headers: Vec<(&str, &str)> = PLAIN
            .iter()
            .copied()
            .filter(|(name, _)| *name != without)
            .collect();
        headers.extend_from_slice(extra);
        parts(&headers)
    }

    #[test]
    fn only_plain_stateless_calls_are_taken() {
        let direct = Direct::for_config(&crate::McpService::default_config()).unwrap();
        assert!(direct.takes(&with(&[], "")));
        assert!(direct.takes(&with(&[("mcp-protocol-version", "2025-11-25")], "")));
        let deferred = [
            with(&[("mcp-session-id", "s")], ""),
            with(&[("origin", "http://localhost")], ""),
            with(&[("mcp-name", "get_resource")], ""),
            with(&[("mcp-protocol-version", "2026-07-28")], ""),
            with(
                &[("accept", "text/event-stream;q=0, application/json")],
                "accept",
            ),
            with(&[("accept", "application/json")], "accept"),
            with(&[("content-type", "text/plain")], "content-type"),
            with(&[], "content-length"),
            with(&[("content-length", "99999999")], "content-length"),
            with(&[("host", "evil.example")], "host"),
            with(&[("host", "127.0.0.1.evil.example")], "host"),
        ];
        for parts in deferred {
            assert!(!direct.takes(&parts), "{:?}", parts.headers);
        }
        let stateful = McpServiceConfig::default();
        assert!(Direct::for_config(&stateful).is_none());
    }

    #[test]
    fn hosts_are_taken_only_when_rmcp_would_allow_them() {
        let direct = Direct::for_config(&crate::McpService::default_config()).unwrap();
        for host in ["localhost", "LOCALHOST:3000", "127.0.0.1", "[::1]:8080"] {
            assert!(direct.takes(&with(&[("host", host)], "host")), "{host}");
        }
        for host in ["localhost:", "localhost:x", "[::1]x", "::1"] {
            assert!(!direct.takes(&with(&[("host", host)], "host")), "{host}");
        }
        let open = crate::McpService::default_config().disable_allowed_hosts();
        let open = Direct::for_config(&open).unwrap();
        assert!(open.takes(&with(&[("host", "scim.example.com")], "host")));
    }
}
