//! The retry policy: its settings, defaults, and the wait before the next attempt.

use std::time::Duration;

use super::honours_retry_after;
use crate::error::{Error, ErrorKind};

/// How an operation is retried. [`RetryPolicy::default`] suits most callers;
/// [`RetryPolicy::none`] sends each operation once.
///
/// | setting | default |
/// |---|---|
/// | [`max_attempts`](Self::max_attempts) (failures without `Retry-After`) | 6 (the first and 5 retries) |
/// | [`wait_out_throttling`](Self::wait_out_throttling) (429 and 503 with `Retry-After`, beyond `max_attempts`) | on |
/// | [`initial_backoff`](Self::initial_backoff) | 500 ms, doubling: 0.5 s, 1 s, 2 s, ... |
/// | [`max_backoff`](Self::max_backoff) (the longest single wait, `Retry-After` included) | 60 s |
/// | [`max_elapsed`](Self::max_elapsed) (the operation's total time, attempts and waits) | 5 min |
/// | [`jitter`](Self::jitter) | on: each backoff is a random 50-100% of its nominal value |
/// | [`max_modify_rounds`](Self::max_modify_rounds) (re-reads of a cart that changed under `modify`) | no limit but `max_elapsed` |
///
/// The service's `Retry-After` on 429 and 503 replaces the backoff (capped by `max_backoff`),
/// and such an answer is retried as the service asks for as long as `max_elapsed` allows: it
/// is the service saying when to come back. Partner Center asks for about a minute when it
/// throttles, which the defaults honour.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts::retry::RetryPolicy;
///
/// let patient = RetryPolicy::default()
///     .max_attempts(6)
///     .max_elapsed(Duration::from_secs(600));
/// let once = RetryPolicy::none();
/// # let _ = (patient, once);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_elapsed: Duration,
    jitter: bool,
    wait_out_throttling: bool,
    modify_rounds: Option<u32>,
}

/// The least time worth starting an attempt with: a retry that would leave less of the budget
/// than this is not made, and the operation fails with the error it has rather than with a
/// time-out.
const MIN_ATTEMPT: Duration = Duration::from_secs(1);

/// What to do after a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Stop and return the error.
    GiveUp,
}

