//! The operations: each takes the request's checked parts and answers, a write saying what it
//! changes so the service can keep it once.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::agreements;
use super::catalog_checks;
use super::handling::{Done, decode, provisioned_by, span};
use super::order_entry;
use super::orders;
use super::purchase;
use super::reply::{Reply, answer, encode, error, refused, unreadable};
use super::rules::{self, Refusal};
use super::service::Service;
use super::stats::Counters;
use super::store::{CartKey, Change, OrderKey, StoredCart};
use super::subscription_operations;
use partner_center_carts::codes;
use partner_center_carts::types::{Cart, Order, OrderCollection, SubscriptionCollection};

pub(crate) fn create(service: &Service, customer: &str, body: &[u8]) -> Done {
    let cart: Cart = decode(body, "a cart")?;
    let now = service.now();
    // A cart that lives past the last date written is one that never expires.
    let expires = rules::after(now, span(service.limits.cart_lifetime));
    let etags = service.settings.etags;
    let (cart, state) = rules::create(customer, cart, now, expires, etags).map_err(refused)?;
    let key = CartKey {
        customer: customer.to_string(),
        cart: cart.id.clone().unwrap_or_default(),
    };
    saved(key, cart, state)
}

pub(crate) fn read(service: &Service, key: &CartKey) -> Reply {
    let stored = service.store().cart(key, service.now());
    as_stored(stored.map(|cart| cart.json))
}

pub(crate) fn update(service: &Service, key: CartKey, body: &[u8], if_match: Option<&str>) -> Done {
    busy(service, false)?;
    let cart: Cart = decode(body, "a cart")?;
    let now = service.now();
    let stored = service.store().cart(&key, now).map_err(refused)?;
    let etags = service.settings.etags;
    let (cart, state) = rules::update(
        &key.customer,
        &key.cart,
        cart,
        &stored.state,
        if_match,
        now,
        etags,
    )
    .map_err(refused)?;
    saved(key, cart, state)
}

pub(crate) fn checkout(service: &Service, key: CartKey, if_match: Option<&str>) -> Done {
    busy(service, true)?;
    let now = service.now();
    let stored = service.store().cart(&key, now).map_err(refused)?;
    let mut cart: Cart = serde_json::from_slice(&stored.json).map_err(|_| unreadable("cart"))?;
    let etags = service.settings.etags;
    let state = rules::checkout(&mut cart, &stored.state, if_match, now, etags).map_err(refused)?;
    // After the refusals of the cart itself (an ordered cart is 800065, whatever it holds).
    if service.settings.check_catalog {
        let agreed = agreements::has_customer_agreement(service, &key.customer);
        catalog_checks::check(&cart, &service.settings.catalog, agreed)?;
    }
    let result = orders::place(&key.customer, &cart, now);
    let mut placed = Vec::new();
    for order in result.orders.iter().flatten() {
        let order_key = OrderKey {
            customer: key.customer.clone(),
            order: order.id.clone().unwrap_or_default(),
        };
        placed.push((
            order_key,
            order_entry::placed(order, now, service.next_version())?,
        ));
    }
    // The service's checkout answer starts with a byte-order mark.
    let body = encode(&result, service.settings.byte_order_mark)?;
    let (mut change, _) = saved(key, cart, state)?;
    change.orders = placed;
    Ok((
        change,
        Reply {
            status: StatusCode::CREATED,
            body,
        },
    ))
}

/// getOrder: the order as it stands (`completed` once provisioned), with prices if asked.
pub(crate) fn order(service: &Service, key: &OrderKey, include_price: bool) -> Reply {
    match stored_order(service, key) {
        Ok((order, placed)) => {
            let order = orders::as_of(order, provisioned_by(service, placed));
            if include_price {
                answer(StatusCode::OK, Ok(purchase::priced(order)))
            } else {
                answer(StatusCode::OK, Ok(order))
            }
        }
        Err(refusal) => refusal,
    }
}

/// The customer's orders as they stand, oldest first.
pub(crate) fn orders_of(service: &Service, customer: &str) -> Vec<Order> {
    placed_by(service, customer, DateTime::<Utc>::MAX_UTC)
        .into_iter()
        .map(|(order, at)| orders::as_of(order, provisioned_by(service, at)))
        .collect()
}

/// The customer's orders placed at or before `by`, oldest first, with when each was, read
/// after the store's lock (an order that cannot be read is as if forgotten).
fn placed_by(service: &Service, customer: &str, by: DateTime<Utc>) -> Vec<(Order, DateTime<Utc>)> {
    let kept = service.store().orders_of(customer);
    kept.iter()
        .filter(|placed| placed.at <= by)
        .filter_map(|placed| Some((serde_json::from_slice(&placed.json).ok()?, placed.at)))
        .collect()
}

/// What listOrders filters by.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct OrderQuery {
    #[serde(rename = "billingType")]
    pub billing_type: Option<String>,
    pub include_price: Option<bool>,
    pub indirect_reseller_id: Option<String>,
    /// Every order the emulator places is the user's purchase: there are no others to list.
    #[allow(dead_code)]
    pub include_system_purchases: Option<bool>,
}

