//! Per-tenant limits: a request rate and a number of requests in progress (`429` with
//! `Retry-After` beyond either, as Entra ID and Okta expect), and a time limit per
//! request (`503` with `Retry-After`). Every limit is off unless set.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use scim_ops::{ErrorKind, ScimError};

/// What each tenant may ask of a [`ScimService`](crate::ScimService), in
/// [`HttpConfig::limits`](crate::HttpConfig). Each tenant is counted on its own, so one
/// tenant's burst never throttles another. Nothing is limited by default.
///
/// ```
/// use std::num::NonZeroU32;
/// use std::time::Duration;
/// use scim_http::{HttpConfig, Limits, Rate};
///
/// let config = HttpConfig {
///     limits: Limits {
///         rate: Some(Rate::per_second(NonZeroU32::new(50).unwrap())),
///         max_in_flight: Some(64),
///         timeout: Some(Duration::from_secs(30)),
///         ..Limits::default()
///     },
///     ..HttpConfig::default()
/// };
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// How many requests a second each tenant may make (`429` beyond); `None`: any.
    pub rate: Option<Rate>,
    /// How many requests of one tenant may be in progress at once (`429` beyond);
    /// `None`: any.
    pub max_in_flight: Option<usize>,
    /// How long a request may take, its body's reading included (`503` beyond); `None`:
    /// no limit. Needs a Tokio runtime with its timer, as axum, warp and actix-web
    /// run on. A write cut off by it may or may not have been applied: a client that
    /// retries with `If-Match` finds out which.
    pub timeout: Option<Duration>,
    /// The largest request body a tenant may send, in bytes (`413` beyond), checked
    /// once the tenant is known; `None`: no limit but
    /// [`HttpConfig::max_body_size`](crate::HttpConfig::max_body_size), which bounds
    /// what is read before the tenant is known, so a larger value has no effect.
    pub max_body_size: Option<usize>,
    /// Tenants whose rate or body size differs from the rest, by tenant.
    pub tenants: HashMap<String, TenantLimits>,
}

/// What one tenant named in [`Limits::tenants`] may ask, in place of what the others
/// may.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantLimits {
    /// The tenant's request rate, in place of [`Limits::rate`]; `None`: any.
    pub rate: Option<Rate>,
    /// The tenant's largest request body, in place of [`Limits::max_body_size`].
    pub max_body_size: Option<usize>,
}

impl Limits {
    /// The limits of `tenant`'s own entry, if it has one.
    fn of(&self, tenant: &str) -> Option<&TenantLimits> {
        self.tenants.get(tenant)
    }

    /// The request rate of `tenant`.
    pub(crate) fn rate_of(&self, tenant: &str) -> Option<Rate> {
        self.of(tenant).map_or(self.rate, |own| own.rate)
    }

    /// The largest body `tenant` may send.
    pub(crate) fn body_size_of(&self, tenant: &str) -> Option<usize> {
        self.of(tenant)
            .map_or(self.max_body_size, |own| own.max_body_size)
    }
}

/// A request rate: a token bucket that fills at `per_second` tokens a second and
/// holds at most `burst`; each request takes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    per_second: NonZeroU32,
    burst: NonZeroU32,
}

impl Rate {
    /// `per_second` requests a second, and as many at once.
    pub const fn per_second(per_second: NonZeroU32) -> Self {
        Self {
            per_second,
            burst: per_second,
        }
    }

    /// The same rate, with up to `burst` requests at once.
    pub const fn with_burst(self, burst: NonZeroU32) -> Self {
        Self { burst, ..self }
    }

    /// Requests a second.
    pub const fn per_second_limit(&self) -> NonZeroU32 {
        self.per_second
    }

    /// Requests at once.
    pub const fn burst(&self) -> NonZeroU32 {
        self.burst
    }
}

/// The limits and what each tenant is using of them.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    limits: Limits,
    /// Shared with the limiters [`carried_over`](Self::carried_over) from this one.
    tenants: Arc<RwLock<HashMap<Arc<str>, Arc<Usage>>>>,
}

/// One tenant's use of its limits.
#[derive(Debug)]
struct Usage {
    bucket: Mutex<Bucket>,
    in_flight: AtomicUsize,
}

