//! A piece of work: the key its writes are journaled under, and the count of its writes.

use std::sync::atomic::{AtomicU32, Ordering};

/// One doing of a piece of work ([`PartnerCenter::work`](crate::PartnerCenter::work)): its
/// writes are its steps 0, 1, 2, ... in the order they are sent.
#[derive(Debug)]
pub(crate) struct WorkScope {
    key: String,
    next: AtomicU32,
}

impl WorkScope {
    pub(crate) fn new(key: String) -> Self {
        Self {
            key,
            next: AtomicU32::new(0),
        }
    }

    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// The next write's step.
    pub(crate) fn next_step(&self) -> u32 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// The step of the write made last, for another round of it; the next if none was.
    pub(crate) fn this_step(&self) -> u32 {
        match self.next.load(Ordering::Relaxed) {
            0 => self.next_step(),
            next => next - 1,
        }
    }
}
