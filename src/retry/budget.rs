//! The retry budget: a token bucket shared by every operation of one client.

use std::fmt;
use std::sync::Mutex;

/// A token bucket that every retry draws from, shared by all operations of one
/// [`PartnerCenter`](crate::PartnerCenter) (as in the AWS SDKs).
///
/// A retry costs [`retry_cost`](Self::new) tokens (twice that after a time-out); an operation
/// that succeeds on its first attempt puts one token back, and one that succeeds after retries
/// puts back what its retries took. When the bucket runs dry, failing operations fail at once
/// instead of retrying: a service that is down gets each operation once, not
/// `max_attempts` times.
///
/// The default holds 500 tokens at a cost of 5: 100 retries in a row before it stops retrying.
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    available: Mutex<u32>,
}

impl RetryBudget {
    /// A full bucket of `capacity` tokens, where one retry costs `retry_cost`.
    pub fn new(capacity: u32, retry_cost: u32) -> Self {
        Self {
            capacity,
            retry_cost,
            available: Mutex::new(capacity),
        }
    }

    /// A budget that never runs dry.
    pub fn unlimited() -> Self {
        Self::new(u32::MAX, 0)
    }

    /// The tokens left.
    pub fn available(&self) -> u32 {
        self.available.lock().map_or(0, |a| *a)
    }

    /// Takes the cost of one retry, if the bucket has it; returns what was taken.
    pub(crate) fn withdraw(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.retry_cost.saturating_mul(2)
        } else {
            self.retry_cost
        };
        let mut available = self.available.lock().ok()?;
        *available = available.checked_sub(cost)?;
        Some(cost)
    }

    /// Puts tokens back after a success, up to the capacity.
    pub(crate) fn deposit(&self, tokens: u32) {
        if let Ok(mut available) = self.available.lock() {
            *available = available.saturating_add(tokens).min(self.capacity);
        }
    }
}

impl Default for RetryBudget {
    fn default() -> Self {
        Self::new(500, 5)
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("capacity", &self.capacity)
            .field("retry_cost", &self.retry_cost)
            .field("available", &self.available())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_dry_and_refills_up_to_capacity() {
        let budget = RetryBudget::new(12, 5);
        assert_eq!(budget.withdraw(false), Some(5));
        assert_eq!(budget.withdraw(false), Some(5));
        assert_eq!(budget.withdraw(false), None);
        assert_eq!(budget.available(), 2);
        budget.deposit(100);
        assert_eq!(budget.available(), 12);
        assert_eq!(budget.withdraw(true), Some(10));
        assert_eq!(budget.available(), 2);
    }

    #[test]
    fn unlimited_never_runs_dry() {
        let budget = RetryBudget::unlimited();
        for _ in 0..10_000 {
            assert!(budget.withdraw(true).is_some());
        }
    }
}
