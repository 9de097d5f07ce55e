//! Decoding and encoding a cart of 1, 100 and 1,000 line items: the crate's types (which keep
//! unknown fields and open values) beside plain serde structs that drop them. Interleaved: each
//! repetition times a batch of each, in turn, the order swapped every repetition; the table
//! gives the min, median and max of the crate's time over plain serde's.
//!
//! ```sh
//! cargo bench --bench codec [-- --reps 11]
//! ```
//!
//! For callgrind, `codec count crate|plain decode|encode LINES N` runs N of one side's
//! operation and nothing else: the difference between two counts, divided by the difference in
//! N, is one operation's instructions (`benches/instructions.sh --codec`).

#[path = "support/plain.rs"]
mod plain;
#[path = "support/ratios.rs"]
mod ratios;

use std::hint::black_box;
use std::time::{Duration, Instant};

use partner_center_carts::types::Cart;
use serde_json::{Value, json};

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

/// Times `n` runs of `work`.
fn timed(n: usize, mut work: impl FnMut()) -> Duration {
    let started = Instant::now();
    for _ in 0..n {
        work();
    }
    started.elapsed()
}

/// One untimed round, then `reps` rounds of (crate, plain), swapped every other round; the
/// crate's time over plain serde's per round, and the median time of each.
fn interleave(
    reps: usize,
    mut crate_side: impl FnMut() -> Duration,
    mut plain: impl FnMut() -> Duration,
) -> (Vec<f64>, Duration, Duration) {
    crate_side();
    plain();
    let (mut ratios, mut crate_times, mut plain_times) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..reps {
        let (c, p) = if rep % 2 == 0 {
            let c = crate_side();
            (c, plain())
        } else {
            let p = plain();
            (crate_side(), p)
        };
        ratios.push(c.as_secs_f64() / p.as_secs_f64());
        crate_times.push(c.as_secs_f64());
        plain_times.push(p.as_secs_f64());
    }
    let median = |v: Vec<f64>| Duration::from_secs_f64(ratios::median(v));
    (ratios, median(crate_times), median(plain_times))
}

/// `count SIDE OP LINES N`: N runs of one side's operation, for callgrind.
fn count(args: &[String]) {
    let [side, op, lines, n] = args else {
        panic!("usage: codec count crate|plain decode|encode LINES N");
    };
    let bytes = cart_json(lines.parse().expect("LINES"));
    let n: usize = n.parse().expect("N");
    let crate_cart: Cart = serde_json::from_slice(&bytes).unwrap();
    let plain_cart: plain::Cart = serde_json::from_slice(&bytes).unwrap();
    timed(n, || match (side.as_str(), op.as_str()) {
        ("crate", "decode") => drop(black_box(
            serde_json::from_slice::<Cart>(black_box(&bytes)).unwrap(),
        )),
        ("plain", "decode") => drop(black_box(
            serde_json::from_slice::<plain::Cart>(black_box(&bytes)).unwrap(),
        )),
        ("crate", "encode") => drop(black_box(
            serde_json::to_vec(black_box(&crate_cart)).unwrap(),
        )),
        ("plain", "encode") => drop(black_box(
            serde_json::to_vec(black_box(&plain_cart)).unwrap(),
        )),
        _ => panic!("unknown side or operation"),
    });
}

fn main() {
    let args: Vec<String> = std::env::args().filter(|a| a != "--bench").collect();
    if args.get(1).map(String::as_str) == Some("count") {
        return count(&args[2..]);
    }
    let reps = match args.iter().position(|a| a == "--reps") {
        Some(i) => args[i + 1].parse().expect("--reps N"),
        None => 11,
    };
    println!("{reps} repetitions, the order swapped each; a batch of about 50 ms per side.\n");
    println!("| benchmark | crate | plain serde | ratio min | ratio median | ratio max |");
    println!("|---|---|---|---|---|---|");
    for lines in [1, 100, 1000] {
        let bytes = cart_json(lines);
        let crate_cart: Cart = serde_json::from_slice(&bytes).unwrap();
        let plain_cart: plain::Cart = serde_json::from_slice(&bytes).unwrap();
        let n = 100_000 / lines;
        let row = |name: &str, (ratios, c, p): (Vec<f64>, Duration, Duration)| {
            let (low, middle, high) = ratios::spread(&ratios);
            let per = |d: Duration| d.as_secs_f64() / n as f64 * 1e6;
            println!(
                "| {name}, {lines} line items | {:.2} µs | {:.2} µs | {low:.3} | **{middle:.3}** | {high:.3} |",
                per(c),
                per(p)
            );
        };
        row(
            "decode",
            interleave(
                reps,
                || {
                    timed(n, || {
                        drop(black_box(
                            serde_json::from_slice::<Cart>(black_box(&bytes)).unwrap(),
                        ))
                    })
                },
                || {
                    timed(n, || {
                        drop(black_box(
                            serde_json::from_slice::<plain::Cart>(black_box(&bytes)).unwrap(),
                        ))
                    })
                },
            ),
        );
        row(
            "encode",
            interleave(
                reps,
                || {
                    timed(n, || {
                        drop(black_box(
                            serde_json::to_vec(black_box(&crate_cart)).unwrap(),
                        ))
                    })
                },
                || {
                    timed(n, || {
                        drop(black_box(
                            serde_json::to_vec(black_box(&plain_cart)).unwrap(),
                        ))
                    })
                },
            ),
        );
    }
}
