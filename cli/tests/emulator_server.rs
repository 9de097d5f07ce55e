//! `pc-carts emulator` as a team runs it: killed (SIGKILL) in the middle of 64 concurrent
//! writers and started again on its data directory, it has every write it acknowledged; it
//! logs a line per request with `RUST_LOG=info`.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use partner_center_carts::PartnerCenter;
use partner_center_carts::retry::RetryPolicy;
use tokio::sync::Mutex;

const WRITERS: usize = 64;
const CUSTOMERS: usize = 8;
/// Acknowledged updates before the kill: enough that every writer is mid-stream.
const ACKNOWLEDGED_BEFORE_KILL: usize = 600;

/// The server process, killed when dropped, so a failed test leaves none behind.
struct Server(Child);

impl Server {
    /// Kills it (SIGKILL) and waits for it to end.
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `pc-carts emulator` on a free port with this data directory, and its URL.
fn start(dir: &std::path::Path) -> (Server, String) {
    let (child, url, _) = start_logging(dir, "warn");
    (child, url)
}

/// The same, logging with this `RUST_LOG`; its stderr lines arrive on the receiver.
fn start_logging(
    dir: &std::path::Path,
    rust_log: &str,
) -> (Server, String, std::sync::mpsc::Receiver<String>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pc-carts"));
    command
        .args(["emulator", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir);
    started(command, rust_log)
}

/// The emulator `command` runs, logging with this `RUST_LOG`; its URL, and its stderr lines.
fn started(
    mut command: Command,
    rust_log: &str,
) -> (Server, String, std::sync::mpsc::Receiver<String>) {
    let mut child = command
        .env("RUST_LOG", rust_log)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pc-carts starts");
    // Its URL, alone on the first line of its standard output, once it is ready.
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .expect("the emulator prints its address");
    let url = url.trim().to_string();
    assert!(url.starts_with("http://"), "{url:?}");
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    // Keep reading, so the emulator never blocks on a full pipe.
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    (Server(child), url, receive)
}

fn client(url: &str) -> PartnerCenter {
    PartnerCenter::builder()
        .base_url(url)
        .bearer_token("token")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

fn customer(n: usize) -> String {
    format!("00000000-0000-4000-8000-{:012x}", n % CUSTOMERS + 1)
}

/// What a writer saw acknowledged: its cart, and the last quantity written to it.
#[derive(Clone, Debug, Default)]
struct Acknowledged {
    cart: Option<String>,
    quantity: i32,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_emulator_started_again_has_every_acknowledged_write() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("killed-{}", uuid::Uuid::new_v4()));
    let (mut emulator, url) = start(&dir);
    let pc = client(&url);

    let acknowledged: Arc<Vec<Mutex<Acknowledged>>> =
        Arc::new((0..WRITERS).map(|_| Mutex::default()).collect());
    let created = Arc::new(AtomicUsize::new(0));
    let updated = Arc::new(AtomicUsize::new(0));
    let mut writers = Vec::new();
    for n in 0..WRITERS {
        let (pc, acknowledged, created, updated) = (
            pc.clone(),
            acknowledged.clone(),
            created.clone(),
            updated.clone(),
        );
        writers.push(tokio::spawn(async move {
            let customer = pc.customer(customer(n));
            let Ok(cart) = customer.create(&support::one_line_cart(1)).await else {
                return;
            };
            let id = cart.id().to_string();
            *acknowledged[n].lock().await = Acknowledged {
                cart: Some(id.clone()),
                quantity: 1,
            };
            created.fetch_add(1, Ordering::SeqCst);
            for quantity in 2.. {
                // Ends at the first failure: the kill.
                if customer
                    .cart(&id)
                    .put(&support::one_line_cart(quantity))
                    .await
                    .is_err()
                {
                    return;
                }
                acknowledged[n].lock().await.quantity = quantity;
                updated.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    // Every writer has its cart, and updates are streaming in: kill it in their middle.
    // A minute at most: writers that never get there fail the test, not hang it.
    for _ in 0..12_000 {
        if created.load(Ordering::SeqCst) >= WRITERS
            && updated.load(Ordering::SeqCst) >= ACKNOWLEDGED_BEFORE_KILL
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert!(
        updated.load(Ordering::SeqCst) >= ACKNOWLEDGED_BEFORE_KILL,
        "the writers did not get going within a minute"
    );
    emulator.kill();
    for writer in writers {
        writer.await.unwrap();
    }

    let (mut restarted, url) = start(&dir);
    let pc = client(&url);
    let mut carts = 0;
    for (n, seen) in acknowledged.iter().enumerate() {
        let seen = seen.lock().await.clone();
        let Some(id) = seen.cart else { continue };
        carts += 1;
        let cart = pc.customer(customer(n)).cart(&id).get().await;
        let quantity = cart.map(|c| c.line_items[0].quantity);
        // The write under way at the kill may or may not have been done; none before it lost.
        assert!(
            matches!(quantity, Ok(q) if q == seen.quantity || q == seen.quantity + 1),
            "writer {n}: acknowledged quantity {}, found {quantity:?}",
            seen.quantity
        );
    }
    assert_eq!(carts, WRITERS, "every writer had its create acknowledged");
    restarted.kill();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn with_rust_log_info_it_logs_one_line_per_request_and_answers_its_health_check() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("logging-{}", uuid::Uuid::new_v4()));
    let (mut emulator, url, log) = start_logging(&dir, "info");
    let health = support::raw_http()
        .get(format!("{url}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let request_id = partner_center_carts::RequestId::new();
    let created = client(&url)
        .customer(customer(0))
        .with_request_id(request_id)
        .create(&support::one_line_cart(1))
        .await;
    assert!(created.is_ok(), "{created:?}");
    emulator.kill();

    let lines: Vec<String> = log.iter().collect();
    let requests: Vec<&String> = lines.iter().filter(|l| l.contains(" request ")).collect();
    assert_eq!(
        requests.len(),
        1,
        "one line, and none for the health check: {lines:#?}"
    );
    for field in [
        " INFO ".to_string(),
        "method=POST".to_string(),
        format!("path=/v1/customers/{}/carts", customer(0)),
        "status=201".to_string(),
        format!("request_id={request_id}"),
        "elapsed_ms=".to_string(),
    ] {
        assert!(
            requests[0].contains(&field),
            "no {field} in {}",
            requests[0]
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Slow and idle clients cannot lock the others out, even of a server allowed few files: 300
/// connections that send nothing, or part of a request's headers and then nothing (slowloris), against a
/// server with 128 file descriptors, 64 connections at once and 1 s for headers. Each is let go
/// within its second of headers, so the queue moves, and two ordinary creates behind them get
/// through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_and_idle_connections_cannot_lock_the_others_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -Sn 128 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_pc-carts"))
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .args(["--max-connections", "64", "--header-timeout-secs", "1"]);
    let (_server, url, _) = started(command, "warn");
    let address = url.trim_start_matches("http://").to_string();

    let mut slow = Vec::new();
    for n in 0..300 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        // Half send nothing at all; half start a request and never end its headers.
        if n % 2 == 1 {
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: emulator\r\n")
                .await
                .unwrap();
        }
        slow.push(stream);
    }

    let pc = PartnerCenter::builder()
        .base_url(&url)
        .bearer_token("token")
        // Without the limits they would wait as long as the slow ones are held: fail instead.
        .retry_policy(RetryPolicy::default().max_elapsed(std::time::Duration::from_secs(60)))
        .build()
        .unwrap();
    for n in 0..2 {
        pc.customer(customer(n))
            .create(&support::one_line_cart(1))
            .await
            .unwrap();
    }

    // And every slow connection was closed by the server (its stream ends, or is reset), long
    // before the test gives up on it.
    for mut stream in slow {
        let mut rest = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            stream.read_to_end(&mut rest),
        )
        .await;
        assert!(read.is_ok(), "a slow connection still open after a minute");
    }
}

/// Starts writing a create whose body is declared `declared` bytes long, sends `sent` of them,
/// and stalls: the connection stays open, sending nothing more.
async fn stalled_body(address: &str, declared: usize, sent: usize) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /v1/customers/{}/carts HTTP/1.1\r\nHost: emulator\r\nAuthorization: Bearer token\r\n\
         Content-Type: application/json\r\nContent-Length: {declared}\r\n\r\n",
        customer(0)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&vec![b' '; sent]).await.unwrap();
    stream
}

/// A body that stalls holds only what it sent: 40 creates that declare 3 MB (more than the
/// 2 MiB of bodies worked on at once) and send 100 bytes, then nothing, for longer than the
/// test, against a server with 128 file descriptors; reads, creates and updates beside them are
/// served at once, and the server says it is healthy. (Before, the first stalled body reserved
/// the whole budget for what it declared, and nothing else was served.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_hold_only_what_they_sent() {
    let mut command = Command::new("sh");
    command
        .args(["-c", "ulimit -Sn 128 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_pc-carts"))
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--max-connections",
            "64",
        ])
        // Longer than the test: the stalled bodies are never let go while it runs.
        .args(["--header-timeout-secs", "300", "--body-timeout-secs", "600"]);
    let (_server, url, _) = started(command, "warn");
    let address = url.trim_start_matches("http://").to_string();
    let mut stalled = Vec::new();
    for _ in 0..40 {
        stalled.push(stalled_body(&address, 3_000_000, 100).await);
    }

    let pc = PartnerCenter::builder()
        .base_url(&url)
        .bearer_token("token")
        // A write that waited for the stalled bodies would wait for as long as the test runs:
        // fail instead.
        .retry_policy(RetryPolicy::none())
        .attempt_timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    for n in 1..4 {
        let customer = pc.customer(customer(n));
        let cart = customer.create(&support::one_line_cart(1)).await.unwrap();
        let cart = customer.cart(cart.id());
        cart.get().await.unwrap();
        cart.modify(|c| c.line_items[0].quantity += 1)
            .await
            .unwrap();
    }
    let health = support::raw_http()
        .get(format!("{url}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    drop(stalled);
}

/// A body that fills the budget of bodies worked on at once makes the server say so on
/// `/healthz`, and is cut with 408 when it stops sending, which frees the budget for the
/// writes that wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_fills_the_budget_is_said_and_cut() {
    use tokio::io::AsyncReadExt;

    let mut command = Command::new(env!("CARGO_BIN_EXE_pc-carts"));
    command
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--in-flight-mib",
            "1",
        ])
        // Each piece within 10 s: the test sees the full budget well inside that.
        .args(["--header-timeout-secs", "10", "--body-timeout-secs", "60"]);
    let (_server, url, _) = started(command, "warn");
    let address = url.trim_start_matches("http://").to_string();
    let mut stalled = stalled_body(&address, 2_000_000, 1_100_000).await;

    // Read in the background as it arrives; within 20 s the budget is full, or the test fails.
    let http = support::raw_http();
    let health = |http: reqwest::Client| {
        let url = url.clone();
        async move {
            let answer = http.get(format!("{url}/healthz")).send().await.unwrap();
            (answer.status().as_u16(), answer.text().await.unwrap())
        }
    };
    let mut seen = (0, String::new());
    for _ in 0..200 {
        seen = health(http.clone()).await;
        if seen.0 == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(seen.0, 503, "{}", seen.1);
    assert!(
        seen.1.contains("request bodies fill the budget"),
        "{}",
        seen.1
    );

    // Cut after 10 s of silence: its answer is 408, and the budget is free again.
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        stalled.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "the stalled body was not cut within a minute");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(health(http).await.0, 200);
    client(&url)
        .customer(customer(1))
        .create(&support::one_line_cart(1))
        .await
        .unwrap();
}

/// `pc-carts emulator` prints its URL alone on standard output, and stops on SIGTERM as on
/// Ctrl-C: it says so, finishes what is under way, and exits 0.
#[test]
fn the_emulator_prints_its_url_and_stops_on_sigterm() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pc-carts"));
    command.args(["emulator", "--listen", "127.0.0.1:0"]);
    let (mut server, url, stderr) = started(command, "warn");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let pid = server.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    // Bounded: the shutdown waits SHUTDOWN_WAIT (30 s) at most, and there is nothing to wait for.
    let mut status = None;
    for _ in 0..600 {
        status = server.0.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status.and_then(|s| s.code()), Some(0), "{status:?}");
    // Its stderr has ended with it: every line is in.
    let said: Vec<String> = stderr.iter().collect();
    assert!(said.iter().any(|l| l.starts_with("stopping")), "{said:?}");
}

/// Two bodies that together need more than the budget of bodies worked on at once, each partly
/// sent before the other's rest, are both served: a body that must wait for more of the budget
/// waits holding none of it, so two cannot wait for each other until both time out. (This test
/// does not force the order of reads in which two bodies that wait holding part of it would
/// each hold half; it checks that the case is served.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_bodies_larger_than_the_budget_together_are_both_served() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut command = Command::new(env!("CARGO_BIN_EXE_pc-carts"));
    command
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--in-flight-mib",
            "2",
        ])
        .args(["--header-timeout-secs", "60", "--body-timeout-secs", "20"]);
    let (_server, url, _) = started(command, "warn");
    let address = url.trim_start_matches("http://").to_string();
    // A cart of 1.5 MB: one line, and padding the emulator keeps as an unknown property.
    let mut cart = serde_json::to_value(support::one_line_cart(1)).unwrap();
    cart["padding"] = serde_json::Value::String("x".repeat(1_500_000));
    let body = serde_json::to_vec(&cart).unwrap();
    let (first, rest) = body.split_at(1_000_000);
    let mut streams = Vec::new();
    for _ in 0..2 {
        let mut stream = stalled_body(&address, body.len(), 0).await;
        stream.write_all(first).await.unwrap();
        streams.push(stream);
    }
    for stream in &mut streams {
        stream.write_all(rest).await.unwrap();
    }
    for mut stream in streams {
        // Its status line (the connection stays open after it: keep-alive).
        let mut answer = vec![0; 64];
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            stream.read_exact(&mut answer),
        )
        .await;
        assert!(read.is_ok(), "no answer within a minute");
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    }
}

