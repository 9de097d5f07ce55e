//! A plan against the emulator's built-in catalog: every wrong line a user could write is
//! caught before anything is created, each with its typed reason (a term, a cycle, a quantity,
//! an unknown item, one not purchasable, the inventory, a provisioning value, a promotion,
//! the customer agreement), and a right cart, made with `customer.line`, plans clean and
//! checks out.

mod support;

use partner_center_carts::PartnerCenter;
use partner_center_carts::catalog::LineProblem;
use partner_center_carts::types::{Agreement, AgreementContact, Cart, CartLineItem};
use partner_center_carts_emulator::{Emulator, RunningEmulator};
use support::{CUSTOMER, line};

const E3: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
const TRIAL: &str = "CFQ7TTC0LH0Z:0003:CFQ7TTC0TRL1";
const NOT_PURCHASABLE: &str = "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLK";
const TERMS_DIFFER: &str = "CFQ7TTC0MM8R:0002:CFQ7TTC0J1FV";
const NEEDS_AGREEMENT: &str = "CFQ7TTC0LCHC:0002:CFQ7TTC0N8SS";
const VM: &str = "DZH318Z0BQ3Q:0009:DZH318Z0CP3K";
const UNKNOWN: &str = "NOPE00000000:0001:NOPE00000001";
const PROMOTION: &str = "39NFJQT1Q5KL:0001";

async fn started() -> (RunningEmulator, PartnerCenter) {
    let emulator = Emulator::new().start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    (emulator, pc)
}

fn in_region(mut vm: CartLineItem, region: &str, subscription: bool) -> CartLineItem {
    let context = vm.provisioning_context.get_or_insert_default();
    context.insert("scope".into(), "shared".into());
    if subscription {
        context.insert(
            "subscriptionId".into(),
            "3705fc3f-5e3c-4e4b-9f2a-6f5e1b4c8a11".into(),
        );
    }
    context.insert("armRegionName".into(), region.into());
    vm
}

#[tokio::test]
async fn a_plan_catches_every_wrong_line_with_its_reason() {
    let (_emulator, pc) = started().await;
    let customer = pc.customer(CUSTOMER);
    let vm = customer.line(VM, Some("P3Y"), "monthly", 1).await.unwrap();
    let mut promoted = line(E3, Some("P1M"), "monthly", 5);
    promoted.promotion_id = Some(PROMOTION.into());
    let lines = vec![
        line(E3, Some("P3Y"), "annual", 1),
        line(E3, Some("P1M"), "annual", 1),
        line(E3, Some("P1M"), "monthly", 301),
        line(UNKNOWN, Some("P1M"), "monthly", 1),
        line(NOT_PURCHASABLE, Some("P1Y"), "annual", 1),
        in_region(vm.clone(), "westus", true),
        in_region(vm, "eastus", false),
        promoted,
        line(NEEDS_AGREEMENT, Some("P1M"), "monthly", 1),
    ];
    let plan = customer.plan(&lines).await.unwrap();
    let kinds: Vec<Vec<&str>> = plan
        .lines()
        .iter()
        .map(|l| l.problems().iter().map(LineProblem::kind).collect())
        .collect();
    assert_eq!(
        kinds,
        [
            vec!["termNotOffered"],
            vec!["cycleNotOffered"],
            vec!["quantityOutOfRange"],
            vec!["unknownItem"],
            vec!["notPurchasable"],
            vec!["inventoryRestricted"],
            vec!["provisioningMissing"],
            vec!["promotionIneligible"],
            vec!["agreementMissing"],
        ],
        "{plan}"
    );
    // Each reason names what would be right.
    let words = plan.to_string();
    for expected in [
        "term P3Y is not offered; the offered terms are P1M, P1Y",
        "billing cycle annual is not offered for term P1M; the offered cycles are monthly",
        "quantity 301 is out of range: the SKU takes 1 to 300",
        "not available in region westus",
        "lacks what the SKU needs: SubscriptionId",
        "MicrosoftCustomerAgreement",
    ] {
        assert!(words.contains(expected), "{expected:?} not in:\n{words}");
    }
    // Nothing was created.
    let orders = customer.orders().list().await.unwrap();
    assert!(orders.items.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn a_right_cart_plans_clean_and_checks_out() {
    let (_emulator, pc) = started().await;
    let customer = pc.customer(CUSTOMER);
    customer
        .confirm_agreement(&Agreement {
            type_: Some("MicrosoftCustomerAgreement".into()),
            template_id: Some("117a77b0-9360-443b-8795-c6dedc750cf9".into()),
            date_agreed: Some("2026-11-02T00:00:00Z".parse().unwrap()),
            primary_contact: Some(AgreementContact {
                first_name: Some("Ana".into()),
                last_name: Some("Silva".into()),
                email: Some("ana@contoso.example".into()),
                phone_number: Some("4255550100".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    let mut e3 = customer.line(E3, Some("P1Y"), "annual", 5).await.unwrap();
    e3.promotion_id = Some(PROMOTION.into());
    // Only the single availability offers P1Y billed monthly: the terms of both count.
    let differ = customer
        .line(TERMS_DIFFER, Some("P1Y"), "monthly", 2)
        .await
        .unwrap();
    let trial = customer.line(TRIAL, Some("P1M"), "none", 1).await.unwrap();
    assert_eq!(
        trial
            .renews_to
            .as_ref()
            .and_then(|r| r.term_duration.as_deref()),
        Some("P1Y")
    );
    let vm = customer.line(VM, Some("P3Y"), "one_time", 1).await.unwrap();
    assert_eq!(vm.provisioning_context.as_ref().unwrap()["duration"], "P3Y");
    let lines = vec![
        e3,
        differ,
        trial,
        in_region(vm, "eastus", true),
        customer
            .line(NEEDS_AGREEMENT, Some("P1M"), "monthly", 3)
            .await
            .unwrap(),
    ];
    let plan = customer.plan(&lines).await.unwrap();
    assert!(plan.is_clean(), "{plan}");

    let cart = customer
        .create(&Cart {
            line_items: lines,
            ..Default::default()
        })
        .await
        .unwrap();
    let outcome = customer.cart(cart.id()).checkout().await.unwrap();
    assert!(outcome.is_complete(), "{outcome:?}");
}
