//! What is retried, how long to wait, and when to stop.
//!
//! - Retried: 408, 429, 500, 502, 503, 504, connection failures and attempt time-outs; never any
//!   other 4xx, never 501. Every method is retried: the operation's `MS-RequestId` stays the same
//!   on every attempt, so the service treats a repeat as the same request.
//! - The wait: `Retry-After` (seconds or an HTTP date) on 429 and 503; otherwise exponential
//!   backoff with jitter. No single wait is longer than [`RetryPolicy::max_backoff`].
//! - The bounds: [`RetryPolicy::max_attempts`], a total time budget
//!   ([`RetryPolicy::max_elapsed`]; when `Retry-After` asks for more than is left, the operation
//!   fails at once with that wait in its error), and a [`RetryBudget`] shared by every operation
//!   of one client, so a failing service gets no retry storm.
//! - A 401 is not retried under this policy: the token is dropped and the operation is tried
//!   once more with a fresh one (see [`crate::auth`]).

mod budget;
mod clock;
pub(crate) mod policy;
pub(crate) mod retry_after;

pub use budget::RetryBudget;
pub use clock::{Clock, SystemClock, VirtualClock};
pub use policy::RetryPolicy;

use crate::{Error, ErrorKind};

/// Whether trying again may succeed. [`Error::is_retryable`] is this.
pub(crate) fn is_retryable(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Transport { .. } | ErrorKind::Timeout | ErrorKind::Throttled { .. } => true,
        ErrorKind::Service(s) => is_retryable_status(s.status()),
        ErrorKind::InvalidInput { .. } | ErrorKind::Auth { .. } | ErrorKind::Undecodable { .. } => {
            false
        }
    }
}

/// The statuses worth another attempt.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether the service's `Retry-After` is honoured for this status.
pub(crate) fn honours_retry_after(status: u16) -> bool {
    matches!(status, 429 | 503)
}
