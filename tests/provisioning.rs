//! Orders after checkout: getOrder, the provisioning status, and the waiter, against the
//! emulator and a scripted server. Waits run on a virtual clock: they take no time, and are
//! recorded.
#![cfg(feature = "emulator")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::emulator::{Emulator, RunningEmulator, UNFULFILLABLE};
use partner_center_carts::retry::VirtualClock;
use partner_center_carts::types::{Cart, CartLineItem, ProvisioningStatus};
use partner_center_carts::{ErrorKind, POLL_FLOOR, PartnerCenter};
use serde_json::json;
use support::scripted::{Answer, Scripted};
use support::{CUSTOMER, builder_at};

const S: fn(u64) -> Duration = Duration::from_secs;

fn line(catalog: &str, group: &str) -> CartLineItem {
    CartLineItem {
        catalog_item_id: catalog.into(),
        quantity: 2,
        billing_cycle: "monthly".into(),
        order_group: Some(group.into()),
        ..Default::default()
    }
}

/// An emulator provisioning orders after `delay`, a client on a virtual clock, and the ids of
/// the orders a checkout of `lines` placed.
async fn ordered(
    delay: Duration,
    lines: Vec<CartLineItem>,
) -> (
    RunningEmulator,
    PartnerCenter,
    Arc<VirtualClock>,
    Vec<String>,
) {
    let emulator = Emulator::new()
        .provisioning_delay(delay)
        .start()
        .await
        .unwrap();
    let clock = Arc::new(VirtualClock::new());
    let pc = emulator.client().clock(clock.clone()).build().unwrap();
    let customer = pc.customer(CUSTOMER);
    let cart = Cart {
        line_items: lines,
        ..Default::default()
    };
    let id = customer.create(&cart).await.unwrap().id.unwrap();
    let placed = customer.cart(&id).checkout().await.unwrap();
    assert!(placed.is_complete());
    let orders = placed
        .orders()
        .iter()
        .map(|o| o.id.clone().unwrap())
        .collect();
    (emulator, pc, clock, orders)
}

#[tokio::test]
async fn an_order_a_checkout_placed_is_read_by_id_and_provisioned_after_the_delay() {
    let lines = vec![
        line("CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "0"),
        line("CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ", "1"),
    ];
    let (emulator, pc, _, orders) = ordered(S(3600), lines.clone()).await;
    assert_eq!(orders.len(), 2, "one order per order group");
    for id in &orders {
        let order = pc.customer(CUSTOMER).order(id).get().await.unwrap();
        assert_eq!(order.id.as_deref(), Some(id.as_str()));
        assert_eq!(order.line_items.as_ref().unwrap().len(), 1);
        let status = pc
            .customer(CUSTOMER)
            .order(id)
            .provisioning_status()
            .await
            .unwrap();
        assert!(!status.is_final() && !status.is_fulfilled());
        assert_eq!(status.pending().count(), 1);
        let item = &status.line_items()[0];
        assert!(
            item.status
                .as_ref()
                .unwrap()
                .is(ProvisioningStatus::PREFULFILLMENT_PENDING)
        );
    }
    assert_eq!(emulator.orders(CUSTOMER).len(), 2);

    let (_emulator, pc, _, orders) = ordered(Duration::ZERO, lines).await;
    for id in &orders {
        let status = pc
            .customer(CUSTOMER)
            .order(id)
            .provisioning_status()
            .await
            .unwrap();
        assert!(status.is_final() && status.is_fulfilled(), "{status:?}");
    }

    let err = pc
        .customer(CUSTOMER)
        .order("0123456789ab")
        .get()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.operation(), Some("getOrder"));
}

#[tokio::test]
async fn the_waiter_returns_at_once_when_provisioning_has_ended() {
    let (_emulator, pc, clock, orders) = ordered(Duration::ZERO, vec![line("A:1:B", "0")]).await;
    let status = pc
        .customer(CUSTOMER)
        .order(&orders[0])
        .wait_until_provisioned(S(60))
        .await
        .unwrap();
    assert!(status.is_fulfilled());
    assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
}

#[tokio::test]
async fn the_waiter_sees_a_line_that_was_not_fulfilled() {
    let unfulfillable = format!("{UNFULFILLABLE}:0001:0001");
    let lines = vec![line("A:1:B", "0"), line(&unfulfillable, "0")];
    let (_emulator, pc, _, orders) = ordered(Duration::ZERO, lines).await;
    let status = pc
        .customer(CUSTOMER)
        .order(&orders[0])
        .wait_until_provisioned(S(60))
        .await
        .unwrap();
    assert!(status.is_final());
    assert!(!status.is_fulfilled());
    assert_eq!(status.unfulfilled().count(), 1);
    assert_eq!(status.line_items().len(), 2);
}

#[tokio::test]
async fn the_waiter_times_out_with_the_last_status_after_waits_that_double_from_the_floor() {
    let (_emulator, pc, clock, orders) = ordered(S(3600), vec![line("A:1:B", "0")]).await;
    let err = pc
        .customer(CUSTOMER)
        .order(&orders[0])
        .wait_until_provisioned(S(60))
        .await
        .unwrap_err();
    // Waits of 2, 4, 8 and 16 s make 30 s; the next, 32 s, would pass 60 s: it stops after its
    // fifth poll.
    assert_eq!(clock.sleeps(), [S(2), S(4), S(8), S(16)]);
    let ErrorKind::StillProvisioning {
        waited,
        polls,
        last,
    } = err.kind()
    else {
        panic!("{err:?}")
    };
    assert_eq!((*waited, *polls), (S(30), 5));
    assert_eq!(last.pending().count(), 1);
    assert!(err.to_string().contains("still being provisioned"), "{err}");
    assert!(!err.is_retryable() && !err.outcome_unknown());
}

