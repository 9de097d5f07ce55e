//! Client-side rate adaptation: every operation of a client (and of its clones) paces its
//! requests by what the service's 429s taught it, so a batch job finishes at the service's
//! limit, neither flooding it nor idling.
//!
//! Learnt from aws-sdk-rust's adaptive retry mode (a client-side token bucket, off until the
//! first throttle, whose rate drops on a throttle and grows back between them), with two
//! changes measured against a token-bucket service (the emulator's and a simulation in the
//! tests): the rate after a throttle is the rate the service *admitted* over the last second
//! (which, when the client sends too much, is the service's limit), not a fixed share of the
//! rate sent; and one throttle event cuts the rate once, however many requests already under
//! way are throttled with it. With the AWS constants, a burst of 64 throttled requests cut
//! the rate 64 times, to its floor. Above the learnt rate the growth stays slow for a
//! plateau, then accelerates, as TCP CUBIC's probing past its last maximum does: a client
//! alone at the limit is throttled again within the plateau (with the default margin and
//! growth: from 0.95 of the limit, 2% a second passes it in 2.6 s), so it never accelerates,
//! while one of a fleet whose peers finished climbs to their room in seconds.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::clock::Clock;

/// How a client adapts its request rate to the service's throttling. On by default: until the
/// service first answers 429 nothing waits (each answer is counted, under an uncontended lock);
/// then the client sends at most [`margin`](Self::margin) times the rate the service admitted
/// in the last [`window`](Self::window), growing by [`growth`](Self::growth) a second until the
/// next 429, and stops pacing after [`quiet`](Self::quiet) without one. After 15 seconds at
/// or above that pace without a 429, the growth doubles each second (up to 64 times): when
/// other clients of the tenant finish, the room they leave is found in seconds. One pace serves the
/// client and its clones, so a 429 for one customer (the service also limits per partner and
/// customer) slows the requests for the others too.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts::PartnerCenter;
/// use partner_center_carts::retry::RateAdaptation;
///
/// let pc = PartnerCenter::builder()
///     .bearer_token("token")
///     .rate_adaptation(RateAdaptation::default().quiet(Duration::from_secs(300)))
///     .build()?;
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RateAdaptation {
    margin: f64,
    growth: f64,
    window: Duration,
    quiet: Duration,
}

impl Default for RateAdaptation {
    /// A margin of 0.95, growth of 2% a second, a one-second window, 60 seconds of quiet.
    fn default() -> Self {
        Self {
            margin: 0.95,
            growth: 0.02,
            window: Duration::from_secs(1),
            quiet: Duration::from_secs(60),
        }
    }
}

impl RateAdaptation {
    /// After a 429, send at this share of the rate the service admitted (0.5 to 1).
    pub fn margin(mut self, margin: f64) -> Self {
        self.margin = if margin.is_nan() {
            0.95
        } else {
            margin.clamp(0.5, 1.0)
        };
        self
    }

    /// Between 429s, grow the rate by this share a second (0 to 1), to find room the service
    /// has made since.
    pub fn growth(mut self, growth: f64) -> Self {
        self.growth = if growth.is_nan() {
            0.02
        } else {
            growth.clamp(0.0, 1.0)
        };
        self
    }

    /// How far back the requests the service admitted are counted (at least 100 ms).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window.max(Duration::from_millis(100));
        self
    }

    /// Stop pacing after this long without a 429.
    pub fn quiet(mut self, quiet: Duration) -> Self {
        self.quiet = quiet;
        self
    }
}

/// The lowest pace, in requests a second: a client always gets a request out now and then.
const MIN_RATE: f64 = 0.5;
/// Below the last learnt limit the rate doubles each second (as TCP's slow start).
const SLOW_START: f64 = 2.0;
const MAX_RATE: f64 = 1e6;

/// For how long above the learnt limit the rate grows at [`RateAdaptation::growth`] alone:
/// at the default 2% a second, a client alone at the limit is throttled again before it ends.
const PLATEAU: f64 = 15.0;
/// The growth doubles each second after the plateau, up to this many times its own: room that
/// other clients left (they finished) is found in seconds, not in a minute.
const MAX_ACCELERATION: f64 = 64.0;

