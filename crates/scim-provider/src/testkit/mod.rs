//! The provider contract: one function that any [`ResourceProvider`]'s tests call.
//!
//! In a provider's tests (here the in-memory one):
//!
//! ```
//! # let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
//! # rt.block_on(async {
//! // #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
//! // async fn my_provider_keeps_the_contract() {
//! let provider = std::sync::Arc::new(scim_provider::InMemoryProvider::new());
//! scim_provider::testkit::run_provider_contract(provider).await;
//! // }
//! # });
//! ```
//!
//! Every check runs under fresh random tenants, so one provider (one database) can be
//! checked again and again without cleaning up. A failed check panics with a message
//! naming the check and what differed.

mod checks;
mod feed;
mod members;

use std::sync::Arc;

use crate::{ChangeFeed, RequestContext, ResourceProvider};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A fresh tenant for one check.
fn tenant(check: &str) -> RequestContext {
    RequestContext::new(format!(
        "contract-{check}-{}",
        crate::new_id().expect("randomness")
    ))
}

/// Runs every contract check against `provider`:
///
/// - **CRUD**: ids assigned, `meta` maintained, `meta.version` equal to the version,
///   a new version on every change, 404 after delete;
/// - **uniqueness**: `userName` unique per tenant, case-insensitively, on create and
///   replace;
/// - **conditional writes**: a stale version is rejected with the current one, the
///   current version accepted, for update, delete and membership deltas;
/// - **tenant isolation**: an id from tenant A is not found under tenant B in every
///   operation, and lists never cross tenants;
/// - **listing**: filters (indexed and not), sorting, `startIndex`/`count`, `count=0`,
///   cursors that visit every resource once, exact `totalResults`;
/// - **membership**: deltas, derived `User.groups`, removal from groups on delete,
///   [`missing`](ResourceProvider::missing) ids in one call;
/// - **serialized reads**: what [`get_serialized`](ResourceProvider::get_serialized)
///   hands out is the resource [`get`](ResourceProvider::get) returns, but
///   `meta.version`, and never holds a password;
/// - **fetching parts**: [`get_with`](ResourceProvider::get_with) and lists with a
///   [`Fetch`](crate::Fetch) that leaves out members and groups give the rest of the
///   resource unchanged, at the whole resource's version;
/// - **concurrency**: tasks racing conditional updates of one resource: exactly one
///   winner per version, and the final state counts every successful write;
/// - **members that do not exist**: a write naming one is refused unless the context
///   [allows it](crate::RequestContext::allowing_unknown_members); a member deleted
///   while a write adds it ends in no group; a member added to (and removed from) two
///   groups at once has both in its `groups`, at a version that hashes its content;
/// - **member display**: members carry the `display` the writer sent, else the
///   `displayName` (else `userName`) of the resource they name; a rename replaces it
///   with the new name, without a new version of the group; `User.groups` carry the
///   group's current name.
///
/// Run it on a multi-threaded runtime so the concurrency check races for real.
pub async fn run_provider_contract(provider: Arc<dyn ResourceProvider>) {
    checks::crud(&*provider).await;
    checks::uniqueness(&*provider).await;
    checks::conditional_writes(&*provider).await;
    checks::tenant_isolation(&*provider).await;
    checks::listing(&*provider).await;
    checks::membership(&*provider).await;
    checks::missing_members(&*provider).await;
    checks::serialized_reads(&*provider).await;
    checks::fetching_parts(&*provider).await;
    members::unknown_members(&*provider).await;
    members::deleted_while_added(provider.clone()).await;
    members::two_groups_at_once(provider.clone()).await;
    members::member_display(&*provider).await;
    checks::concurrency(provider).await;
}

/// Runs every check of the change feed against `provider`, whose feed must be on with
/// a retention of at least an hour:
///
/// - **one event per committed change**: create, replace, a replace in a
///   [PATCH context](crate::RequestContext::as_patch), membership deltas and deletes
///   each record one event with the version they returned and the one before; a
///   member's delete records a `members_changed` for each group it left; a refused
///   write (a stale version, a taken `userName`, a missing id) and a delta that changes
///   nothing record none;
/// - **order**: sequences increase per tenant, and
///   [`changes_since`](ChangeFeed::changes_since) pages through them from any cursor;
/// - **tenants apart**: a tenant's feed holds only its events, and
///   [`change_heads`](ChangeFeed::change_heads) names each tenant's last;
/// - **cursors**: saved and loaded per consumer and tenant;
/// - **racing writers**: tasks racing conditional updates and creates record exactly
///   one event per success, and each resource's events chain (each one's previous
///   version is the version of the one before);
/// - **reading while writing**: a reader that reads on from the last event it got,
///   while writers race, gets every event exactly once and in order;
/// - **subscriptions**: a [`Subscription`](crate::Subscription) hands out what is
///   there, then wakes for a write made after it started waiting.
///
/// Run it on a multi-threaded runtime so the writers race for real.
pub async fn run_change_feed_contract<P>(provider: Arc<P>)
where
    P: ResourceProvider + ChangeFeed + 'static,
{
    feed::one_event_per_change(&*provider).await;
    feed::refused_writes_record_nothing(&*provider).await;
    feed::tenants_apart(&*provider).await;
    feed::cursors(&*provider).await;
    feed::racing_writers(provider.clone()).await;
    feed::reading_while_writing(provider.clone()).await;
    feed::subscriptions(provider).await;
}
