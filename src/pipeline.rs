//! One operation, in two levels (as smithy-rs's orchestrator has them):
//!
//! - the operation, here ([`run`]): its ids and headers, set once ([`crate::headers`]); its
//!   time budget; then attempts, until one succeeds or the retry strategy
//!   ([`crate::retry::Strategy`], asked once per failed attempt) says stop, what each failed
//!   attempt did folded into the operation's [`Effect`];
//! - the attempt ([`crate::attempt`]): a token, a turn of the pace, the request sent, its
//!   answer read within the size limit, and what that answer means.
//!
//! It runs inside the generated client's `exec` hook ([`crate::hooks`]), so every operation of
//! the spec goes through it, and hands back the last answer (or failure) with a [`Record`] of
//! what it saw.

use std::sync::Arc;
use std::time::Instant;

use tracing::{Instrument, field};

use crate::attempt::{self, Attempt, Ended};
use crate::classify;
use crate::client::PartnerCenter;
use crate::error::effect::{self, Attempt as AttemptEffect};
use crate::error::{Effect, Error};
use crate::generated::Operation;
use crate::headers::prepare;
use crate::ids::{OperationIds, RequestId};
use crate::journal::entry::Outcome;
use crate::journal::step::{self, Before, Step};
use crate::journal::work::WorkScope;
use crate::read::Seen;
use crate::retry::{Next, Priority, Strategy};

/// How one operation is sent: its ids, when the caller's operation began, what earlier
/// sendings of this same request did, and the customer it is for.
#[derive(Clone, Debug)]
pub(crate) struct Sending {
    pub ids: OperationIds,
    /// On the client's clock: a compound operation (`modify`, `checkout`) spends one time
    /// budget over all its requests.
    pub started: Instant,
    /// [`Effect::Unknown`] when this request is sent again to learn the outcome of an earlier
    /// sending whose answer was lost.
    pub prior: Effect,
    /// The customer's tenant id, for the fleet's per-customer limit; `None` for an operation
    /// of the generated client, which counts against the tenant's limit alone.
    pub customer: Option<String>,
    /// The piece of work a write belongs to, for the client's journal.
    pub work: Option<Arc<WorkScope>>,
    /// Another round of the write just made, a new request in the same journal step.
    pub round: bool,
    /// Its class under the fleet's shared limit, when the caller gave one.
    pub priority: Option<Priority>,
}

impl Sending {
    /// The operation is for this customer.
    pub(crate) fn for_customer(self, customer: &str) -> Self {
        Self {
            customer: Some(customer.to_string()),
            ..self
        }
    }
}

impl PartnerCenter {
    /// A new operation, starting now: with the request id the caller fixed, or a fresh one.
    pub(crate) fn sending(&self, request_id: Option<RequestId>) -> Sending {
        Sending {
            ids: OperationIds::new(request_id, self.correlation_id()),
            started: self.now(),
            prior: Effect::None,
            customer: None,
            work: self.work_scope(),
            round: false,
            priority: self.priority(),
        }
    }
}

/// What the pipeline saw of one operation.
#[derive(Debug)]
pub(crate) struct Record {
    /// The spec's operation (`None` only for a name progenitor gave that the spec lacks).
    pub operation: Option<Operation>,
    /// Whether it changes the service's state (anything but a GET): only then can its outcome
    /// be unknown.
    pub writes: bool,
    pub ids: OperationIds,
    pub attempts: u32,
    /// What the attempts before the last did; the last is judged by the caller, who decodes
    /// its answer.
    pub before_last: Effect,
    /// What all the attempts did, as far as their statuses tell.
    pub effect: Effect,
    /// The last answer, if there was one.
    pub seen: Option<Seen>,
    /// An error that ended the operation with no answer to hand on: no token, no time left.
    pub aborted: Option<Error>,
    /// The request of a write, as sent: its body is what to send again if its outcome is
    /// unknown. (Kept whole, so that nothing is copied unless it is needed.)
    pub request: Option<reqwest::Request>,
    /// The body of a success, for the journal.
    pub answer: Option<bytes::Bytes>,
    /// The last attempt was a business failure: the service asks for a new request id after
    /// one.
    pub refused: bool,
    /// The journal's step of the write, for the call to settle again when the answer, read,
    /// says nothing was made (a checkout that ordered nothing).
    pub step: Option<Step>,
}

