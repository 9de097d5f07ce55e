//! The emulator's state and the rules of the four operations, on the crate's own types.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::orders;
use crate::Timestamp;
use crate::types::{
    Cart, CartCheckoutResult, CartLinks, Link, Order, OrderProvisioningStatuses, ResourceAttributes,
};

/// How long a cart lives.
const CART_LIFETIME: Duration = Duration::days(7);

/// The user the emulator records as having changed a cart.
const EMULATOR_USER: &str = "partner-center-emulator";

/// Why an operation was refused, as the service documents it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 400, 800002.
    InvalidInput(String),
    /// 404, 800008.
    NoSuchCart,
    /// 412: `If-Match` is not the cart's etag.
    EtagMismatch,
    /// 400, 800065.
    AlreadyOrdered,
    /// 404: no such order.
    NoSuchOrder,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct CartKey {
    customer: String,
    cart: String,
}

struct Stored {
    cart: Cart,
    version: u64,
}

/// An order, whose customer it is, and when it was placed.
struct Placed {
    customer: String,
    order: Order,
    at: DateTime<Utc>,
}

/// Every cart, and every order placed.
#[derive(Default)]
pub(crate) struct Store {
    carts: HashMap<CartKey, Stored>,
    orders: Vec<Placed>,
}

impl Store {
    pub fn create(
        &mut self,
        customer: &str,
        mut cart: Cart,
        now: DateTime<Utc>,
    ) -> Result<Cart, Refusal> {
        check(&cart)?;
        let id = Uuid::new_v4().to_string();
        cart.creation_timestamp = Some(timestamp(now));
        cart.expiration_timestamp = Some(timestamp(now + CART_LIFETIME));
        stamp(&mut cart, customer, &id, now, 1);
        self.carts.insert(
            CartKey {
                customer: customer.to_string(),
                cart: id,
            },
            Stored {
                cart: cart.clone(),
                version: 1,
            },
        );
        Ok(cart)
    }

    pub fn get(&self, customer: &str, cart: &str) -> Result<Cart, Refusal> {
        self.stored(customer, cart).map(|s| s.cart.clone())
    }

