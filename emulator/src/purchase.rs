//! What an order produced and how it may change: the subscriptions its fulfilled line items
//! created, their activation links, prices, cancellation and add-ons, by the documented rules
//! (docs/emulator.md says which choices are the emulator's own).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::orders::{
    Provisioned, UNFULFILLABLE, is_cancelled, link, object_type, product, provisioned,
};
use super::rules::{Refusal, invalid};
use super::subscriptions::{DELETED, is_deleted};
use partner_center_carts::types::{
    ActivationLink, ActivationLinks, Order, OrderLineItem, OrderLineItemPricing, Subscription,
    SubscriptionLinks, SubscriptionProvisioningStatus,
};

/// The product prefix of perpetual software: its line items have activation links, and its
/// orders may be cancelled.
pub const PERPETUAL_SOFTWARE: &str = "DG7GMGF0";

/// The product prefix of Azure reservations, whose orders may be cancelled.
pub const AZURE_RESERVATION: &str = "DZH318Z0";

/// How long after its purchase an order may be cancelled.
const CANCEL_WINDOW: Duration = Duration::days(60);

/// What every unit costs, with `include_price`: the emulator has no price list.
const UNIT_PRICE: f64 = 12.0;

/// The subscriptions an order created: one per line item fulfilled; once the order is
/// cancelled, `deleted`, one per line item of a fulfillable product once the provisioning
/// delay has passed (the emulator does not keep when the order was cancelled).
pub(crate) fn subscriptions(customer: &str, order: &Order, done: bool) -> Vec<Subscription> {
    let cancelled = is_cancelled(order);
    order
        .line_items()
        .iter()
        .filter(|line| {
            done && (cancelled || provisioned(order, line, done) == Provisioned::Fulfilled)
        })
        .filter(|line| product(line) != Some(UNFULFILLABLE))
        .filter_map(|line| {
            let id = line.subscription_id.clone()?;
            let uri = format!("/customers/{customer}/subscriptions/{id}");
            Some(Subscription {
                id: Some(id),
                offer_id: line.offer_id.clone(),
                offer_name: line.friendly_name.clone(),
                friendly_name: line.friendly_name.clone(),
                quantity: line.quantity,
                unit_type: Some("Licenses".to_string()),
                status: Some(if cancelled { DELETED } else { "active" }.to_string()),
                auto_renew_enabled: Some(!cancelled),
                billing_cycle: order.billing_cycle.clone(),
                term_duration: line.term_duration.clone(),
                creation_date: order.creation_date.clone(),
                effective_start_date: order.creation_date.clone(),
                order_id: order.id.clone(),
                links: Some(SubscriptionLinks {
                    self_: Some(link(&uri, "GET")),
                    provisioning_status: Some(link(&format!("{uri}/provisioningstatus"), "GET")),
                    ..Default::default()
                }),
                attributes: Some(object_type("Subscription")),
                ..Default::default()
            })
        })
        .collect()
}

/// A subscription's provisioning status: `success` once its line item is fulfilled, else
/// `pending`.
pub(crate) fn subscription_status(
    order: &Order,
    subscription_id: &str,
    done: bool,
) -> Option<SubscriptionProvisioningStatus> {
    let line = order
        .line_items()
        .iter()
        .find(|l| l.subscription_id.as_deref() == Some(subscription_id))?;
    let status = match provisioned(order, line, done) {
        Provisioned::Fulfilled => "success",
        Provisioned::Pending => "pending",
        Provisioned::Unfulfilled => "failed",
    };
    Some(SubscriptionProvisioningStatus {
        sku_id: line
            .offer_id
            .as_deref()
            .and_then(|o| o.split(':').nth(1))
            .map(str::to_string),
        status: Some(status.to_string()),
        quantity: line.quantity,
        attributes: Some(object_type("SubscriptionProvisioningStatus")),
        ..Default::default()
    })
}

/// The activation links of an order's fulfilled line items of perpetual software; of one line
/// item when `only` names it.
pub(crate) fn activation_links(order: &Order, done: bool, only: Option<i32>) -> ActivationLinks {
    let order_id = order.id();
    let links: Vec<ActivationLink> = order
        .line_items()
        .iter()
        .filter(|line| only.is_none() || line.line_item_number == only)
        .filter(|line| product(line).is_some_and(|p| p.starts_with(PERPETUAL_SOFTWARE)))
        .filter(|line| provisioned(order, line, done) == Provisioned::Fulfilled)
        .map(|line| {
            let number = line.line_item_number.unwrap_or_default();
            ActivationLink {
                line_item_number: Some(number),
                link: Some(link(
                    &format!("https://activation.example/orders/{order_id}/lineitems/{number}"),
                    "GET",
                )),
                ..Default::default()
            }
        })
        .collect();
    ActivationLinks {
        total_count: Some(links.len() as i32),
        items: Some(links),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    }
}