/// Runs one operation: the generated code's `request`, sent until it succeeds or the strategy
/// stops; returns the last answer or failure (`None` when the record says why no attempt
/// could be made) and the record.
pub(crate) async fn run(
    pc: &PartnerCenter,
    mut request: reqwest::Request,
    operation: Option<Operation>,
    sending: &Sending,
) -> (Option<Ended>, Record) {
    // The spec's word where it has one: a POST marked `x-read-only` (a check) reads.
    let writes = operation.map_or(request.method() != reqwest::Method::GET, Operation::writes);
    let Sending {
        ids,
        started,
        prior,
        customer,
        work,
        round,
        priority,
    } = sending;
    // A write of a piece of work goes through the client's journal, which may have its answer
    // already, or the ids it was first sent with.
    let journal = pc.shared.journal.as_ref().filter(|_| writes);
    let mut step = None;
    let (mut ids, mut prior) = (*ids, *prior);
    if let (Some(journal), Some(work)) = (journal, work) {
        let name = operation.map_or("", Operation::name);
        match step::before(journal, work, name, &request, ids.correlation_id, *round).await {
            Ok(Before::Send(journaled)) => {
                ids = journaled.ids;
                if journaled.again {
                    prior = Effect::Unknown;
                }
                step = Some(journaled);
            }
            Ok(Before::Made(response, seen, made)) => {
                // Made by its first sending: its ids, and what it did.
                let mut record = Record::new(operation, writes, made, Effect::Applied);
                record.seen = Some(seen);
                return (Some(Ended::Answer(response)), record);
            }
            Err(error) => {
                let mut record = Record::new(operation, writes, ids, prior);
                record.aborted = Some(error);
                return (None, record);
            }
        }
    }
    let (ids, refused) = match prepare(request.headers_mut(), ids) {
        Ok(ids) => (ids, None),
        Err(error) => (ids, Some(error)),
    };
    // Field names follow OpenTelemetry's HTTP client conventions where there is one, beside
    // the Partner Center ids (docs/retries-and-errors.md, "Telemetry").
    let url = request.url();
    let span = tracing::info_span!(
        "partner_center",
        operation = operation.map_or("", Operation::name),
        request_id = %ids.request_id,
        correlation_id = %ids.correlation_id,
        attempts = field::Empty,
        "otel.kind" = "client",
        "http.request.method" = %request.method(),
        "server.address" = url.host_str().unwrap_or(""),
        "server.port" = url.port_or_known_default(),
        "http.response.status_code" = field::Empty,
        "error.type" = field::Empty,
    );
    let mut record = Record::new(operation, writes, ids, prior);
    record.aborted = refused;
    if record.aborted.is_some() {
        if let (Some(journal), Some(step)) = (journal, &step) {
            // Not sent: unless an earlier sending's outcome is unknown.
            step::after(journal, step, outcome(&record)).await;
        }
        record.step = step;
        return (None, record);
    }

    let mut request = Some(request);
    let started = *started;
    let customer = customer.as_deref();
    // A purchase's writes first, unless the caller said otherwise.
    let priority = priority.unwrap_or(Priority::of(writes));
    // Wrapped in its span only when something listens: the wrapper is one more copy of the
    // whole future on every operation. (Awaited where it is made: a future first kept in a
    // variable is copied whole again.)
    let ended = if span.is_disabled() {
        attempts(pc, &mut request, started, customer, priority, &mut record).await
    } else {
        attempts(pc, &mut request, started, customer, priority, &mut record)
            .instrument(span.clone())
            .await
    };
    // Recorded once, at the end: a subscriber that prints a span's fields as they are recorded
    // would otherwise show every count (`attempts=1 attempts=2 ...`); each attempt's own span
    // has its number.
    span.record("attempts", record.attempts);
    match (&ended, &record.aborted, &record.seen) {
        (_, Some(error), _) => {
            span.record("error.type", attempt::error_type(error));
        }
        (Some(Ended::Failed(e)), None, _) => {
            span.record(
                "error.type",
                attempt::error_type(&classify::attempt_error(e)),
            );
        }
        (Some(Ended::Answer(_)), None, Some(seen)) => {
            span.record("http.response.status_code", seen.status);
            if !(200..300).contains(&seen.status) {
                span.record("error.type", seen.status.to_string());
            }
        }
        _ => {}
    }
    if let (Some(journal), Some(step)) = (journal, &step) {
        step::after(journal, step, outcome(&record)).await;
    }
    record.step = step;
    if writes {
        record.request = request;
    }
    (ended, record)
}

