//! What the emulator holds: carts, orders, and the answers kept for replay, each within its
//! byte budget, carts until they expire. One lock guards it, held only to look up or to apply
//! a change already worked out: no JSON is read or written under it.

use axum::body::Bytes;
use chrono::{DateTime, Utc};

use super::Limits;
use super::bounded::Bounded;
use super::reply::Reply;
use super::rules::{CartState, Refusal};
use partner_center_carts::types::Order;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct CartKey {
    pub customer: String,
    pub cart: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct OrderKey {
    pub customer: String,
    pub order: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ReplayKey {
    pub customer: String,
    pub request: String,
}

/// A cart: its state, and its JSON as last answered.
#[derive(Clone, Debug)]
pub(crate) struct StoredCart {
    pub state: CartState,
    pub json: Bytes,
}

/// An order's JSON, and when it was placed.
#[derive(Clone, Debug)]
pub(crate) struct Placed {
    pub json: Bytes,
    pub at: DateTime<Utc>,
}

/// The first success of a write, and a fingerprint of the request it answered.
#[derive(Clone, Debug)]
pub(crate) struct Kept {
    pub fingerprint: u64,
    pub reply: Reply,
}

/// One write's effect, applied alike to memory and disk.
#[derive(Debug, Default)]
pub(crate) struct Change {
    pub cart: Option<(CartKey, StoredCart)>,
    pub orders: Vec<(OrderKey, Placed)>,
    pub replay: Option<(ReplayKey, Kept)>,
}

/// What a data directory held, oldest first in each list.
#[derive(Debug, Default)]
pub(crate) struct Saved {
    pub carts: Vec<(CartKey, StoredCart)>,
    pub orders: Vec<(OrderKey, Placed)>,
    pub replays: Vec<(ReplayKey, Kept)>,
}

/// What was dropped to apply a change: expired carts and entries forgotten for room.
#[derive(Debug, Default)]
pub(crate) struct Dropped {
    pub expired: Vec<(CartKey, u64)>,
    /// With the version forgotten, so that a newer version saved meanwhile stays on disk.
    pub carts: Vec<(CartKey, u64)>,
    pub orders: Vec<OrderKey>,
    pub replays: Vec<ReplayKey>,
}

impl Dropped {
    pub fn is_empty(&self) -> bool {
        self.expired.is_empty()
            && self.carts.is_empty()
            && self.orders.is_empty()
            && self.replays.is_empty()
    }

    /// Entries forgotten for room (not counting expired carts).
    pub fn evicted(&self) -> usize {
        self.carts.len() + self.orders.len() + self.replays.len()
    }
}

/// What an entry costs beyond its JSON, as measured roughly: its two GUID keys (held twice,
/// in the map and in the order of age), the map's and the queue's slots, the allocations.
pub(crate) const ENTRY_OVERHEAD: usize = 448;

pub(crate) struct Store {
    carts: Bounded<CartKey, StoredCart>,
    orders: Bounded<OrderKey, Placed>,
    replays: Bounded<ReplayKey, Kept>,
}

impl Store {
    pub fn new(limits: &Limits) -> Self {
        Self {
            carts: Bounded::new(limits.carts),
            orders: Bounded::new(limits.orders),
            replays: Bounded::new(limits.replays),
        }
    }

    /// A cart that has not expired at `now`.
    pub fn cart(&self, key: &CartKey, now: DateTime<Utc>) -> Result<StoredCart, Refusal> {
        self.carts
            .get(key)
            .filter(|c| c.state.expires > now)
            .cloned()
            .ok_or(Refusal::NoSuchCart)
    }

    pub fn order(&self, key: &OrderKey) -> Result<Placed, Refusal> {
        self.orders.get(key).cloned().ok_or(Refusal::NoSuchOrder)
    }

    /// A customer's orders with when each was placed, oldest first.
    pub fn placed(&self, customer: &str) -> Vec<(Order, DateTime<Utc>)> {
        self.orders
            .iter()
            .filter(|(k, _)| k.customer == customer)
            .filter_map(|(_, p)| Some((serde_json::from_slice(&p.json).ok()?, p.at)))
            .collect()
    }

    pub fn replay(&self, key: &ReplayKey) -> Option<Kept> {
        self.replays.get(key).cloned()
    }

    /// Applies a change at `now`; returns what it dropped.
    pub fn apply(&mut self, change: Change, now: DateTime<Utc>) -> Dropped {
        let mut dropped = Dropped::default();
        if let Some((key, cart)) = change.cart {
            let size = cart.json.len() + ENTRY_OVERHEAD;
            let forgotten = self.carts.upsert(key, size, cart);
            dropped
                .carts
                .extend(forgotten.into_iter().map(|(k, c)| (k, c.state.version)));
        }
        for (key, placed) in change.orders {
            let size = placed.json.len() + ENTRY_OVERHEAD;
            // An order changed keeps its place: the customer's orders are listed oldest first.
            let forgotten = self.orders.upsert(key, size, placed);
            dropped.orders.extend(forgotten.into_iter().map(|(k, _)| k));
        }
        if let Some((key, kept)) = change.replay {
            let size = kept.reply.body.len() + ENTRY_OVERHEAD;
            let forgotten = self.replays.insert(key, size, kept);
            dropped
                .replays
                .extend(forgotten.into_iter().map(|(k, _)| k));
        }
        dropped.expired = self.expire(now);
        dropped
    }

    /// Takes back what was saved, oldest first, as if each were written again at `now`: what
    /// has expired since, or no longer fits the budgets, is dropped.
    pub fn restore(&mut self, saved: Saved, now: DateTime<Utc>) -> Dropped {
        let mut dropped = Dropped::default();
        let changes = saved
            .carts
            .into_iter()
            .map(|cart| Change {
                cart: Some(cart),
                ..Default::default()
            })
            .chain(saved.orders.into_iter().map(|order| Change {
                orders: vec![order],
                ..Default::default()
            }))
            .chain(saved.replays.into_iter().map(|replay| Change {
                replay: Some(replay),
                ..Default::default()
            }));
        for change in changes {
            let more = self.apply(change, now);
            dropped.expired.extend(more.expired);
            dropped.carts.extend(more.carts);
            dropped.orders.extend(more.orders);
            dropped.replays.extend(more.replays);
        }
        dropped
    }

    /// Drops the carts expired at `now`. Carts are kept in the order they were created, so the
    /// expired ones are the oldest.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Vec<(CartKey, u64)> {
        let mut expired = Vec::new();
        while let Some((_, oldest)) = self.carts.oldest() {
            if oldest.state.expires > now {
                break;
            }
            expired.extend(self.carts.pop_oldest().map(|(k, c)| (k, c.state.version)));
        }
        expired
    }

    /// The bytes held: carts, orders, answers kept for replay.
    pub fn bytes(&self) -> (usize, usize, usize) {
        (
            self.carts.bytes(),
            self.orders.bytes(),
            self.replays.bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use chrono::Duration;

    fn cart(customer: &str, n: u32, created: DateTime<Utc>, size: usize) -> (CartKey, StoredCart) {
        (
            CartKey {
                customer: customer.into(),
                cart: n.to_string(),
            },
            StoredCart {
                state: CartState {
                    version: 1,
                    created,
                    expires: created + Duration::days(7),
                    ordered: false,
                },
                json: vec![b' '; size].into(),
            },
        )
    }

    #[test]
    fn carts_expire_seven_days_after_creation() {
        let mut store = Store::new(&Limits::default());
        let start = Utc::now();
        let (key, stored) = cart("c", 1, start, 10);
        store.apply(
            Change {
                cart: Some((key.clone(), stored)),
                ..Default::default()
            },
            start,
        );
        let almost = start + Duration::days(7) - Duration::seconds(1);
        assert!(store.cart(&key, almost).is_ok());
        let week = start + Duration::days(7);
        assert_eq!(store.cart(&key, week).err(), Some(Refusal::NoSuchCart));
        assert_eq!(store.expire(week), vec![(key, 1)]);
        assert_eq!(store.bytes().0, 0);
    }

    #[test]
    fn each_store_stays_within_its_budget() {
        let entry = 30 + ENTRY_OVERHEAD;
        let limits = Limits::default().carts(3 * entry + 10).replays(entry + 10);
        let mut store = Store::new(&limits);
        let now = Utc::now();
        let mut evicted = 0;
        for n in 0..10 {
            let (key, stored) = cart("c", n, now, 30);
            let dropped = store.apply(
                Change {
                    cart: Some((key, stored)),
                    replay: Some((
                        ReplayKey {
                            customer: "c".into(),
                            request: n.to_string(),
                        },
                        Kept {
                            fingerprint: 0,
                            reply: Reply {
                                status: StatusCode::CREATED,
                                body: vec![b' '; 30].into(),
                            },
                        },
                    )),
                    ..Default::default()
                },
                now,
            );
            evicted += dropped.evicted();
            let (carts, _, replays) = store.bytes();
            assert!(
                carts <= 3 * entry + 10 && replays <= entry + 10,
                "{carts} {replays}"
            );
        }
        // Three carts fit, and one answer.
        assert_eq!(evicted, (10 - 3) + (10 - 1));
        let newest = CartKey {
            customer: "c".into(),
            cart: "9".into(),
        };
        assert!(store.cart(&newest, now).is_ok());
    }

    #[test]
    fn a_restore_drops_what_expired_since_and_what_no_longer_fits() {
        let now = Utc::now();
        let saved = Saved {
            carts: vec![
                cart("c", 1, now - Duration::days(8), 10),
                cart("c", 2, now, 60),
                cart("c", 3, now, 60),
            ],
            ..Default::default()
        };
        let one = 60 + ENTRY_OVERHEAD;
        let mut store = Store::new(&Limits::default().carts(one + 10));
        let dropped = store.restore(saved, now);
        let key = |n: u32| CartKey {
            customer: "c".into(),
            cart: n.to_string(),
        };
        assert_eq!(dropped.expired, vec![(key(1), 1)]);
        assert_eq!(dropped.carts, vec![(key(2), 1)]);
        assert!(store.cart(&key(3), now).is_ok());
    }
}
