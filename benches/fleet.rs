//! A fleet of worker processes against one tenant's rate limit: 1,000 cart flows (create,
//! modify, checkout: four requests) shared by 4 processes of 16 tasks and 8 of 8, against one
//! emulator limited to 20 requests a second per tenant, for
//!
//! - paced: the crate, each process with its own pace (the default);
//! - shared: the crate with a `SharedLimit` in Redis (feature `redis`), told 20 (the truth), 40,
//!   10 and nothing as its first guess, and told 20 while the emulator's limit goes from 20 to
//!   10 after a minute and back to 20 after two;
//! - by hand: reqwest code that retries a 429 after its `Retry-After` (at most 20 an
//!   operation).
//!
//! The benchmark starts its own `redis-server` on loopback and runs each worker as a process
//! of its own (this binary again). Printed: goodput (the requests of the flows that finished,
//! four each, a second until the last worker finished, as a share of what the limit admitted
//! over that time), 429s as a share of the requests the service received, failed flows, and
//! when the first and the last worker finished. Drawn: `benches/fleet.svg`, the fleet's
//! admitted requests a second (averaged over 5 s) and the limit, for each row of 4 x 16
//! shared.
//!
//! ```sh
//! cargo bench --bench fleet --features redis -- --only paced,shared   # about 45 minutes
//! cargo bench --bench fleet --features redis -- --configs 4x16 --only shared --flows 300 \
//!     --told 40,none --schedule 20=10,40=20
//! ```
//!
//! `--told` takes a list (`none`: nothing), `--schedule SECS=RATE,...` the moving row's limit
//! (`none`: no such row), `--configs PxT,...`, `--only` the contenders, `--flows`, `--rate`.

// The tests' cart and ids (its other helpers are for the tests).
#[allow(dead_code)]
#[path = "../tests/support/common.rs"]
mod common;
#[path = "support/flows.rs"]
mod flows;
// The tests' redis-server on loopback (its `command` and `restart_empty` are for the tests).
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
    /// What the shared limit meets: one row of `shared` each.
    scenarios: Vec<Scenario>,
    configs: Vec<(usize, usize)>,
    only: Option<String>,
}

/// What the shared limit is told, and how the emulator's limit moves.
#[derive(Clone)]
struct Scenario {
    /// Its first guess (`None`: nothing).
    told: Option<f64>,
    /// The emulator's limit from given seconds on.
    schedule: Vec<(f64, f64)>,
}

impl Scenario {
    fn told(&self) -> String {
        self.told.map_or("nothing".into(), |r| r.to_string())
    }

    fn limit(&self, rate: f64) -> String {
        let mut limit = rate.to_string();
        for (_, rate) in &self.schedule {
            limit += &format!(" → {rate}");
        }
        limit
    }
}

/// A schedule given as `SECS=RATE,...`.
fn schedule(value: &str) -> Vec<(f64, f64)> {
    value
        .split(',')
        .map(|step| {
            let (at, rate) = step.split_once('=').expect("--schedule SECS=RATE,...");
            (at.parse().expect("seconds"), rate.parse().expect("a rate"))
        })
        .collect()
}