/// What the journal keeps of a write's outcome: its answer when it was made; that it was not,
/// and whether the service judged it; nothing while it is unknown.
fn outcome(record: &Record) -> Option<Outcome> {
    match (&record.answer, &record.seen, record.effect) {
        (Some(body), Some(seen), _) => Some(Outcome::Made {
            status: seen.status,
            body: body.to_vec(),
        }),
        (_, _, Effect::None) if record.refused => Some(Outcome::NotMade),
        (_, _, Effect::None) => Some(Outcome::Unsent),
        _ => None,
    }
}

impl Record {
    fn new(operation: Option<Operation>, writes: bool, ids: OperationIds, prior: Effect) -> Self {
        Record {
            operation,
            writes,
            ids,
            attempts: 0,
            before_last: prior,
            effect: prior,
            seen: None,
            aborted: None,
            request: None,
            answer: None,
            refused: false,
            step: None,
        }
    }
}

/// The attempts of one operation, each a copy of `original` (which itself goes on the last
/// attempt when a copy cannot be made: a streamed body); the last outcome, or
/// `record.aborted`.
async fn attempts(
    pc: &PartnerCenter,
    original: &mut Option<reqwest::Request>,
    started: Instant,
    customer: Option<&str>,
    priority: Priority,
    record: &mut Record,
) -> Option<Ended> {
    let shared = &pc.shared;
    // A budget too long to add to an instant (`Duration::MAX`) is a year: no wait is that long.
    let deadline = started
        .checked_add(shared.retry.total_budget())
        .unwrap_or_else(|| started + std::time::Duration::from_secs(365 * 86_400));
    let mut strategy = Strategy::new(&shared.retry, &shared.budget, &*shared.tokens, started);
    let mut last = None;
    // The same for every attempt.
    let to = attempt::To {
        deadline,
        customer,
        needs_mfa: record.operation.is_some_and(Operation::app_user_only),
        operation: record.operation,
        priority,
    };
    loop {
        let number = record.attempts + 1;
        let failed = match attempt::send(shared, original, to, number).await {
            Attempt::Answered(response, seen, body) => {
                record.attempts = number;
                strategy.succeeded();
                record.seen = Some(seen);
                record.answer = Some(body);
                return Some(Ended::Answer(response));
            }
            Attempt::NotMade(error) => {
                record.aborted = error;
                return last;
            }
            Attempt::Failed(failed) => {
                record.attempts = number;
                failed
            }
        };
        // A business failure ends the request id's use: the service asks for a new one after
        // it ("upon receiving a response (success or business failure), the value should be
        // reset for the next call"). A throttled, busy or unauthorised one was not judged.
        record.refused = failed
            .seen
            .as_ref()
            .is_some_and(|seen| (400..500).contains(&seen.status) && seen.status != 401)
            && !failed.error.is_transient();
        record.seen = failed.seen;
        record.before_last = record.effect;
        record.effect = effect::fold(record.effect, AttemptEffect::of(&failed.error));
        let next = strategy.next(
            &failed.error,
            &failed.token,
            original.is_some(),
            shared.clock.now(),
        );
        last = Some(failed.ended);
        match next {
            Next::Stop => return last,
            Next::FreshToken => {
                tracing::info!("the service refused the token; trying once more with a fresh one");
            }
            Next::After(wait) => {
                tracing::info!(wait_ms = wait.as_millis() as u64, error = %failed.error, "retrying");
                shared.clock.sleep(wait).await;
            }
        }
    }
}
