//! A subscription over its life, against httpmock where a request must be exact: read with its
//! cancellation window, reduced or cancelled inside it, refused before sending outside it, the
//! service's own refusal read the same way, an answer lost and settled by `resend`, and the
//! same for a checkout, an order's change and a transition: every write takes a request id and
//! settles one way. (Against the emulator: tests/subscription_life.rs.)

mod support;

use std::time::{Duration, UNIX_EPOCH};

use httpmock::prelude::*;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::error::Effect;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::types::{Order, Transition};
use partner_center_carts::{ErrorKind, PartnerCenter, RequestId, Settled};
use serde_json::{Value, json};
use support::{CUSTOMER, Recorder};

const SUBSCRIPTION: &str = "ebc0beef-7ffb-4044-c074-16f324432139";

fn path() -> String {
    format!("/v1/customers/{CUSTOMER}/subscriptions/{SUBSCRIPTION}")
}

/// The spec's new-commerce subscription: 5 seats, 3 refundable until 2021-11-09T09:14:51Z and
/// 2 until 2021-11-10T16:02:11Z, cancellable until the first.
fn subscription() -> Value {
    let mut read = support::example("NewCommerceSubscription");
    read["id"] = json!(SUBSCRIPTION);
    read
}

/// A client whose clock reads `date` (RFC 3339), sending each operation once.
fn client_at(server: &MockServer, date: &str) -> PartnerCenter {
    let at = chrono::DateTime::parse_from_rfc3339(date).unwrap();
    let since_epoch = Duration::from_secs(at.timestamp() as u64);
    support::builder(server)
        .clock(VirtualClock::starting_at(UNIX_EPOCH + since_epoch))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

async fn serve_read(server: &MockServer) -> httpmock::Mock<'_> {
    server
        .mock_async(|when, then| {
            when.method(GET).path(path());
            then.status(200).json_body(subscription());
        })
        .await
}

#[tokio::test]
async fn a_reduction_inside_the_window_sends_the_subscription_as_read_with_its_request_id() {
    let server = MockServer::start_async().await;
    serve_read(&server).await;
    let recorder = Recorder::default();
    let mut answer = subscription();
    answer["quantity"] = json!(3);
    server
        .mock_async(|when, then| {
            when.method(PATCH).path(path()).is_true(recorder.matcher());
            then.status(200).json_body(answer);
        })
        .await;
    let pc = client_at(&server, "2021-11-08T12:00:00Z");
    let request_id = RequestId::new();
    let reduced = pc
        .customer(CUSTOMER)
        .subscription(SUBSCRIPTION)
        .with_request_id(request_id)
        .set_quantity(3)
        .await
        .unwrap();
    assert_eq!(reduced.quantity, Some(3));
    let sent = recorder.all();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].header("ms-requestid"),
        Some(request_id.to_string().as_str())
    );
    // Its etag, as a precaution against overwriting a concurrent change.
    assert_eq!(sent[0].header("if-match"), Some("eyJpZCI6ImViYzBiZWVmIn0="));
    // Every field goes back as it came, the ones it did not change and the unknown alike.
    let mut expected = subscription();
    expected["quantity"] = json!(3);
    assert_eq!(sent[0].json().unwrap(), expected);
}

