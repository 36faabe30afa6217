//! What one organisation may ask of the API, so that one tenant cannot crowd out the
//! others: a request rate (a token bucket per organisation, on each replica), a number of
//! queued jobs (across replicas, read from the database), and how many profile
//! validations run at once (they run modules in the request path, beside the workers'
//! instances), in all and per organisation. Past a limit the API answers 429
//! `rate_limited` with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Default requests per second an organisation may make on one replica.
pub const DEFAULT_RATE_PER_ORG: f64 = 50.0;
/// Default burst above that rate.
pub const DEFAULT_BURST_PER_ORG: f64 = 100.0;
/// Default jobs an organisation may have waiting.
pub const DEFAULT_MAX_QUEUED_PER_ORG: i64 = 1000;
/// Default profile validations running at once on one replica.
pub const DEFAULT_VALIDATIONS: usize = 8;

/// The limits. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quotas {
    /// Requests per second per organisation, on each replica.
    pub rate_per_org: f64,
    /// Requests an idle organisation may make at once.
    pub burst_per_org: f64,
    /// Jobs an organisation may have waiting to run.
    pub max_queued_per_org: i64,
    /// Profile validations running at once on this replica.
    pub validations: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Self {
            rate_per_org: DEFAULT_RATE_PER_ORG,
            burst_per_org: DEFAULT_BURST_PER_ORG,
            max_queued_per_org: DEFAULT_MAX_QUEUED_PER_ORG,
            validations: DEFAULT_VALIDATIONS,
        }
    }
}

/// Validations one organisation may run at once: a quarter of the replica's, so that
/// one organisation's burst leaves room for the others' submissions.
pub fn validations_per_org(quotas: &Quotas) -> usize {
    (quotas.validations / 4).max(1)
}

/// Profile validations running at once: in all, and per organisation.
#[derive(Debug)]
pub(crate) struct Validations {
    all: std::sync::Arc<tokio::sync::Semaphore>,
    per_org: usize,
    running: Mutex<HashMap<String, usize>>,
}

/// A validation's place; given back when dropped.
pub(crate) struct ValidationSlot<'a> {
    validations: &'a Validations,
    org: String,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Validations {
    pub(crate) fn new(quotas: &Quotas) -> Self {
        Self {
            all: std::sync::Arc::new(tokio::sync::Semaphore::new(quotas.validations.max(1))),
            per_org: validations_per_org(quotas),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// A place for one of `org`'s validations, or `None` when the organisation has its
    /// share running or the replica is full.
    pub(crate) fn try_start(&self, org: &str) -> Option<ValidationSlot<'_>> {
        let mut running = self.lock();
        let count = running.entry(org.to_owned()).or_insert(0);
        if *count >= self.per_org {
            return None;
        }
        let permit = self.all.clone().try_acquire_owned().ok()?;
        *count += 1;
        Some(ValidationSlot {
            validations: self,
            org: org.to_owned(),
            _permit: permit,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.running
            .lock()
            .expect("the validations' lock is never poisoned")
    }
}

impl Drop for ValidationSlot<'_> {
    fn drop(&mut self) {
        let mut running = self.validations.lock();
        if let Some(count) = running.get_mut(&self.org) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.org);
            }
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A token bucket per organisation.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub(crate) fn new(quotas: &Quotas) -> Self {
        Self {
            rate: quotas.rate_per_org.max(f64::MIN_POSITIVE),
            burst: quotas.burst_per_org.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request of `org`'s allowance, or says how long until there is one.
    pub(crate) fn take(&self, org: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self
            .buckets
            .lock()
            .expect("the rate limiter's lock is never poisoned");
        let bucket = buckets.entry(org.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_organisation_takes_a_quarter_of_the_validations() {
        let validations = Validations::new(&Quotas {
            validations: 8,
            ..Quotas::default()
        });
        let a: Vec<_> = (0..2).filter_map(|_| validations.try_start("a")).collect();
        assert_eq!(a.len(), 2);
        assert!(validations.try_start("a").is_none(), "a has its share");
        let b = validations.try_start("b");
        assert!(b.is_some(), "b still finds room");
        drop(a);
        assert!(validations.try_start("a").is_some(), "places come back");
    }

    #[test]
    fn a_burst_then_the_rate_and_organisations_apart() {
        let limiter = RateLimiter::new(&Quotas {
            rate_per_org: 10.0,
            burst_per_org: 3.0,
            ..Quotas::default()
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take("a", t0).is_ok());
        }
        let wait = limiter.take("a", t0).unwrap_err();
        assert!(
            wait > Duration::from_millis(90) && wait <= Duration::from_millis(100),
            "{wait:?}"
        );
        assert!(
            limiter.take("b", t0).is_ok(),
            "another organisation has its own bucket"
        );
        assert!(limiter.take("a", t0 + Duration::from_millis(100)).is_ok());
        assert!(limiter.take("a", t0 + Duration::from_millis(100)).is_err());
    }
}
