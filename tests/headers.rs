//! Every header on every operation, and no header the service does not define.

mod support;

use httpmock::prelude::*;
use partner_center_carts::PartnerCenter;
use partner_center_carts::RequestId;
use partner_center_carts::types::Cart;
use support::*;
use uuid::Uuid;

/// The headers a request may carry: the service's own and the ones HTTP itself needs.
const ALLOWED: &[&str] = &[
    "host",
    "content-length",
    "accept",
    "content-type",
    "authorization",
    "ms-requestid",
    "ms-correlationid",
    "x-locale",
    "ms-contract-version",
    "ms-partnercenter-client",
    "ms-partnercenter-application",
    "if-match",
    "x-ms-customeruser-upn",
];

fn new_cart() -> Cart {
    serde_json::from_value(example("ActiveCart")).unwrap()
}

/// Serves every operation with a valid answer and records what arrives.
async fn serve_all(server: &MockServer) -> Recorder {
    let recorder = Recorder::default();
    let cart = example("ActiveCart");
    for (method, path, status, body) in [
        (POST, carts_path(), 201, cart.clone()),
        (GET, cart_path(), 200, cart.clone()),
        (PUT, cart_path(), 201, cart.clone()),
        (POST, checkout_path(), 201, example("CheckoutResult")),
    ] {
        let matcher = recorder.matcher();
        server
            .mock_async(move |when, then| {
                when.method(method).path(path).is_true(matcher);
                then.status(status)
                    .header("content-type", "application/json; charset=utf-8")
                    .json_body(body);
            })
            .await;
    }
    recorder
}

/// Runs the four operations once each, in the order create, get, put, checkout.
async fn run_all(pc: &PartnerCenter) {
    let customer = pc.customer(CUSTOMER);
    customer.create(&new_cart()).await.expect("create");
    let cart = customer.cart(CART).get().await.expect("get");
    customer.cart(CART).put(&cart).await.expect("put");
    assert!(
        customer
            .cart(CART)
            .checkout()
            .await
            .expect("checkout")
            .is_complete()
    );
}

fn is_guid(value: Option<&str>) -> bool {
    value.is_some_and(|v| Uuid::parse_str(v).is_ok())
}

#[tokio::test]
async fn every_operation_sends_every_header() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let pc = builder(&server).locale("nl-NL").build().unwrap();
    run_all(&pc).await;

    let requests = recorder.all();
    assert_eq!(requests.len(), 4);
    let client_name = format!("partner-center-carts/{}", env!("CARGO_PKG_VERSION"));
    for r in &requests {
        let at = format!("{} {}", r.method, r.path);
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{at}"
        );
        assert_eq!(r.header("accept"), Some("application/json"), "{at}");
        assert!(is_guid(r.header("ms-requestid")), "{at}");
        assert!(is_guid(r.header("ms-correlationid")), "{at}");
        assert_eq!(r.header("x-locale"), Some("nl-NL"), "{at}");
        assert_eq!(r.header("ms-contract-version"), Some("v1"), "{at}");
        assert_eq!(
            r.header("ms-partnercenter-client"),
            Some(client_name.as_str()),
            "{at}"
        );
        assert_eq!(r.header("ms-partnercenter-application"), None, "{at}");
        for (name, _) in &r.headers {
            assert!(
                ALLOWED.contains(&name.to_ascii_lowercase().as_str()),
                "{at} sent header {name}, which the service does not define"
            );
        }
    }

    // A body, and so a Content-Type, on create and put only.
    let content_types: Vec<_> = requests.iter().map(|r| r.header("content-type")).collect();
    assert_eq!(
        content_types,
        [
            Some("application/json"),
            None,
            Some("application/json"),
            None
        ]
    );
    assert!(requests[3].body.is_empty(), "checkout sends no body");

    // Each operation its own ids.
    let request_ids: std::collections::HashSet<_> =
        requests.iter().map(|r| r.header("ms-requestid")).collect();
    let correlation_ids: std::collections::HashSet<_> = requests
        .iter()
        .map(|r| r.header("ms-correlationid"))
        .collect();
    assert_eq!(request_ids.len(), 4);
    assert_eq!(correlation_ids.len(), 4);
}

#[tokio::test]
async fn the_default_locale_is_en_us_and_the_application_name_is_sent_when_set() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let pc = builder(&server)
        .application_name("contoso-billing")
        .build()
        .unwrap();
    run_all(&pc).await;

    for r in recorder.all() {
        assert_eq!(r.header("x-locale"), Some("en-US"));
        assert_eq!(
            r.header("ms-partnercenter-application"),
            Some("contoso-billing")
        );
    }
}

