//! End to end: the client against the embedded emulator.

mod support;

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::PartnerCenter;
use partner_center_carts::RequestId;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::{RetryBudget, RetryPolicy};
use partner_center_carts::types::{Cart, CartLineItem};
use partner_center_carts_emulator::{Emulator, Faults, RunningEmulator};
use serde_json::{Value, json};
use support::CUSTOMER;
use uuid::Uuid;

fn new_cart(quantity: i32) -> Cart {
    Cart {
        line_items: vec![
            CartLineItem {
                catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
                quantity,
                billing_cycle: "monthly".into(),
                term_duration: Some("P1M".into()),
                ..Default::default()
            },
            CartLineItem {
                catalog_item_id: "CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ".into(),
                quantity: 2,
                billing_cycle: "annual".into(),
                order_group: Some("1".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

/// A checkout sent past the client, to see the bytes of the answer.
async fn raw_checkout(emulator: &RunningEmulator, cart: &str, token: &str) -> (u16, Vec<u8>) {
    let answer = support::raw_http()
        .post(format!(
            "{}/v1/customers/{CUSTOMER}/carts/{cart}/checkout",
            emulator.url()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        answer.status().as_u16(),
        answer.bytes().await.unwrap().to_vec(),
    )
}

/// The id of a new cart of `pc`'s customer.
async fn created(pc: &PartnerCenter) -> String {
    pc.customer(CUSTOMER)
        .create(&new_cart(1))
        .await
        .unwrap()
        .id
        .unwrap()
}

/// An emulator whose carts carry etags, so that concurrent `modify`s of one cart are told of
/// each other (412) and the client's `If-Match` precaution is exercised.
async fn started() -> (RunningEmulator, PartnerCenter) {
    let emulator = Emulator::new().etags(true).start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    (emulator, pc)
}

#[tokio::test]
async fn a_cart_goes_through_its_whole_life() {
    let (emulator, pc) = started().await;
    let customer = pc.customer(CUSTOMER);

    let created = customer.create(&new_cart(1)).await.unwrap();
    let id = created.id.clone().unwrap();
    assert_eq!(
        created.line_items.iter().map(|l| l.id).collect::<Vec<_>>(),
        [Some(0), Some(1)]
    );
    assert_eq!(created.status.as_deref(), Some("Active"));

    let read = customer.cart(&id).get().await.unwrap();
    assert_eq!(read, created);

    let modified = customer
        .cart(&id)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();
    assert_eq!(modified.line_items[0].quantity, 2);
    assert_ne!(
        modified.attributes.as_ref().unwrap().etag,
        created.attributes.as_ref().unwrap().etag
    );

    let result = customer.cart(&id).checkout().await.unwrap();
    assert!(result.is_complete());
    let orders = result.orders();
    assert_eq!(orders.len(), 2, "one order per order group");
    assert_eq!(
        emulator.cart(CUSTOMER, &id).unwrap().status.as_deref(),
        Some("Ordered")
    );

    let again = customer.cart(&id).checkout().await.unwrap_err();
    assert_eq!(again.code(), Some(800_065), "{again}");
    assert_eq!(emulator.orders(CUSTOMER).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_tasks_adding_one_ten_times_each_lose_no_update() {
    let (emulator, pc) = started().await;
    let id = created(&pc).await;

    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let cart = pc.customer(CUSTOMER).cart(&id);
            tokio::spawn(async move {
                for _ in 0..10 {
                    cart.modify(|c| c.line_items[0].quantity += 1)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }

    let cart = emulator.cart(CUSTOMER, &id).unwrap();
    assert_eq!(cart.line_items[0].quantity, 1 + 320);
    assert_eq!(
        cart.line_items[1].quantity, 2,
        "the other line is untouched"
    );
}

#[tokio::test]
async fn a_checkout_replayed_with_its_request_id_places_one_order() {
    let (emulator, pc) = started().await;
    let cart = support::one_line_cart(1);
    let id = pc
        .customer(CUSTOMER)
        .create(&cart)
        .await
        .unwrap()
        .id
        .unwrap();
    let request_id = Uuid::new_v4();

    let first = pc
        .customer(CUSTOMER)
        .cart(&id)
        .with_request_id(RequestId::from(request_id))
        .checkout()
        .await
        .unwrap();
    // The process "crashed" and, restarted, sends the same checkout again.
    let replay = pc
        .customer(CUSTOMER)
        .cart(&id)
        .with_request_id(RequestId::from(request_id))
        .checkout()
        .await
        .unwrap();

    assert_eq!(first, replay);
    assert_eq!(emulator.orders(CUSTOMER).len(), 1);
    assert_eq!(emulator.stats().replayed, 1);
}

#[tokio::test]
async fn under_throttling_outages_and_lost_answers_every_operation_happens_exactly_once() {
    let faults = Faults::none()
        .throttle(0.25)
        .unavailable(0.15)
        .lost_answers(0.15)
        .seed(42);
    let emulator = Emulator::new().faults(faults).start().await.unwrap();
    let clock = Arc::new(VirtualClock::new());
    let pc = emulator
        .client()
        .retry_policy(RetryPolicy::default().max_attempts(12))
        .retry_budget(RetryBudget::unlimited())
        .clock(clock.clone())
        .build()
        .unwrap();
    let customer = pc.customer(CUSTOMER);

    let mut ids = Vec::new();
    for quantity in 1..=8 {
        let cart = customer.create(&new_cart(quantity)).await.unwrap();
        ids.push(cart.id.unwrap());
    }
    for id in &ids {
        customer
            .cart(id)
            .modify(|c| c.line_items[0].quantity += 10)
            .await
            .unwrap();
        assert!(customer.cart(id).checkout().await.unwrap().is_complete());
    }

    for (n, id) in ids.iter().enumerate() {
        let cart = emulator.cart(CUSTOMER, id).unwrap();
        assert_eq!(
            cart.line_items[0].quantity,
            n as i32 + 1 + 10,
            "cart {n} modified once"
        );
        assert_eq!(cart.status.as_deref(), Some("Ordered"));
    }
    assert_eq!(
        emulator.orders(CUSTOMER).len(),
        8 * 2,
        "each checkout placed its orders once"
    );
    let stats = emulator.stats();
    assert!(
        stats.throttled > 0 && stats.unavailable > 0 && stats.lost_answers > 0,
        "{stats:?}"
    );
    assert!(
        stats.replayed > 0,
        "a lost answer was recovered by replay: {stats:?}"
    );
    assert!(
        clock.sleeps().contains(&Duration::from_secs(1)),
        "Retry-After was honoured"
    );
}

#[tokio::test]
async fn the_documented_errors() {
    let (emulator, pc) = started().await;
    let customer = pc.customer(CUSTOMER);
    let http = support::raw_http();
    let carts = format!("{}/v1/customers/{CUSTOMER}/carts", emulator.url());

    // 401 without a bearer token.
    let answer = http.post(&carts).json(&new_cart(1)).send().await.unwrap();
    assert_eq!(answer.status(), 401);

    // 400 / 800002 for invalid input, sent past the client's own checks.
    for body in [
        json!({"lineItems": [{"catalogItemId": "A:1:B", "quantity": 0, "billingCycle": "monthly"}]}),
        json!({"lineItems": [{"catalogItemId": "", "quantity": 1, "billingCycle": "monthly"}]}),
        json!({"lineItems": "none"}),
    ] {
        let answer = http
            .post(&carts)
            .bearer_auth("t")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400);
        let error: Value = answer.json().await.unwrap();
        assert_eq!(error["code"], 800002, "{error}");
    }
    let answer = http
        .get(format!(
            "{}/v1/customers/not-a-guid/carts/{CUSTOMER}",
            emulator.url()
        ))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);

    // 404 / 800008 for an unknown cart.
    let err = customer
        .cart(Uuid::new_v4().to_string())
        .get()
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(404), Some(800_008)));

    // 412 when If-Match is not the cart's etag.
    let cart = customer.create(&new_cart(1)).await.unwrap();
    let id = cart.id.clone().unwrap();
    customer
        .cart(&id)
        .modify(|c| c.line_items[0].quantity = 5)
        .await
        .unwrap();
    let err = customer.cart(&id).put(&cart).await.unwrap_err();
    assert_eq!(err.status(), Some(412));
    assert!(err.is_conflict());
}

#[tokio::test]
async fn ids_are_echoed_and_unknown_fields_and_pascal_case_names_are_kept() {
    let (emulator, _) = started().await;
    let http = support::raw_http();
    let request_id = Uuid::new_v4().to_string();
    let answer = http
        .post(format!("{}/v1/customers/{CUSTOMER}/carts", emulator.url()))
        .bearer_auth("t")
        .header("MS-RequestId", &request_id)
        .header("MS-CorrelationId", &request_id)
        .json(&json!({
            "LineItems": [{
                "CatalogItemId": "DG7GMGF0DWTL:0001:DG7GMGF0DSJB",
                "Quantity": 2,
                "BillingCycle": "one_time",
                "ProvisioningContext": {"SubscriptionId": "3D5ECED6", "Scope": "shared"},
                "loyaltyTier": "gold"
            }],
            "purchaseOrderNumber": "PO-1"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(answer.headers()["ms-requestid"], request_id.as_str());
    assert_eq!(answer.headers()["ms-correlationid"], request_id.as_str());
    // A correlation vector, as the service's answers carry: 16 characters and a step.
    let cv = answer.headers()["ms-cv"].to_str().unwrap().to_string();
    assert_eq!(cv, format!("{}.0", &request_id.replace('-', "")[..16]));
    assert!(answer.headers().contains_key("ms-serverid"));
    let cart: Value = answer.json().await.unwrap();
    assert_eq!(cart["purchaseOrderNumber"], "PO-1");
    let item = &cart["lineItems"][0];
    assert_eq!(item["quantity"], 2);
    assert_eq!(item["loyaltyTier"], "gold");
    // The provisioning context's keys are data: read as sent, echoed in camelCase, as the
    // "Update a cart" page's answer does.
    assert_eq!(
        item["provisioningContext"],
        json!({"subscriptionId": "3D5ECED6", "scope": "shared"})
    );
}

#[tokio::test]
async fn by_default_carts_carry_no_etag_and_if_match_is_not_checked() {
    // No Partner Center source documents an etag on carts, so the emulator invents none.
    let emulator = Emulator::new().start().await.unwrap();
    let pc = emulator.client().build().unwrap();
    let customer = pc.customer(CUSTOMER);
    let created = customer.create(&new_cart(1)).await.unwrap();
    assert_eq!(created.etag(), None);
    assert_eq!(
        created.attributes.as_ref().unwrap().object_type.as_deref(),
        Some("Cart")
    );

    // An If-Match sent by another client is not checked: the write is done.
    let id = created.id().to_string();
    let url = format!("{}/v1/customers/{CUSTOMER}/carts/{id}", emulator.url());
    let answer = support::raw_http()
        .put(&url)
        .bearer_auth("t")
        .header("If-Match", "\"not-the-etag\"")
        .json(&json!({"lineItems": [{"catalogItemId": "A:1:B", "quantity": 3, "billingCycle": "monthly"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 201);
    assert_eq!(
        emulator.cart(CUSTOMER, &id).unwrap().line_items[0].quantity,
        3
    );

    // The client sends no If-Match for a cart without an etag.
    customer
        .cart(&id)
        .modify(|c| c.line_items[0].quantity += 1)
        .await
        .unwrap();
    let put = emulator
        .received()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT")
        .unwrap();
    assert!(put.header("if-match").is_none(), "{put:?}");
    assert_eq!(
        emulator.cart(CUSTOMER, &id).unwrap().line_items[0].quantity,
        4
    );

    // A 401 carries a challenge, as the error codes page shows.
    let answer = support::raw_http().get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 401);
    assert!(
        answer.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("OAuth realm="),
        "{:?}",
        answer.headers()
    );
}

#[tokio::test]
async fn a_request_id_reused_for_a_different_request_is_refused() {
    let (emulator, pc) = started().await;
    let request_id = Uuid::new_v4();
    let customer = pc.customer(CUSTOMER);
    let first = customer
        .with_request_id(RequestId::from(request_id))
        .create(&new_cart(1))
        .await
        .unwrap();
    assert_eq!(
        customer
            .with_request_id(RequestId::from(request_id))
            .create(&new_cart(1))
            .await
            .unwrap(),
        first,
        "the same request is replayed"
    );

    let err = customer
        .with_request_id(RequestId::from(request_id))
        .create(&new_cart(2))
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.code()), (Some(400), Some(800_002)));
    assert!(
        err.to_string()
            .contains("already used for a different request"),
        "{err}"
    );
    assert_eq!(emulator.stats().replayed, 1);

    // No id given (an optional one, unset): each create is a new request, a new cart.
    let none: Option<RequestId> = None;
    let one = customer
        .with_request_id(none)
        .create(&new_cart(1))
        .await
        .unwrap();
    let two = customer
        .with_request_id(none)
        .create(&new_cart(1))
        .await
        .unwrap();
    assert_ne!(one.id(), two.id());
    let received = emulator.received();
    let ids: Vec<_> = received[received.len() - 2..]
        .iter()
        .map(|r| r.header("ms-requestid").unwrap().to_string())
        .collect();
    assert!(
        ids[0] != ids[1] && ids[0] != request_id.to_string(),
        "{ids:?}"
    );
}

#[tokio::test]
async fn it_can_accept_one_token_only_and_drop_the_byte_order_mark() {
    let emulator = Emulator::new()
        .accept_only_token("the-one")
        .byte_order_mark(false)
        .start()
        .await
        .unwrap();
    let wrong = emulator.client().build().unwrap();
    let err = wrong
        .customer(CUSTOMER)
        .create(&new_cart(1))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));

    let right = emulator.client().bearer_token("the-one").build().unwrap();
    let id = created(&right).await;
    let (status, body) = raw_checkout(&emulator, &id, "the-one").await;
    assert_eq!(status, 201);
    assert_eq!(body[0], b'{', "no byte-order mark");

    // By default it has one, as the service does.
    let (default, pc) = started().await;
    let id = created(&pc).await;
    let (_, body) = raw_checkout(&default, &id, "t").await;
    assert!(body.starts_with(b"\xEF\xBB\xBF{"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn repeats_sent_at_the_same_time_are_done_once() {
    let (emulator, pc) = started().await;
    for _ in 0..50 {
        let request_id = Uuid::new_v4();
        let send = || {
            let customer = pc.customer(CUSTOMER);
            tokio::spawn(async move {
                customer
                    .with_request_id(RequestId::from(request_id))
                    .create(&new_cart(1))
                    .await
                    .unwrap()
            })
        };
        let (a, b) = (send(), send());
        let (a, b) = (a.await.unwrap(), b.await.unwrap());
        assert_eq!(a.id, b.id, "two carts for one MS-RequestId");
    }
    assert_eq!(emulator.stats().replayed, 50);
}

/// A query the emulator cannot read is refused in the service's error shape, as JSON: 400,
/// 800002, words that say why.
#[tokio::test]
async fn a_query_it_cannot_read_is_refused_in_the_services_shape() {
    let (emulator, _pc) = started().await;
    for query in [
        "orders?include_price=null",
        "orders/f76c6b7f449d?include_price=maybe",
        "subscriptions?order_id=a/b",
    ] {
        let answer = support::raw_http()
            .get(format!(
                "{}/v1/customers/{CUSTOMER}/{query}",
                emulator.url()
            ))
            .bearer_auth("t")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{query}");
        assert!(
            answer.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{query}"
        );
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["code"], 800002, "{query}: {body}");
    }
}

/// A stopping emulator finishes the request under way (here a create whose body is still
/// arriving when the stop is asked for) and answers it; its data directory then opens again
/// with that write in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_finishes_the_request_under_way() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let dir = std::env::temp_dir().join(format!("emulator-stop-{}", Uuid::new_v4()));
    let emulator = Emulator::new().data_dir(&dir).start().await.unwrap();
    let address = emulator.url().trim_start_matches("http://").to_string();
    let body = serde_json::to_vec(&support::one_line_cart(2)).unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /v1/customers/{CUSTOMER}/carts HTTP/1.1\r\nHost: emulator\r\n\
         Authorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(first).await.unwrap();
    // Its headers are in once the emulator counts it (before it reads the body); 20 s at most.
    for _ in 0..2000 {
        if emulator.stats().requests == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(emulator.stats().requests, 1, "the request has not arrived");

    let stopping = tokio::spawn(emulator.shutdown());
    stream.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    stopping.await.unwrap();

    let cart: Value =
        serde_json::from_str(&answer[answer.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    let again = Emulator::new().data_dir(&dir).start().await.unwrap();
    let kept = again.cart(CUSTOMER, cart["id"].as_str().unwrap()).unwrap();
    assert_eq!(kept.line_items[0].quantity, 2);
    again.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