/// The customer's orders placed at least the listing delay ago, oldest first, filtered.
pub(crate) fn list_orders(service: &Service, customer: &str, query: &OrderQuery) -> Reply {
    // A delay longer than the dates go back lists nothing (and does not panic).
    let delay = span(service.settings.order_listing_delay);
    let listed_before = service.now().checked_sub_signed(delay);
    let listed_before = listed_before.unwrap_or(DateTime::<Utc>::MIN_UTC);
    let orders: Vec<Order> = placed_by(service, customer, listed_before)
        .into_iter()
        .map(|(order, at)| orders::as_of(order, provisioned_by(service, at)))
        .filter(|order| {
            query
                .billing_type
                .as_deref()
                .is_none_or(|b| purchase::is_billing_type(order, b))
        })
        .filter(|order| {
            query.indirect_reseller_id.as_deref().is_none_or(|id| {
                order
                    .line_items()
                    .iter()
                    .any(|l| l.partner_id_on_record.as_deref() == Some(id))
            })
        })
        .map(|order| {
            if query.include_price == Some(true) {
                purchase::priced(order)
            } else {
                order
            }
        })
        .collect();
    answer(
        StatusCode::OK,
        Ok(OrderCollection {
            total_count: Some(orders.len() as i32),
            items: Some(orders),
            attributes: Some(orders::object_type("Collection")),
            ..Default::default()
        }),
    )
}

/// Changes an order as a PATCH asks: cancelled (its subscriptions deleted), or with add-ons
/// (each a subscription of its own, whose cancellation window starts now).
pub(crate) fn update_order(service: &Service, key: OrderKey, body: &[u8]) -> Done {
    let change: Order = decode(body, "an order")?;
    let placed = service.store().order(&key).map_err(refused)?;
    let mut entry = order_entry::read(key, &placed)?;
    let parents = subscription_operations::parents(service, &entry.key.customer, &change);
    let (now, done) = (service.now(), provisioned_by(service, entry.at));
    let lines_before = entry.order.line_items().len();
    let before = std::mem::take(&mut entry.order);
    entry.order =
        purchase::patch(before, change, entry.at, now, done, &parents).map_err(refused)?;
    subscription_operations::order_changed(&mut entry, lines_before, now);
    let reply = answer(StatusCode::OK, Ok(orders::as_of(entry.order.clone(), done)));
    let order = entry.write(service.next_version(), &service.limits)?;
    let change = Change {
        orders: vec![order],
        ..Default::default()
    };
    Ok((change, reply))
}

/// The activation links of an order, or of one of its line items.
pub(crate) fn activation_links(service: &Service, key: &OrderKey, line: Option<i32>) -> Reply {
    match stored_order(service, key) {
        Ok((order, placed)) => {
            let done = provisioned_by(service, placed);
            answer(
                StatusCode::OK,
                Ok(purchase::activation_links(&order, done, line)),
            )
        }
        Err(refusal) => refusal,
    }
}

/// The subscriptions the order `key` created, as they stand now.
pub(crate) fn subscriptions_by_order(service: &Service, key: OrderKey) -> Reply {
    let placed = service.store().order(&key);
    let entry = placed
        .map_err(refused)
        .and_then(|placed| order_entry::read(key, &placed));
    let subscriptions = match entry {
        Ok(entry) => subscription_operations::of_order(service, &entry),
        // The service lists nothing for an order it does not know.
        Err(_) => Vec::new(),
    };
    answer(
        StatusCode::OK,
        Ok(SubscriptionCollection {
            total_count: Some(subscriptions.len() as i32),
            items: Some(subscriptions),
            attributes: Some(orders::object_type("Collection")),
            ..Default::default()
        }),
    )
}

/// An order as kept, and when it was placed.
fn stored_order(service: &Service, key: &OrderKey) -> Result<(Order, DateTime<Utc>), Reply> {
    let placed = service.store().order(key).map_err(refused)?;
    let order = serde_json::from_slice(&placed.json).map_err(|_| unreadable("order"))?;
    Ok((order, placed.at))
}

/// 200 with the JSON as it is kept, or the refusal.
fn as_stored(json: Result<axum::body::Bytes, Refusal>) -> Reply {
    match json {
        Ok(body) => Reply {
            status: StatusCode::OK,
            body,
        },
        Err(refusal) => refused(refusal),
    }
}

pub(crate) fn provisioning(service: &Service, key: &OrderKey) -> Reply {
    match stored_order(service, key) {
        Ok((order, placed)) => {
            let done = provisioned_by(service, placed);
            answer(StatusCode::OK, Ok(orders::provisioning(&order, done)))
        }
        Err(refusal) => refusal,
    }
}

/// Refuses the request with 409 as a busy service does, when the faults say so: 800064 for an
/// update or a checkout, 800060 for a checkout. Drawn only for new work, after the repeat of a
/// request done is answered: a busy refusal says nothing was done.
fn busy(service: &Service, checkout: bool) -> Result<(), Reply> {
    let faults = &service.faults;
    let (code, description) = if service.roll(faults.busy) {
        (
            codes::CART_BEING_PROCESSED,
            "Cart is being processed by another request.",
        )
    } else if checkout && service.roll(faults.order_in_progress) {
        (codes::ORDER_IN_PROGRESS, "Your order is in progress.")
    } else {
        return Ok(());
    };
    Counters::bump(&service.counters.busy, 1);
    Err(error(StatusCode::CONFLICT, code, description))
}

/// A cart written: what changes, and the 201 answer with the cart.
fn saved(key: CartKey, cart: Cart, state: rules::CartState) -> Done {
    let json = encode(&cart, false)?;
    let reply = Reply {
        status: StatusCode::CREATED,
        body: json.clone(),
    };
    let change = Change {
        cart: Some((key, StoredCart { state, json })),
        ..Default::default()
    };
    Ok((change, reply))
}
