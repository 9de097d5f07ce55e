//! The operations on a subscription over its life: read it, its provisioning status, change
//! it, list what it can transition to, transition it, list its transitions; and what an
//! order's PATCH does to the subscriptions of the order. Each finds the subscription through
//! the order that created it, whose entry keeps its state once it changed; a write says what
//! it keeps (the order's entry written again), so the service keeps it once.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};

use super::handling::{Done, decode, decode_value, provisioned_by};
use super::order_entry::{self, Entry};
use super::orders::is_cancelled;
use super::purchase;
use super::reply::{Reply, answer, invalid, refused};
use super::rules::{Refusal, timestamp};
use super::service::Service;
use super::store::{Change, SubscriptionKey};
use super::subscriptions::{self, Life};
use super::transitions::{self, ELIGIBILITY_TYPES};
use partner_center_carts::types::{Order, Subscription, Transition};

/// getSubscription: the subscription, its refundable seats as of now.
pub(crate) fn get(service: &Service, key: &SubscriptionKey) -> Reply {
    match find(service, key) {
        Ok((_, life)) => answer(StatusCode::OK, Ok(life.at(service.now()))),
        Err(refusal) => refusal,
    }
}

/// getSubscriptionProvisioningStatus: from the order that created the subscription.
pub(crate) fn provisioning_status(service: &Service, key: &SubscriptionKey) -> Reply {
    let status = order_of(service, key).and_then(|entry| {
        let done = provisioned_by(service, entry.at);
        purchase::subscription_status(&entry.order, &key.subscription, done)
            .ok_or_else(|| refused(Refusal::NoSuchSubscription))
    });
    match status {
        Ok(status) => answer(StatusCode::OK, Ok(status)),
        Err(refusal) => refusal,
    }
}

/// updateSubscription: the subscription as the PATCH's body changes it, by the rules of
/// [`subscriptions::patch`]; kept only if something changed.
pub(crate) fn update(service: &Service, key: SubscriptionKey, body: &[u8]) -> Done {
    let value = decode_value::<Subscription>(body)?;
    // Sent as `null`, a scheduled change is cleared; left out, it is left as it is. The type
    // reads both as none, so the JSON says which.
    let scheduled_sent = value
        .as_object()
        .is_some_and(|o| o.contains_key("scheduledNextTermInstructions"));
    let change: Subscription = serde_json::from_value(value)
        .map_err(|e| invalid(&format!("The body is not a subscription: {e}.")))?;
    let (entry, life) = find(service, &key)?;
    let now = service.now();
    let changed = subscriptions::patch(&life, change, scheduled_sent, now).map_err(refused)?;
    let reply = answer(StatusCode::OK, Ok(changed.at(now)));
    // Sent back as read, it changes nothing, and nothing is written.
    let change = if changed == life {
        Change::default()
    } else {
        keep(service, entry, &key, changed)?
    };
    Ok((change, reply))
}

/// The query of getTransitionEligibilities.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct EligibilityQuery {
    #[serde(rename = "eligibilityType")]
    pub eligibility_type: Option<String>,
}

/// getTransitionEligibilities: the subscription's one target (none for a legacy offer), for
/// the kind asked, `immediate` by default.
pub(crate) fn eligibilities(
    service: &Service,
    key: &SubscriptionKey,
    query: &EligibilityQuery,
) -> Reply {
    let asked = query
        .eligibility_type
        .as_deref()
        .filter(|t| !t.is_empty())
        .unwrap_or(ELIGIBILITY_TYPES[0]);
    let Some(kind) = ELIGIBILITY_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(asked))
    else {
        return invalid(&format!(
            "The eligibilityType {asked:?} is not one the emulator knows: immediate or \
             scheduled."
        ));
    };
    match find(service, key) {
        Ok((_, life)) => answer(
            StatusCode::OK,
            Ok(transitions::eligibilities(&life.subscription, kind)),
        ),
        Err(refusal) => refusal,
    }
}

/// createTransition: the subscription transitioned now, as the body asks; 201 with the
/// transition, which is kept with the subscription.
pub(crate) fn transition(service: &Service, key: SubscriptionKey, body: &[u8]) -> Done {
    let request: Transition = decode(body, "a transition")?;
    let (entry, mut life) = find(service, &key)?;
    let done = transitions::transition(&mut life, &key.subscription, request, service.now())
        .map_err(refused)?;
    let change = keep(service, entry, &key, life)?;
    Ok((change, answer(StatusCode::CREATED, Ok(done))))
}

