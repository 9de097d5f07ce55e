//! After checkout: the orders a purchase placed, listed and waited for; what they produced
//! (subscriptions, activation links); and how an order changes (cancelled, an add-on bought).
//! Against the emulator, on one virtual clock with the client (every wait takes no time and
//! is recorded), and against httpmock where a request must be exact.

mod support;

use std::sync::Arc;
use std::time::Duration;

use httpmock::prelude::*;
use partner_center_carts::Operation;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::error::Effect;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::types::{Cart, CartLineItem, Order, OrderLineItem};
use partner_center_carts::{Customer, ErrorKind, OrderRef, PartnerCenter};
use partner_center_carts_emulator::{
    AZURE_RESERVATION, Emulator, PERPETUAL_SOFTWARE, RunningEmulator,
};
use serde_json::json;
use support::{CUSTOMER, client};

const S: fn(u64) -> Duration = Duration::from_secs;

/// A new-commerce licence, perpetual software (with an activation link) and an Azure
/// reservation.
const LICENCE: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
fn software() -> String {
    format!("{PERPETUAL_SOFTWARE}CN2T:0002:{PERPETUAL_SOFTWARE}DRZ4")
}
fn reservation() -> String {
    format!("{AZURE_RESERVATION}BQ4Z:002L:{AZURE_RESERVATION}CMNP")
}

fn line(catalog: &str, quantity: i32) -> CartLineItem {
    CartLineItem {
        catalog_item_id: catalog.into(),
        quantity,
        billing_cycle: "monthly".into(),
        ..Default::default()
    }
}

/// An emulator and a client of it on one virtual clock; orders provisioned 5 s and listed
/// `listed_after` after their checkout.
async fn emulated(listed_after: Duration) -> (RunningEmulator, PartnerCenter, Arc<VirtualClock>) {
    let clock = Arc::new(VirtualClock::new());
    let emulator = Emulator::new()
        .clock(clock.clone())
        .provisioning_delay(S(5))
        .order_listing_delay(listed_after)
        .start()
        .await
        .unwrap();
    let pc = emulator.client().clock(clock.clone()).build().unwrap();
    (emulator, pc, clock)
}

/// Checks out a cart of these lines, one order; returns the customer and the order.
async fn bought(pc: &PartnerCenter, lines: Vec<CartLineItem>) -> (Customer, OrderRef) {
    let customer = pc.customer(CUSTOMER);
    let cart = Cart {
        line_items: lines,
        ..Default::default()
    };
    let created = customer.create(&cart).await.unwrap();
    let outcome = customer.cart(created.id()).checkout().await.unwrap();
    let mut orders = outcome.order_refs();
    assert_eq!(orders.len(), 1);
    (customer, orders.remove(0))
}

