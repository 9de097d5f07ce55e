//! What the emulator holds: carts, orders (each with the state of the subscriptions it
//! created that changed), and the answers kept for replay, each within its byte budget, carts
//! until they expire. One lock guards it, held only to look up, to clone what is kept (its
//! JSON is shared bytes) or to apply a change already worked out: no JSON is read or written
//! under it.

use std::collections::HashMap;
use std::ops::{Add, Sub};
use std::sync::Arc;

use axum::body::Bytes;
use chrono::{DateTime, Utc};

use super::bounded::{Bounded, Size};
use super::limits::Limits;
use super::reply::Reply;
use super::rules::{CartState, Refusal};

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
pub(crate) struct SubscriptionKey {
    pub customer: String,
    pub subscription: String,
}

/// One agreement a customer's acceptance was confirmed for (the emulator's own id for it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct AgreementKey {
    pub customer: String,
    pub id: String,
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

/// An order as kept (`order_entry` reads and writes it).
#[derive(Clone, Debug)]
pub(crate) struct Placed {
    /// The order's JSON.
    pub json: Bytes,
    /// When it was placed.
    pub at: DateTime<Utc>,
    /// This write's number, from one counter of the service's that only goes up (across
    /// restarts too): forgetting a version on disk never deletes one written after it.
    pub version: u64,
    /// The ids of the subscriptions its line items create, by which they are found.
    pub subscriptions: Arc<[String]>,
    /// The state of those subscriptions that changed, as JSON (empty when none did): in the
    /// order's entry, so that the two are forgotten together, never one without the other.
    pub lives: Bytes,
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
    /// An agreement confirmed, as its JSON.
    pub agreement: Option<(AgreementKey, Bytes)>,
    pub replay: Option<(ReplayKey, Kept)>,
}

/// What a data directory held, oldest first in each list.
#[derive(Debug, Default)]
pub(crate) struct Saved {
    pub carts: Vec<(CartKey, StoredCart)>,
    pub orders: Vec<(OrderKey, Placed)>,
    pub agreements: Vec<(AgreementKey, Bytes)>,
    pub replays: Vec<(ReplayKey, Kept)>,
}

/// What was dropped to apply a change: expired carts and entries forgotten for room. Carts
/// and orders with the version forgotten, so that a newer version saved meanwhile stays on
/// disk.
#[derive(Debug, Default)]
pub(crate) struct Dropped {
    pub expired: Vec<(CartKey, u64)>,
    pub carts: Vec<(CartKey, u64)>,
    pub orders: Vec<(OrderKey, u64)>,
    pub agreements: Vec<AgreementKey>,
    pub replays: Vec<ReplayKey>,
}

impl Dropped {
    pub fn is_empty(&self) -> bool {
        self.expired.is_empty()
            && self.carts.is_empty()
            && self.orders.is_empty()
            && self.agreements.is_empty()
            && self.replays.is_empty()
    }

    /// Entries forgotten for room (not counting expired carts).
    pub fn evicted(&self) -> usize {
        self.carts.len() + self.orders.len() + self.agreements.len() + self.replays.len()
    }
}

/// What an entry costs beyond its JSON, as measured roughly: its two GUID keys (held twice,
/// in the map and in the order of age), the map's and the queue's slots, the allocations.
pub(crate) const ENTRY_OVERHEAD: usize = 448;

/// What each subscription id of an order costs: the id in the order's entry, and its slot in
/// the index that finds the order by it (two keys of two strings each, the map's slot).
pub(crate) const INDEX_OVERHEAD: usize = 320;

/// What an order's entry costs, in each of two budgets: the order's (its JSON, the index of
/// its subscriptions, bookkeeping) and its subscriptions' (the state of those that changed).
/// Over either, the oldest orders are forgotten, each with its subscriptions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct OrderSize {
    pub orders: usize,
    pub subscriptions: usize,
}

impl OrderSize {
    /// What `placed` costs.
    pub fn of(placed: &Placed) -> Self {
        Self {
            orders: placed.json.len()
                + ENTRY_OVERHEAD
                + placed.subscriptions.len() * INDEX_OVERHEAD,
            subscriptions: placed.lives.len(),
        }
    }

    /// The budgets of `limits`.
    pub fn budget(limits: &Limits) -> Self {
        Self {
            orders: limits.orders,
            subscriptions: limits.subscriptions,
        }
    }
}

impl Add for OrderSize {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self {
            orders: self.orders + other.orders,
            subscriptions: self.subscriptions + other.subscriptions,
        }
    }
}

impl Sub for OrderSize {
    type Output = Self;
    fn sub(self, other: Self) -> Self {
        Self {
            orders: self.orders - other.orders,
            subscriptions: self.subscriptions - other.subscriptions,
        }
    }
}

impl Size for OrderSize {
    fn exceeds(self, budget: Self) -> bool {
        self.orders > budget.orders || self.subscriptions > budget.subscriptions
    }
}

pub(crate) struct Store {
    carts: Bounded<CartKey, StoredCart>,
    orders: Bounded<OrderKey, Placed, OrderSize>,
    /// The order that created each subscription of the orders held.
    index: HashMap<SubscriptionKey, OrderKey>,
    agreements: Bounded<AgreementKey, Bytes>,
    replays: Bounded<ReplayKey, Kept>,
}