/// The order with its prices (`include_price`): every unit at [`UNIT_PRICE`].
pub(crate) fn priced(mut order: Order) -> Order {
    let mut total = 0.0;
    for line in order.line_items.iter_mut().flatten() {
        let extended = UNIT_PRICE * f64::from(line.quantity.unwrap_or_default());
        total += extended;
        line.pricing = Some(OrderLineItemPricing {
            list_price: Some(UNIT_PRICE),
            discounted_price: Some(UNIT_PRICE),
            price: Some(UNIT_PRICE),
            prorated_price: Some(extended),
            extended_price: Some(extended),
            ..Default::default()
        });
    }
    order.total_price = Some(total);
    order
}

/// Whether an order is listed with `billingType`: `usage` for Azure plan (`MS-AZR-...`)
/// orders, `license` for the others; an unknown type lists none.
pub(crate) fn is_billing_type(order: &Order, billing_type: &str) -> bool {
    let usage = order.line_items().iter().any(|l| {
        l.offer_id
            .as_deref()
            .is_some_and(|o| o.starts_with("MS-AZR-"))
    });
    match billing_type.to_ascii_lowercase().as_str() {
        "usage" => usage,
        "license" => !usage,
        _ => false,
    }
}

/// The order as `change` (a PATCH's body) changes it, placed at `placed` and its provisioning
/// `done` or not: cancelled where the rules allow it, or with add-ons to `parents`, the
/// customer's subscriptions their `parentSubscriptionId`s name, as they stand now (those
/// found). Refused with the reason otherwise.
pub(crate) fn patch(
    mut order: Order,
    change: Order,
    placed: DateTime<Utc>,
    now: DateTime<Utc>,
    done: bool,
    parents: &[Subscription],
) -> Result<Order, Refusal> {
    let add_ons = change.line_items.unwrap_or_default();
    match change.status.as_deref() {
        Some(status) if status.eq_ignore_ascii_case(Order::STATUS_CANCELLED) => {
            if !add_ons.is_empty() {
                return Err(invalid("cancel an order, or add to it, not both"));
            }
            cancel(&mut order, placed, now)?;
        }
        Some(other) => {
            return Err(invalid(format!(
                "an order's status can be changed to cancelled only, not {other:?}"
            )));
        }
        None if add_ons.is_empty() => {
            return Err(invalid(
                "the body changes nothing: no status, no line items",
            ));
        }
        None if is_cancelled(&order) => {
            return Err(invalid(
                "this order is cancelled: nothing can be added to it",
            ));
        }
        // An add-on's window starts when it is bought; before the order is provisioned its
        // subscriptions, the add-on's among them, do not exist yet to start one.
        None if !done => {
            return Err(invalid(
                "this order is still being provisioned (see its provisioningstatus): add-ons \
                 can be added to it once it is fulfilled",
            ));
        }
        None => add(&mut order, add_ons, parents)?,
    }
    Ok(order)
}

/// Cancels an order of perpetual software or Azure reservations within 60 days of its
/// purchase; anything else is cancelled through its subscriptions, and refused here.
fn cancel(order: &mut Order, placed: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), Refusal> {
    if is_cancelled(order) {
        return Ok(());
    }
    let cancellable = !order.line_items().is_empty()
        && order.line_items().iter().all(|line| {
            product(line).is_some_and(|p| {
                p.starts_with(PERPETUAL_SOFTWARE) || p.starts_with(AZURE_RESERVATION)
            })
        });
    if !cancellable {
        return Err(invalid(
            "this order cannot be cancelled: only orders of perpetual software and Azure \
             reservations are; cancel new-commerce, marketplace and Azure plan purchases \
             through their subscriptions",
        ));
    }
    if now - placed >= CANCEL_WINDOW {
        return Err(invalid(
            "this order cannot be cancelled: it was placed more than 60 days ago",
        ));
    }
    order.status = Some(Order::STATUS_CANCELLED.to_string());
    Ok(())
}

/// Adds line items bought as add-ons to the customer's subscriptions `parents`, which must not
/// be deleted.
fn add(
    order: &mut Order,
    add_ons: Vec<OrderLineItem>,
    parents: &[Subscription],
) -> Result<(), Refusal> {
    let lines = order.line_items.get_or_insert_with(Vec::new);
    for add_on in add_ons {
        let parent = add_on.parent_subscription_id.as_deref().unwrap_or_default();
        let Some(found) = parents.iter().find(|s| s.id().eq_ignore_ascii_case(parent)) else {
            return Err(invalid(format!(
                "an add-on needs the parentSubscriptionId of one of the customer's \
                 subscriptions; {parent:?} is not"
            )));
        };
        if is_deleted(found) {
            return Err(invalid(format!(
                "the parent subscription {parent} is deleted (cancelled): nothing can be \
                 added to it"
            )));
        }
        if add_on.offer_id.as_deref().is_none_or(str::is_empty) || add_on.quantity.unwrap_or(0) < 1
        {
            return Err(invalid(
                "an add-on needs an offerId and a quantity of at least 1",
            ));
        }
        let number = lines.len() as i32;
        lines.push(OrderLineItem {
            line_item_number: Some(number),
            subscription_id: Some(Uuid::new_v4().to_string()),
            transaction_type: Some("New".to_string()),
            ..add_on
        });
    }
    Ok(())
}
