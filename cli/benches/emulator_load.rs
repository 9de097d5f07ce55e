//! A load test of the emulator as a server: the `pc-carts emulator` binary in its own process,
//! driven over loopback HTTP by C concurrent tasks until N requests are sent. Each request is
//! one of 25% create, 40% get, 25% update (the whole cart) and 10% checkout (a create when the
//! task has no cart yet), over K customers; each task works on its own few carts. A share of the
//! creates and updates can send a cart of about 2 MB (5,000 line items with long names).
//!
//! It measures requests per second and the server's memory: its peak resident set (`VmHWM`)
//! and its resident set at the end (`VmRSS`), from `/proc/<pid>/status` (Linux only), with the
//! resident set sampled every 100 ms to show whether it levels off. It counts the answers by
//! class (4xx by status and code: 400 / 800065 after a repeated checkout and 404 / 800008 for a
//! cart forgotten are expected; 409 and 412 are not, since nothing here sends `If-Match` or
//! injects faults), prints a markdown table on stdout, and exits with 1 on any 5xx, transport
//! error or unreadable answer. Client and server share the machine, so the figure is of both.
//!
//! ```text
//! cargo bench -p pc-carts --bench emulator_load -- --requests 100000
//! cargo bench -p pc-carts --bench emulator_load -- --requests 100000 --large-share 0.01
//! ```
//!
//! Options, after `--`: `--requests N` (100000), `--connections C` (64), `--large-share F`
//! (0.0), `--customers K` (1000), `--data-dir DIR` (the emulator's SQLite directory; none by
//! default, state in memory). Other flags, such as the `--bench` cargo passes, are ignored.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use uuid::Uuid;

const CATALOG_ITEM: &str = "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P";
const SMALL_CART: &str = r#"{"lineItems":[{"catalogItemId":"CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P","quantity":1,"billingCycle":"monthly"}]}"#;
/// The large cart: this many line items, their names long enough to make it about this size.
const LARGE_ITEMS: usize = 5_000;
const LARGE_BYTES: usize = 2_000_000;
/// The carts a task keeps working on; the oldest is dropped when a create adds one more.
const CARTS_PER_TASK: usize = 8;
/// Task i draws its mix from this seed plus i, so two runs send the same sequence per task.
const SEED: u64 = 0x00c0_ffee_5eed;
const SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// Long enough for a 2 MB write queued behind others; a hung request is counted, not waited on.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the load; true when every answer was a 2xx or a 4xx.
fn run() -> Result<bool, String> {
    let options = Options::parse(std::env::args().skip(1))?;
    let large = if options.large_share > 0.0 {
        Some(large_cart()?)
    } else {
        None
    };
    let server = Server::start(options.data_dir.as_deref())?;
    let pid = server.child.id();

    // reqwest is built without a default TLS provider and its builder wants one, even for http.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.connections)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let load = Arc::new(Load {
        http,
        base: server.url.clone(),
        requests: options.requests,
        sent: AtomicUsize::new(0),
        customers: options.customers,
        large_share: options.large_share,
        small: Bytes::from_static(SMALL_CART.as_bytes()),
        large,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;

    let sampler = Sampler::start(pid);
    let started = Instant::now();
    let tally = runtime.block_on(async {
        let tasks: Vec<_> = (0..options.connections)
            .map(|index| tokio::spawn(task(Arc::clone(&load), index)))
            .collect();
        let mut total = Tally::default();
        for task in tasks {
            total.add(task.await.map_err(|e| format!("a load task failed: {e}"))?);
        }
        Ok::<_, String>(total)
    })?;
    let elapsed = started.elapsed();
    let samples = sampler.stop();
    // Read before the server is stopped: a dead process has no resident set.
    let peak = status_kib(pid, "VmHWM");
    let end = status_kib(pid, "VmRSS");
    drop(server);

    report(&options, elapsed, peak, end, &samples, &tally);
    Ok(tally.server_errors.is_empty() && tally.transport == 0 && tally.unreadable == 0)
}

struct Options {
    requests: usize,
    connections: usize,
    large_share: f64,
    customers: u64,
    data_dir: Option<String>,
}

