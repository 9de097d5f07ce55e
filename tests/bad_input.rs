//! The caller's bad input is refused before anything leaves the process.

mod support;

use partner_center_carts::ErrorKind;
use partner_center_carts::Operation;
use partner_center_carts::types::{Cart, CartLineItem};
use support::scripted::{Answer, Scripted};
use support::*;

const BAD_IDS: &[&str] = &[
    "../../admin",
    "..%2F..%2Fadmin",
    "",
    "not-a-guid",
    "65faf57b-0205-47ee-92b3-08dcf233ea73/../../admin",
    "65faf57b-0205-47ee-92b3-08dcf233ea73?$expand=all",
    "65faf57b-0205-47ee-92b3-08dcf233ea7\u{0}",
];

fn valid_cart() -> Cart {
    serde_json::from_value(example("ActiveCart")).unwrap()
}

fn assert_refused(err: &partner_center_carts::Error, says: &str) {
    assert!(matches!(err.kind(), ErrorKind::InvalidInput(_)), "{err:?}");
    assert!(err.to_string().contains(says), "{err}");
    assert!(err.to_string().contains("nothing was sent"), "{err}");
}

#[tokio::test]
async fn an_id_that_is_not_a_guid_reaches_no_server() {
    let server = Scripted::start().await;
    server.always(Answer::json(200, example("ActiveCart")));
    let pc = builder_at(&server.url).build().unwrap();
    let cart = valid_cart();

    for bad in BAD_IDS {
        let by_cart = pc.customer(CUSTOMER).cart(*bad);
        assert_refused(&by_cart.get().await.unwrap_err(), "cart id");
        assert_refused(&by_cart.put(&cart).await.unwrap_err(), "cart id");
        assert_refused(&by_cart.checkout().await.unwrap_err(), "cart id");
        assert_refused(
            &by_cart
                .modify(|c| c.line_items[0].quantity += 1)
                .await
                .unwrap_err(),
            "cart id",
        );

        let by_customer = pc.customer(*bad);
        assert_refused(&by_customer.create(&cart).await.unwrap_err(), "customer id");
        assert_refused(
            &by_customer.cart(CART).get().await.unwrap_err(),
            "customer id",
        );
    }
    assert!(server.received().is_empty(), "{:?}", server.received());
}

#[tokio::test]
async fn a_cart_with_bad_line_items_is_not_sent() {
    let server = Scripted::start().await;
    server.always(Answer::json(201, example("ActiveCart")));
    let pc = builder_at(&server.url).build().unwrap();
    let line = |catalog: &str, quantity| CartLineItem {
        catalog_item_id: catalog.into(),
        quantity,
        billing_cycle: "monthly".into(),
        ..Default::default()
    };
    let cases = [
        (vec![], "no line items"),
        (vec![line("A:1:B", 0)], "quantity 0"),
        (
            vec![line("A:1:B", 1), line("A:1:B", -3)],
            "line item 1 has quantity -3",
        ),
        (vec![line("", 1)], "no catalogItemId"),
    ];
    for (line_items, says) in cases {
        let cart = Cart {
            line_items,
            ..Default::default()
        };
        let err = pc.customer(CUSTOMER).create(&cart).await.unwrap_err();
        assert_refused(&err, says);
        assert_eq!(err.operation().map(Operation::name), Some("createCart"));
        assert_refused(
            &pc.customer(CUSTOMER)
                .cart(CART)
                .put(&cart)
                .await
                .unwrap_err(),
            says,
        );
    }
    assert!(server.received().is_empty());
}

#[tokio::test]
async fn a_modify_that_breaks_the_cart_reads_but_does_not_write() {
    let server = Scripted::start().await;
    server.always(Answer::json(200, example("ActiveCart")));
    let pc = builder_at(&server.url).build().unwrap();

    let err = pc
        .customer(CUSTOMER)
        .cart(CART)
        .modify(|c| c.line_items[0].quantity = 0)
        .await
        .unwrap_err();
    assert_refused(&err, "quantity 0");
    let methods: Vec<_> = server.received().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["GET"]);
}

#[tokio::test]
async fn settings_that_cannot_be_sent_are_refused_at_build() {
    let base = || builder_at("http://127.0.0.1:9");
    for (builder, says) in [
        (base().locale("en-US\r\nX-Evil: 1"), "locale"),
        (base().application_name("app\n"), "application name"),
        (base().bearer_token("tok\nen"), "access token"),
        (base().base_url("not a url"), "is not a URL"),
        (base().add_root_certificate_pem("garbage"), "certificate"),
    ] {
        let err = builder.build().unwrap_err();
        assert!(err.to_string().contains(says), "{says}: {err}");
    }
}