#[tokio::test]
async fn a_purchase_is_followed_from_its_checkout_to_its_subscriptions_and_links() {
    let (_emulator, pc, clock) = emulated(S(1)).await;
    let (customer, order) = bought(&pc, vec![line(LICENCE, 3), line(&software(), 1)]).await;

    // Before provisioning: no subscription yet, no link.
    assert!(
        order
            .subscriptions()
            .await
            .unwrap()
            .subscriptions()
            .is_empty()
    );
    assert!(order.activation_links().await.unwrap().links().is_empty());

    let status = order.wait_until_provisioned(S(60)).await.unwrap();
    assert!(status.is_fulfilled());
    assert_eq!(clock.sleeps(), [S(2), S(4)], "polls at 0, 2 and 6 s");

    let placed = order.get().await.unwrap();
    let subscriptions = order.subscriptions().await.unwrap();
    let listed: Vec<(&str, Option<i32>, Option<&str>)> = subscriptions
        .subscriptions()
        .iter()
        .map(|s| (s.id(), s.quantity, s.status.as_deref()))
        .collect();
    let expected: Vec<(&str, Option<i32>, Option<&str>)> = placed
        .line_items()
        .iter()
        .map(|l| {
            (
                l.subscription_id.as_deref().unwrap(),
                l.quantity,
                Some("active"),
            )
        })
        .collect();
    assert_eq!(listed, expected, "one active subscription per line item");
    for s in subscriptions.subscriptions() {
        assert_eq!(s.order_id.as_deref(), Some(order.id()));
        let status = customer
            .subscription(s.id())
            .provisioning_status()
            .await
            .unwrap();
        assert_eq!(status.status.as_deref(), Some("success"));
        assert_eq!(status.quantity, s.quantity);
    }

    // Only the perpetual software has an activation link, by order and by line item.
    let links = order.activation_links().await.unwrap();
    assert_eq!(links.links().len(), 1);
    assert_eq!(links.links()[0].line_item_number, Some(1));
    assert!(
        links.links()[0]
            .link
            .as_ref()
            .unwrap()
            .uri
            .as_deref()
            .unwrap()
            .contains(order.id()),
        "{links:?}"
    );
    assert_eq!(order.line_item_activation_links(1).await.unwrap(), links);
    assert!(
        order
            .line_item_activation_links(0)
            .await
            .unwrap()
            .links()
            .is_empty()
    );

    let unknown = customer.subscription(uuid::Uuid::new_v4().to_string());
    let err = unknown.provisioning_status().await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn an_order_not_yet_listed_is_waited_for_and_the_wait_can_run_out() {
    let (_emulator, pc, clock) = emulated(S(10)).await;
    let (customer, order) = bought(&pc, vec![line(LICENCE, 1)]).await;

    // Placed, readable by its id, not yet listed.
    assert!(order.get().await.is_ok());
    assert!(customer.orders().list().await.unwrap().orders().is_empty());

    // A wait too short: lists at 0 and 2 s, then the next would pass 5 s.
    let id = order.id().to_string();
    let err = customer
        .orders()
        .wait_for(S(5), |o| o.id() == id)
        .await
        .unwrap_err();
    let ErrorKind::NotYetListed(not_yet) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!((not_yet.waited(), not_yet.lists()), (S(2), 2));
    assert_eq!(err.operation().map(Operation::name), Some("listOrders"));
    assert_eq!(err.effect(), Effect::None);
    assert!(err.to_string().contains("15 minutes"), "{err}");

    // Long enough: lists at 2, 4, 8 and 16 s, the last past the 10 s delay.
    let listed = customer
        .orders()
        .wait_for(S(900), |o| o.id() == id)
        .await
        .unwrap();
    assert_eq!(listed.id(), id);
    assert_eq!(clock.sleeps(), [S(2), S(2), S(4), S(8)]);
    assert!(clock.sleeps().iter().all(|s| *s >= OrderRef::POLL_FLOOR));
}

#[tokio::test]
async fn orders_are_listed_by_billing_type_with_prices_when_asked() {
    let (_emulator, pc, _clock) = emulated(Duration::ZERO).await;
    let (customer, licence) = bought(&pc, vec![line(LICENCE, 2)]).await;
    let (_, usage) = bought(&pc, vec![line("MS-AZR-0145P", 1)]).await;

    let all = customer.orders().list().await.unwrap();
    let ids: Vec<&str> = all.orders().iter().map(Order::id).collect();
    assert_eq!(ids, [licence.id(), usage.id()], "oldest first");
    assert_eq!(all.total_count, Some(2));
    assert!(all.orders().iter().all(|o| o.total_price.is_none()));

    let licences = customer
        .orders()
        .billing_type("license")
        .list()
        .await
        .unwrap();
    assert_eq!(licences.orders().len(), 1);
    assert_eq!(licences.orders()[0].id(), licence.id());
    let usages = customer
        .orders()
        .billing_type("usage")
        .list()
        .await
        .unwrap();
    assert_eq!(usages.orders()[0].id(), usage.id());

    let priced = customer.orders().include_price().list().await.unwrap();
    let line = &priced.orders()[0].line_items()[0];
    let pricing = line.pricing.as_ref().unwrap();
    assert_eq!(
        pricing.extended_price,
        Some(pricing.price.unwrap() * 2.0),
        "{pricing:?}"
    );
    assert_eq!(priced.orders()[0].total_price, pricing.extended_price);
    let one = licence.get_with_prices().await.unwrap();
    assert_eq!(one.total_price, pricing.extended_price);
    assert!(licence.get().await.unwrap().total_price.is_none());
}

#[tokio::test]
async fn software_and_reservations_are_cancelled_and_nothing_else_is() {
    let (_emulator, pc, _clock) = emulated(Duration::ZERO).await;
    for catalog in [software(), reservation()] {
        let (_, order) = bought(&pc, vec![line(&catalog, 1)]).await;
        let cancelled = order.cancel().await.unwrap();
        assert_eq!(cancelled.status.as_deref(), Some(Order::STATUS_CANCELLED));
        assert_eq!(order.get().await.unwrap().status, cancelled.status);
        let status = order.provisioning_status().await.unwrap();
        assert!(status.is_final() && !status.is_fulfilled(), "{status:?}");
        // Cancelled again: the same order, no error.
        assert_eq!(order.cancel().await.unwrap(), cancelled);
    }

    let (_, licence) = bought(&pc, vec![line(LICENCE, 1)]).await;
    let err = licence.cancel().await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err:?}");
    assert_eq!(err.operation().map(Operation::name), Some("updateOrder"));
    assert_eq!(err.effect(), Effect::None, "refused: nothing changed");
    assert!(!err.outcome_unknown());
    assert!(
        err.to_string().contains("through their subscriptions"),
        "{err}"
    );
    assert_ne!(
        licence.get().await.unwrap().status.as_deref(),
        Some(Order::STATUS_CANCELLED)
    );
}