impl Store {
    pub fn new(limits: &Limits) -> Self {
        Self {
            carts: Bounded::new(limits.carts),
            orders: Bounded::new(OrderSize::budget(limits)),
            index: HashMap::new(),
            agreements: Bounded::new(limits.agreements),
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

    /// A customer's orders as kept, oldest first (the caller reads them, after the lock).
    pub fn orders_of(&self, customer: &str) -> Vec<Placed> {
        self.orders
            .iter()
            .filter(|(k, _)| k.customer == customer)
            .map(|(_, p)| p.clone())
            .collect()
    }

    /// The order that created a subscription, as kept.
    pub fn order_of(&self, subscription: &SubscriptionKey) -> Option<(OrderKey, Placed)> {
        let key = self.index.get(subscription)?;
        let placed = self.orders.get(key)?;
        Some((key.clone(), placed.clone()))
    }

    /// A customer's agreements as kept (their JSON), oldest first.
    pub fn agreements_of(&self, customer: &str) -> Vec<Bytes> {
        self.agreements
            .iter()
            .filter(|(k, _)| k.customer == customer)
            .map(|(_, json)| json.clone())
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
            // An order changed keeps its place: the customer's orders are listed oldest first.
            // Its subscriptions only ever grow in number (add-ons), so indexing them again
            // covers them all.
            self.index_subscriptions(&key, &placed);
            let forgotten = self.orders.upsert(key, OrderSize::of(&placed), placed);
            for (key, placed) in forgotten {
                for id in placed.subscriptions.iter() {
                    self.index.remove(&subscription_key(&key, id));
                }
                dropped.orders.push((key, placed.version));
            }
        }
        if let Some((key, json)) = change.agreement {
            let size = json.len() + ENTRY_OVERHEAD;
            let forgotten = self.agreements.insert(key, size, json);
            dropped
                .agreements
                .extend(forgotten.into_iter().map(|(k, _)| k));
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

    fn index_subscriptions(&mut self, key: &OrderKey, placed: &Placed) {
        for id in placed.subscriptions.iter() {
            self.index.insert(subscription_key(key, id), key.clone());
        }
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
            .chain(saved.agreements.into_iter().map(|agreement| Change {
                agreement: Some(agreement),
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
            dropped.agreements.extend(more.agreements);
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

    /// The bytes held.
    pub fn bytes(&self) -> Held {
        let orders = self.orders.bytes();
        Held {
            carts: self.carts.bytes(),
            orders: orders.orders,
            subscriptions: orders.subscriptions,
            agreements: self.agreements.bytes(),
            replays: self.replays.bytes(),
        }
    }
}

fn subscription_key(order: &OrderKey, id: &str) -> SubscriptionKey {
    SubscriptionKey {
        customer: order.customer.clone(),
        subscription: id.to_string(),
    }
}

/// The bytes each store holds (orders and their subscriptions' state in one store, counted
/// apart).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Held {
    pub carts: usize,
    pub orders: usize,
    pub subscriptions: usize,
    pub agreements: usize,
    pub replays: usize,
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
        assert_eq!(store.bytes().carts, 0);
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
            let Held { carts, replays, .. } = store.bytes();
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

    fn order(n: u32, version: u64, lives: usize) -> (OrderKey, Placed) {
        (
            OrderKey {
                customer: "c".into(),
                order: n.to_string(),
            },
            Placed {
                json: vec![b' '; 20].into(),
                at: Utc::now(),
                version,
                subscriptions: vec![format!("s{n}")].into(),
                lives: vec![b' '; lives].into(),
            },
        )
    }

    fn subscription(n: u32) -> SubscriptionKey {
        SubscriptionKey {
            customer: "c".into(),
            subscription: format!("s{n}"),
        }
    }

    #[test]
    fn an_order_is_forgotten_with_its_subscriptions_when_either_budget_is_full() {
        let entry = 20 + ENTRY_OVERHEAD + INDEX_OVERHEAD;
        let limits = Limits::default().orders(3 * entry).subscriptions(100);
        let mut store = Store::new(&limits);
        let apply = |store: &mut Store, placed: (OrderKey, Placed)| {
            store.apply(
                Change {
                    orders: vec![placed],
                    ..Default::default()
                },
                Utc::now(),
            )
        };
        apply(&mut store, order(1, 1, 0));
        apply(&mut store, order(2, 2, 0));
        assert_eq!(store.order_of(&subscription(2)).unwrap().1.version, 2);
        // The first order's subscription changes: it keeps its place, and its state counts
        // in the subscriptions' budget.
        apply(&mut store, order(1, 3, 60));
        assert_eq!(store.bytes().subscriptions, 60);
        // A third order's subscriptions take the subscriptions' budget over: the oldest order
        // goes, with its subscriptions' state and its index.
        let dropped = apply(&mut store, order(3, 4, 60));
        assert_eq!(dropped.orders, [(order(1, 0, 0).0, 3)]);
        assert!(store.order_of(&subscription(1)).is_none());
        assert_eq!(
            store.bytes(),
            Held {
                orders: 2 * entry,
                subscriptions: 60,
                ..Default::default()
            }
        );
        // Then the orders' budget: one order more than three goes too.
        apply(&mut store, order(4, 5, 0));
        let dropped = apply(&mut store, order(5, 6, 0));
        assert_eq!(dropped.orders, [(order(2, 0, 0).0, 2)]);
        assert!(store.order_of(&subscription(3)).is_some());
        assert_eq!(store.orders_of("c").len(), 3);
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