impl Usage {
    /// Counts one more request in progress, unless `max` already are (`429`).
    fn enter(usage: &Arc<Self>, max: usize) -> Result<Admission, ScimError> {
        // Counted first, so that the count never misses a request let in; a refused
        // one is uncounted when its admission drops.
        let admission = Admission(Some(usage.clone()));
        match usage.in_flight.fetch_add(1, Ordering::Acquire) < max {
            true => Ok(admission),
            false => Err(too_many(
                format!("this tenant already has {max} requests in progress"),
                Duration::from_secs(1),
            )),
        }
    }
}

/// A request let in; while it lives, it counts as in progress.
#[derive(Debug)]
pub(crate) struct Admission(Option<Arc<Usage>>);

impl Drop for Admission {
    fn drop(&mut self) {
        if let Some(usage) = &self.0 {
            usage.in_flight.fetch_sub(1, Ordering::Release);
        }
    }
}

impl Limiter {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            tenants: Arc::default(),
        }
    }

    /// A limiter of `limits` that goes on with what each tenant is using of this one:
    /// its requests in progress stay counted, and its bucket keeps its tokens (within
    /// the new burst).
    pub(crate) fn carried_over(&self, limits: Limits) -> Self {
        Self {
            limits,
            tenants: self.tenants.clone(),
        }
    }

    /// The time limit of a request.
    pub(crate) fn timeout(&self) -> Option<Duration> {
        self.limits.timeout
    }

    /// Lets one request of `tenant` in, or says why not (`429`).
    pub(crate) fn admit(&self, tenant: &Arc<str>) -> Result<Admission, ScimError> {
        let max_in_flight = self.limits.max_in_flight;
        let rate = self.limits.rate_of(tenant);
        if rate.is_none() && max_in_flight.is_none() {
            return Ok(Admission(None));
        }
        let usage = self.usage(tenant, rate);
        let admission = match max_in_flight {
            Some(max) => Usage::enter(&usage, max)?,
            None => Admission(None),
        };
        if let Some(rate) = rate {
            let mut bucket = usage.bucket.lock().unwrap_or_else(|e| e.into_inner());
            bucket.take(rate, Instant::now()).map_err(|wait| {
                let limit = rate.per_second;
                too_many(
                    format!("this tenant is over its rate of {limit} requests a second"),
                    wait,
                )
            })?;
        }
        Ok(admission)
    }

    /// What `tenant` is using, made on its first request.
    fn usage(&self, tenant: &Arc<str>, rate: Option<Rate>) -> Arc<Usage> {
        let known = self.tenants.read().unwrap_or_else(|e| e.into_inner());
        if let Some(usage) = known.get(tenant) {
            return usage.clone();
        }
        drop(known);
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        let usage = tenants.entry(tenant.clone()).or_insert_with(|| {
            Arc::new(Usage {
                bucket: Mutex::new(Bucket::full(rate, Instant::now())),
                in_flight: AtomicUsize::new(0),
            })
        });
        usage.clone()
    }
}

/// The `429`.
fn too_many(detail: String, wait: Duration) -> ScimError {
    ScimError::new(ErrorKind::TooManyRequests, detail).with_retry_after(wait)
}

/// The `503` of a request over its time limit.
pub(crate) fn timed_out(limit: Duration) -> ScimError {
    ScimError::new(
        ErrorKind::Unavailable,
        format!(
            "the request was not answered within {} ms",
            limit.as_millis()
        ),
    )
    .with_retry_after(Duration::from_secs(1))
}

