//! The path, method and body of each operation, and the answers each one accepts.

mod support;

use httpmock::prelude::*;
use partner_center_carts::ErrorKind;
use partner_center_carts::Operation;
use partner_center_carts::error::Effect;
use partner_center_carts::types::Cart;
use serde_json::json;
use support::*;

#[tokio::test]
async fn create_posts_the_cart_in_camel_case_and_returns_the_created_cart() {
    let server = MockServer::start_async().await;
    let created = example("ActiveCart");
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(carts_path()).json_body(json!({
                "lineItems": [{
                    "catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
                    "quantity": 3,
                    "billingCycle": "monthly",
                    "termDuration": "P1M"
                }]
            }));
            then.status(201).json_body(created.clone());
        })
        .await;

    let cart = client(&server)
        .customer(CUSTOMER)
        .create(&one_line_cart(3))
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(serde_json::to_value(&cart).unwrap(), created);
    assert_eq!(cart.id.as_deref(), Some(CART));
}

#[tokio::test]
async fn get_reads_the_cart_at_its_path() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(example("ActiveCart"));
        })
        .await;

    let cart = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(cart.line_items.len(), 2);
    assert_eq!(
        cart.line_items[1]
            .error
            .as_ref()
            .unwrap()
            .error_code
            .as_ref()
            .unwrap()
            .number(),
        Some(10012)
    );
}

#[tokio::test]
async fn ids_are_sent_in_canonical_form_whatever_case_the_caller_used() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(example("ActiveCart"));
        })
        .await;

    client(&server)
        .customer(CUSTOMER.to_uppercase())
        .cart(format!("{{{}}}", CART.to_uppercase()))
        .get()
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn put_sends_the_whole_cart_and_accepts_201_and_200() {
    let server = MockServer::start_async().await;
    let body = example("UpdatedCart");
    let cart: Cart = serde_json::from_value(body.clone()).unwrap();
    let id = cart.id.clone().unwrap();
    for status in [201, 200] {
        let mock = server
            .mock_async(|when, then| {
                when.method(PUT)
                    .path(format!("{}/{id}", carts_path()))
                    .json_body(body.clone());
                then.status(status).json_body(body.clone());
            })
            .await;
        let answer = client(&server)
            .customer(CUSTOMER)
            .cart(&id)
            .put(&cart)
            .await;
        assert_eq!(answer.unwrap(), cart, "status {status}");
        mock.assert_async().await;
        mock.delete_async().await;
    }
}

#[tokio::test]
async fn checkout_posts_no_body_and_reads_an_answer_with_a_byte_order_mark() {
    let server = MockServer::start_async().await;
    let result = example("CheckoutResult");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(serde_json::to_vec(&result).unwrap());
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path(checkout_path()).body("");
            then.status(201)
                .header("content-type", "application/json; charset=utf-8")
                .body(with_bom);
        })
        .await;

    let answer = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .checkout()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(serde_json::to_value(answer.result()).unwrap(), result);
    let orders = answer.orders();
    assert_eq!(
        orders[0].line_items.as_ref().unwrap()[1]
            .additional_partner_ids_on_record
            .as_ref()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn checkout_accepts_200_too() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path(checkout_path());
            then.status(200).json_body(json!({
                "orders": [{"id": "f76c6b7f449d"}],
                "attributes": {"objectType": "CartCheckoutResult"}
            }));
        })
        .await;
    let answer = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .checkout()
        .await
        .unwrap();
    assert_eq!(answer.orders()[0].id.as_deref(), Some("f76c6b7f449d"));
}

#[tokio::test]
async fn a_base_url_with_a_path_stem_and_a_trailing_slash_works() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/stem{}", cart_path()));
            then.status(200).json_body(example("ActiveCart"));
        })
        .await;
    let pc = builder(&server)
        .base_url(format!("{}/stem/", server.base_url()))
        .build()
        .unwrap();
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    mock.assert_async().await;
}

/// A cart as the spec's example has it, but with the id `id`.
fn cart_with_id(id: &str) -> serde_json::Value {
    let mut cart = example("ActiveCart");
    cart["id"] = json!(id);
    cart
}

const OTHER_CART: &str = "0b7e3c52-6d2f-4c1e-9a7b-3f1e2d4c5b6a";

#[tokio::test]
async fn a_get_answered_with_another_cart_is_a_mismatch_that_changed_nothing() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200).json_body(cart_with_id(OTHER_CART));
        })
        .await;

    let err = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap_err();

    mock.assert_async().await;
    let ErrorKind::Mismatch(mismatch) = err.kind() else {
        panic!("{err:?}")
    };
    let reason = mismatch.reason();
    assert!(
        reason.contains(OTHER_CART) && reason.contains(CART),
        "{reason}"
    );
    assert_eq!(err.operation().map(Operation::name), Some("getCart"));
    assert_eq!(err.effect(), Effect::None, "a read changes nothing");
    assert!(!err.outcome_unknown());
    assert!(!err.is_retryable());
    assert!(
        err.to_string()
            .contains("the answer is not for the request"),
        "{err}"
    );
}

#[tokio::test]
async fn a_put_answered_with_another_cart_is_a_mismatch_of_unknown_outcome() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(PUT).path(cart_path());
            then.status(201).json_body(cart_with_id(OTHER_CART));
        })
        .await;
    let cart: Cart = serde_json::from_value(example("ActiveCart")).unwrap();

    let err = client(&server)
        .customer(CUSTOMER)
        .cart(CART)
        .put(&cart)
        .await
        .unwrap_err();

    mock.assert_async().await;
    let ErrorKind::Mismatch(mismatch) = err.kind() else {
        panic!("{err:?}")
    };
    let reason = mismatch.reason();
    assert!(reason.contains(OTHER_CART), "{reason}");
    assert_eq!(err.operation().map(Operation::name), Some("updateCart"));
    assert_eq!(
        err.effect(),
        Effect::Unknown,
        "the PUT was sent and the answer does not say what it did"
    );
    assert!(err.outcome_unknown());
    assert!(!err.is_retryable(), "never call an unknown write again");
    assert!(err.to_string().contains("may or may not"), "{err}");
}

