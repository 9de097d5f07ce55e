//! A rate limit shared by a fleet: every client configured with the same [`SharedLimit`], in
//! any number of processes on any number of machines, takes its turns from one GCRA kept in
//! Redis, so together they send at one rate; that rate is learnt, for the whole fleet, from
//! the service's 429s (the configured rate is a first guess), and a long `Retry-After` seen by
//! one holds them all.
//!
//! Learnt from redis-cell (GCRA in one atomic step, one key per scope), Azure's
//! rate-limiting pattern (a shared budget, not each worker guessing its share), the
//! `governor` crate (GCRA's single timestamp per key), and the client's own pace
//! ([`RateAdaptation`](super::RateAdaptation)), whose learning the script does for the fleet:
//! when a worker finishes, the others take its turns at once.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::Priority;
use crate::clock::Clock;
use crate::error::Error;

/// The GCRA script, run atomically by Redis.
const SCRIPT: &str = include_str!("shared_limit.lua");

/// A rate limit shared through Redis by every client given one with the same key: the
/// partner tenant's limit (as the service keys its throttling), optionally one per partner and
/// customer, and the budgets the spec documents for some operations (`x-rate-limit`: orders
/// and subscriptions 500 a minute, promotion eligibility 625), each a scope of its own.
///
/// The rate is learnt, for the whole fleet together: on a 429, 0.95 of what the service
/// admitted over the last second; between 429s it climbs back to that fast, then probes above
/// it (2% a second for 15 seconds, then faster), so a limit that rises is found, and one that
/// falls is followed at the next 429. The configured [`rate`](Self::rate) is the first guess
/// (none: every request goes until the first 429), and [`ceiling`](Self::ceiling) caps it; a
/// documented budget and the per-customer limit are fixed rates, not learnt. The learnt
/// rates are logged (`info`) when a 429 changes them, and read by [`learnt`](Self::learnt)
/// (`pc-carts limits`). A purchase's writes go before reads ([`Priority`]).
///
/// When Redis cannot be reached a client paces itself as it would alone (its
/// [`RateAdaptation`](super::RateAdaptation)), logs that once at `warn`, and asks Redis again
/// a second later: an operation never fails for the shared limit.
///
/// ```
/// use partner_center_carts::PartnerCenter;
/// use partner_center_carts::retry::SharedLimit;
///
/// // A first guess of the tenant's rate, learnt from there by the whole fleet.
/// let limit = SharedLimit::redis("redis://127.0.0.1:6379/", "contoso-tenant-id")?
///     .rate(20.0);
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
    rate: Option<f64>,
    ceiling: Option<f64>,
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
            .field("ceiling", &self.ceiling)
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
    /// say). With no first guess of the rate: the fleet learns it from the first 429 on (give
    /// one with [`rate`](Self::rate)), in turns of at most 1 at once.
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
            rate: None,
            ceiling: None,
            burst: 1,
            per_customer: None,
            timeout: Duration::from_millis(200),
        })
    }

    /// The first guess of the fleet's rate, in requests a second (0.01 to 100,000; not a
    /// number is ignored): where the learning starts, for a scope the fleet has not learnt yet
    /// (or has forgotten: a scope unused for 10 minutes is). The learnt rate never goes below
    /// half a request a second, unless a [`ceiling`](Self::ceiling) is lower. None by
    /// default: every request goes until the first 429.
    pub fn rate(mut self, per_second: f64) -> Self {
        if !per_second.is_nan() {
            self.rate = Some(per_second.clamp(MIN_RATE, MAX_RATE));
        }
        self
    }

    /// A rate the fleet never goes above, in requests a second (0.01 to 100,000; not a number
    /// is ignored), learning below it: for a tenant whose limit the service's support has
    /// given, or a share of it the fleet may take. Without a [`rate`](Self::rate) it is also
    /// the first guess. None by default: the fleet probes as high as the service admits.
    pub fn ceiling(mut self, per_second: f64) -> Self {
        if !per_second.is_nan() {
            self.ceiling = Some(per_second.clamp(MIN_RATE, MAX_RATE));
        }
        self
    }

    /// How many requests may go at once after a quiet spell (at least 1).
    pub fn burst(mut self, requests: u32) -> Self {
        self.burst = requests.max(1);
        self
    }

    /// A second limit, per partner and customer (the customer of each operation of the front
    /// door: `pc.customer(id)`), besides the tenant's: a fixed rate, not learnt (a 429 does
    /// not say whose limit it was; the tenant's scope learns from it). An operation of the
    /// generated client
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

    /// The rates the fleet has learnt, per scope of this limit (the tenant's, each customer's
    /// and each budget's in use), as Redis holds them now.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when Redis cannot be read.
    pub async fn learnt(&self) -> Result<Vec<LearntRate>, Error> {
        let mut connection = within(self.client.get_multiplexed_async_connection()).await?;
        let tenant = self.tenant_key();
        // The scope's own characters are not a pattern.
        let pattern = format!("{}*", escape_glob(&tenant));
        let mut keys: Vec<String> = Vec::new();
        let mut cursor = 0u64;
        loop {
            let (next, found): (u64, Vec<String>) = within(
                redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(1000)
                    .query_async(&mut connection),
            )
            .await?;
            keys.extend(found);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        keys.sort();
        let (seconds, micros): (u64, u64) =
            within(redis::cmd("TIME").query_async(&mut connection)).await?;
        let now = seconds as f64 * 1e6 + micros as f64;
        let mut learnt = Vec::new();
        for key in keys {
            let (rate, ceiling, cut): (Option<f64>, Option<f64>, Option<f64>) = within(
                redis::cmd("HMGET")
                    .arg(&key)
                    .arg("rate")
                    .arg("ceiling")
                    .arg("cut")
                    .query_async(&mut connection),
            )
            .await?;
            let scope = match key.strip_prefix(&tenant).unwrap_or(&key) {
                "" => "tenant".to_string(),
                rest => rest.trim_start_matches(':').to_string(),
            };
            learnt.push(LearntRate {
                scope,
                rate,
                ceiling,
                since_cut: cut.and_then(|cut| Duration::try_from_secs_f64((now - cut) / 1e6).ok()),
            });
        }
        Ok(learnt)
    }
}

