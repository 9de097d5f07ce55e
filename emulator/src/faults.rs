//! Faults to inject: what goes wrong, how often, drawn from a seed when asked.

use std::time::Duration;

use super::rate_limit::Rates;

/// Faults to inject, as shares of requests (0.0 to 1.0) and durations. None by default.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts_emulator::Faults;
///
/// let flaky = Faults::none()
///     .throttle(0.2)                       // 20% get 429 with Retry-After
///     .retry_after(Duration::from_secs(1))
///     .unavailable(0.1)                    // 10% get 503
///     .lost_answers(0.05)                  // 5% of writes are done, then answered 504
///     .busy(0.05)                          // 5% of updates and checkouts get 409 / 800064
///     .order_in_progress(0.05)             // 5% of checkouts get 409 / 800060
///     .latency(Duration::from_millis(20))
///     .seed(7);                            // the same draws every run
///
/// // The service's own limits: 20 requests a second per partner tenant (the bearer token
/// // stands for the tenant), 5 per tenant and customer; 429 with `Retry-After` beyond them.
/// let limited = Faults::none().tenant_rate_limit(20.0).customer_rate_limit(5.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Faults {
    pub(crate) throttle: f64,
    pub(crate) retry_after: Duration,
    pub(crate) unavailable: f64,
    pub(crate) lost_answers: f64,
    pub(crate) busy: f64,
    pub(crate) order_in_progress: f64,
    pub(crate) latency: Duration,
    pub(crate) seed: Option<u64>,
    pub(crate) rates: Rates,
}

impl Default for Faults {
    fn default() -> Self {
        Self::none()
    }
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self {
            throttle: 0.0,
            retry_after: Duration::from_secs(1),
            unavailable: 0.0,
            lost_answers: 0.0,
            busy: 0.0,
            order_in_progress: 0.0,
            latency: Duration::ZERO,
            seed: None,
            rates: Rates::default(),
        }
    }

    /// The share of requests throttled with 429 and `Retry-After`.
    pub fn throttle(mut self, share: f64) -> Self {
        self.throttle = clamp(share);
        self
    }

    /// The `Retry-After` of a throttled answer, in whole seconds (1 s by default).
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// The share of requests answered 503 before any work is done.
    pub fn unavailable(mut self, share: f64) -> Self {
        self.unavailable = clamp(share);
        self
    }

    /// The share of writes (create, update, checkout) that are done and then answered 504, as
    /// when a gateway times out: the caller must retry with the same `MS-RequestId`.
    pub fn lost_answers(mut self, share: f64) -> Self {
        self.lost_answers = clamp(share);
        self
    }

    /// The share of updates and checkouts refused, before any work, with 409 and code 800064
    /// ("the cart is being processed by another request").
    pub fn busy(mut self, share: f64) -> Self {
        self.busy = clamp(share);
        self
    }

    /// The share of checkouts refused, before any work, with 409 and code 800060 ("your order
    /// is in progress").
    pub fn order_in_progress(mut self, share: f64) -> Self {
        self.order_in_progress = clamp(share);
        self
    }

    /// Latency added to every request.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// Limits each partner tenant to this many requests a second, as the service does (the
    /// throttling guidance names 500 a minute per tenant for orders): a token bucket holding
    /// one second of requests. Beyond it a request gets 429, the service's throttling body
    /// and `Retry-After` with the whole seconds until the bucket holds a request again. The
    /// emulator knows a tenant by its bearer token. A rate that is not above zero is no limit.
    pub fn tenant_rate_limit(mut self, per_second: f64) -> Self {
        self.rates.tenant = positive(per_second);
        self
    }

    /// Limits each partner tenant and customer to this many requests a second, like
    /// [`tenant_rate_limit`](Self::tenant_rate_limit); a request is admitted only if both of
    /// its buckets hold one.
    pub fn customer_rate_limit(mut self, per_second: f64) -> Self {
        self.rates.customer = positive(per_second);
        self
    }

    /// Draws faults from a generator with this seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// The rates a running emulator is set to (`RunningEmulator::set_rate_limits`).
pub(crate) fn rates(tenant: f64, customer: f64) -> Rates {
    Rates {
        tenant: positive(tenant),
        customer: positive(customer),
    }
}

fn positive(rate: f64) -> Option<f64> {
    (rate > 0.0 && rate.is_finite()).then_some(rate)
}

fn clamp(share: f64) -> f64 {
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}
