//! What a subscription can be changed to, and an immediate transition to it. Transitions do
//! not read the catalog: a subscription of `PRODUCT:SKU:AVAILABILITY` has one target, the same
//! product and availability with SKU `0002` (or `0001` when its SKU is `0002`); a legacy offer
//! id has none. It transitions whole subscriptions only (docs/emulator.md).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::orders::object_type;
use super::rules::{Refusal, invalid, timestamp};
use super::subscriptions::{Life, is_deleted};
use super::terms;
use partner_center_carts::codes;
use partner_center_carts::types::{
    Eligibility, EligibilityError, PartnerCenterErrorCode, Subscription, Transition,
    TransitionCollection, TransitionEligibility, TransitionEligibilityCollection,
};

/// The kind of transition the emulator makes: the subscription itself changes product.
pub(crate) const TRANSITION_ONLY: &str = "transition_only";

/// The kinds of eligibility the service documents, the first the default.
pub(crate) const ELIGIBILITY_TYPES: [&str; 2] = ["immediate", "scheduled"];

/// The one catalog item a subscription of `offer_id` can transition to, if any.
pub(crate) fn target(offer_id: &str) -> Option<String> {
    let parts: Vec<&str> = offer_id.split(':').collect();
    let [product, sku, availability] = parts[..] else {
        return None;
    };
    if [product, sku, availability].iter().any(|p| p.is_empty()) {
        return None;
    }
    let to = if sku == "0002" { "0001" } else { "0002" };
    Some(format!("{product}:{to}:{availability}"))
}

/// The subscription's targets, for one kind of eligibility (already checked to be one of
/// [`ELIGIBILITY_TYPES`]): eligible, unless the subscription is deleted.
pub(crate) fn eligibilities(
    subscription: &Subscription,
    eligibility_type: &str,
) -> TransitionEligibilityCollection {
    let deleted = is_deleted(subscription);
    let offer_id = subscription.offer_id.as_deref().unwrap_or_default();
    let items: Vec<TransitionEligibility> = target(offer_id)
        .into_iter()
        .map(|to| {
            let name = subscription
                .offer_name
                .as_deref()
                .or(subscription.friendly_name.as_deref())
                .unwrap_or(offer_id);
            let direction = if to.split(':').nth(1) == Some("0002") {
                "upgrade"
            } else {
                "downgrade"
            };
            let errors = if deleted {
                vec![EligibilityError {
                    code: Some(PartnerCenterErrorCode::Int64(codes::INVALID_INPUT)),
                    description: Some(
                        "The subscription is deleted: it cannot be transitioned.".to_string(),
                    ),
                    ..Default::default()
                }]
            } else {
                Vec::new()
            };
            TransitionEligibility {
                catalog_item_id: Some(to),
                title: Some(format!("{name} ({direction})")),
                eligibilities: Some(vec![Eligibility {
                    eligibility_type: Some(eligibility_type.to_string()),
                    transition_type: Some(TRANSITION_ONLY.to_string()),
                    is_eligible: Some(!deleted),
                    errors: Some(errors),
                    ..Default::default()
                }]),
                ..Default::default()
            }
        })
        .collect();
    TransitionEligibilityCollection {
        total_count: Some(items.len() as i32),
        items: Some(items),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    }
}

/// Transitions the subscription `life` (of id `id`) now, as `request` asks: its offer becomes
/// the target, and every change scheduled for its next term is deleted (the documented rule
/// for an immediate transition). Returns the transition, also kept in `life`.
pub(crate) fn transition(
    life: &mut Life,
    id: &str,
    request: Transition,
    now: DateTime<Utc>,
) -> Result<Transition, Refusal> {
    let subscription = &life.subscription;
    if life.is_deleted() {
        return Err(invalid(
            "The subscription is deleted (cancelled): it cannot be transitioned.",
        ));
    }
    if let Some(from) = request.from_subscription_id.as_deref()
        && !from.eq_ignore_ascii_case(id)
    {
        return Err(invalid(format!(
            "fromSubscriptionId {from:?} is not the subscription of the path, {id}."
        )));
    }
    let offer_id = subscription.offer_id.clone().unwrap_or_default();
    if let Some(from) = request.from_catalog_item_id.as_deref()
        && !from.eq_ignore_ascii_case(&offer_id)
    {
        return Err(invalid(format!(
            "fromCatalogItemId {from:?} is not the subscription's offer, {offer_id}."
        )));
    }
    let eligible = target(&offer_id);
    let to = request.to_catalog_item_id.as_deref().unwrap_or_default();
    let to = match &eligible {
        Some(eligible) if eligible.eq_ignore_ascii_case(to) => eligible.clone(),
        Some(eligible) => {
            return Err(invalid(format!(
                "toCatalogItemId {to:?} is not one the subscription can transition to: \
                 {eligible} is (see transitionEligibilities)."
            )));
        }
        None => {
            return Err(invalid(format!(
                "The subscription's offer {offer_id} has nothing to transition to."
            )));
        }
    };
    let quantity = subscription.quantity.unwrap_or_default();
    if let Some(asked) = request.quantity
        && asked != quantity
    {
        return Err(invalid(format!(
            "The quantity must be the subscription's, {quantity}, not {asked}: the emulator \
             transitions whole subscriptions only."
        )));
    }
    let transition_type = request
        .transition_type
        .unwrap_or_else(|| TRANSITION_ONLY.to_string());
    if !transition_type.eq_ignore_ascii_case(TRANSITION_ONLY) {
        return Err(invalid(format!(
            "The transitionType {transition_type:?} is not eligible: {TRANSITION_ONLY} is."
        )));
    }
    // Kept in the transition as sent: a term of the known shape.
    if let Some(duration) = &request.term_duration {
        terms::term_duration(duration)?;
    }
    if let Some(cycle) = &request.billing_cycle {
        terms::billing_cycle(cycle)?;
    }
    let operation = Uuid::new_v4().to_string();
    let transition = Transition {
        id: Some(operation.clone()),
        operation_id: Some(operation),
        from_catalog_item_id: Some(offer_id),
        to_catalog_item_id: Some(to.clone()),
        from_subscription_id: Some(id.to_string()),
        to_subscription_id: Some(id.to_string()),
        quantity: Some(quantity),
        term_duration: request.term_duration.or(subscription.term_duration.clone()),
        billing_cycle: request.billing_cycle.or(subscription.billing_cycle.clone()),
        transition_type: Some(TRANSITION_ONLY.to_string()),
        status: Some("completed".to_string()),
        creation_date: Some(timestamp(now)),
        attributes: Some(object_type("Transition")),
        ..Default::default()
    };
    life.subscription.offer_id = Some(to);
    life.subscription.scheduled_next_term_instructions = None;
    life.record(transition.clone());
    Ok(transition)
}