/// The growth exponent accumulated `s` seconds into probing, in units of the growth rate: `s`
/// on the plateau, then the integral of a growth doubling each second (capped).
fn probe(s: f64) -> f64 {
    if s <= PLATEAU {
        return s;
    }
    let doublings = (s - PLATEAU).min(MAX_ACCELERATION.log2());
    let accelerating = (doublings.exp2() - 1.0) / std::f64::consts::LN_2;
    let capped = (s - PLATEAU - doublings) * MAX_ACCELERATION;
    PLATEAU + accelerating + capped
}

/// What an answer says about the rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// 429.
    Throttled,
    /// Any other answer: the service took the request in.
    Admitted,
}

/// The pace a request was sent under; a 429 to a request sent under an older pace says
/// nothing about the current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Permit(u64);

/// The rate state, without locks or clocks: every call says what time it is.
#[derive(Debug)]
pub(crate) struct Pacer {
    settings: RateAdaptation,
    pacing: bool,
    generation: u64,
    /// Requests a second, while pacing.
    rate: f64,
    /// The rate the service admitted when it last throttled (or since, from answers to
    /// requests sent before the cut).
    ceiling: f64,
    tokens: f64,
    refilled: Instant,
    throttled_at: Instant,
    /// Since when the rate has been above the learnt limit, probing for more.
    probing_since: Option<Instant>,
    admitted: VecDeque<Instant>,
}

impl Pacer {
    pub fn new(settings: RateAdaptation, now: Instant) -> Self {
        Self {
            settings,
            pacing: false,
            generation: 0,
            rate: 0.0,
            ceiling: 0.0,
            tokens: 0.0,
            refilled: now,
            throttled_at: now,
            probing_since: None,
            admitted: VecDeque::new(),
        }
    }

    pub fn is_pacing(&self) -> bool {
        self.pacing
    }

    /// The pace now, in requests a second, while pacing.
    #[cfg(test)]
    pub fn rate(&self) -> Option<f64> {
        self.pacing.then_some(self.rate)
    }

    /// A permit to send now, or how long to wait before asking again.
    pub fn try_take(&mut self, now: Instant) -> Result<Permit, Duration> {
        self.advance(now);
        if !self.pacing {
            return Ok(Permit(self.generation));
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(Permit(self.generation));
        }
        // At least a microsecond: a wait that rounds to nothing would not move a virtual
        // clock, and the caller would ask again for ever.
        let wait = Duration::try_from_secs_f64((1.0 - self.tokens) / self.rate)
            .unwrap_or(Duration::from_secs(1));
        Err(wait.max(Duration::from_micros(1)))
    }