#[tokio::test]
async fn an_order_older_than_sixty_days_is_not_cancelled() {
    let (_emulator, pc, clock) = emulated(Duration::ZERO).await;
    let (_, order) = bought(&pc, vec![line(&software(), 1)]).await;
    clock.advance(S(60 * 86_400));
    let err = order.cancel().await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("60 days"), "{err}");
}

#[tokio::test]
async fn an_add_on_is_bought_on_an_existing_subscription() {
    let (_emulator, pc, _clock) = emulated(Duration::ZERO).await;
    let (_, order) = bought(&pc, vec![line(LICENCE, 1)]).await;
    order.wait_until_provisioned(S(60)).await.unwrap();
    let parent = order.subscriptions().await.unwrap().subscriptions()[0]
        .id()
        .to_string();

    let add_on = |parent: &str| Order {
        line_items: Some(vec![OrderLineItem {
            offer_id: Some("CFQ7TTC0LHSJ:0001:CFQ7TTC0KDFN".into()),
            parent_subscription_id: Some(parent.into()),
            quantity: Some(2),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let changed = order.update(&add_on(&parent)).await.unwrap();
    let lines = changed.line_items();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].line_item_number, Some(1));
    assert_eq!(
        lines[1].parent_subscription_id.as_deref(),
        Some(parent.as_str())
    );
    assert!(lines[1].subscription_id.is_some());
    assert_eq!(
        order.subscriptions().await.unwrap().subscriptions().len(),
        2
    );

    let unknown = uuid::Uuid::new_v4().to_string();
    let err = order.update(&add_on(&unknown)).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(err.to_string().contains("parentSubscriptionId"), "{err}");
    assert_eq!(order.get().await.unwrap().line_items().len(), 2);
}

/// The exact requests: query parameters, paths and the PATCH's body.
#[tokio::test]
async fn each_operation_sends_its_documented_request() {
    let server = MockServer::start_async().await;
    let pc = client(&server);
    let customer = pc.customer(CUSTOMER);
    let order = customer.order("f76c6b7f449d");
    let collection =
        json!({"totalCount": 0, "items": [], "attributes": {"objectType": "Collection"}});

    let list = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/customers/{CUSTOMER}/orders"))
                .query_param("billingType", "license")
                .query_param("include_price", "true")
                .query_param("indirect_reseller_id", "517285")
                .query_param("include_system_purchases", "true");
            then.status(200).json_body(collection.clone());
        })
        .await;
    let listed = customer
        .orders()
        .billing_type("license")
        .include_price()
        .indirect_reseller("517285")
        .include_system_purchases()
        .list()
        .await
        .unwrap();
    assert!(listed.orders().is_empty());
    list.assert_async().await;

    let priced = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/customers/{CUSTOMER}/orders/f76c6b7f449d"))
                .query_param("include_price", "true");
            then.status(200)
                .json_body(json!({"id": "f76c6b7f449d", "totalPrice": 36.0}));
        })
        .await;
    assert_eq!(
        order.get_with_prices().await.unwrap().total_price,
        Some(36.0)
    );
    priced.assert_async().await;

    let cancel = server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("/v1/customers/{CUSTOMER}/orders/f76c6b7f449d"))
                .header_exists("ms-requestid")
                .json_body(json!({"id": "f76c6b7f449d", "status": "cancelled"}));
            then.status(200)
                .json_body(json!({"id": "f76c6b7f449d", "status": "cancelled"}));
        })
        .await;
    assert_eq!(
        order.cancel().await.unwrap().status.as_deref(),
        Some("cancelled")
    );
    cancel.assert_async().await;

    let links = server
        .mock_async(|when, then| {
            when.method(GET).path(format!(
                "/v1/customers/{CUSTOMER}/orders/f76c6b7f449d/lineitems/3/activationlinks"
            ));
            then.status(200).json_body(collection.clone());
        })
        .await;
    order.line_item_activation_links(3).await.unwrap();
    links.assert_async().await;
    let err = order.line_item_activation_links(-1).await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)), "{err:?}");

    let subscriptions = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/customers/{CUSTOMER}/subscriptions"))
                .query_param("order_id", "f76c6b7f449d");
            then.status(200).json_body(collection.clone());
        })
        .await;
    order.subscriptions().await.unwrap();
    subscriptions.assert_async().await;
}

