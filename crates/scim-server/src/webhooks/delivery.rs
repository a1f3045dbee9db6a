//! A webhook's delivery loop: every tenant's events (or one tenant's), in order, each until the receiver
//! takes it, resuming after a restart from the cursors it saves in the database.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use scim_provider::{ChangeCursor, ChangeEvent, ChangeFeed, ProviderError};

use super::post::Receiver;

/// Events read at a time.
const BATCH: usize = 100;

/// How often the loop looks for events no signal announced (another process's).
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How long the loop lets events gather after a commit wakes it: one read then carries
/// the writes of those milliseconds, not one each.
const GATHER: Duration = Duration::from_millis(25);

/// How often the cursors are saved while events flow (and whenever the loop is idle):
/// a restart delivers again at most what was delivered in this long.
const SAVE_EVERY: Duration = Duration::from_secs(1);

/// The first wait after a failed attempt, doubled after each until [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The metric of deliveries, by `outcome` (`delivered`, `failed`).
pub(crate) const DELIVERIES: &str = "scim_webhook_deliveries_total";

/// One webhook: a receiver, and its name as a consumer of the feed.
pub(crate) struct Delivery {
    feed: Arc<dyn ChangeFeed>,
    receiver: Receiver,
    consumer: String,
    /// The one tenant whose events it delivers; `None`: every tenant's.
    tenant: Option<String>,
    /// Per tenant, the cursor after the last event the receiver took.
    cursors: HashMap<String, ChangeCursor>,
    /// The tenants whose cursor moved since it was last saved.
    unsaved: HashSet<String>,
    saved_at: Instant,
}

impl Delivery {
    pub(crate) fn new(
        feed: Arc<dyn ChangeFeed>,
        receiver: Receiver,
        tenant: Option<String>,
    ) -> Self {
        // A URL that receives one tenant's events is a consumer apart from the same URL
        // receiving every tenant's.
        let consumer = match &tenant {
            None => consumer_name(&receiver.url().to_string()),
            Some(tenant) => consumer_name(&format!("{} {tenant}", receiver.url())),
        };
        Self {
            feed,
            receiver,
            consumer,
            tenant,
            cursors: HashMap::new(),
            unsaved: HashSet::new(),
            saved_at: Instant::now(),
        }
    }

    /// Delivers forever.
    pub(crate) async fn run(mut self) {
        let mut signal = self.feed.change_signal();
        loop {
            signal.borrow_and_update();
            if let Err(err) = self.catch_up().await {
                tracing::warn!(
                    webhook = %self.receiver.url(),
                    "cannot read the change feed: {}",
                    crate::with_causes(&err)
                );
            }
            if self.saved_at.elapsed() >= SAVE_EVERY {
                self.save().await;
            }
            match tokio::time::timeout(POLL_INTERVAL, signal.changed()).await {
                Ok(Ok(())) => tokio::time::sleep(GATHER).await,
                Ok(Err(_)) => tokio::time::sleep(POLL_INTERVAL).await,
                Err(_) => self.save().await,
            }
        }
    }

    /// Delivers the events of every tenant whose newest event is past its cursor.
    async fn catch_up(&mut self) -> Result<(), ProviderError> {
        for (tenant, head) in self.feed.change_heads().await? {
            if self.tenant.as_ref().is_some_and(|only| *only != tenant) {
                continue;
            }
            let mut cursor = self.cursor(&tenant).await?;
            while cursor < head {
                let batch = self.feed.changes_since(&tenant, cursor, BATCH).await?;
                if let Some(through) = batch.pruned_through {
                    self.missed(&tenant, cursor, through);
                    cursor = cursor.max(through);
                    self.moved(&tenant, cursor);
                }
                for event in &batch.events {
                    self.deliver(event).await;
                    cursor = event.cursor();
                    self.moved(&tenant, cursor);
                }
                if batch.events.len() < BATCH {
                    break;
                }
            }
        }
        Ok(())
    }

    fn moved(&mut self, tenant: &str, cursor: ChangeCursor) {
        self.cursors.insert(tenant.to_owned(), cursor);
        if !self.unsaved.contains(tenant) {
            self.unsaved.insert(tenant.to_owned());
        }
    }

    /// The cursor of `tenant`: known, or as saved in the database.
    async fn cursor(&mut self, tenant: &str) -> Result<ChangeCursor, ProviderError> {
        if let Some(cursor) = self.cursors.get(tenant) {
            return Ok(*cursor);
        }
        let saved = self.feed.load_cursor(&self.consumer, tenant).await?;
        self.cursors.insert(tenant.to_owned(), saved);
        Ok(saved)
    }

    /// Posts `event` until the receiver takes it, waiting longer after each failure.
    async fn deliver(&self, event: &ChangeEvent) {
        let mut wait = FIRST_BACKOFF;
        loop {
            match self.receiver.post(event).await {
                Ok(()) => {
                    metrics::counter!(DELIVERIES, "outcome" => "delivered").increment(1);
                    return;
                }
                Err(why) => {
                    metrics::counter!(DELIVERIES, "outcome" => "failed").increment(1);
                    tracing::warn!(
                        webhook = %self.receiver.url(),
                        tenant = %event.tenant,
                        sequence = event.sequence,
                        retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "webhook delivery failed: {why}"
                    );
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Saves the cursors that moved; a failure only means the events after the saved
    /// ones come again after a restart.
    async fn save(&mut self) {
        for tenant in std::mem::take(&mut self.unsaved) {
            let cursor = self.cursors.get(&tenant).copied().unwrap_or_default();
            if let Err(err) = self.feed.save_cursor(&self.consumer, &tenant, cursor).await {
                tracing::warn!(
                    webhook = %self.receiver.url(),
                    tenant = %tenant,
                    "cannot save the webhook's cursor: {}",
                    crate::with_causes(&err)
                );
                self.unsaved.insert(tenant);
            }
        }
        self.saved_at = Instant::now();
    }

    fn missed(&self, tenant: &str, cursor: ChangeCursor, until: ChangeCursor) {
        tracing::warn!(
            webhook = %self.receiver.url(),
            tenant = %tenant,
            after = cursor.sequence(),
            through = until.sequence(),
            "events were pruned before this webhook got them: raise --event-retention"
        );
    }
}

/// The webhook's name in `scim_change_cursors`: its URL, or, when that is longer than
/// the column's key allows, its start and a hash of the whole.
fn consumer_name(url: &str) -> String {
    const MAX: usize = 180;
    let name = format!("webhook {url}");
    if name.len() <= MAX {
        return name;
    }
    let hash = super::post::sign(b"", url.as_bytes());
    let mut end = MAX - 16 - 1;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} {}", &name[..end], &hash[7..23])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_url_names_its_consumer_within_the_key() {
        let short = consumer_name("http://hooks.internal/scim");
        assert_eq!(short, "webhook http://hooks.internal/scim");
        let long = format!("http://h/{}", "é".repeat(200));
        let name = consumer_name(&long);
        assert!(name.len() <= 180, "{}", name.len());
        assert_ne!(name, consumer_name(&format!("{long}x")));
    }
}
