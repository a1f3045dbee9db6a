//! The in-memory provider's change feed: per tenant, the events in order, appended
//! under the lock of the write they record.

use std::collections::{HashMap, VecDeque};
use std::sync::{MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use scim_schema::DateTime;
use tokio::sync::watch;

use super::InMemoryProvider;
use crate::{Change, ChangeBatch, ChangeCursor, ChangeEvent, ChangeFeed, ProviderError};

/// The feed's settings.
#[derive(Debug)]
pub(super) struct Feed {
    retention: Duration,
}

impl Feed {
    pub(super) fn new(retention: Duration) -> Self {
        Self { retention }
    }

    /// The oldest time an event may have and be kept.
    fn cutoff(&self) -> i64 {
        let retention = i64::try_from(self.retention.as_micros()).unwrap_or(i64::MAX);
        DateTime::now().unix_micros().saturating_sub(retention)
    }
}

/// One tenant's events: sequences `first..=last` with no gap (a special case of
/// increasing), and the last one pruned.
#[derive(Debug, Default)]
pub(super) struct Log {
    last: u64,
    pruned: u64,
    events: VecDeque<ChangeEvent>,
}

impl Log {
    /// Appends `change` as the next event, and drops the events past `feed`'s retention.
    pub(super) fn record(&mut self, feed: &Feed, tenant: &str, change: Change) {
        self.last += 1;
        self.events.push_back(ChangeEvent {
            tenant: tenant.to_owned(),
            sequence: self.last,
            time: DateTime::now_millis(),
            change,
        });
        self.prune(feed.cutoff());
    }

    fn prune(&mut self, cutoff: i64) -> u64 {
        let before = self.events.len();
        while self
            .events
            .front()
            .is_some_and(|e| e.time.unix_micros() < cutoff)
        {
            if let Some(event) = self.events.pop_front() {
                self.pruned = event.sequence;
            }
        }
        (before - self.events.len()) as u64
    }

    fn since(&self, cursor: ChangeCursor, limit: usize) -> ChangeBatch {
        let pruned_through =
            (cursor.sequence() < self.pruned).then(|| ChangeCursor::after(self.pruned));
        let first = self.pruned + 1;
        let skip = (cursor.sequence() + 1).saturating_sub(first);
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        ChangeBatch {
            events: self.events.iter().skip(skip).take(limit).cloned().collect(),
            pruned_through,
        }
    }
}

impl InMemoryProvider {
    /// Turns the change feed on: every write from now on records a [`ChangeEvent`],
    /// kept for `retention` (see [`ChangeFeed`]).
    pub fn with_change_feed(mut self, retention: Duration) -> Self {
        self.feed = Some(Feed::new(retention));
        self
    }

    /// Records `change` in `tenant`'s feed, when the feed is on. Called under the lock
    /// of the write it records, so the feed's order is the order of the writes.
    pub(super) fn record(&self, tenant: &super::Tenant, name: &str, change: Change) {
        let Some(feed) = &self.feed else {
            return;
        };
        tenant.log().record(feed, name, change);
        self.signal.notify();
    }
}

#[async_trait]
impl ChangeFeed for InMemoryProvider {
    async fn changes_since(
        &self,
        tenant: &str,
        cursor: ChangeCursor,
        limit: usize,
    ) -> Result<ChangeBatch, ProviderError> {
        let tenants = self.tenants.read().unwrap_or_else(PoisonError::into_inner);
        Ok(tenants
            .get(tenant)
            .map(|t| t.log().since(cursor, limit))
            .unwrap_or_default())
    }

    async fn change_heads(&self) -> Result<Vec<(String, ChangeCursor)>, ProviderError> {
        let tenants = self.tenants.read().unwrap_or_else(PoisonError::into_inner);
        let mut heads: Vec<(String, ChangeCursor)> = tenants
            .iter()
            .map(|(name, t)| (name.to_string(), ChangeCursor::after(t.log().last)))
            .filter(|(_, head)| *head > ChangeCursor::START)
            .collect();
        heads.sort();
        Ok(heads)
    }

    async fn prune_changes(&self) -> Result<u64, ProviderError> {
        let Some(feed) = &self.feed else {
            return Ok(0);
        };
        let cutoff = feed.cutoff();
        let tenants = self.tenants.read().unwrap_or_else(PoisonError::into_inner);
        Ok(tenants.values().map(|t| t.log().prune(cutoff)).sum())
    }

    async fn load_cursor(
        &self,
        consumer: &str,
        tenant: &str,
    ) -> Result<ChangeCursor, ProviderError> {
        let cursors = self.cursors();
        let key = (consumer.to_owned(), tenant.to_owned());
        Ok(cursors.get(&key).copied().unwrap_or_default())
    }

    async fn save_cursor(
        &self,
        consumer: &str,
        tenant: &str,
        cursor: ChangeCursor,
    ) -> Result<(), ProviderError> {
        let mut cursors = self.cursors();
        cursors.insert((consumer.to_owned(), tenant.to_owned()), cursor);
        Ok(())
    }

    fn change_signal(&self) -> watch::Receiver<u64> {
        self.signal.subscribe()
    }
}

impl InMemoryProvider {
    fn cursors(&self) -> MutexGuard<'_, HashMap<(String, String), ChangeCursor>> {
        self.saved_cursors
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{ChangeCursor, ChangeFeed, InMemoryProvider, RequestContext, ResourceProvider};

    #[tokio::test]
    async fn events_past_the_retention_are_pruned_and_readers_told() {
        let provider = InMemoryProvider::new().with_change_feed(std::time::Duration::ZERO);
        let ctx = RequestContext::default();
        let user =
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a"});
        provider.create(&ctx, "User", user).await.unwrap();
        let batch = provider
            .changes_since(ctx.tenant(), ChangeCursor::START, 10)
            .await
            .unwrap();
        assert!(batch.events.is_empty(), "a retention of zero keeps nothing");
        assert_eq!(batch.pruned_through, Some(ChangeCursor::after(1)));
        let after = provider
            .changes_since(ctx.tenant(), ChangeCursor::after(1), 10)
            .await
            .unwrap();
        assert_eq!(after.pruned_through, None, "nothing after it was pruned");
    }
}
