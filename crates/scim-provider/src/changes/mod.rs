//! Change events: every committed write, recorded with it, read back in order.
//!
//! - [`ChangeEvent`] and [`Change`]: what changed (resource, [`ChangeKind`], versions
//!   after and before), where in its tenant's feed, and when.
//! - [`ChangeFeed`]: the reading side a provider implements, consistent with storage
//!   by construction (the event is written in the write's own transaction or lock).
//! - [`Subscription`]: a tenant's events as an async sequence from a [`ChangeCursor`],
//!   woken by commits, at least once, in order.
//!
//! `docs/events.md` explains ordering, cursors, retention and webhooks.

mod event;
mod feed;
mod subscription;

pub use event::{Change, ChangeCursor, ChangeEvent, ChangeKind};
pub use feed::{ChangeBatch, ChangeFeed, ChangeSignal};
pub use subscription::{Subscription, SubscriptionError};
