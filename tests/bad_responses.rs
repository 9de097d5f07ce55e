//! Whatever the server answers, the result is a value: never a panic, never a silent loss.

mod support;

use partner_center_carts::error::{Effect, ResponseLimit};
use partner_center_carts::types::Cart;
use partner_center_carts::{DEFAULT_MAX_RESPONSE_OBJECTS, Error, ErrorKind, PartnerCenter};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::scripted::{Answer, Scripted};
use support::*;

async fn get(pc: &PartnerCenter) -> Result<Cart, Error> {
    pc.customer(CUSTOMER).cart(CART).get().await
}

async fn answered(answer: Answer) -> Error {
    let server = Scripted::start().await;
    server.always(answer);
    get(&builder_at(&server.url).build().unwrap())
        .await
        .unwrap_err()
}

fn undecodable(err: &Error) -> (u16, &str, &str) {
    match err.kind() {
        ErrorKind::Undecodable(u) => (u.status(), u.body_prefix(), u.reason()),
        _ => panic!("expected an undecodable answer, got {err:?}"),
    }
}

#[tokio::test]
async fn a_success_without_the_expected_json_is_undecodable() {
    let cases: Vec<(Answer, &str)> = vec![
        (Answer::raw(200, ""), ""),
        (
            Answer::raw(200, "<html><body>Sign in</body></html>")
                .header("content-type", "text/html"),
            "<html>",
        ),
        (
            Answer::raw(200, r#"{"lineItems": [{"catalogItemId": "A:1:B", "quan"#),
            "{\"lineItems\"",
        ),
        (
            Answer::json(
                200,
                json!({"lineItems": [{"catalogItemId": "A", "quantity": "two", "billingCycle": "monthly"}]}),
            ),
            "{",
        ),
        (Answer::json(200, json!(null)), "null"),
        (Answer::json(200, json!({"lineItems": "none"})), "{"),
        (
            Answer::raw(200, "OK").header("content-type", "text/plain"),
            "OK",
        ),
    ];
    for (answer, starts) in cases {
        let err = answered(answer).await;
        let (status, prefix, _) = undecodable(&err);
        assert_eq!(status, 200);
        assert!(prefix.starts_with(starts), "{prefix:?}");
        assert!(
            !err.is_retryable(),
            "the operation may have happened: no blind retry"
        );
        assert!(err.request_id().is_some());
    }
}

#[tokio::test]
async fn wrong_types_say_where() {
    let err = answered(Answer::json(
        200,
        json!({"lineItems": [{"catalogItemId": "A", "quantity": "two", "billingCycle": "monthly"}]}),
    ))
    .await;
    let (_, _, reason) = undecodable(&err);
    assert!(reason.contains("invalid type: string \"two\""), "{reason}");
}

#[tokio::test]
async fn an_enormous_body_is_capped_not_read() {
    let server = Scripted::start().await;
    let huge = format!(
        "{{\"lineItems\": [], \"padding\": \"{}\"}}",
        "x".repeat(1 << 20)
    );
    server.always(Answer::raw(200, huge).header("content-type", "application/json"));
    let pc = builder_at(&server.url)
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();

    let err = get(&pc).await.unwrap_err();
    let (status, prefix, reason) = undecodable(&err);
    assert_eq!(status, 200);
    assert!(reason.contains("larger than 65536 bytes"), "{reason}");
    assert!(
        prefix.len() <= 512 && prefix.starts_with("{\"lineItems\""),
        "{}",
        prefix.len()
    );
}

#[tokio::test]
async fn an_error_status_without_json_keeps_its_meaning_and_its_first_bytes() {
    let err = answered(Answer::raw(502, "<html><h1>502 Bad Gateway</h1></html>")).await;
    let service = err.service_error().expect("a 502 is the service's error");
    assert_eq!(service.status(), 502);
    assert_eq!(
        service.raw_body(),
        Some("<html><h1>502 Bad Gateway</h1></html>")
    );
    assert!(err.is_retryable());
    assert!(
        err.to_string().contains("502 Bad Gateway, body starts"),
        "{err}"
    );

    let err = answered(Answer::raw(401, "")).await;
    assert!(matches!(err.kind(), ErrorKind::Auth(_)), "{err:?}");

    let err = answered(Answer::raw(429, "slow down").header("retry-after", "1")).await;
    assert!(matches!(err.kind(), ErrorKind::Throttled(_)), "{err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
}

#[tokio::test]
async fn a_status_the_spec_does_not_list_is_undecodable_and_redirects_are_not_followed() {
    let err = answered(Answer::raw(204, "")).await;
    assert_eq!(undecodable(&err).0, 204);

    let err = answered(Answer::raw(302, "moved").header("location", "https://evil.example/")).await;
    let (status, prefix, reason) = undecodable(&err);
    assert_eq!((status, prefix), (302, "moved"));
    assert!(reason.contains("not one the spec lists"), "{reason}");
}

/// Arbitrary JSON values, nested a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The spec's cart example with one value somewhere replaced by arbitrary JSON: close enough
/// to a cart to reach deep into the decoder.
fn perturbed_cart() -> impl Strategy<Value = Value> {
    (any::<prop::sample::Index>(), any_json()).prop_map(|(at, replacement)| {
        let mut cart = example("ActiveCart");
        let mut pointers = Vec::new();
        collect_pointers(&cart, String::new(), &mut pointers);
        let target = at.get(&pointers).clone();
        if let Some(slot) = cart.pointer_mut(&target) {
            *slot = replacement;
        }
        cart
    })
}

fn collect_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| collect_pointers(v, format!("{at}/{k}"), out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| collect_pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
}

/// Serves `body` with `status` to all four operations and checks each outcome is a value that
/// agrees with what was served.
fn check_every_decoder(status: u16, body: Vec<u8>) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Scripted::start().await;
        server.always(Answer::raw(status, body.clone()).header("content-type", "application/json"));
        let pc = builder_at(&server.url).build().unwrap();
        let cart = pc.customer(CUSTOMER).cart(CART);
        let new_cart: Cart = serde_json::from_value(example("ActiveCart")).unwrap();

        let outcomes: Vec<Result<Value, Error>> = vec![
            pc.customer(CUSTOMER)
                .create(&new_cart)
                .await
                .map(|c| serde_json::to_value(c).unwrap()),
            cart.get().await.map(|c| serde_json::to_value(c).unwrap()),
            cart.put(&new_cart)
                .await
                .map(|c| serde_json::to_value(c).unwrap()),
            cart.checkout()
                .await
                .map(|c| serde_json::to_value(c.result()).unwrap()),
        ];
        for outcome in outcomes {
            match outcome {
                // A success must be what was served, decoded without loss (a `null` member reads
                // as absent, the one normalisation the types make).
                Ok(value) => {
                    prop_assert!((200..300).contains(&status));
                    let served: Value = serde_json::from_slice(&body).unwrap();
                    prop_assert_eq!(without_nulls(value), without_nulls(served));
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    if !(200..300).contains(&status) {
                        prop_assert_eq!(e.status(), Some(status));
                    }
                }
            }
        }
        Ok(())
    })
}

