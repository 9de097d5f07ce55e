//! The service's rate limits: a token bucket per partner tenant and one per partner and
//! customer, as the throttling guidance describes them. A bucket holds one second of requests
//! and refills at its rate; a request finding it empty gets 429 with the seconds until it
//! holds a request again. The rates can change while the emulator runs (the service
//! "dynamically adjusts" a tenant's), for tests and benchmarks of clients that learn them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};

/// Past this many buckets per limit, the full ones (idle for as long as a refill takes) are
/// dropped, which loses nothing: a new bucket starts full.
const MAX_BUCKETS: usize = 10_000;

/// Requests per second, per tenant and per tenant and customer; `None` is no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Rates {
    pub tenant: Option<f64>,
    pub customer: Option<f64>,
}

impl Rates {
    fn any(&self) -> bool {
        self.tenant.is_some() || self.customer.is_some()
    }
}

#[derive(Debug)]
pub(crate) struct RateLimits {
    /// Whether any rate is set: read on every request without the lock.
    any: AtomicBool,
    buckets: Mutex<Buckets>,
}

#[derive(Debug, Default)]
struct Buckets {
    rates: Rates,
    tenants: Pruned<u64>,
    customers: Pruned<(u64, String)>,
}

/// A map of buckets, pruned when it has grown past twice what was left the last time, so a
/// map of buckets that are all in use is not scanned on every request.
#[derive(Debug)]
struct Pruned<K> {
    buckets: HashMap<K, Bucket>,
    next_prune: usize,
}

impl<K> Default for Pruned<K> {
    fn default() -> Self {
        Self {
            buckets: HashMap::new(),
            next_prune: MAX_BUCKETS,
        }
    }
}

impl<K: Eq + std::hash::Hash> Pruned<K> {
    fn bucket(&mut self, key: K, rate: f64, now: DateTime<Utc>) -> &mut Bucket {
        if self.buckets.len() >= self.next_prune {
            self.buckets.retain(|_, bucket| {
                bucket.refill(rate, now);
                bucket.tokens < capacity(rate)
            });
            self.next_prune = MAX_BUCKETS.max(self.buckets.len() * 2);
        }
        self.buckets
            .entry(key)
            .or_insert_with(|| Bucket::full(rate, now))
    }
}

#[derive(Clone, Copy, Debug)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

impl Bucket {
    fn full(rate: f64, now: DateTime<Utc>) -> Self {
        Self {
            tokens: capacity(rate),
            at: now,
        }
    }

    /// The tokens now; the clock never runs back.
    fn refill(&mut self, rate: f64, now: DateTime<Utc>) {
        let elapsed = (now - self.at).as_seconds_f64().max(0.0);
        self.tokens = (self.tokens + elapsed * rate).min(capacity(rate));
        self.at = self.at.max(now);
    }

    /// Whole seconds until the bucket holds a request again (at least one: `Retry-After` is
    /// in whole seconds); `None` when it holds one now.
    fn wait(&self, rate: f64) -> Option<u64> {
        (self.tokens < 1.0).then(|| ((1.0 - self.tokens) / rate).ceil().max(1.0) as u64)
    }
}

/// One second of requests, and at least one.
fn capacity(rate: f64) -> f64 {
    rate.max(1.0)
}

impl RateLimits {
    pub fn new(rates: Rates) -> Self {
        Self {
            any: AtomicBool::new(rates.any()),
            buckets: Mutex::new(Buckets {
                rates,
                ..Buckets::default()
            }),
        }
    }

    pub fn any(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    /// The rates from now on. A bucket keeps the requests it holds, within its new size; one
    /// whose limit is lifted is dropped, and starts full if the limit comes back.
    pub fn set(&self, rates: Rates) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        buckets.rates = rates;
        if rates.tenant.is_none() {
            buckets.tenants = Pruned::default();
        }
        if rates.customer.is_none() {
            buckets.customers = Pruned::default();
        }
        self.any.store(rates.any(), Ordering::Relaxed);
    }

