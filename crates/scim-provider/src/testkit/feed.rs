//! The checks of [`run_change_feed_contract`](super::run_change_feed_contract).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use scim_schema::DateTime;
use scim_version::ScimVersion;
use serde_json::{Value, json};

use super::{GROUP, USER, tenant};
use crate::{
    ChangeCursor, ChangeEvent, ChangeFeed, ChangeKind, Member, MembershipDelta, ProviderError,
    RequestContext, ResourceProvider, Subscription,
};

/// Writers racing, and the conditional updates each tries.
const WRITERS: usize = 4;
const TRIES: usize = 8;

fn user(name: &str) -> Value {
    json!({"schemas": [USER], "userName": name})
}

fn members(ids: &[&str]) -> MembershipDelta {
    MembershipDelta {
        add: ids
            .iter()
            .map(|id| Member::from_json(&json!({"value": id})).expect("a member"))
            .collect(),
        remove: Vec::new(),
    }
}

/// Every event of the tenant, read in pages of three.
async fn all_events<F: ChangeFeed + ?Sized>(feed: &F, ctx: &RequestContext) -> Vec<ChangeEvent> {
    let mut events = Vec::new();
    let mut cursor = ChangeCursor::START;
    loop {
        let batch = feed
            .changes_since(ctx.tenant(), cursor, 3)
            .await
            .expect("changes_since");
        assert_eq!(batch.pruned_through, None, "nothing was pruned");
        let page = batch.events;
        let Some(last) = page.last() else {
            return events;
        };
        cursor = last.cursor();
        events.extend(page);
    }
}

/// The events as `(kind, id, version, previous version)`, checking what every event
/// must hold: its tenant, increasing sequences, a recent time.
fn summary(
    ctx: &RequestContext,
    events: &[ChangeEvent],
) -> Vec<(ChangeKind, String, Option<ScimVersion>, Option<ScimVersion>)> {
    let now = DateTime::now().unix_micros();
    let mut last = 0;
    for event in events {
        assert_eq!(event.tenant, ctx.tenant(), "an event of another tenant");
        assert!(event.sequence > last, "sequences increase");
        last = event.sequence;
        let age = now - event.time.unix_micros();
        assert!(
            (-60_000_000..60_000_000).contains(&age),
            "an event's time is when it was written: {}",
            event.time
        );
    }
    events
        .iter()
        .map(|e| {
            let c = &e.change;
            (
                c.kind.clone(),
                c.id.clone(),
                c.version.clone(),
                c.previous_version.clone(),
            )
        })
        .collect()
}

pub(super) async fn one_event_per_change<P: ResourceProvider + ChangeFeed>(provider: &P) {
    let ctx = tenant("feed-each");
    let alice = provider
        .create(&ctx, "User", user("alice"))
        .await
        .expect("create");
    let a = alice.id().expect("id").to_owned();
    let bob = provider
        .create(&ctx, "User", user("bob"))
        .await
        .expect("create");
    let b = bob.id().expect("id").to_owned();
    let replaced = provider
        .replace(&ctx, "User", &a, user("alice2"), Some(alice.version()))
        .await
        .expect("replace");
    let patching = ctx.clone().as_patch();
    let patched = provider
        .replace(&patching, "User", &a, user("alice3"), None)
        .await
        .expect("patch");
    let body = json!({"schemas": [GROUP], "displayName": "g", "members": [{"value": a}]});
    let group = provider
        .create(&ctx, "Group", body)
        .await
        .expect("create group");
    let g = group.id().expect("id").to_owned();
    let joined = provider
        .update_members(&ctx, "Group", &g, &members(&[&b]), None)
        .await
        .expect("delta");
    // Nothing changes: no event.
    let again = provider
        .update_members(&ctx, "Group", &g, &members(&[&b]), None)
        .await
        .expect("delta");
    assert_eq!(
        again, joined,
        "a delta that changes nothing keeps the version"
    );
    provider
        .delete(&ctx, "User", &a, None)
        .await
        .expect("delete");
    let after_delete = provider.get(&ctx, "Group", &g).await.expect("group");
    provider
        .delete(&ctx, "Group", &g, None)
        .await
        .expect("delete group");

    let events = all_events(provider, &ctx).await;
    let v = |r: &crate::VersionedResource| Some(r.version().clone());
    let expected = vec![
        (ChangeKind::Created, a.clone(), v(&alice), None),
        (ChangeKind::Created, b.clone(), v(&bob), None),
        (ChangeKind::Replaced, a.clone(), v(&replaced), v(&alice)),
        (ChangeKind::Patched, a.clone(), v(&patched), v(&replaced)),
        (ChangeKind::Created, g.clone(), v(&group), None),
        (
            ChangeKind::MembersChanged {
                added: vec![b.clone()],
                removed: vec![],
            },
            g.clone(),
            Some(joined.clone()),
            v(&group),
        ),
        (ChangeKind::Deleted, a.clone(), None, None),
        (
            ChangeKind::MembersChanged {
                added: vec![],
                removed: vec![a.clone()],
            },
            g.clone(),
            v(&after_delete),
            Some(joined),
        ),
        (ChangeKind::Deleted, g.clone(), None, v(&after_delete)),
    ];
    let mut got = summary(&ctx, &events);
    // A user's version moves when its groups do: the deleted one's last version is
    // whatever it was then.
    assert!(got[6].3.is_some(), "a delete names the version it deleted");
    got[6].3 = None;
    assert_eq!(got, expected, "one event per committed change, in order");
    assert_eq!(
        provider
            .change_heads()
            .await
            .expect("heads")
            .iter()
            .find(|(t, _)| t == ctx.tenant()),
        Some(&(ctx.tenant().to_owned(), events[8].cursor())),
        "the head is the last event"
    );
    let tail = provider
        .changes_since(ctx.tenant(), events[6].cursor(), 100)
        .await
        .expect("changes_since");
    assert_eq!(tail.events, events[7..], "from a cursor, what follows it");
}