/// `value` without object members whose value is `null`.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

const STATUSES: &[u16] = &[200, 201, 400, 401, 404, 409, 412, 429, 500, 502, 503];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(status in prop::sample::select(STATUSES), body in prop::collection::vec(any::<u8>(), 0..600)) {
        check_every_decoder(status, body)?;
    }

    #[test]
    fn arbitrary_json_never_panics(status in prop::sample::select(STATUSES), body in any_json()) {
        check_every_decoder(status, serde_json::to_vec(&body).unwrap())?;
    }

    #[test]
    fn a_perturbed_cart_decodes_losslessly_or_fails_cleanly(body in perturbed_cart()) {
        check_every_decoder(200, serde_json::to_vec(&body).unwrap())?;
    }
}

#[tokio::test]
async fn a_body_declared_too_long_is_not_read_at_all() {
    // A server that declares 10 MB, sends 1 KB, and then nothing: reading up to the limit
    // would wait out the time-out; stopping at the declared length does not.
    let mut answer =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10000000\r\n\r\n"
            .to_vec();
    answer.extend_from_slice(&[b' '; 1024]);
    let url = serve_raw(answer).await;
    let pc = builder_at(&url)
        .max_response_bytes(64 * 1024)
        .attempt_timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();

    let err = get(&pc).await.unwrap_err();
    let (status, _, reason) = undecodable(&err);
    assert_eq!(status, 200);
    assert!(reason.contains("larger than 65536 bytes"), "{reason}");
}

/// A server that answers one request with `answer`, bytes as they are, and keeps the
/// connection open until the client closes it; its URL.
async fn serve_raw(answer: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        socket.write_all(&answer).await.unwrap();
        while socket.read(&mut request).await.is_ok_and(|n| n > 0) {}
    });
    url
}

/// A server that answers one request with `body` in HTTP chunks of `piece` bytes, with no
/// declared length; its URL.
async fn serve_in_pieces(body: Vec<u8>, piece: usize) -> String {
    let mut answer =
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            .to_vec();
    for chunk in body.chunks(piece) {
        answer.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        answer.extend_from_slice(chunk);
        answer.extend_from_slice(b"\r\n");
    }
    answer.extend_from_slice(b"0\r\n\r\n");
    serve_raw(answer).await
}

