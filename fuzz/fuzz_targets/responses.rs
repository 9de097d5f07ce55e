//! Every operation's answer decoding, fed the fuzzer's status and body through the real client
//! and a loopback server: nothing may panic, and a success must come from a 2xx.
#![no_main]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, LazyLock, Mutex};

use libfuzzer_sys::fuzz_target;
use partner_center_carts::PartnerCenter;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::types::{Cart, CartLineItem};

const STATUSES: &[u16] = &[200, 201, 204, 302, 400, 401, 404, 409, 412, 429, 500, 502, 503];
const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";
const CART: &str = "65faf57b-0205-47ee-92b3-08dcf233ea73";

/// A loopback server that answers every request with the bytes in `answer`.
struct Server {
    url: String,
    answer: Arc<Mutex<Vec<u8>>>,
}

static SERVER: LazyLock<Server> = LazyLock::new(|| {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answer = Arc::new(Mutex::new(Vec::new()));
    let serving = answer.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            read_request(&mut stream);
            let bytes = serving.lock().unwrap().clone();
            let _ = stream.write_all(&bytes);
        }
    });
    Server { url, answer }
});

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
});

static CLIENT: LazyLock<PartnerCenter> = LazyLock::new(|| {
    PartnerCenter::builder()
        .base_url(&SERVER.url)
        .bearer_token("fuzz")
        .retry_policy(RetryPolicy::none())
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap()
});

/// Reads a request's head and its `content-length` body.
fn read_request(stream: &mut std::net::TcpStream) {
    let mut request = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&buf[..n]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if request.len() >= end + 4 + length {
            return;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let [status, operation, body @ ..] = data else { return };
    let status = STATUSES[*status as usize % STATUSES.len()];
    let mut answer = format!(
        "HTTP/1.1 {status} Fuzz\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body);
    *SERVER.answer.lock().unwrap() = answer;

    let cart = CLIENT.customer(CUSTOMER).cart(CART);
    let new_cart = Cart {
        line_items: vec![CartLineItem {
            catalog_item_id: "A:1:B".into(),
            quantity: 1,
            billing_cycle: "monthly".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let succeeded = RUNTIME.block_on(async {
        match operation % 4 {
            0 => CLIENT.customer(CUSTOMER).create(&new_cart).await.map(drop),
            1 => cart.get().await.map(drop),
            2 => cart.put(&new_cart).await.map(drop),
            _ => cart.checkout().await.map(drop),
        }
        .map_err(|e| e.to_string())
        .is_ok()
    });
    assert!(!succeeded || (200..300).contains(&status), "a {status} was taken for a success");
});
