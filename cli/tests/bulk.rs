//! `pc-carts bulk` as an operator runs it, a process against `pc-carts emulator` (a process on
//! its own data directory that does a share of the writes and loses their answers): killed
//! with SIGKILL again and again, stopped with Ctrl-C, its journal in SQLite or in a real
//! `redis-server`, which is itself killed and started again empty. However often it is
//! killed, each piece of work is made once, and the batch run to its end says each is done.
//!
//! What is counted is counted on the service's side: each customer's orders through its API,
//! each customer's carts in its database once it has stopped (it has no API that lists carts).
//! No bound here is a time: the kills land wherever a seeded delay puts them, and the rounds
//! print where that was. Where a test needs a piece to be under way when it signals, it
//! freezes the emulator (SIGSTOP) so that the piece cannot end meanwhile.
//!
//! The Redis tests need Debian's `redis-server`, which each starts on a free loopback port,
//! with nothing on disk: where it is missing they are skipped with a notice, and under
//! `CI=true` they fail (`support::needs`).

mod support;

#[allow(dead_code)]
#[path = "../../tests/support/redis.rs"]
mod redis;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitCode, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use libtest_mimic::Trial;
use partner_center_carts::PartnerCenter;
use redis::RedisServer;
use serde_json::Value;
use support::needs;

/// The crash tests' batch: purchases over customers (each customer's done in input order).
const PIECES: usize = 60;
const CUSTOMERS: usize = 12;
/// SIGKILL rounds of each crash test.
const ROUNDS: usize = 24;
/// The kills land within this many milliseconds of the start: before the first write (the
/// process starts in some tens of them), during the writes, and after a run that ended.
const KILL_WITHIN_MS: u64 = 600;
/// A share of the writes the emulator does and then answers 504.
const LOST_ANSWERS: &str = "0.2";
/// Milliseconds the emulator takes over each request in the crash tests: the batch then
/// takes some rounds of kills to get through, so that most kills land among its writes.
const LATENCY_MS: &str = "60";
/// How long a test waits for what must come before it says that it did not (a hang guard,
/// not a bound: nothing is asserted of the time things take).
const PATIENCE: Duration = Duration::from_secs(90);

fn main() -> ExitCode {
    let redis: &[(&str, &str)] = &[("redis-server", "redis-server")];
    needs::run_each(vec![
        (
            &[],
            trial(
                "a_batch_says_what_came_of_each_line_and_run_again_gives_it_back",
                a_batch_says_what_came_of_each_line_and_run_again_gives_it_back,
            ),
        ),
        (
            &[],
            trial(
                "from_a_pipe_that_pauses_each_result_comes_as_its_piece_ends",
                from_a_pipe_that_pauses_each_result_comes_as_its_piece_ends,
            ),
        ),
        (
            &[],
            trial(
                "a_token_the_service_refuses_stops_the_batch_and_exits_4",
                a_token_the_service_refuses_stops_the_batch_and_exits_4,
            ),
        ),
        (
            &[],
            trial(
                "bad_arguments_exit_2_and_open_no_journal",
                bad_arguments_exit_2_and_open_no_journal,
            ),
        ),
        (
            &[],
            trial(
                "killed_again_and_again_on_a_sqlite_journal_it_makes_each_piece_once",
                killed_again_and_again_on_a_sqlite_journal_it_makes_each_piece_once,
            ),
        ),
        (
            &[],
            trial(
                "ctrl_c_lets_the_pieces_under_way_finish_and_a_second_exits_at_once",
                ctrl_c_lets_the_pieces_under_way_finish_and_a_second_exits_at_once,
            ),
        ),
        (
            &[("tmux", "tmux")],
            trial(
                "in_a_terminal_a_progress_bar_shows_until_the_summary",
                in_a_terminal_a_progress_bar_shows_until_the_summary,
            ),
        ),
        (
            redis,
            trial(
                "killed_again_and_again_on_a_redis_journal_it_makes_each_piece_once",
                killed_again_and_again_on_a_redis_journal_it_makes_each_piece_once,
            ),
        ),
        (
            redis,
            trial(
                "a_redis_that_loses_the_journal_mid_run_makes_nothing_twice",
                a_redis_that_loses_the_journal_mid_run_makes_nothing_twice,
            ),
        ),
    ])
}

fn trial(name: &'static str, test: fn()) -> Trial {
    Trial::test(name, move || {
        test();
        Ok(())
    })
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pc-carts")
}

/// A directory of the test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bulk-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Sends a signal (`INT`, `STOP`, ...) to a process.
fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{name} {pid}");
}