#[tokio::test]
async fn a_reduction_or_cancel_past_the_window_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let read = serve_read(&server).await;
    let patch = server
        .mock_async(|when, then| {
            when.method(PATCH).path(path());
            then.status(200).json_body(subscription());
        })
        .await;
    // On the 10th at noon, two seats are still refundable (until 16:02), none cancellable.
    let pc = client_at(&server, "2021-11-10T12:00:00Z");
    let subscription = pc.customer(CUSTOMER).subscription(SUBSCRIPTION);

    let beyond = subscription.set_quantity(2).await.unwrap_err();
    let ErrorKind::WindowClosed(closed) = beyond.kind() else {
        panic!("{beyond:?}")
    };
    assert_eq!((closed.refundable(), closed.asked()), (Some(2), 3));
    assert_eq!(
        closed.deadline().map(|d| d.to_rfc3339()),
        Some("2021-11-10T16:02:11.102445500+00:00".to_string())
    );
    assert!(closed.service().is_none());
    assert_eq!(beyond.effect(), Effect::None);
    assert!(
        beyond.to_string().contains("2021-11-10T16:02:11Z"),
        "{beyond}"
    );

    let cancel = subscription.cancel().await.unwrap_err();
    let ErrorKind::WindowClosed(closed) = cancel.kind() else {
        panic!("{cancel:?}")
    };
    assert_eq!(closed.asked(), 5);
    assert_eq!(read.calls_async().await, 2, "each read the subscription");
    assert_eq!(patch.calls_async().await, 0, "nothing was sent");

    // Two seats are still inside their window.
    subscription.set_quantity(3).await.unwrap();
    assert_eq!(patch.calls_async().await, 1);
}

#[tokio::test]
async fn the_services_refusal_of_a_reduction_is_the_same_kind_with_its_words() {
    let server = MockServer::start_async().await;
    serve_read(&server).await;
    let recorder = Recorder::default();
    server
        .mock_async(|when, then| {
            when.method(PATCH).path(path()).is_true(recorder.matcher());
            then.status(400).json_body(json!({
                "code": 800002,
                "description": "The refund window has passed.",
                "source": "PartnerFD"
            }));
        })
        .await;
    // Two minutes before the last seats' window ends on the client's clock: it sends, and the
    // service, whose clock is ahead, refuses.
    let pc = client_at(&server, "2021-11-10T16:00:11Z");
    let error = pc
        .customer(CUSTOMER)
        .subscription(SUBSCRIPTION)
        .set_quantity(3)
        .await
        .unwrap_err();
    assert_eq!(recorder.all().len(), 1, "sent");
    let ErrorKind::WindowClosed(closed) = error.kind() else {
        panic!("{error:?}")
    };
    assert_eq!(closed.service().and_then(|s| s.code_number()), Some(800002));
    assert_eq!((closed.refundable(), closed.asked()), (Some(2), 2));
    assert_eq!((error.status(), error.code()), (Some(400), Some(800002)));
    assert_eq!(error.effect(), Effect::None, "the service judged it");
    let words = error.to_string();
    assert!(
        words.contains("refused giving back 2 seats") && words.contains("refund window has passed"),
        "{words}"
    );
}

#[tokio::test]
async fn a_change_that_gives_nothing_back_is_not_checked_and_a_400_stays_a_400() {
    let server = MockServer::start_async().await;
    serve_read(&server).await;
    server
        .mock_async(|when, then| {
            when.method(PATCH).path(path());
            then.status(400)
                .json_body(json!({"code": 800002, "description": "no", "source": "x"}));
        })
        .await;
    let pc = client_at(&server, "2030-01-01T00:00:00Z");
    let error = pc
        .customer(CUSTOMER)
        .subscription(SUBSCRIPTION)
        .set_auto_renew(false)
        .await
        .unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Service(_)), "{error:?}");
}

