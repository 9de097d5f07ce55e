//! A piece of work: the key its writes are journaled under, and the count of its writes.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

/// One doing of a piece of work ([`PartnerCenter::work`](crate::PartnerCenter::work)): its
/// writes are its steps 0, 1, 2, ... in the order they are sent; a write not made (refused,
/// unknown, or never sent) keeps its step, so that sending it again on the same handle (a
/// retry, a `resend`) is that step again, never a new one.
#[derive(Debug)]
pub(crate) struct WorkScope {
    key: String,
    /// The steps taken so far.
    taken: AtomicU32,
    /// The last step taken is not made yet.
    open: AtomicBool,
}

impl WorkScope {
    pub(crate) fn new(key: String) -> Self {
        Self {
            key,
            taken: AtomicU32::new(0),
            open: AtomicBool::new(false),
        }
    }

    pub(crate) fn key(&self) -> &str {
        &self.key
    }

    /// The step of the next write: the last one again while it is not made, else a new one.
    pub(crate) fn take_step(&self) -> u32 {
        if self.open.swap(true, Ordering::Relaxed) {
            return self.this_step();
        }
        self.taken.fetch_add(1, Ordering::Relaxed)
    }

    /// The step of the write taken last (another round of it), or a new one if none was.
    pub(crate) fn this_step(&self) -> u32 {
        match self.taken.load(Ordering::Relaxed) {
            0 => {
                self.open.store(true, Ordering::Relaxed);
                self.taken.fetch_add(1, Ordering::Relaxed)
            }
            taken => taken - 1,
        }
    }

    /// Whether the last step's write was made: the next write takes a new step if so.
    pub(crate) fn settled(&self, made: bool) {
        self.open.store(!made, Ordering::Relaxed);
    }
}
