//! Asking again until an answer says the wait is over: the waiters' one loop (aws-sdk-rust's
//! `wait_until_*`), which never asks faster than the throttling guidance allows.

use std::ops::ControlFlow;
use std::time::Duration;

use crate::client::PartnerCenter;
use crate::clock::Clock;
use crate::error::Error;

/// The first wait between two asks, and the shortest: the throttling guidance warns against
/// polling continuously.
pub(super) const FLOOR: Duration = Duration::from_secs(2);

/// The longest wait between two asks.
pub(super) const CEILING: Duration = Duration::from_secs(60);

/// A wait that ran out: the last answer, how long it waited, and how many times it asked.
pub(super) struct RanOut<T> {
    pub last: T,
    pub waited: Duration,
    pub asks: u32,
}

/// Asks with `ask` until `over` ends the wait with an answer (`Break`, which this returns as
/// `Ok`) or `max_wait` would pass before the next ask (the last answer, in [`RanOut`]). Waits [`FLOOR`] at first, doubling up to
/// [`CEILING`], on the client's clock; `progress` hears each answer that is not the end, and
/// the wait before the next ask. A failed ask ends the wait with its error.
pub(super) async fn until<T, R>(
    pc: &PartnerCenter,
    max_wait: Duration,
    mut ask: impl AsyncFnMut() -> Result<T, Error>,
    mut over: impl FnMut(T) -> ControlFlow<R, T>,
    mut progress: impl FnMut(&T, Duration),
) -> Result<Result<R, RanOut<T>>, Error> {
    let clock: &dyn Clock = &*pc.shared.clock;
    let started = clock.now();
    let mut wait = FLOOR;
    let mut asks = 0u32;
    loop {
        let answer = ask().await?;
        asks += 1;
        let last = match over(answer) {
            ControlFlow::Break(done) => return Ok(Ok(done)),
            ControlFlow::Continue(last) => last,
        };
        let waited = clock.now().saturating_duration_since(started);
        if waited.saturating_add(wait) > max_wait {
            return Ok(Err(RanOut { last, waited, asks }));
        }
        progress(&last, wait);
        clock.sleep(wait).await;
        wait = wait.saturating_mul(2).min(CEILING);
    }
}
