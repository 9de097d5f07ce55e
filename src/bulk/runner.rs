//! The runner: pieces of work at once, one at a time per customer, each through the journal.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinSet;

use super::piece::{Piece, Task};
use super::result::{PieceError, PieceOutcome, PieceResult, Summary};
use crate::client::PartnerCenter;
use crate::error::{Error, ErrorKind};
use crate::journal::Journal;

/// How many times a piece is done in one run while its error says that doing it again may
/// help (a lost answer, throttling): the client's own retries come first, within each doing.
const DOINGS: u32 = 4;

/// Does pieces of work through a client with a journal ([`crate::bulk`]).
#[derive(Debug)]
pub struct Runner {
    pc: PartnerCenter,
    journal: Journal,
    concurrency: usize,
    stop: Stop,
}

/// Stops a [`Runner`]'s run: no piece starts after [`stop`](Self::stop), and no more input
/// is read; those under way finish, and the journal keeps what any of them left unknown. A
/// run stops by itself when a piece fails for the credentials or the configuration (an
/// [`Auth`](crate::ErrorKind::Auth) or [`Config`](crate::ErrorKind::Config) error: every
/// piece would). Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<StopState>);

#[derive(Debug, Default)]
struct StopState {
    stopped: AtomicBool,
    under_way: AtomicUsize,
    /// Wakes a run waiting for its next line.
    woken: tokio::sync::Notify,
}

impl Stop {
    /// Starts no more pieces.
    pub fn stop(&self) {
        self.0.stopped.store(true, Ordering::SeqCst);
        self.0.woken.notify_waiters();
    }

    /// Once stopped.
    async fn stopped(&self) {
        let woken = self.0.woken.notified();
        if !self.is_stopped() {
            woken.await;
        }
    }

    /// Whether the run was stopped.
    pub fn is_stopped(&self) -> bool {
        self.0.stopped.load(Ordering::SeqCst)
    }

    /// How many pieces are under way now (started, not finished).
    pub fn under_way(&self) -> usize {
        self.0.under_way.load(Ordering::SeqCst)
    }

    /// A piece starts; it is counted until the guard is dropped.
    fn start(&self) -> UnderWay<'_> {
        self.0.under_way.fetch_add(1, Ordering::SeqCst);
        UnderWay(self)
    }
}

/// A piece under way, counted in [`Stop::under_way`] while it lives.
struct UnderWay<'a>(&'a Stop);

