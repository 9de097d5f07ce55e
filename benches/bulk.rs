//! A batch job (feature `journal`): the bulk runner at the service's rate limit, and what its
//! journal costs a write.
//!
//! - **throughput**: `--pieces` purchases (create a cart, check it out: two writes each) over
//!   `--customers` customers, done by `bulk::Runner` at `--concurrency` through a client with
//!   its defaults (rate adaptation on) and a SQLite journal, against the emulator limited to
//!   `--rate` requests a second per tenant. Printed: the goodput (the requests of the pieces
//!   done, a second, as a share of the limit), 429s as a share of the requests the emulator
//!   received, failed pieces, the time taken; the orders placed against the pieces (each made
//!   exactly once); what a second run of the same batch sent (nothing: every piece already
//!   done); and the journal's size once the client is dropped. A list (`--concurrency
//!   8,16,64`) runs each in turn, each with an emulator and a journal of its own. The
//!   emulator answers within a millisecond; `--latency MS` delays every request, as a distant
//!   service would, which is when the concurrency matters (`--latency 500`: a request's answer
//!   takes half a second, so 8 pieces at a time cannot make 20 requests a second).
//! - **cost**: the same purchases with and without a journal, against an emulator without a
//!   limit, interleaved: each round times `--writes` writes per contender, the contenders'
//!   order swapped every round, first one at a time, then 16 at once; the per-write
//!   difference of each round, min / median / max over `--rounds` rounds. Beside it, what the
//!   journal's time is made of, interleaved the same way: one SQLite commit (`Journal::finish`,
//!   a small row written and the write-ahead log flushed; then a row of 1.5 KB, the size of a
//!   checkout's entry), one read (`Journal::finished`), and the disk's own flush (a small
//!   append and `fdatasync`) in the same directory. Last, the journal's bytes a write: its
//!   file, once the client is dropped (SQLite then folds the write-ahead log into it), over the
//!   writes it holds.
//!
//! The journals go in a directory under `--dir` (the system's temporary directory unless
//! told), removed at the end unless `--keep`.
//!
//! ```sh
//! cargo bench --bench bulk --features journal          # about 2 minutes
//! cargo bench --bench bulk --features journal -- --only throughput --pieces 200 --concurrency 8,16,64
//! cargo bench --bench bulk --features journal -- --only throughput --concurrency 8,16,64 --latency 500
//! cargo bench --bench bulk --features journal -- --only cost --writes 200 --rounds 11
//! ```

// The tests' cart and ids (its other helpers are for the tests).
#[allow(dead_code)]
#[path = "../tests/support/common.rs"]
mod common;
#[path = "support/ratios.rs"]
mod ratios;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use partner_center_carts::PartnerCenter;
use partner_center_carts::bulk::Runner;
use partner_center_carts::journal::Journal;
use partner_center_carts::types::Cart;
use partner_center_carts_emulator::{Emulator, Faults};

use common::one_line_cart;

/// Writes a purchase makes: create the cart, check it out.
const WRITES_PER_PIECE: usize = 2;
/// Tasks at once in the cost's second setting.
const AT_ONCE: usize = 16;

struct Settings {
    pieces: usize,
    customers: usize,
    rate: f64,
    latency: Duration,
    concurrency: Vec<usize>,
    writes: usize,
    rounds: usize,
    only: Option<String>,
    dir: PathBuf,
    keep: bool,
}

