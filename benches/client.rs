//! The client beside a hand-written reqwest + serde_json baseline, in the same run:
//!
//! - `get`: one get against a loopback server that answers with a canned cart;
//! - `modify`: one get-modify-put against the same server;
//! - `throughput`: 10,000 modifies over 1,000 carts at 64 concurrent tasks, against the
//!   emulator; each task has carts of its own, so no modify waits on another's conflict.
//!
//! The servers run on their own thread and runtime; the client on a single-threaded runtime.

#[path = "support/baseline.rs"]
mod baseline;
#[path = "support/canned.rs"]
mod canned;

use std::sync::Arc;
use std::time::{Duration, Instant};

use baseline::Baseline;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use partner_center_carts::PartnerCenter;
use partner_center_carts::emulator::Emulator;
use partner_center_carts::types::{Cart, CartLineItem};

const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";
const CART: &str = "65faf57b-0205-47ee-92b3-08dcf233ea73";

const OPERATIONS: usize = 10_000;
const CARTS: usize = 1_000;
const TASKS: usize = 64;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn client(url: &str) -> PartnerCenter {
    PartnerCenter::builder()
        .base_url(url)
        .bearer_token("benchmark-token")
        .build()
        .unwrap()
}

fn new_cart() -> Cart {
    Cart {
        line_items: vec![CartLineItem {
            catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
            friendly_name: Some("AI Builder Capacity add-on".into()),
            quantity: 1,
            billing_cycle: "monthly".into(),
            term_duration: Some("P1M".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A cart as the emulator would answer it: ids, dates, links, etag.
fn canned_cart() -> Vec<u8> {
    let runtime = runtime();
    runtime.block_on(async {
        let emulator = Emulator::new().start().await.unwrap();
        let cart = client(&emulator.url())
            .customer(CUSTOMER)
            .create(&new_cart())
            .await
            .unwrap();
        serde_json::to_vec(&cart).unwrap()
    })
}

fn single_operations(c: &mut Criterion) {
    let url = canned::start(canned_cart());
    let runtime = runtime();
    let pc = client(&url);
    let baseline = Baseline::new(&url);

    let mut get = c.benchmark_group("get");
    get.bench_function("crate", |b| {
        b.to_async(&runtime)
            .iter(|| async { pc.customer(CUSTOMER).cart(CART).get().await.unwrap() })
    });
    get.bench_function("baseline", |b| {
        b.to_async(&runtime).iter(|| baseline.get(CUSTOMER, CART))
    });
    get.finish();

    let mut modify = c.benchmark_group("modify");
    modify.bench_function("crate", |b| {
        b.to_async(&runtime).iter(|| async {
            pc.customer(CUSTOMER)
                .cart(CART)
                .modify(|c| c.line_items[0].quantity += 1)
                .await
                .unwrap()
        })
    });
    modify.bench_function("baseline", |b| {
        b.to_async(&runtime)
            .iter(|| baseline.modify(CUSTOMER, CART, |c| c.line_items[0].quantity += 1))
    });
    modify.finish();
}

/// An emulator on its own thread and runtime, alive until the process ends.
fn emulator_url() -> String {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        runtime().block_on(async move {
            let emulator = Emulator::new().start().await.unwrap();
            url_tx.send(emulator.url()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    url_rx.recv().unwrap()
}

/// Runs `OPERATIONS` modifies in `TASKS` tasks, task `t` on the carts `t, t + TASKS, ...`.
async fn run_all<F, Fut>(carts: &Arc<Vec<String>>, modify: F) -> Duration
where
    F: Fn(String) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (carts, modify) = (carts.clone(), modify.clone());
            tokio::spawn(async move {
                let mine: Vec<&String> = carts.iter().skip(task).step_by(TASKS).collect();
                for n in (task..OPERATIONS).step_by(TASKS) {
                    modify(mine[n / TASKS % mine.len()].clone()).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

fn throughput(c: &mut Criterion) {
    let url = emulator_url();
    let runtime = runtime();
    let pc = client(&url);
    let baseline = Arc::new(Baseline::new(&url));
    let carts: Arc<Vec<String>> = Arc::new(runtime.block_on(async {
        let mut ids = Vec::with_capacity(CARTS);
        for _ in 0..CARTS {
            ids.push(
                pc.customer(CUSTOMER)
                    .create(&new_cart())
                    .await
                    .unwrap()
                    .id
                    .unwrap(),
            );
        }
        ids
    }));

    let mut group = c.benchmark_group("throughput");
    group.throughput(Throughput::Elements(OPERATIONS as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.bench_function("crate", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let (pc, carts) = (pc.clone(), carts.clone());
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let pc = pc.clone();
                    total += run_all(&carts, move |cart| {
                        let pc = pc.clone();
                        async move {
                            pc.customer(CUSTOMER)
                                .cart(cart)
                                .modify(|c| c.line_items[0].quantity += 1)
                                .await
                                .unwrap();
                        }
                    })
                    .await;
                }
                total
            }
        })
    });
    group.bench_function("baseline", |b| {
        b.to_async(&runtime).iter_custom(|iterations| {
            let (baseline, carts) = (baseline.clone(), carts.clone());
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let baseline = baseline.clone();
                    total += run_all(&carts, move |cart| {
                        let baseline = baseline.clone();
                        async move {
                            baseline
                                .modify(CUSTOMER, &cart, |c| c.line_items[0].quantity += 1)
                                .await;
                        }
                    })
                    .await;
                }
                total
            }
        })
    });
    group.finish();
}

criterion_group!(benches, single_operations, throughput);
criterion_main!(benches);
