//! The clock retries wait on: the real one, or a virtual one for tests.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where retries read the time and wait. The default is [`SystemClock`]; tests use
/// [`VirtualClock`], whose waits take no time and are recorded.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Now.
    fn now(&self) -> Instant;

    /// Waits for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// The real clock, waiting with `tokio::time::sleep`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A clock that moves only when waited on: every wait returns at once, advances the clock by
/// its duration, and is recorded. For tests of retry behaviour that must not take seconds.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts::retry::{Clock, VirtualClock};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let clock = VirtualClock::new();
/// let before = clock.now();
/// clock.sleep(Duration::from_secs(57)).await;
/// assert_eq!(clock.now() - before, Duration::from_secs(57));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(57)]);
/// # }
/// ```
#[derive(Debug)]
pub struct VirtualClock {
    start: Instant,
    sleeps: Mutex<Vec<Duration>>,
}

impl VirtualClock {
    /// A virtual clock starting now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
            sleeps: Mutex::new(Vec::new()),
        }
    }

    /// Every wait so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The sum of the waits so far.
    pub fn elapsed(&self) -> Duration {
        self.sleeps().iter().sum()
    }
}

impl Default for VirtualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.start + self.elapsed()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        if let Ok(mut sleeps) = self.sleeps.lock() {
            sleeps.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

impl<C: Clock> Clock for std::sync::Arc<C> {
    fn now(&self) -> Instant {
        (**self).now()
    }

    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        (**self).sleep(duration)
    }
}
