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
    pub fn with_token(self, token: &str, tenant: &str) -> Self {
        self.with_token_hash(Self::hash(token.as_bytes()), tenant)
    }

    /// Accepts for `tenant` the token whose SHA-256 digest is `hash`, so that a
    /// configuration need not hold the token itself.
    ///
    /// ```
    /// use scim_http::StaticTokens;
    ///
    /// // printf %s s3cret | sha256sum
    /// let hash = StaticTokens::parse_hash("1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0")?;
    /// assert!(StaticTokens::parse_hash("not hex").is_err());
    /// let hashed = StaticTokens::new().with_token_hash(hash, "acme");
    /// let plain = StaticTokens::new().with_token("s3cret", "acme");
    /// assert_eq!(format!("{:?}", hashed.tenant_of(b"s3cret")), format!("{:?}", plain.tenant_of(b"s3cret")));
    /// # Ok::<(), scim_http::TokenListError>(())
    /// ```
    pub fn with_token_hash(mut self, hash: [u8; 32], tenant: &str) -> Self {
        let principal = Principal {
            tenant: tenant.into(),
            name: tenant.into(),
        };
        self.tokens.push((hash, principal));
        self
    }

    /// The SHA-256 digest a token is kept and compared as.
    pub fn hash(token: &[u8]) -> [u8; 32] {
        Sha256::digest(token).into()
    }

    /// A SHA-256 digest written as 64 hexadecimal digits (as `sha256sum` prints it),
    /// optionally prefixed `sha256:`.
    pub fn parse_hash(text: &str) -> Result<[u8; 32], TokenListError> {
        let digits = text.trim();
        let digits = digits.strip_prefix("sha256:").unwrap_or(digits).as_bytes();
        let invalid = || TokenListError::NotSha256(text.to_owned());
        if digits.len() != 64 {
            return Err(invalid());
        }
        let mut hash = [0u8; 32];
        for (byte, pair) in hash.iter_mut().zip(digits.chunks_exact(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| invalid())?;
        }
        Ok(hash)
    }

    /// The principal `token` authenticates, if any.
    pub fn tenant_of(&self, token: &[u8]) -> Option<Principal> {
        let presented = Self::hash(token);
        // Compare against every token, so the time does not say which one matched.
        let mut found = None;
        for (hash, principal) in &self.tokens {
            if constant_time_eq(hash, &presented) {
                found = Some(principal);
            }
        }
        found.cloned()
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
        let pairs = Self::parse_tenant_pairs(list)?;
        Ok(pairs.iter().fold(Self::new(), |tokens, (tenant, token)| {
            tokens.with_token(token, tenant)
        }))
    }

    /// The `(tenant, token)` pairs of a `tenantA=tokenA,tenantB=tokenB` list, trimmed.
    pub fn parse_tenant_pairs(list: &str) -> Result<Vec<(String, String)>, TokenListError> {
        let entries = list.split(',').map(str::trim).filter(|e| !e.is_empty());
        entries
            .map(|entry| match entry.split_once('=') {
                Some((tenant, token)) if !tenant.trim().is_empty() && !token.trim().is_empty() => {
                    Ok((tenant.trim().to_owned(), token.trim().to_owned()))
                }
                _ => Err(TokenListError::NotTenantToken(entry.to_owned())),
            })
            .collect()
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
    /// A token hash is not 64 hexadecimal digits.
    #[error("{0:?} is not a SHA-256 digest: 64 hexadecimal digits")]
    NotSha256(String),
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
        self.tenant_of(token).ok_or(AuthError {
            detail: "the bearer token is not valid",
        })
    }
}