    /// Learns from the answer to a request sent with `permit`.
    pub fn observe(&mut self, permit: Permit, answer: Admission, now: Instant) {
        self.advance(now);
        let window = self.settings.window;
        while self
            .admitted
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= window)
        {
            self.admitted.pop_front();
        }
        if answer == Admission::Admitted {
            self.admitted.push_back(now);
        }
        let admitted = self.admitted.len() as f64 / window.as_secs_f64();
        match answer {
            Admission::Throttled => {
                self.throttled_at = now;
                if permit.0 == self.generation {
                    // One cut per throttle: the requests already under way were sent under
                    // this pace, and their 429s say the same thing again.
                    self.generation += 1;
                    self.pacing = true;
                    // Little admitted (a quiet spell, or another client of the tenant took
                    // the room): the limit learnt before fades rather than being forgotten,
                    // and the rate climbs back to it fast.
                    self.ceiling = admitted.max(self.ceiling * self.settings.margin);
                    self.rate = (admitted * self.settings.margin).clamp(MIN_RATE, MAX_RATE);
                    self.tokens = self.tokens.min(0.0);
                    self.probing_since = None;
                }
            }
            Admission::Admitted => {
                if self.pacing && permit.0 < self.generation && admitted > self.ceiling {
                    // An answer to a request sent before the cut: the service admitted more
                    // than the cut assumed.
                    self.ceiling = admitted;
                    self.rate = self.rate.max(admitted * self.settings.margin).min(MAX_RATE);
                }
            }
        }
    }

    /// Refills the tokens and grows the rate up to `now`; stops pacing after the quiet time.
    fn advance(&mut self, now: Instant) {
        let from = self.refilled;
        let elapsed = now.saturating_duration_since(from).as_secs_f64();
        self.refilled = self.refilled.max(now);
        if !self.pacing {
            return;
        }
        if now.saturating_duration_since(self.throttled_at) >= self.settings.quiet {
            self.pacing = false;
            return;
        }
        // Below the learnt limit, or with none learnt yet (nothing was admitted before the
        // 429), the rate doubles each second until the next 429.
        let target = if self.ceiling >= MIN_RATE {
            self.ceiling * self.settings.margin
        } else {
            MAX_RATE
        };
        self.rate = if self.rate < target {
            (self.rate * SLOW_START.powf(elapsed)).min(target)
        } else {
            let since = *self.probing_since.get_or_insert(from);
            let probed = |at: Instant| probe(at.saturating_duration_since(since).as_secs_f64());
            self.rate * (self.settings.growth * (probed(now) - probed(from))).exp()
        }
        .clamp(MIN_RATE, MAX_RATE);
        // At most 10 ms of requests saved up (and one): a timer that wakes late at a high rate
        // does not lose the requests it should have sent.
        let saved = (self.rate * 0.01).max(1.0);
        self.tokens = (self.tokens + elapsed * self.rate).min(saved);
    }
}

/// The pacer of one client, shared by its operations and clones.
pub(crate) struct AdaptiveRate {
    /// Whether the pacer is pacing: read without a lock, so a client that was never throttled
    /// pays two atomic loads a request for it.
    pacing: AtomicBool,
    generation: AtomicU64,
    /// Waiting requests go out in the order they came (tokio's mutex is fair).
    turnstile: tokio::sync::Mutex<()>,
    pacer: Mutex<Pacer>,
}

impl fmt::Debug for AdaptiveRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdaptiveRate")
            .field("pacing", &self.pacing.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl AdaptiveRate {
    pub fn new(settings: RateAdaptation, now: Instant) -> Self {
        Self {
            pacing: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            turnstile: tokio::sync::Mutex::new(()),
            pacer: Mutex::new(Pacer::new(settings, now)),
        }
    }

    fn pacer(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits, on `clock`, until the pace lets a request go; `None` if that would be after
    /// `deadline` (nothing is taken then).
    pub async fn acquire(&self, clock: &dyn Clock, deadline: Instant) -> Option<Permit> {
        // The generation first: `observe` writes it before `pacing`, so a request that sees no
        // pacing carries the generation of before the cut, and its 429 does not cut again.
        let generation = self.generation.load(Ordering::Acquire);
        if !self.pacing.load(Ordering::Acquire) {
            return Some(Permit(generation));
        }
        let left = deadline.saturating_duration_since(clock.now());
        let _turn = tokio::time::timeout(left, self.turnstile.lock())
            .await
            .ok()?;
        loop {
            let wait = {
                let mut pacer = self.pacer();
                let taken = pacer.try_take(clock.now());
                self.pacing.store(pacer.is_pacing(), Ordering::Release);
                match taken {
                    Ok(permit) => return Some(permit),
                    Err(wait) => wait,
                }
            };
            if clock.now() + wait > deadline {
                return None;
            }
            clock.sleep(wait).await;
        }
    }

    /// A permit for a request whose turn was given elsewhere (by the fleet's shared limit),
    /// so that its answer still teaches this pace.
    pub fn permit_now(&self) -> Permit {
        Permit(self.generation.load(Ordering::Acquire))
    }

    /// Learns from an answer.
    pub fn observe(&self, permit: Permit, answer: Admission, clock: &dyn Clock) {
        let mut pacer = self.pacer();
        pacer.observe(permit, answer, clock.now());
        self.generation.store(pacer.generation, Ordering::Release);
        self.pacing.store(pacer.is_pacing(), Ordering::Release);
    }
}

#[cfg(test)]
mod tests;