#[tokio::test]
async fn the_tenants_rate_changes_as_scheduled() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pc-carts"));
    // No limit at first; from the start on, one request every ten seconds.
    command.args([
        "emulator",
        "--listen",
        "127.0.0.1:0",
        "--tenant-rate-schedule",
        "0=0.1",
    ]);
    let (_server, url, lines) = started(command, "warn");
    // Said as it applies (within a minute on any machine that runs the suite at all).
    let said = std::iter::from_fn(|| lines.recv_timeout(std::time::Duration::from_secs(60)).ok())
        .any(|line| line.contains("the tenant's rate is now 0.1 a second"));
    assert!(said, "the schedule is said as it applies");
    let carts = client(&url).customer(customer(0));
    carts.create(&support::one_line_cart(1)).await.unwrap();
    let throttled = carts.create(&support::one_line_cart(1)).await.unwrap_err();
    assert_eq!(throttled.status(), Some(429), "{throttled}");
}

#[test]
fn a_schedule_that_cannot_be_read_is_refused() {
    for bad in ["60", "x=1", "60=-1", "60=fast"] {
        let output = Command::new(env!("CARGO_BIN_EXE_pc-carts"))
            .args(["emulator", "--tenant-rate-schedule", bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let words = String::from_utf8_lossy(&output.stderr);
        assert!(words.contains("SECS=RATE"), "{bad}: {words}");
    }
}