/// Each write whose answer is lost (a 504) is unknown, keeps its request, and `resend` sends
/// the same request again: the same id, the same body.
#[tokio::test]
async fn every_write_whose_answer_was_lost_is_settled_by_one_resend() {
    let server = MockServer::start_async().await;
    serve_read(&server).await;
    let pc = client_at(&server, "2021-11-08T12:00:00Z");
    let customer = pc.customer(CUSTOMER);
    let subscription_ref = customer.subscription(SUBSCRIPTION);
    let cart = customer.cart("65faf57b-0205-47ee-92b3-08dcf233ea73");
    let order = customer.order("f76c6b7f449d");
    let checkout = format!("/v1/customers/{CUSTOMER}/carts/{}/checkout", cart.id());
    let order_path = format!("/v1/customers/{CUSTOMER}/orders/f76c6b7f449d");
    let transitions = format!("{}/transitions", path());
    let read = subscription();
    let cases: Vec<(&str, String, Value)> = vec![
        ("PATCH", path(), read),
        ("POST", checkout, support::example("CheckoutResult")),
        (
            "PATCH",
            order_path,
            json!({"id": "f76c6b7f449d", "status": "cancelled"}),
        ),
        ("POST", transitions, support::example("TransitionAccepted")),
    ];
    for (n, (method, at, answer)) in cases.into_iter().enumerate() {
        let recorder = Recorder::default();
        let lost = server
            .mock_async(|when, then| {
                when.method(method).path(&at).is_true(recorder.matcher());
                then.status(504)
                    .json_body(json!({"code": 0, "description": "gateway"}));
            })
            .await;
        let error = match n {
            0 => subscription_ref.cancel().await.map(drop),
            1 => cart.checkout().await.map(drop),
            2 => order.cancel().await.map(drop),
            _ => subscription_ref
                .transition(&Transition::default())
                .await
                .map(drop),
        }
        .unwrap_err();
        assert!(error.outcome_unknown(), "{n}: {error:?}");
        lost.delete_async().await;
        server
            .mock_async(|when, then| {
                when.method(method).path(&at).is_true(recorder.matcher());
                then.status(if n == 1 { 201 } else { 200 })
                    .json_body(answer);
            })
            .await;
        let settled = pc.resend(&error).await.unwrap();
        match (n, settled) {
            (0, Settled::Subscription(s)) => assert_eq!(s.id(), SUBSCRIPTION),
            (1, Settled::Checkout(placed)) => assert!(!placed.orders().is_empty()),
            (2, Settled::Order(o)) => assert_eq!(o.status.as_deref(), Some("cancelled")),
            (3, Settled::Transition(t)) => assert!(t.operation_id.is_some()),
            (n, other) => panic!("{n}: {other:?}"),
        }
        let sent = recorder.all();
        assert_eq!(sent.len(), 2, "{n}");
        let id = error.request_id().map(|id| id.to_string());
        assert_eq!(sent[0].header("ms-requestid"), id.as_deref(), "{n}");
        assert_eq!(
            sent[1].header("ms-requestid"),
            id.as_deref(),
            "{n}: the same request"
        );
        assert_eq!(sent[0].body, sent[1].body, "{n}");
        assert_eq!(
            sent[0].header("ms-correlationid"),
            sent[1].header("ms-correlationid"),
            "{n}"
        );
    }
    // An error that left nothing unknown has nothing to send again.
    let refused = pc
        .resend(&subscription_ref.set_quantity(0).await.unwrap_err())
        .await;
    assert!(matches!(
        refused.unwrap_err().kind(),
        ErrorKind::InvalidInput(_)
    ));
}

#[tokio::test]
async fn an_add_on_goes_with_the_request_id_it_was_given() {
    let server = MockServer::start_async().await;
    let recorder = Recorder::default();
    server
        .mock_async(|when, then| {
            when.method(PATCH)
                .path(format!("/v1/customers/{CUSTOMER}/orders/f76c6b7f449d"))
                .is_true(recorder.matcher());
            then.status(200).json_body(json!({"id": "f76c6b7f449d"}));
        })
        .await;
    let pc = client_at(&server, "2021-11-08T12:00:00Z");
    let request_id = RequestId::new();
    let add_on = Order {
        line_items: Some(vec![Default::default()]),
        ..Default::default()
    };
    let order = pc.customer(CUSTOMER).order("f76c6b7f449d");
    order
        .with_request_id(request_id)
        .update(&add_on)
        .await
        .unwrap();
    order.with_request_id(request_id).cancel().await.unwrap();
    let sent = recorder.all();
    assert!(
        sent.iter()
            .all(|r| r.header("ms-requestid") == Some(request_id.to_string().as_str()))
    );
    assert_eq!(sent.len(), 2);
}