/// What the fleet has learnt of one scope's limit ([`SharedLimit::learnt`]).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct LearntRate {
    /// `tenant`, `customer:<id>` or `budget:<name>`.
    pub scope: String,
    /// The rate in force, requests a second (`None`: no 429 yet and no first guess: unpaced).
    pub rate: Option<f64>,
    /// What the service admitted a second at the last 429.
    pub ceiling: Option<f64>,
    /// How long ago the last 429 cut the rate.
    pub since_cut: Option<Duration>,
}

/// Redis's answer to `what`, within 5 s.
async fn within<T>(what: impl Future<Output = redis::RedisResult<T>>) -> Result<T, Error> {
    match tokio::time::timeout(Duration::from_secs(5), what).await {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(e)) => Err(Error::config(format!("the shared limit's Redis: {e}"))),
        Err(_) => Err(Error::config(
            "the shared limit's Redis did not answer within 5 s",
        )),
    }
}

/// `text` matched literally by a Redis glob pattern.
fn escape_glob(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
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
    /// The learnt rate last logged.
    last_rate: Mutex<String>,
    /// The answers other than 429 not yet reported to Redis, which learns from them what the
    /// service admits.
    admitted: AtomicU64,
}

/// What a request counts against, and its class.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scopes<'a> {
    /// Its customer, for the per-customer limit (the tenant's alone when `None`).
    pub customer: Option<&'a str>,
    /// Its operation's documented budget ([`crate::Operation::documented_limit`]).
    pub budget: Option<(&'static str, f64)>,
    pub priority: Priority,
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
/// A turn reserved at least this far ahead is confirmed before its request goes: a cut of the
/// rate meanwhile voids it. (Nearer turns go: at most this long of them at the old rate.)
const CONFIRM_AFTER: Duration = Duration::from_millis(100);

impl Fleet {
    pub fn new(limit: SharedLimit) -> Self {
        Self {
            limit,
            script: redis::Script::new(SCRIPT),
            connection: tokio::sync::OnceCell::new(),
            down_until: Mutex::new(None),
            warned: AtomicBool::new(false),
            last_rate: Mutex::new(String::new()),
            admitted: AtomicU64::new(0),
        }
    }

    /// Waits, on `clock`, for a turn of the shared limit for a request: `request` says which
    /// scopes it counts against, and its class. One round trip to Redis reserves the turn (the
    /// wait is Redis's time, slept on `clock`), and a second confirms a turn reserved
    /// [`CONFIRM_AFTER`] or more ahead, which a cut meanwhile voids; a read whose turn would be
    /// beyond its class's reach waits outside the queue and asks again.
    pub async fn acquire(&self, clock: &dyn Clock, deadline: Instant, request: Scopes<'_>) -> Turn {
        let horizon = request
            .priority
            .horizon()
            .map_or(-1, |h| h.as_micros().min(i64::MAX as u128) as i64)
            .to_string();
        loop {
            if self.is_down(clock.now()) {
                return Turn::Unreachable;
            }
            let left = deadline.saturating_duration_since(clock.now());
            let accepted = left.as_micros().min(i64::MAX as u128).to_string();
            let answer = self
                .run(clock, &["take", &accepted, &horizon], request, left)
                .await;
            let (code, wait, epoch) = match answer {
                Ok(redis::Value::Array(parts)) => match parts.as_slice() {
                    [redis::Value::Int(code), redis::Value::Int(wait)] => (*code, *wait, 0),
                    [
                        redis::Value::Int(code),
                        redis::Value::Int(wait),
                        redis::Value::Int(epoch),
                    ] => (*code, *wait, *epoch),
                    _ => (-1, 0, 0),
                },
                Ok(_) => (-1, 0, 0),
                Err(NoAnswer::OutOfTime) => return Turn::TooLate,
                Err(NoAnswer::Failed(e)) => {
                    self.went_down(clock.now(), &e);
                    return Turn::Unreachable;
                }
            };
            let wait = Duration::from_micros(wait.unsigned_abs());
            match code {
                0 => {
                    // What the fleet's limit costs a request, and whose turn went first.
                    tracing::debug!(
                        wait_ms = wait.as_millis() as u64,
                        priority = ?request.priority,
                        "the fleet's shared limit gave a turn"
                    );
                    clock.sleep(wait).await;
                    // A turn reserved further ahead may have been voided meanwhile (a 429 cut
                    // the rate it was spaced for): then it takes another.
                    if wait < CONFIRM_AFTER || self.stands(clock, epoch, request).await {
                        return Turn::Taken;
                    }
                    tracing::debug!("a cut of the fleet's rate voided the turn; taking another");
                }
                1 => return Turn::TooLate,
                // Reads turned away together would all ask again at once: spread over the
                // next half of that wait.
                2 if clock.now() + wait <= deadline => {
                    clock.sleep(wait.mul_f64(1.0 + fastrand::f64() * 0.5)).await;
                }
                2 => return Turn::TooLate,
                _ => {
                    self.went_down(clock.now(), "an answer of another shape than the script's");
                    return Turn::Unreachable;
                }
            }
        }
    }

    /// Whether a turn reserved in `epoch` still stands. It does when Redis cannot say: it was
    /// given.
    async fn stands(&self, clock: &dyn Clock, epoch: i64, request: Scopes<'_>) -> bool {
        let left = self.limit.timeout;
        match self.run(clock, &["epoch", "0", "-1"], request, left).await {
            Ok(redis::Value::Int(now)) => now == epoch,
            Ok(_) | Err(NoAnswer::OutOfTime) => true,
            Err(NoAnswer::Failed(e)) => {
                self.went_down(clock.now(), &e);
                true
            }
        }
    }

    /// Shares a 429: the fleet's rate is cut to what the service admitted, and for a long
    /// `retry_after` (2 s or more) every client of the fleet waits it out from now.
    pub async fn throttled(
        &self,
        clock: &dyn Clock,
        retry_after: Duration,
        request: Scopes<'_>,
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
        match self
            .run(clock, &["throttled", &micros, "-1"], request, left)
            .await
        {
            Ok(redis::Value::BulkString(rate)) => {
                // Said when it changes, to a tenth of a request a second.
                let Some(rate) = std::str::from_utf8(&rate)
                    .ok()
                    .and_then(|rate| rate.parse::<f64>().ok())
                    .map(|rate| format!("{rate:.1}"))
                else {
                    return;
                };
                let mut last = self.last_rate.lock().unwrap_or_else(|p| p.into_inner());
                if *last != rate {
                    tracing::info!(scope = %self.limit.scope, rate = %rate, "the fleet's learnt rate, requests a second");
                    *last = rate;
                }
            }
            Ok(_) | Err(NoAnswer::OutOfTime) => {}
            Err(NoAnswer::Failed(e)) => self.went_down(clock.now(), &e),
        }
    }

    /// Counts an answer other than 429, for the next call to report.
    pub fn admitted(&self) {
        self.admitted.fetch_add(1, Ordering::Relaxed);
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

    /// Runs the script for the scopes of `request`; `Err` says why Redis did not answer within
    /// the limit's time-out (or `left`, the operation's time, if shorter).
    async fn run(
        &self,
        clock: &dyn Clock,
        event: &[&str; 3],
        request: Scopes<'_>,
        left: Duration,
    ) -> Result<redis::Value, NoAnswer> {
        let limit = &self.limit;
        let within = limit.timeout.min(left);
        // The admissions seen since the last call, reported once: not given back when Redis
        // does not answer (nor when the call is dropped), as an answer that came too late may
        // have counted them already. Counted twice they would raise the next cut above what
        // the service admitted; lost, they lower it a little, within the second they count in.
        let reported = self.admitted.swap(0, Ordering::Relaxed);
        // Redis's time, unless a test's clock keeps it.
        let now = clock.fleet_time().map_or(String::new(), |date| {
            let since = date.duration_since(UNIX_EPOCH).unwrap_or_default();
            since.as_micros().to_string()
        });
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
            // Every scope's key starts with the tenant's.
            let tenant = limit.tenant_key();
            let mut invocation = self.script.prepare_invoke();
            invocation
                .key(&tenant)
                .arg(event[0])
                .arg(event[1])
                .arg(IDLE_TTL.as_millis() as u64)
                .arg(event[2])
                .arg(reported)
                .arg(&now)
                .arg(limit.rate.unwrap_or(0.0))
                .arg(limit.burst)
                .arg(limit.ceiling.unwrap_or(0.0));
            if let (Some((rate, burst)), Some(customer)) = (limit.per_customer, request.customer) {
                // GUIDs come in either case; one customer is one scope.
                let customer = customer.to_ascii_lowercase();
                invocation
                    .key(format!("{tenant}:customer:{customer}"))
                    .arg(rate)
                    .arg(burst)
                    .arg(rate);
            }
            if let Some((budget, rate)) = request.budget {
                // A documented budget: its rate from the start, and never above it.
                invocation
                    .key(format!("{tenant}:budget:{budget}"))
                    .arg(rate)
                    .arg(1)
                    .arg(rate);
            }
            invocation
                .invoke_async::<redis::Value>(&mut connection.clone())
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
        assert_eq!((limit.rate, limit.burst), (Some(0.01), 1));
        assert_eq!(escape_glob("a*b?[c]\\"), "a\\*b\\?\\[c\\]\\\\");
    }
}
