//! The emulator run as a service a team leaves running: bounded by bytes, carts that expire,
//! the service's refusals (409 / 800064 and 800060, 413, 415), state that survives a restart,
//! and a health check.

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::PartnerCenter;
use partner_center_carts::RequestId;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::{RetryBudget, RetryPolicy};
use partner_center_carts::types::Cart;
use partner_center_carts_emulator::{Emulator, Faults, Limits, RunningEmulator};
use serde_json::Value;
use support::{CUSTOMER, one_line_cart};
use uuid::Uuid;

const OTHER_CUSTOMER: &str = "0b4e3c36-64c5-4b0a-9e3e-5f1f8f1d2c11";
const WEEK: Duration = Duration::from_secs(7 * 24 * 3600);

/// A cart of about `bytes` of JSON.
fn cart_of_about(bytes: usize) -> Cart {
    let mut cart = one_line_cart(1);
    cart.line_items[0].friendly_name = Some("x".repeat(bytes));
    cart
}

/// A request sent past the client: status and JSON body.
async fn raw(
    emulator: &RunningEmulator,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = support::raw_http()
        .request(method, format!("{}{path}", emulator.url()))
        .bearer_auth("token")
        .body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let bytes = answer.bytes().await.unwrap();
    (
        status,
        partner_center_carts::json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The emulator started, a client of it that does not retry, and a new cart's id.
async fn started_with_a_cart(emulator: Emulator) -> (RunningEmulator, PartnerCenter, String) {
    let emulator = emulator.start().await.unwrap();
    let pc = emulator
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let cart = pc
        .customer(CUSTOMER)
        .create(&one_line_cart(1))
        .await
        .unwrap();
    (emulator, pc, cart.id.unwrap())
}

fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("emulator-{}", Uuid::new_v4()))
}

#[tokio::test]
async fn a_cart_expires_seven_days_after_its_creation_and_then_answers_404_800008() {
    let clock = Arc::new(VirtualClock::new());
    let (emulator, pc, id) = started_with_a_cart(Emulator::new().clock(clock.clone())).await;
    let customer = pc.customer(CUSTOMER);
    let cart = customer.cart(&id);

    clock.advance(WEEK - Duration::from_secs(1));
    let read = cart.get().await.unwrap();
    assert_eq!(
        read.expiration_timestamp.unwrap().to_datetime().unwrap(),
        read.creation_timestamp.unwrap().to_datetime().unwrap() + chrono::Duration::days(7)
    );

    clock.advance(Duration::from_secs(1));
    for error in [
        cart.get().await.unwrap_err(),
        cart.put(&one_line_cart(2)).await.unwrap_err(),
        cart.checkout().await.unwrap_err(),
    ] {
        assert_eq!(
            (error.status(), error.code()),
            (Some(404), Some(800008)),
            "{error}"
        );
    }
    // The next write drops it from memory too.
    customer.create(&one_line_cart(1)).await.unwrap();
    assert_eq!(emulator.stats().expired, 1);
    assert!(emulator.cart(CUSTOMER, &id).is_none());
}

#[tokio::test]
async fn the_cart_lifetime_can_be_shortened() {
    let clock = Arc::new(VirtualClock::new());
    let lifetime = Limits::default().cart_lifetime(Duration::from_secs(60));
    let (_emulator, pc, id) =
        started_with_a_cart(Emulator::new().clock(clock.clone()).limits(lifetime)).await;
    clock.advance(Duration::from_secs(60));
    let error = pc.customer(CUSTOMER).cart(&id).get().await.unwrap_err();
    assert_eq!(error.code(), Some(800008));
}