fn settings(args: &[String]) -> Settings {
    let mut settings = Settings {
        flows: 1000,
        rate: 20.0,
        scenarios: Vec::new(),
        configs: vec![(4, 16), (8, 8)],
        only: None,
    };
    let mut told = vec![Some(20.0), Some(40.0), Some(10.0), None];
    // Told the truth, the limit halved for a minute and back.
    let mut moving = schedule("60=10,120=20");
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--flows" => settings.flows = value.parse().expect("--flows N"),
            "--rate" => settings.rate = value.parse().expect("--rate PER_SECOND"),
            "--told" => {
                told = value
                    .split(',')
                    .map(|t| (t != "none").then(|| t.parse().expect("--told RATE|none,...")))
                    .collect();
            }
            "--schedule" if value == "none" => moving.clear(),
            "--schedule" => moving = schedule(&value),
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
    settings.scenarios = told
        .into_iter()
        .map(|told| Scenario {
            told,
            schedule: Vec::new(),
        })
        .collect();
    if !moving.is_empty() {
        settings.scenarios.push(Scenario {
            told: Some(settings.rate),
            schedule: moving,
        });
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
        "| processes x tasks | contender | told | limit | goodput / limit | 429s / requests | failed flows | workers finished at | last / first |"
    );
    println!("|---|---|---:|---|---:|---:|---:|---|---:|");
    let mut drawn = Vec::new();
    let steady = Scenario {
        told: None,
        schedule: Vec::new(),
    };
    for &(processes, tasks) in &s.configs {
        for contender in CONTENDERS {
            if s.only
                .as_deref()
                .is_some_and(|only| !only.contains(contender))
            {
                continue;
            }
            // Only the shared limit is told anything; the others meet a steady limit.
            let scenarios = if contender == "shared" {
                s.scenarios.clone()
            } else {
                vec![steady.clone()]
            };
            for scenario in scenarios {
                let run = runtime.block_on(fleet(
                    &s,
                    &scenario,
                    &redis.url(),
                    contender,
                    processes,
                    tasks,
                ));
                let (first, last) = run
                    .finished
                    .iter()
                    .fold((f64::MAX, 0f64), |(lo, hi), &t| (lo.min(t), hi.max(t)));
                let useful = ((s.flows - run.failed) * REQUESTS_PER_FLOW) as f64;
                let told = if contender == "shared" {
                    scenario.told()
                } else {
                    "-".into()
                };
                println!(
                    "| {processes} x {tasks} | {contender} | {told} | {} | {:.3} | {:.3} | {} | {first:.0}-{last:.0} s | {:.2} |",
                    scenario.limit(s.rate),
                    useful / admissible(s.rate, &scenario.schedule, last),
                    run.throttled as f64 / run.requests as f64,
                    run.failed,
                    last / first,
                );
                std::io::stdout().flush().unwrap();
                if (processes, tasks) == (4, 16) && contender == "shared" {
                    drawn.push((scenario, run.timelines));
                }
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
async fn fleet(
    s: &Settings,
    scenario: &Scenario,
    redis: &str,
    contender: &str,
    processes: usize,
    tasks: usize,
) -> Run {
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
                .args([
                    flows.to_string(),
                    tasks.to_string(),
                    scenario.told.map_or("none".into(), |r| r.to_string()),
                ])
                .arg(&start_ms)
                .stdout(Stdio::piped())
                .spawn()
                .expect("a worker starts")
        })
        .collect();
    // The limit moved as scheduled, while the workers run.
    let started = tokio::time::Instant::now();
    let moving = async {
        for &(at, rate) in &scenario.schedule {
            tokio::time::sleep_until(started + Duration::from_secs_f64(at)).await;
            emulator.set_rate_limits(rate, 0.0);
        }
        std::future::pending::<()>().await;
    };
    let collecting = async {
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
        run
    };
    let mut run = tokio::select! {
        run = collecting => run,
        () = moving => unreachable!("the schedule never ends"),
    };
    let stats = emulator.stats();
    (run.requests, run.throttled) = (stats.requests, stats.throttled);
    run
}

/// The requests the limit admitted over the first `seconds`: `rate`, then as scheduled.
fn admissible(rate: f64, schedule: &[(f64, f64)], seconds: f64) -> f64 {
    let mut total = 0.0;
    let (mut at, mut rate) = (0.0, rate);
    for &(next, next_rate) in schedule {
        if next >= seconds {
            break;
        }
        total += (next - at) * rate;
        (at, rate) = (next, next_rate);
    }
    total + (seconds - at).max(0.0) * rate
}

/// A worker process: its flows from its tasks, then a JSON report on standard output.
fn worker(args: &[String]) {
    let [contender, url, redis, scope, flows, tasks, told, start_ms] = args else {
        panic!("--worker CONTENDER URL REDIS SCOPE FLOWS TASKS TOLD START_MS");
    };
    let flows: usize = flows.parse().unwrap();
    let tasks: usize = tasks.parse().unwrap();
    let told: Option<f64> = told.parse().ok();
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
                let mut limit = SharedLimit::redis(redis, scope).unwrap();
                if let Some(told) = told {
                    limit = limit.rate(told);
                }
                builder = builder.shared_limit(limit);
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

/// Seconds over which the picture averages the fleet's rate: turns come in runs, so second by
/// second it swings around the limit.
const AVERAGED: usize = 5;

/// The fleet's admitted requests a second (its workers' together), over the last
/// [`AVERAGED`] seconds, at each second.
fn averaged(timelines: &[Vec<u32>]) -> Vec<(f64, f64)> {
    let seconds = timelines.iter().map(Vec::len).max().unwrap_or(0);
    let total: Vec<u32> = (0..seconds)
        .map(|s| timelines.iter().filter_map(|t| t.get(s)).sum())
        .collect();
    (0..seconds)
        .map(|s| {
            let window = &total[s.saturating_sub(AVERAGED - 1)..=s];
            let sum: u32 = window.iter().sum();
            (s as f64 + 1.0, f64::from(sum) / window.len() as f64)
        })
        .collect()
}

/// The fleet's admitted requests a second and the service's limit, one panel per scenario.
fn draw(
    path: &str,
    runs: &[(Scenario, Vec<Vec<u32>>)],
    rate: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (900, 220 * runs.len() as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    let seconds = runs
        .iter()
        .flat_map(|(_, timelines)| timelines.iter().map(Vec::len))
        .max()
        .unwrap_or(1) as f64;
    for ((scenario, timelines), area) in runs.iter().zip(root.split_evenly((runs.len(), 1))) {
        let mut chart = ChartBuilder::on(&area)
            .caption(
                format!(
                    "4 x 16, shared, told {}, limit {}: admitted requests a second, {AVERAGED} s average",
                    scenario.told(),
                    scenario.limit(rate)
                ),
                ("sans-serif", 16),
            )
            .margin(8)
            .x_label_area_size(30)
            .y_label_area_size(45)
            .build_cartesian_2d(0f64..seconds, 0f64..rate * 1.3)?;
        chart
            .configure_mesh()
            .x_desc("seconds")
            .y_desc("requests / s")
            .draw()?;
        // The limit, a step at each change.
        let mut limit = vec![(0.0, rate)];
        for &(at, next) in &scenario.schedule {
            let before = limit.last().map_or(rate, |&(_, r)| r);
            limit.extend([(at, before), (at, next)]);
        }
        limit.push((seconds, limit.last().map_or(rate, |&(_, r)| r)));
        chart
            .draw_series(LineSeries::new(limit, BLACK.stroke_width(2)))?
            .label("the limit")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        let color = Palette99::pick(0).to_rgba();
        chart
            .draw_series(LineSeries::new(averaged(timelines), color.stroke_width(2)))?
            .label("admitted")
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
    }
    root.present()?;
    Ok(())
}
