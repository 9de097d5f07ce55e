//! What is retried, how long to wait, and when to stop.
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
pub(crate) mod retry_after;

pub use adaptive::RateAdaptation;
pub(crate) use adaptive::{AdaptiveRate, Admission};
pub use budget::RetryBudget;
pub use policy::RetryPolicy;

use crate::codes;
use crate::{Error, ErrorKind};

/// Whether the failure may pass: another attempt of the same request may succeed. The built-in
/// retries follow this; [`Error::is_retryable`] adds that nothing was changed.
pub(crate) fn is_transient(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Transport { .. } | ErrorKind::Timeout | ErrorKind::Throttled { .. } => true,
        ErrorKind::Service(s) => is_retryable_status(s.status()) || is_busy(s),
        _ => false,
    }
}

/// 409 with 800064 ("the cart is being processed by another request") or 800060 ("your order
/// is in progress"): the service is busy with this cart, and asks to come back.
pub(crate) fn is_busy(service: &crate::error::ServiceError) -> bool {
    service.status() == 409
        && matches!(
            service.code_number(),
            Some(codes::CART_BEING_PROCESSED | codes::ORDER_IN_PROGRESS)
        )
}

/// The statuses worth another attempt.
pub(crate) fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Whether the service's `Retry-After` is honoured for this status.
pub(crate) fn honours_retry_after(status: u16) -> bool {
    matches!(status, 429 | 503)
}