#[tokio::test]
async fn a_cart_that_never_expires_keeps_dates_it_can_read_back_after_a_restart() {
    let dir = data_dir();
    // Ten thousand years: past 9999, within what a date type holds.
    let forever = Limits::default().cart_lifetime(Duration::from_secs(10_000 * 365 * 24 * 3600));
    let first = Emulator::new()
        .limits(forever.clone())
        .data_dir(&dir)
        .start()
        .await
        .unwrap();
    let pc = first.client().build().unwrap();
    let created = pc
        .customer(CUSTOMER)
        .create(&one_line_cart(1))
        .await
        .unwrap();
    assert_eq!(
        created.expiration_timestamp.as_ref().unwrap().as_str(),
        "9999-12-31T23:59:59.0000000Z"
    );
    // The cart sent back as read is a valid cart.
    pc.customer(CUSTOMER)
        .cart(created.id())
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();
    first.shutdown().await;

    let second = Emulator::new()
        .limits(forever)
        .data_dir(&dir)
        .start()
        .await
        .unwrap();
    let read = second
        .cart(CUSTOMER, created.id())
        .expect("kept across the restart");
    assert_eq!(read.line_items[0].quantity, 2);
    second.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn busy_refusals_are_the_services_and_the_client_gets_through_them_once() {
    // Every update and checkout refused: the service's answer, as the client sees it.
    let (_always, pc, id) =
        started_with_a_cart(Emulator::new().faults(Faults::none().busy(1.0))).await;
    let error = pc
        .customer(CUSTOMER)
        .cart(&id)
        .put(&one_line_cart(2))
        .await
        .unwrap_err();
    assert_eq!((error.status(), error.code()), (Some(409), Some(800064)));
    assert!(error.is_retryable(), "a 409 refusal changed nothing");

    let (in_progress, pc, id) =
        started_with_a_cart(Emulator::new().faults(Faults::none().order_in_progress(1.0))).await;
    let error = pc
        .customer(CUSTOMER)
        .cart(&id)
        .checkout()
        .await
        .unwrap_err();
    assert_eq!((error.status(), error.code()), (Some(409), Some(800060)));
    assert!(in_progress.orders(CUSTOMER).is_empty());

    // A third of updates and checkouts refused, and of writes' answers lost, seeded: modify
    // and checkout finish, once (a repeat of a write done is answered as done, never busy).
    let flaky = Emulator::new()
        .faults(
            Faults::none()
                .busy(0.3)
                .order_in_progress(0.3)
                .lost_answers(0.3)
                .seed(12),
        )
        .start()
        .await
        .unwrap();
    let clock = Arc::new(VirtualClock::new());
    let pc = flaky
        .client()
        .retry_policy(RetryPolicy::default().max_attempts(12))
        .retry_budget(RetryBudget::unlimited())
        .clock(clock)
        .build()
        .unwrap();
    let customer = pc.customer(CUSTOMER);
    for _ in 0..6 {
        let id = customer
            .create(&one_line_cart(1))
            .await
            .unwrap()
            .id
            .unwrap();
        customer
            .cart(&id)
            .modify(|c| c.line_items[0].quantity += 1)
            .await
            .unwrap();
        assert!(customer.cart(&id).checkout().await.unwrap().is_complete());
        assert_eq!(flaky.cart(CUSTOMER, &id).unwrap().line_items[0].quantity, 2);
    }
    assert_eq!(flaky.orders(CUSTOMER).len(), 6, "one order per checkout");
    let stats = flaky.stats();
    assert!(stats.busy > 0 && stats.replayed > 0, "{stats:?}");
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_and_one_not_declared_json_415_in_the_services_shape() {
    let emulator = Emulator::new()
        .limits(Limits::default().body(4096))
        .start()
        .await
        .unwrap();
    let carts = format!("/v1/customers/{CUSTOMER}/carts");
    let small = serde_json::to_vec(&one_line_cart(1)).unwrap();
    let large = serde_json::to_vec(&cart_of_about(5000)).unwrap();

    let (status, body) = raw(
        &emulator,
        reqwest::Method::POST,
        &carts,
        Some("application/json"),
        large,
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(body["code"], 413);
    assert!(
        body["description"].as_str().unwrap().contains("4096 bytes"),
        "{body}"
    );

    for content_type in [Some("text/plain"), None] {
        let (status, body) = raw(
            &emulator,
            reqwest::Method::POST,
            &carts,
            content_type,
            small.clone(),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_i64()),
            (415, Some(415)),
            "{content_type:?}"
        );
    }
    let (status, _) = raw(
        &emulator,
        reqwest::Method::POST,
        &carts,
        Some("application/json; charset=utf-8"),
        small,
    )
    .await;
    assert_eq!(status, 201);
    assert!(emulator.orders(CUSTOMER).is_empty());
    assert_eq!(emulator.stats().requests, 4);
}

#[tokio::test]
async fn every_store_stays_within_its_byte_budget() {
    const KIB: usize = 1024;
    let limits = Limits::default()
        .carts(64 * KIB)
        .orders(16 * KIB)
        .replays(32 * KIB)
        .log(16 * KIB);
    let emulator = Emulator::new().limits(limits).start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    let mut ids = Vec::new();
    for n in 0..120 {
        let customer = pc.customer(if n % 2 == 0 { CUSTOMER } else { OTHER_CUSTOMER });
        let id = customer
            .create(&cart_of_about(2 * KIB))
            .await
            .unwrap()
            .id
            .unwrap();
        if n % 4 == 0 {
            assert!(customer.cart(&id).checkout().await.unwrap().is_complete());
        }
        ids.push(id);
        let stats = emulator.stats();
        assert!(
            stats.cart_bytes <= 64 * KIB
                && stats.order_bytes <= 16 * KIB
                && stats.replay_bytes <= 32 * KIB
                && stats.log_bytes <= 16 * KIB,
            "{stats:?}"
        );
    }
    let stats = emulator.stats();
    assert!(
        stats.evicted > 0 && stats.cart_bytes > 32 * KIB,
        "{stats:?}"
    );
    assert!(
        emulator.cart(OTHER_CUSTOMER, &ids[119]).is_some(),
        "the newest is kept"
    );
    let error = pc.customer(CUSTOMER).cart(&ids[0]).get().await.unwrap_err();
    assert_eq!(error.code(), Some(800008), "the oldest was forgotten");
}

#[tokio::test]
async fn the_health_check_answers_without_a_token() {
    let emulator = Emulator::new()
        .accept_only_token("secret")
        .faults(Faults::none().unavailable(1.0))
        .start()
        .await
        .unwrap();
    let answer = support::raw_http()
        .get(format!("{}/healthz", emulator.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.json::<Value>().await.unwrap()["status"], "healthy");
}

#[tokio::test]
async fn started_again_on_its_data_directory_it_has_every_cart_order_and_answer() {
    let dir = data_dir();
    let first = Emulator::new().data_dir(&dir).start().await.unwrap();
    let pc = first.client().build().unwrap();
    let customer = pc.customer(CUSTOMER);
    let request_id = Uuid::new_v4();
    let created = customer
        .with_request_id(RequestId::from(request_id))
        .create(&one_line_cart(1))
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    let updated = customer
        .cart(&id)
        .modify(|c| c.line_items[0].quantity = 4)
        .await
        .unwrap();
    let result = customer.cart(&id).checkout().await.unwrap();
    let order = result.orders()[0].id.clone().unwrap();
    first.shutdown().await;

    let second = Emulator::new()
        .data_dir(&dir)
        .provisioning_delay(Duration::ZERO)
        .start()
        .await
        .unwrap();
    let pc = second.client().build().unwrap();
    let customer = pc.customer(CUSTOMER);
    let read = customer.cart(&id).get().await.unwrap();
    assert_eq!(read.line_items[0].quantity, 4);
    assert_eq!(read.status.as_deref(), Some("Ordered"));
    assert_eq!(read.creation_timestamp, updated.creation_timestamp);
    assert_eq!(second.orders(CUSTOMER).len(), 1);
    assert_eq!(
        customer.order(&order).get().await.unwrap().id.as_deref(),
        Some(&order[..])
    );
    // The create sent again with its MS-RequestId is answered as the first time, not done again.
    let again = customer
        .with_request_id(RequestId::from(request_id))
        .create(&one_line_cart(1))
        .await
        .unwrap();
    assert_eq!(again, created);
    assert_eq!(second.stats().replayed, 1);
    second.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An order's change is kept like the rest: cancelled, an order is cancelled still after a
/// restart on the same data directory, in its place among the customer's orders; and a repeat
/// of the cancel's request is answered with its first answer.
#[tokio::test]
async fn a_cancelled_order_stays_cancelled_after_a_restart() {
    let dir = data_dir();
    // Provisioned in an hour: the other order is still pending when listed.
    let first = Emulator::new()
        .order_listing_delay(Duration::ZERO)
        .provisioning_delay(Duration::from_secs(3600))
        .data_dir(&dir)
        .start()
        .await
        .unwrap();
    let pc = first.client().build().unwrap();
    let customer = pc.customer(CUSTOMER);
    let mut ids = Vec::new();
    for product in [
        partner_center_carts_emulator::PERPETUAL_SOFTWARE,
        "CFQ7TTC0",
    ] {
        let mut cart = one_line_cart(1);
        cart.line_items[0].catalog_item_id = format!("{product}LH0Z:0001:{product}K18P");
        let created = customer.create(&cart).await.unwrap();
        let outcome = customer.cart(created.id()).checkout().await.unwrap();
        ids.push(outcome.orders()[0].id().to_string());
    }
    let request_id = Uuid::new_v4();
    let body = serde_json::json!({"id": ids[0], "status": "cancelled"});
    let url = format!("{}/v1/customers/{CUSTOMER}/orders/{}", first.url(), ids[0]);
    let cancel = || {
        support::raw_http()
            .patch(&url)
            .bearer_auth("t")
            .header("MS-RequestId", request_id.to_string())
            .json(&body)
            .send()
    };
    let answered = cancel().await.unwrap();
    assert_eq!(answered.status(), 200);
    let first_answer: Value = answered.json().await.unwrap();
    assert_eq!(first_answer["status"], "cancelled");
    first.shutdown().await;

    let second = Emulator::new()
        .order_listing_delay(Duration::ZERO)
        .provisioning_delay(Duration::from_secs(3600))
        .data_dir(&dir)
        .start()
        .await
        .unwrap();
    let pc = second.client().build().unwrap();
    let listed = pc.customer(CUSTOMER).orders().list().await.unwrap();
    let statuses: Vec<(&str, Option<&str>)> = listed
        .orders()
        .iter()
        .map(|o| (o.id(), o.status.as_deref()))
        .collect();
    assert_eq!(
        statuses,
        [
            (ids[0].as_str(), Some("cancelled")),
            (ids[1].as_str(), Some("pending"))
        ]
    );
    // The repeat, after the restart, is the same request: the first answer, nothing new.
    let url = format!("{}/v1/customers/{CUSTOMER}/orders/{}", second.url(), ids[0]);
    let repeat = support::raw_http()
        .patch(&url)
        .bearer_auth("t")
        .header("MS-RequestId", request_id.to_string())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(repeat.status(), 200);
    assert_eq!(repeat.json::<Value>().await.unwrap(), first_answer);
    assert_eq!(second.stats().replayed, 1);
    second.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