    pub fn update(
        &mut self,
        customer: &str,
        cart_id: &str,
        mut cart: Cart,
        if_match: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Cart, Refusal> {
        check(&cart)?;
        let stored = self.stored_mut(customer, cart_id)?;
        precondition(stored, if_match)?;
        if stored.cart.status.as_deref() == Some(ORDERED) {
            return Err(Refusal::AlreadyOrdered);
        }
        // What the service assigns, the caller cannot change.
        cart.creation_timestamp = stored.cart.creation_timestamp.clone();
        cart.expiration_timestamp = stored.cart.expiration_timestamp.clone();
        stored.version += 1;
        stamp(&mut cart, customer, cart_id, now, stored.version);
        stored.cart = cart.clone();
        Ok(cart)
    }

    pub fn checkout(
        &mut self,
        customer: &str,
        cart_id: &str,
        if_match: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CartCheckoutResult, Refusal> {
        let stored = self.stored_mut(customer, cart_id)?;
        precondition(stored, if_match)?;
        if stored.cart.status.as_deref() == Some(ORDERED) {
            return Err(Refusal::AlreadyOrdered);
        }
        let result = orders::place(customer, &stored.cart, now);
        stored.version += 1;
        stored.cart.status = Some(ORDERED.to_string());
        stored.cart.last_modified_timestamp = Some(timestamp(now));
        set_etag(&mut stored.cart, stored.version);
        for order in result.orders.iter().flatten() {
            self.orders.push(Placed {
                customer: customer.to_string(),
                order: order.clone(),
                at: now,
            });
        }
        Ok(result)
    }

    /// The orders placed for `customer`.
    pub fn orders(&self, customer: &str) -> Vec<Order> {
        self.orders
            .iter()
            .filter(|p| p.customer == customer)
            .map(|p| p.order.clone())
            .collect()
    }

    /// One of `customer`'s orders, by id.
    pub fn order(&self, customer: &str, id: &str) -> Result<Order, Refusal> {
        self.placed(customer, id).map(|p| p.order.clone())
    }

    /// How far an order's provisioning has come at `now`, provisioning taking `delay`.
    pub fn provisioning(
        &self,
        customer: &str,
        id: &str,
        now: DateTime<Utc>,
        delay: Duration,
    ) -> Result<OrderProvisioningStatuses, Refusal> {
        let placed = self.placed(customer, id)?;
        Ok(orders::provisioning(
            &placed.order,
            now - placed.at >= delay,
        ))
    }

    fn placed(&self, customer: &str, id: &str) -> Result<&Placed, Refusal> {
        self.orders
            .iter()
            .find(|p| p.customer == customer && p.order.id.as_deref() == Some(id))
            .ok_or(Refusal::NoSuchOrder)
    }

    fn stored(&self, customer: &str, cart: &str) -> Result<&Stored, Refusal> {
        let key = CartKey {
            customer: customer.to_string(),
            cart: cart.to_string(),
        };
        self.carts.get(&key).ok_or(Refusal::NoSuchCart)
    }

    fn stored_mut(&mut self, customer: &str, cart: &str) -> Result<&mut Stored, Refusal> {
        let key = CartKey {
            customer: customer.to_string(),
            cart: cart.to_string(),
        };
        self.carts.get_mut(&key).ok_or(Refusal::NoSuchCart)
    }
}

const ORDERED: &str = "Ordered";

/// The service's own checks of a cart in a request: the client's, so the two agree, and dates
/// that are dates. The dates the service assigns may come in the .NET SDK's zone-less form (it
/// sends `0001-01-01T00:00:00` for "unset"); the ones a cart keeps must be RFC 3339, since the
/// cart echoes them and its schema says `date-time`.
fn check(cart: &Cart) -> Result<(), Refusal> {
    crate::validate::cart(cart).map_err(Refusal::InvalidInput)?;
    if let Some(id) = &cart.id {
        crate::validate::guid("cart", id).map_err(Refusal::InvalidInput)?;
    }
    let assigned = [
        ("creationTimestamp", &cart.creation_timestamp),
        ("lastModifiedTimestamp", &cart.last_modified_timestamp),
        ("expirationTimestamp", &cart.expiration_timestamp),
    ];
    for (name, date) in assigned {
        if let Some(date) = date
            && date.to_datetime().is_none()
        {
            return Err(not_a_date(name, date));
        }
    }
    check_kept_dates(&cart.line_items)
}

fn check_kept_dates(items: &[crate::types::CartLineItem]) -> Result<(), Refusal> {
    for item in items {
        if let Some(date) = &item.custom_term_end_date
            && DateTime::parse_from_rfc3339(date.as_str()).is_err()
        {
            return Err(not_a_date("customTermEndDate", date));
        }
        check_kept_dates(item.addon_items.as_deref().unwrap_or_default())?;
    }
    Ok(())
}

fn not_a_date(name: &str, date: &Timestamp) -> Refusal {
    Refusal::InvalidInput(format!("{name} {:?} is not a date-time", date.as_str()))
}

fn precondition(stored: &Stored, if_match: Option<&str>) -> Result<(), Refusal> {
    match if_match {
        Some(tag) if tag != "*" && tag != etag(stored.version) => Err(Refusal::EtagMismatch),
        _ => Ok(()),
    }
}

/// Sets what the service assigns on every write; keeps what the caller sent besides.
fn stamp(cart: &mut Cart, customer: &str, id: &str, now: DateTime<Utc>, version: u64) {
    cart.id = Some(id.to_string());
    cart.last_modified_timestamp = Some(timestamp(now));
    cart.last_modified_user = Some(EMULATOR_USER.to_string());
    cart.status = Some("Active".to_string());
    for (i, item) in cart.line_items.iter_mut().enumerate() {
        item.id = Some(i as i32);
        item.currency_code.get_or_insert_with(|| "USD".to_string());
        item.order_group.get_or_insert_with(|| "0".to_string());
    }
    let links = cart.links.get_or_insert_with(CartLinks::default);
    links.self_ = Some(Link {
        uri: Some(format!("/customers/{customer}/carts/{id}")),
        method: Some("GET".to_string()),
        headers: Some(Vec::new()),
        ..Default::default()
    });
    set_etag(cart, version);
}

fn set_etag(cart: &mut Cart, version: u64) {
    let attributes = cart
        .attributes
        .get_or_insert_with(ResourceAttributes::default);
    attributes.object_type = Some("Cart".to_string());
    attributes.etag = Some(etag(version));
}

fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// The service's date style: UTC with seven fractional digits (.NET's ticks).
pub(crate) fn timestamp(at: DateTime<Utc>) -> Timestamp {
    let ticks = at.timestamp_subsec_nanos() / 100;
    Timestamp::from(format!("{}.{ticks:07}Z", at.format("%Y-%m-%dT%H:%M:%S")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::CartLineItem;

    const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";

    fn cart(quantity: i32) -> Cart {
        Cart {
            line_items: vec![CartLineItem {
                catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
                quantity,
                billing_cycle: "monthly".into(),
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn timestamps_have_seven_fractional_digits() {
        let at = DateTime::parse_from_rfc3339("2026-11-21T10:00:00.123456789Z")
            .unwrap()
            .to_utc();
        assert_eq!(timestamp(at).as_str(), "2026-11-21T10:00:00.1234567Z");
    }

    #[test]
    fn create_assigns_ids_timestamps_links_and_etag() {
        let mut store = Store::default();
        let now = Utc::now();
        let created = store.create(CUSTOMER, cart(2), now).unwrap();
        let id = created.id.clone().unwrap();
        assert!(Uuid::parse_str(&id).is_ok());
        assert_eq!(created.line_items[0].id, Some(0));
        assert_eq!(created.status.as_deref(), Some("Active"));
        let expires = created.expiration_timestamp.unwrap().to_datetime().unwrap();
        assert_eq!(
            expires,
            timestamp(now + Duration::days(7)).to_datetime().unwrap()
        );
        assert_eq!(created.attributes.unwrap().etag.as_deref(), Some("\"1\""));
        assert_eq!(
            created.links.unwrap().self_.unwrap().uri.unwrap(),
            format!("/customers/{CUSTOMER}/carts/{id}")
        );
        assert_eq!(store.get(CUSTOMER, &id).unwrap().line_items[0].quantity, 2);
        assert_eq!(store.get("other", &id), Err(Refusal::NoSuchCart));
    }

    #[test]
    fn update_checks_the_etag_and_bumps_it() {
        let mut store = Store::default();
        let created = store.create(CUSTOMER, cart(1), Utc::now()).unwrap();
        let id = created.id.clone().unwrap();
        let updated = store
            .update(CUSTOMER, &id, cart(5), Some("\"1\""), Utc::now())
            .unwrap();
        assert_eq!(updated.attributes.unwrap().etag.as_deref(), Some("\"2\""));
        assert_eq!(updated.creation_timestamp, created.creation_timestamp);
        assert_eq!(
            store.update(CUSTOMER, &id, cart(6), Some("\"1\""), Utc::now()),
            Err(Refusal::EtagMismatch)
        );
        assert!(
            store
                .update(CUSTOMER, &id, cart(6), None, Utc::now())
                .is_ok()
        );
        assert!(matches!(
            store.update(CUSTOMER, &id, cart(0), None, Utc::now()),
            Err(Refusal::InvalidInput(_))
        ));
    }

    #[test]
    fn dates_must_be_dates() {
        let mut store = Store::default();
        let mut bad = cart(1);
        bad.expiration_timestamp = Some("2024-01-01T12:99:00Z".into());
        assert!(
            matches!(store.create(CUSTOMER, bad, Utc::now()), Err(Refusal::InvalidInput(e)) if e.contains("expirationTimestamp"))
        );

        let mut dotnet = cart(1);
        dotnet.expiration_timestamp = Some("0001-01-01T00:00:00".into());
        assert!(
            store.create(CUSTOMER, dotnet, Utc::now()).is_ok(),
            "the .NET SDK's unset date"
        );

        let mut kept = cart(1);
        kept.line_items[0].addon_items = Some(vec![CartLineItem {
            custom_term_end_date: Some("2026-13-01T00:00:00Z".into()),
            ..cart(1).line_items[0].clone()
        }]);
        assert!(
            matches!(store.create(CUSTOMER, kept, Utc::now()), Err(Refusal::InvalidInput(e)) if e.contains("customTermEndDate"))
        );
    }

    #[test]
    fn checkout_orders_once() {
        let mut store = Store::default();
        let id = store
            .create(CUSTOMER, cart(1), Utc::now())
            .unwrap()
            .id
            .unwrap();
        let result = store.checkout(CUSTOMER, &id, None, Utc::now()).unwrap();
        assert_eq!(result.orders.unwrap().len(), 1);
        assert_eq!(
            store.get(CUSTOMER, &id).unwrap().status.as_deref(),
            Some("Ordered")
        );
        assert_eq!(
            store.checkout(CUSTOMER, &id, None, Utc::now()),
            Err(Refusal::AlreadyOrdered)
        );
        assert_eq!(store.orders(CUSTOMER).len(), 1);
    }
}