pub(super) async fn refused_writes_record_nothing<P: ResourceProvider + ChangeFeed>(provider: &P) {
    let ctx = tenant("feed-refused");
    let created = provider
        .create(&ctx, "User", user("carol"))
        .await
        .expect("create");
    let id = created.id().expect("id").to_owned();
    let current = provider
        .replace(&ctx, "User", &id, user("carol2"), None)
        .await
        .expect("replace");
    let stale = provider
        .replace(&ctx, "User", &id, user("carol3"), Some(created.version()))
        .await;
    assert!(
        matches!(stale, Err(ProviderError::VersionMismatch(_))),
        "{stale:?}"
    );
    let stale = provider
        .delete(&ctx, "User", &id, Some(created.version()))
        .await;
    assert!(
        matches!(stale, Err(ProviderError::VersionMismatch(_))),
        "{stale:?}"
    );
    let taken = provider.create(&ctx, "User", user("CAROL2")).await;
    assert!(
        matches!(taken, Err(ProviderError::Uniqueness { .. })),
        "{taken:?}"
    );
    let missing = provider.delete(&ctx, "User", "no-such-id", None).await;
    assert!(
        matches!(missing, Err(ProviderError::NotFound { .. })),
        "{missing:?}"
    );
    let events = all_events(provider, &ctx).await;
    let kinds: Vec<ChangeKind> = summary(&ctx, &events).into_iter().map(|e| e.0).collect();
    assert_eq!(
        kinds,
        [ChangeKind::Created, ChangeKind::Replaced],
        "refused writes record nothing"
    );
    assert_eq!(events[1].change.version.as_ref(), Some(current.version()));
}

pub(super) async fn tenants_apart<P: ResourceProvider + ChangeFeed>(provider: &P) {
    let (one, two) = (tenant("feed-one"), tenant("feed-two"));
    provider
        .create(&one, "User", user("dave"))
        .await
        .expect("create");
    provider
        .create(&two, "User", user("dave"))
        .await
        .expect("create");
    provider
        .create(&two, "User", user("erin"))
        .await
        .expect("create");
    let (of_one, of_two) = (
        all_events(provider, &one).await,
        all_events(provider, &two).await,
    );
    assert_eq!((of_one.len(), of_two.len()), (1, 2));
    let heads = provider.change_heads().await.expect("heads");
    let head = |ctx: &RequestContext| heads.iter().find(|(t, _)| t == ctx.tenant()).map(|h| h.1);
    assert_eq!(head(&one), Some(of_one[0].cursor()));
    assert_eq!(head(&two), Some(of_two[1].cursor()));
    let none = provider
        .changes_since(tenant("feed-none").tenant(), ChangeCursor::START, 10)
        .await
        .expect("changes_since");
    assert!(
        none.events.is_empty(),
        "a tenant without writes has no events"
    );
}

pub(super) async fn cursors<P: ChangeFeed>(provider: &P) {
    let (one, two) = (tenant("feed-cursor-a"), tenant("feed-cursor-b"));
    let consumer = format!("contract-{}", crate::new_id().expect("randomness"));
    let load = async |t: &RequestContext, c: &str| provider.load_cursor(c, t.tenant()).await;
    assert_eq!(
        load(&one, &consumer).await.expect("load"),
        ChangeCursor::START
    );
    provider
        .save_cursor(&consumer, one.tenant(), ChangeCursor::after(5))
        .await
        .expect("save");
    provider
        .save_cursor(&consumer, one.tenant(), ChangeCursor::after(7))
        .await
        .expect("save again");
    assert_eq!(
        load(&one, &consumer).await.expect("load"),
        ChangeCursor::after(7)
    );
    assert_eq!(
        load(&two, &consumer).await.expect("load"),
        ChangeCursor::START
    );
    assert_eq!(
        load(&one, "another").await.expect("load"),
        ChangeCursor::START
    );
}

