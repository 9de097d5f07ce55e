//! Orders end to end: `OrderRef::get`, `provisioning_status` and `wait_until_provisioned`
//! against the emulator, and against a scripted server where an answer must be exact; and
//! getOrder sent through the generic `PartnerCenter::call`. Every wait runs on a virtual
//! clock: it takes no time and is recorded, so the tests assert the exact waits.

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::Operation;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::types::{Order, OrderProvisioningStatuses, ProvisioningStatus};
use partner_center_carts::{ErrorKind, OrderRef, PartnerCenter};
use serde_json::{Value, json};
use support::scripted::{Answer, Scripted};
use support::{CUSTOMER, TOKEN, builder_at};

const S: fn(u64) -> Duration = Duration::from_secs;

/// An order id as the service writes them: 12 hexadecimal digits.
const ORDER: &str = "f76c6b7f449d";

/// A client of the scripted server on a virtual clock, with `policy`.
fn scripted_client(server: &Scripted, policy: RetryPolicy) -> (PartnerCenter, Arc<VirtualClock>) {
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(policy)
        .clock(clock.clone())
        .build()
        .unwrap();
    (pc, clock)
}

/// The test order waited for, for at most ten minutes.
async fn wait_ten_minutes(
    pc: &PartnerCenter,
) -> Result<OrderProvisioningStatuses, partner_center_carts::Error> {
    pc.customer(CUSTOMER)
        .order(ORDER)
        .wait_until_provisioned(S(600))
        .await
}

/// A provisioning status answer: one line item per value, numbered from 0.
fn statuses(values: &[&str]) -> Answer {
    let items: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(n, value)| {
            json!({
                "lineItemNumber": n,
                "status": value,
                "quantityProvisioningInformation": [{"quantity": 1, "status": value}]
            })
        })
        .collect();
    Answer::json(
        200,
        json!({
            "totalCount": items.len(),
            "items": items,
            "attributes": {"objectType": "Collection"}
        }),
    )
}

fn pending() -> Answer {
    statuses(&[ProvisioningStatus::PREFULFILLMENT_PENDING])
}

/// The path of the test order's provisioning status.
fn status_path(order: &str) -> String {
    format!("/v1/customers/{CUSTOMER}/orders/{order}/provisioningstatus")
}

mod emulated {
    use partner_center_carts::types::{Cart, CartLineItem, OrderProvisioningStatuses};
    use partner_center_carts_emulator::{Emulator, RunningEmulator, UNFULFILLABLE};

    use super::*;

    const FIRST: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
    const SECOND: &str = "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ";

    /// The status of line item `number`, as text.
    fn line_status(status: &OrderProvisioningStatuses, number: i32) -> String {
        let item = status
            .line_items()
            .iter()
            .find(|item| item.line_item_number == Some(number))
            .unwrap_or_else(|| panic!("no line item {number} in {status:?}"));
        item.status.as_ref().expect("a status").to_string()
    }

    fn line(catalog: &str, group: &str) -> CartLineItem {
        CartLineItem {
            catalog_item_id: catalog.into(),
            quantity: 3,
            billing_cycle: "monthly".into(),
            term_duration: Some("P1M".into()),
            order_group: Some(group.into()),
            ..Default::default()
        }
    }

    fn unfulfillable() -> String {
        format!("{UNFULFILLABLE}:0001:0001")
    }

    /// An emulator that provisions orders `delay` after their checkout, a client of it on a
    /// virtual clock, and the orders the checkout of a cart of `lines` placed, as its answer
    /// gave them.
    async fn checked_out(
        delay: Duration,
        lines: Vec<CartLineItem>,
    ) -> (
        RunningEmulator,
        PartnerCenter,
        Arc<VirtualClock>,
        Vec<Order>,
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
        assert!(placed.is_complete(), "{:?}", placed.result());
        let orders = placed.orders().to_vec();
        (emulator, pc, clock, orders)
    }

