//! The emulator's time: the system's, or one a test moves by hand, so that a cart's expiry or
//! an order's provisioning can be tested without waiting for them.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

/// Where the emulator reads the time: carts' timestamps and expiry, orders' provisioning.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The time now.
    fn now(&self) -> DateTime<Utc>;
}

/// A duration on the emulator's clock; one too long for it is as long as it holds.
pub(crate) fn span(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// The system's clock, the emulator's default.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told to; its clones share one time.
///
/// ```
/// use std::time::Duration;
/// use partner_center_carts::emulator::{Clock, ManualClock};
///
/// let clock = ManualClock::starting_now();
/// let before = clock.now();
/// clock.advance(Duration::from_secs(7 * 24 * 3600));
/// assert_eq!((clock.now() - before).num_days(), 7);
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// A clock stopped at the system's time now.
    pub fn starting_now() -> Self {
        Self::new(Utc::now())
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: std::time::Duration) {
        let by = span(by);
        let mut now = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *now = now
            .checked_add_signed(by)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}