fn settings() -> Settings {
    let mut settings = Settings {
        pieces: 1000,
        customers: 100,
        rate: 20.0,
        latency: Duration::ZERO,
        concurrency: vec![16],
        writes: 200,
        rounds: 11,
        only: None,
        dir: std::env::temp_dir(),
        keep: false,
    };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(flag) = args.next() {
        if flag == "--keep" {
            settings.keep = true;
            continue;
        }
        let value = args.next().unwrap_or_default();
        match flag.as_str() {
            "--pieces" => settings.pieces = value.parse().expect("--pieces N"),
            "--customers" => settings.customers = value.parse().expect("--customers N"),
            "--rate" => settings.rate = value.parse().expect("--rate PER_SECOND"),
            "--latency" => {
                settings.latency = Duration::from_millis(value.parse().expect("--latency MS"));
            }
            "--concurrency" => {
                settings.concurrency = value
                    .split(',')
                    .map(|c| c.trim().parse().expect("--concurrency N[,N...]"))
                    .collect();
            }
            "--writes" => settings.writes = value.parse().expect("--writes N (even)"),
            "--rounds" => settings.rounds = value.parse().expect("--rounds N"),
            "--only" => settings.only = Some(value),
            "--dir" => settings.dir = PathBuf::from(value),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(settings.customers > 0 && settings.pieces > 0 && settings.rounds > 0);
    assert!(settings.writes >= WRITES_PER_PIECE);
    settings
}

fn customer(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

/// A directory of its own under `base`.
fn scratch(base: &Path, name: &str) -> PathBuf {
    let dir = base.join(format!(
        "pcc-bench-bulk-{}-{name}-{:x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn done_with(dir: &Path, s: &Settings) {
    if s.keep {
        println!("(kept: {})", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// The bytes of the journal at `path`: the database, and its write-ahead log if any.
fn journal_bytes(path: &Path) -> (u64, u64) {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    (size(path), size(Path::new(&wal)))
}

/// `n` purchases over `customers` customers, as `pc-carts bulk` reads them.
fn batch(n: usize, customers: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            serde_json::json!({
                "key": format!("bench-piece-{i}"),
                "customer": customer(i % customers),
                "lineItems": [{
                    "catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P",
                    "quantity": 1 + i % 3,
                    "billingCycle": "monthly",
                    "termDuration": "P1M",
                }],
            })
            .to_string()
        })
        .collect()
}

fn throughput(runtime: &tokio::runtime::Runtime, s: &Settings) {
    println!(
        "## throughput: {} purchases ({} writes) over {} customers; the emulator admits {} requests a second per tenant{}\n",
        s.pieces,
        s.pieces * WRITES_PER_PIECE,
        s.customers,
        s.rate,
        match s.latency.as_millis() {
            0 => String::new(),
            ms => format!(", each answered after {ms} ms"),
        }
    );
    println!(
        "| concurrency | goodput / limit | 429s / requests | requests received | failed pieces | unknown | took | orders / pieces | run again: already done, requests sent | journal (db + WAL) | a piece |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|");
    for &concurrency in &s.concurrency {
        runtime.block_on(throughput_at(s, concurrency));
    }
    println!();
}

async fn throughput_at(s: &Settings, concurrency: usize) {
    let emulator = Emulator::new()
        .faults(Faults::none().tenant_rate_limit(s.rate).latency(s.latency))
        .start()
        .await
        .unwrap();
    let dir = scratch(&s.dir, &format!("throughput-{concurrency}"));
    let path = dir.join("journal.sqlite3");
    let pc = emulator
        .client()
        .journal(Journal::sqlite(&path).unwrap())
        .build()
        .unwrap();
    let runner = Runner::new(&pc).unwrap().concurrency(concurrency);
    let lines = batch(s.pieces, s.customers);

    let started = Instant::now();
    let summary = runner.run(lines.clone(), |_| {}).await;
    let elapsed = started.elapsed();
    let stats = emulator.stats();
    let orders: usize = (0..s.customers.min(s.pieces))
        .map(|c| emulator.orders(&customer(c)).len())
        .sum();

    // The same batch again: every piece done, so nothing is sent.
    let again = runner.run(lines, |_| {}).await;
    let sent_again = emulator.stats().requests - stats.requests;

    drop((runner, pc));
    let (db, wal) = journal_bytes(&path);
    let useful = (summary.done * WRITES_PER_PIECE) as f64;
    let goodput = useful / elapsed.as_secs_f64() / s.rate;
    let exactly_once = if orders == s.pieces && stats.evicted == 0 {
        "yes"
    } else {
        "**NO**"
    };
    println!(
        "| {concurrency} | {goodput:.3} | {:.3} ({} of {}) | {} | {} | {} | {:.1} s | {orders} / {} (exactly once: {exactly_once}) | {}, {sent_again} | {:.0} KiB + {wal} B | {:.0} B |",
        stats.throttled as f64 / stats.requests as f64,
        stats.throttled,
        stats.requests,
        stats.requests,
        summary.failed,
        summary.unknown,
        elapsed.as_secs_f64(),
        s.pieces,
        again.already_done,
        db as f64 / 1024.0,
        (db + wal) as f64 / s.pieces as f64,
    );
    if summary.done != s.pieces || again.already_done != s.pieces {
        println!("  (first run: {summary:?}; again: {again:?})");
    }
    emulator.shutdown().await;
    done_with(&dir, s);
}

/// One purchase under the key `key` (two writes): as the bulk runner does it, without the
/// runner's own bookkeeping. Without a journal, `work` changes nothing.
async fn purchase(pc: &PartnerCenter, key: String, customer_id: &str, cart: &Cart) {
    let work = pc.work(key);
    let customer = work.customer(customer_id);
    let created = customer.create(cart).await.expect("create");
    let placed = customer
        .cart(created.id())
        .checkout()
        .await
        .expect("checkout");
    assert!(placed.is_complete());
}

/// The time of `pieces` purchases, `at_once` at a time, keyed `prefix-i`.
async fn purchases(
    pc: &PartnerCenter,
    prefix: &str,
    pieces: usize,
    at_once: usize,
    customers: usize,
) -> Duration {
    let cart = Arc::new(one_line_cart(1));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..at_once)
        .map(|_| {
            let (pc, cart, next, prefix) =
                (pc.clone(), cart.clone(), next.clone(), prefix.to_string());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= pieces {
                        break;
                    }
                    let key = format!("{prefix}-{i}");
                    purchase(&pc, key, &customer(i % customers), &cart).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    started.elapsed()
}

/// min / median / max, in the unit `scale` makes of seconds.
fn row(values: &[f64], scale: f64, digits: usize) -> String {
    let (low, median, high) = ratios::spread(values);
    format!(
        "{:.digits$} / **{:.digits$}** / {:.digits$}",
        low * scale,
        median * scale,
        high * scale
    )
}

fn cost(runtime: &tokio::runtime::Runtime, s: &Settings) {
    let pieces = s.writes / WRITES_PER_PIECE;
    let writes = pieces * WRITES_PER_PIECE;
    let dir = scratch(&s.dir, "cost");
    let path = dir.join("journal.sqlite3");
    let raw_path = dir.join("commits.sqlite3");
    let flushed_path = dir.join("flushed");
    println!(
        "## cost: {writes} writes ({pieces} purchases) per contender a round, {} rounds (and one not counted), against an emulator without a limit; journals in {}\n",
        s.rounds,
        s.dir.display()
    );
    let (journaled_writes, per_write, raw) = runtime.block_on(async {
        let emulator = Emulator::new().start().await.unwrap();
        let journaled = emulator
            .client()
            .journal(Journal::sqlite(&path).unwrap())
            .build()
            .unwrap();
        let plain = emulator.client().build().unwrap();
        let contenders = [("journaled", &journaled), ("plain", &plain)];
        // Per setting (one at a time, 16 at once): per contender, each round's seconds a write.
        let mut per_write = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
        let mut journaled_writes = 0;
        // The parts of the journal's cost: a commit (of a small row, of a large one), a read,
        // the disk's flush.
        let commits = Journal::sqlite(&raw_path).unwrap();
        let mut flushed = std::fs::File::create(&flushed_path).unwrap();
        let mut raw = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        // About a checkout's entry: its answer, and the rest of the row.
        let large = format!("{{\"answer\":\"{}\"}}", "x".repeat(1500));
        for round in 0..=s.rounds {
            for (setting, at_once) in [1, AT_ONCE].into_iter().enumerate() {
                let mut order = [0, 1];
                if round % 2 == 1 {
                    order.reverse();
                }
                for c in order {
                    let (name, pc) = contenders[c];
                    let prefix = format!("r{round}-{at_once}-{name}");
                    let took = purchases(pc, &prefix, pieces, at_once, s.customers).await;
                    if c == 0 {
                        journaled_writes += writes;
                    }
                    if round > 0 {
                        per_write[setting][c].push(took.as_secs_f64() / writes as f64);
                    }
                }
            }
            let mut parts = [0, 1, 2, 3];
            parts.rotate_left(round % 4);
            for part in parts {
                let started = Instant::now();
                for i in 0..writes {
                    let key = format!("r{round}-{i}");
                    match part {
                        0 => commits.finish(&key, "{\"done\":true}").await.unwrap(),
                        1 => commits
                            .finish(&format!("{key}-large"), &large)
                            .await
                            .unwrap(),
                        2 => drop(commits.finished(&key).await.unwrap()),
                        _ => {
                            use std::io::Write;
                            flushed.write_all(&[b'.'; 64]).unwrap();
                            flushed.sync_data().unwrap();
                        }
                    }
                }
                if round > 0 {
                    raw[part].push(started.elapsed().as_secs_f64() / writes as f64);
                }
            }
        }
        emulator.shutdown().await;
        (journaled_writes, per_write, raw)
    });

    println!(
        "| setting | plain, a write | journaled, a write | journaled - plain, a write (min / **median** / max) | journaled / plain |"
    );
    println!("|---|---:|---:|---|---|");
    for (setting, name) in ["one at a time", "16 at once"].iter().enumerate() {
        let [journaled, plain] = &per_write[setting];
        let differences: Vec<f64> = journaled.iter().zip(plain).map(|(j, p)| j - p).collect();
        let times: Vec<f64> = journaled.iter().zip(plain).map(|(j, p)| j / p).collect();
        println!(
            "| {name} | {:.0} µs | {:.0} µs | {} µs | {} |",
            ratios::median(plain.clone()) * 1e6,
            ratios::median(journaled.clone()) * 1e6,
            row(&differences, 1e6, 0),
            row(&times, 1.0, 2),
        );
    }
    println!();
    println!("| one of | time (min / **median** / max over rounds) |");
    println!("|---|---|");
    for (part, name) in [
        "SQLite commit (`Journal::finish`: one row, the log flushed)",
        "SQLite commit of a row of 1.5 KB",
        "SQLite read (`Journal::finished`)",
        "the disk's flush (64 bytes appended, `fdatasync`)",
    ]
    .iter()
    .enumerate()
    {
        println!("| {name} | {} µs |", row(&raw[part], 1e6, 0));
    }
    // The client and its journal are dropped: SQLite has folded its log into the file.
    let (db, wal) = journal_bytes(&path);
    println!(
        "\njournal: {journaled_writes} writes ({} purchases) in {db} B + {wal} B of log: {:.0} B a write\n",
        journaled_writes / WRITES_PER_PIECE,
        (db + wal) as f64 / journaled_writes as f64
    );
    done_with(&dir, s);
}

fn main() {
    let s = settings();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let wanted = |part: &str| s.only.as_deref().is_none_or(|only| only == part);
    if wanted("throughput") {
        throughput(&runtime, &s);
    }
    if wanted("cost") {
        cost(&runtime, &s);
    }
}