    /// How many provisioning statuses of `order` the emulator was asked for.
    fn polls_received(emulator: &RunningEmulator, order: &str) -> usize {
        emulator
            .received()
            .iter()
            .filter(|r| r.method == "GET" && r.path == status_path(order))
            .count()
    }

    #[tokio::test]
    async fn each_order_of_a_checkout_is_read_back_by_its_id() {
        let (emulator, pc, clock, placed) =
            checked_out(S(3600), vec![line(FIRST, "0"), line(SECOND, "1")]).await;
        assert_eq!(placed.len(), 2, "one order per order group");
        let held = emulator.orders(CUSTOMER);

        for (order, catalog) in placed.iter().zip([FIRST, SECOND]) {
            let id = order.id.as_deref().unwrap();
            let got = pc.customer(CUSTOMER).order(id).get().await.unwrap();
            assert_eq!(got.id.as_deref(), Some(id));
            assert_eq!(
                &got, order,
                "getOrder answers the order the checkout placed"
            );
            assert!(held.contains(&got), "the emulator holds {id}");
            let lines = got.line_items.as_deref().unwrap();
            assert_eq!(lines.len(), 1, "{lines:?}");
            assert_eq!(lines[0].offer_id.as_deref(), Some(catalog));
            assert_eq!(lines[0].quantity, Some(3));
            assert_eq!(lines[0].line_item_number, Some(0));
        }
        assert_ne!(placed[0].id, placed[1].id);
        assert!(clock.sleeps().is_empty(), "nothing was retried");

        // An order of another customer is not this one's.
        let other = "0f3b1c6e-5b9a-4d2e-9d4f-6c1a2b3c4d5e";
        let err = pc
            .customer(other)
            .order(placed[0].id.as_deref().unwrap())
            .get()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(404), "{err}");
    }

    #[tokio::test]
    async fn right_after_checkout_every_line_is_pending_until_the_delay_has_passed() {
        let lines = vec![line(FIRST, "0"), line(SECOND, "1")];
        let (emulator, pc, _, placed) = checked_out(S(3600), lines.clone()).await;
        for order in &placed {
            let id = order.id.as_deref().unwrap();
            let status = pc
                .customer(CUSTOMER)
                .order(id)
                .provisioning_status()
                .await
                .unwrap();
            assert_eq!(status.line_items().len(), 1, "{status:?}");
            assert_eq!(line_status(&status, 0), "prefulfillmentPending");
            assert!(!status.is_final() && !status.is_fulfilled(), "{status:?}");
            assert_eq!(status.pending().count(), 1);
            assert_eq!(status.unfulfilled().count(), 0);
            assert_eq!(polls_received(&emulator, id), 1);
        }

        let (_emulator, pc, _, placed) = checked_out(Duration::ZERO, lines).await;
        for order in &placed {
            let status = pc
                .customer(CUSTOMER)
                .order(order.id.as_deref().unwrap())
                .provisioning_status()
                .await
                .unwrap();
            assert_eq!(line_status(&status, 0), "fulfilled");
            assert!(status.is_final() && status.is_fulfilled(), "{status:?}");
            assert_eq!(status.pending().count(), 0);
        }
    }

    #[tokio::test]
    async fn an_unfulfillable_line_ends_unfulfilled_and_the_other_fulfilled() {
        // The unfulfillable line first, so that its status is matched by number, not place.
        let lines = vec![line(&unfulfillable(), "0"), line(FIRST, "0")];
        let (_emulator, pc, _, placed) = checked_out(Duration::ZERO, lines).await;
        assert_eq!(placed.len(), 1, "one order group, one order");
        let status = pc
            .customer(CUSTOMER)
            .order(placed[0].id.as_deref().unwrap())
            .provisioning_status()
            .await
            .unwrap();
        assert_eq!(status.line_items().len(), 2, "{status:?}");
        assert_eq!(line_status(&status, 0), "unfulfilled");
        assert_eq!(line_status(&status, 1), "fulfilled");
        assert!(
            status.is_final(),
            "provisioning has ended, one way or the other"
        );
        assert!(!status.is_fulfilled());
        let unfulfilled: Vec<_> = status
            .unfulfilled()
            .map(|item| item.line_item_number)
            .collect();
        assert_eq!(unfulfilled, [Some(0)]);
    }

    #[tokio::test]
    async fn the_waiter_returns_after_one_poll_without_waiting_when_provisioning_has_ended() {
        let (emulator, pc, clock, placed) =
            checked_out(Duration::ZERO, vec![line(FIRST, "0")]).await;
        let id = placed[0].id.as_deref().unwrap();
        let status = pc
            .customer(CUSTOMER)
            .order(id)
            .wait_until_provisioned(S(60))
            .await
            .unwrap();
        assert!(status.is_fulfilled(), "{status:?}");
        assert_eq!(clock.sleeps(), Vec::<Duration>::new());
        assert_eq!(polls_received(&emulator, id), 1);
    }

    #[tokio::test]
    async fn the_waiter_gives_up_with_the_last_status_when_the_next_wait_would_pass_max_wait() {
        let (emulator, pc, clock, placed) = checked_out(S(3600), vec![line(FIRST, "0")]).await;
        let id = placed[0].id.as_deref().unwrap();
        let err = pc
            .customer(CUSTOMER)
            .order(id)
            .wait_until_provisioned(S(60))
            .await
            .unwrap_err();

        // Polls at 0, 2, 6, 14 and 30 s; the next wait, 32 s, would end at 62 s > 60 s.
        assert_eq!(clock.sleeps(), [S(2), S(4), S(8), S(16)]);
        let ErrorKind::StillProvisioning(still) = err.kind() else {
            panic!("not StillProvisioning: {err:?}")
        };
        assert_eq!(still.waited(), S(30));
        assert_eq!(still.polls(), 5);
        let last = still.last();
        assert_eq!(polls_received(&emulator, id), 5, "one request per poll");
        assert_eq!(last.line_items().len(), 1);
        assert_eq!(line_status(last, 0), "prefulfillmentPending");
        assert!(!last.is_final());
        assert_eq!(
            err.operation().map(Operation::name),
            Some("getOrderProvisioningStatus")
        );
        let text = err.to_string();
        assert!(text.contains("still being provisioned"), "{text}");
        assert!(text.contains("1 of 1 line items pending"), "{text}");
        assert!(
            !err.is_retryable() && !err.outcome_unknown(),
            "a wait changes nothing: {err:?}"
        );
    }

    #[tokio::test]
    async fn a_max_wait_shorter_than_the_floor_polls_once_and_never_waits() {
        let (emulator, pc, clock, placed) = checked_out(S(3600), vec![line(FIRST, "0")]).await;
        let id = placed[0].id.as_deref().unwrap();
        for max_wait in [
            Duration::ZERO,
            S(1),
            OrderRef::POLL_FLOOR - Duration::from_millis(1),
        ] {
            let err = pc
                .customer(CUSTOMER)
                .order(id)
                .wait_until_provisioned(max_wait)
                .await
                .unwrap_err();
            let ErrorKind::StillProvisioning(still) = err.kind() else {
                panic!("{max_wait:?}: {err:?}")
            };
            assert_eq!(
                (still.waited(), still.polls()),
                (Duration::ZERO, 1),
                "{max_wait:?}"
            );
        }
        assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
        assert_eq!(polls_received(&emulator, id), 3);
    }

    #[tokio::test]
    async fn the_waiter_ends_on_an_order_with_an_unfulfilled_line() {
        let lines = vec![line(FIRST, "0"), line(&unfulfillable(), "0")];
        let (_emulator, pc, clock, placed) = checked_out(Duration::ZERO, lines).await;
        let status = pc
            .customer(CUSTOMER)
            .order(placed[0].id.as_deref().unwrap())
            .wait_until_provisioned(S(60))
            .await
            .unwrap();
        assert!(status.is_final());
        assert!(!status.is_fulfilled());
        assert_eq!(status.unfulfilled().count(), 1);
        assert_eq!(line_status(&status, 1), "unfulfilled");
        assert!(clock.sleeps().is_empty(), "{:?}", clock.sleeps());
    }
}

