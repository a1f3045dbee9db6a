//! Authentication: the [`Authenticator`] trait and [`StaticTokens`].

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderMap;
use http::request::Parts;
use sha2::{Digest, Sha256};

/// Who is calling, and for which tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant every operation of the request runs under.
    pub tenant: Arc<str>,
    /// The caller's name (the `/Me` principal).
    pub name: Arc<str>,
}

/// Why a request was not authenticated; answered with `401` and
/// `WWW-Authenticate: Bearer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthError {
    /// Why, for the SCIM error `detail`.
    pub detail: &'static str,
}

/// Decides who a request comes from, from everything but its body: headers, URI and
/// the extensions an application's own middleware set (see [`FromExtensions`]).
#[async_trait]
pub trait Authenticator: Send + Sync {
    /// The principal of a request.
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError>;
}

/// The [`Principal`] an application's own authentication middleware put in the
/// request's extensions; a request without one is `401`. For apps that authenticate
/// before SCIM sees the request (OAuth introspection, mTLS, sessions).
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use scim_http::{Authenticator, FromExtensions, Principal};
///
/// let (mut parts, ()) = http::Request::new(()).into_parts();
/// assert!(FromExtensions.authenticate(&parts).await.is_err());
/// parts.extensions.insert(Principal { tenant: "acme".into(), name: "okta".into() });
/// assert_eq!(&*FromExtensions.authenticate(&parts).await.unwrap().tenant, "acme");
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct FromExtensions;

#[async_trait]
impl Authenticator for FromExtensions {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError> {
        request
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or(AuthError {
                detail: "the request was not authenticated",
            })
    }
}

/// Static bearer tokens, each mapped to a tenant. Tokens are kept only as SHA-256
/// hashes and compared in constant time; checking one allocates nothing.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// use scim_http::{Authenticator, StaticTokens};
///
/// let tokens = StaticTokens::new().with_token("s3cret", "acme");
/// let request = |token: &str| {
///     let request = http::Request::get("/").header("authorization", format!("Bearer {token}"));
///     request.body(()).unwrap().into_parts().0
/// };
/// assert_eq!(&*tokens.authenticate(&request("s3cret")).await.unwrap().tenant, "acme");
/// assert!(tokens.authenticate(&request("wrong")).await.is_err());
/// # });
/// ```
#[derive(Clone, Default)]
pub struct StaticTokens {
    tokens: Vec<([u8; 32], Principal)>,
}

impl std::fmt::Debug for StaticTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticTokens")
            .field("count", &self.tokens.len())
            .finish()
    }
}

impl StaticTokens {
    /// No tokens: every request is rejected.
    pub fn new() -> Self {
        Self::default()
    }

    /// Accepts `token` for `tenant`.
    pub fn with_token(mut self, token: &str, tenant: &str) -> Self {
        let principal = Principal {
            tenant: tenant.into(),
            name: tenant.into(),
        };
        self.tokens
            .push((Sha256::digest(token.as_bytes()).into(), principal));
        self
    }

    /// How many tokens are accepted.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether no token is accepted.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// Tokens from a `tenantA=tokenA,tenantB=tokenB` list (`SCIM_TENANTS`).
    ///
    /// ```
    /// let tokens = scim_http::StaticTokens::parse_tenants("a=token-a, b=token-b").unwrap();
    /// assert_eq!(tokens.len(), 2);
    /// assert!(scim_http::StaticTokens::parse_tenants("nonsense").is_err());
    /// ```
    pub fn parse_tenants(list: &str) -> Result<Self, TokenListError> {
        let mut tokens = Self::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match entry.split_once('=') {
                Some((tenant, token)) if !tenant.trim().is_empty() && !token.trim().is_empty() => {
                    tokens = tokens.with_token(token.trim(), tenant.trim());
                }
                _ => return Err(TokenListError::NotTenantToken(entry.to_owned())),
            }
        }
        Ok(tokens)
    }

    /// The tokens a server gets from its environment: `SCIM_TENANTS`
    /// (`tenantA=tokenA,…`), else `SCIM_TOKEN` for the default tenant, else a freshly
    /// generated token for the default tenant, which is returned so it can be printed.
    pub fn from_env() -> Result<(Self, Option<String>), TokenListError> {
        if let Ok(list) = std::env::var("SCIM_TENANTS")
            && !list.trim().is_empty()
        {
            return Ok((Self::parse_tenants(&list)?, None));
        }
        let tenant = scim_provider::RequestContext::DEFAULT_TENANT;
        match std::env::var("SCIM_TOKEN") {
            Ok(token) if !token.is_empty() => Ok((Self::new().with_token(&token, tenant), None)),
            _ => {
                let token = generate_token()?;
                Ok((Self::new().with_token(&token, tenant), Some(token)))
            }
        }
    }
}

/// Why a token list or a generated token could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenListError {
    /// An entry of `SCIM_TENANTS` is not `tenant=token`.
    #[error("{0:?} is not tenant=token")]
    NotTenantToken(String),
    /// The operating system gave no randomness for a generated token.
    #[error("the operating system provides no randomness for a token")]
    NoRandomness,
}

/// A random 256-bit token, base64url.
pub fn generate_token() -> Result<String, TokenListError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| TokenListError::NoRandomness)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Equality that takes the same time wherever the inputs differ.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(http::header::AUTHORIZATION)?.as_bytes();
    let scheme = value.get(..7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| value[7..].trim_ascii())
        .filter(|token| !token.is_empty())
}

#[async_trait]
impl Authenticator for StaticTokens {
    async fn authenticate(&self, request: &Parts) -> Result<Principal, AuthError> {
        let token = bearer_token(&request.headers).ok_or(AuthError {
            detail: "a bearer token is required",
        })?;
        let presented: [u8; 32] = Sha256::digest(token).into();
        // Compare against every token, so the time does not say which one matched.
        let mut found = None;
        for (hash, principal) in &self.tokens {
            if constant_time_eq(hash, &presented) {
                found = Some(principal);
            }
        }
        found.cloned().ok_or(AuthError {
            detail: "the bearer token is not valid",
        })
    }
}
