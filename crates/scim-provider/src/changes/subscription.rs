//! [`Subscription`]: a tenant's changes as an async sequence, resumable from a cursor.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::watch;

use super::{ChangeCursor, ChangeEvent, ChangeFeed};
use crate::ProviderError;

/// Events read per query.
const BATCH: usize = 256;

/// How often a subscription looks for events no signal announced (written by another
/// process on the same database).
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A tenant's changes, in order, from a cursor on: [`next`](Self::next) waits for the
/// next event, so a consumer needs no polling loop of its own.
///
/// Delivery is at least once: a consumer saves [`cursor`](Self::cursor) (or each
/// event's [`cursor`](ChangeEvent::cursor)) once it has acted on the events before it,
/// and resumes there after a restart; events after the saved cursor come again.
/// Events come in the feed's order, so each resource's changes come in the order they
/// were made.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # rt.block_on(async {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use scim_provider::{ChangeCursor, ChangeKind, InMemoryProvider, RequestContext, ResourceProvider, Subscription};
/// use serde_json::json;
///
/// let provider = Arc::new(InMemoryProvider::new().with_change_feed(Duration::from_secs(3600)));
/// let mut changes = Subscription::new(provider.clone(), "default", ChangeCursor::START);
///
/// let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
/// let created = provider.create(&RequestContext::default(), "User", user).await?;
///
/// let event = changes.next().await.unwrap();
/// assert_eq!(event.change.kind, ChangeKind::Created);
/// assert_eq!(event.change.version.as_ref(), Some(created.version()));
/// assert_eq!(changes.cursor(), event.cursor());
/// # Ok::<(), scim_provider::ProviderError>(())
/// # }).unwrap();
/// ```
pub struct Subscription {
    feed: Arc<dyn ChangeFeed>,
    tenant: String,
    cursor: ChangeCursor,
    pending: VecDeque<ChangeEvent>,
    signal: watch::Receiver<u64>,
    poll_interval: Duration,
}

/// Why [`Subscription::next`] returned no event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// Events after the cursor were pruned before they were read: the consumer missed
    /// them and must catch up another way (read the resources again). The subscription
    /// goes on with the oldest event kept.
    #[error(
        "events of tenant {tenant:?} numbered {first} to {last} were pruned before they were read"
    )]
    Missed {
        /// The tenant.
        tenant: String,
        /// The lowest sequence that may have been missed.
        first: u64,
        /// The sequence of the last event pruned.
        last: u64,
    },
    /// The feed could not be read. The cursor has not moved: calling
    /// [`next`](Subscription::next) again tries again.
    #[error(transparent)]
    Provider(#[from] ProviderError),
}

impl Subscription {
    /// The events of `tenant` after `from`.
    pub fn new(feed: Arc<dyn ChangeFeed>, tenant: impl Into<String>, from: ChangeCursor) -> Self {
        let signal = feed.change_signal();
        Self {
            feed,
            tenant: tenant.into(),
            cursor: from,
            pending: VecDeque::new(),
            signal,
            poll_interval: POLL_INTERVAL,
        }
    }

    /// How often to look for events that no signal announced: those other processes
    /// write to the same database (one second unless set).
    pub fn with_poll_interval(mut self, every: Duration) -> Self {
        self.poll_interval = every;
        self
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The cursor after the last event [`next`](Self::next) returned.
    pub fn cursor(&self) -> ChangeCursor {
        self.cursor
    }

    /// The next event, waiting until there is one. Cancel-safe: dropping the future
    /// loses no event.
    pub async fn next(&mut self) -> Result<ChangeEvent, SubscriptionError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.cursor = event.cursor();
                return Ok(event);
            }
            // Seen before the read: a commit after it wakes the wait below.
            self.signal.borrow_and_update();
            let batch = self
                .feed
                .changes_since(&self.tenant, self.cursor, BATCH)
                .await?;
            let missed = batch.pruned_through.map(|through| {
                let first = self.cursor.sequence() + 1;
                self.cursor = self.cursor.max(through);
                SubscriptionError::Missed {
                    tenant: self.tenant.clone(),
                    first,
                    last: through.sequence(),
                }
            });
            let found = !batch.events.is_empty();
            self.pending.extend(batch.events);
            if let Some(missed) = missed {
                return Err(missed);
            }
            if found {
                continue;
            }
            self.wait().await;
        }
    }

    /// Until this process commits an event, or the poll interval passes.
    async fn wait(&mut self) {
        match tokio::time::timeout(self.poll_interval, self.signal.changed()).await {
            Ok(Ok(())) | Err(_) => {}
            // The provider is gone from this process: only the timer is left.
            Ok(Err(_)) => tokio::time::sleep(self.poll_interval).await,
        }
    }

    /// The subscription as a [`Stream`] of what [`next`](Self::next) returns; it never
    /// ends.
    pub fn into_stream(self) -> impl Stream<Item = Result<ChangeEvent, SubscriptionError>> {
        futures_util::stream::unfold(self, |mut subscription| async move {
            let item = subscription.next().await;
            Some((item, subscription))
        })
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("tenant", &self.tenant)
            .field("cursor", &self.cursor)
            .field("pending", &self.pending.len())
            .finish_non_exhaustive()
    }
}