#[tokio::test]
async fn the_waiter_keeps_its_floor_and_the_pipeline_honours_retry_after_in_between() {
    let server = Scripted::start().await;
    server
        .then(pending())
        .then(pending())
        .then(
            Answer::json(
                429,
                json!({"statusCode": 429, "message": "Rate limit is exceeded."}),
            )
            .header("retry-after", "3"),
        )
        .then(statuses(&["fulfilled"]));
    let (pc, clock) = scripted_client(&server, RetryPolicy::default());

    let done = wait_ten_minutes(&pc).await.unwrap();
    assert!(done.is_fulfilled(), "{done:?}");

    // Poll 1 pending: the waiter waits its floor, 2 s. Poll 2 pending: 4 s. Poll 3 is
    // throttled: the pipeline waits the 3 s asked for, and its retry finds it fulfilled.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps, [S(2), S(4), S(3)]);
    for waiter in &sleeps[..2] {
        assert!(*waiter >= OrderRef::POLL_FLOOR, "{waiter:?}");
    }

    let received = server.received();
    assert_eq!(received.len(), 4);
    for r in &received {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("GET", &*status_path(ORDER))
        );
    }
    let ids: Vec<&str> = received
        .iter()
        .map(|r| r.header("ms-requestid").expect("an MS-RequestId"))
        .collect();
    assert_ne!(ids[0], ids[1], "each poll is an operation of its own");
    assert_ne!(ids[1], ids[2], "each poll is an operation of its own");
    assert_ne!(ids[0], ids[2], "each poll is an operation of its own");
    assert_eq!(
        ids[2], ids[3],
        "the throttled poll is retried as the same request"
    );
}

