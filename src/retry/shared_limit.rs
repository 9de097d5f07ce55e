//! A rate limit shared by a fleet: every client configured with the same [`SharedLimit`], in
//! any number of processes on any number of machines, takes its turns from one GCRA kept in
//! Redis, so together they send at the rate given and no faster; and a 429's `Retry-After`
//! seen by one holds them all.
//!
//! Learnt from redis-cell (GCRA in one atomic step, one key per scope), Azure's
//! rate-limiting pattern (a shared budget, not each worker guessing its share) and the
//! `governor` crate (GCRA's single timestamp per key). Unlike the client's own pace
//! ([`RateAdaptation`](super::RateAdaptation)) the fleet does not learn its share: when a
//! worker finishes, the others take its turns at once.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::clock::Clock;
use crate::error::Error;

/// The GCRA script, run atomically by Redis.
const SCRIPT: &str = include_str!("shared_limit.lua");

/// A rate limit shared through Redis by every client given one with the same key: the
/// partner tenant's limit (as the service keys its throttling), and optionally one per
/// partner and customer.
///
/// When Redis cannot be reached a client paces itself as it would alone (its
/// [`RateAdaptation`](super::RateAdaptation)), logs that once at `warn`, and asks Redis again
/// a second later: an operation never fails for the shared limit.
///
/// ```
/// use partner_center_carts::PartnerCenter;
/// use partner_center_carts::retry::SharedLimit;
///
/// // The Order resource's documented limit: 500 requests a minute for the tenant.
/// let limit = SharedLimit::redis("redis://127.0.0.1:6379/", "contoso-tenant-id")?
///     .rate(500.0 / 60.0);
/// let pc = PartnerCenter::builder()
///     .bearer_token("token")
///     .shared_limit(limit)
///     .build()?;
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
#[derive(Clone)]
pub struct SharedLimit {
    client: redis::Client,
    scope: String,
    rate: f64,
    burst: u32,
    per_customer: Option<(f64, u32)>,
    timeout: Duration,
}

impl fmt::Debug for SharedLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The Redis URL can hold a password: only where it points.
        let info = self.client.get_connection_info();
        f.debug_struct("SharedLimit")
            .field("redis", &info.addr().to_string())
            .field("scope", &self.scope)
            .field("rate", &self.rate)
            .field("burst", &self.burst)
            .field("per_customer", &self.per_customer)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl SharedLimit {
    /// A limit kept in the Redis at `url` (`redis://[:password@]host[:port][/db]`: one
    /// server or a primary, Redis 5 or later; TLS and cluster redirections are not supported)
    /// under `scope`, the name every client of the fleet gives it (the partner tenant's id,
    /// say). By default 500 requests a minute (the limit the Order
    /// resource documents for a tenant) in turns of at most 1 at once; set yours with
    /// [`rate`](Self::rate).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when the URL cannot be read or the
    /// scope is empty. Nothing is connected yet: the first request does.
    pub fn redis(url: &str, scope: impl Into<String>) -> Result<Self, Error> {
        let client = redis::Client::open(url)
            .map_err(|e| Error::config(format!("the shared limit's Redis URL: {e}")))?;
        let scope = scope.into();
        if scope.is_empty() {
            return Err(Error::config("the shared limit's scope is empty"));
        }
        Ok(Self {
            client,
            scope,
            rate: 500.0 / 60.0,
            burst: 1,
            per_customer: None,
            timeout: Duration::from_millis(200),
        })
    }

    /// The fleet's rate, in requests a second (0.01 to 100,000; not a number is ignored).
    pub fn rate(mut self, per_second: f64) -> Self {
        if !per_second.is_nan() {
            self.rate = per_second.clamp(MIN_RATE, MAX_RATE);
        }
        self
    }

    /// How many requests may go at once after a quiet spell (at least 1).
    pub fn burst(mut self, requests: u32) -> Self {
        self.burst = requests.max(1);
        self
    }

    /// A second limit, per partner and customer (the customer of each operation of the front
    /// door: `pc.customer(id)`), besides the tenant's. An operation of the generated client
    /// ([`PartnerCenter::call`](crate::PartnerCenter::call)) counts against the tenant's alone.
    pub fn per_customer(mut self, per_second: f64, burst: u32) -> Self {
        if !per_second.is_nan() {
            self.per_customer = Some((per_second.clamp(MIN_RATE, MAX_RATE), burst.max(1)));
        }
        self
    }

    /// How long one call may wait for Redis's answer before the client paces itself instead
    /// (200 ms by default, at least 1 ms; never longer than the operation has left).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The Redis key of the tenant's limit. Every key of one limit holds `{scope}` (a Redis
    /// Cluster hash tag), so that one script may update them together on any deployment.
    fn tenant_key(&self) -> String {
        format!("partner-center-carts:limit:{{{}}}", self.scope)
    }
}

/// The rates a limit accepts: GCRA's times are whole microseconds in Redis, so the interval
/// of the highest rate is still 10 of them.
const MIN_RATE: f64 = 0.01;
const MAX_RATE: f64 = 1e5;

/// What the shared limit said about a request.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Turn {
    /// Its turn is taken: send it.
    Taken,
    /// Redis cannot be reached: the client's own pace decides.
    Unreachable,
    /// Its turn would come after the operation's deadline.
    TooLate,
}

/// Why a call to Redis has no answer.
enum NoAnswer {
    /// Redis failed, or did not answer within the limit's time-out.
    Failed(String),
    /// The operation's time ran out before the limit's time-out.
    OutOfTime,
}

