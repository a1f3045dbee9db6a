//! The origin a trusted reverse proxy names: `Forwarded` (RFC 7239) or
//! `X-Forwarded-Proto` / `X-Forwarded-Host`.

use http::HeaderMap;

/// `scheme://host` from the proxy headers, when they name a host; `Forwarded` wins over
/// the `X-Forwarded-*` pair, and its first element (the proxy nearest the client) is
/// read. A host that is not a plain `host[:port]` is ignored.
pub(crate) fn forwarded_origin(headers: &HeaderMap) -> Option<String> {
    let (proto, host) = match header(headers, "forwarded") {
        Some(forwarded) => from_forwarded(forwarded)?,
        None => (
            header(headers, "x-forwarded-proto").map(first_of_list),
            first_of_list(header(headers, "x-forwarded-host")?),
        ),
    };
    let proto = match proto.map(str::to_ascii_lowercase).as_deref() {
        Some("https") => "https",
        Some("http") | None => "http",
        Some(_) => return None,
    };
    is_host(host).then(|| format!("{proto}://{host}"))
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

fn first_of_list(value: &str) -> &str {
    value.split(',').next().unwrap_or("").trim()
}

/// `proto` and `host` of the first element of a `Forwarded` header.
fn from_forwarded(value: &str) -> Option<(Option<&str>, &str)> {
    let first = first_of_list(value);
    let (mut proto, mut host) = (None, None);
    for pair in first.split(';') {
        let (name, value) = pair.split_once('=')?;
        let value = value.trim().trim_matches('"');
        match name.trim().to_ascii_lowercase().as_str() {
            "proto" => proto = Some(value),
            "host" => host = Some(value),
            _ => {}
        }
    }
    Some((proto, host?))
}

/// A host name or address with an optional port: letters, digits, `.-:[]` only.
fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    type Headers = &'static [(&'static str, &'static str)];

    fn origin(pairs: Headers) -> Option<String> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, value.parse().unwrap());
        }
        forwarded_origin(&headers)
    }

    #[test]
    fn reads_the_proxy_headers() {
        let cases: [(Headers, Option<&str>); 9] = [
            (&[], None),
            (
                &[("forwarded", "proto=https;host=scim.example.com")],
                Some("https://scim.example.com"),
            ),
            (
                &[(
                    "forwarded",
                    "for=1.2.3.4;host=\"a.example:8443\";proto=HTTPS, host=b",
                )],
                Some("https://a.example:8443"),
            ),
            (&[("forwarded", "for=1.2.3.4")], None),
            (
                &[
                    ("x-forwarded-host", "h.example, inner"),
                    ("x-forwarded-proto", "https"),
                ],
                Some("https://h.example"),
            ),
            (
                &[("x-forwarded-host", "h.example")],
                Some("http://h.example"),
            ),
            (&[("x-forwarded-proto", "https")], None),
            (&[("x-forwarded-host", "evil.example/path")], None),
            (
                &[("x-forwarded-host", "h"), ("x-forwarded-proto", "gopher")],
                None,
            ),
        ];
        for (headers, expected) in cases {
            assert_eq!(origin(headers).as_deref(), expected, "{headers:?}");
        }
    }
}