impl Options {
    /// `--name value` or `--name=value`; anything else is ignored.
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut options = Self {
            requests: 100_000,
            connections: 64,
            large_share: 0.0,
            customers: 1_000,
            data_dir: None,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name.to_string(), Some(value.to_string())),
                None => (arg, None),
            };
            let known = [
                "--requests",
                "--connections",
                "--large-share",
                "--customers",
                "--data-dir",
            ];
            if !known.contains(&name.as_str()) {
                continue;
            }
            let Some(value) = inline.or_else(|| args.next()) else {
                return Err(format!("{name} needs a value"));
            };
            match name.as_str() {
                "--requests" => options.requests = number(&name, &value)?,
                "--connections" => options.connections = number(&name, &value)?,
                "--large-share" => options.large_share = number(&name, &value)?,
                "--customers" => options.customers = number(&name, &value)?,
                _ => options.data_dir = Some(value),
            }
        }
        if options.connections == 0 || options.customers == 0 {
            return Err("--connections and --customers must be at least 1".to_string());
        }
        if !(0.0..=1.0).contains(&options.large_share) {
            return Err("--large-share must be between 0 and 1".to_string());
        }
        Ok(options)
    }
}

fn number<T: FromStr>(name: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{name}: {value:?} is not a number"))
}

/// A cart of about 2 MB: many line items, each with a long `friendlyName`.
fn large_cart() -> Result<Bytes, String> {
    let item = |name: &str| {
        serde_json::json!({
            "catalogItemId": CATALOG_ITEM,
            "friendlyName": name,
            "quantity": 1,
            "billingCycle": "monthly",
        })
    };
    let encode = |value: &serde_json::Value| {
        serde_json::to_vec(value).map_err(|e| format!("cannot encode the large cart: {e}"))
    };
    // The bytes of an item with an empty name, and the comma between items.
    let bare = encode(&item(""))?.len() + 1;
    let name: String = "AI Builder Capacity add-on "
        .chars()
        .cycle()
        .take((LARGE_BYTES / LARGE_ITEMS).saturating_sub(bare))
        .collect();
    let items: Vec<_> = (0..LARGE_ITEMS).map(|_| item(&name)).collect();
    let body = encode(&serde_json::json!({ "lineItems": items }))?;
    let about = LARGE_BYTES * 95 / 100..=LARGE_BYTES * 105 / 100;
    if !about.contains(&body.len()) {
        return Err(format!(
            "the large cart is {} bytes, not about {LARGE_BYTES}",
            body.len()
        ));
    }
    Ok(Bytes::from(body))
}