impl Drop for UnderWay<'_> {
    fn drop(&mut self) {
        self.0.0.under_way.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Runner {
    /// A runner of pieces through `pc`, 16 at a time.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] when `pc` has no journal: without one a batch run again would
    /// make again what it made before.
    pub fn new(pc: &PartnerCenter) -> Result<Self, Error> {
        let journal = pc.journal().cloned().ok_or_else(|| {
            Error::config("a batch needs a journal: build the client with .journal(...)")
        })?;
        Ok(Self {
            pc: pc.clone(),
            journal,
            concurrency: 16,
            stop: Stop::default(),
        })
    }

    /// How many pieces are done at once (at least 1; 16 by default); pieces of one customer
    /// are done one after another, in the order of the input. The client's pace, or the
    /// fleet's shared limit, paces them all; to reach the service's limit, give at least that
    /// limit times a request's time (20 a second and answers in half a second: 10). The runner
    /// reads 16 times that many pieces ahead: an input sorted by customer, whose next pieces
    /// are all one customer's, runs them one at a time, so interleave the customers.
    pub fn concurrency(mut self, pieces: usize) -> Self {
        self.concurrency = pieces.max(1);
        self
    }

    /// What stops this runner's run.
    pub fn stopper(&self) -> Stop {
        self.stop.clone()
    }

    /// Does each line's piece of work, giving each result to `each` as it comes (in the order
    /// they finish), and returns how many came to what. A piece the journal says is done is
    /// not done again: its result is the one kept then ([`PieceOutcome::AlreadyDone`]). For
    /// lines in hand (a file read whole); [`run_channel`](Self::run_channel) takes them as
    /// they come.
    pub async fn run(
        &self,
        lines: impl IntoIterator<Item = String>,
        each: impl FnMut(&PieceResult),
    ) -> Summary {
        let mut lines = lines.into_iter();
        self.run_from(async || lines.next(), each).await
    }

    /// As [`run`](Self::run), with the lines as they come from `lines` (a pipe, a producer),
    /// which ends when its senders are gone: while it waits for the next line, the results of
    /// the pieces under way are still given. Once [stopped](Stop::stop), no more are read.
    pub async fn run_channel(
        &self,
        mut lines: tokio::sync::mpsc::Receiver<String>,
        each: impl FnMut(&PieceResult),
    ) -> Summary {
        self.run_from(async || lines.recv().await, each).await
    }

    /// The run, reading lines with `next` (cancelled, and called again, when a piece finishes
    /// first: it must lose no line then).
    async fn run_from(
        &self,
        mut next: impl AsyncFnMut() -> Option<String>,
        mut each: impl FnMut(&PieceResult),
    ) -> Summary {
        let mut summary = Summary::default();
        // Pieces under way; and pieces read ahead, each waiting for its customer's previous
        // piece or for room (bounded, so a long input is not read all at once).
        let room = Arc::new(Semaphore::new(self.concurrency));
        let ahead = Arc::new(Semaphore::new(self.concurrency.saturating_mul(16)));
        // Each customer's latest piece, which ends by dropping its sender.
        let mut latest: HashMap<String, oneshot::Receiver<()>> = HashMap::new();
        let mut running = JoinSet::new();
        let stop = &self.stop;
        let mut report = |result: Option<PieceResult>, summary: &mut Summary| match result {
            Some(result) => {
                summary.count(&result);
                each(&result);
            }
            None => summary.not_started += 1,
        };
        // Each key's line: a key is one piece of work, done once.
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut line = 0;
        loop {
            // A place ahead, then a line, reporting what finishes meanwhile.
            let place = loop {
                tokio::select! {
                    place = ahead.clone().acquire_owned() => break place,
                    Some(done) = running.join_next() => report(joined(done), &mut summary),
                }
            };
            if stop.is_stopped() {
                break;
            }
            let text = loop {
                tokio::select! {
                    text = next() => break text,
                    Some(done) = running.join_next() => report(joined(done), &mut summary),
                    // A stop while the input keeps its next line back.
                    () = stop.stopped() => break None,
                }
            };
            let Some(text) = text else { break };
            line += 1;
            if text.trim().is_empty() {
                continue;
            }
            if stop.is_stopped() {
                summary.not_started += 1;
                break;
            }
            let piece = match Piece::from_line(&text) {
                Ok(piece) => match keys.get(&piece.key) {
                    Some(first) => Err(format!(
                        "the key {:?} is line {first}'s: each piece of work needs its own",
                        piece.key
                    )),
                    None => {
                        keys.insert(piece.key.clone(), line);
                        Ok(piece)
                    }
                },
                Err(words) => Err(words),
            };
            let piece = match piece {
                Ok(piece) => piece,
                Err(words) => {
                    let mut result = PieceResult::new(line, PieceOutcome::Invalid);
                    result.error = Some(PieceError::invalid(words));
                    report(Some(result), &mut summary);
                    continue;
                }
            };
            let (ended, end) = oneshot::channel::<()>();
            let previous = latest.insert(piece.customer.clone(), end);
            let (pc, journal) = (self.pc.clone(), self.journal.clone());
            let (room, stop) = (room.clone(), self.stop.clone());
            running.spawn(async move {
                if let Some(previous) = previous {
                    // Its sender dropped: the customer's previous piece ended.
                    let _ = previous.await;
                }
                let _turn = room.acquire_owned().await;
                let result = match stop.is_stopped() {
                    true => None,
                    false => {
                        let _counted = stop.start();
                        let result = piece_result(&pc, &journal, line, piece).await;
                        // Every piece would fail the same way: the credentials or the
                        // configuration. Stopped before the next piece may start.
                        if result
                            .error
                            .as_ref()
                            .is_some_and(PieceError::ends_the_batch)
                        {
                            stop.stop();
                        }
                        Some(result)
                    }
                };
                drop((ended, place));
                result
            });
        }
        while let Some(done) = running.join_next().await {
            report(joined(done), &mut summary);
        }
        summary
    }
}

/// A piece's task ended: its result (a panic cannot come from this crate's code; it is
/// reported, not passed on).
fn joined(done: Result<Option<PieceResult>, tokio::task::JoinError>) -> Option<PieceResult> {
    done.unwrap_or_else(|e| {
        let mut result = PieceResult::new(0, PieceOutcome::Unknown);
        result.error = Some(PieceError::panicked(e.to_string()));
        Some(result)
    })
}

/// Does one piece, or gives back what it came to before.
async fn piece_result(
    pc: &PartnerCenter,
    journal: &Journal,
    line: usize,
    piece: Piece,
) -> PieceResult {
    let mut result = PieceResult::new(line, PieceOutcome::Done);
    result.key = Some(piece.key.clone());
    result.customer = Some(piece.customer.clone());
    match journal.finished(&piece.key).await {
        Ok(Some(kept)) => {
            if let Ok(mut kept) = serde_json::from_str::<PieceResult>(&kept) {
                kept.line = line;
                kept.outcome = PieceOutcome::AlreadyDone;
                return kept;
            }
        }
        Ok(None) => {}
        Err(e) => return failed(result, &e),
    }
    let mut doing = 1;
    let outcome = loop {
        match attempt(pc, &piece).await {
            Err(e) if doing < DOINGS && (e.outcome_unknown() || e.is_retryable()) => {
                // Done again under the same key: the journal gives back what was made and
                // settles what was not seen.
                let wait = e
                    .retry_after()
                    .unwrap_or(Duration::from_secs(u64::from(doing)));
                tracing::info!(key = piece.key, doing, error = %e, "doing the piece again");
                pc.shared.clock.sleep(wait).await;
                doing += 1;
            }
            outcome => break outcome,
        }
    };
    match outcome {
        Ok(made) => {
            result.cart_id = made.cart_id;
            result.order_ids = made.order_ids;
            result.complete = made.complete;
            if let Err(e) = journal.finish(&piece.key, &result.to_json()).await {
                // Done all the same; the next run does it again from the journal's steps,
                // which send nothing made.
                tracing::warn!(key = piece.key, error = %e, "the journal could not keep that the piece is done");
            }
            result
        }
        Err(e) => failed(result, &e),
    }
}

fn failed(mut result: PieceResult, error: &Error) -> PieceResult {
    result.outcome = if error.outcome_unknown() {
        PieceOutcome::Unknown
    } else {
        PieceOutcome::Failed
    };
    result.error = Some(PieceError::of(error));
    result
}

/// What a piece made.
struct Made {
    cart_id: Option<String>,
    order_ids: Vec<String>,
    complete: Option<bool>,
}

/// One doing of a piece, under its key.
async fn attempt(pc: &PartnerCenter, piece: &Piece) -> Result<Made, Error> {
    let work = pc.work(piece.key.clone());
    let customer = work.customer(&piece.customer);
    match &piece.task {
        Task::Purchase { line_items } => {
            let cart = crate::types::Cart {
                line_items: line_items.clone(),
                ..Default::default()
            };
            let created = customer.create(&cart).await?;
            let Some(cart_id) = created.id else {
                return Err(Error::new(ErrorKind::Mismatch(
                    crate::error::Mismatch::new("the service created a cart without an id"),
                )));
            };
            let placed = customer.cart(&cart_id).checkout().await?;
            Ok(Made {
                order_ids: placed
                    .orders()
                    .iter()
                    .filter_map(|o| o.id.clone())
                    .collect(),
                complete: Some(placed.is_complete()),
                cart_id: Some(cart_id),
            })
        }
        Task::OrderChange { order, change } => {
            let changed = customer.order(order).update(change).await?;
            Ok(Made {
                cart_id: None,
                order_ids: changed.id.into_iter().collect(),
                complete: None,
            })
        }
    }
}
