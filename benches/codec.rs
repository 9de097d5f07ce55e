//! Decoding and encoding a cart of 1, 100 and 1,000 line items: the crate's types (which keep
//! unknown fields and open values) beside plain serde structs that drop them.

#[path = "support/plain.rs"]
mod plain;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use partner_center_carts::types::Cart;
use serde_json::{Value, json};
use std::hint::black_box;

/// A cart as the service sends it, with `lines` line items like the spec's example.
fn cart_json(lines: usize) -> Vec<u8> {
    let item = |i: usize| {
        json!({
            "id": i,
            "catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
            "friendlyName": "AI Builder Capacity add-on",
            "quantity": 1 + i % 7,
            "currencyCode": "USD",
            "billingCycle": "monthly",
            "termDuration": "P1M",
            "participants": [{"key": "transaction_reseller", "value": "517285"}],
            "provisioningContext": {"subscriptionId": "3D5ECED6-1151-44C7-AEE6-70A4BB725666", "scope": "shared"},
            "orderGroup": "0",
            "renewsTo": {"termDuration": "P1M"}
        })
    };
    let cart = json!({
        "id": "65faf57b-0205-47ee-92b3-08dcf233ea73",
        "creationTimestamp": "2021-08-18T07:50:12.5283432Z",
        "lastModifiedTimestamp": "2021-08-18T07:50:12.5283432Z",
        "expirationTimestamp": "2021-08-25T07:50:12.5283432Z",
        "lastModifiedUser": "2713ccd7-ea3b-470a-9cfb-451d5d0482cc",
        "status": "Active",
        "lineItems": (0..lines).map(item).collect::<Vec<Value>>(),
        "links": {"self": {"uri": "/customers/d6bf25b7/carts/65faf57b", "method": "GET", "headers": []}},
        "attributes": {"objectType": "Cart", "etag": "\"3\""}
    });
    serde_json::to_vec(&cart).unwrap()
}

fn codec(c: &mut Criterion) {
    for lines in [1, 100, 1000] {
        let bytes = cart_json(lines);
        let crate_cart: Cart = serde_json::from_slice(&bytes).unwrap();
        let plain_cart: plain::Cart = serde_json::from_slice(&bytes).unwrap();

        let mut decode = c.benchmark_group("decode");
        decode.throughput(Throughput::Bytes(bytes.len() as u64));
        decode.bench_with_input(BenchmarkId::new("crate", lines), &bytes, |b, bytes| {
            b.iter(|| serde_json::from_slice::<Cart>(black_box(bytes)).unwrap())
        });
        decode.bench_with_input(
            BenchmarkId::new("plain serde", lines),
            &bytes,
            |b, bytes| b.iter(|| serde_json::from_slice::<plain::Cart>(black_box(bytes)).unwrap()),
        );
        decode.finish();

        let mut encode = c.benchmark_group("encode");
        encode.throughput(Throughput::Bytes(bytes.len() as u64));
        encode.bench_function(BenchmarkId::new("crate", lines), |b| {
            b.iter(|| serde_json::to_vec(black_box(&crate_cart)).unwrap())
        });
        encode.bench_function(BenchmarkId::new("plain serde", lines), |b| {
            b.iter(|| serde_json::to_vec(black_box(&plain_cart)).unwrap())
        });
        encode.finish();
    }
}

criterion_group!(benches, codec);
criterion_main!(benches);
