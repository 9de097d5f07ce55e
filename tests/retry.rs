//! Retries: what is retried, with which ids, after which waits, and when it stops. The clock is
//! virtual: waits are recorded, not slept.

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::{RetryBudget, RetryPolicy};
use partner_center_carts::{ErrorKind, PartnerCenter};
use serde_json::json;
use support::scripted::{Answer, Scripted};
use support::*;

const S: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

/// A client of `server` with the default policy, without jitter, on a virtual clock.
/// A client whose every wait is the retry policy's: these tests script the answers one by
/// one, so the pace learnt from a scripted 429 is left out (`tests/throttling.rs` has it).
fn retrying(server: &Scripted, clock: &Arc<VirtualClock>) -> PartnerCenter {
    builder_at(&server.url)
        .no_rate_adaptation()
        .retry_policy(RetryPolicy::default().jitter(false))
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn cart() -> Answer {
    Answer::json(200, example("ActiveCart"))
}

fn error(status: u16, code: u32) -> Answer {
    Answer::json(
        status,
        json!({"code": code, "description": "failed", "source": "PartnerFD"}),
    )
}

fn ids(server: &Scripted, method: &str, header: &str) -> Vec<String> {
    server
        .received()
        .iter()
        .filter(|r| r.method == method)
        .map(|r| r.header(header).unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_modify_throttled_once_waits_as_asked_and_repeats_the_put_with_the_same_ids() {
    let server = Scripted::start().await;
    server
        .then(cart())
        .then(
            Answer::json(429, json!({"statusCode": 429, "message": "Rate limit is exceeded. Try again in 1 seconds."}))
                .header("retry-after", "1"),
        )
        .then(Answer::json(201, example("ActiveCart")));
    let clock = Arc::new(VirtualClock::new());

    retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();

    let puts = ids(&server, "PUT", "ms-requestid");
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[0], puts[1], "both PUT attempts carry one MS-RequestId");
    let correlation = ids(&server, "PUT", "ms-correlationid");
    assert_eq!(correlation[0], correlation[1]);
    assert_eq!(
        clock.sleeps(),
        [S(1)],
        "the wait is the one Retry-After asked for"
    );
}

#[tokio::test]
async fn two_503s_then_200_is_three_attempts_with_one_request_id() {
    let server = Scripted::start().await;
    server.then(error(503, 0)).then(error(503, 0)).then(cart());
    let clock = Arc::new(VirtualClock::new());

    retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap();

    let gets = ids(&server, "GET", "ms-requestid");
    assert_eq!(gets.len(), 3);
    assert!(gets.iter().all(|id| id == &gets[0]));
    assert_eq!(
        clock.sleeps(),
        [MS(500), S(1)],
        "exponential backoff from 500 ms"
    );
}

#[tokio::test]
async fn a_400_is_tried_once_and_its_code_is_in_the_error() {
    let server = Scripted::start().await;
    server.always(error(400, 800002));
    let clock = Arc::new(VirtualClock::new());

    let err = retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap_err();

    assert_eq!(server.received().len(), 1);
    assert_eq!(err.code(), Some(800_002));
    assert!(err.to_string().contains("800002"), "{err}");
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn other_client_errors_and_501_are_never_retried() {
    for status in [401, 403, 404, 405, 409, 412, 417, 501] {
        let server = Scripted::start().await;
        server.always(error(status, 800000));
        let clock = Arc::new(VirtualClock::new());
        let err = retrying(&server, &clock)
            .customer(CUSTOMER)
            .cart(CART)
            .get()
            .await
            .unwrap_err();
        assert_eq!(server.received().len(), 1, "{status} was retried");
        assert_eq!(err.status(), Some(status));
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn every_retryable_status_is_retried_up_to_the_attempt_limit() {
    for status in [408, 429, 500, 502, 503, 504] {
        let server = Scripted::start().await;
        server.always(error(status, 0));
        let clock = Arc::new(VirtualClock::new());
        let err = retrying(&server, &clock)
            .customer(CUSTOMER)
            .cart(CART)
            .get()
            .await
            .unwrap_err();
        assert_eq!(server.received().len(), 6, "{status}");
        assert_eq!(clock.sleeps().len(), 5, "{status}");
        assert!(err.is_retryable(), "a read changed nothing");
        assert_eq!(err.status(), Some(status));
    }
}

#[tokio::test]
async fn a_write_whose_answers_were_lost_says_its_outcome_is_unknown() {
    let cart: partner_center_carts::types::Cart =
        serde_json::from_value(example("ActiveCart")).unwrap();
    // 500, 502 and 504 may come after the work was done; 408, 429 and 503 before any.
    for (status, unknown) in [
        (408, false),
        (429, false),
        (503, false),
        (500, true),
        (502, true),
        (504, true),
    ] {
        let server = Scripted::start().await;
        server.always(error(status, 0));
        let clock = Arc::new(VirtualClock::new());
        let err = retrying(&server, &clock)
            .customer(CUSTOMER)
            .cart(CART)
            .put(&cart)
            .await
            .unwrap_err();
        assert_eq!(err.outcome_unknown(), unknown, "{status}: {err}");
        assert_eq!(err.is_retryable(), !unknown, "{status}");
        let ids: Vec<_> = ids(&server, "PUT", "ms-requestid");
        assert_eq!(ids.len(), 6, "{status}");
        assert!(
            ids.iter().all(|id| *id == ids[0]),
            "one request, sent six times"
        );
    }

    // An unknown outcome is settled by the service's judgement of a repeat: a 412 means the
    // write is not in (had it landed, the repeat would have been answered with its success).
    let server = Scripted::start().await;
    server.then(error(504, 0)).then(error(412, 0));
    let clock = Arc::new(VirtualClock::new());
    let err = retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .put(&cart)
        .await
        .unwrap_err();
    assert!(!err.outcome_unknown() && err.is_conflict(), "{err}");
}

#[tokio::test]
async fn a_create_and_a_checkout_are_retried_with_their_request_id() {
    let server = Scripted::start().await;
    server
        .then(error(500, 0))
        .then(Answer::json(201, example("ActiveCart")))
        .then(error(502, 0))
        .then(Answer::json(201, example("CheckoutResult")));
    let clock = Arc::new(VirtualClock::new());
    let pc = retrying(&server, &clock);
    let new_cart = serde_json::from_value(example("ActiveCart")).unwrap();

    pc.customer(CUSTOMER).create(&new_cart).await.unwrap();
    let outcome = pc.customer(CUSTOMER).cart(CART).checkout().await.unwrap();
    assert!(outcome.is_complete());

    let posts = ids(&server, "POST", "ms-requestid");
    assert_eq!(posts.len(), 4);
    assert_eq!(posts[0], posts[1]);
    assert_eq!(posts[2], posts[3]);
    assert_ne!(posts[0], posts[2]);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let server = Scripted::start().await;
    let at = std::time::SystemTime::now() + S(30);
    let http_date = chrono::DateTime::<chrono::Utc>::from(at)
        .to_rfc2822()
        .replace("+0000", "GMT");
    server
        .then(error(503, 0).header("retry-after", &http_date))
        .then(cart());
    let clock = Arc::new(VirtualClock::new());

    retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap();

    let waited = clock.sleeps()[0];
    assert!(waited > S(27) && waited <= S(30), "{waited:?}");
}

#[tokio::test]
async fn a_retry_after_longer_than_the_budget_fails_at_once_with_that_wait() {
    let server = Scripted::start().await;
    server.always(
        Answer::json(
            429,
            json!({"statusCode": 429, "message": "Rate limit is exceeded."}),
        )
        .header("retry-after", "120"),
    );
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().max_elapsed(S(60)))
        .clock(clock.clone())
        .build()
        .unwrap();

    let err = pc.customer(CUSTOMER).cart(CART).get().await.unwrap_err();

    assert_eq!(server.received().len(), 1);
    assert!(clock.sleeps().is_empty());
    let ErrorKind::Throttled(throttled) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(throttled.retry_after(), Some(S(120)));
    assert!(err.to_string().contains("asked to wait 120 s"), "{err}");
}

#[tokio::test]
async fn a_long_retry_after_is_capped_by_the_longest_single_wait() {
    let server = Scripted::start().await;
    server
        .then(error(503, 0).header("retry-after", "90"))
        .then(cart());
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().max_backoff(S(20)))
        .clock(clock.clone())
        .build()
        .unwrap();

    // 90 s asked fits in the 5-minute budget, so the operation waits, but no more than 20 s.
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    assert_eq!(clock.sleeps(), [S(20)]);
}

#[tokio::test]
async fn the_shared_retry_budget_stops_a_retry_storm() {
    let server = Scripted::start().await;
    server.always(error(503, 0));
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().jitter(false))
        .retry_budget(RetryBudget::new(10, 5))
        .clock(clock.clone())
        .build()
        .unwrap();

    // The first operation spends the budget on two retries...
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap_err();
    assert_eq!(server.received().len(), 3);
    // ...so the next ones, on clones of the client too, are tried once.
    pc.clone()
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap_err();
    pc.customer(CUSTOMER)
        .cart(CART)
        .checkout()
        .await
        .unwrap_err();
    assert_eq!(server.received().len(), 5);
}

#[tokio::test]
async fn a_success_refills_the_budget() {
    let server = Scripted::start().await;
    server
        .then(error(503, 0))
        .then(cart())
        .then(error(503, 0))
        .then(cart());
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().jitter(false))
        .retry_budget(RetryBudget::new(5, 5))
        .clock(clock.clone())
        .build()
        .unwrap();

    // Each operation retries once: the first takes the whole budget, its success puts it back.
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    assert_eq!(server.received().len(), 4);
}

#[tokio::test]
async fn connection_failures_are_retried() {
    // A port nothing listens on: bind, note it, close.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::default().jitter(false))
        .clock(clock.clone())
        .build()
        .unwrap();

    let err = pc.customer(CUSTOMER).cart(CART).get().await.unwrap_err();

    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(clock.sleeps(), [MS(500), S(1), S(2), S(4), S(8)]);
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn an_attempt_that_times_out_is_retried_and_then_reported_as_a_timeout() {
    // Margins wide enough for a loaded machine: a normal answer within 500 ms, a slow one
    // 10 s late (never waited for).
    let server = Scripted::start().await;
    server.then(cart().delay(S(10))).then(cart());
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().jitter(false))
        .attempt_timeout(MS(500))
        .clock(clock.clone())
        .build()
        .unwrap();
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    assert_eq!(server.received().len(), 2);

    server.always(cart().delay(S(10)));
    let once = builder_at(&server.url)
        .attempt_timeout(MS(50))
        .build()
        .unwrap();
    let err = once.customer(CUSTOMER).cart(CART).get().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout(_)), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

/// The spec's cart with this quantity on line 0 and this etag.
fn cart_at(quantity: i64, etag: &str) -> serde_json::Value {
    let mut cart = example("ActiveCart");
    cart["lineItems"][0]["quantity"] = json!(quantity);
    cart["attributes"]["etag"] = json!(etag);
    cart["lastModifiedTimestamp"] = json!(format!("2026-11-21T10:0{quantity}:00Z"));
    cart
}

#[tokio::test]
async fn a_put_that_landed_but_lost_its_answer_is_repeated_as_the_same_request() {
    let server = Scripted::start().await;
    server
        .then(Answer::json(200, cart_at(1, "\"1\"")))
        // The PUT is applied, but the gateway times out before the answer gets back...
        .then(error(504, 0))
        // ...so it is sent again with the same MS-RequestId, and the service answers the repeat
        // with the first answer.
        .then(Answer::json(201, cart_at(2, "\"2\"")));
    let clock = Arc::new(VirtualClock::new());

    let cart = retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();

    assert_eq!(cart.line_items[0].quantity, 2, "one more, not two");
    let puts: Vec<_> = server
        .received()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    assert_eq!(
        puts[0].header("ms-requestid"),
        puts[1].header("ms-requestid")
    );
    assert_eq!(
        puts[0].body, puts[1].body,
        "the same request, byte for byte"
    );
}

#[tokio::test]
async fn a_conflict_after_a_refused_attempt_is_not_taken_for_our_own_write() {
    let server = Scripted::start().await;
    server
        .then(Answer::json(200, cart_at(1, "\"1\"")))
        // The first PUT is turned away before any work...
        .then(error(503, 0))
        // ...and its repeat finds the cart changed: another writer added one, writing the
        // very content this modify wanted to write. It is not this modify's write.
        .then(error(412, 0))
        .then(Answer::json(200, cart_at(2, "\"2\"")))
        .then(Answer::json(201, cart_at(3, "\"3\"")));
    let clock = Arc::new(VirtualClock::new());

    let cart = retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();

    assert_eq!(cart.line_items[0].quantity, 3, "both increments are in");
    let methods: Vec<_> = server.received().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["GET", "PUT", "PUT", "GET", "PUT"]);
}

#[tokio::test]
async fn a_real_conflict_is_applied_again_on_the_new_cart() {
    let server = Scripted::start().await;
    server
        .then(Answer::json(200, cart_at(1, "\"1\"")))
        .then(error(412, 0))
        // Someone else added one meanwhile: the cart is what this modify wanted to write, but
        // it was not this modify that wrote it.
        .then(Answer::json(200, cart_at(2, "\"2\"")))
        .then(Answer::json(201, cart_at(3, "\"3\"")));
    let clock = Arc::new(VirtualClock::new());

    let cart = retrying(&server, &clock)
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();

    assert_eq!(cart.line_items[0].quantity, 3);
    let puts: Vec<_> = server
        .received()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts.len(), 2);
    assert_eq!(puts[1].json().unwrap()["lineItems"][0]["quantity"], 3);
    assert_eq!(puts[1].header("if-match"), Some("\"2\""));
}

#[tokio::test]
async fn a_time_budget_too_long_to_add_to_an_instant_is_no_panic() {
    let server = Scripted::start().await;
    server.then(cart());
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().max_elapsed(Duration::MAX))
        .build()
        .unwrap();
    let read = pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    assert_eq!(read, serde_json::from_value(example("ActiveCart")).unwrap());
}
