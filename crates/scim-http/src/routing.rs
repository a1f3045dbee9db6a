//! Routing: which SCIM endpoint a path names, and which methods it allows.

use http::Method;

/// A SCIM endpoint under the base path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/{type}` or `/{type}/{id}`.
    Resource {
        endpoint: String,
        id: Option<String>,
    },
    /// `/{type}/.search`, or `/.search` at the root when `endpoint` is `None`.
    Search { endpoint: Option<String> },
    /// `/Bulk`.
    Bulk,
    /// `/Me`.
    Me,
    /// `/ServiceProviderConfig`.
    ServiceProviderConfig,
    /// `/ResourceTypes[/{id}]`.
    ResourceTypes(Option<String>),
    /// `/Schemas[/{id}]`.
    Schemas(Option<String>),
    /// `/openapi.json`: the OpenAPI document of this service.
    OpenApi,
}

/// The route template of a path no route matches.
pub(crate) const UNMATCHED: &str = "unmatched";

impl Route {
    /// Reads the path below the base path (`/Users/42`); `None` for an unknown path.
    pub(crate) fn parse(path: &str) -> Option<Self> {
        let path = path.strip_prefix('/').unwrap_or(path);
        let path = path.strip_suffix('/').unwrap_or(path);
        // At most two segments, each decoded once into the string the route keeps.
        let mut segments = path.split('/');
        let (first, second) = (segments.next()?, segments.next());
        if segments.next().is_some() {
            return None;
        }
        let first = percent_decode(first)?;
        let second = match second {
            Some(segment) => Some(percent_decode(segment)?),
            None => None,
        };
        let is = |segment: &str, name: &str| segment.eq_ignore_ascii_case(name);
        Some(match (first, second) {
            (one, None) if one.is_empty() => return None,
            (one, None) if is(&one, ".search") => Route::Search { endpoint: None },
            (one, None) if is(&one, "Bulk") => Route::Bulk,
            (one, None) if is(&one, "Me") => Route::Me,
            (one, None) if is(&one, "ServiceProviderConfig") => Route::ServiceProviderConfig,
            (one, None) if is(&one, "ResourceTypes") => Route::ResourceTypes(None),
            (one, None) if is(&one, "Schemas") => Route::Schemas(None),
            (one, None) if one == "openapi.json" => Route::OpenApi,
            (one, Some(id)) if is(&one, "ResourceTypes") => Route::ResourceTypes(Some(id)),
            (one, Some(id)) if is(&one, "Schemas") => Route::Schemas(Some(id)),
            (endpoint, None) => Route::Resource { endpoint, id: None },
            (endpoint, Some(search)) if is(&search, ".search") => Route::Search {
                endpoint: Some(endpoint),
            },
            (endpoint, Some(id)) if !id.is_empty() => Route::Resource {
                endpoint,
                id: Some(id),
            },
            _ => return None,
        })
    }

    /// The methods this endpoint answers.
    pub(crate) fn allowed(&self) -> &'static [Method] {
        match self {
            Route::Resource { id: None, .. } => &[Method::GET, Method::POST],
            Route::Resource { id: Some(_), .. } | Route::Me => {
                &[Method::GET, Method::PUT, Method::PATCH, Method::DELETE]
            }
            Route::Search { .. } | Route::Bulk => &[Method::POST],
            Route::ServiceProviderConfig
            | Route::ResourceTypes(_)
            | Route::Schemas(_)
            | Route::OpenApi => &[Method::GET],
        }
    }

    /// Whether this is a discovery endpoint (the OpenAPI document is one).
    pub(crate) fn is_discovery(&self) -> bool {
        matches!(
            self,
            Route::ServiceProviderConfig
                | Route::ResourceTypes(_)
                | Route::Schemas(_)
                | Route::OpenApi
        )
    }

    /// The route's template, for logs and metric labels: bounded, no id in it.
    pub(crate) fn template(&self) -> &'static str {
        match self {
            Route::Resource { id: None, .. } => "/{type}",
            Route::Resource { id: Some(_), .. } => "/{type}/{id}",
            Route::Search { endpoint: Some(_) } => "/{type}/.search",
            Route::Search { endpoint: None } => "/.search",
            Route::Bulk => "/Bulk",
            Route::Me => "/Me",
            Route::ServiceProviderConfig => "/ServiceProviderConfig",
            Route::ResourceTypes(None) => "/ResourceTypes",
            Route::ResourceTypes(Some(_)) => "/ResourceTypes/{id}",
            Route::Schemas(None) => "/Schemas",
            Route::Schemas(Some(_)) => "/Schemas/{id}",
            Route::OpenApi => "/openapi.json",
        }
    }

    /// The resource endpoint the route is under (`Users`), if any.
    pub(crate) fn endpoint(&self) -> Option<&str> {
        match self {
            Route::Resource { endpoint, .. }
            | Route::Search {
                endpoint: Some(endpoint),
            } => Some(endpoint),
            _ => None,
        }
    }
}

/// Decodes `%XX` escapes; `None` when the result is not UTF-8 or an escape is cut.
fn percent_decode(segment: &str) -> Option<String> {
    if !segment.contains('%') {
        return Some(segment.to_owned());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        let cases = [
            (
                "/Users",
                Some(Route::Resource {
                    endpoint: "Users".into(),
                    id: None,
                }),
            ),
            (
                "/Users/",
                Some(Route::Resource {
                    endpoint: "Users".into(),
                    id: None,
                }),
            ),
            (
                "/Users/a%20b",
                Some(Route::Resource {
                    endpoint: "Users".into(),
                    id: Some("a b".into()),
                }),
            ),
            (
                "/Users/.search",
                Some(Route::Search {
                    endpoint: Some("Users".into()),
                }),
            ),
            ("/.search", Some(Route::Search { endpoint: None })),
            ("/bulk", Some(Route::Bulk)),
            ("/Me", Some(Route::Me)),
            ("/openapi.json", Some(Route::OpenApi)),
            (
                "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
                Some(Route::Schemas(Some(
                    "urn:ietf:params:scim:schemas:core:2.0:User".into(),
                ))),
            ),
            (
                "/ResourceTypes/User",
                Some(Route::ResourceTypes(Some("User".into()))),
            ),
            ("", None),
            ("/", None),
            ("/Users/1/extra", None),
            ("/Users/%zz", None),
            ("/Users/%e2%82", None),
        ];
        for (path, expected) in cases {
            assert_eq!(Route::parse(path), expected, "{path}");
        }
    }
}