/// The `pc-carts emulator` child process, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(data_dir: Option<&str>) -> Result<Self, String> {
        let program = env!("CARGO_BIN_EXE_pc-carts");
        let mut command = Command::new(program);
        command
            .args(["emulator", "--listen", "127.0.0.1:0", "--no-bom"])
            // Its `info` line per request would measure writing stderr, not serving carts.
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(dir) = data_dir {
            command.arg("--data-dir").arg(dir);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        // Owned from here, so that any early return stops the child.
        let mut server = Self {
            child,
            url: String::new(),
        };
        let stderr = server
            .child
            .stderr
            .take()
            .ok_or("the emulator's stderr is not piped")?;
        let mut lines = BufReader::new(stderr);
        loop {
            let mut line = String::new();
            match lines.read_line(&mut line) {
                Ok(0) | Err(_) => return Err("the emulator stopped before its address".into()),
                Ok(_) => {}
            }
            eprint!("emulator: {line}");
            if let Some(at) = line.find("http://") {
                let url = line[at..].split_whitespace().next().unwrap_or_default();
                server.url = url.to_string();
                break;
            }
        }
        // Keep reading, so that a full pipe never blocks the server's logging.
        thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                eprintln!("emulator: {line}");
            }
        });
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kB` field of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), while the process lives.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|line| {
        let value = line.strip_prefix(field)?.strip_prefix(':')?;
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// Samples the child's resident set on a thread of its own, so a busy runtime cannot delay it.
struct Sampler {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<(Duration, u64)>>,
}

impl Sampler {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            let started = Instant::now();
            let mut samples = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                if let Some(kib) = status_kib(pid, "VmRSS") {
                    samples.push((started.elapsed(), kib));
                }
                thread::sleep(SAMPLE_EVERY);
            }
            samples
        });
        Self { stop, thread }
    }

    /// The samples: time since the start, kB.
    fn stop(self) -> Vec<(Duration, u64)> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// What the tasks share.
struct Load {
    http: reqwest::Client,
    base: String,
    requests: usize,
    sent: AtomicUsize,
    customers: u64,
    large_share: f64,
    small: Bytes,
    large: Option<Bytes>,
}

#[derive(Clone, Copy)]
enum Operation {
    Create,
    Get,
    Update,
    Checkout,
}

/// One connection's worth of load: requests one at a time until the shared count is reached.
async fn task(load: Arc<Load>, index: usize) -> Tally {
    let mut rng = fastrand::Rng::with_seed(SEED.wrapping_add(index as u64));
    // (customer, cart) of the carts this task created, newest last.
    let mut carts: Vec<(String, String)> = Vec::with_capacity(CARTS_PER_TASK + 1);
    let mut tally = Tally::default();
    while load.sent.fetch_add(1, Ordering::Relaxed) < load.requests {
        let operation = match rng.u8(..100) {
            _ if carts.is_empty() => Operation::Create,
            0..25 => Operation::Create,
            25..65 => Operation::Get,
            65..90 => Operation::Update,
            _ => Operation::Checkout,
        };
        let (customer, cart) = match operation {
            Operation::Create => (customer(rng.u64(..load.customers)), String::new()),
            _ => carts[rng.usize(..carts.len())].clone(),
        };
        let carts_url = format!("{}/v1/customers/{customer}/carts", load.base);
        let request = match operation {
            Operation::Create => load.http.post(&carts_url),
            Operation::Get => load.http.get(format!("{carts_url}/{cart}")),
            Operation::Update => load.http.put(format!("{carts_url}/{cart}")),
            Operation::Checkout => load.http.post(format!("{carts_url}/{cart}/checkout")),
        }
        .bearer_auth("load")
        .header("MS-RequestId", Uuid::new_v4().to_string());
        let request = match operation {
            Operation::Create | Operation::Update => {
                let body = match &load.large {
                    Some(large) if rng.f64() < load.large_share => {
                        tally.large += 1;
                        large.clone()
                    }
                    _ => load.small.clone(),
                };
                request.header(CONTENT_TYPE, "application/json").body(body)
            }
            Operation::Get | Operation::Checkout => request,
        };
        tally.sent[operation as usize] += 1;

        let answer = match request.send().await {
            Ok(answer) => answer,
            Err(e) => {
                tally.transport_error(&e);
                continue;
            }
        };
        let status = answer.status();
        // Read the whole body, so the connection goes back to the pool.
        let body = match answer.bytes().await {
            Ok(body) => body,
            Err(e) => {
                tally.transport_error(&e);
                continue;
            }
        };
        if let Some(id) = tally.answer(operation, status, &body) {
            carts.push((customer, id));
            if carts.len() > CARTS_PER_TASK {
                carts.remove(0);
            }
        }
    }
    tally
}

/// The customer id of customer number `n`.
fn customer(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

/// The answers received, by class.
#[derive(Default)]
struct Tally {
    /// Requests sent: create, get, update, checkout.
    sent: [u64; 4],
    /// Creates and updates that sent the large cart.
    large: u64,
    success: u64,
    /// 4xx by "status / code".
    client_errors: BTreeMap<String, u64>,
    /// 5xx by status.
    server_errors: BTreeMap<u16, u64>,
    transport: u64,
    /// A status outside 2xx, 4xx and 5xx, or a created cart without an id.
    unreadable: u64,
    /// The first few transport errors, to show.
    transport_examples: Vec<String>,
}

#[derive(Deserialize)]
struct Created {
    id: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    code: Option<serde_json::Value>,
}

impl Tally {
    /// Counts an answer; the id of a created cart.
    fn answer(&mut self, operation: Operation, status: StatusCode, body: &[u8]) -> Option<String> {
        if status.is_success() {
            self.success += 1;
            if !matches!(operation, Operation::Create) {
                return None;
            }
            let id = serde_json::from_slice::<Created>(body)
                .ok()
                .and_then(|c| c.id);
            if id.is_none() {
                self.unreadable += 1;
            }
            id
        } else if status.is_client_error() {
            let code = serde_json::from_slice::<ErrorBody>(body)
                .ok()
                .and_then(|e| e.code)
                .map_or_else(|| "no code".to_string(), |code| code.to_string());
            *self
                .client_errors
                .entry(format!("{} / {code}", status.as_u16()))
                .or_default() += 1;
            None
        } else if status.is_server_error() {
            *self.server_errors.entry(status.as_u16()).or_default() += 1;
            None
        } else {
            self.unreadable += 1;
            None
        }
    }

    fn transport_error(&mut self, error: &reqwest::Error) {
        self.transport += 1;
        if self.transport_examples.len() < 3 {
            let mut shown = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                shown.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            self.transport_examples.push(shown);
        }
    }

    fn add(&mut self, other: Tally) {
        for (sum, n) in self.sent.iter_mut().zip(other.sent) {
            *sum += n;
        }
        self.large += other.large;
        self.success += other.success;
        for (key, n) in other.client_errors {
            *self.client_errors.entry(key).or_default() += n;
        }
        for (key, n) in other.server_errors {
            *self.server_errors.entry(key).or_default() += n;
        }
        self.transport += other.transport;
        self.unreadable += other.unreadable;
        let room = 3usize.saturating_sub(self.transport_examples.len());
        self.transport_examples
            .extend(other.transport_examples.into_iter().take(room));
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_string(),
        |k| format!("{:.1}", k as f64 / 1024.0),
    )
}

fn report(
    options: &Options,
    elapsed: Duration,
    peak: Option<u64>,
    end: Option<u64>,
    samples: &[(Duration, u64)],
    tally: &Tally,
) {
    let seconds = elapsed.as_secs_f64();
    let client_errors: u64 = tally.client_errors.values().sum();
    let server_errors: u64 = tally.server_errors.values().sum();
    println!(
        "| requests | connections | large share | elapsed s | requests/s | peak RSS MiB (VmHWM) \
         | RSS at end MiB | 2xx | 4xx | 5xx | transport errors |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {seconds:.2} | {:.0} | {} | {} | {} | {client_errors} | {server_errors} \
         | {} |",
        options.requests,
        options.connections,
        options.large_share,
        options.requests as f64 / seconds,
        mib(peak),
        mib(end),
        tally.success,
        tally.transport,
    );
    println!();
    let [create, get, update, checkout] = tally.sent;
    println!(
        "- sent: {create} create, {get} get, {update} update, {checkout} checkout; {} with the \
         large cart; {} customers",
        tally.large, options.customers
    );
    let listed = |pairs: Vec<String>| {
        if pairs.is_empty() {
            "none".to_string()
        } else {
            pairs.join(", ")
        }
    };
    println!(
        "- 4xx by status / code: {}",
        listed(
            tally
                .client_errors
                .iter()
                .map(|(key, n)| format!("{key}: {n}"))
                .collect()
        )
    );
    if tally
        .client_errors
        .keys()
        .any(|key| key.starts_with("409") || key.starts_with("412"))
    {
        println!("- unexpected: 409 or 412, though nothing sends If-Match or injects faults");
    }
    if server_errors > 0 {
        println!(
            "- 5xx by status: {}",
            listed(
                tally
                    .server_errors
                    .iter()
                    .map(|(status, n)| format!("{status}: {n}"))
                    .collect()
            )
        );
    }
    for example in &tally.transport_examples {
        println!("- transport error: {example}");
    }
    if tally.unreadable > 0 {
        println!(
            "- unreadable answers (a created cart without an id, or a status outside 2xx, 4xx, \
             5xx): {}",
            tally.unreadable
        );
    }
    // A tenth of the run apart: whether the resident set levels off or keeps growing.
    if !samples.is_empty() {
        let tenths: Vec<String> = (1..=10)
            .filter_map(|tenth| {
                let at = elapsed.mul_f64(f64::from(tenth) / 10.0);
                samples
                    .iter()
                    .take_while(|(when, _)| *when <= at)
                    .last()
                    .map(|(_, kib)| mib(Some(*kib)))
            })
            .collect();
        println!(
            "- RSS MiB at each tenth of the run ({} samples, every {} ms): {}",
            samples.len(),
            SAMPLE_EVERY.as_millis(),
            tenths.join(", ")
        );
    }
}