/// `pc-carts emulator` on a free port with its own data directory, killed when dropped.
struct EmulatorProcess {
    child: Child,
    url: String,
    dir: PathBuf,
    /// Kept open: the emulator may write to it again.
    _stdout: BufReader<ChildStdout>,
}

impl EmulatorProcess {
    /// Started with these options (faults, say), orders listed as soon as they are placed.
    fn start(dir: &Path, options: &[&str]) -> Self {
        let data = dir.join("emulator");
        let mut child = Command::new(bin())
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(["--order-listing-delay-ms", "0", "--data-dir"])
            .arg(&data)
            .args(options)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("pc-carts emulator starts");
        // Its URL, alone on the first line of its output, once it is ready.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut url = String::new();
        stdout.read_line(&mut url).unwrap();
        let url = url.trim().to_string();
        assert!(url.starts_with("http://"), "the emulator printed {url:?}");
        Self {
            child,
            url,
            dir: data,
            _stdout: stdout,
        }
    }

    fn signal(&self, name: &str) {
        signal(self.child.id(), name);
    }

    /// Stops it as a supervisor does (SIGTERM), and waits for it: then its database is whole.
    fn stop(mut self) -> PathBuf {
        self.signal("CONT");
        self.signal("TERM");
        let status = self.child.wait().unwrap();
        assert!(status.success(), "the emulator stopped with {status}");
        self.dir.join("emulator.sqlite3")
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `n`-th customer (a tenant id).
fn customer(n: usize) -> String {
    format!("00000000-0000-4000-8000-{:012}", n % CUSTOMERS)
}

/// `n` purchases over `customers` customers, one line of JSON each.
fn batch(n: usize, customers: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            serde_json::json!({
                "key": format!("piece-{i}"),
                "customer": customer(i % customers),
                "lineItems": [{"catalogItemId": "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P", "quantity": 1 + i % 3,
                               "billingCycle": "monthly", "termDuration": "P1M"}],
            })
            .to_string()
        })
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// `pc-carts bulk` on `input` (standard input when `None`) against `url`, with these journal
/// options, 4 pieces at once; its output piped.
fn bulk(url: &str, journal: &[String], input: Option<&Path>) -> Command {
    let mut command = Command::new(bin());
    command.arg("bulk");
    if let Some(input) = input {
        command.arg(input);
    }
    command
        .args(journal)
        .args(["--base-url", url, "--token", "t", "--concurrency", "4"])
        .env_remove("PARTNER_CENTER_TOKEN")
        .env_remove("PARTNER_CENTER_BASE_URL")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn sqlite_journal(path: &Path) -> Vec<String> {
    vec!["--journal".into(), path.display().to_string()]
}

fn redis_journal(redis: &RedisServer) -> Vec<String> {
    ["--journal", &redis.url(), "--journal-name", "t"]
        .map(String::from)
        .to_vec()
}

/// The result lines of an output: each whole line (a killed process may have written part of
/// its last one), each of them JSON.
fn results(stdout: &[u8]) -> Vec<Value> {
    let text = String::from_utf8_lossy(stdout);
    let whole = match text.rfind('\n') {
        Some(end) => &text[..end],
        None => "",
    };
    whole
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
        .collect()
}

fn outcome(result: &Value) -> &str {
    result["outcome"].as_str().unwrap_or_default()
}

fn key(result: &Value) -> String {
    result["key"].as_str().unwrap_or_default().to_string()
}

/// A run to its end: its exit code, results and stderr.
fn run_to_end(mut command: Command) -> (Option<i32>, Vec<Value>, String) {
    let output = command.output().expect("pc-carts runs");
    (
        output.status.code(),
        results(&output.stdout),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Lines of a child's stream as they come.
fn lines_of(stream: impl Read + Send + 'static) -> Receiver<String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                return;
            }
        }
    });
    receive
}

/// The next line, within [`PATIENCE`]; `None` once the stream has ended.
fn next_line(lines: &Receiver<String>, waiting_for: &str) -> Option<String> {
    match lines.recv_timeout(PATIENCE) {
        Ok(line) => Some(line),
        Err(RecvTimeoutError::Disconnected) => None,
        Err(RecvTimeoutError::Timeout) => panic!("no line within {PATIENCE:?}: {waiting_for}"),
    }
}

