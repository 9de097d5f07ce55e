//! What the peer (openapi-generator's Rust client, `benches/peer/generate.sh`) does with the
//! service's awkward cases, each tried for real against the emulator or a scripted loopback
//! server that records what it receives. Prints a markdown table: check, result, evidence.
//!
//! ```sh
//! bash benches/peer/generate.sh && cd target/peer/bench && cargo run --release --bin checks
//! cargo run --release --bin checks --features charset   # reqwest's `charset`: BOM dropped
//! ```

#[allow(dead_code)]
#[path = "../support/baseline.rs"]
mod baseline;
#[path = "contender.rs"]
mod contender;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use contender::Peer;
use partner_center_carts_emulator::Emulator;
use pc_peer::apis::Error;
use pc_peer::apis::carts_api::{self, CheckoutCartParams, GetCartParams};
use serde_json::{Value, json};

const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";
const CART: &str = "65faf57b-0205-47ee-92b3-08dcf233ea73";

/// A loopback server that answers from a script (status, extra header, body), the last answer
/// again when the script runs out, and records each request's method, headers and body.
#[derive(Clone, Default)]
struct Scripted {
    answers: Arc<Mutex<VecDeque<(u16, Option<(&'static str, &'static str)>, String)>>>,
    seen: Arc<Mutex<Vec<(Method, HeaderMap, Bytes)>>>,
}

