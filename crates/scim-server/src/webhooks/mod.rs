//! Webhooks: the change feed POSTed to each configured URL, off the request path, and
//! the feed pruned to its retention.

mod delivery;
mod post;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use http::Uri;
use scim_provider::ChangeFeed;

use self::delivery::Delivery;
use self::post::Receiver;

/// How often events older than the retention are pruned.
const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// Where events go and how long they are kept.
#[derive(Debug, Clone)]
pub(crate) struct Webhooks {
    pub(crate) hooks: Vec<Hook>,
    pub(crate) retention: Duration,
}

/// One receiver of events.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Hook {
    pub(crate) url: Uri,
    /// The key deliveries are signed with.
    pub(crate) secret: Option<String>,
    /// The one tenant whose events it receives; `None`: every tenant's.
    pub(crate) tenant: Option<String>,
}

impl Webhooks {
    /// A webhook URL, refused unless it is `http://host[:port][/path]`.
    pub(crate) fn url(text: &str) -> Result<Uri, String> {
        let uri: Uri = text.trim().parse().map_err(|e| format!("{e}"))?;
        match (uri.scheme_str(), uri.host()) {
            (Some("http"), Some(_)) => Ok(uri),
            (Some("https"), _) => Err(
                "https is not supported by the built-in client: deliver to a local http:// \
                 receiver (or a TLS-terminating proxy beside the server)"
                    .into(),
            ),
            _ => Err("needs http:// and a host".into()),
        }
    }

    /// Starts a delivery loop per hook and the pruning loop, on the current runtime.
    pub(crate) fn start(&self, feed: Arc<dyn ChangeFeed>) -> Running {
        tokio::spawn(prune(feed.clone()));
        let mut running = Running {
            feed,
            loops: HashMap::new(),
        };
        running.deliver_to(&self.hooks);
        running
    }
}

/// The delivery loops running, one per hook.
pub(crate) struct Running {
    feed: Arc<dyn ChangeFeed>,
    loops: HashMap<Hook, tokio::task::AbortHandle>,
}

impl Running {
    /// Delivers to exactly `hooks` from now on; answers how many loops started and
    /// how many stopped. A hook already delivered to keeps its loop. A new one resumes
    /// from the cursor saved under its URL (and tenant), or starts at the oldest event
    /// kept. A removed one stops at once: delivery is at least once, so the events of
    /// its last second, whose cursor was not saved yet, come again if it is added back.
    /// A hook whose secret changed is a new hook on the same cursor.
    pub(crate) fn deliver_to(&mut self, hooks: &[Hook]) -> (usize, usize) {
        let before = self.loops.len();
        self.loops.retain(|hook, task| {
            let kept = hooks.contains(hook);
            if !kept {
                task.abort();
            }
            kept
        });
        let stopped = before - self.loops.len();
        let mut started = 0;
        for hook in hooks {
            if self.loops.contains_key(hook) {
                continue;
            }
            let receiver = Receiver::new(hook.url.clone(), hook.secret.as_deref());
            let delivery = Delivery::new(self.feed.clone(), receiver, hook.tenant.clone());
            let task = tokio::spawn(delivery.run()).abort_handle();
            self.loops.insert(hook.clone(), task);
            started += 1;
        }
        (started, stopped)
    }
}

/// Prunes the feed every [`PRUNE_INTERVAL`], and once at start.
async fn prune(feed: Arc<dyn ChangeFeed>) {
    let mut every = tokio::time::interval(PRUNE_INTERVAL);
    loop {
        every.tick().await;
        match feed.prune_changes().await {
            Ok(0) => {}
            Ok(pruned) => tracing::info!(pruned, "pruned change events past their retention"),
            Err(err) => {
                tracing::warn!("cannot prune the change feed: {}", crate::with_causes(&err))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_http_with_a_host() {
        assert!(Webhooks::url("http://127.0.0.1:9000/events").is_ok());
        assert!(Webhooks::url(" http://hooks.internal ").is_ok());
        for (bad, says) in [
            ("https://hooks.example.com/", "https is not supported"),
            ("ftp://h/", "needs http://"),
            ("/events", "needs http://"),
            ("http://", ""),
        ] {
            let err = Webhooks::url(bad).expect_err(bad);
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
