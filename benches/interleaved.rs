//! Wall clock, interleaved: the contenders in one process, their order rotated every repetition
//! (A B C, then B C A, ...), so that the load of a shared machine falls on each alike. Each
//! repetition runs a fixed batch per contender; its ratio is the contender's time over the
//! hand-written baseline's in the same repetition, and the table gives the min, median and max
//! of those ratios, and the median times.
//!
//! - `get`: 2,000 gets against a loopback server answering a canned cart (as in `client.rs`);
//! - `modify`: 1,000 get-modify-puts against the same server;
//! - `throughput`: 10,000 modifies over 1,000 carts in 64 tasks, against the in-process emulator.
//!
//! Contenders: the hand-written baseline (`support/baseline.rs`), the crate, and, built by the
//! project `benches/peer/generate.sh` writes (feature `peer`), openapi-generator's Rust client.
//!
//! ```sh
//! cargo bench --bench interleaved [-- --reps 11]
//! bash benches/peer/generate.sh && cd target/peer/bench && cargo run --release --bin interleaved
//! ```
// `peer` is a feature of the generated project only, not of this crate.
#![allow(unexpected_cfgs)]

#[path = "support/baseline.rs"]
mod baseline;
#[path = "support/canned.rs"]
mod canned;
#[cfg(feature = "peer")]
#[path = "peer/contender.rs"]
mod peer;
#[path = "support/ratios.rs"]
mod ratios;

use std::sync::Arc;
use std::time::{Duration, Instant};

use baseline::Baseline;
use partner_center_carts::PartnerCenter;
use partner_center_carts::types::{Cart, CartLineItem};
use partner_center_carts_emulator::Emulator;

const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";
const GETS: usize = 2_000;
const MODIFIES: usize = 1_000;
const OPERATIONS: usize = 10_000;
const CARTS: usize = 1_000;
const TASKS: usize = 64;

#[derive(Clone)]
enum Contender {
    Baseline(Arc<Baseline>),
    Crate(PartnerCenter),
    #[cfg(feature = "peer")]
    Peer(Arc<peer::Peer>),
}

impl Contender {
    /// Every contender, the baseline first, all on the server at `url`.
    fn all(url: &str) -> Vec<Contender> {
        vec![
            Contender::Baseline(Arc::new(Baseline::new(url))),
            Contender::Crate(client(url)),
            #[cfg(feature = "peer")]
            Contender::Peer(Arc::new(peer::Peer::new(url))),
        ]
    }

    fn name(&self) -> &'static str {
        match self {
            Contender::Baseline(_) => "baseline (reqwest by hand)",
            Contender::Crate(_) => "crate",
            #[cfg(feature = "peer")]
            Contender::Peer(_) => "peer (openapi-generator rust)",
        }
    }

    async fn get(&self, cart: &str) {
        match self {
            Contender::Baseline(b) => drop(b.get(CUSTOMER, cart).await),
            Contender::Crate(pc) => drop(pc.customer(CUSTOMER).cart(cart).get().await.unwrap()),
            #[cfg(feature = "peer")]
            Contender::Peer(p) => drop(p.get(CUSTOMER, cart).await),
        }
    }

    async fn modify(&self, cart: &str) {
        match self {
            Contender::Baseline(b) => drop(
                b.modify(CUSTOMER, cart, |c| c.line_items[0].quantity += 1)
                    .await,
            ),
            Contender::Crate(pc) => drop(
                pc.customer(CUSTOMER)
                    .cart(cart)
                    .modify(|c| c.line_items[0].quantity += 1)
                    .await
                    .unwrap(),
            ),
            #[cfg(feature = "peer")]
            Contender::Peer(p) => drop(
                p.modify(CUSTOMER, cart, |c| c.line_items[0].quantity += 1)
                    .await,
            ),
        }
    }
}

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

/// A cart as the emulator answers it (ids, dates, links), for the canned server, and its id
/// (the crate checks that the cart answered is the one asked for).
async fn canned_cart(emulator: &str) -> (String, Vec<u8>) {
    let cart = client(emulator)
        .customer(CUSTOMER)
        .create(&new_cart())
        .await
        .unwrap();
    (cart.id.clone().unwrap(), serde_json::to_vec(&cart).unwrap())
}