#[tokio::test]
async fn a_cart_id_in_another_case_is_the_same_cart() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET).path(cart_path());
            then.status(200)
                .json_body(cart_with_id(&CART.to_uppercase()));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(PUT).path(cart_path());
            then.status(200)
                .json_body(cart_with_id(&CART.to_uppercase()));
        })
        .await;
    let cart = client(&server).customer(CUSTOMER).cart(CART);

    let got = cart.get().await.unwrap();
    assert_eq!(got.id, Some(CART.to_uppercase()), "kept as sent");
    let put = cart.put(&got).await.unwrap();
    assert_eq!(put.id, Some(CART.to_uppercase()));
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn typed_mocks_take_ids_as_str_and_match_them_as_text() {
    use partner_center_carts::mock::{MockServerExt, httpmock::MockServer};

    let server = MockServer::start_async().await;
    let cart = one_line_cart(1);
    let dotted = server.get_cart(|when, then| {
        when.customer_id("a.c").cart_id("k");
        then.ok(&cart);
    });
    // An id a regular expression could not hold is matched too, and nothing panics.
    let odd = server.get_cart(|when, then| {
        when.customer_id("x(").cart_id("k");
        then.ok(&cart);
    });
    let get = |customer: &'static str| {
        let url = format!("{}/v1/customers/{customer}/carts/k", server.base_url());
        async move { raw_http().get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        get("abc").await,
        404,
        "a `.` in an id is a dot, not any character"
    );
    assert_eq!(get("a.c").await, 200);
    assert_eq!(get("x(").await, 200);
    assert_eq!((dotted.calls(), odd.calls()), (1, 1));
}

/// The generated client itself (not only the front door, which checks ids first) refuses a
/// path parameter that would name another resource: `..` would walk up the path, and `.`
/// would vanish from it. Nothing is sent.
#[tokio::test]
async fn the_generated_client_refuses_a_path_parameter_that_names_another_resource() {
    let server = MockServer::start_async().await;
    let pc = client(&server);
    for id in [".", "..", "a\tb", "a\nb"] {
        let err = pc
            .call(async move |api| {
                api.get_order()
                    .customer_id(CUSTOMER)
                    .order_id(id)
                    .send()
                    .await
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidInput(_)),
            "{id:?}: {err:?}"
        );
        assert!(
            err.to_string().contains("does not name a resource"),
            "{err}"
        );
    }
    // And a `/` or `\` in one is escaped, never a separator: one segment, one request.
    let seen = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/customers/{CUSTOMER}/orders/a%2Fb%5Cc"));
            then.status(404)
                .json_body(serde_json::json!({"code": 0, "description": "no"}));
        })
        .await;
    let err = pc
        .call(async move |api| {
            api.get_order()
                .customer_id(CUSTOMER)
                .order_id("a/b\\c")
                .send()
                .await
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404), "{err:?}");
    seen.assert_async().await;
}

/// A caller of the generated client gets the true failure of an operation that ended with no
/// answer: here no time was left to send it, and it says so; nothing was sent, and no status
/// was made up for it.
#[tokio::test]
async fn the_generated_client_after_a_time_out_gets_the_true_failure() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let pc = builder(&server)
        .retry_policy(
            partner_center_carts::retry::RetryPolicy::default()
                .max_elapsed(std::time::Duration::ZERO),
        )
        .build()
        .unwrap();
    let raw = pc
        .generated()
        .get_cart()
        .customer_id(CUSTOMER)
        .cart_id(CART)
        .send()
        .await
        .unwrap_err();
    let partner_center_carts::generated::Error::Custom(words) = &raw else {
        panic!("expected the pipeline's own words, got {raw:?}")
    };
    assert!(words.contains("timed out"), "{words}");
    assert_eq!(raw.status(), None, "no status was made up");

    // Through `call`, the same failure is this crate's error.
    let err = pc
        .call(async |api| {
            api.get_cart()
                .customer_id(CUSTOMER)
                .cart_id(CART)
                .send()
                .await
        })
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Timeout(_)), "{err:?}");
    assert_eq!(err.operation(), Some(Operation::GetCart));
    assert_eq!((err.attempts(), err.effect()), (0, Effect::None));
    assert_eq!(any.calls_async().await, 0, "nothing was sent");
}

/// A generated client `call` gives sends one operation: a second is refused, unsent, rather
/// than given the first one's ids.
#[tokio::test]
async fn a_call_sends_one_operation() {
    let server = MockServer::start_async().await;
    let got = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/customers/{CUSTOMER}/carts/{CART}"));
            then.status(200)
                .json_body(json!({"id": CART, "lineItems": []}));
        })
        .await;
    let pc = client(&server);
    let err = pc
        .call(async |api| {
            let first = api
                .get_cart()
                .customer_id(CUSTOMER)
                .cart_id(CART)
                .send()
                .await;
            assert!(first.is_ok(), "{first:?}");
            api.get_cart()
                .customer_id(CUSTOMER)
                .cart_id(CART)
                .send()
                .await
        })
        .await
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains("sends one operation"), "{err}");
    assert_eq!(got.calls_async().await, 1);
}