#[tokio::test]
async fn a_fixed_correlation_id_goes_on_every_operation_of_the_flow() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let flow = Uuid::new_v4();
    let pc = client(&server).with_correlation_id(flow);
    run_all(&pc).await;

    let flow = flow.to_string();
    for r in recorder.all() {
        assert_eq!(r.header("ms-correlationid"), Some(flow.as_str()));
    }
}

#[tokio::test]
async fn a_fixed_request_id_goes_on_that_one_operation_only() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let pc = client(&server);
    let (fixed, for_modify) = (Uuid::new_v4(), Uuid::new_v4());

    // The same handle, before and after: only the operation given the id sends it.
    let cart = pc.customer(CUSTOMER).cart(CART);
    assert!(
        cart.with_request_id(RequestId::from(fixed))
            .checkout()
            .await
            .unwrap()
            .is_complete()
    );
    assert!(cart.checkout().await.unwrap().is_complete());
    cart.get().await.unwrap();
    pc.customer(CUSTOMER)
        .with_request_id(RequestId::from(fixed))
        .create(&new_cart())
        .await
        .unwrap();
    // A modify sends it on its PUT; its GET has its own.
    cart.with_request_id(RequestId::from(for_modify))
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();

    let ids: Vec<_> = recorder
        .all()
        .iter()
        .map(|r| {
            (
                r.method.clone(),
                r.header("ms-requestid").unwrap().to_string(),
            )
        })
        .collect();
    let (fixed, for_modify) = (fixed.to_string(), for_modify.to_string());
    assert_eq!(ids[0].1, fixed);
    assert_ne!(
        ids[1].1, fixed,
        "the next checkout on the same handle gets a new id"
    );
    assert_ne!(ids[2].1, fixed);
    assert_eq!(ids[3].1, fixed);
    assert_eq!((ids[4].0.as_str(), ids[5].0.as_str()), ("GET", "PUT"));
    assert_ne!(ids[4].1, for_modify);
    assert_eq!(ids[5].1, for_modify);
}

#[tokio::test]
async fn checkout_for_user_names_the_customer_user_and_checkout_does_not() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let pc = client(&server);
    let cart = pc.customer(CUSTOMER).cart(CART);

    let named = cart
        .checkout_for_user("user@contoso.onmicrosoft.com")
        .await
        .unwrap();
    assert!(named.is_complete());
    assert!(cart.checkout().await.unwrap().is_complete());
    // A value that cannot be a header is refused before anything is sent.
    let err = cart.checkout_for_user("a\nb").await.unwrap_err();
    assert_eq!(err.attempts(), 0, "{err}");

    let checkouts: Vec<_> = recorder
        .all()
        .into_iter()
        .filter(|r| r.path.ends_with("/checkout"))
        .collect();
    assert_eq!(checkouts.len(), 2);
    assert_eq!(
        checkouts[0].header("x-ms-customeruser-upn"),
        Some("user@contoso.onmicrosoft.com")
    );
    assert_eq!(checkouts[1].header("x-ms-customeruser-upn"), None);
}

#[tokio::test]
async fn put_sends_the_carts_etag_as_if_match() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let pc = client(&server);

    let mut cart = new_cart();
    cart.attributes.get_or_insert_with(Default::default).etag = Some("\"7\"".into());
    pc.customer(CUSTOMER).cart(CART).put(&cart).await.unwrap();
    let plain = new_cart();
    pc.customer(CUSTOMER).cart(CART).put(&plain).await.unwrap();

    let puts: Vec<_> = recorder
        .all()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(puts[0].header("if-match"), Some("\"7\""));
    assert_eq!(puts[1].header("if-match"), None);
}

#[tokio::test]
async fn the_generated_client_sends_every_header_too() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let pc = client(&server);

    let raw = pc.generated();
    let answer = raw
        .get_cart()
        .customer_id(CUSTOMER)
        .cart_id(CART)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    let sent = &recorder.all()[0];
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    for header in [
        "ms-requestid",
        "ms-correlationid",
        "x-locale",
        "ms-contract-version",
    ] {
        assert!(sent.header(header).is_some(), "no {header}");
    }
    assert_eq!(sent.header("api-version"), None);
}

#[tokio::test]
async fn through_call_a_callers_own_header_values_win() {
    let server = MockServer::start_async().await;
    let recorder = serve_all(&server).await;
    let pc = client(&server);
    let request_id = uuid::Uuid::new_v4().to_string();

    let (id, locale) = (request_id.clone(), "de-DE");
    pc.call(async move |api| {
        api.get_cart()
            .customer_id(CUSTOMER)
            .cart_id(CART)
            .ms_request_id(id)
            .x_locale(locale)
            .send()
            .await
    })
    .await
    .unwrap();
    let sent = &recorder.all()[0];
    assert_eq!(sent.header("ms-requestid"), Some(request_id.as_str()));
    assert_eq!(sent.header("x-locale"), Some("de-DE"));
    assert_eq!(sent.header("ms-contract-version"), Some("v1"));
}
