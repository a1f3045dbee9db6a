//! [`BaseUrl`]: the public URL SCIM is served under, from which the HTTP base path and
//! every location a client sees derive.

/// The public base URL of a SCIM endpoint, such as `https://scim.example.com/scim/v2`,
/// or only its path (`/scim/v2`) when the origin is not known in advance.
///
/// It is the one setting behind `meta.location`, `Location` and the path `scim-http`
/// routes under ([`path`](Self::path)), so the two cannot disagree.
///
/// ```
/// use scim_ops::BaseUrl;
///
/// let url: BaseUrl = "https://scim.example.com/scim/v2/".parse()?;
/// assert_eq!(url.as_str(), "https://scim.example.com/scim/v2");
/// assert_eq!(url.origin(), Some("https://scim.example.com"));
/// assert_eq!(url.path(), "/scim/v2");
/// assert_eq!(url.join("acme").as_str(), "https://scim.example.com/scim/v2/acme");
/// assert!("ftp://x/".parse::<BaseUrl>().is_err());
/// # Ok::<(), scim_ops::InvalidBaseUrl>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    /// Origin and path, without a trailing slash.
    url: String,
    /// Where the path starts in `url`.
    path_start: usize,
}

/// Why a public base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url:?} is not a public base URL: {reason}")]
pub struct InvalidBaseUrl {
    url: String,
    reason: &'static str,
}

impl BaseUrl {
    /// Reads a base URL leniently: an `http(s)://host[:port]` origin with a path, or a
    /// path alone; a missing leading slash is added and a trailing one dropped. Use
    /// [`str::parse`] to refuse anything else.
    pub fn new(url: &str) -> Self {
        url.parse().unwrap_or_else(|_| Self::from_path(url))
    }

    /// A base URL without an origin: locations are paths (`/scim/v2/Users/1`).
    pub fn from_path(path: &str) -> Self {
        let path = path.trim().trim_matches('/');
        Self {
            url: if path.is_empty() {
                String::new()
            } else {
                format!("/{path}")
            },
            path_start: 0,
        }
    }

    /// The whole URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// `scheme://host[:port]`, when known.
    pub fn origin(&self) -> Option<&str> {
        (self.path_start > 0).then(|| &self.url[..self.path_start])
    }

    /// The path SCIM is served under (`/scim/v2`; `/` at the root).
    pub fn path(&self) -> &str {
        match &self.url[self.path_start..] {
            "" => "/",
            path => path,
        }
    }

    /// The same path under another origin (`https://host`), as a trusted `Forwarded`
    /// header names it.
    pub fn with_origin(&self, origin: &str) -> Self {
        let path = &self.url[self.path_start..];
        let origin = origin.trim_end_matches('/');
        Self {
            url: format!("{origin}{path}"),
            path_start: origin.len(),
        }
    }

    /// The URL one path segment deeper (a tenant's base, say).
    pub fn join(&self, segment: &str) -> Self {
        Self {
            url: format!("{}/{segment}", self.url),
            path_start: self.path_start,
        }
    }
}

impl std::fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

impl std::str::FromStr for BaseUrl {
    type Err = InvalidBaseUrl;

    /// An absolute `http` or `https` URL with a host and no query or fragment, or a
    /// path starting with `/`.
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let refuse = |reason| InvalidBaseUrl {
            url: url.to_owned(),
            reason,
        };
        if url.contains(['?', '#']) || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse("it has a query, a fragment or white space"));
        }
        if url.starts_with('/') {
            return Ok(Self::from_path(url));
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| refuse("it needs http:// or https://, or to start with /"))?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(refuse("the scheme must be http or https"));
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        if authority.is_empty() || authority.contains('@') {
            return Err(refuse("it needs a host (and no user information)"));
        }
        let origin = format!("{}://{authority}", scheme.to_ascii_lowercase());
        Ok(Self::from_path(path).with_origin(&origin))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_and_refuses() {
        let cases = [
            ("/scim/v2", "/scim/v2", None, "/scim/v2"),
            ("scim/v2/", "/scim/v2", None, "/scim/v2"),
            ("/", "", None, "/"),
            (
                "HTTP://h:8080/scim",
                "http://h:8080/scim",
                Some("http://h:8080"),
                "/scim",
            ),
            ("https://h", "https://h", Some("https://h"), "/"),
        ];
        for (input, url, origin, path) in cases {
            let parsed = BaseUrl::new(input);
            assert_eq!(
                (parsed.as_str(), parsed.origin(), parsed.path()),
                (url, origin, path),
                "{input}"
            );
        }
        for bad in [
            "h/scim",
            "ftp://h/",
            "http:///x",
            "http://u@h/",
            "/a?b",
            "http://h/ x",
        ] {
            assert!(bad.parse::<BaseUrl>().is_err(), "{bad}");
        }
    }
}
