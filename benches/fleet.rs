//! A fleet of worker processes against one tenant's rate limit: 1,000 cart flows (create,
//! modify, checkout: four requests) shared by 1, 4 or 8 processes, against one emulator
//! limited to 20 requests a second per tenant, for
//!
//! - paced: the crate, each process with its own pace (the default);
//! - shared: the crate with a `SharedLimit` in Redis at the service's rate (feature `redis`);
//! - by hand: reqwest code that retries a 429 after its `Retry-After` (at most 20 an
//!   operation).
//!
//! The benchmark starts its own `redis-server` on loopback and runs each worker as a process
//! of its own (this binary again). Printed: goodput (the requests of the flows that finished,
//! four each, a second until the last worker finished, as a share of the limit), 429s as a
//! share of the requests the service received, failed flows, and when the first and the last
//! worker finished. Drawn: `benches/fleet.svg`, each worker's admitted requests a second
//! (averaged over 10 s) for four processes of 16 tasks, paced and shared.
//!
//! ```sh
//! cargo bench --bench fleet --features redis                          # about 40 minutes
//! cargo bench --bench fleet --features redis -- --configs 4x16 --only paced,shared --flows 300
//! ```

// The tests' redis-server on loopback (its `command` is for the tests).
#[path = "support/flows.rs"]
mod flows;
#[allow(dead_code)]
#[path = "../tests/support/redis.rs"]
mod redis;
#[path = "support/sdk_like.rs"]
mod sdk_like;

use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use flows::{REQUESTS_PER_FLOW, crate_flow, sdk_flow};
use partner_center_carts::PartnerCenter;
use partner_center_carts::retry::SharedLimit;
use partner_center_carts_emulator::{Emulator, Faults};
use plotters::prelude::*;
use sdk_like::SdkLike;
use serde_json::{Value, json};
use uuid::Uuid;

/// The token every worker sends: the emulator keys its limit by it, so they share a tenant.
const TOKEN: &str = "benchmark-token";
const CONTENDERS: [&str; 3] = ["paced", "shared", "by hand"];

struct Settings {
    flows: usize,
    rate: f64,
    configs: Vec<(usize, usize)>,
    only: Option<String>,
}

fn settings(args: &[String]) -> Settings {
    let mut settings = Settings {
        flows: 1000,
        rate: 20.0,
        configs: vec![(1, 64), (4, 16), (4, 64), (8, 8)],
        only: None,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--flows" => settings.flows = value.parse().expect("--flows N"),
            "--rate" => settings.rate = value.parse().expect("--rate PER_SECOND"),
            "--only" => settings.only = Some(value),
            "--configs" => {
                settings.configs = value
                    .split(',')
                    .map(|c| {
                        let (p, t) = c.split_once('x').expect("--configs PxT,...");
                        (p.parse().expect("processes"), t.parse().expect("tasks"))
                    })
                    .collect();
            }
            other => panic!("unknown argument {other}"),
        }
    }
    settings
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--worker") {
        return worker(&args[1..]);
    }
    let s = settings(&args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let redis = redis::RedisServer::start();
    println!(
        "{} flows (create, modify, checkout) shared by the workers; the emulator admits {} requests a second per tenant\n",
        s.flows, s.rate
    );
    println!(
        "| processes x tasks | contender | goodput / limit | 429s / requests | failed flows | workers finished at | last / first |"
    );
    println!("|---|---|---:|---:|---:|---|---:|");
    let mut drawn = Vec::new();
    for &(processes, tasks) in &s.configs {
        for contender in CONTENDERS {
            if s.only
                .as_deref()
                .is_some_and(|only| !only.contains(contender))
            {
                continue;
            }
            let run = runtime.block_on(fleet(&s, &redis.url(), contender, processes, tasks));
            let (first, last) = run
                .finished
                .iter()
                .fold((f64::MAX, 0f64), |(lo, hi), &t| (lo.min(t), hi.max(t)));
            let useful = ((s.flows - run.failed) * REQUESTS_PER_FLOW) as f64;
            println!(
                "| {processes} x {tasks} | {contender} | {:.3} | {:.3} | {} | {first:.0}-{last:.0} s | {:.2} |",
                useful / last / s.rate,
                run.throttled as f64 / run.requests as f64,
                run.failed,
                last / first,
            );
            std::io::stdout().flush().unwrap();
            if (processes, tasks) == (4, 16) && contender != "by hand" {
                drawn.push((contender, run.timelines));
            }
        }
    }
    if !drawn.is_empty() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/fleet.svg");
        draw(path, &drawn, s.rate).expect("the picture is drawn");
        println!("\ndrawn: benches/fleet.svg");
    }
}

struct Run {
    requests: u64,
    throttled: u64,
    failed: usize,
    /// Per worker: when it finished, in seconds from the start.
    finished: Vec<f64>,
    /// Per worker: the requests admitted in each second from the start.
    timelines: Vec<Vec<u32>>,
}