/// Waits for a child to end, within [`PATIENCE`].
fn wait(child: &mut Child, what: &str) -> Option<i32> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not end within {PATIENCE:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Polls `ready` until it holds, within [`PATIENCE`].
fn until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !ready() {
        assert!(Instant::now() < deadline, "not within {PATIENCE:?}: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How many writes the SQLite journal at `path` has sent and not seen answered (none while it
/// has no table yet).
fn unsettled_in(path: &Path) -> usize {
    let Ok(db) =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    let _ = db.busy_timeout(Duration::from_secs(5));
    db.query_row(
        "SELECT COUNT(*) FROM writes WHERE outcome IS NULL",
        [],
        |row| row.get::<_, i64>(0),
    )
    .map_or(0, |n| n as usize)
}

/// Each customer's orders, as the emulator lists them.
fn orders_by_customer(url: &str, customers: usize) -> BTreeMap<String, usize> {
    let pc = PartnerCenter::builder()
        .base_url(url)
        .bearer_token("t")
        .build()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut orders = BTreeMap::new();
        for n in 0..customers {
            let listed = pc.customer(customer(n)).orders().list().await.unwrap();
            orders.insert(customer(n), listed.orders().len());
        }
        orders
    })
}

/// Each customer's carts in the database of a stopped emulator.
fn carts_by_customer(database: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let db =
        rusqlite::Connection::open_with_flags(database, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut statement = db.prepare("SELECT customer, cart FROM carts").unwrap();
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))
        .unwrap();
    let mut carts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in rows {
        let (customer, cart) = row.unwrap();
        carts.entry(customer).or_default().insert(cart);
    }
    carts
}

