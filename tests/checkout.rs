//! Checking a cart out: what a partial checkout, a checkout that placed nothing, an answer that
//! cannot be decoded, a busy cart and a cart already checked out come to. Against loopback
//! servers; where retries wait, the clock is virtual.

mod support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use httpmock::prelude::*;
use partner_center_carts::Operation;
use partner_center_carts::RequestId;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::error::Effect;
use partner_center_carts::retry::{RetryBudget, RetryPolicy};
use partner_center_carts::types::PartnerCenterErrorCode;
use partner_center_carts::{CheckoutOutcome, Error, ErrorKind, PartnerCenter};
use serde_json::{Value, json};
use support::scripted::{Answer, Scripted};
use support::*;

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Three failed order groups: a code sent as a string, one wider than 32 bits, and none.
fn order_errors() -> Value {
    json!([
        {"orderGroupId": "1", "code": "800010", "description": "Inventory not available."},
        {"orderGroupId": "2", "code": 8_000_100_000_123_i64, "description": "A wide code."},
        {"orderGroupId": "3", "description": "No code at all."}
    ])
}

/// The codes of three order errors as [`order_errors`] sends them, read back.
fn assert_codes_read_back(errors: &[partner_center_carts::types::OrderError]) {
    assert_eq!(errors.len(), 3, "{errors:?}");
    let groups: Vec<_> = errors
        .iter()
        .map(|e| e.order_group_id.as_deref().unwrap())
        .collect();
    assert_eq!(groups, ["1", "2", "3"]);
    // Each code is kept as sent (a string stays a string), and reads as its number.
    assert_eq!(
        errors[0].code,
        Some(PartnerCenterErrorCode::String("800010".into()))
    );
    assert_eq!(errors[0].code.as_ref().unwrap().number(), Some(800_010));
    assert_eq!(
        errors[1].code,
        Some(PartnerCenterErrorCode::Int64(8_000_100_000_123))
    );
    assert_eq!(
        errors[1].code.as_ref().unwrap().number(),
        Some(8_000_100_000_123),
        "a code wider than 32 bits is kept exactly"
    );
    assert_eq!(errors[2].code, None);
}

/// A checkout of the test cart on a server that always answers `status` with `body`.
async fn checkout_answered(status: u16, body: Value) -> Result<CheckoutOutcome, Error> {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(checkout_path());
            then.status(status)
                .header("content-type", "application/json; charset=utf-8")
                .json_body(body);
        })
        .await;
    client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .checkout()
        .await
}

#[tokio::test]
async fn a_partial_checkout_is_ok_but_not_complete_and_keeps_orders_and_codes() {
    let answer = json!({
        "orders": [
            {"id": "f76c6b7f449d", "status": "pending", "totalPrice": 12.5},
            {"id": "9c1d55b7a0e2", "status": "completed"}
        ],
        "orderErrors": order_errors(),
        "attributes": {"objectType": "CartCheckoutResult"}
    });
    let outcome = checkout_answered(201, answer.clone()).await.unwrap();

    assert!(!outcome.is_complete(), "three order groups failed");
    let ids: Vec<_> = outcome
        .orders()
        .iter()
        .map(|o| o.id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, ["f76c6b7f449d", "9c1d55b7a0e2"]);
    assert_codes_read_back(outcome.order_errors());
    // The answer as it came, nothing dropped or changed.
    assert_eq!(serde_json::to_value(outcome.result()).unwrap(), answer);
    assert_eq!(serde_json::to_value(outcome.into_result()).unwrap(), answer);
}

#[tokio::test]
async fn a_complete_checkout_is_complete() {
    let outcome = checkout_answered(
        201,
        json!({"orders": [{"id": "f76c6b7f449d"}], "orderErrors": []}),
    )
    .await
    .unwrap();
    assert!(outcome.is_complete());
    assert!(outcome.order_errors().is_empty());
    assert_eq!(outcome.orders().len(), 1);
}