/// A token bucket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A bucket holding its whole burst; without a rate, whatever burst a rate given
    /// later (by a limiter carried over) has.
    fn full(rate: Option<Rate>, now: Instant) -> Self {
        Self {
            tokens: rate.map_or(f64::INFINITY, |rate| f64::from(rate.burst.get())),
            at: now,
        }
    }

    /// Takes one request's token at `now`, or says how long until there is one.
    fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let per_second = f64::from(rate.per_second.get());
        let filled = now.saturating_duration_since(self.at).as_secs_f64() * per_second;
        self.tokens = (self.tokens + filled).min(f64::from(rate.burst.get()));
        self.at = now.max(self.at);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - self.tokens) / per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(per_second: u32, burst: u32) -> Rate {
        Rate::per_second(NonZeroU32::new(per_second).unwrap())
            .with_burst(NonZeroU32::new(burst).unwrap())
    }

    #[test]
    fn a_bucket_lets_its_burst_through_then_its_rate() {
        let rate = rate(2, 3);
        let start = Instant::now();
        let mut bucket = Bucket::full(Some(rate), start);
        for _ in 0..3 {
            assert_eq!(bucket.take(rate, start), Ok(()));
        }
        let wait = bucket.take(rate, start).unwrap_err();
        assert_eq!(
            wait,
            Duration::from_millis(500),
            "one token every half second"
        );
        let later = start + Duration::from_millis(500);
        assert_eq!(bucket.take(rate, later), Ok(()));
        assert!(bucket.take(rate, later).is_err());
        // A long pause fills it to its burst, no more.
        let much_later = later + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(bucket.take(rate, much_later), Ok(()));
        }
        assert!(bucket.take(rate, much_later).is_err());
    }

    #[test]
    fn each_tenant_has_its_own_rate() {
        let limiter = Limiter::new(Limits {
            rate: Some(rate(1, 2)),
            ..Limits::default()
        });
        let (acme, other): (Arc<str>, Arc<str>) = ("acme".into(), "other".into());
        assert!(limiter.admit(&acme).is_ok());
        assert!(limiter.admit(&acme).is_ok());
        let refused = limiter.admit(&acme).unwrap_err();
        assert_eq!(refused.status(), 429);
        assert!(
            refused
                .retry_after
                .is_some_and(|w| w <= Duration::from_secs(1))
        );
        assert!(
            limiter.admit(&other).is_ok(),
            "another tenant is not throttled"
        );
    }

    #[test]
    fn requests_in_progress_are_counted_until_answered() {
        let limiter = Limiter::new(Limits {
            max_in_flight: Some(2),
            ..Limits::default()
        });
        let acme: Arc<str> = "acme".into();
        let first = limiter.admit(&acme).unwrap();
        let second = limiter.admit(&acme).unwrap();
        let refused = limiter.admit(&acme).unwrap_err();
        assert_eq!(
            (refused.status().as_u16(), refused.retry_after),
            (429, Some(Duration::from_secs(1)))
        );
        assert!(limiter.admit(&"other".into()).is_ok());
        drop(first);
        let third = limiter
            .admit(&acme)
            .expect("one finished, one more may start");
        drop((second, third));
        assert_eq!(
            limiter.usage(&acme, None).in_flight.load(Ordering::Relaxed),
            0
        );
    }

    #[test]
    fn a_limiter_carried_over_goes_on_counting() {
        let acme: Arc<str> = "acme".into();
        let one_at_a_time = Limits {
            max_in_flight: Some(1),
            ..Limits::default()
        };
        let before = Limiter::new(one_at_a_time.clone());
        let running = before.admit(&acme).unwrap();
        // A tenant without a rate so far gets one: its bucket starts at the new burst.
        let after = before.carried_over(Limits {
            rate: Some(rate(1, 2)),
            ..one_at_a_time
        });
        assert_eq!(
            after.admit(&acme).unwrap_err().status(),
            429,
            "the request in progress under the old limits still counts"
        );
        drop(running);
        drop(after.admit(&acme).expect("the burst's first"));
        drop(after.admit(&acme).expect("the burst's second"));
        assert_eq!(after.admit(&acme).unwrap_err().status(), 429);
        // Carried over again, the bucket is still empty: a reload does not refill it.
        let again = after.carried_over(Limits {
            rate: Some(rate(1, 5)),
            ..Limits::default()
        });
        assert_eq!(again.admit(&acme).unwrap_err().status(), 429);
        assert!(Limiter::new(again.limits.clone()).admit(&acme).is_ok());
    }

    #[test]
    fn no_limits_keep_no_state() {
        let limiter = Limiter::default();
        for _ in 0..1000 {
            assert!(limiter.admit(&"acme".into()).is_ok());
        }
        assert!(limiter.tenants.read().unwrap().is_empty());
    }
}