/// `OPERATIONS` modifies in `TASKS` tasks, task `t` on the carts `t, t + TASKS, ...`.
async fn throughput(contender: &Contender, carts: &Arc<Vec<String>>) -> Duration {
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (carts, contender) = (carts.clone(), contender.clone());
            tokio::spawn(async move {
                let mine: Vec<&String> = carts.iter().skip(task).step_by(TASKS).collect();
                for n in (task..OPERATIONS).step_by(TASKS) {
                    contender.modify(mine[n / TASKS % mine.len()]).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

/// One untimed round, then `reps` timed ones, the order rotated each time: times[contender][rep].
async fn interleave(
    contenders: &[Contender],
    reps: usize,
    batch: impl AsyncFn(&Contender) -> Duration,
) -> Vec<Vec<Duration>> {
    for contender in contenders {
        batch(contender).await;
    }
    let mut times = vec![Vec::with_capacity(reps); contenders.len()];
    for rep in 0..reps {
        for i in 0..contenders.len() {
            let k = (rep + i) % contenders.len();
            times[k].push(batch(&contenders[k]).await);
        }
    }
    times
}

/// The table's rows for one benchmark: contender 0 is the baseline.
fn rows(benchmark: &str, ops: usize, contenders: &[Contender], times: &[Vec<Duration>]) {
    let secs = |d: &Duration| d.as_secs_f64();
    for (contender, mine) in contenders.iter().zip(times) {
        let middle = ratios::median(mine.iter().map(secs).collect());
        let absolute = if benchmark == "throughput" {
            format!("{:.0} ops/s", ops as f64 / middle)
        } else {
            format!("{:.1} µs/op", middle / ops as f64 * 1e6)
        };
        let each: Vec<f64> = mine
            .iter()
            .zip(&times[0])
            .map(|(t, b)| secs(t) / secs(b))
            .collect();
        let (low, middle, high) = ratios::spread(&each);
        println!(
            "| {benchmark} | {} | {absolute} | {low:.3} | **{middle:.3}** | {high:.3} |",
            contender.name(),
        );
    }
}

pub fn main() {
    let args: Vec<String> = std::env::args().collect();
    let reps = match args.iter().position(|a| a == "--reps") {
        Some(i) => args[i + 1].parse().expect("--reps N"),
        None => 11,
    };
    let runtime = runtime();
    let emulator = emulator_url();
    let (cart, answer) = runtime.block_on(canned_cart(&emulator));
    let canned = canned::start(answer);
    let carts: Arc<Vec<String>> = Arc::new(runtime.block_on(async {
        let customer = client(&emulator);
        let mut ids = Vec::with_capacity(CARTS);
        for _ in 0..CARTS {
            let cart = customer
                .customer(CUSTOMER)
                .create(&new_cart())
                .await
                .unwrap();
            ids.push(cart.id.unwrap());
        }
        ids
    }));

    println!(
        "{reps} repetitions, order rotated each; per repetition and contender: {GETS} gets, \
         {MODIFIES} modifies, {OPERATIONS} modifies over {CARTS} carts in {TASKS} tasks.\n"
    );
    println!("| benchmark | contender | median | ratio min | ratio median | ratio max |");
    println!("|---|---|---|---|---|---|");
    let on_canned = Contender::all(&canned);
    let times = runtime.block_on(interleave(&on_canned, reps, async |c| {
        let started = Instant::now();
        for _ in 0..GETS {
            c.get(&cart).await;
        }
        started.elapsed()
    }));
    rows("get", GETS, &on_canned, &times);
    let times = runtime.block_on(interleave(&on_canned, reps, async |c| {
        let started = Instant::now();
        for _ in 0..MODIFIES {
            c.modify(&cart).await;
        }
        started.elapsed()
    }));
    rows("modify", MODIFIES, &on_canned, &times);
    let on_emulator = Contender::all(&emulator);
    let times = runtime.block_on(interleave(&on_emulator, reps, async |c| {
        throughput(c, &carts).await
    }));
    rows("throughput", OPERATIONS, &on_emulator, &times);
    println!("\n(ratio: the contender's time over the baseline's in the same repetition)");
}