fn status(value: &str) -> Answer {
    Answer::json(
        200,
        json!({
            "totalCount": 1,
            "items": [{"lineItemNumber": 0, "status": value,
                       "quantityProvisioningInformation": [{"quantity": 1, "status": value}]}],
            "attributes": {"objectType": "Collection"}
        }),
    )
}

#[tokio::test]
async fn the_waiter_never_polls_faster_than_its_floor_and_honours_throttling() {
    let server = Scripted::start().await;
    server
        .then(status("prefulfillmentPending"))
        .then(status("PrefulfillmentPending"))
        .then(
            Answer::json(
                429,
                json!({"statusCode": 429, "message": "Rate limit is exceeded."}),
            )
            .header("retry-after", "3"),
        )
        .then(status("Fulfilled"));
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(partner_center_carts::retry::RetryPolicy::default())
        .clock(clock.clone())
        .build()
        .unwrap();

    let done = pc
        .customer(CUSTOMER)
        .order("f76c6b7f449d")
        .wait_until_provisioned(S(600))
        .await
        .unwrap();

    assert!(
        done.is_fulfilled(),
        "the value is compared without regard to case"
    );
    // The waiter's 2 s and 4 s between polls, and the 3 s the service asked for in between.
    assert_eq!(clock.sleeps(), [S(2), S(4), S(3)]);
    let received = server.received();
    assert_eq!(received.len(), 4);
    let ids: Vec<_> = received
        .iter()
        .map(|r| r.header("ms-requestid").unwrap())
        .collect();
    assert_ne!(ids[0], ids[1], "each poll is an operation of its own");
    assert_eq!(
        ids[2], ids[3],
        "the throttled poll is repeated as the same request"
    );
    for wait in [clock.sleeps()[0], clock.sleeps()[1]] {
        assert!(wait >= POLL_FLOOR);
    }
}

#[tokio::test]
async fn a_refused_provisioning_status_says_it_needs_an_app_and_user_token() {
    for (code, says) in [(401, true), (403, true), (404, false)] {
        let server = Scripted::start().await;
        server.always(Answer::json(code, json!({"code": 0, "description": "no"})));
        let pc = builder_at(&server.url).build().unwrap();
        let err = pc
            .customer(CUSTOMER)
            .order("f76c6b7f449d")
            .provisioning_status()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(code));
        assert_eq!(err.to_string().contains("app+user"), says, "{code}: {err}");
        assert_eq!(err.operation(), Some("getOrderProvisioningStatus"));
    }
}

#[tokio::test]
async fn an_order_id_that_could_change_the_path_is_refused_before_sending() {
    let server = Scripted::start().await;
    let pc = builder_at(&server.url).build().unwrap();
    for id in ["../../admin", "a?b", "", "f76c/6b7f"] {
        let err = pc.customer(CUSTOMER).order(id).get().await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput { .. }),
            "{id}: {err}"
        );
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn an_answer_for_another_order_is_a_mismatch() {
    let server = Scripted::start().await;
    server.always(Answer::json(200, json!({"id": "aaaaaaaaaaaa"})));
    let pc = builder_at(&server.url).build().unwrap();
    let err = pc
        .customer(CUSTOMER)
        .order("f76c6b7f449d")
        .get()
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Mismatch { .. }), "{err}");
    assert!(!err.outcome_unknown(), "a read changes nothing");
}

/// The typed mocks progenitor generates from the spec cover the new operations too.
#[cfg(feature = "mock")]
#[tokio::test]
async fn typed_mocks_serve_an_order_and_its_provisioning() {
    use partner_center_carts::mock::{MockServerExt, httpmock::MockServer};
    use partner_center_carts::types::{Order, OrderProvisioningStatuses};

    let server = MockServer::start_async().await;
    let customer = CUSTOMER.to_string();
    let order: Order =
        serde_json::from_value(json!({"id": "f76c6b7f449d", "status": "completed"})).unwrap();
    let provisioned: OrderProvisioningStatuses = serde_json::from_value(json!({
        "totalCount": 1, "items": [{"lineItemNumber": 0, "status": "fulfilled"}]
    }))
    .unwrap();
    let get = server.get_order(|when, then| {
        when.customer_id(&customer).order_id("f76c6b7f449d");
        then.ok(&order);
    });
    let status = server.get_order_provisioning_status(|when, then| {
        when.customer_id(&customer).order_id("f76c6b7f449d");
        then.ok(&provisioned);
    });
    let pc = builder_at(&server.base_url()).build().unwrap();
    let order_ref = pc.customer(CUSTOMER).order("f76c6b7f449d");

    assert_eq!(order_ref.get().await.unwrap(), order);
    let done = order_ref.wait_until_provisioned(S(60)).await.unwrap();
    assert!(done.is_fulfilled());
    get.assert();
    status.assert();
}