    /// The rates in force.
    pub fn rates(&self) -> Rates {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).rates
    }

    /// Takes one request from the tenant's bucket and the customer's, or leaves both as they
    /// are and says how many seconds to wait.
    pub fn admit(
        &self,
        tenant: u64,
        customer: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let Buckets {
            rates,
            tenants,
            customers,
        } = &mut *buckets;
        let mut taken: Vec<(&mut Bucket, f64)> = Vec::with_capacity(2);
        if let Some(rate) = rates.tenant {
            taken.push((tenants.bucket(tenant, rate, now), rate));
        }
        if let (Some(rate), Some(customer)) = (rates.customer, customer) {
            let key = (tenant, customer.to_ascii_lowercase());
            taken.push((customers.bucket(key, rate, now), rate));
        }
        let mut wait = None;
        for (bucket, rate) in &mut taken {
            bucket.refill(*rate, now);
            wait = wait.max(bucket.wait(*rate));
        }
        if let Some(wait) = wait {
            return Err(wait);
        }
        for (bucket, _) in taken {
            bucket.tokens -= 1.0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: f64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
            + chrono::Duration::microseconds((seconds * 1e6) as i64)
    }

    #[test]
    fn a_tenant_gets_a_second_of_requests_at_once_then_its_rate() {
        let limits = RateLimits::new(Rates {
            tenant: Some(20.0),
            customer: None,
        });
        for _ in 0..20 {
            assert_eq!(limits.admit(1, None, at(0.0)), Ok(()));
        }
        assert_eq!(limits.admit(1, None, at(0.0)), Err(1));
        // Another tenant has its own bucket.
        assert_eq!(limits.admit(2, None, at(0.0)), Ok(()));
        // 20 a second: one more every 50 ms.
        assert_eq!(limits.admit(1, None, at(0.049)), Err(1));
        assert_eq!(limits.admit(1, None, at(0.050)), Ok(()));
        assert_eq!(limits.admit(1, None, at(0.050)), Err(1));
    }

    #[test]
    fn a_rate_changed_while_running_holds_from_then_on() {
        let limits = RateLimits::new(Rates {
            tenant: Some(20.0),
            customer: None,
        });
        for _ in 0..20 {
            assert_eq!(limits.admit(1, None, at(0.0)), Ok(()));
        }
        assert_eq!(limits.admit(2, None, at(0.0)), Ok(()));
        // Down to 10 a second: the empty bucket refills at the new rate.
        limits.set(Rates {
            tenant: Some(10.0),
            customer: None,
        });
        assert_eq!(limits.admit(1, None, at(0.099)), Err(1));
        assert_eq!(limits.admit(1, None, at(0.100)), Ok(()));
        // The other tenant's 19 shrink to the new size, 10.
        for _ in 0..10 {
            assert_eq!(limits.admit(2, None, at(5.0)), Ok(()));
        }
        assert_eq!(limits.admit(2, None, at(5.0)), Err(1));
        // Lifted, then back: a bucket starts full again.
        limits.set(Rates::default());
        assert!(!limits.any());
        limits.set(Rates {
            tenant: Some(20.0),
            customer: None,
        });
        for _ in 0..20 {
            assert_eq!(limits.admit(2, None, at(5.0)), Ok(()));
        }
        assert_eq!(limits.admit(2, None, at(5.0)), Err(1));
    }

    #[test]
    fn retry_after_is_the_whole_seconds_until_a_request_fits() {
        let limits = RateLimits::new(Rates {
            tenant: Some(0.25),
            customer: None,
        });
        assert_eq!(limits.admit(1, None, at(0.0)), Ok(()));
        // Empty; a request every four seconds.
        assert_eq!(limits.admit(1, None, at(0.0)), Err(4));
        assert_eq!(limits.admit(1, None, at(2.5)), Err(2));
        assert_eq!(limits.admit(1, None, at(4.0)), Ok(()));
    }

    #[test]
    fn a_customer_limit_refuses_without_spending_the_tenants() {
        let limits = RateLimits::new(Rates {
            tenant: Some(10.0),
            customer: Some(2.0),
        });
        assert_eq!(limits.admit(1, Some("A"), at(0.0)), Ok(()));
        assert_eq!(
            limits.admit(1, Some("a"), at(0.0)),
            Ok(()),
            "ids compared without case"
        );
        assert_eq!(limits.admit(1, Some("a"), at(0.0)), Err(1));
        // The tenant still has 8 of its 10.
        for i in 0..8 {
            assert_eq!(limits.admit(1, Some(&format!("b{i}")), at(0.0)), Ok(()));
        }
        assert_eq!(limits.admit(1, Some("d"), at(0.0)), Err(1));
        // Requests with no customer are limited by the tenant only.
        assert_eq!(limits.admit(1, None, at(0.1)), Ok(()));
    }

    #[test]
    fn idle_buckets_are_dropped_when_there_are_too_many() {
        let limits = RateLimits::new(Rates {
            tenant: None,
            customer: Some(1.0),
        });
        for i in 0..MAX_BUCKETS {
            assert_eq!(limits.admit(1, Some(&i.to_string()), at(0.0)), Ok(()));
        }
        // A second later all are full again, and go when the next one comes.
        assert_eq!(limits.admit(1, Some("new"), at(1.0)), Ok(()));
        assert_eq!(limits.buckets.lock().unwrap().customers.buckets.len(), 1);
        // One that was spent is kept.
        assert_eq!(limits.admit(1, Some("new"), at(1.0)), Err(1));
    }
}
