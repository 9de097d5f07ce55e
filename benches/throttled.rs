//! Throughput against a rate-limited Partner Center: 1,000 cart flows (create, modify,
//! checkout: four requests) from 64 tasks against the emulator limited to 20 requests a second
//! per tenant, for
//!
//! - (a) the crate, with its rate adaptation (the default);
//! - (b) the crate without it (`no_rate_adaptation`): every 429 waited out and retried;
//! - (c) hand-written reqwest code that behaves as the service's SDK: no retry on 429;
//! - (d) the same, retrying a 429 after its `Retry-After` (at most 20 an operation): the fix
//!   a team would write by hand.
//!
//! Each contender gets an emulator of its own (a full bucket), in this process. Printed: the
//! goodput (the requests of the flows that finished, four each, a second, as a share of the
//! limit), 429s as a share of the requests the service received, failed flows, and the 99th
//! percentile of a flow's time (finished or failed).
//!
//! ```sh
//! cargo bench --bench throttled                 # about 15 minutes
//! cargo bench --bench throttled -- --flows 200 --rate 20 --only a
//! ```

// The tests' cart and ids (its other helpers are for the tests).
#[allow(dead_code)]
#[path = "../tests/support/common.rs"]
mod common;
#[path = "support/flows.rs"]
mod flows;
#[path = "support/sdk_like.rs"]
mod sdk_like;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use flows::{REQUESTS_PER_FLOW, crate_flow, sdk_flow};
use partner_center_carts::PartnerCenter;
use partner_center_carts_emulator::{Emulator, Faults};
use sdk_like::SdkLike;
use uuid::Uuid;

struct Settings {
    flows: usize,
    tasks: usize,
    rate: f64,
    only: Option<String>,
}

fn settings() -> Settings {
    let mut settings = Settings {
        flows: 1000,
        tasks: 64,
        rate: 20.0,
        only: None,
    };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--flows" => settings.flows = value.parse().expect("--flows N"),
            "--tasks" => settings.tasks = value.parse().expect("--tasks N"),
            "--rate" => settings.rate = value.parse().expect("--rate PER_SECOND"),
            "--only" => settings.only = Some(value),
            other => panic!("unknown argument {other}"),
        }
    }
    settings
}

enum Side {
    Crate(PartnerCenter),
    Sdk(SdkLike),
}

struct Row {
    goodput: f64,
    throttled: f64,
    failed: usize,
    p99: Duration,
    elapsed: Duration,
}

async fn run(side: Arc<Side>, emulator_stats: impl Fn() -> (u64, u64), s: &Settings) -> Row {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..s.tasks)
        .map(|_| {
            let (side, next, flows) = (side.clone(), next.clone(), s.flows);
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut failed = 0;
                while next.fetch_add(1, Ordering::Relaxed) < flows {
                    let customer = Uuid::new_v4().to_string();
                    let flow = Instant::now();
                    let ok = match &*side {
                        Side::Crate(pc) => crate_flow(pc, &customer, &|_| {}).await,
                        Side::Sdk(sdk) => sdk_flow(sdk, &customer, &|_| {}).await,
                    };
                    times.push(flow.elapsed());
                    failed += usize::from(!ok);
                }
                (times, failed)
            })
        })
        .collect();
    let mut times = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (t, f) = task.await.unwrap();
        times.extend(t);
        failed += f;
    }
    let elapsed = started.elapsed();
    times.sort();
    let p99 = times[(times.len() * 99).div_ceil(100).saturating_sub(1)];
    let (requests, throttled) = emulator_stats();
    let useful = ((s.flows - failed) * REQUESTS_PER_FLOW) as f64;
    Row {
        goodput: useful / elapsed.as_secs_f64() / s.rate,
        throttled: throttled as f64 / requests as f64,
        failed,
        p99,
        elapsed,
    }
}

fn main() {
    let s = settings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{} flows (create, modify, checkout) from {} tasks; the emulator admits {} requests a second per tenant\n",
        s.flows, s.tasks, s.rate
    );
    println!("| contender | goodput / limit | 429s / requests | failed flows | p99 flow | took |");
    println!("|---|---:|---:|---:|---:|---:|");
    let contenders = [
        ("a", "(a) the crate, rate adaptation on (default)"),
        ("b", "(b) the crate, `no_rate_adaptation()`"),
        (
            "c",
            "(c) hand-written reqwest, as the service's SDK (no 429 retry)",
        ),
        (
            "d",
            "(d) hand-written reqwest, a 429 retried after its `Retry-After`",
        ),
    ];
    for (key, name) in contenders {
        if s.only.as_deref().is_some_and(|only| !only.contains(key)) {
            continue;
        }
        let row = runtime.block_on(async {
            let emulator = Emulator::new()
                .faults(Faults::none().tenant_rate_limit(s.rate))
                .start()
                .await
                .unwrap();
            let side = match key {
                "a" => Side::Crate(emulator.client().build().unwrap()),
                "b" => Side::Crate(emulator.client().no_rate_adaptation().build().unwrap()),
                "c" => Side::Sdk(SdkLike::new(&emulator.url())),
                _ => Side::Sdk(SdkLike::retrying_after(&emulator.url())),
            };
            let stats = || {
                let stats = emulator.stats();
                (stats.requests, stats.throttled)
            };
            run(Arc::new(side), stats, &s).await
        });
        println!(
            "| {name} | {:.3} | {:.3} | {} | {:.1} s | {:.0} s |",
            row.goodput,
            row.throttled,
            row.failed,
            row.p99.as_secs_f64(),
            row.elapsed.as_secs_f64()
        );
    }
}
