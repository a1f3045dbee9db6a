//! What the `host_service` example does with change events: it keeps its users'
//! sessions, and revokes them when the identity provider deactivates or deletes the
//! user.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use scim_provider::{
    ChangeEvent, ChangeFeed, ChangeKind, ProviderError, RequestContext, ResourceProvider,
    Subscription, SubscriptionError,
};

/// The name the session follower saves its cursor under.
pub const CONSUMER: &str = "session-revoker";

/// The host service's own state: open sessions by user id.
#[derive(Debug, Default)]
pub struct Sessions {
    by_user: Mutex<HashMap<String, Vec<u64>>>,
    next: Mutex<u64>,
}

impl Sessions {
    /// Opens a session for `user` (a login), and answers its number.
    pub fn open(&self, user: &str) -> u64 {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        *next += 1;
        let mut sessions = self.by_user.lock().unwrap_or_else(PoisonError::into_inner);
        sessions.entry(user.to_owned()).or_default().push(*next);
        *next
    }

    /// How many sessions `user` has.
    pub fn count(&self, user: &str) -> usize {
        let sessions = self.by_user.lock().unwrap_or_else(PoisonError::into_inner);
        sessions.get(user).map_or(0, Vec::len)
    }

    /// Ends every session of `user`; answers how many there were.
    pub fn revoke(&self, user: &str) -> usize {
        let mut sessions = self.by_user.lock().unwrap_or_else(PoisonError::into_inner);
        sessions.remove(user).map_or(0, |s| s.len())
    }
}

/// Follows `tenant`'s changes from where it last got to, revoking the sessions of
/// every user deleted or set `active: false`, and saving its cursor after each event:
/// after a restart it resumes there, and an event it had acted on but not saved comes
/// again (revoking twice is harmless). Returns only when the feed cannot be read.
pub async fn revoke_on_deactivation<P>(
    provider: Arc<P>,
    sessions: Arc<Sessions>,
    tenant: &str,
) -> Result<(), ProviderError>
where
    P: ResourceProvider + ChangeFeed + 'static,
{
    let cursor = provider.load_cursor(CONSUMER, tenant).await?;
    let mut changes = Subscription::new(provider.clone(), tenant, cursor);
    loop {
        let event = match changes.next().await {
            Ok(event) => event,
            Err(SubscriptionError::Missed { first, last, .. }) => {
                // Pruned before we read them: whoever they deactivated, we did not see.
                eprintln!("missed events {first} to {last}: re-check every session");
                continue;
            }
            Err(SubscriptionError::Provider(err)) => return Err(err),
            Err(other) => return Err(ProviderError::invalid(other.to_string())),
        };
        if let Some(user) = deactivated(&*provider, &event).await? {
            let revoked = sessions.revoke(&user);
            println!("user {user} deactivated: {revoked} sessions revoked");
        }
        provider
            .save_cursor(CONSUMER, tenant, changes.cursor())
            .await?;
    }
}

/// The user `event` deletes or leaves inactive, if it does.
async fn deactivated<P: ResourceProvider + ?Sized>(
    provider: &P,
    event: &ChangeEvent,
) -> Result<Option<String>, ProviderError> {
    let change = &event.change;
    if change.resource_type != "User" {
        return Ok(None);
    }
    match change.kind {
        ChangeKind::Deleted => Ok(Some(change.id.clone())),
        ChangeKind::Created | ChangeKind::Replaced | ChangeKind::Patched => {
            let ctx = RequestContext::new(event.tenant.as_str());
            match provider.get(&ctx, "User", &change.id).await {
                Ok(user) if user.resource()["active"] == false => Ok(Some(change.id.clone())),
                Ok(_) => Ok(None),
                // Deleted since: its own event follows.
                Err(ProviderError::NotFound { .. }) => Ok(None),
                Err(err) => Err(err),
            }
        }
        ChangeKind::MembersChanged { .. } => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use scim_provider::InMemoryProvider;
    use serde_json::json;

    use super::*;

    async fn until(what: &str, done: impl Fn() -> bool) {
        for _ in 0..500 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{what}");
    }

    #[tokio::test]
    async fn deactivated_and_deleted_users_lose_their_sessions() {
        let provider =
            Arc::new(InMemoryProvider::new().with_change_feed(Duration::from_secs(3600)));
        let sessions = Arc::new(Sessions::default());
        let ctx = RequestContext::default();
        let user = |name: &str, active: bool| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name, "active": active});
        let ann = provider
            .create(&ctx, "User", user("ann", true))
            .await
            .unwrap();
        let bob = provider
            .create(&ctx, "User", user("bob", true))
            .await
            .unwrap();
        let (ann, bob) = (ann.id().unwrap().to_owned(), bob.id().unwrap().to_owned());
        sessions.open(&ann);
        sessions.open(&ann);
        sessions.open(&bob);
        let follower = tokio::spawn(revoke_on_deactivation(
            provider.clone(),
            sessions.clone(),
            RequestContext::DEFAULT_TENANT,
        ));

        let patching = ctx.clone().as_patch();
        provider
            .replace(&patching, "User", &ann, user("ann", false), None)
            .await
            .unwrap();
        until("ann's sessions revoked", || sessions.count(&ann) == 0).await;
        assert_eq!(sessions.count(&bob), 1, "bob is still active");
        provider.delete(&ctx, "User", &bob, None).await.unwrap();
        until("bob's sessions revoked", || sessions.count(&bob) == 0).await;
        follower.abort();

        // Resumed after a "restart": nothing before the saved cursor comes again.
        sessions.open(&ann);
        let cursor = provider
            .load_cursor(CONSUMER, RequestContext::DEFAULT_TENANT)
            .await
            .unwrap();
        assert_eq!(cursor.sequence(), 4, "two creates, a patch and a delete");
        let follower = tokio::spawn(revoke_on_deactivation(
            provider.clone(),
            sessions.clone(),
            RequestContext::DEFAULT_TENANT,
        ));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(sessions.count(&ann), 1, "old events are not acted on again");
        follower.abort();
    }
}
