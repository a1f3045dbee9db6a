//! [`ChangeFeed`]: reading a provider's committed changes, and [`ChangeSignal`], which
//! wakes readers when this process commits one.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

use super::{ChangeCursor, ChangeEvent};

use crate::ProviderError;

/// The change feed of a provider that records one: every committed write as a
/// [`ChangeEvent`], per tenant, in commit order.
///
/// **Implementing this trait is a promise of consistency with storage.** The event is
/// recorded in the same atomic step as the write (the same SQL transaction, the same
/// lock): an acknowledged write always has exactly one event per resource it changed,
/// and a refused or rolled-back write has none. Within a tenant, sequences increase in
/// the order the writes committed (they need not be consecutive), and
/// [`changes_since`](Self::changes_since) never answers an event while one numbered
/// below it may still commit: reading on from the last event read never skips one.
/// Only [pruning](Self::prune_changes) removes events, oldest first.
///
/// A provider records events only when its feed is turned on (the in-memory and SQL
/// providers take a retention to turn it on); while it is off, writes record nothing.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Up to `limit` events of `tenant` after `cursor`, in order, and whether events
    /// after `cursor` were pruned before they could be read.
    async fn changes_since(
        &self,
        tenant: &str,
        cursor: ChangeCursor,
        limit: usize,
    ) -> Result<ChangeBatch, ProviderError>;

    /// Every tenant that has recorded an event, with the cursor after its latest one.
    async fn change_heads(&self) -> Result<Vec<(String, ChangeCursor)>, ProviderError>;

    /// Removes the events older than the feed's retention; returns how many. The
    /// in-memory feed prunes as it records; a SQL feed prunes when this is called (the
    /// `scim-server` binary calls it every minute).
    async fn prune_changes(&self) -> Result<u64, ProviderError>;

    /// The cursor `consumer` last [saved](Self::save_cursor) for `tenant`, or
    /// [`ChangeCursor::START`].
    async fn load_cursor(
        &self,
        consumer: &str,
        tenant: &str,
    ) -> Result<ChangeCursor, ProviderError>;

    /// Keeps `consumer`'s cursor for `tenant`, where the store keeps its data (a SQL
    /// feed's cursors survive a restart; the in-memory feed's live as long as it does).
    async fn save_cursor(
        &self,
        consumer: &str,
        tenant: &str,
        cursor: ChangeCursor,
    ) -> Result<(), ProviderError>;

    /// Changes when this process commits an event. Writes from other processes (other
    /// `scim-server` instances on one database) do not signal: readers also look again
    /// on a timer ([`Subscription`](crate::Subscription) does).
    fn change_signal(&self) -> watch::Receiver<u64>;
}

/// What [`ChangeFeed::changes_since`] answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeBatch {
    /// The events after the cursor, in order.
    pub events: Vec<ChangeEvent>,
    /// Set when events after the cursor were pruned before this read: the cursor after
    /// the last event pruned. The events answered all follow it.
    pub pruned_through: Option<ChangeCursor>,
}

/// The sending side of [`ChangeFeed::change_signal`], for providers: a counter that
/// [`notify`](Self::notify) moves after each commit that recorded events.
#[derive(Debug, Clone)]
pub struct ChangeSignal(Arc<watch::Sender<u64>>);

impl Default for ChangeSignal {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(0)))
    }
}

impl ChangeSignal {
    /// Wakes every receiver.
    pub fn notify(&self) {
        self.0.send_modify(|count| *count = count.wrapping_add(1));
    }

    /// A receiver, woken by the next [`notify`](Self::notify).
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }
}