/// How many of `lines`' pieces each customer has.
fn pieces_by_customer(lines: &[String]) -> BTreeMap<String, usize> {
    let mut pieces = BTreeMap::new();
    for line in lines {
        let piece: Value = serde_json::from_str(line).unwrap();
        *pieces
            .entry(piece["customer"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    pieces
}

/// The end of every crash test: the batch run to its end says each piece is done, once; the
/// emulator lists as many orders per customer as it has pieces, and (stopped) holds as many
/// carts, those the run says the pieces made. Returns the final run's results by key.
fn run_to_the_end_and_count(
    emulator: EmulatorProcess,
    journal: &[String],
    file: &Path,
    lines: &[String],
) -> BTreeMap<String, Value> {
    let (code, results, stderr) = run_to_end(bulk(&emulator.url, journal, Some(file)));
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(results.len(), lines.len(), "{stderr}");
    let mut by_key = BTreeMap::new();
    for result in results {
        assert!(
            matches!(outcome(&result), "done" | "alreadyDone") && result["complete"] == true,
            "{result}"
        );
        assert!(by_key.insert(key(&result), result).is_none(), "a key twice");
    }
    let keys: BTreeSet<String> = (0..lines.len()).map(|i| format!("piece-{i}")).collect();
    assert_eq!(by_key.keys().cloned().collect::<BTreeSet<_>>(), keys);
    assert!(
        stderr.contains("failed 0, unknown 0, invalid 0, not started 0"),
        "{stderr}"
    );

    let pieces = pieces_by_customer(lines);
    assert_eq!(
        orders_by_customer(&emulator.url, CUSTOMERS),
        pieces,
        "orders per customer"
    );
    let database = emulator.stop();
    let carts = carts_by_customer(&database);
    let counted: BTreeMap<String, usize> =
        carts.iter().map(|(c, s)| (c.clone(), s.len())).collect();
    assert_eq!(counted, pieces, "carts per customer: none made twice");
    let made: BTreeSet<String> = carts.into_values().flatten().collect();
    let said: BTreeSet<String> = by_key
        .values()
        .map(|r| r["cartId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(made, said, "the carts made are those the results name");
    by_key
}

/// `ROUNDS` runs of the batch, each killed (SIGKILL) after a seeded delay; then the batch run
/// to its end, and counted. Each piece is said done (rather than already done) once over all
/// the runs: a piece's result is written only after the journal kept that it is done.
/// `unsettled` counts the writes the journal saw sent and not answered: those a kill left for
/// the next run to send again with their request ids.
fn killed_again_and_again(
    emulator: EmulatorProcess,
    journal: &[String],
    unsettled: &dyn Fn() -> usize,
    dir: &Path,
    seed: u64,
) {
    let lines = batch(PIECES, CUSTOMERS);
    let file = dir.join("batch.jsonl");
    write_lines(&file, &lines);
    let mut random = fastrand::Rng::with_seed(seed);
    let mut said_done: BTreeMap<String, usize> = BTreeMap::new();
    let (mut ended, mut left_unsettled) = (0, 0);
    for round in 1..=ROUNDS {
        let delay = random.u64(0..=KILL_WITHIN_MS);
        let mut child = bulk(&emulator.url, journal, Some(&file)).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let before = child.try_wait().unwrap();
        let _ = child.kill();
        child.wait().unwrap();
        // Output of 60 lines fits the pipe: the process never waited on it.
        let mut stdout = Vec::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_end(&mut stdout)
            .unwrap();
        let results = results(&stdout);
        let count = |word: &str| results.iter().filter(|r| outcome(r) == word).count();
        for result in results.iter().filter(|r| outcome(r) == "done") {
            *said_done.entry(key(result)).or_default() += 1;
        }
        let open = unsettled();
        left_unsettled += usize::from(open > 0);
        let how = match before {
            Some(status) => {
                ended += 1;
                format!("had ended ({status})")
            }
            None => "killed".to_string(),
        };
        eprintln!(
            "round {round:2}: {how} at {delay:3} ms; {:2} pieces done in it, {:2} already done, {} \
             other results; {open} writes left unsettled",
            count("done"),
            count("alreadyDone"),
            results.len() - count("done") - count("alreadyDone"),
        );
    }
    eprintln!(
        "{ended} of {ROUNDS} rounds ended before their kill; {left_unsettled} left writes unsettled"
    );
    let finals = run_to_the_end_and_count(emulator, journal, &file, &lines);
    for result in finals.values().filter(|r| outcome(r) == "done") {
        *said_done.entry(key(result)).or_default() += 1;
    }
    let twice: Vec<_> = said_done.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "said done in two runs: {twice:?}");
    eprintln!(
        "the last run: {} done, {} already done",
        finals.values().filter(|r| outcome(r) == "done").count(),
        finals
            .values()
            .filter(|r| outcome(r) == "alreadyDone")
            .count(),
    );
}

/// The crash tests' emulator: answers lost, requests slowed, the draws seeded.
fn crash_faults(seed: &'static str) -> [&'static str; 6] {
    [
        "--lost-answers",
        LOST_ANSWERS,
        "--latency-ms",
        LATENCY_MS,
        "--seed",
        seed,
    ]
}

fn killed_again_and_again_on_a_sqlite_journal_it_makes_each_piece_once() {
    let dir = scratch("killed-sqlite");
    let emulator = EmulatorProcess::start(&dir, &crash_faults("7"));
    let path = dir.join("journal.sqlite3");
    let unsettled = || unsettled_in(&path);
    killed_again_and_again(
        emulator,
        &sqlite_journal(&path),
        &unsettled,
        &dir,
        0x5eed_0001,
    );
    std::fs::remove_dir_all(dir).unwrap();
}

fn killed_again_and_again_on_a_redis_journal_it_makes_each_piece_once() {
    let dir = scratch("killed-redis");
    let redis = RedisServer::start();
    let emulator = EmulatorProcess::start(&dir, &crash_faults("8"));
    let unsettled = || {
        let count = redis.command(&["SCARD", "t:unsettled"]);
        count.trim_start_matches(':').parse().unwrap()
    };
    killed_again_and_again(
        emulator,
        &redis_journal(&redis),
        &unsettled,
        &dir,
        0x5eed_0002,
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Redis killed in the middle of a run and started again empty (no persistence). What holds:
///
/// - a write whose intent the journal cannot keep is not sent: the run reports those pieces
///   `failed`, kind `journal`, and goes on (exit 1);
/// - nothing is made twice: request ids are made from the journal's name, the piece's key and
///   the write's step, so the next run, with an empty journal, sends each write made before
///   with the id it was made with, and the service answers it with what it made then;
/// - so the pieces made before Redis was lost come back `done` (not `alreadyDone`: the
///   journal forgot them), with the same carts and orders, and the batch ends with exit 0. (A
///   piece of those that the run itself did again once Redis was back is `alreadyDone` at the
///   end: the new journal has it.)
///
/// (What does not hold, and is not tested: a write the service refused once goes again under
/// a new id, counted in the journal; a journal that lost the count makes the first id again,
/// which the service has kept no answer for.)
fn a_redis_that_loses_the_journal_mid_run_makes_nothing_twice() {
    let dir = scratch("redis-lost");
    let mut redis = RedisServer::start();
    let emulator = EmulatorProcess::start(&dir, &["--lost-answers", LOST_ANSWERS, "--seed", "9"]);
    let journal = redis_journal(&redis);
    let lines = batch(PIECES, CUSTOMERS);
    let half = PIECES / 2;
    let (first, all) = (dir.join("first.jsonl"), dir.join("all.jsonl"));
    write_lines(&first, &lines[..half]);
    write_lines(&all, &lines);

    // The first half, done, kept in Redis.
    let (code, before, stderr) = run_to_end(bulk(&emulator.url, &journal, Some(&first)));
    assert_eq!(code, Some(0), "{stderr}");
    let before: BTreeMap<String, Value> = before.into_iter().map(|r| (key(&r), r)).collect();

    // The whole batch, with the service frozen: pieces of the first half come back from the
    // journal, and pieces of the second journal their first write and wait for its answer.
    // (Not every piece of the first half need come back before: those waiting send nothing,
    // and hold no turn, so pieces of the second half may take every turn first.)
    emulator.signal("STOP");
    let mut child = bulk(&emulator.url, &journal, Some(&all)).spawn().unwrap();
    let out = lines_of(child.stdout.take().unwrap());
    let err = lines_of(child.stderr.take().unwrap());
    until("a write of the second half journaled", || {
        redis.command(&["SCARD", "t:unsettled"]) != ":0"
    });
    let mut seen: Vec<Value> = Vec::new();

    // Redis lost with what it held; the service answers again.
    redis.kill();
    emulator.signal("CONT");
    // While Redis is down no piece can end but by failing (each asks the journal first), and
    // every piece of the second half is still to end: 5 of them fail before it is back.
    let mut journal_failures = 0;
    while journal_failures < 5 {
        let Some(line) = next_line(&out, "a piece failing on the lost journal") else {
            break;
        };
        let result: Value = serde_json::from_str(&line).unwrap();
        journal_failures += usize::from(result["error"]["kind"] == "journal");
        seen.push(result);
    }
    assert_eq!(
        journal_failures, 5,
        "pieces failing on the journal: {seen:?}"
    );
    redis.restart_empty();
    while let Some(line) = next_line(&out, "the rest of the run") {
        seen.push(serde_json::from_str(&line).unwrap());
    }
    let code = wait(&mut child, "the run that lost its journal");
    let stderr: Vec<String> = err.try_iter().collect();
    assert_eq!(code, Some(1), "{}", stderr.join("\n"));
    assert_eq!(seen.len(), PIECES, "a result per piece");
    for result in &seen {
        let made = (&result["cartId"], &result["orderIds"]);
        match (before.get(&key(result)), outcome(result)) {
            // The second half: the journal never had them done.
            (None, outcome) => assert_ne!(outcome, "alreadyDone", "{result}"),
            // The first half: from the journal before it was lost, or refused while it was
            // lost, or (run after it came back empty) made again, that is, replayed.
            (Some(first), "alreadyDone" | "done") => {
                assert_eq!(made, (&first["cartId"], &first["orderIds"]), "{result}")
            }
            (Some(_), _) => assert_eq!(result["error"]["kind"], "journal", "{result}"),
        }
    }
    let tally = |word: &str| seen.iter().filter(|r| outcome(r) == word).count();
    let journal_failed: Vec<&Value> = seen
        .iter()
        .filter(|r| r["error"]["kind"] == "journal")
        .collect();
    // The kind `journal` is the library's word for a write the journal refused, unsent.
    for failure in &journal_failed {
        assert_eq!(outcome(failure), "failed", "{failure}");
    }
    eprintln!(
        "the run that lost Redis: {} already done, {} done, {} failed ({} on the journal), {} \
         unknown",
        tally("alreadyDone"),
        tally("done"),
        tally("failed"),
        journal_failed.len(),
        tally("unknown"),
    );

    // Redis is back, empty: the batch to its end, nothing made twice.
    let finals = run_to_the_end_and_count(emulator, &journal, &all, &lines);
    let in_the_lost_run: BTreeMap<String, &Value> = seen.iter().map(|r| (key(r), r)).collect();
    for (key, first) in &before {
        let last = &finals[key];
        // Made before the loss: made again, that is, replayed; unless the run that lost Redis
        // did so after it came back, and the journal has it again.
        let again = match outcome(in_the_lost_run[key]) {
            "done" => "alreadyDone",
            _ => "done",
        };
        assert_eq!(outcome(last), again, "{last}");
        assert_eq!(
            (&last["cartId"], &last["orderIds"]),
            (&first["cartId"], &first["orderIds"]),
            "{key}: the same cart and orders, as the service replayed them"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// The first Ctrl-C starts no more pieces and lets those under way finish (exit 130); the
/// second exits at once. The emulator is frozen (SIGSTOP) while the signals are sent, so the
/// pieces under way cannot have ended: they are the ones the journal has a write of unanswered.
fn ctrl_c_lets_the_pieces_under_way_finish_and_a_second_exits_at_once() {
    let dir = scratch("ctrl-c");
    let emulator = EmulatorProcess::start(&dir, &[]);
    let lines = batch(PIECES, CUSTOMERS);
    let file = dir.join("batch.jsonl");
    write_lines(&file, &lines);
    let path = dir.join("journal.sqlite3");
    let journal = sqlite_journal(&path);

    // Ctrl-C once, with the pieces under way waiting for the service.
    emulator.signal("STOP");
    let mut child = bulk(&emulator.url, &journal, Some(&file)).spawn().unwrap();
    let err = lines_of(child.stderr.take().unwrap());
    until("a write journaled", || unsettled_in(&path) > 0);
    signal(child.id(), "INT");
    let stopping = loop {
        let line = next_line(&err, "the stopping line").expect("it says it is stopping");
        if let Some(rest) = line.strip_prefix("stopping: ") {
            break rest.to_string();
        }
    };
    let under_way: usize = stopping.split(' ').next().unwrap().parse().unwrap();
    assert!((1..=4).contains(&under_way), "{stopping}");
    emulator.signal("CONT");
    let code = wait(&mut child, "the stopped run");
    let stderr: Vec<String> = err.iter().collect();
    assert_eq!(code, Some(130), "{stderr:?}");
    let mut stdout = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    let finished = results(&stdout);
    // Only the pieces under way finished, each done; every other was left.
    assert!(
        (1..=under_way).contains(&finished.len()),
        "{} finished, {under_way} under way",
        finished.len()
    );
    assert!(
        finished.iter().all(|r| outcome(r) == "done"),
        "{finished:?}"
    );
    // Every piece read and not under way was left (and any line not read yet, said so).
    let counts = format!(
        "done {}, already done 0, failed 0, unknown 0, invalid 0, not started ",
        finished.len()
    );
    let summary = stderr
        .iter()
        .find_map(|line| line.strip_prefix(&counts))
        .unwrap_or_else(|| panic!("no {counts:?}: {stderr:?}"));
    let not_started: usize = summary.parse().unwrap();
    let unread = stderr.iter().any(|l| l.contains("the input after line"));
    assert!(
        finished.len() + not_started == PIECES || (unread && finished.len() + not_started < PIECES),
        "{stderr:?}"
    );
    assert_eq!(unsettled_in(&path), 0, "what was under way finished");

    // Twice: it exits at once, though the service holds its writes unanswered.
    emulator.signal("STOP");
    let mut child = bulk(&emulator.url, &journal, Some(&file)).spawn().unwrap();
    let err = lines_of(child.stderr.take().unwrap());
    until("a write journaled", || unsettled_in(&path) > 0);
    signal(child.id(), "INT");
    while !next_line(&err, "the stopping line")
        .expect("it says it is stopping")
        .starts_with("stopping: ")
    {}
    signal(child.id(), "INT");
    let code = wait(&mut child, "the run stopped twice");
    let stderr: Vec<String> = err.iter().collect();
    assert_eq!(code, Some(130), "{stderr:?}");
    assert!(
        stderr.iter().any(|l| l.starts_with("stopped at once")),
        "{stderr:?}"
    );
    assert!(unsettled_in(&path) > 0, "left for the next run to settle");
    emulator.signal("CONT");

    run_to_the_end_and_count(emulator, &journal, &file, &lines);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A few purchases over two customers, a blank line and a line that is not a piece of work:
/// a result per piece, in JSON, the bad line `invalid`, exit 2; run again, the same from the
/// journal, nothing sent. A piece the service refuses: `failed`, exit 1.
fn a_batch_says_what_came_of_each_line_and_run_again_gives_it_back() {
    let dir = scratch("batch");
    let emulator = EmulatorProcess::start(&dir, &[]);
    let mut lines = batch(5, 2);
    lines.insert(2, String::new());
    lines.insert(
        4,
        r#"{"key": "no-task", "customer": "00000000-0000-4000-8000-000000000000"}"#.into(),
    );
    let file = dir.join("batch.jsonl");
    write_lines(&file, &lines);
    let journal = sqlite_journal(&dir.join("journal.sqlite3"));

    let (code, first, stderr) = run_to_end(bulk(&emulator.url, &journal, Some(&file)));
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        first.len(),
        6,
        "a result per piece, none for the blank line: {first:?}"
    );
    let invalid: Vec<&Value> = first.iter().filter(|r| outcome(r) == "invalid").collect();
    assert_eq!(invalid.len(), 1, "{first:?}");
    assert_eq!(invalid[0]["line"], 5, "{}", invalid[0]);
    assert_eq!(invalid[0]["error"]["kind"], "invalidInput");
    let done: BTreeMap<String, &Value> = first
        .iter()
        .filter(|r| outcome(r) == "done")
        .map(|r| (key(r), r))
        .collect();
    assert_eq!(done.len(), 5, "{first:?}");
    for result in done.values() {
        assert!(
            result["cartId"].is_string() && result["complete"] == true,
            "{result}"
        );
        assert_eq!(
            result["orderIds"].as_array().map(Vec::len),
            Some(1),
            "{result}"
        );
    }
    assert!(
        stderr
            .starts_with("done 5, already done 0, failed 0, unknown 0, invalid 1, not started 0\n"),
        "{stderr}"
    );
    // Piped: no progress bar, nothing redrawn.
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "{stderr:?}"
    );

    // Again, from standard input: what was done comes back, as it was.
    let mut command = bulk(&emulator.url, &journal, None);
    command.stdin(std::fs::File::open(&file).unwrap());
    let (code, again, stderr) = run_to_end(command);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(again.len(), 6);
    for result in again.iter().filter(|r| outcome(r) != "invalid") {
        assert_eq!(outcome(result), "alreadyDone", "{result}");
        let before = done[&key(result)];
        assert_eq!(
            (&result["cartId"], &result["orderIds"], &result["line"]),
            (&before["cartId"], &before["orderIds"], &before["line"])
        );
    }
    assert!(stderr.starts_with("done 0, already done 5,"), "{stderr}");
    assert_eq!(
        orders_by_customer(&emulator.url, 2),
        BTreeMap::from([(customer(0), 3), (customer(1), 2)])
    );

    // A change to an order the customer does not have: refused, the piece failed.
    let change = dir.join("change.jsonl");
    let line = serde_json::json!({"key": "change-1", "customer": customer(0), "order": "f76c6b7f449d",
                                  "change": {"status": "cancelled"}});
    write_lines(&change, &[line.to_string()]);
    let (code, changed, stderr) = run_to_end(bulk(&emulator.url, &journal, Some(&change)));
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(outcome(&changed[0]), "failed", "{changed:?}");
    assert_eq!(changed[0]["error"]["kind"], "service", "{changed:?}");
    drop(emulator);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Pieces from a pipe that stays open: each result comes once its piece has ended, not when
/// the next line does, numbered by its line in the input; Ctrl-C while the pipe has nothing
/// more ends the run (130), saying where the input was left.
fn from_a_pipe_that_pauses_each_result_comes_as_its_piece_ends() {
    let dir = scratch("pipe");
    let emulator = EmulatorProcess::start(&dir, &[]);
    let journal = sqlite_journal(&dir.join("journal.sqlite3"));
    let lines = batch(5, 2);
    let mut command = bulk(&emulator.url, &journal, None);
    command.stdin(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let out = lines_of(child.stdout.take().unwrap());
    let err = lines_of(child.stderr.take().unwrap());
    let read = |n: usize| -> BTreeSet<u64> {
        (0..n)
            .map(|_| {
                let line = next_line(&out, "a result, the pipe open").expect("a result");
                let result: Value = serde_json::from_str(&line).unwrap();
                assert_eq!(outcome(&result), "done", "{result}");
                result["line"].as_u64().unwrap()
            })
            .collect()
    };
    writeln!(input, "{}\n{}\n{}", lines[0], lines[1], lines[2]).unwrap();
    input.flush().unwrap();
    assert_eq!(read(3), BTreeSet::from([1, 2, 3]));
    writeln!(input, "\n{}\n{}", lines[3], lines[4]).unwrap();
    input.flush().unwrap();
    assert_eq!(
        read(2),
        BTreeSet::from([5, 6]),
        "numbered as the input, blank line and all"
    );

    signal(child.id(), "INT");
    let code = wait(&mut child, "the run stopped while the pipe had nothing");
    let stderr: Vec<String> = err.iter().collect();
    assert_eq!(code, Some(130), "{stderr:?}");
    for said in [
        "stopping: 0 pieces under way",
        "done 5, already done 0, failed 0, unknown 0, invalid 0, not started 0",
        "stopped: the input after line 6 was not read",
    ] {
        assert!(
            stderr.iter().any(|l| l.starts_with(said)),
            "{said}: {stderr:?}"
        );
    }
    drop(input);
    drop(emulator);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A token the service refuses fails the first piece (kind `auth`), and every other would
/// fail the same way: the batch stops there, the rest not started, and exits 4, as every
/// command does for authentication. From a pipe that stays open it ends as well, without
/// waiting for the pipe's next line.
fn a_token_the_service_refuses_stops_the_batch_and_exits_4() {
    let dir = scratch("auth");
    // `bulk` sends the token `t`.
    let emulator = EmulatorProcess::start(&dir, &["--token", "right"]);
    // One customer: its pieces go one after another, so the first fails before another starts.
    let lines = batch(5, 1);
    let file = dir.join("batch.jsonl");
    write_lines(&file, &lines);
    let journal = sqlite_journal(&dir.join("journal.sqlite3"));
    let refused = |results: &[Value]| {
        assert_eq!(results.len(), 1, "{results:?}");
        assert_eq!(
            (outcome(&results[0]), &results[0]["error"]["kind"]),
            ("failed", &Value::from("auth")),
            "{results:?}"
        );
        assert_eq!(results[0]["line"], 1, "{results:?}");
    };

    let (code, first, stderr) = run_to_end(bulk(&emulator.url, &journal, Some(&file)));
    assert_eq!(code, Some(4), "{stderr}");
    refused(&first);
    assert!(
        stderr
            .starts_with("done 0, already done 0, failed 1, unknown 0, invalid 0, not started 4\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "stopped: a piece failed for authentication, as every other would: 4 pieces not \
             started; fix the credentials and run the batch again"
        ),
        "{stderr}"
    );

    let mut command = bulk(&emulator.url, &journal, None);
    command.stdin(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    writeln!(input, "{}", lines[0]).unwrap();
    input.flush().unwrap();
    let code = wait(&mut child, "the refused run, its pipe open");
    let (mut stdout, mut stderr) = (Vec::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, Some(4), "{stderr}");
    refused(&results(&stdout));
    assert!(
        stderr.contains(
            "stopped: a piece failed for authentication, as every other would: the input after \
             line 1 was not read"
        ),
        "{stderr}"
    );
    drop(input);
    assert!(
        carts_by_customer(&emulator.stop()).is_empty(),
        "nothing made"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// What cannot work is refused before a journal is opened or anything sent (there is no
/// service at the URL given: anything sent would fail otherwise).
fn bad_arguments_exit_2_and_open_no_journal() {
    let dir = scratch("usage");
    let file = dir.join("batch.jsonl");
    write_lines(&file, &batch(2, 2));
    let journal = dir.join("journal.sqlite3");
    let url = "http://127.0.0.1:9";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            ["--journal", "redis://127.0.0.1:9/"]
                .map(String::from)
                .to_vec(),
            "--journal-name",
        ),
        (
            [
                "--journal",
                &journal.display().to_string(),
                "--journal-name",
                "t",
            ]
            .map(String::from)
            .to_vec(),
            "is for a Redis journal",
        ),
        (
            [
                "--journal",
                &journal.display().to_string(),
                "--concurrency",
                "0",
            ]
            .map(String::from)
            .to_vec(),
            "--concurrency",
        ),
    ];
    for (journal_args, says) in cases {
        let (code, results, stderr) = run_to_end(bulk(url, &journal_args, Some(&file)));
        assert_eq!(code, Some(2), "{journal_args:?}: {stderr}");
        assert!(results.is_empty());
        assert!(stderr.contains(says), "{journal_args:?}: {stderr}");
    }
    let (code, _, stderr) = run_to_end(bulk(
        url,
        &sqlite_journal(&journal),
        Some(&dir.join("missing.jsonl")),
    ));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
    assert!(!journal.exists(), "no journal made");

    // A file that is not a journal is not taken for one.
    let (code, _, stderr) = run_to_end(bulk(url, &sqlite_journal(&file), Some(&file)));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot open the journal"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// In a real terminal (tmux), stderr shows a progress bar while the batch runs (the emulator
/// frozen meanwhile, so the bar is there to be read), and the summary once it has ended, the
/// bar cleared; the results went to the file standard output was sent to.
fn in_a_terminal_a_progress_bar_shows_until_the_summary() {
    let dir = scratch("terminal");
    let emulator = EmulatorProcess::start(&dir, &[]);
    let file = dir.join("batch.jsonl");
    write_lines(&file, &batch(12, 3));
    let out = dir.join("out.jsonl");
    emulator.signal("STOP");
    let line = format!(
        "'{}' bulk '{}' --journal '{}' --base-url {} --token t > '{}'; sleep 60",
        bin(),
        file.display(),
        dir.join("journal.sqlite3").display(),
        emulator.url,
        out.display()
    );
    let session = format!("pc-carts-bulk-{}", uuid::Uuid::new_v4().simple());
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output().expect("tmux runs");
    struct Session<'a>(&'a str);
    impl Drop for Session<'_> {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .args(["kill-session", "-t", self.0])
                .output();
        }
    }
    let started = tmux(&[
        "new-session",
        "-d",
        "-x",
        "150",
        "-y",
        "10",
        "-s",
        &session,
        "bash",
        "-c",
        &line,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let _session = Session(&session);
    let screen = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout).into_owned()
    };
    let mut shown = String::new();
    until("the progress bar", || {
        shown = screen();
        shown.contains("0/12 pieces")
    });
    emulator.signal("CONT");
    until("the summary", || {
        shown = screen();
        shown.contains("done 12, already done 0, failed 0, unknown 0, invalid 0, not started 0")
    });
    assert!(!shown.contains("/12 pieces"), "the bar is cleared: {shown}");
    let results = results(&std::fs::read(&out).unwrap());
    assert_eq!(results.len(), 12);
    drop(emulator);
    std::fs::remove_dir_all(dir).unwrap();
}