#[tokio::test]
async fn a_long_wait_doubles_from_the_floor_to_the_ceiling_and_never_past_max_wait() {
    let server = Scripted::start().await;
    server.always(pending());
    let (pc, clock) = scripted_client(&server, RetryPolicy::none());

    let err = wait_ten_minutes(&pc).await.unwrap_err();

    // 2+4+8+16+32 = 62 s, then 60 s each: 122, ..., 542 s; 542+60 = 602 > 600 stops it.
    let mut expected = vec![S(2), S(4), S(8), S(16), S(32)];
    expected.extend([OrderRef::POLL_CEILING; 8]);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps, expected);
    assert!(
        sleeps
            .iter()
            .all(|s| *s >= OrderRef::POLL_FLOOR && *s <= OrderRef::POLL_CEILING)
    );
    assert!(clock.elapsed() <= S(600));
    let ErrorKind::StillProvisioning(still) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!((still.waited(), still.polls()), (S(542), 14));
    assert_eq!(server.received().len(), 14);
}

#[tokio::test]
async fn no_items_or_a_status_it_does_not_know_is_not_the_end_of_provisioning() {
    let server = Scripted::start().await;
    server
        .then(Answer::json(200, json!({"totalCount": 0, "items": []})))
        .then(statuses(&["fulfilled", "provisioning"]))
        .then(statuses(&["Fulfilled", "Unfulfilled"]));
    let (pc, clock) = scripted_client(&server, RetryPolicy::none());

    let done = wait_ten_minutes(&pc).await.unwrap();
    assert_eq!(clock.sleeps(), [S(2), S(4)]);
    assert_eq!(server.received().len(), 3);
    assert!(done.is_final() && !done.is_fulfilled(), "{done:?}");
    assert_eq!(
        done.unfulfilled().count(),
        1,
        "compared without regard to case"
    );
}

