//! The retry strategy: asked once after each failed attempt of an operation, it says whether
//! to try again, and when.
//!
//! Its classifiers are asked in order, each saying retry, stop, or nothing (as smithy-rs's
//! retry classifiers do); the first that says retry or stop decides:
//!
//! 1. a request that cannot be sent again (its body was streamed and is used up): stop;
//! 2. a 401 from the service, the first of the operation, when the token provider can give a
//!    fresh token: retry at once with it (this counts against nothing); not for a 401 that
//!    asks for MFA (900421), which a fresh token from the same sign-in does not satisfy;
//! 3. the [`RetryPolicy`]: a transient failure is retried after `Retry-After` or a backoff,
//!    within `max_attempts` and the time budget; anything else stops.
//!
//! A retry after a wait is then paid for from the client's [`RetryBudget`]; with the budget
//! spent, the operation stops. A success pays back what its retries took.

use std::time::{Duration, Instant};

use super::policy::Next as PolicyNext;
use super::{RetryBudget, RetryPolicy};
use crate::auth::{AccessToken, TokenProvider};
use crate::error::{Error, ErrorKind};

/// What to do after a failed attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// Try again at once, with a fresh token.
    FreshToken,
    /// Wait this long, then try again.
    After(Duration),
    /// Stop, with the attempt's error.
    Stop,
}

/// What one classifier says of a failed attempt.
enum Verdict {
    Retry(Next),
    Stop,
    NoOpinion,
}

/// A failed attempt, as the classifiers see it.
struct Failure<'a> {
    error: &'a Error,
    token: &'a AccessToken,
    resendable: bool,
    now: Instant,
}

/// The classifiers, in the order they are asked.
const CLASSIFIERS: [fn(&mut Strategy<'_>, &Failure<'_>) -> Verdict; 3] =
    [cannot_resend, refused_token, policy];

/// The retry state of one operation.
pub(crate) struct Strategy<'a> {
    policy: &'a RetryPolicy,
    budget: &'a RetryBudget,
    tokens: &'a dyn TokenProvider,
    started: Instant,
    /// Attempts that count against `max_attempts`: not those the service asked to repeat
    /// later.
    counted: u32,
    fresh_token_tried: bool,
    /// What the retries took from the budget.
    withdrawn: u32,
}

impl<'a> Strategy<'a> {
    pub(crate) fn new(
        policy: &'a RetryPolicy,
        budget: &'a RetryBudget,
        tokens: &'a dyn TokenProvider,
        started: Instant,
    ) -> Self {
        Self {
            policy,
            budget,
            tokens,
            started,
            counted: 0,
            fresh_token_tried: false,
            withdrawn: 0,
        }
    }

    /// What to do after an attempt that failed with `error`, sent with `token`; `resendable`
    /// when the request can be sent again; `now` on the client's clock.
    pub(crate) fn next(
        &mut self,
        error: &Error,
        token: &AccessToken,
        resendable: bool,
        now: Instant,
    ) -> Next {
        let failure = Failure {
            error,
            token,
            resendable,
            now,
        };
        for classify in CLASSIFIERS {
            match classify(self, &failure) {
                Verdict::NoOpinion => {}
                Verdict::Stop => return Next::Stop,
                Verdict::Retry(Next::After(wait)) => return self.pay_for(wait, error),
                Verdict::Retry(next) => return next,
            }
        }
        Next::Stop
    }

    /// The operation succeeded: a success refills the budget, with what this operation's
    /// retries took, or one token for a first-time success.
    pub(crate) fn succeeded(&self) {
        self.budget.deposit(self.withdrawn.max(1));
    }

    /// A retry after `wait`, if the budget pays for it.
    fn pay_for(&mut self, wait: Duration, error: &Error) -> Next {
        let after_timeout = matches!(error.kind(), ErrorKind::Timeout(_));
        match self.budget.withdraw(after_timeout) {
            Some(cost) => {
                self.withdrawn += cost;
                Next::After(wait)
            }
            None => {
                tracing::warn!("the client's retry budget is spent; not retrying");
                Next::Stop
            }
        }
    }
}

/// A request whose body was streamed cannot be sent again.
fn cannot_resend(_: &mut Strategy<'_>, failure: &Failure<'_>) -> Verdict {
    if failure.resendable {
        Verdict::NoOpinion
    } else {
        Verdict::Stop
    }
}

/// The service refused the token (a 401, as opposed to a token that could not be had): once
/// per operation, drop it and try again at once with a fresh one, if the provider can give one.
fn refused_token(strategy: &mut Strategy<'_>, failure: &Failure<'_>) -> Verdict {
    // A token refused for want of MFA: a fresh one from the same sign-in carries the same
    // claims, so asking for one is a wasted round trip.
    let refused = matches!(
        failure.error.kind(),
        ErrorKind::Auth(a) if a.service().is_some() && !a.mfa_required()
    );
    if !refused || strategy.fresh_token_tried {
        return Verdict::NoOpinion;
    }
    strategy.fresh_token_tried = true;
    if strategy.tokens.invalidate(failure.token) {
        Verdict::Retry(Next::FreshToken)
    } else {
        Verdict::NoOpinion
    }
}

/// The policy's verdict: a transient failure again after its wait, within the attempts and the
/// time allowed; anything else stops.
fn policy(strategy: &mut Strategy<'_>, failure: &Failure<'_>) -> Verdict {
    let policy = strategy.policy;
    if policy.counts(failure.error) {
        strategy.counted += 1;
    }
    let elapsed = failure.now.saturating_duration_since(strategy.started);
    match policy.next(strategy.counted, failure.error, elapsed) {
        PolicyNext::GiveUp => Verdict::Stop,
        PolicyNext::RetryAfter(wait) => Verdict::Retry(Next::After(wait)),
    }
}
