//! Error answers decoded into the error value and its `Display`, served with the typed mocks
//! generated from the spec.
#![cfg(feature = "mock")]

mod support;

use httpmock::prelude::*;
use partner_center_carts::error::ErrorCategory;
use partner_center_carts::mock::MockServerExt;
use partner_center_carts::mock::operations::GetCartThen;
use partner_center_carts::types::{Cart, PartnerCenterError};
use partner_center_carts::{Error, ErrorKind};
use serde_json::json;
use support::*;

fn body(json: serde_json::Value) -> PartnerCenterError {
    serde_json::from_value(json).unwrap()
}

/// The error of a `get` the server answers with `answer`, and how many times it was asked.
async fn get_answering(answer: impl FnOnce(GetCartThen) -> GetCartThen) -> (Error, usize) {
    let server = MockServer::start_async().await;
    let mock = server.get_cart(|when, then| {
        when.customer_id(CUSTOMER).cart_id(CART);
        answer(then);
    });
    let err = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap_err();
    (err, mock.calls_async().await)
}

#[tokio::test]
async fn a_400_shows_status_code_description_and_ids() {
    let (err, calls) = get_answering(|then| {
        then.bad_request(&body(json!({
            "code": 800002, "description": "Invalid request input.", "data": [], "source": "PartnerFD"
        })))
    })
    .await;
    assert_eq!(calls, 1, "a 400 is not retried");

    let ErrorKind::Service(service) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(service.status(), 400);
    assert_eq!(service.category(), ErrorCategory::BadInput);
    assert_eq!(service.code_number(), Some(800_002));
    assert_eq!(service.source(), Some("PartnerFD"));
    assert_eq!(err.code(), Some(800_002));
    assert!(!err.is_retryable());

    let text = err.to_string();
    let request_id = err.request_id().expect("the request id is kept");
    let correlation_id = err.correlation_id().expect("the correlation id is kept");
    assert!(
        text.starts_with(
            "getCart failed: 400 Bad Request, Partner Center error 800002: Invalid request input."
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("MS-RequestId {request_id}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("MS-CorrelationId {correlation_id}")),
        "{text}"
    );
}

#[tokio::test]
async fn a_code_sent_as_a_string_reads_as_a_number() {
    let (err, _) = get_answering(|then| {
        then.not_found(&body(json!({
            "code": "800008", "description": "Unable to retrieve cart ID.", "source": "PartnerFD"
        })))
    })
    .await;
    assert_eq!(err.code(), Some(800_008));
    assert_eq!(
        err.service_error().unwrap().category(),
        ErrorCategory::NotFound
    );
    assert!(
        err.to_string()
            .contains("404 Not Found, Partner Center error 800008"),
        "{err}"
    );
}

#[tokio::test]
async fn a_conflict_with_800064_is_a_conflict() {
    let (err, _) = get_answering(|then| {
        then.client_error(
            409,
            &body(json!({"code": 800064, "description": "Cart is being processed by another request."})),
        )
    })
    .await;
    assert!(err.is_conflict());
    assert_eq!(
        err.service_error().unwrap().category(),
        ErrorCategory::AlreadyExists
    );
}

#[tokio::test]
async fn extra_fields_in_an_error_body_are_kept() {
    let (err, _) = get_answering(|then| {
        then.bad_request(&body(json!({
            "code": 800009, "description": "Error in cart item(s).", "isRetryable": false, "errorName": "CartItemError"
        })))
    })
    .await;
    let body = err.service_error().unwrap().body().unwrap();
    assert_eq!(body.extra["errorName"], "CartItemError");
}

#[tokio::test]
async fn a_line_item_error_with_an_integer_code_decodes() {
    let server = MockServer::start_async().await;
    let mut cart = example("ActiveCart");
    cart["lineItems"][0]["error"] =
        json!({"errorCode": 10001, "errorDescription": "Catalog item id is not valid."});
    server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(cart.clone());
        })
        .await;
    let got: Cart = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap();
    let code = got.line_items[0]
        .error
        .as_ref()
        .unwrap()
        .error_code
        .clone()
        .unwrap();
    assert_eq!(code.number(), Some(10001));
    assert_eq!(code.name(), Some("CatalogItemIdIsNotValid"));
}

#[tokio::test]
async fn errors_are_send_sync_and_std_errors() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<Error>();
}

#[tokio::test]
async fn control_characters_in_the_services_words_are_escaped_in_display_and_kept_in_the_error() {
    let description = "bad\n  MS-RequestId: 00000000-0000-0000-0000-000000000000\u{1b}[2J";
    let code = "800002\nMS-CorrelationId: 0";
    let (err, _) = get_answering(|then| {
        then.bad_request(&body(json!({
            "code": code, "description": description, "source": "PartnerFD"
        })))
    })
    .await;

    let text = err.to_string();
    assert!(
        !text.contains('\n') && !text.contains('\r') && !text.contains('\u{1b}'),
        "a raw control character in {text:?}"
    );
    for expected in [
        "Partner Center error 800002\\u{a}MS-CorrelationId: 0: ",
        "bad\\u{a}  MS-RequestId: 00000000-0000-0000-0000-000000000000\\u{1b}[2J",
    ] {
        assert!(text.contains(expected), "no {expected:?} in {text}");
    }
    // Only the real request id is quoted as one.
    let request_id = err.request_id().unwrap();
    assert!(
        text.ends_with(&format!(
            "(MS-RequestId {request_id}, MS-CorrelationId {})",
            err.correlation_id().unwrap()
        )),
        "{text}"
    );
    assert_eq!(
        text.matches("00000000-0000-0000-0000-000000000000").count(),
        1,
        "{text}"
    );

    // Nothing is lost: the error keeps the words as the service sent them.
    let service = err.service_error().unwrap();
    assert_eq!(service.description(), Some(description));
    assert_eq!(
        service.code(),
        Some(&partner_center_carts::types::PartnerCenterErrorCode::String(code.into()))
    );
    assert_eq!(err.code(), None, "not a number");
}

/// A refused connection names its cause once: in the message, where a reader of `Display`
/// alone sees it, and not again as a source, where a report that walks the chain would print
/// it a second time.
#[tokio::test]
async fn a_connection_error_names_its_cause_once() {
    // A port nothing listens on: a listener bound and dropped.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = builder_at(&format!("http://127.0.0.1:{port}"))
        .retry_policy(partner_center_carts::retry::RetryPolicy::none())
        .build()
        .unwrap()
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport(_)), "{err:?}");
    let mut report = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        report.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    assert_eq!(report.matches("Connection refused").count(), 1, "{report}");
}