/// A [`SharedLimit`] in use by one client and its clones.
pub(crate) struct Fleet {
    limit: SharedLimit,
    script: redis::Script,
    connection: tokio::sync::OnceCell<ConnectionManager>,
    /// Until when Redis is not asked, after it failed to answer.
    down_until: Mutex<Option<Instant>>,
    /// Whether the fall-back has been logged since Redis last answered.
    warned: AtomicBool,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// How long an idle scope is kept in Redis.
const IDLE_TTL: Duration = Duration::from_secs(600);
/// How long after a failure Redis is asked again.
const RECHECK: Duration = Duration::from_secs(1);

impl Fleet {
    pub fn new(limit: SharedLimit) -> Self {
        Self {
            limit,
            script: redis::Script::new(SCRIPT),
            connection: tokio::sync::OnceCell::new(),
            down_until: Mutex::new(None),
            warned: AtomicBool::new(false),
        }
    }

    /// Waits, on `clock`, for a turn of the shared limit for a request for `customer` (the
    /// tenant's limit alone when `None`): one round trip to Redis reserves it (the wait is
    /// Redis's time, slept on `clock`).
    pub async fn acquire(
        &self,
        clock: &dyn Clock,
        deadline: Instant,
        customer: Option<&str>,
    ) -> Turn {
        if self.is_down(clock.now()) {
            return Turn::Unreachable;
        }
        let left = deadline.saturating_duration_since(clock.now());
        let accepted = left.as_micros().min(i64::MAX as u128).to_string();
        match self.run(&["take", &accepted], customer, left).await {
            Ok(0) => Turn::Taken,
            Ok(wait) if wait > 0 => {
                clock
                    .sleep(Duration::from_micros(wait.unsigned_abs()))
                    .await;
                Turn::Taken
            }
            Ok(_) | Err(NoAnswer::OutOfTime) => Turn::TooLate,
            Err(NoAnswer::Failed(e)) => {
                self.went_down(clock.now(), &e);
                Turn::Unreachable
            }
        }
    }

    /// Shares a 429: every client of the fleet waits `retry_after` from now, and the fleet's
    /// rate is cut.
    pub async fn throttled(
        &self,
        clock: &dyn Clock,
        retry_after: Duration,
        customer: Option<&str>,
        deadline: Instant,
    ) {
        let left = deadline.saturating_duration_since(clock.now());
        if self.is_down(clock.now()) || left.is_zero() {
            return;
        }
        let micros = retry_after
            .as_micros()
            .min(u128::from(u32::MAX))
            .to_string();
        if let Err(NoAnswer::Failed(e)) = self.run(&["throttled", &micros], customer, left).await {
            self.went_down(clock.now(), &e);
        }
    }

    fn is_down(&self, now: Instant) -> bool {
        let down = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        down.is_some_and(|until| now < until)
    }

    fn went_down(&self, now: Instant, why: &str) {
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(now + RECHECK);
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                scope = %self.limit.scope,
                error = why,
                "the shared rate limit cannot be reached; this client paces itself until it can"
            );
        }
    }

    /// Runs the script for the scopes of a request for `customer`; `Err` says why Redis did not
    /// answer within the limit's time-out (or `left`, the operation's time, if shorter).
    async fn run(
        &self,
        event: &[&str; 2],
        customer: Option<&str>,
        left: Duration,
    ) -> Result<i64, NoAnswer> {
        let limit = &self.limit;
        let within = limit.timeout.min(left);
        let attempt = async {
            let connection = self
                .connection
                .get_or_try_init(|| async {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(limit.timeout))
                        .set_response_timeout(Some(limit.timeout))
                        .set_number_of_retries(1);
                    ConnectionManager::new_with_config(limit.client.clone(), config).await
                })
                .await?;
            let mut invocation = self.script.prepare_invoke();
            invocation
                .key(limit.tenant_key())
                .arg(event[0])
                .arg(event[1])
                .arg(IDLE_TTL.as_millis() as u64)
                .arg(limit.rate)
                .arg(limit.burst);
            if let (Some((rate, burst)), Some(customer)) = (limit.per_customer, customer) {
                // GUIDs come in either case; one customer is one scope.
                let customer = customer.to_ascii_lowercase();
                invocation
                    .key(format!("{}:customer:{customer}", limit.tenant_key()))
                    .arg(rate)
                    .arg(burst);
            }
            invocation
                .invoke_async::<i64>(&mut connection.clone())
                .await
        };
        let answer = match tokio::time::timeout(within, attempt).await {
            Ok(Ok(wait)) => Ok(wait),
            Ok(Err(e)) => Err(NoAnswer::Failed(e.to_string())),
            // The operation's time ran out first: that says nothing about Redis.
            Err(_) if within < limit.timeout => Err(NoAnswer::OutOfTime),
            Err(_) => Err(NoAnswer::Failed(format!("no answer within {within:?}"))),
        };
        if answer.is_ok() && self.warned.swap(false, Ordering::Relaxed) {
            tracing::info!(scope = %limit.scope, "the shared rate limit answers again");
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_the_url_stays_out_of_debug() {
        let limit = SharedLimit::redis("redis://:hunter2@127.0.0.1:6379/", "t").unwrap();
        let shown = format!("{limit:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("127.0.0.1"), "{shown}");
    }

    #[test]
    fn bad_settings_are_refused_or_bounded() {
        assert!(SharedLimit::redis("http://x", "t").is_err());
        assert!(SharedLimit::redis("redis://127.0.0.1/", "").is_err());
        let limit = SharedLimit::redis("redis://127.0.0.1/", "t")
            .unwrap()
            .rate(f64::NAN)
            .rate(-1.0)
            .burst(0);
        assert_eq!((limit.rate, limit.burst), (0.01, 1));
    }
}
