//! `pc-carts bulk`: a batch of pieces of work through the library's runner
//! (`partner_center_carts::bulk`), every write kept in a journal, so that the batch run again
//! after any crash does each piece exactly once.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use partner_center_carts::bulk::{PieceOutcome, PieceResult, Runner, Stop, Summary};
use partner_center_carts::journal::Journal;
use partner_center_carts::{Error, ErrorKind};
use secrecy::ExposeSecret;
use tokio::sync::mpsc::Sender;

use crate::args::{BulkArgs, JournalAt};
use crate::carts;
use crate::failure::{AUTH, Failure};
use crate::print;

/// The longest line taken as a piece of work (a cart file's limit): a purchase of thousands of
/// lines is well under it, and a line of any length cannot take the memory.
const MAX_LINE: usize = 4 * 1024 * 1024;

/// Lines read ahead of the runner (which reads its own bounded way ahead of the pieces).
const READ_AHEAD: usize = 64;

/// The exit codes of `bulk --help`.
const INCOMPLETE: u8 = 3;
const INVALID: u8 = 2;
const NOT_DONE: u8 = 1;
const INTERRUPTED: u8 = 130;

pub async fn run(args: BulkArgs) -> Result<ExitCode, Failure> {
    // Everything that can be refused is, before the journal is made or anything sent.
    let path = args.file.as_deref().filter(|p| p.as_os_str() != "-");
    if path.is_none()
        && args
            .service
            .token_file
            .as_deref()
            .is_some_and(|t| t.as_os_str() == "-")
    {
        return Err(Failure::Input(
            "the pieces and the token (--token-file -) cannot both come from standard input: \
             give the pieces' FILE"
                .into(),
        ));
    }
    let name = journal_name(&args)?;
    let input: Box<dyn Read + Send> = match path {
        Some(path) => Box::new(
            File::open(path)
                .map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))?,
        ),
        None => {
            if std::io::stdin().is_terminal() {
                print::err!(
                    "reading pieces of work from the terminal, one JSON object a line; Ctrl-D ends them\n"
                );
            }
            Box::new(std::io::stdin())
        }
    };
    let builder = carts::builder(&args.service.connection())?;
    let journal = match &args.journal {
        JournalAt::Sqlite(file) => Journal::sqlite(file)
            .map_err(|e| Failure::Input(format!("cannot open the journal: {}", reason(&e))))?,
        JournalAt::Redis(url) => Journal::redis(url.expose_secret(), name)
            .await
            .map_err(|e| Failure::Other(format!("cannot open the journal: {}", reason(&e))))?,
    };
    let pc = builder.journal(journal).build()?;
    let runner = Runner::new(&pc)?.concurrency(usize::from(args.concurrency));
    let stop = runner.stopper();

    let shown = Arc::new(Shown::new(progress_bar()));
    let (send, lines) = tokio::sync::mpsc::channel(READ_AHEAD);
    let feed = Arc::new(Feed::new(send));
    // Listening before the first piece starts: a Ctrl-C never finds the default action (death
    // in the middle of a write, which the journal would survive, but without a summary).
    on_signals(stop.clone(), feed.clone(), shown.clone());
    // A file is counted first for the bar's length (a pipe cannot be read twice).
    let count = path
        .filter(|_| !shown.bar.is_hidden())
        .map(Path::to_path_buf);
    let (reader_feed, reader_shown) = (feed.clone(), shown.clone());
    std::thread::spawn(move || read(input, count, &reader_feed, &reader_shown));

    let mut summary = runner
        .run_channel(lines, |result| {
            shown.result(result);
            // Stopped by this piece (authentication): the runner reads no more lines, but a
            // wait for one already begun lasts until the input gives one; closed, the channel
            // ends it.
            if stop.is_stopped() {
                feed.close();
            }
        })
        .await;
    shown.bar.finish_and_clear();

    let read = feed.close();
    let tally = shown.tally();
    // Pieces read with no result were not started: those the runner counted, and those
    // still in the channel when it stopped reading.
    summary.not_started = read.pieces.saturating_sub(
        summary.done + summary.already_done + summary.failed + summary.unknown + summary.invalid,
    );
    summary.invalid += read.unreadable;
    let unread = match read.end {
        None => Some(read.lines),
        Some(_) => None,
    };
    let input_failed = match &read.end {
        Some(Err(why)) => Some(format!(
            "the input could not be read after line {}: {why}",
            read.lines
        )),
        _ => None,
    };
    let left = summary.not_started > 0 || unread.is_some();
    // Stopped by Ctrl-C, or by a piece that failed as every other would.
    let interrupted = stop.is_stopped() && tally.ended_by.is_none();
    let stopped = tally
        .ended_by
        .or((interrupted && left).then_some(Ended::Interrupted));
    print::err!(
        "{}",
        words(&summary, unread, input_failed.as_deref(), stopped)
    );
    Ok(ExitCode::from(match stopped {
        // As every other command exits for authentication.
        Some(Ended::Auth) => AUTH,
        Some(Ended::Interrupted) => INTERRUPTED,
        _ if summary.failed + summary.unknown > 0 || input_failed.is_some() => NOT_DONE,
        _ if summary.invalid > 0 => INVALID,
        _ if summary.incomplete > 0 => INCOMPLETE,
        _ => 0,
    }))
}