/// A PATCH whose answer was lost may have changed the order: the error says the outcome is
/// unknown and keeps the request; `resend` sends the same request (same MS-RequestId,
/// same body) and the service's answer settles it.
#[tokio::test]
async fn an_order_change_whose_answer_was_lost_is_settled_by_resending_it() {
    let server = MockServer::start_async().await;
    let pc = support::builder(&server)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let order = pc.customer(CUSTOMER).order("f76c6b7f449d");
    let path = format!("/v1/customers/{CUSTOMER}/orders/f76c6b7f449d");
    let recorder = support::Recorder::default();
    let lost = server
        .mock_async(|when, then| {
            when.method(PATCH).path(&path).is_true(recorder.matcher());
            then.status(504)
                .json_body(json!({"code": 0, "description": "gateway"}));
        })
        .await;
    let err = order.cancel().await.unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    assert_eq!(err.effect(), Effect::Unknown);
    assert!(!err.is_retryable());
    lost.delete_async().await;

    // An error that left nothing unknown has nothing to send again, and sends nothing.
    let settled_error = order.get().await.unwrap_err();
    let refused = pc.resend(&settled_error).await.unwrap_err();
    assert!(
        matches!(refused.kind(), ErrorKind::InvalidInput(_)),
        "{refused:?}"
    );

    server
        .mock_async(|when, then| {
            when.method(PATCH).path(&path).is_true(recorder.matcher());
            then.status(200)
                .json_body(json!({"id": "f76c6b7f449d", "status": "cancelled"}));
        })
        .await;
    let settled = pc.resend(&err).await.unwrap().into_order().unwrap();
    assert_eq!(settled.status.as_deref(), Some("cancelled"));
    let sent = recorder.all();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0].header("ms-requestid"),
        sent[1].header("ms-requestid"),
        "the same request"
    );
    assert_eq!(sent[0].body, sent[1].body);
    let request_id = err.request_id().map(|id| id.to_string());
    assert_eq!(sent[1].header("ms-requestid"), request_id.as_deref());
}