/// The query of listTransitions.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct TransitionQuery {
    #[serde(rename = "operationId")]
    pub operation_id: Option<String>,
}

/// listTransitions: the subscription's transitions, or the one `operationId` names.
pub(crate) fn transitions(
    service: &Service,
    key: &SubscriptionKey,
    query: &TransitionQuery,
) -> Reply {
    let operation_id = query.operation_id.as_deref().filter(|o| !o.is_empty());
    match find(service, key) {
        Ok((_, life)) => answer(StatusCode::OK, Ok(transitions::list(&life, operation_id))),
        Err(refusal) => refusal,
    }
}

/// The subscription as it stands now, if there is one.
pub(crate) fn current(service: &Service, key: &SubscriptionKey) -> Option<Subscription> {
    find(service, key)
        .ok()
        .map(|(_, life)| life.at(service.now()))
}

/// The subscriptions the order of `entry` created, as they stand now.
pub(crate) fn of_order(service: &Service, entry: &Entry) -> Vec<Subscription> {
    let now = service.now();
    entry
        .lives(provisioned_by(service, entry.at))
        .iter()
        .map(|life| life.at(now))
        .collect()
}

/// The subscriptions of `customer`'s that the add-ons of an order's PATCH name as their
/// parents, each looked up by its id, as they stand now (those found).
pub(crate) fn parents(service: &Service, customer: &str, change: &Order) -> Vec<Subscription> {
    change
        .line_items()
        .iter()
        .filter_map(|line| line.parent_subscription_id.as_deref())
        .filter_map(|id| partner_center_carts::validate::guid("subscription", id).ok())
        .filter_map(|subscription| {
            let key = SubscriptionKey {
                customer: customer.to_string(),
                subscription,
            };
            current(service, &key)
        })
        .collect()
}

/// What an order's PATCH at `now` does to the subscriptions of its entry, whose order had
/// `lines_before` line items: a cancellation deletes them all, those kept as changed too (in
/// the same write: no state kept of them reads active again); each add-on's subscription is
/// kept as bought now, with a window of its own from now, not from its order's checkout.
pub(crate) fn order_changed(entry: &mut Entry, lines_before: usize, now: DateTime<Utc>) {
    if is_cancelled(&entry.order) {
        entry.lives.values_mut().for_each(Life::delete);
        return;
    }
    let added: Vec<&str> = entry
        .order
        .line_items()
        .iter()
        .skip(lines_before)
        .filter_map(|line| line.subscription_id.as_deref())
        .collect();
    // Add-ons are taken only once the order is provisioned: their subscriptions exist.
    let bought: Vec<Subscription> =
        purchase::subscriptions(&entry.key.customer, &entry.order, true)
            .into_iter()
            .filter(|s| added.contains(&s.id()))
            .collect();
    for mut subscription in bought {
        subscription.creation_date = Some(timestamp(now));
        subscription.effective_start_date = Some(timestamp(now));
        let id = subscription.id().to_string();
        entry.lives.insert(id, Life::bought(subscription, now));
    }
}

/// The subscription as it stands, with its order's entry (to write again): 404 when no order
/// held creates it, or not yet.
fn find(service: &Service, key: &SubscriptionKey) -> Result<(Entry, Life), Reply> {
    let entry = order_of(service, key)?;
    let life = entry
        .life(&key.subscription, provisioned_by(service, entry.at))
        .ok_or_else(|| refused(Refusal::NoSuchSubscription))?;
    Ok((entry, life))
}

/// The entry of the order that created the subscription, read after the store's lock.
fn order_of(service: &Service, key: &SubscriptionKey) -> Result<Entry, Reply> {
    let found = service.store().order_of(key);
    let (order, placed) = found.ok_or_else(|| refused(Refusal::NoSuchSubscription))?;
    order_entry::read(order, &placed)
}

/// What keeps a subscription changed: its order's entry, written again as a new version.
fn keep(
    service: &Service,
    mut entry: Entry,
    key: &SubscriptionKey,
    life: Life,
) -> Result<Change, Reply> {
    life.check_size().map_err(refused)?;
    entry.lives.insert(key.subscription.clone(), life);
    let order = entry.write(service.next_version(), &service.limits)?;
    Ok(Change {
        orders: vec![order],
        ..Default::default()
    })
}
