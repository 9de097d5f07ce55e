//! Which requests go first under one limit: a purchase's writes before a batch's reads.

use std::time::Duration;

/// A request's class under a fleet's shared limit ([`SharedLimit`](super::SharedLimit)):
/// turns are given in the order they are asked for, but a read may not take a turn further
/// ahead than its class allows, and waits outside the queue until it may; so a purchase's
/// write is never behind more than a second of reads, however many a reconciliation job has
/// asked for.
///
/// Every write is [`Purchase`](Self::Purchase) and every read [`Normal`](Self::Normal)
/// unless the client says otherwise ([`PartnerCenter::with_priority`](crate::PartnerCenter::with_priority)).
///
/// ```
/// use partner_center_carts::PartnerCenter;
/// use partner_center_carts::retry::Priority;
///
/// let pc = PartnerCenter::builder().bearer_token("token").build()?;
/// // A nightly reconciliation: its reads give way to everything else.
/// let reconciliation = pc.with_priority(Priority::Background);
/// # let _ = reconciliation;
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Priority {
    /// Takes its turn wherever the queue ends: every write by default.
    Purchase,
    /// Takes a turn at most a second ahead: every read by default.
    Normal,
    /// Takes a turn at most a quarter of a second ahead: work that can wait, such as a
    /// reconciliation's reads.
    Background,
}

impl Priority {
    /// The class of a request that writes, or reads, when none is given.
    pub(crate) fn of(writes: bool) -> Self {
        if writes { Self::Purchase } else { Self::Normal }
    }

    /// How far ahead of now a request of this class may take its turn (`None`: any).
    pub fn horizon(self) -> Option<Duration> {
        match self {
            Self::Purchase => None,
            Self::Normal => Some(Duration::from_secs(1)),
            Self::Background => Some(Duration::from_millis(250)),
        }
    }
}
