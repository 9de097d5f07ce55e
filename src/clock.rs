//! The one clock of the client and of the emulator: where retries and the pace read the time
//! and wait, and where the emulator reads the date it writes (timestamps, a cart's expiry, an
//! order's provisioning). The real one, or a virtual one for tests.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// Where the time is read and waited on. The default is [`SystemClock`]; tests use
/// [`VirtualClock`], whose waits take no time and are recorded.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Now, for measuring time.
    fn now(&self) -> Instant;

    /// Now, as a date (what the emulator writes in timestamps); it moves with [`Clock::now`].
    fn date(&self) -> SystemTime;

    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

    /// The time a fleet's shared limit ([`SharedLimit`](crate::retry::SharedLimit)) keeps its
    /// turns in: `None` (the default), Redis's own, which every machine of a fleet agrees on;
    /// a virtual clock gives its date, so that a test runs the shared limit on it.
    fn fleet_time(&self) -> Option<SystemTime> {
        None
    }
}

/// The real clock, waiting with `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn date(&self) -> SystemTime {
        SystemTime::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when waited on or told to: every wait returns at once, advances the
/// clock by its duration, and is recorded; [`VirtualClock::advance`] moves it without a wait.
/// For tests of retries, pacing or expiry that must not take seconds; one shared by a client
/// and the emulator gives both the same time.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts::clock::{Clock, VirtualClock};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let clock = VirtualClock::new();
/// let (before, date) = (clock.now(), clock.date());
/// clock.sleep(Duration::from_secs(57)).await;
/// clock.advance(Duration::from_secs(3));
/// assert_eq!(clock.now() - before, Duration::from_secs(60));
/// assert_eq!(clock.date().duration_since(date).unwrap(), Duration::from_secs(60));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(57)]);
/// # }
/// ```
#[derive(Debug)]
pub struct VirtualClock {
    start: Instant,
    start_date: SystemTime,
    moved: Mutex<Moved>,
}

/// How far a [`VirtualClock`] has moved, and by which waits.
#[derive(Debug, Default)]
struct Moved {
    total: Duration,
    sleeps: Vec<Duration>,
}

impl VirtualClock {
    /// A virtual clock starting now.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A virtual clock whose date starts at `date`.
    pub fn starting_at(date: SystemTime) -> Self {
        Self {
            start: Instant::now(),
            start_date: date,
            moved: Mutex::default(),
        }
    }

    /// Moves the clock forward without a wait (a test's own passing of time, such as a week
    /// for a cart to expire). A virtual clock moves a century at most.
    pub fn advance(&self, by: Duration) {
        self.moved(|moved| moved.total = moved.total.saturating_add(by));
    }

    /// Every wait so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.moved(|moved| moved.sleeps.clone())
    }

    /// The sum of the waits so far (not of [`VirtualClock::advance`]).
    pub fn elapsed(&self) -> Duration {
        self.moved(|moved| moved.sleeps.iter().sum())
    }

    fn moved<T>(&self, f: impl FnOnce(&mut Moved) -> T) -> T {
        // A test that panicked while holding the lock left the times as they were.
        f(&mut self.moved.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// How far the clock has moved, at most [`HORIZON`], which an `Instant` and a date can
    /// always add.
    fn total(&self) -> Duration {
        self.moved(|moved| moved.total).min(HORIZON)
    }
}

/// How far a [`VirtualClock`] moves at most: a century.
const HORIZON: Duration = Duration::from_secs(100 * 365 * 86_400);

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + self.total()
    }

    fn date(&self) -> SystemTime {
        self.start_date + self.total()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        self.moved(|moved| {
            moved.total = moved.total.saturating_add(duration);
            moved.sleeps.push(duration);
        });
        Box::pin(std::future::ready(()))
    }

    fn fleet_time(&self) -> Option<SystemTime> {
        Some(self.date())
    }
}

impl<C: Clock> Clock for std::sync::Arc<C> {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn date(&self) -> SystemTime {
        (**self).date()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        (**self).sleep(duration)
    }

    fn fleet_time(&self) -> Option<SystemTime> {
        (**self).fleet_time()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_beyond_a_century_stops_there_without_a_panic() {
        let clock = VirtualClock::new();
        let (before, date) = (clock.now(), clock.date());
        clock.advance(Duration::MAX);
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now() - before, HORIZON);
        assert_eq!(clock.date().duration_since(date).unwrap(), HORIZON);
    }
}
