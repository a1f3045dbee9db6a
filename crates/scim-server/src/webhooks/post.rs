//! One delivery: an event POSTed as JSON, signed when a secret is set.

use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http::{HeaderValue, Request, Uri, header};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use scim_provider::ChangeEvent;
use sha2::Sha256;

/// The header that carries the signature: `sha256=` and the hex HMAC-SHA256 of the
/// body, keyed with the secret.
pub(crate) const SIGNATURE: &str = "x-scim-signature";

/// How long one attempt may take, the receiver's answer included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// A webhook's receiver: where events go, and the key that signs them.
#[derive(Clone)]
pub(crate) struct Receiver {
    url: Uri,
    secret: Option<Bytes>,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("url", &self.url)
            .field("signed", &self.secret.is_some())
            .finish()
    }
}

impl Receiver {
    pub(crate) fn new(url: Uri, secret: Option<&str>) -> Self {
        let client = Client::builder(TokioExecutor::new()).build_http();
        Self {
            url,
            secret: secret.map(|s| Bytes::copy_from_slice(s.as_bytes())),
            client,
        }
    }

    pub(crate) fn url(&self) -> &Uri {
        &self.url
    }

    /// POSTs `event`; `Ok` when the receiver answered 2xx, otherwise what happened.
    pub(crate) async fn post(&self, event: &ChangeEvent) -> Result<(), String> {
        let body = Bytes::from(event.to_json_bytes());
        let mut request = Request::post(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(
                "x-scim-event",
                format!("{}/{}", event.tenant, event.sequence),
            );
        if let Some(secret) = &self.secret {
            let signature = HeaderValue::from_str(&sign(secret, &body))
                .map_err(|e| format!("the signature is not a header value: {e}"))?;
            request = request.header(SIGNATURE, signature);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| format!("the request cannot be built: {e}"))?;
        let response = tokio::time::timeout(ATTEMPT_TIMEOUT, self.client.request(request))
            .await
            .map_err(|_| format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs()))?
            .map_err(|e| crate::with_causes(&e))?;
        match response.status() {
            status if status.is_success() => Ok(()),
            status => Err(format!("the receiver answered {status}")),
        }
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` keyed with `secret`.
pub(crate) fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let mut text = String::with_capacity(7 + digest.len() * 2);
    text.push_str("sha256=");
    for byte in digest {
        text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        text.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
