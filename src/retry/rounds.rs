//! The operation-level retries: after a whole request of a compound operation failed (its own
//! attempts, retried by [`super::Strategy`], all spent), whether to make another round of it
//! as a new request, and when. The compound operations loop; this decides.
//!
//! - [`Round::Busy`], a checkout: the cart is still busy with an earlier checkout (409 with
//!   800060 or 800064) and this request changed nothing: ask again as a new request, after the
//!   policy's backoff, as many rounds as the policy allows attempts, each paid for from the
//!   client's [`RetryBudget`] (a success pays it back).
//! - [`Round::Conflict`], `modify`'s PUT: the cart changed under it (412, or 409 with 800064)
//!   and nothing of the change is in: read it again and re-apply, after a random wait that
//!   grows each round, up to [`RetryPolicy::max_modify_rounds`].
//!
//! Either way, a round whose outcome is unknown is never made again, and no round starts
//! that would end past the operation's time budget.

use std::time::{Duration, Instant};

use super::{RetryBudget, RetryPolicy};
use crate::error::{Effect, Error, ServiceError};

/// Which compound operation makes the rounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Round {
    /// A checkout, asked again while the cart is busy.
    Busy,
    /// `modify`, reading the cart again after a conflict.
    Conflict,
}

/// What to do after a round failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Again {
    /// Wait this long, then make another round.
    After(Duration),
    /// The failure is not one rounds are made for: return it.
    Stop,
    /// It is, but the rounds, the time or the retry budget ran out.
    GaveUp,
}

/// The rounds of one compound operation.
pub(crate) struct Rounds<'a> {
    round: Round,
    policy: &'a RetryPolicy,
    budget: &'a RetryBudget,
    started: Instant,
    /// Rounds made so far.
    made: u32,
    /// What the rounds took from the budget.
    withdrawn: u32,
}

impl<'a> Rounds<'a> {
    pub(crate) fn new(
        round: Round,
        policy: &'a RetryPolicy,
        budget: &'a RetryBudget,
        started: Instant,
    ) -> Self {
        Self {
            round,
            policy,
            budget,
            started,
            made: 0,
            withdrawn: 0,
        }
    }

    /// How many rounds were made.
    pub(crate) fn made(&self) -> u32 {
        self.made
    }

    /// What to do after round number [`made`](Self::made) failed with `error`; `now` on the
    /// client's clock.
    pub(crate) fn next(&mut self, error: &Error, now: Instant) -> Again {
        self.made += 1;
        let changed_nothing = error.effect() == Effect::None;
        let (again, wait, rounds) = match self.round {
            Round::Busy => (
                error.service_error().is_some_and(ServiceError::is_busy),
                self.policy.backoff(self.made),
                self.policy.attempts(),
            ),
            Round::Conflict => (
                error.is_conflict(),
                self.policy.conflict_backoff(self.made),
                self.policy.modify_rounds(),
            ),
        };
        if !again || !changed_nothing {
            return Again::Stop;
        }
        let elapsed = now.saturating_duration_since(self.started);
        if self.made >= rounds || !self.policy.leaves_time_for(elapsed, wait) {
            return Again::GaveUp;
        }
        // A checkout asked again is a new request, and a retry: it draws on the budget.
        if self.round == Round::Busy {
            match self.budget.withdraw(false) {
                Some(cost) => self.withdrawn += cost,
                None => return Again::GaveUp,
            }
        }
        Again::After(wait)
    }

    /// The operation succeeded: what its rounds took from the budget goes back.
    pub(crate) fn succeeded(&self) {
        if self.withdrawn > 0 {
            self.budget.deposit(self.withdrawn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, ServiceError};
    use crate::types::PartnerCenterError;

    fn service(status: u16, code: i64) -> Error {
        let body: PartnerCenterError =
            serde_json::from_value(serde_json::json!({ "code": code, "description": "x" }))
                .unwrap();
        Error::new(ErrorKind::Service(ServiceError::new(
            status,
            Some(body),
            None,
            None,
        )))
    }

    #[test]
    fn a_busy_cart_is_asked_again_within_the_attempts_and_the_budget() {
        let policy = RetryPolicy::default().jitter(false).max_attempts(3);
        let budget = RetryBudget::new(10, 5);
        let start = Instant::now();
        let mut rounds = Rounds::new(Round::Busy, &policy, &budget, start);
        let busy = service(409, 800_064);
        assert_eq!(rounds.next(&busy, start), Again::After(policy.backoff(1)));
        assert_eq!(budget.available(), 5);
        assert_eq!(rounds.next(&busy, start), Again::After(policy.backoff(2)));
        assert_eq!(rounds.next(&busy, start), Again::GaveUp, "three rounds");
        rounds.succeeded();
        assert_eq!(budget.available(), 10, "a success pays the rounds back");

        let mut rounds = Rounds::new(Round::Busy, &policy, &budget, start);
        let unknown = service(409, 800_064).with_effect(Effect::Unknown);
        assert_eq!(rounds.next(&unknown, start), Again::Stop);
        assert_eq!(rounds.next(&service(400, 800_065), start), Again::Stop);
    }

    #[test]
    fn a_conflict_is_read_again_within_the_rounds_and_the_time() {
        let policy = RetryPolicy::default()
            .jitter(false)
            .max_modify_rounds(2)
            .max_elapsed(Duration::from_secs(60));
        let budget = RetryBudget::new(1, 5);
        let start = Instant::now();
        let mut rounds = Rounds::new(Round::Conflict, &policy, &budget, start);
        let conflict = service(412, 0);
        assert!(matches!(rounds.next(&conflict, start), Again::After(_)));
        assert_eq!(budget.available(), 1, "a re-read costs the budget nothing");
        assert_eq!(rounds.next(&conflict, start), Again::GaveUp);
        assert_eq!(rounds.made(), 2);

        let mut rounds = Rounds::new(Round::Conflict, &policy, &budget, start);
        let late = start + Duration::from_secs(60);
        assert_eq!(rounds.next(&conflict, late), Again::GaveUp, "no time left");
        assert_eq!(rounds.next(&service(409, 800_060), start), Again::Stop);
    }
}