#[tokio::test]
async fn a_checkout_that_placed_nothing_is_an_error_with_every_order_error() {
    let cases = [
        (
            "orders: []",
            json!({"orders": [], "orderErrors": order_errors()}),
        ),
        ("orders absent", json!({"orderErrors": order_errors()})),
        (
            "orders: null",
            json!({"orders": null, "orderErrors": order_errors()}),
        ),
    ];
    for (case, body) in cases {
        let err = checkout_answered(201, body).await.unwrap_err();

        let ErrorKind::NothingOrdered(nothing) = err.kind() else {
            panic!("{case}: {err:?}")
        };
        assert_codes_read_back(nothing.order_errors());
        assert_eq!(err.effect(), Effect::None, "{case}: nothing was placed");
        assert!(!err.outcome_unknown(), "{case}");
        assert!(
            !err.is_retryable(),
            "{case}: the same cart would fail the same way"
        );
        assert_eq!(err.operation().map(Operation::name), Some("checkoutCart"));
        assert_eq!(err.attempts(), 1, "{case}: a refusal is not retried");
        let text = err.to_string();
        for expected in [
            "checkoutCart failed: no order was placed",
            "order group 1: 800010 Inventory not available.",
            "order group 2: 8000100000123 A wide code.",
            "order group 3 No code at all.",
        ] {
            assert!(text.contains(expected), "{case}: no {expected:?} in {text}");
        }
    }
}

