//! The operations: each takes the request's checked parts and answers, a write saying what it
//! changes so the service can keep it once.

use std::sync::LazyLock;

use axum::http::StatusCode;

use super::names::match_case;
use super::orders;
use super::purchase;
use super::reply::{Reply, answer, encode, error, invalid, refused};
use super::rules::{self, Refusal};
use super::service::Service;
use super::stats::Counters;
use super::store::{CartKey, Change, OrderKey, Placed, StoredCart};
use partner_center_carts::codes;
use partner_center_carts::types::{
    Cart, Order, OrderCollection, Subscription, SubscriptionCollection,
};

/// A write's outcome: what changes, and the answer.
pub(crate) type Done = Result<(Change, Reply), Reply>;

pub(crate) fn create(service: &Service, customer: &str, body: &[u8]) -> Done {
    let cart = decode_cart(body)?;
    let now = service.now();
    let lifetime = span(service.limits.cart_lifetime);
    // Dates past 9999 have no RFC 3339 form: a cart that long-lived is one that never expires.
    // 9999-12-31T23:59:59Z, without parsing it on every create.
    let last = chrono::DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(now);
    let expires = now
        .checked_add_signed(lifetime)
        .map_or(last, |e| e.min(last));
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
    let cart = decode_cart(body)?;
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
    let result = orders::place(&key.customer, &cart, now);
    let mut placed = Vec::new();
    for order in result.orders.iter().flatten() {
        placed.push((
            OrderKey {
                customer: key.customer.clone(),
                order: order.id.clone().unwrap_or_default(),
            },
            Placed {
                json: encode(order, false)?,
                at: now,
            },
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

pub(crate) fn order(service: &Service, key: &OrderKey, include_price: bool) -> Reply {
    let placed = service.store().order(key);
    if !include_price {
        return as_stored(placed.map(|order| order.json));
    }
    match stored_order(service, key) {
        Ok((order, _)) => answer(StatusCode::OK, Ok(purchase::priced(order))),
        Err(refusal) => refusal,
    }
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
    let listed_before = service.now() - span(service.settings.order_listing_delay);
    let orders: Vec<Order> = service
        .store()
        .placed(customer)
        .into_iter()
        .filter(|(_, at)| *at <= listed_before)
        .map(|(order, _)| order)
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

/// Changes an order as a PATCH asks: cancelled, or with add-ons.
pub(crate) fn update_order(service: &Service, key: OrderKey, body: &[u8]) -> Done {
    let change: Order = decode(body, &ORDER_SCHEMA, "an order")?;
    let (order, placed) = stored_order(service, &key)?;
    let now = service.now();
    let known = subscriptions_of(service, &key.customer);
    let order = purchase::patch(order, change, placed, now, &known).map_err(refused)?;
    let json = encode(&order, false)?;
    let reply = Reply {
        status: StatusCode::OK,
        body: json.clone(),
    };
    let change = Change {
        orders: vec![(key, Placed { json, at: placed })],
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

/// The subscriptions the order `order` created.
pub(crate) fn subscriptions_by_order(service: &Service, customer: &str, order: &str) -> Reply {
    let key = OrderKey {
        customer: customer.to_string(),
        order: order.to_string(),
    };
    let subscriptions = match stored_order(service, &key) {
        Ok((order, placed)) => {
            purchase::subscriptions(customer, &order, provisioned_by(service, placed))
        }
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

/// A subscription's provisioning status, from the order that created it.
pub(crate) fn subscription_status(service: &Service, customer: &str, subscription: &str) -> Reply {
    let found = service
        .store()
        .placed(customer)
        .into_iter()
        .find_map(|(order, at)| {
            purchase::subscription_status(&order, subscription, provisioned_by(service, at))
        });
    match found {
        Some(status) => answer(StatusCode::OK, Ok(status)),
        None => error(StatusCode::NOT_FOUND, 0, "Subscription not found."),
    }
}

/// Every subscription the customer's orders created.
fn subscriptions_of(service: &Service, customer: &str) -> Vec<Subscription> {
    service
        .store()
        .placed(customer)
        .into_iter()
        .flat_map(|(order, at)| {
            purchase::subscriptions(customer, &order, provisioned_by(service, at))
        })
        .collect()
}

/// An order as kept, and when it was placed.
fn stored_order(
    service: &Service,
    key: &OrderKey,
) -> Result<(Order, chrono::DateTime<chrono::Utc>), Reply> {
    let placed = service.store().order(key).map_err(refused)?;
    let order = serde_json::from_slice(&placed.json).map_err(|_| unreadable("order"))?;
    Ok((order, placed.at))
}

/// Whether an order placed at `placed` has been provisioned by now.
fn provisioned_by(service: &Service, placed: chrono::DateTime<chrono::Utc>) -> bool {
    service.now() - placed >= span(service.settings.provisioning_delay)
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

/// 500: what the emulator itself stored cannot be read back.
fn unreadable(what: &str) -> Reply {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::LINE_ITEM_ISSUE,
        &format!("The stored {what} cannot be read."),
    )
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

/// A request's cart: JSON (a leading byte-order mark allowed), names matched to the schema's
/// without regard to case, then the crate's own type.
fn decode_cart(body: &[u8]) -> Result<Cart, Reply> {
    static SCHEMA: LazyLock<serde_json::Value> = LazyLock::new(|| {
        serde_json::to_value(partner_center_carts::schemars::schema_for!(Cart)).unwrap_or_default()
    });
    decode(body, &SCHEMA, "a cart")
}

/// The JSON Schema of an order, for matching a PATCH's names to it.
static ORDER_SCHEMA: LazyLock<serde_json::Value> = LazyLock::new(|| {
    serde_json::to_value(partner_center_carts::schemars::schema_for!(Order)).unwrap_or_default()
});

/// A request's body: JSON (a leading byte-order mark allowed), names matched to `schema`'s
/// without regard to case, then `T`, which `what` names in a refusal.
fn decode<T: serde::de::DeserializeOwned>(
    body: &[u8],
    schema: &serde_json::Value,
    what: &str,
) -> Result<T, Reply> {
    let mut value: serde_json::Value = partner_center_carts::json::from_slice(body)
        .map_err(|e| invalid(&format!("The body is not JSON: {e}.")))?;
    match_case(&mut value, schema);
    serde_json::from_value(value).map_err(|e| invalid(&format!("The body is not {what}: {e}.")))
}

/// A duration on the emulator's dates; one too long for them is as long as they hold.
fn span(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}
