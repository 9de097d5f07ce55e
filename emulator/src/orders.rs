//! What a checkout places: one order per order group.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::rules::timestamp;
use partner_center_carts::types::{
    Cart, CartCheckoutResult, CartLineItem, Link, Order, OrderLineItem, OrderLineItemLinks,
    OrderLineItemProvisioningStatus, OrderLinks, OrderProvisioningStatuses, ProvisioningStatus,
    QuantityProvisioningInformation, ResourceAttributes,
};

pub(crate) fn place(customer: &str, cart: &Cart, now: DateTime<Utc>) -> CartCheckoutResult {
    let mut groups: BTreeMap<&str, Vec<&CartLineItem>> = BTreeMap::new();
    for item in &cart.line_items {
        groups
            .entry(item.order_group.as_deref().unwrap_or("0"))
            .or_default()
            .push(item);
    }
    CartCheckoutResult {
        orders: Some(
            groups
                .into_values()
                .map(|items| order(customer, &items, now))
                .collect(),
        ),
        attributes: Some(object_type("CartCheckoutResult")),
        ..Default::default()
    }
}

fn order(customer: &str, items: &[&CartLineItem], now: DateTime<Utc>) -> Order {
    let id = Uuid::new_v4().simple().to_string()[..12].to_string();
    let currency = items[0]
        .currency_code
        .clone()
        .unwrap_or_else(|| "USD".to_string());
    let order_uri = format!("/customers/{customer}/orders/{id}");
    Order {
        alternate_id: Some(id.clone()),
        reference_customer_id: Some(customer.to_string()),
        billing_cycle: Some(items[0].billing_cycle.clone()),
        currency_symbol: Some(symbol(&currency).to_string()),
        currency_code: Some(currency),
        line_items: Some(
            items
                .iter()
                .enumerate()
                .map(|(n, item)| line(n, item))
                .collect(),
        ),
        creation_date: Some(timestamp(now)),
        status: Some(Order::STATUS_PENDING.to_string()),
        transaction_type: Some(Order::TRANSACTION_TYPE_USER_PURCHASE.to_string()),
        links: Some(OrderLinks {
            self_: Some(link(&order_uri, "GET")),
            provisioning_status: Some(link(&format!("{order_uri}/provisioningstatus"), "GET")),
            patch_operation: Some(link(&order_uri, "PATCH")),
            ..Default::default()
        }),
        client: Some(serde_json::Map::new()),
        attributes: Some(object_type("Order")),
        id: Some(id),
        ..Default::default()
    }
}

fn line(number: usize, item: &CartLineItem) -> OrderLineItem {
    let mut parts = item.catalog_item_id.split(':');
    let (product, sku, availability) = (parts.next(), parts.next(), parts.next());
    let partner = item.participants.iter().flatten().find_map(|p| {
        p.key
            .as_ref()
            .filter(|k| k.is(partner_center_carts::types::ParticipantType::TRANSACTION_RESELLER))
            .and(p.value.clone())
    });
    OrderLineItem {
        line_item_number: Some(number as i32),
        offer_id: Some(item.catalog_item_id.clone()),
        subscription_id: Some(Uuid::new_v4().to_string()),
        term_duration: item.term_duration.clone(),
        renews_to: item.renews_to.clone(),
        transaction_type: Some("New".to_string()),
        promotion_id: item.promotion_id.clone(),
        custom_term_end_date: item.custom_term_end_date.clone(),
        friendly_name: item.friendly_name.clone(),
        quantity: Some(item.quantity),
        partner_id_on_record: partner,
        provisioning_context: item.provisioning_context.clone(),
        attestation_accepted: item.attestation_accepted,
        links: match (product, sku, availability) {
            (Some(p), Some(s), Some(a)) => Some(OrderLineItemLinks {
                product: Some(link(&format!("/products/{p}?country=US"), "GET")),
                sku: Some(link(&format!("/products/{p}/skus/{s}?country=US"), "GET")),
                availability: Some(link(
                    &format!("/products/{p}/skus/{s}/availabilities/{a}?country=US"),
                    "GET",
                )),
                ..Default::default()
            }),
            _ => None,
        },
        ..Default::default()
    }
}

/// The product part of a catalog item id whose line items the emulator cannot fulfil, so that
/// code can be tested against an order that ends `unfulfilled`.
pub const UNFULFILLABLE: &str = "UNFULFILLABLE";

/// What a line item's provisioning came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Provisioned {
    Pending,
    Fulfilled,
    Unfulfilled,
}

/// A line item's provisioning: unfulfilled once the order is cancelled; else pending until the
/// order's delay has passed (`done`), then fulfilled, or unfulfilled for an [`UNFULFILLABLE`]
/// product.
pub(crate) fn provisioned(order: &Order, line: &OrderLineItem, done: bool) -> Provisioned {
    if is_cancelled(order) {
        return Provisioned::Unfulfilled;
    }
    match (done, product(line) == Some(UNFULFILLABLE)) {
        (false, _) => Provisioned::Pending,
        (true, false) => Provisioned::Fulfilled,
        (true, true) => Provisioned::Unfulfilled,
    }
}