#[tokio::test]
async fn a_poll_that_fails_ends_the_wait_with_its_own_error() {
    let server = Scripted::start().await;
    server.then(pending()).then(Answer::json(
        404,
        json!({"code": 0, "description": "Order not found."}),
    ));
    let (pc, clock) = scripted_client(&server, RetryPolicy::default());

    let err = wait_ten_minutes(&pc).await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
    assert!(matches!(err.kind(), ErrorKind::Service(_)), "{err:?}");
    assert_eq!(
        err.operation().map(Operation::name),
        Some("getOrderProvisioningStatus")
    );
    assert_eq!(
        err.request_id().map(|id| id.to_string()).as_deref(),
        server.received()[1].header("ms-requestid"),
        "the failed poll's id"
    );
    assert_eq!(clock.sleeps(), [OrderRef::POLL_FLOOR]);
    assert_eq!(server.received().len(), 2);
}

#[tokio::test]
async fn a_refused_provisioning_status_names_the_app_and_user_token_it_needs() {
    for (code, needs_user) in [(401, true), (403, true), (404, false)] {
        let server = Scripted::start().await;
        server.always(Answer::json(
            code,
            json!({"code": 0, "description": "refused"}),
        ));
        let pc = builder_at(&server.url).build().unwrap();
        let err = pc
            .customer(CUSTOMER)
            .order(ORDER)
            .provisioning_status()
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(code), "{err:?}");
        assert_eq!(
            err.to_string().contains("app+user"),
            needs_user,
            "{code}: {err}"
        );
        assert_eq!(
            err.operation().map(Operation::name),
            Some("getOrderProvisioningStatus")
        );
        assert!(!server.received().is_empty());
    }
}

#[tokio::test]
async fn a_get_answered_with_another_order_is_a_mismatch() {
    let server = Scripted::start().await;
    let mut other = support::example("PlacedOrder");
    other["id"] = json!("0123456789ab");
    server.always(Answer::json(200, other));
    let pc = builder_at(&server.url).build().unwrap();

    let err = pc.customer(CUSTOMER).order(ORDER).get().await.unwrap_err();
    let ErrorKind::Mismatch(mismatch) = err.kind() else {
        panic!("not a mismatch: {err:?}")
    };
    let reason = mismatch.reason();
    assert!(
        reason.contains("0123456789ab") && reason.contains(ORDER),
        "{reason}"
    );
    assert_eq!(err.operation().map(Operation::name), Some("getOrder"));
    assert!(!err.outcome_unknown(), "a read changes nothing");
    assert_eq!(server.received().len(), 1);

    // The same id in capitals is the same order.
    let server = Scripted::start().await;
    let mut same = support::example("PlacedOrder");
    same["id"] = json!(ORDER.to_uppercase());
    server.always(Answer::json(200, same));
    let pc = builder_at(&server.url).build().unwrap();
    let order = pc.customer(CUSTOMER).order(ORDER).get().await.unwrap();
    assert_eq!(order.id, Some(ORDER.to_uppercase()));
}

#[tokio::test]
async fn an_order_id_that_could_leave_its_path_is_refused_and_nothing_is_sent() {
    let server = Scripted::start().await;
    server.always(pending());
    let (pc, clock) = scripted_client(&server, RetryPolicy::default());
    for id in ["../../admin", "a?b", "a/b", "a#b", "a%2Fb", ""] {
        let order = pc.customer(CUSTOMER).order(id);
        let err = order.get().await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput(_)),
            "{id:?}: {err:?}"
        );
        assert_eq!(err.operation().map(Operation::name), Some("getOrder"));
        assert_eq!(err.attempts(), 0);
        let err = order.provisioning_status().await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput(_)),
            "{id:?}: {err:?}"
        );
        assert_eq!(
            err.operation().map(Operation::name),
            Some("getOrderProvisioningStatus")
        );
        let err = order.wait_until_provisioned(S(60)).await.unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput(_)),
            "{id:?}: {err:?}"
        );
    }
    assert!(
        server.received().is_empty(),
        "{:?}",
        server
            .received()
            .iter()
            .map(|r| &r.path)
            .collect::<Vec<_>>()
    );
    assert!(clock.sleeps().is_empty());
}

