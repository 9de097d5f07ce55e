//! An order as the store keeps it: the order, and the state of the subscriptions it created
//! that changed (their windows, quantities, transitions, cancellation), in one entry. So the
//! two are kept and forgotten together: a subscription's state is never forgotten while its
//! order is kept (it would read again as bought, active, its seats refundable again), nor kept
//! once its order is gone (a subscription the order's cancellation deleted would read active).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::limits::Limits;
use super::purchase;
use super::reply::{Reply, encode, invalid, unreadable};
use super::store::{OrderKey, OrderSize, Placed};
use super::subscriptions::Life;
use partner_center_carts::types::Order;

/// The state of an order's subscriptions that changed, by id.
pub(crate) type Lives = BTreeMap<String, Life>;

/// An order read back from its entry, to read or change.
pub(crate) struct Entry {
    pub key: OrderKey,
    pub order: Order,
    /// When it was placed.
    pub at: DateTime<Utc>,
    pub lives: Lives,
    /// What the entry cost as read: a write may not grow it past a budget.
    size: OrderSize,
}

/// The entry of the order `key`, decoded (after the store's lock, from the bytes it shares).
pub(crate) fn read(key: OrderKey, placed: &Placed) -> Result<Entry, Reply> {
    let order = serde_json::from_slice(&placed.json).map_err(|_| unreadable("order"))?;
    let lives = if placed.lives.is_empty() {
        Lives::new()
    } else {
        serde_json::from_slice(&placed.lives).map_err(|_| unreadable("subscription"))?
    };
    Ok(Entry {
        key,
        order,
        at: placed.at,
        lives,
        size: OrderSize::of(placed),
    })
}

/// A new order's entry (a checkout's), written as `version`: no subscription has changed yet.
pub(crate) fn placed(order: &Order, at: DateTime<Utc>, version: u64) -> Result<Placed, Reply> {
    Ok(Placed {
        json: encode(order, false)?,
        at,
        version,
        subscriptions: ids(order),
        lives: Default::default(),
    })
}

impl Entry {
    /// One of the order's subscriptions as it stands, once the order's provisioning is `done`:
    /// what was kept of it, or as the order created it.
    pub fn life(&self, id: &str, done: bool) -> Option<Life> {
        let customer = &self.key.customer;
        let derived = purchase::subscriptions(customer, &self.order, done)
            .into_iter()
            .find(|s| s.id() == id);
        Life::of(self.lives.get(id).cloned(), derived.map(|s| (s, self.at)))
    }

    /// Every subscription the order created, as it stands, once its provisioning is `done`.
    pub fn lives(&self, done: bool) -> Vec<Life> {
        purchase::subscriptions(&self.key.customer, &self.order, done)
            .into_iter()
            .filter_map(|s| {
                let kept = self.lives.get(s.id()).cloned();
                Life::of(kept, Some((s, self.at)))
            })
            .collect()
    }

    /// The entry written again as `version`. Refused (400, 800002) when it grew past one of
    /// the budgets of `limits`: the store would keep it alone, forgetting every other order.
    pub fn write(self, version: u64, limits: &Limits) -> Result<(OrderKey, Placed), Reply> {
        let lives = if self.lives.is_empty() {
            Default::default()
        } else {
            encode(&self.lives, false)?
        };
        let placed = Placed {
            json: encode(&self.order, false)?,
            at: self.at,
            version,
            subscriptions: ids(&self.order),
            lives,
        };
        let (after, before) = (OrderSize::of(&placed), self.size);
        let budget = OrderSize::budget(limits);
        let grew_past = |after: usize, before: usize, budget: usize| after > before.max(budget);
        if grew_past(after.orders, before.orders, budget.orders)
            || grew_past(
                after.subscriptions,
                before.subscriptions,
                budget.subscriptions,
            )
        {
            return Err(invalid(&format!(
                "The order {} with the state of its subscriptions would take {} + {} bytes, \
                 more than the emulator keeps of orders and of subscriptions ({} and {} \
                 bytes, its limits); nothing was changed.",
                self.key.order,
                after.orders,
                after.subscriptions,
                budget.orders,
                budget.subscriptions,
            )));
        }
        Ok((self.key, placed))
    }
}

/// The ids of the subscriptions an order's line items create, from its JSON as kept (none if
/// it cannot be read: it is then as if forgotten).
pub(crate) fn subscription_ids(json: &[u8]) -> Arc<[String]> {
    serde_json::from_slice::<Order>(json).map_or_else(|_| Arc::default(), |order| ids(&order))
}

fn ids(order: &Order) -> Arc<[String]> {
    order
        .line_items()
        .iter()
        .filter_map(|line| line.subscription_id.clone())
        .collect()
}