/// `--journal-name`: required with Redis, where it is the fleet's, and refused with SQLite,
/// whose file keeps its own.
fn journal_name(args: &BulkArgs) -> Result<&str, Failure> {
    match (&args.journal, args.journal_name.as_deref()) {
        (JournalAt::Redis(_), None) => Err(Failure::Input(
            "a Redis journal needs --journal-name: the name every worker of the fleet gives it \
             (request ids are made from it, so keep it for good)"
                .into(),
        )),
        (JournalAt::Redis(_), Some(name)) if name.trim().is_empty() => {
            Err(Failure::Input("--journal-name is empty".into()))
        }
        (JournalAt::Sqlite(_), Some(_)) => Err(Failure::Input(
            "--journal-name is for a Redis journal: a SQLite journal keeps its own in its file"
                .into(),
        )),
        (_, name) => Ok(name.unwrap_or_default()),
    }
}

/// A journal error's reason alone: "cannot open the journal" already says what its kind would.
fn reason(error: &Error) -> String {
    match error.kind() {
        ErrorKind::Journal(failure) => failure.reason().to_string(),
        _ => error.to_string(),
    }
}

/// A bar on stderr when it is a terminal; none (and nothing drawn) when it is piped or a file.
fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} pieces {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// The runner's channel, as the reader thread feeds it, and how far the input was read.
struct Feed(Mutex<Reading>);

/// How far the input was read: the lines passed on to the runner.
struct Reading {
    /// Taken to close the channel (the input ended, or the run stopped): the reader then sends
    /// nothing more, and holds no sender while it waits for the input.
    send: Option<Sender<String>>,
    lines: usize,
    /// Lines that are not blank (the runner's pieces, valid or not).
    pieces: usize,
    /// Lines that are not text: invalid, said here rather than by the runner.
    unreadable: usize,
    /// `None` while more may come; else the end of the input, or why it could not be read.
    end: Option<Result<(), String>>,
}

impl Feed {
    fn new(send: Sender<String>) -> Self {
        Self(Mutex::new(Reading {
            send: Some(send),
            lines: 0,
            pieces: 0,
            unreadable: 0,
            end: None,
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Reading> {
        // Nothing panics while holding it; were it poisoned, its counts are still counts.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A line to pass on, counted here before it is sent (once counted, a line the runner does
    /// not take is one read and not started): its number and the sender, unless closed.
    fn line(&self, text: &str, unreadable: bool) -> Option<(usize, Sender<String>)> {
        let mut read = self.lock();
        let send = read.send.clone()?;
        read.lines += 1;
        read.pieces += usize::from(!unreadable && !text.trim().is_empty());
        read.unreadable += usize::from(unreadable);
        Some((read.lines, send))
    }

    /// The input ended, or could not be read further.
    fn end(&self, end: Result<(), String>) {
        let mut read = self.lock();
        read.send = None;
        read.end = Some(end);
    }

    /// Closes the channel: no more lines are passed on. Returns how far the input was read.
    fn close(&self) -> Reading {
        let mut read = self.lock();
        read.send = None;
        Reading {
            send: None,
            end: read.end.clone(),
            ..*read
        }
    }
}

/// Reads the input's lines into the runner's channel (first counting a file's pieces for the
/// bar, when `count` names it).
fn read(input: Box<dyn Read + Send>, count: Option<PathBuf>, feed: &Feed, shown: &Shown) {
    if let Some(path) = &count {
        let mut pieces = 0;
        if let Ok(file) = File::open(path) {
            let mut reader = BufReader::new(file);
            let mut line = Vec::new();
            // A line too long is kept empty, and is a result all the same.
            while let Ok(Some(whole)) = read_line(&mut reader, &mut line) {
                pieces += u64::from(!whole || !line.trim_ascii().is_empty());
            }
        }
        shown.bar.set_length(pieces);
    }
    let mut reader = BufReader::new(input);
    let mut bytes = Vec::new();
    loop {
        let whole = match read_line(&mut reader, &mut bytes) {
            Ok(Some(whole)) => whole,
            Ok(None) => return feed.end(Ok(())),
            Err(e) => return feed.end(Err(e.to_string())),
        };
        let (text, unreadable) = match (whole, String::from_utf8(std::mem::take(&mut bytes))) {
            (true, Ok(text)) => (text, None),
            (false, _) => (
                String::new(),
                Some(format!(
                    "the line is longer than {MAX_LINE} bytes, the most a piece of work may be"
                )),
            ),
            (true, Err(_)) => (String::new(), Some("the line is not UTF-8 text".into())),
        };
        let Some((line, send)) = feed.line(&text, unreadable.is_some()) else {
            return;
        };
        if count.is_none() && (unreadable.is_some() || !text.trim().is_empty()) {
            shown.bar.inc_length(1);
        }
        // Not a piece: said here, and a blank line (which the runner skips) in its place, so
        // that the runner's line numbers stay the input's.
        if let Some(why) = unreadable {
            shown.unreadable(line, why);
        }
        // Blocks while the channel is full; fails once the runner has gone (it stopped).
        if send.blocking_send(text).is_err() {
            return;
        }
    }
}

/// Reads a line into `line`, without its `\n`, keeping at most [`MAX_LINE`] bytes: `None` at
/// the end of the input, `Some(false)` for a longer line (whose bytes are skipped, not kept).
fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    line.clear();
    let (mut any, mut whole) = (false, true);
    loop {
        let buffer = match reader.fill_buf() {
            Ok(buffer) => buffer,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buffer.is_empty() {
            return Ok(any.then_some(whole));
        }
        any = true;
        let end = buffer.iter().position(|&b| b == b'\n');
        let chunk = &buffer[..end.unwrap_or(buffer.len())];
        if whole && line.len() + chunk.len() <= MAX_LINE {
            line.extend_from_slice(chunk);
        } else {
            whole = false;
            line.clear();
        }
        let used = chunk.len() + usize::from(end.is_some());
        reader.consume(used);
        if end.is_some() {
            return Ok(Some(whole));
        }
    }
}

/// Where the results go (standard output, a line each, at once) and the bar; the runner's and
/// the reader's (lines that are not text).
struct Shown {
    bar: ProgressBar,
    tally: Mutex<Tally>,
}

#[derive(Clone, Copy, Default)]
struct Tally {
    done: usize,
    not_done: usize,
    /// A piece that failed so that every other would (the runner stops then).
    ended_by: Option<Ended>,
}

/// Why a run stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ended {
    Auth,
    Config,
    Interrupted,
}

impl Shown {
    fn new(bar: ProgressBar) -> Self {
        Self {
            bar,
            tally: Mutex::default(),
        }
    }

    fn tally(&self) -> Tally {
        // As in `Feed::lock`: nothing panics while holding it.
        *self.tally.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn result(&self, result: &PieceResult) {
        let message = {
            let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
            match result.outcome {
                PieceOutcome::Done | PieceOutcome::AlreadyDone => tally.done += 1,
                _ => tally.not_done += 1,
            }
            tally.ended_by = tally.ended_by.or(match result.error.as_ref() {
                Some(e) if e.kind == "auth" => Some(Ended::Auth),
                Some(e) if e.kind == "config" => Some(Ended::Config),
                _ => None,
            });
            format!("({} done, {} not)", tally.done, tally.not_done)
        };
        self.bar.inc(1);
        self.bar.set_message(message);
        self.bar.suspend(|| print::outln!("{}", result.to_json()));
    }

    /// A line that cannot be a piece of work: its result, as the runner would give it.
    fn unreadable(&self, line: usize, why: String) {
        let result = serde_json::json!({
            "line": line,
            "outcome": "invalid",
            "error": {"kind": "invalidInput", "message": why},
        });
        // A result of a line, an outcome and an error always reads; were it not to, the
        // summary still counts it.
        if let Ok(result) = serde_json::from_value::<PieceResult>(result) {
            self.result(&result);
        }
    }
}

/// Ctrl-C or SIGTERM: the first stops starting pieces (those under way finish) and reading the
/// input; the second exits at once, with 130 (the journal keeps what was in flight). Without
/// signal handling to be had, their default actions stay, which end the command at once, as
/// the second would.
fn on_signals(stop: Stop, feed: Arc<Feed>, shown: Arc<Shown>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    tokio::spawn(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        stop.stop();
        // As when a piece stops the run: the runner may be waiting for a line that a pipe or
        // a terminal holds back.
        feed.close();
        let under_way = pieces(stop.under_way());
        shown.bar.suspend(|| {
            print::err!(
                "stopping: {under_way} under way (they finish; no other starts; Ctrl-C again \
                 exits at once)\n"
            );
        });
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        shown.bar.finish_and_clear();
        print::err!(
            "stopped at once: the journal keeps the writes under way; run the same batch again \
             with the same journal to settle them\n"
        );
        // No result line is cut in two: the exit waits for one being written. (The bar is
        // let go of first: a result is written inside the bar's lock.)
        let _out = std::io::stdout().lock();
        std::process::exit(i32::from(INTERRUPTED));
    });
}

/// The summary, and what to do next.
fn words(
    summary: &Summary,
    unread: Option<usize>,
    input_failed: Option<&str>,
    stopped: Option<Ended>,
) -> String {
    let mut words = format!(
        "done {}, already done {}, failed {}, unknown {}, invalid {}, not started {}\n",
        summary.done,
        summary.already_done,
        summary.failed,
        summary.unknown,
        summary.invalid,
        summary.not_started
    );
    let mut advice = Vec::new();
    if let Some(why) = input_failed {
        advice.push(format!("{why}: the rest of it was not done"));
    }
    if summary.unknown > 0 {
        advice.push(format!(
            "{} sent a write whose answer was lost: run the same batch again with the same \
             journal to settle them (each such write goes again with its original request id, so \
             nothing is made twice)",
            pieces(summary.unknown)
        ));
    }
    if summary.failed > 0 {
        advice.push(format!(
            "{} failed (their lines say why): running the batch again tries them again",
            pieces(summary.failed)
        ));
    }
    let left = match (summary.not_started, unread) {
        (0, None) => None,
        (0, Some(line)) => Some(format!("the input after line {line} was not read")),
        (n, None) => Some(format!("{} not started", pieces(n))),
        (n, Some(line)) => Some(format!(
            "{} not started, nor the input after line {line} read",
            pieces(n)
        )),
    };
    let left = left.map(|left| format!(": {left}")).unwrap_or_default();
    match stopped {
        None => {}
        Some(Ended::Interrupted) => {
            advice.push(format!("stopped{left}; run the batch again to do the rest"))
        }
        Some(Ended::Auth) => advice.push(format!(
            "stopped: a piece failed for authentication, as every other would{left}; fix the \
             credentials and run the batch again"
        )),
        Some(Ended::Config) => advice.push(format!(
            "stopped: a piece failed for the client's configuration, as every other would\
             {left}; fix it and run the batch again"
        )),
    }
    if summary.invalid > 0 {
        let lines = match summary.invalid {
            1 => "1 line is not a piece of work (its result says why): fix it".to_string(),
            n => format!("{n} lines are not pieces of work (their results say why): fix them"),
        };
        advice.push(format!(
            "{lines} and run the batch again; what is done is not done again"
        ));
    }
    if summary.incomplete > 0 {
        advice.push(format!(
            "{} did not place every order group in its checkout (complete: false in its line): \
             see its orders",
            pieces(summary.incomplete)
        ));
    }
    if advice.is_empty() {
        advice.push("every piece is done: running the batch again sends nothing".into());
    }
    for line in advice {
        words.push_str(&line);
        words.push('\n');
    }
    words
}

/// `n pieces`, or `1 piece`.
fn pieces(n: usize) -> String {
    match n {
        1 => "1 piece".into(),
        n => format!("{n} pieces"),
    }
}