impl RetryPolicy {
    /// Each operation is sent once, throttled or not. (A 401 still gets one more try with a
    /// fresh token.)
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            wait_out_throttling: false,
            ..Self::default()
        }
    }

    /// The most attempts of one operation that failed without the service saying when to come
    /// back, the first included; at least 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry; it doubles for each retry after.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest single wait, whether from backoff or from `Retry-After`.
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The total time an operation may take, attempts and waits together. No attempt's
    /// time-out reaches past it.
    pub fn max_elapsed(mut self, budget: Duration) -> Self {
        self.max_elapsed = budget;
        self
    }

    /// Whether backoff waits are randomised (to 50-100% of their nominal value), so that many
    /// clients failing together do not retry together.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// Whether a 429 or 503 with `Retry-After` is retried as the service asks for as long as
    /// [`max_elapsed`](Self::max_elapsed) allows, without counting against
    /// [`max_attempts`](Self::max_attempts) (on by default; off in [`none`](Self::none)).
    /// Each such retry still draws on the client's [`RetryBudget`](super::RetryBudget).
    pub fn wait_out_throttling(mut self, on: bool) -> Self {
        self.wait_out_throttling = on;
        self
    }

    /// The most times [`CartRef::modify`](crate::CartRef::modify) reads and changes a cart
    /// that others keep changing under it (412, or 409 with code 800064) before it gives up
    /// with that error; at least 1. By default there is no such limit: `modify` goes on for as
    /// long as [`max_elapsed`](Self::max_elapsed) allows. Between rounds it waits a random time
    /// that grows from 10 ms to at most 1 s, so concurrent writers spread out.
    pub fn max_modify_rounds(mut self, rounds: u32) -> Self {
        self.modify_rounds = Some(rounds.max(1));
        self
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.max_attempts
    }

    pub(crate) fn modify_rounds(&self) -> u32 {
        self.modify_rounds.unwrap_or(u32::MAX)
    }

    /// The wait after round `round` of a `modify` lost to a concurrent change: "full jitter",
    /// a random share of `10 ms * 2^(round-1)`, at most 1 s.
    pub(crate) fn conflict_backoff(&self, round: u32) -> Duration {
        let nominal = Duration::from_millis(10)
            .saturating_mul(2u32.saturating_pow(round.saturating_sub(1)))
            .min(Duration::from_secs(1));
        if self.jitter {
            nominal.mul_f64(fastrand::f64())
        } else {
            nominal
        }
    }

    pub(crate) fn total_budget(&self) -> Duration {
        self.max_elapsed
    }

    /// Whether an attempt that failed with `error` counts against `max_attempts`: all do but
    /// those the service asked to repeat later, when the policy waits throttling out.
    pub(crate) fn counts(&self, error: &Error) -> bool {
        !(self.wait_out_throttling && self.asked_wait(error).is_some())
    }

    /// The wait the service asked for after `error`: `Retry-After` on a 429 or a 503.
    fn asked_wait(&self, error: &Error) -> Option<Duration> {
        match (error.kind(), error.status()) {
            (ErrorKind::Throttled(t), _) => t.retry_after(),
            (_, Some(status)) if honours_retry_after(status) => error.retry_after(),
            _ => None,
        }
    }

    /// What to do after a failed attempt: `counted` attempts so far count against
    /// `max_attempts` (those the service did not ask to repeat later), the last failed with
    /// `error`, `elapsed` into the operation.
    pub(crate) fn next(&self, counted: u32, error: &Error, elapsed: Duration) -> Next {
        if !error.is_transient() {
            return Next::GiveUp;
        }
        if self.counts(error) && counted >= self.max_attempts {
            return Next::GiveUp;
        }
        let asked = self.asked_wait(error);
        let wait = match asked {
            Some(asked) => asked.min(self.max_backoff),
            None => self.backoff(counted),
        };
        let left = self.max_elapsed.saturating_sub(elapsed);
        // A wait the budget cannot hold, with time left for the attempt, fails now; a
        // `Retry-After` it cannot hold fails with the wait the service asked for, which the
        // error carries.
        if !self.leaves_time_for(elapsed, wait) || asked.is_some_and(|asked| asked >= left) {
            return Next::GiveUp;
        }
        Next::RetryAfter(wait)
    }

    /// Whether waiting `wait`, `elapsed` into an operation, leaves it time for one more attempt.
    pub(crate) fn leaves_time_for(&self, elapsed: Duration, wait: Duration) -> bool {
        wait.saturating_add(MIN_ATTEMPT) < self.max_elapsed.saturating_sub(elapsed)
    }

    /// The backoff after attempt number `attempt`: `initial_backoff * 2^(attempt-1)`, capped,
    /// and with jitter a random 50-100% of that.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let nominal = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(self.max_backoff);
        if self.jitter {
            nominal.mul_f64(0.5 + fastrand::f64() * 0.5)
        } else {
            nominal
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            // 4 failed 5 of 4,000 four-operation flows under the emulator guide's fault mix (20%
            // throttling, 10% 503s, 5% lost answers); 6 failed none (tests/exactly_once.rs).
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(300),
            jitter: true,
            wait_out_throttling: true,
            modify_rounds: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::from_status;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn status(code: u16, retry_after: Option<Duration>) -> Error {
        from_status(code, None, None, retry_after)
    }

    #[test]
    fn backs_off_exponentially_without_jitter() {
        let p = RetryPolicy::default().jitter(false);
        let e = status(500, None);
        assert_eq!(
            p.next(1, &e, S(0)),
            Next::RetryAfter(Duration::from_millis(500))
        );
        assert_eq!(p.next(2, &e, S(0)), Next::RetryAfter(S(1)));
        assert_eq!(p.next(3, &e, S(0)), Next::RetryAfter(S(2)));
        assert_eq!(p.next(5, &e, S(0)), Next::RetryAfter(S(8)));
        assert_eq!(p.next(6, &e, S(0)), Next::GiveUp);
    }

    #[test]
    fn jitter_stays_within_half_and_full() {
        let p = RetryPolicy::default().initial_backoff(S(4));
        for _ in 0..200 {
            let Next::RetryAfter(w) = p.next(1, &status(502, None), S(0)) else {
                panic!("502 is retried")
            };
            assert!(w >= S(2) && w <= S(4), "{w:?}");
        }
    }

    #[test]
    fn honours_retry_after_on_429_and_503_only() {
        let p = RetryPolicy::default().jitter(false);
        assert_eq!(
            p.next(1, &status(429, Some(S(7))), S(0)),
            Next::RetryAfter(S(7))
        );
        assert_eq!(
            p.next(1, &status(503, Some(S(7))), S(0)),
            Next::RetryAfter(S(7))
        );
        assert_eq!(
            p.next(1, &status(500, Some(S(7))), S(0)),
            Next::RetryAfter(Duration::from_millis(500))
        );
    }

    #[test]
    fn caps_a_single_wait_and_gives_up_past_the_budget() {
        let p = RetryPolicy::default().max_backoff(S(10)).max_elapsed(S(30));
        assert_eq!(
            p.next(1, &status(429, Some(S(20))), S(0)),
            Next::RetryAfter(S(10))
        );
        // 20 s asked, 15 s left: fail now rather than retry too early or overrun.
        assert_eq!(p.next(1, &status(429, Some(S(20))), S(15)), Next::GiveUp);
    }

    #[test]
    fn leaves_every_retry_time_for_its_attempt() {
        let p = RetryPolicy::default().jitter(false).max_elapsed(S(10));
        // 500 ms of backoff fits in 2 s left, but not with a second for the attempt.
        assert_eq!(
            p.next(1, &status(500, None), S(8)),
            Next::RetryAfter(Duration::from_millis(500))
        );
        assert_eq!(p.next(1, &status(500, None), S(9)), Next::GiveUp);
    }

    #[test]
    fn never_retries_other_client_errors_or_501() {
        let p = RetryPolicy::default();
        for code in [400, 401, 403, 404, 409, 412, 417, 501] {
            assert_eq!(p.next(1, &status(code, None), S(0)), Next::GiveUp, "{code}");
        }
        for code in [408, 429, 500, 502, 503, 504] {
            assert_ne!(p.next(1, &status(code, None), S(0)), Next::GiveUp, "{code}");
        }
    }

    #[test]
    fn none_sends_once() {
        assert_eq!(
            RetryPolicy::none().next(1, &status(503, None), S(0)),
            Next::GiveUp
        );
        assert_eq!(
            RetryPolicy::none().next(1, &status(429, Some(S(0))), S(0)),
            Next::GiveUp
        );
    }

    #[test]
    fn a_wait_the_service_asked_for_is_waited_out_beyond_the_attempt_limit() {
        let p = RetryPolicy::default().jitter(false);
        // However many throttled attempts came before, while the time budget lasts.
        assert_eq!(
            p.next(6, &status(429, Some(S(1))), S(0)),
            Next::RetryAfter(S(1))
        );
        assert_eq!(
            p.next(6, &status(503, Some(S(2))), S(100)),
            Next::RetryAfter(S(2))
        );
        assert_eq!(p.next(6, &status(429, Some(S(1))), S(299)), Next::GiveUp);
        // Without Retry-After, the attempt limit stands.
        assert_eq!(p.next(6, &status(503, None), S(0)), Next::GiveUp);
        assert_eq!(p.next(6, &status(429, None), S(0)), Next::GiveUp);
    }

    #[test]
    fn a_busy_cart_is_retried_but_other_conflicts_are_not() {
        let p = RetryPolicy::default().jitter(false);
        let busy = |code: i64| {
            let body = serde_json::from_value(serde_json::json!({ "code": code })).unwrap();
            from_status(409, Some(body), None, None)
        };
        assert_ne!(p.next(1, &busy(800_064), S(0)), Next::GiveUp);
        assert_ne!(p.next(1, &busy(800_060), S(0)), Next::GiveUp);
        assert_eq!(p.next(1, &busy(800_065), S(0)), Next::GiveUp);
    }
}