pub(crate) fn product(line: &OrderLineItem) -> Option<&str> {
    line.offer_id.as_deref()?.split(':').next()
}

/// An order as read: `completed` once its provisioning is `done`, unless cancelled. What is
/// kept stays as the checkout placed it (`pending`), so this is worked out on every read.
pub(crate) fn as_of(mut order: Order, done: bool) -> Order {
    if done && !is_cancelled(&order) {
        order.status = Some(Order::STATUS_COMPLETED.to_string());
    }
    order
}

pub(crate) fn is_cancelled(order: &Order) -> bool {
    order
        .status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case(Order::STATUS_CANCELLED))
}

/// An order's provisioning status: every line item `prefulfillmentPending` until `done`, then
/// `fulfilled`, or `unfulfilled` for an [`UNFULFILLABLE`] product or a cancelled order.
pub(crate) fn provisioning(order: &Order, done: bool) -> OrderProvisioningStatuses {
    let items: Vec<OrderLineItemProvisioningStatus> = order
        .line_items
        .iter()
        .flatten()
        .map(|line| {
            let status = match provisioned(order, line, done) {
                Provisioned::Pending => ProvisioningStatus::PREFULFILLMENT_PENDING,
                Provisioned::Fulfilled => ProvisioningStatus::FULFILLED,
                Provisioned::Unfulfilled => ProvisioningStatus::UNFULFILLED,
            };
            OrderLineItemProvisioningStatus {
                line_item_number: line.line_item_number,
                order_line_item_id: line.line_item_number,
                status: Some(status.into()),
                quantity_provisioning_information: Some(vec![QuantityProvisioningInformation {
                    quantity: line.quantity,
                    status: Some(status.into()),
                    ..Default::default()
                }]),
                ..Default::default()
            }
        })
        .collect();
    OrderProvisioningStatuses {
        total_count: Some(items.len() as i32),
        items: Some(items),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    }
}

pub(crate) fn link(uri: &str, method: &str) -> Link {
    Link {
        uri: Some(uri.to_string()),
        method: Some(method.to_string()),
        headers: Some(Vec::new()),
        ..Default::default()
    }
}

pub(crate) fn object_type(name: &str) -> ResourceAttributes {
    ResourceAttributes {
        object_type: Some(name.to_string()),
        ..Default::default()
    }
}

fn symbol(currency: &str) -> &str {
    match currency {
        "USD" | "CAD" | "AUD" | "NZD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "¥",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(group: &str, catalog: &str) -> CartLineItem {
        CartLineItem {
            catalog_item_id: catalog.into(),
            quantity: 2,
            billing_cycle: "annual".into(),
            order_group: Some(group.into()),
            participants: Some(vec![partner_center_carts::types::CartLineItemParticipant {
                key: Some("transaction_reseller".into()),
                value: Some("517285".into()),
                ..Default::default()
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn one_order_per_order_group() {
        let cart = Cart {
            line_items: vec![
                item("0", "P:S:A"),
                item("1", "MS-AZR-0145P"),
                item("0", "Q:S:A"),
            ],
            ..Default::default()
        };
        let result = place("c", &cart, Utc::now());
        let orders = result.orders.unwrap();
        assert_eq!(orders.len(), 2);
        let first = orders[0].line_items.as_ref().unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first[1].line_item_number, Some(1));
        assert_eq!(first[0].partner_id_on_record.as_deref(), Some("517285"));
        assert!(first[0].links.is_some());
        assert!(
            orders[1].line_items.as_ref().unwrap()[0].links.is_none(),
            "a legacy offer id has no product links"
        );
        assert_eq!(orders[0].id.as_ref().unwrap().len(), 12);
    }

    #[test]
    fn an_order_is_pending_until_provisioned_then_completed_unless_cancelled() {
        let cart = Cart {
            line_items: vec![item("0", "P:S:A")],
            ..Default::default()
        };
        let order = place("c", &cart, Utc::now()).orders.unwrap().remove(0);
        assert_eq!(order.status.as_deref(), Some(Order::STATUS_PENDING));
        let status = |order: &Order, done| as_of(order.clone(), done).status;
        assert_eq!(
            status(&order, false).as_deref(),
            Some(Order::STATUS_PENDING)
        );
        assert_eq!(
            status(&order, true).as_deref(),
            Some(Order::STATUS_COMPLETED)
        );
        let cancelled = Order {
            status: Some(Order::STATUS_CANCELLED.into()),
            ..order
        };
        assert_eq!(
            status(&cancelled, true).as_deref(),
            Some(Order::STATUS_CANCELLED)
        );
    }
}
