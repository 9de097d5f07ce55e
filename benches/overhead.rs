//! The client's own cost, as instructions, for callgrind: N operations through the crate or
//! the hand-written baseline, against a server in another process (`pc-carts emulator`).
//! Instructions do not vary with the machine's load the way time does.
//!
//! ```sh
//! target/debug/pc-carts emulator --listen 127.0.0.1:18090 &
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/deps/overhead-* crate get 1000 http://127.0.0.1:18090
//! ```
//!
//! Run it for two counts and divide the difference by the difference in operations, so that
//! start-up cancels out (see BENCHMARKS.md). `concurrent` runs COUNT modifies in 64 tasks: give
//! it multiples of 64. Built in the project `benches/peer/generate.sh` writes (feature `peer`),
//! it also has the side `peer`, openapi-generator's Rust client, for `get` and `modify`.
// `peer` is a feature of the generated project only, not of this crate.
#![allow(unexpected_cfgs)]

#[path = "support/baseline.rs"]
mod baseline;
#[cfg(feature = "peer")]
#[path = "peer/contender.rs"]
mod peer;

use partner_center_carts::PartnerCenter;
use partner_center_carts::types::{Cart, CartLineItem};

const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";

pub fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [side, operation, count, url] = args.as_slice() else {
        eprintln!("usage: overhead crate|baseline|peer get|modify|concurrent COUNT URL");
        return;
    };
    let count: usize = count.parse().expect("a count");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let pc = PartnerCenter::builder()
            .base_url(url)
            .bearer_token("t")
            .build()
            .unwrap();
        let new_cart = Cart {
            line_items: vec![CartLineItem {
                catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
                quantity: 1,
                billing_cycle: "monthly".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let cart = pc
            .customer(CUSTOMER)
            .create(&new_cart)
            .await
            .unwrap()
            .id
            .unwrap();
        let baseline = baseline::Baseline::new(url);
        #[cfg(feature = "peer")]
        let peer = peer::Peer::new(url);
        if operation == "concurrent" {
            // 64 tasks, each on a cart of its own, as in the throughput benchmark.
            let mut carts = Vec::new();
            for _ in 0..64 {
                carts.push(
                    pc.customer(CUSTOMER)
                        .create(&new_cart)
                        .await
                        .unwrap()
                        .id
                        .unwrap(),
                );
            }
            let baseline = std::sync::Arc::new(baseline);
            let tasks: Vec<_> = carts
                .into_iter()
                .map(|cart| {
                    let (pc, baseline, side) = (pc.clone(), baseline.clone(), side.clone());
                    tokio::spawn(async move {
                        for _ in 0..count / 64 {
                            if side == "crate" {
                                let c = pc.customer(CUSTOMER).cart(&cart);
                                c.modify(|c| c.line_items[0].quantity += 1).await.unwrap();
                            } else {
                                let change = |c: &mut Cart| c.line_items[0].quantity += 1;
                                baseline.modify(CUSTOMER, &cart, change).await;
                            }
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.unwrap();
            }
            return;
        }
        for _ in 0..count {
            match (side.as_str(), operation.as_str()) {
                ("crate", "get") => drop(pc.customer(CUSTOMER).cart(&cart).get().await.unwrap()),
                ("crate", "modify") => drop(
                    pc.customer(CUSTOMER)
                        .cart(&cart)
                        .modify(|c| c.line_items[0].quantity += 1)
                        .await
                        .unwrap(),
                ),
                ("baseline", "get") => drop(baseline.get(CUSTOMER, &cart).await),
                ("baseline", "modify") => drop(
                    baseline
                        .modify(CUSTOMER, &cart, |c| c.line_items[0].quantity += 1)
                        .await,
                ),
                #[cfg(feature = "peer")]
                ("peer", "get") => drop(peer.get(CUSTOMER, &cart).await),
                #[cfg(feature = "peer")]
                ("peer", "modify") => drop(
                    peer.modify(CUSTOMER, &cart, |c| c.line_items[0].quantity += 1)
                        .await,
                ),
                _ => panic!("unknown side or operation"),
            }
        }
    });
}
