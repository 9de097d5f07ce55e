//! What is retried, how long to wait, and when to stop: every retry is decided here, at two
//! levels. The strategy (`strategy.rs`) is asked after each failed attempt of a request; the
//! rounds (`rounds.rs`), after a whole request of a compound operation failed, whether to make
//! another (a checkout while the cart is busy, `modify` after a conflict).
//!
//! - Retried: 408, 429, 500, 502, 503, 504, 409 with 800064 or 800060 (the cart is busy),
//!   connection failures and attempt time-outs; never any other 4xx, never 501. Every method is
//!   retried: the operation's `MS-RequestId` stays the same on every attempt, so the service
//!   treats a repeat as the same request, and a write whose answer was lost is not applied twice.
//! - The wait: `Retry-After` (seconds or an HTTP date) on 429 and 503; otherwise exponential
//!   backoff with jitter. No single wait is longer than [`RetryPolicy::max_backoff`].
//! - The bounds: [`RetryPolicy::max_attempts`] for failures without `Retry-After`; a wait the
//!   service asked for is waited out for as long as the total time budget
//!   ([`RetryPolicy::max_elapsed`]) allows (when `Retry-After` asks for more than is left, the
//!   operation fails at once with that wait in its error); and a [`RetryBudget`] shared by every
//!   operation of one client, so a failing service gets no retry storm.
//! - A 401 is not retried under this policy: the token is dropped and the operation is tried
//!   once more with a fresh one (see [`crate::auth`]).

mod adaptive;
mod budget;
pub(crate) mod policy;
mod priority;
mod rounds;
#[cfg(feature = "redis")]
mod shared_limit;
mod strategy;

pub use adaptive::RateAdaptation;
pub(crate) use adaptive::{AdaptiveRate, Admission};
pub use budget::RetryBudget;
pub use policy::RetryPolicy;
pub use priority::Priority;
pub(crate) use rounds::{Again, Round, Rounds};
#[cfg(feature = "redis")]
pub(crate) use shared_limit::{Fleet, Scopes, Turn};
#[cfg(feature = "redis")]
pub use shared_limit::{LearntRate, SharedLimit};
pub(crate) use strategy::{Next, Strategy};

/// Whether the service's `Retry-After` is honoured for this status.
pub(crate) fn honours_retry_after(status: u16) -> bool {
    matches!(status, 429 | 503)
}