async fn answer(
    State(s): State<Scripted>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    s.seen.lock().unwrap().push((method, headers, body));
    let mut answers = s.answers.lock().unwrap();
    let (status, extra, body) = if answers.len() > 1 {
        answers.pop_front().unwrap()
    } else {
        answers[0].clone()
    };
    let json = [("content-type", "application/json")];
    let mut response = (StatusCode::from_u16(status).unwrap(), json, body).into_response();
    if let Some((name, value)) = extra {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

impl Scripted {
    async fn start(
        answers: Vec<(u16, Option<(&'static str, &'static str)>, String)>,
    ) -> (Self, String) {
        let s = Scripted::default();
        *s.answers.lock().unwrap() = answers.into();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(answer).with_state(s.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (s, url)
    }
}

fn get_params(request_id: Option<&str>) -> GetCartParams {
    GetCartParams {
        customer_id: CUSTOMER.into(),
        cart_id: CART.into(),
        ms_request_id: request_id.map(String::from),
        ms_correlation_id: Some("c0ffee00-0000-4000-8000-000000000000".into()),
        x_locale: Some("en-US".into()),
        ms_contract_version: Some("v1".into()),
        ms_partner_center_client: Some("peer".into()),
        ms_partner_center_application: None,
    }
}

fn outcome<T: std::fmt::Debug, E: std::fmt::Debug>(r: &Result<T, Error<E>>) -> String {
    match r {
        Ok(_) => "Ok".into(),
        Err(Error::ResponseError(c)) => format!("Err(ResponseError, status {})", c.status),
        Err(e) => format!("Err({e:?})").replace('\n', " "),
    }
}

fn row(check: &str, result: &str, evidence: &str) {
    println!("| {check} | {result} | {} |", evidence.replace('|', "\\|"));
}

const SCRIPTED_CART: &str = r#"{"id":"65faf57b-0205-47ee-92b3-08dcf233ea73",
 "creationTimestamp":"2018-03-15T17:15:02.3840528Z","expirationTimestamp":"0001-01-01T00:00:00",
 "lineItems":[
  {"id":0,"catalogItemId":"CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P","quantity":1,"billingCycle":"monthly"},
  {"id":1,"catalogItemId":"CFQ7TTC0LFLS:0002:CFQ7TTC0KDLJ","quantity":0,"billingCycle":"annual"}],
 "status":"Active"}"#;

pub fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(checks());
}

async fn checks() {
    println!("| check | peer | evidence |\n|---|---|---|");
    let emulator = Emulator::new().start().await.unwrap();
    let peer = Peer::new(&emulator.url());
    let raw = reqwest::Client::new();
    let cart_url = |id: &str| format!("{}/v1/customers/{CUSTOMER}/carts/{id}", emulator.url());

    // The headers of one get, the peer's (as the benchmarks configure it) and the baseline's.
    let (script, url) = Scripted::start(vec![(200, None, SCRIPTED_CART.into())]).await;
    Peer::new(&url).get(CUSTOMER, CART).await;
    baseline::Baseline::new(&url).get(CUSTOMER, CART).await;
    let names = |i: usize| {
        let seen = script.seen.lock().unwrap();
        let mut names: Vec<String> = seen[i].1.keys().map(|k| k.to_string()).collect();
        names.sort();
        names.join(", ")
    };
    let (peer_names, baseline_names) = (names(0), names(1));
    row(
        "sends the baseline's headers (as the benchmarks configure it)",
        if peer_names == baseline_names {
            "yes"
        } else {
            "**no**"
        },
        &format!("peer: {peer_names}; baseline: {baseline_names}"),
    );

    // Unknown fields through get-modify-put: the emulator keeps and returns them.
    let created: Value = raw
        .post(format!("{}/v1/customers/{CUSTOMER}/carts", emulator.url()))
        .bearer_auth("t")
        .json(
            &json!({"futureCartField": {"a": 1}, "lineItems": [{"catalogItemId":
            "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1, "billingCycle": "monthly",
            "futureLineField": "kept?"}]}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let before = created.get("futureCartField").is_some()
        && created["lineItems"][0].get("futureLineField").is_some();
    peer.modify(CUSTOMER, &id, |c| c.line_items[0].quantity += 1)
        .await;
    let put = emulator
        .received()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    let put: Value = serde_json::from_slice(&put.body).unwrap();
    let after: Value = raw
        .get(cart_url(&id))
        .bearer_auth("t")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kept = after.get("futureCartField").is_some()
        && after["lineItems"][0].get("futureLineField").is_some();
    row(
        "keeps unknown fields through get-modify-put",
        if kept { "yes" } else { "**no**" },
        &format!(
            "emulator's cart had them before: {before}; the PUT body's keys: {:?}, line item's: {:?}; after: futureCartField {}, futureLineField {}",
            put.as_object().unwrap().keys().collect::<Vec<_>>(),
            put["lineItems"][0]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            after.get("futureCartField").is_some(),
            after["lineItems"][0].get("futureLineField").is_some(),
        ),
    );

    // The checkout answer, after a byte-order mark.
    let checkout = |request_id: &str| CheckoutCartParams {
        customer_id: CUSTOMER.into(),
        cart_id: id.clone(),
        ms_request_id: Some(request_id.into()),
        ms_correlation_id: None,
        x_locale: None,
        ms_contract_version: None,
        ms_partner_center_client: None,
        ms_partner_center_application: None,
        if_match: None,
        x_ms_customeruser_upn: None,
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let result = carts_api::checkout_cart(&peer.config, checkout(&request_id)).await;
    // The same MS-RequestId again: the emulator replays the first answer, which shows its bytes.
    let replay = raw
        .post(format!("{}/checkout", cart_url(&id)))
        .bearer_auth("t")
        .header("MS-RequestId", &request_id)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    row(
        "decodes the checkout answer with its byte-order mark",
        if result.is_ok() { "yes" } else { "**no**" },
        &format!(
            "answer starts {:02X?}; checkout_cart -> {} (reqwest's `charset` feature {})",
            &replay[..3],
            outcome(&result),
            if cfg!(feature = "charset") {
                "on"
            } else {
                "off"
            },
        ),
    );

    // A zone-less .NET date and a 0 quantity, through get-modify-put.
    let (script, url) = Scripted::start(vec![(200, None, SCRIPTED_CART.into())]).await;
    let scripted = Peer::new(&url);
    let got = carts_api::get_cart(&scripted.config, get_params(None)).await;
    let cart = got.as_ref().ok();
    scripted
        .modify(CUSTOMER, CART, |c| c.line_items[0].quantity += 1)
        .await;
    let put: Value =
        serde_json::from_slice(&script.seen.lock().unwrap().last().unwrap().2).unwrap();
    row(
        "decodes the zone-less date `0001-01-01T00:00:00`",
        if cart.is_some_and(|c| c.expiration_timestamp.as_deref() == Some("0001-01-01T00:00:00")) {
            "yes"
        } else {
            "**no**"
        },
        &format!(
            "`Timestamp` is generated as `{}` (no check of its pattern); get_cart -> {}, expirationTimestamp {:?}; sent back as {}",
            type_name_of(cart.map(|c| &c.expiration_timestamp)),
            outcome(&got),
            cart.and_then(|c| c.expiration_timestamp.clone()),
            put["expirationTimestamp"],
        ),
    );
    row(
        "keeps a 0 quantity",
        if cart.is_some_and(|c| c.line_items[1].quantity == 0)
            && put["lineItems"][1]["quantity"] == 0
        {
            "yes"
        } else {
            "**no**"
        },
        &format!(
            "decoded {:?}; the PUT body's second line item: {}",
            cart.map(|c| c.line_items[1].quantity),
            put["lineItems"][1]
        ),
    );

    // 429 and 503, then a success: how many requests does one call make?
    for (status, header) in [(429, ("retry-after", "0")), (503, ("retry-after", "0"))] {
        let error = r#"{"code":800002,"description":"try again"}"#.to_string();
        let (script, url) = Scripted::start(vec![
            (status, Some(header), error),
            (200, None, SCRIPTED_CART.into()),
        ])
        .await;
        let result = carts_api::get_cart(
            &Peer::new(&url).config,
            get_params(Some("11111111-1111-4111-8111-111111111111")),
        )
        .await;
        let requests = script.seen.lock().unwrap().len();
        row(
            &format!("retries {status} (Retry-After: 0)"),
            if requests > 1 && result.is_ok() {
                "yes"
            } else {
                "**no**"
            },
            &format!(
                "one get_cart call: {requests} request(s), -> {}",
                outcome(&result)
            ),
        );
    }

    // The same MS-RequestId on a retry: there is none to make; and the id is the caller's.
    let (script, url) = Scripted::start(vec![
        (503, None, "{}".into()),
        (200, None, SCRIPTED_CART.into()),
    ])
    .await;
    let config = Peer::new(&url).config;
    let _ = carts_api::get_cart(&config, get_params(None)).await;
    let _ = carts_api::get_cart(&config, get_params(None)).await;
    let seen = script.seen.lock().unwrap();
    let ids: Vec<_> = seen
        .iter()
        .map(|(_, h, _)| {
            h.get("ms-requestid")
                .map(|v| v.to_str().unwrap().to_string())
        })
        .collect();
    row(
        "sends the same MS-RequestId on a retry",
        "n/a (no retry)",
        &format!(
            "no retry is made (above); the id is a parameter the caller fills: left `None`, a 503 and the caller's second call sent MS-RequestId {ids:?}"
        ),
    );
}

fn type_name_of<T>(_: Option<&T>) -> &'static str {
    std::any::type_name::<T>()
}