/// One fleet against a fresh emulator: `processes` workers of `tasks` tasks.
async fn fleet(s: &Settings, redis: &str, contender: &str, processes: usize, tasks: usize) -> Run {
    let emulator = Emulator::new()
        .faults(Faults::none().tenant_rate_limit(s.rate))
        .start()
        .await
        .unwrap();
    let scope = Uuid::new_v4().to_string();
    let start_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let workers: Vec<_> = (0..processes)
        .map(|i| {
            let flows = s.flows / processes + usize::from(i < s.flows % processes);
            Command::new(std::env::current_exe().unwrap())
                .arg("--worker")
                .args([contender, &emulator.url(), redis, &scope])
                .args([flows.to_string(), tasks.to_string(), s.rate.to_string()])
                .arg(&start_ms)
                .stdout(Stdio::piped())
                .spawn()
                .expect("a worker starts")
        })
        .collect();
    let mut run = Run {
        requests: 0,
        throttled: 0,
        failed: 0,
        finished: Vec::new(),
        timelines: Vec::new(),
    };
    for worker in workers {
        // Waited for off the runtime, which serves the emulator meanwhile.
        let output = tokio::task::spawn_blocking(move || worker.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(output.status.success(), "a worker failed");
        let report: Value = serde_json::from_slice(&output.stdout).expect("a worker's report");
        run.failed += report["failed"].as_u64().unwrap() as usize;
        run.finished.push(report["finished"].as_f64().unwrap());
        let timeline = report["timeline"].as_array().unwrap();
        run.timelines.push(
            timeline
                .iter()
                .map(|n| n.as_u64().unwrap() as u32)
                .collect(),
        );
    }
    let stats = emulator.stats();
    (run.requests, run.throttled) = (stats.requests, stats.throttled);
    run
}

/// A worker process: its flows from its tasks, then a JSON report on standard output.
fn worker(args: &[String]) {
    let [contender, url, redis, scope, flows, tasks, rate, start_ms] = args else {
        panic!("--worker CONTENDER URL REDIS SCOPE FLOWS TASKS RATE START_MS");
    };
    let flows: usize = flows.parse().unwrap();
    let tasks: usize = tasks.parse().unwrap();
    let rate: f64 = rate.parse().unwrap();
    let start = UNIX_EPOCH + Duration::from_millis(start_ms.parse().unwrap());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let side = Arc::new(match contender.as_str() {
        "by hand" => Side::Sdk(SdkLike::retrying_after(url)),
        _ => {
            let mut builder = PartnerCenter::builder().base_url(url).bearer_token(TOKEN);
            if contender == "shared" {
                builder =
                    builder.shared_limit(SharedLimit::redis(redis, scope).unwrap().rate(rate));
            }
            Side::Crate(builder.build().unwrap())
        }
    });
    let timeline = Arc::new(Mutex::new(Vec::<u32>::new()));
    let next = Arc::new(AtomicUsize::new(0));
    let failed = runtime.block_on(async {
        let tasks: Vec<_> = (0..tasks)
            .map(|_| {
                let (side, next, timeline) = (side.clone(), next.clone(), timeline.clone());
                tokio::spawn(async move {
                    let admitted = |requests: u32| {
                        let second = start.elapsed().unwrap_or_default().as_secs() as usize;
                        let mut timeline = timeline.lock().unwrap();
                        if timeline.len() <= second {
                            timeline.resize(second + 1, 0);
                        }
                        timeline[second] += requests;
                    };
                    let mut failed = 0;
                    while next.fetch_add(1, Ordering::Relaxed) < flows {
                        let customer = Uuid::new_v4().to_string();
                        let done = match &*side {
                            Side::Crate(pc) => crate_flow(pc, &customer, &admitted).await,
                            Side::Sdk(sdk) => sdk_flow(sdk, &customer, &admitted).await,
                        };
                        failed += usize::from(!done);
                    }
                    failed
                })
            })
            .collect();
        let mut failed = 0;
        for task in tasks {
            failed += task.await.unwrap();
        }
        failed
    });
    let finished = start.elapsed().unwrap_or_default().as_secs_f64();
    let timeline = timeline.lock().unwrap().clone();
    let report = json!({ "failed": failed, "finished": finished, "timeline": timeline });
    println!("{report}");
}

enum Side {
    Crate(PartnerCenter),
    Sdk(SdkLike),
}

/// Seconds over which the picture averages a worker's rate: turns come to a worker's tasks in
/// runs, so second by second its rate swings between nothing and the whole limit.
const AVERAGED: usize = 10;

/// A timeline's rate over the last [`AVERAGED`] seconds, at each second.
fn averaged(timeline: &[u32]) -> Vec<(f64, f64)> {
    (0..timeline.len())
        .map(|s| {
            let window = &timeline[s.saturating_sub(AVERAGED - 1)..=s];
            let sum: u32 = window.iter().sum();
            (s as f64 + 1.0, f64::from(sum) / window.len() as f64)
        })
        .collect()
}

/// Each worker's admitted requests a second, and the limit, one panel per contender.
fn draw(
    path: &str,
    runs: &[(&str, Vec<Vec<u32>>)],
    limit: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (900, 300 * runs.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let seconds = runs
        .iter()
        .flat_map(|(_, timelines)| timelines.iter().map(Vec::len))
        .max()
        .unwrap_or(1) as f64;
    for ((contender, timelines), area) in runs.iter().zip(root.split_evenly((runs.len(), 1))) {
        let mut chart = ChartBuilder::on(&area)
            .caption(
                format!(
                    "4 processes x 16 tasks, {contender}: admitted requests a second, {AVERAGED} s average"
                ),
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0f64..seconds, 0f64..limit * 1.1)?;
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc("requests / s")
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, limit), (seconds, limit)],
                BLACK.stroke_width(2),
            ))?
            .label("the limit")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        for (i, timeline) in timelines.iter().enumerate() {
            let color = Palette99::pick(i).to_rgba();
            chart
                .draw_series(LineSeries::new(averaged(timeline), color.stroke_width(2)))?
                .label(format!("worker {}", i + 1))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