#[tokio::test]
async fn nothing_ordered_escapes_the_services_words_in_its_display() {
    let err = checkout_answered(
        201,
        json!({"orders": [], "orderErrors": [
            {"orderGroupId": "1\n  MS-RequestId: 0", "code": "80\u{1b}[2J", "description": "gone\nOrder 1 (completed)"}
        ]}),
    )
    .await
    .unwrap_err();
    let text = err.to_string();
    assert!(!text.contains('\n') && !text.contains('\u{1b}'), "{text:?}");
    for expected in [
        "order group 1\\u{a}  MS-RequestId: 0",
        "80\\u{1b}[2J",
        "gone\\u{a}Order 1 (completed)",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
    // The error keeps the words as sent.
    let ErrorKind::NothingOrdered(nothing) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(
        nothing.order_errors()[0].description.as_deref(),
        Some("gone\nOrder 1 (completed)")
    );
}

#[tokio::test]
async fn an_undecodable_checkout_answer_keeps_the_whole_body_and_says_it_was_applied() {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    // Each answer places an order, and has one field of a wrong type that fails the whole
    // decode. The order id is written in the body with an escape and in upper case, to check it
    // comes back byte for byte.
    let cases = [
        (
            "a price that is not a number",
            r#"{"orders": [{"id": "ORDER-F76C6B7F449D", "totalPrice": "not a number"}], "orderErrors": []}"#,
        ),
        (
            "an order error code that is an object",
            r#"{"orders": [{"id": "ORDER-F76C6B7F449D"}], "orderErrors": [{"orderGroupId": "2", "code": {"value": 800010}}]}"#,
        ),
    ];
    for (case, json) in cases {
        let server = Scripted::start().await;
        let mut served = BOM.to_vec();
        served.extend_from_slice(json.as_bytes());
        server.always(
            Answer::raw(201, served.clone())
                .header("content-type", "application/json; charset=utf-8"),
        );
        let clock = Arc::new(VirtualClock::new());
        let pc = builder_at(&server.url)
            .retry_policy(RetryPolicy::default().jitter(false))
            .clock(clock.clone())
            .build()
            .unwrap();

        let err = pc
            .customer(CUSTOMER)
            .cart(CART)
            .checkout()
            .await
            .unwrap_err();

        let ErrorKind::Undecodable(undecodable) = err.kind() else {
            panic!("{case}: {err:?}")
        };
        assert_eq!(undecodable.status(), 201, "{case}");
        assert_eq!(err.status(), Some(201), "{case}");
        assert_eq!(
            err.effect(),
            Effect::Applied,
            "{case}: a 2xx checkout placed its orders"
        );
        assert!(!err.is_retryable() && !err.outcome_unknown(), "{case}");
        let body = err.body().expect("the whole body is kept");
        let id = b"ORDER-F76C6B7F449D";
        assert!(
            body.windows(id.len()).any(|w| w == id),
            "{case}: the placed order's id is in {:?}",
            String::from_utf8_lossy(body)
        );
        // All of it: the body as served, but for the byte-order mark.
        assert_eq!(
            body.strip_prefix(BOM).unwrap_or(body),
            json.as_bytes(),
            "{case}"
        );
        assert!(
            err.to_string().contains("the change was made"),
            "{case}: {err}"
        );
        assert_eq!(
            server.received().len(),
            1,
            "{case}: an applied checkout is not sent again"
        );
        assert!(clock.sleeps().is_empty(), "{case}");
    }
}

/// A client of `server` retrying up to `attempts` times, without jitter, on `clock`.
fn busy_client(server: &Scripted, attempts: u32, clock: &Arc<VirtualClock>) -> PartnerCenter {
    builder_at(&server.url)
        .retry_policy(RetryPolicy::default().max_attempts(attempts).jitter(false))
        .clock(clock.clone())
        .build()
        .unwrap()
}

fn busy(code: i64) -> Answer {
    Answer::json(
        409,
        json!({"code": code, "description": "Cart is being processed by another request.", "source": "PartnerFD"}),
    )
}

fn header_of(server: &Scripted, name: &str) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|r| {
            assert_eq!(r.method, "POST");
            assert_eq!(r.path, checkout_path());
            r.header(name).expect(name).to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_busy_cart_is_retried_then_asked_again_as_a_new_request() {
    let server = Scripted::start().await;
    // Round 1: two attempts of one request, both busy. Round 2: a new request, busy once,
    // then placed.
    server
        .then(busy(800_064))
        .then(busy(800_064))
        .then(busy(800_064))
        .then(Answer::json(
            201,
            json!({"orders": [{"id": "f76c6b7f449d"}], "orderErrors": []}),
        ));
    let clock = Arc::new(VirtualClock::new());
    let pc = busy_client(&server, 2, &clock);

    let outcome = pc.customer(CUSTOMER).cart(CART).checkout().await.unwrap();

    assert!(outcome.is_complete());
    assert_eq!(outcome.orders()[0].id.as_deref(), Some("f76c6b7f449d"));
    let request_ids = header_of(&server, "ms-requestid");
    assert_eq!(request_ids.len(), 4, "{request_ids:?}");
    let first = &request_ids[0];
    assert_eq!(
        request_ids.iter().filter(|id| *id == first).count(),
        2,
        "the first request is attempted as often as the policy allows: {request_ids:?}"
    );
    assert_eq!(&request_ids[1], first);
    assert_ne!(&request_ids[2], first, "then a new request");
    assert_eq!(request_ids[2], request_ids[3], "itself retried");
    let correlation = header_of(&server, "ms-correlationid");
    assert!(
        correlation.iter().all(|c| c == &correlation[0]),
        "one MS-CorrelationId for the whole checkout: {correlation:?}"
    );
    // The pipeline's backoff in round 1, the checkout's before round 2, the pipeline's in
    // round 2: no wait without jitter is random.
    assert_eq!(clock.sleeps(), [MS(500), MS(500), MS(500)]);
}

#[tokio::test]
async fn a_busy_checkout_with_fixed_ids_keeps_the_callers_request_id_for_its_first_round_only() {
    let server = Scripted::start().await;
    server
        .then(busy(800_060))
        .then(busy(800_060))
        .then(Answer::json(
            201,
            json!({"orders": [{"id": "f76c6b7f449d"}]}),
        ));
    let clock = Arc::new(VirtualClock::new());
    let correlation = uuid::Uuid::new_v4();
    let request = uuid::Uuid::new_v4();
    let pc = busy_client(&server, 2, &clock).with_correlation_id(correlation);

    let outcome = pc
        .customer(CUSTOMER)
        .cart(CART)
        .with_request_id(RequestId::from(request))
        .checkout()
        .await
        .unwrap();
    assert_eq!(outcome.orders()[0].id.as_deref(), Some("f76c6b7f449d"));

    let request_ids = header_of(&server, "ms-requestid");
    let request = request.to_string();
    assert_eq!(request_ids.len(), 3);
    assert_eq!(request_ids[..2], [request.clone(), request.clone()]);
    assert_ne!(request_ids[2], request, "a new request");
    assert!(
        header_of(&server, "ms-correlationid")
            .iter()
            .all(|c| *c == correlation.to_string())
    );
    assert_eq!(
        clock.sleeps(),
        [MS(500), MS(500)],
        "the retry's wait, then the wait before the new request"
    );
}

#[tokio::test]
async fn a_cart_busy_forever_fails_after_max_attempts_rounds_of_max_attempts_attempts() {
    // How many requests a checkout of a cart that stays busy sends, from
    // src/operations/checkout.rs:
    // - each round sends one request through the pipeline, which retries a busy 409 (a transient
    //   failure that counts against the policy) until `max_attempts` attempts, all with the
    //   round's MS-RequestId;
    // - after a round that ended busy, with nothing changed, the checkout waits `backoff(round)`
    //   and starts a new round (a new MS-RequestId) unless `round >= max_attempts` or the time
    //   budget has no room left.
    // So with the default time budget of 5 min, which these few sub-second waits stay well
    // within (and the default retry budget of 500 tokens, of which these retries take at most
    // 5 * 6), it sends max_attempts rounds of max_attempts attempts: max_attempts² requests.
    for attempts in 1..=3u32 {
        let server = Scripted::start().await;
        server.always(busy(800_060));
        let clock = Arc::new(VirtualClock::new());
        let pc = busy_client(&server, attempts, &clock);

        let err = pc
            .customer(CUSTOMER)
            .cart(CART)
            .checkout()
            .await
            .unwrap_err();

        let n = attempts as usize;
        let request_ids = header_of(&server, "ms-requestid");
        assert_eq!(
            request_ids.len(),
            n * n,
            "max_attempts {attempts}: {request_ids:?}"
        );
        // Round by round: `attempts` attempts of one request, each round a new one.
        let rounds: Vec<&[String]> = request_ids.chunks(n).collect();
        for round in &rounds {
            assert!(round.iter().all(|id| id == &round[0]), "{request_ids:?}");
        }
        let distinct: BTreeSet<_> = rounds.iter().map(|round| &round[0]).collect();
        assert_eq!(distinct.len(), n, "a new MS-RequestId per round");
        let correlation: BTreeSet<_> = header_of(&server, "ms-correlationid").into_iter().collect();
        assert_eq!(correlation.len(), 1);

        assert_eq!(err.status(), Some(409));
        assert_eq!(err.code(), Some(800_060));
        assert_eq!(err.effect(), Effect::None, "a busy cart placed nothing");
        assert!(err.is_retryable(), "a busy cart may be free later");
        assert_eq!(
            err.request_id().map(|id| id.to_string()).as_ref(),
            request_ids.last(),
            "the error names the last request sent"
        );
        assert_eq!(err.attempts() as usize, n * n, "every request counts");
        // (attempts - 1) pipeline waits per round, and one checkout wait between rounds.
        assert_eq!(clock.sleeps().len(), n * (n - 1) + (n - 1), "{attempts}");
    }
}

#[tokio::test]
async fn a_cart_already_checked_out_says_so() {
    for code in [json!(800_065), json!("800065")] {
        let server = Scripted::start().await;
        server.always(Answer::json(
            400,
            json!({"code": code, "description": "Cart has already been submitted.", "source": "PartnerFD"}),
        ));
        let clock = Arc::new(VirtualClock::new());
        let pc = busy_client(&server, 3, &clock);

        let err = pc
            .customer(CUSTOMER)
            .cart(CART)
            .checkout()
            .await
            .unwrap_err();

        assert_eq!(err.code(), Some(800_065), "{code}");
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.effect(), Effect::None);
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(text.contains("already checked out"), "{code}: {text}");
        assert!(
            text.contains("Partner Center error 800065: Cart has already been submitted."),
            "{text}"
        );
        assert_eq!(server.received().len(), 1, "{code}: not sent again");
        assert!(clock.sleeps().is_empty());
    }
}

#[tokio::test]
async fn a_spent_retry_budget_stops_a_busy_checkout_from_asking_again() {
    let server = Scripted::start().await;
    server.always(busy(800_064));
    let clock = Arc::new(VirtualClock::new());
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().max_attempts(3).jitter(false))
        .retry_budget(RetryBudget::new(0, 5))
        .clock(clock.clone())
        .build()
        .unwrap();

    let err = pc
        .customer(CUSTOMER)
        .cart(CART)
        .checkout()
        .await
        .unwrap_err();

    // Neither a retry of the request nor a new request: the budget has nothing to give.
    assert_eq!(server.received().len(), 1);
    assert_eq!(err.code(), Some(800_064));
    assert!(clock.sleeps().is_empty());
}
