//! The constants of the open enumerations are generated from the spec's `x-known-values`:
//! each matches the spec, and every enumeration the spec lists is one checked here.

mod support;

use partner_center_carts::types::{
    BillingCycle, Cart, CartErrorCode, Eligibility, Order, ParticipantType, ProvisioningStatus,
    PurchasePrerequisite, Subscription, SubscriptionProvisioningStatus, Transition,
};
use serde_json::Value;
use support::spec;

/// The `x-known-values` of a component schema, or of one of its properties.
fn known(path: &str) -> Vec<Value> {
    let spec = spec();
    let pointer = match path.split_once('.') {
        Some((schema, property)) => format!("/components/schemas/{schema}/properties/{property}"),
        None => format!("/components/schemas/{path}"),
    };
    spec.pointer(&format!("{pointer}/x-known-values"))
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{path} has no x-known-values"))
        .clone()
}

fn strings(path: &str) -> Vec<String> {
    known(path)
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_open_enumeration_of_the_spec_is_checked_here() {
    let mut found = Vec::new();
    for (name, schema) in spec()["components"]["schemas"].as_object().unwrap() {
        if schema.get("x-known-values").is_some() {
            found.push(name.clone());
        }
        for (property, value) in schema["properties"].as_object().into_iter().flatten() {
            if value.get("x-known-values").is_some() {
                found.push(format!("{name}.{property}"));
            }
        }
    }
    found.sort();
    assert_eq!(
        found,
        [
            "BillingCycle",
            "Cart.status",
            "CartErrorCode",
            "Eligibility.eligibilityType",
            "Eligibility.transitionType",
            "Order.status",
            "Order.transactionType",
            "ParticipantType",
            "ProvisioningStatus",
            "PurchasePrerequisite",
            "Subscription.status",
            "SubscriptionProvisioningStatus.status",
            "Transition.status",
            "Transition.transitionType",
        ]
    );
}

#[test]
fn the_string_constants_are_the_specs_values() {
    assert_eq!(BillingCycle::KNOWN, strings("BillingCycle"));
    assert_eq!(ParticipantType::KNOWN, strings("ParticipantType"));
    assert_eq!(ProvisioningStatus::KNOWN, strings("ProvisioningStatus"));
    assert_eq!(PurchasePrerequisite::KNOWN, strings("PurchasePrerequisite"));
    assert_eq!(PurchasePrerequisite::INVENTORY_CHECK, "InventoryCheck");
    // Named after the value.
    assert_eq!(BillingCycle::ONE_TIME, "one_time");
    assert_eq!(
        ParticipantType::ADDITIONAL_TRANSACTION_RESELLER,
        "additional_transaction_reseller"
    );
    assert_eq!(
        ProvisioningStatus::PREFULFILLMENT_PENDING,
        "prefulfillmentPending"
    );
    // A property's values are prefixed with its name, on its object.
    assert_eq!(
        [Cart::STATUS_ACTIVE, Cart::STATUS_ORDERED].as_slice(),
        strings("Cart.status")
    );
    assert_eq!(
        [
            Order::STATUS_UNKNOWN,
            Order::STATUS_COMPLETED,
            Order::STATUS_PENDING,
            Order::STATUS_CANCELLED
        ]
        .as_slice(),
        strings("Order.status")
    );
    assert_eq!(
        [
            Order::TRANSACTION_TYPE_USER_PURCHASE,
            Order::TRANSACTION_TYPE_SYSTEM_PURCHASE,
            Order::TRANSACTION_TYPE_SYSTEM_BILLING
        ]
        .as_slice(),
        strings("Order.transactionType")
    );
    assert_eq!(Subscription::STATUS_ACTIVE, "active");
    assert_eq!(strings("Subscription.status").len(), 7);
    assert_eq!(
        [
            SubscriptionProvisioningStatus::STATUS_SUCCESS,
            SubscriptionProvisioningStatus::STATUS_PENDING,
            SubscriptionProvisioningStatus::STATUS_FAILED
        ]
        .as_slice(),
        strings("SubscriptionProvisioningStatus.status")
    );
    assert_eq!(
        [
            Eligibility::ELIGIBILITY_TYPE_IMMEDIATE,
            Eligibility::ELIGIBILITY_TYPE_SCHEDULED
        ]
        .as_slice(),
        strings("Eligibility.eligibilityType")
    );
    let transition_types = [
        Transition::TRANSITION_TYPE_TRANSITION_ONLY,
        Transition::TRANSITION_TYPE_TRANSITION_WITH_LICENSE_TRANSFER,
    ];
    assert_eq!(
        transition_types.as_slice(),
        strings("Transition.transitionType")
    );
    assert_eq!(
        transition_types.as_slice(),
        strings("Eligibility.transitionType")
    );
    assert_eq!(
        [
            Transition::STATUS_PENDING,
            Transition::STATUS_COMPLETED,
            Transition::STATUS_FAILED
        ]
        .as_slice(),
        strings("Transition.status")
    );
}

#[test]
fn the_cart_error_codes_are_the_specs_numbers_and_names() {
    let spec = spec();
    let names = spec["components"]["schemas"]["CartErrorCode"]["x-enum-varnames"]
        .as_array()
        .unwrap();
    let expected: Vec<(i64, &str)> = known("CartErrorCode")
        .iter()
        .zip(names)
        .map(|(code, name)| (code.as_i64().unwrap(), name.as_str().unwrap()))
        .collect();
    assert_eq!(CartErrorCode::KNOWN, expected.as_slice());
    assert_eq!(CartErrorCode::KNOWN.len(), 21);
    assert_eq!(CartErrorCode::CATALOG_ITEM_ID_IS_NOT_VALID, 10001);
    assert_eq!(CartErrorCode::SUBSCRIPTION_IS_NOT_ENABLED_FOR_RI, 10008);
    assert_eq!(
        CartErrorCode::LEGACY_OFFER_NOT_ELIGIBLE_FOR_PURCHASE,
        500600
    );
    // `name()` reads the same list.
    assert_eq!(
        CartErrorCode::from(10012).name(),
        Some("AttestationNotAccepted")
    );
    assert_eq!(CartErrorCode::from(10005).name(), None);
}
