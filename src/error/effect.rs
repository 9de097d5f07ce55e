//! What a failed operation did to the service's state, learned only from what the service and
//! the connection said, never guessed from content.
//!
//! Each attempt of an operation carries the operation's one `MS-RequestId`, and the service
//! answers a repeat of a request with its first answer. So across the attempts of one write:
//!
//! - an attempt that never reached the service, or that the service turned away before looking
//!   at it (401, 403, 408, 429, 503, and 409 "busy"), changes nothing we know;
//! - an attempt sent whose answer was lost (a time-out, a broken connection, 500, 502, 504)
//!   leaves the outcome unknown: the write may have landed;
//! - an answer in which the service judged the request (any other 4xx, such as 400, 404 or a
//!   412 for a stale `If-Match`) settles it: had an earlier attempt landed, the service would
//!   have answered this repeat with that attempt's success;
//! - a success settles it too, even one whose body cannot be read.

use super::{Error, ErrorKind};

/// What a failed operation did: nothing, something unknown, or its change.
///
/// Read it before acting on an error. [`Error::is_retryable`] is never true unless this is
/// [`Effect::None`], so a loop that calls an operation again while `is_retryable()` never applies
/// a change twice.
///
/// ```
/// use partner_center_carts::error::{Effect, Error};
///
/// fn next_step(e: &Error) -> &'static str {
///     match e.effect() {
///         Effect::None if e.is_retryable() => "nothing happened; call it again later",
///         Effect::None => "nothing happened; fix the request",
///         Effect::Unknown => "it may have happened; send the same request again (resend)",
///         Effect::Applied => "it happened; the answer could not be used",
///         _ => "read the error",
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Effect {
    /// Nothing changed: the operation reads only, never reached the service, or the service
    /// refused it.
    #[default]
    None,
    /// The change may or may not have been made: a write was sent and its answer was lost, and
    /// no later attempt learned which. Send the same request again, with the same
    /// `MS-RequestId`, to learn the outcome: [`PartnerCenter::resend`](crate::PartnerCenter::resend)
    /// does that for any write.
    Unknown,
    /// The change was made (the service answered with a success), but the answer could not be
    /// used: its body is kept in the error.
    Applied,
}

/// What one attempt of a write did, as far as its own answer tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// It changed nothing, and tells nothing about earlier attempts.
    Nothing,
    /// The service judged the request: it was not applied, now or before.
    Refused,
    /// It may have been applied.
    Unknown,
    /// It was applied.
    Applied,
}

impl Attempt {
    /// What the failed attempt that ended in `error` did.
    pub(crate) fn of(error: &Error) -> Self {
        match error.kind() {
            ErrorKind::InvalidInput(_)
            | ErrorKind::Config(_)
            | ErrorKind::Journal(_)
            | ErrorKind::Auth(_)
            | ErrorKind::Throttled(_) => Self::Nothing,
            ErrorKind::Transport(_) | ErrorKind::Timeout(_) => {
                if error.0.sent {
                    Self::Unknown
                } else {
                    Self::Nothing
                }
            }
            ErrorKind::Service(s) => match s.status() {
                401 | 403 | 408 | 409 | 429 | 503 => Self::Nothing,
                400..=499 => Self::Refused,
                500 | 502 | 504 => Self::Unknown,
                // 501 and the rest of 5xx: the service says it cannot do this at all.
                _ => Self::Nothing,
            },
            ErrorKind::Undecodable(u) if (200..300).contains(&u.status()) => Self::Applied,
            // A status the spec does not list (a redirect, say), or a success for another
            // resource than the one asked for: what was changed, if anything, is not known.
            ErrorKind::Undecodable(_) | ErrorKind::Mismatch(_) => Self::Unknown,
            ErrorKind::NothingOrdered(_) => Self::Refused,
            ErrorKind::StillProvisioning(_) | ErrorKind::NotYetListed(_) => Self::Nothing,
            ErrorKind::WindowClosed(w) if w.service().is_some() => Self::Refused,
            ErrorKind::WindowClosed(_) => Self::Nothing,
        }
    }
}

/// The effect of a write so far, after one more failed attempt.
pub(crate) fn fold(so_far: Effect, attempt: Attempt) -> Effect {
    match attempt {
        Attempt::Nothing => so_far,
        Attempt::Refused => Effect::None,
        Attempt::Unknown => Effect::Unknown,
        Attempt::Applied => Effect::Applied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::from_status;

    #[test]
    fn a_lost_answer_stays_unknown_until_the_service_judges_a_repeat() {
        let lost = Attempt::of(&from_status(504, None, None, None));
        let busy = Attempt::of(&from_status(503, None, None, None));
        let throttled = Attempt::of(&from_status(429, None, None, None));
        let stale = Attempt::of(&from_status(412, None, None, None));
        assert_eq!(lost, Attempt::Unknown);
        let mut effect = fold(Effect::None, lost);
        for nothing in [busy, throttled] {
            effect = fold(effect, nothing);
            assert_eq!(effect, Effect::Unknown);
        }
        assert_eq!(fold(effect, stale), Effect::None);
    }

    #[test]
    fn a_timeout_before_anything_was_sent_changed_nothing() {
        let before = Error::timeout();
        let after = Error::timeout().sent();
        assert_eq!(Attempt::of(&before), Attempt::Nothing);
        assert_eq!(Attempt::of(&after), Attempt::Unknown);
    }
}