#[tokio::test]
async fn a_body_in_pieces_is_read_whole_and_capped_all_the_same() {
    let cart = json!({
        "id": CART,
        "lineItems": [{"id": 0, "catalogItemId": "A:1:B", "quantity": 1, "billingCycle": "monthly"}],
        "status": "Active",
    });
    let body = serde_json::to_vec(&cart).unwrap();
    // In 7-byte pieces, under the limit: the whole cart, as one piece would give it.
    let url = serve_in_pieces(body.clone(), 7).await;
    let pc = builder_at(&url).build().unwrap();
    let got = get(&pc).await.unwrap();
    assert_eq!(serde_json::to_value(&got).unwrap(), cart);

    // Over the limit: an error with the first bytes, not the cart.
    let url = serve_in_pieces(body.clone(), 7).await;
    let pc = builder_at(&url)
        .max_response_bytes(body.len() - 1)
        .build()
        .unwrap();
    let err = get(&pc).await.unwrap_err();
    let (status, prefix, reason) = undecodable(&err);
    assert_eq!(status, 200);
    assert!(
        reason.contains(&format!("larger than {} bytes", body.len() - 1)),
        "{reason}"
    );
    assert!(prefix.starts_with("{\"id\""), "{prefix}");
}

/// `json::from_slice`, which reads a document as text once it is known to be UTF-8, against
/// serde_json reading the same bytes (after a byte-order mark, which it takes off): the same
/// cart or the same error, message and position.
fn decodes_as_serde_json_does(bytes: &[u8]) -> Result<(), TestCaseError> {
    use partner_center_carts::types::CartCheckoutResult;
    let stripped = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let ours = partner_center_carts::json::from_slice::<Cart>(bytes).map_err(|e| e.to_string());
    let theirs = serde_json::from_slice::<Cart>(stripped).map_err(|e| e.to_string());
    prop_assert_eq!(ours, theirs);
    let ours = partner_center_carts::json::from_slice::<CartCheckoutResult>(bytes);
    let theirs = serde_json::from_slice::<CartCheckoutResult>(stripped);
    prop_assert_eq!(
        ours.map_err(|e| e.to_string()),
        theirs.map_err(|e| e.to_string())
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn reading_text_decodes_arbitrary_bytes_as_serde_json_does(body in prop::collection::vec(any::<u8>(), 0..600)) {
        decodes_as_serde_json_does(&body)?;
    }

    #[test]
    fn reading_text_decodes_a_changed_cart_as_serde_json_does(
        body in perturbed_cart(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let mut bytes = serde_json::to_vec(&body).unwrap();
        decodes_as_serde_json_does(&bytes)?;
        // One byte of the text replaced: in a string, often one that is not UTF-8.
        let i = at.index(bytes.len());
        bytes[i] = byte;
        decodes_as_serde_json_does(&bytes)?;
    }
}

#[test]
fn reading_text_reports_bad_utf8_and_escapes_as_serde_json_does() {
    let cases: [&[u8]; 6] = [
        b"{\"id\": \"\xFF\", \"lineItems\": []}",
        b"{\"id\": \"\xC3\", \"lineItems\": []}",
        b"{\"id\": \"\\uD800\", \"lineItems\": []}",
        b"{\"id\": \"a\x01b\", \"lineItems\": []}",
        b"{\"lineItems\": [] } x",
        b"\xEF\xBB\xBF{\"lineItems\": []}",
    ];
    for bytes in cases {
        decodes_as_serde_json_does(bytes)
            .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(bytes)));
    }
}

/// A list of `n` empty orders: 3 bytes an order, each of which decodes to hundreds.
fn empty_orders(n: usize) -> String {
    format!(
        "{{\"totalCount\": {n}, \"items\": [{}]}}",
        vec!["{}"; n].join(",")
    )
}

#[tokio::test]
async fn an_answer_of_too_many_objects_is_refused_before_it_is_decoded() {
    // A million empty orders (3 MB) decoded to 800 MB before there was a bound.
    let server = Scripted::start().await;
    server.always(
        Answer::raw(200, empty_orders(1_000_000)).header("content-type", "application/json"),
    );
    let pc = builder_at(&server.url).build().unwrap();
    let err = pc.customer(CUSTOMER).orders().list().await.unwrap_err();
    let ErrorKind::Undecodable(undecodable) = err.kind() else {
        panic!("{err:?}")
    };
    assert_eq!(
        undecodable.exceeded(),
        Some(ResponseLimit::Objects(DEFAULT_MAX_RESPONSE_OBJECTS))
    );
    assert!(
        err.to_string()
            .contains("more than 100000 objects and arrays"),
        "{err}"
    );
    assert_eq!(err.attempts(), 1, "a bound is not retried");
    assert_eq!(err.effect(), Effect::None, "a list changes nothing");

    // The bound is the client's: up to it a list decodes, over it it is refused.
    let server = Scripted::start().await;
    server.then(Answer::raw(200, empty_orders(998)).header("content-type", "application/json"));
    server.then(Answer::raw(200, empty_orders(999)).header("content-type", "application/json"));
    let pc_here = || {
        builder_at(&server.url)
            .max_response_objects(1_000)
            .build()
            .unwrap()
    };
    let listed = pc_here().customer(CUSTOMER).orders().list().await.unwrap();
    assert_eq!(
        listed.orders().len(),
        998,
        "998 orders, their array and the answer: 1,000"
    );
    let err = pc_here()
        .customer(CUSTOMER)
        .orders()
        .list()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more than 1000 objects"), "{err}");
}