/// The subscription's transitions, oldest first, or the one `operation_id` names.
pub(crate) fn list(life: &Life, operation_id: Option<&str>) -> TransitionCollection {
    let items: Vec<Transition> = life
        .transitions
        .iter()
        .filter(|t| {
            operation_id.is_none_or(|asked| {
                t.operation_id
                    .as_deref()
                    .is_some_and(|o| o.eq_ignore_ascii_case(asked))
            })
        })
        .cloned()
        .collect();
    TransitionCollection {
        total_count: Some(items.len() as i32),
        items: Some(items),
        attributes: Some(object_type("Collection")),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use partner_center_carts::types::ScheduledNextTermInstructions;

    fn life(offer: &str) -> Life {
        Life::bought(
            Subscription {
                id: Some("s".into()),
                offer_id: Some(offer.into()),
                offer_name: Some("Basic".into()),
                quantity: Some(4),
                status: Some("active".into()),
                scheduled_next_term_instructions: Some(ScheduledNextTermInstructions {
                    quantity: Some(4),
                    ..Default::default()
                }),
                ..Default::default()
            },
            Utc::now(),
        )
    }

    #[test]
    fn one_target_for_a_catalog_item_none_for_a_legacy_offer() {
        assert_eq!(target("P:0001:A").as_deref(), Some("P:0002:A"));
        assert_eq!(target("P:0003:A").as_deref(), Some("P:0002:A"));
        assert_eq!(target("P:0002:A").as_deref(), Some("P:0001:A"));
        assert_eq!(target("MS-AZR-0145P"), None);
        assert_eq!(target("P::A"), None);
        let legacy = eligibilities(&life("MS-AZR-0145P").subscription, "immediate");
        assert_eq!(
            (legacy.total_count, legacy.items),
            (Some(0), Some(Vec::new()))
        );

        let listed = eligibilities(&life("P:0001:A").subscription, "scheduled");
        let item = &listed.items.unwrap()[0];
        assert_eq!(item.title.as_deref(), Some("Basic (upgrade)"));
        let eligibility = &item.eligibilities.as_ref().unwrap()[0];
        assert_eq!(eligibility.eligibility_type.as_deref(), Some("scheduled"));
        assert_eq!(eligibility.is_eligible, Some(true));
    }

    #[test]
    fn a_transition_changes_the_offer_and_drops_the_scheduled_change() {
        let mut life = life("P:0001:A");
        let request = Transition {
            to_catalog_item_id: Some("p:0002:a".into()),
            ..Default::default()
        };
        let done = transition(&mut life, "s", request, Utc::now()).unwrap();
        assert_eq!(done.to_catalog_item_id.as_deref(), Some("P:0002:A"));
        assert_eq!(done.quantity, Some(4));
        assert_eq!(done.id, done.operation_id);
        assert_eq!(life.subscription.offer_id.as_deref(), Some("P:0002:A"));
        assert!(life.subscription.scheduled_next_term_instructions.is_none());
        let listed = list(&life, done.operation_id.as_deref());
        assert_eq!(listed.items.unwrap(), [done]);
        assert_eq!(list(&life, Some("other")).total_count, Some(0));
    }

    #[test]
    fn a_transition_is_refused_unless_whole_and_eligible() {
        let mut life = life("P:0001:A");
        let to = |to: &str, quantity: Option<i32>| Transition {
            to_catalog_item_id: Some(to.into()),
            quantity,
            ..Default::default()
        };
        for request in [
            to("P:0003:A", None),
            to("P:0002:A", Some(2)),
            Transition::default(),
        ] {
            assert!(matches!(
                transition(&mut life, "s", request, Utc::now()),
                Err(Refusal::InvalidInput(_))
            ));
        }
        assert!(life.transitions.is_empty());
        let mut deleted = life.clone();
        deleted.subscription.status = Some("deleted".into());
        assert!(transition(&mut deleted, "s", to("P:0002:A", None), Utc::now()).is_err());
        let listed = eligibilities(&deleted.subscription, "immediate");
        let eligibility = &listed.items.unwrap()[0].eligibilities.clone().unwrap()[0];
        assert_eq!(eligibility.is_eligible, Some(false));
        assert_eq!(eligibility.errors.as_ref().unwrap().len(), 1);
    }
}
