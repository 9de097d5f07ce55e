//! What the emulator has seen, counted without a lock.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// What the emulator has seen, and what it holds now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Requests received.
    pub requests: u64,
    /// Requests answered 429 by fault injection.
    pub throttled: u64,
    /// Requests answered 503 by fault injection.
    pub unavailable: u64,
    /// Writes done and then answered 504 by fault injection.
    pub lost_answers: u64,
    /// Requests answered 409 / 800064 or 800060 by fault injection.
    pub busy: u64,
    /// Repeats answered with their first answer (same `MS-RequestId`).
    pub replayed: u64,
    /// Carts dropped because they expired.
    pub expired: u64,
    /// Carts, orders, subscriptions and kept answers forgotten to stay within their budgets.
    pub evicted: u64,
    /// The bytes of carts held now.
    pub cart_bytes: usize,
    /// The bytes of orders held now.
    pub order_bytes: usize,
    /// The bytes of the state of subscriptions that changed held now (in their orders' entries,
    /// not counted in `order_bytes`).
    pub subscription_bytes: usize,
    /// The bytes of customers' confirmed agreements held now.
    pub agreement_bytes: usize,
    /// The bytes of answers held for replay now.
    pub replay_bytes: usize,
    /// The bytes of the request log now.
    pub log_bytes: usize,
}

/// The counters behind [`Stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub requests: AtomicU64,
    pub throttled: AtomicU64,
    pub unavailable: AtomicU64,
    pub lost_answers: AtomicU64,
    pub busy: AtomicU64,
    pub replayed: AtomicU64,
    pub expired: AtomicU64,
    pub evicted: AtomicU64,
}

impl Counters {
    pub fn bump(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    /// The counts, into `stats`.
    pub fn read_into(&self, stats: &mut Stats) {
        stats.requests = self.requests.load(Relaxed);
        stats.throttled = self.throttled.load(Relaxed);
        stats.unavailable = self.unavailable.load(Relaxed);
        stats.lost_answers = self.lost_answers.load(Relaxed);
        stats.busy = self.busy.load(Relaxed);
        stats.replayed = self.replayed.load(Relaxed);
        stats.expired = self.expired.load(Relaxed);
        stats.evicted = self.evicted.load(Relaxed);
    }
}