pub(super) async fn racing_writers<P: ResourceProvider + ChangeFeed + 'static>(provider: Arc<P>) {
    let ctx = tenant("feed-race");
    let created = provider
        .create(&ctx, "User", user("race"))
        .await
        .expect("create");
    let id = created.id().expect("id").to_owned();
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (provider, ctx, id) = (provider.clone(), ctx.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let mut won = 0;
            for attempt in 0..TRIES {
                let current = provider.get(&ctx, "User", &id).await.expect("get");
                let body = user(&format!("race-{writer}-{attempt}"));
                match provider
                    .replace(&ctx, "User", &id, body, Some(current.version()))
                    .await
                {
                    Ok(_) => won += 1,
                    Err(ProviderError::VersionMismatch(_)) => {}
                    Err(other) => panic!("racing replace: {other}"),
                }
                let extra = user(&format!("extra-{writer}-{attempt}"));
                provider.create(&ctx, "User", extra).await.expect("create");
            }
            won
        }));
    }
    let mut won = 0;
    for task in tasks {
        won += task.await.expect("a writer");
    }
    let events = all_events(&*provider, &ctx).await;
    summary(&ctx, &events);
    assert_eq!(
        events.len(),
        1 + won + WRITERS * TRIES,
        "one event per successful write, none per refused one"
    );
    let mut last: HashMap<&str, Option<&ScimVersion>> = HashMap::new();
    for event in &events {
        let c = &event.change;
        if let Some(before) = last.get(c.id.as_str()) {
            assert_eq!(
                c.previous_version.as_ref(),
                *before,
                "a resource's events come in the order of its writes"
            );
        }
        last.insert(&c.id, c.version.as_ref());
    }
}

/// A reader that follows writers while they write, each read starting after the last
/// event it got, ends with every event exactly once: none committed below a number it
/// had already passed.
pub(super) async fn reading_while_writing<P: ResourceProvider + ChangeFeed + 'static>(
    provider: Arc<P>,
) {
    let ctx = tenant("feed-follow");
    let mut writers = Vec::new();
    for writer in 0..WRITERS {
        let (provider, ctx) = (provider.clone(), ctx.clone());
        writers.push(tokio::spawn(async move {
            for n in 0..TRIES * 3 {
                let body = user(&format!("follow-{writer}-{n}"));
                provider.create(&ctx, "User", body).await.expect("create");
            }
        }));
    }
    let mut seen = Vec::new();
    let mut cursor = ChangeCursor::START;
    let mut writing = true;
    while writing {
        writing = !writers.iter().all(tokio::task::JoinHandle::is_finished);
        let batch = provider
            .changes_since(ctx.tenant(), cursor, 7)
            .await
            .expect("changes_since");
        if let Some(last) = batch.events.last() {
            cursor = last.cursor();
            writing = true;
        }
        seen.extend(batch.events);
        tokio::task::yield_now().await;
    }
    for writer in writers {
        writer.await.expect("a writer");
    }
    assert_eq!(
        seen,
        all_events(&*provider, &ctx).await,
        "read while written, every event once and in order"
    );
    assert_eq!(seen.len(), WRITERS * TRIES * 3);
}

pub(super) async fn subscriptions<P: ResourceProvider + ChangeFeed + 'static>(provider: Arc<P>) {
    let ctx = tenant("feed-subscribe");
    provider
        .create(&ctx, "User", user("first"))
        .await
        .expect("create");
    let mut subscription = Subscription::new(provider.clone(), ctx.tenant(), ChangeCursor::START)
        .with_poll_interval(Duration::from_secs(30));
    let first = subscription.next().await.expect("the first event");
    assert_eq!(subscription.cursor(), first.cursor());
    let writer = {
        let (provider, ctx) = (provider.clone(), ctx.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            provider
                .create(&ctx, "User", user("second"))
                .await
                .expect("create")
        })
    };
    // The poll interval is long: only the commit's signal wakes it in time.
    let second = tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .expect("woken by the write")
        .expect("the second event");
    let written = writer.await.expect("the writer");
    assert_eq!(second.change.version.as_ref(), Some(written.version()));
    assert_eq!(subscription.cursor(), second.cursor());
    let resumed = Subscription::new(provider, ctx.tenant(), first.cursor())
        .next()
        .await
        .expect("resumed");
    assert_eq!(
        resumed, second,
        "resuming from a cursor gives what follows it"
    );
}