/// getOrder sent through the generic entry point, as a caller would send an operation the
/// front door has no method for.
async fn get_order_by_call(pc: &PartnerCenter) -> Result<Order, partner_center_carts::Error> {
    pc.call(async move |api| {
        api.get_order()
            .customer_id(CUSTOMER)
            .order_id(ORDER)
            .send()
            .await
    })
    .await
}

#[tokio::test]
async fn through_call_get_order_is_retried_with_every_header_and_one_request_id() {
    let server = Scripted::start().await;
    server
        .then(Answer::json(
            503,
            json!({"statusCode": 503, "message": "Service Unavailable"}),
        ))
        .then(Answer::json(200, support::example("PlacedOrder")));
    let (pc, clock) = scripted_client(&server, RetryPolicy::default().jitter(false));

    let order = get_order_by_call(&pc).await.unwrap();
    assert_eq!(order.id.as_deref(), Some(ORDER));
    let expected: Order = serde_json::from_value(support::example("PlacedOrder")).unwrap();
    assert_eq!(order, expected);
    assert_eq!(clock.sleeps(), [Duration::from_millis(500)], "one backoff");

    let received = server.received();
    assert_eq!(received.len(), 2);
    let bearer = format!("Bearer {TOKEN}");
    for r in &received {
        assert_eq!(r.method, "GET");
        assert_eq!(r.path, format!("/v1/customers/{CUSTOMER}/orders/{ORDER}"));
        for header in [
            "ms-requestid",
            "ms-correlationid",
            "x-locale",
            "ms-contract-version",
            "ms-partnercenter-client",
            "authorization",
        ] {
            assert!(
                r.header(header).is_some_and(|v| !v.is_empty()),
                "no {header} in {:?}",
                r.headers
            );
        }
        assert_eq!(r.header("authorization"), Some(bearer.as_str()));
        assert_eq!(r.header("x-locale"), Some("en-US"));
        assert_eq!(r.header("ms-contract-version"), Some("v1"));
        assert!(
            r.header("ms-partnercenter-client")
                .unwrap()
                .starts_with("partner-center-carts/")
        );
    }
    assert_eq!(
        received[0].header("ms-requestid"),
        received[1].header("ms-requestid"),
        "a retry is the same request"
    );
    assert_eq!(
        received[0].header("ms-correlationid"),
        received[1].header("ms-correlationid")
    );
    let request_id = received[0].header("ms-requestid").unwrap();
    assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
}

#[tokio::test]
async fn through_call_a_404_is_an_error_of_get_order_with_its_ids() {
    let server = Scripted::start().await;
    server.always(Answer::json(
        404,
        json!({"code": 0, "description": "Order not found."}),
    ));
    let (pc, clock) = scripted_client(&server, RetryPolicy::default());

    let err = get_order_by_call(&pc).await.unwrap_err();
    assert_eq!(err.operation().map(Operation::name), Some("getOrder"));
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.attempts(), 1, "a 404 is not retried");
    assert!(matches!(err.kind(), ErrorKind::Service(_)), "{err:?}");
    let received = server.received();
    assert_eq!(received.len(), 1);
    assert!(err.request_id().is_some());
    let request_id = err.request_id().unwrap().to_string();
    assert_eq!(
        Some(request_id.as_str()),
        received[0].header("ms-requestid")
    );
    let correlation_id = err.correlation_id().map(|id| id.to_string());
    assert_eq!(
        correlation_id.as_deref(),
        received[0].header("ms-correlationid")
    );
    let text = err.to_string();
    assert!(
        text.starts_with("getOrder failed:") && text.contains(&request_id),
        "{text}"
    );
    // Code 0 says nothing the status does not, and is left out.
    assert!(
        text.contains("404 Not Found: Order not found.") && !text.contains("error 0"),
        "{text}"
    );
    assert!(clock.sleeps().is_empty());
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
