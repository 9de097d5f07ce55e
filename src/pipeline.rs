//! One operation from start to end, in the order things happen. It runs inside the generated
//! client's `exec` hook ([`crate::transport`]), so every operation of the spec goes through it:
//!
//! 1. once: the operation's ids, where the caller set none ([`crate::headers`]; the client's
//!    headers are the HTTP client's defaults);
//! 2. per attempt, a copy of that request: a token ([`crate::auth`]), a time-out no longer than
//!    the budget left, the bounded read of the answer ([`crate::transport`]), and what it means
//!    ([`crate::error::classify`]) and did ([`crate::error::effect`]);
//! 3. after a failed attempt: a 401 gets one more try with a fresh token; anything else is
//!    retried as [`crate::retry`] decides, drawing on the client's retry budget.
//!
//! What it saw goes to the call's [`Context`], which [`PartnerCenter::call`] turns into this
//! crate's result.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use progenitor_client::OperationInfo;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use tracing::{Instrument, Span, field};

use crate::error::classify::{Generated, attempt_error, classify, from_status};
use crate::error::effect::{self, Attempt as AttemptEffect};
use crate::error::{Effect, Error, ErrorKind};
use crate::headers::{OperationIds, prepare};
use crate::retry::Admission;
use crate::retry::policy::Next;
use crate::transport::{Context, Seen, read_bounded, stand_in};
use crate::types::{Cart, CartCheckoutResult, PartnerCenterError};
use crate::{PartnerCenter, generated};

/// How one operation is sent: its ids, when the caller's operation began, and what earlier
/// sendings of this same request did.
#[derive(Clone, Debug)]
pub(crate) struct Sending {
    pub ids: OperationIds,
    /// On the client's clock: a compound operation (`modify`, `checkout`) spends one time
    /// budget over all its requests.
    pub started: Instant,
    /// [`Effect::Unknown`] when this request is sent again to learn the outcome of an earlier
    /// sending whose answer was lost.
    pub prior: Effect,
}

/// What the pipeline saw of one operation.
#[derive(Debug)]
pub(crate) struct Record {
    /// The spec's `operationId`.
    pub operation: &'static str,
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
}

/// One attempt's result: an answer (read, within the size limit) or a failure of the
/// connection. (One per attempt, moved a few times: boxing the answer would cost an allocation
/// per request for nothing.)
#[allow(clippy::large_enum_variant)]
enum Outcome {
    Answer(reqwest::Response, Seen, bytes::Bytes),
    Failed(reqwest::Error),
}

/// How the last attempt ended, for the generated code to decode; what was seen of its answer
/// is in the record.
enum Ended {
    Answer(reqwest::Response),
    Failed(reqwest::Error),
}

/// Runs one operation: the generated code's `request`, sent until it succeeds or the policy
/// stops; returns the last answer (or failure) for the generated code to decode.
pub(crate) async fn run(
    context: &Context,
    http: &reqwest::Client,
    mut request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    let operation = generated::operation_name(info.operation_id);
    let writes = request.method() != reqwest::Method::GET;
    let Sending {
        ids,
        started,
        prior,
    } = context.take_sending();
    let ids = prepare(request.headers_mut(), ids);
    // Field names follow OpenTelemetry's HTTP client conventions where there is one, beside
    // the Partner Center ids (README, "Telemetry").
    let url = request.url();
    let span = tracing::info_span!(
        "partner_center",
        operation,
        request_id = %ids.request_text(),
        correlation_id = %ids.correlation_text(),
        attempts = field::Empty,
        "otel.kind" = "client",
        "http.request.method" = %request.method(),
        "server.address" = url.host_str().unwrap_or(""),
        "server.port" = url.port_or_known_default(),
        "http.response.status_code" = field::Empty,
        "error.type" = field::Empty,
    );
    let mut record = Record {
        operation,
        writes,
        ids,
        attempts: 0,
        before_last: prior,
        effect: prior,
        seen: None,
        aborted: None,
        request: None,
    };

    let mut request = Some(request);
    // Wrapped in its span only when something listens: the wrapper is one more copy of the
    // whole future on every operation. (Awaited where it is made: a future first kept in a
    // variable is copied whole again.)
    let ended = if span.is_disabled() {
        attempts(context, http, &mut request, started, &mut record, &span).await
    } else {
        attempts(context, http, &mut request, started, &mut record, &span)
            .instrument(span.clone())
            .await
    };
    match (&ended, &record.aborted, &record.seen) {
        (_, Some(error), _) => {
            span.record("error.type", error_type(error));
        }
        (Some(Ended::Failed(e)), None, _) => {
            span.record("error.type", error_type(&attempt_error(e)));
        }
        (Some(Ended::Answer(_)), None, Some(seen)) => {
            span.record("http.response.status_code", seen.status);
            if !(200..300).contains(&seen.status) {
                span.record("error.type", seen.status.to_string());
            }
        }
        _ => {}
    }
    if writes {
        record.request = request;
    }
    let returned = match (ended, &record.aborted) {
        (_, Some(error)) => Ok(stand_in(error)),
        (Some(Ended::Answer(response)), None) => Ok(response),
        (Some(Ended::Failed(error)), None) => Err(error),
        // No attempt and no error cannot happen: the loop ends with one or the other.
        (None, None) => Ok(stand_in(&Error::new(ErrorKind::Timeout))),
    };
    context.keep(record);
    returned
}

/// The attempts of one operation, each a copy of `original` (which itself goes on the last
/// attempt when a copy cannot be made: a streamed body); the last outcome, or
/// `record.aborted`.
async fn attempts(
    context: &Context,
    http: &reqwest::Client,
    original: &mut Option<reqwest::Request>,
    started: Instant,
    record: &mut Record,
    span: &Span,
) -> Option<Ended> {
    let shared = &context.pc.shared;
    // Attempts that count against `max_attempts`: not those the service asked to repeat later.
    let mut counted = 0u32;
    let mut fresh_token_tried = false;
    let mut withdrawn = 0u32;
    let mut last = None;
    // A budget too long to add to an instant (`Duration::MAX`) is a year: no wait is that long.
    let deadline = started
        .checked_add(shared.retry.total_budget())
        .unwrap_or_else(|| started + std::time::Duration::from_secs(365 * 86_400));
    loop {
        let left = deadline.saturating_duration_since(shared.clock.now());
        if left.is_zero() {
            record.aborted = Some(Error::new(ErrorKind::Timeout));
            return last;
        }
        // Getting a token counts against the operation's time too.
        let token = match tokio::time::timeout(left, shared.tokens.token()).await {
            Ok(Ok(token)) => token,
            Ok(Err(e)) => {
                record.aborted = Some(e);
                return last;
            }
            Err(_) => {
                record.aborted = Some(Error::new(ErrorKind::Timeout));
                return last;
            }
        };
        // The client's pace, learnt from the service's 429s: a turn to send, within the
        // operation's time.
        let permit = match &shared.rate {
            Some(rate) => match rate.acquire(&*shared.clock, deadline).await {
                Some(permit) => Some(permit),
                None => {
                    record.aborted = Some(Error::new(ErrorKind::Timeout));
                    return last;
                }
            },
            None => None,
        };
        let left = deadline.saturating_duration_since(shared.clock.now());
        let Some(mut attempt_request) = original
            .as_ref()
            .and_then(reqwest::Request::try_clone)
            .or_else(|| original.take())
        else {
            return last;
        };
        record.attempts += 1;
        span.record("attempts", record.attempts);
        let mut authorization: HeaderValue = token.header().clone();
        authorization.set_sensitive(true);
        attempt_request
            .headers_mut()
            .insert(AUTHORIZATION, authorization);
        // The client's own time-out is `attempt_timeout`; a request carries one only when the
        // operation has less left (an extension of the request, allocated and copied per
        // attempt, which the common case does without).
        if left < shared.attempt_timeout {
            *attempt_request.timeout_mut() = Some(left);
        }

        let attempt_span = tracing::debug_span!(
            "attempt",
            attempt = record.attempts,
            "http.request.resend_count" = record.attempts - 1,
            "http.response.status_code" = field::Empty,
            "error.type" = field::Empty,
        );
        // Only for the debug events' `elapsed_ms`: reading the clock costs each request.
        let sent = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
        let limit = shared.max_response_bytes;
        let outcome = if attempt_span.is_disabled() {
            send(http, attempt_request, limit).await
        } else {
            send(http, attempt_request, limit)
                .instrument(attempt_span.clone())
                .await
        };
        if let (Some(rate), Some(permit), Outcome::Answer(_, seen, _)) =
            (&shared.rate, permit, &outcome)
        {
            let answer = if seen.status == 429 {
                Admission::Throttled
            } else {
                Admission::Admitted
            };
            rate.observe(permit, answer, &*shared.clock);
        }
        let elapsed_ms = || sent.map(|sent| sent.elapsed().as_millis() as u64);
        let (ended, error) = match outcome {
            Outcome::Answer(response, seen, _) if (200..300).contains(&seen.status) => {
                attempt_span.record("http.response.status_code", seen.status);
                tracing::debug!(parent: &attempt_span, status = seen.status, elapsed_ms = elapsed_ms(), "answered");
                // A success refills the budget: what this operation's retries took, or one
                // token for a first-time success.
                shared.budget.deposit(withdrawn.max(1));
                record.seen = Some(seen);
                return Some(Ended::Answer(response));
            }
            Outcome::Answer(response, seen, body) => {
                let error = error_answer(&seen, &body);
                record.seen = Some(seen);
                (Ended::Answer(response), error)
            }
            Outcome::Failed(e) => {
                record.seen = None;
                let error = attempt_error(&e);
                (Ended::Failed(e), error)
            }
        };
        if let Some(status) = error.status() {
            attempt_span.record("http.response.status_code", status);
        }
        attempt_span.record("error.type", error_type(&error));
        tracing::debug!(parent: &attempt_span, status = error.status(), elapsed_ms = elapsed_ms(), error = %error, "failed");
        record.before_last = record.effect;
        record.effect = effect::fold(record.effect, AttemptEffect::of(&error));
        last = Some(ended);
        if original.is_none() {
            return last;
        }

        if is_refused_token(&error) && !fresh_token_tried {
            fresh_token_tried = true;
            if shared.tokens.invalidate(&token) {
                tracing::info!("the service refused the token; trying once more with a fresh one");
                continue;
            }
        }
        if shared.retry.counts(&error) {
            counted += 1;
        }
        let elapsed = shared.clock.now().saturating_duration_since(started);
        let wait = match shared.retry.next(counted, &error, elapsed) {
            Next::GiveUp => return last,
            Next::RetryAfter(wait) => wait,
        };
        let after_timeout = matches!(error.kind(), ErrorKind::Timeout);
        let Some(cost) = shared.budget.withdraw(after_timeout) else {
            tracing::warn!("the client's retry budget is spent; not retrying");
            return last;
        };
        withdrawn += cost;
        tracing::info!(wait_ms = wait.as_millis() as u64, error = %error, "retrying");
        shared.clock.sleep(wait).await;
    }
}

/// OpenTelemetry's `error.type`: the status code of an error answer, else what went wrong.
fn error_type(error: &Error) -> String {
    if let Some(status) = error.status() {
        return status.to_string();
    }
    match error.kind() {
        ErrorKind::InvalidInput { .. } => "invalid_input",
        ErrorKind::Auth { .. } => "auth",
        ErrorKind::Transport { .. } => "transport",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Undecodable { .. } => "undecodable",
        ErrorKind::Mismatch { .. } => "mismatch",
        _ => "_OTHER",
    }
    .to_string()
}

/// Sends one attempt and reads its answer, within the size limit.
async fn send(http: &reqwest::Client, request: reqwest::Request, limit: usize) -> Outcome {
    let answer = match http.execute(request).await {
        Ok(response) => read_bounded(response, limit).await,
        Err(e) => return Outcome::Failed(e),
    };
    match answer {
        Ok((response, seen, body)) => Outcome::Answer(response, seen, body),
        Err(e) => Outcome::Failed(e),
    }
}

/// What an error answer means, for the retry decision: its status, and its Partner Center code
/// (a 409 is retried only for the "busy" codes).
fn error_answer(seen: &Seen, body: &[u8]) -> Error {
    let body = serde_json::from_slice::<PartnerCenterError>(body).ok();
    from_status(seen.status, body, None, seen.retry_after)
}

/// A 401 from the service (as opposed to a token that could not be obtained).
fn is_refused_token(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::Auth {
            service: Some(_),
            ..
        }
    )
}

impl PartnerCenter {
    /// Sends one operation of the generated client through the pipeline and returns this
    /// crate's result: every header, retries, tokens, time-outs, and an [`Error`] with the
    /// operation's name (its `operationId`), its ids, its attempts and its
    /// [`effect`](Error::effect).
    ///
    /// This is how to call an operation the front door has no method for, such as one added
    /// to the spec: `send` gets a generated client for this one operation, builds the request
    /// with the operation's builder, and sends it. Parameters are set by name, so an optional
    /// one added to the spec later breaks no caller. A header set on the builder
    /// (`ms_request_id`, `x_locale`, ...) wins over the client's.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// let cart = pc
    ///     .call(|api| async move {
    ///         api.get_cart()
    ///             .customer_id("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
    ///             .cart_id("65faf57b-0205-47ee-92b3-08dcf233ea73")
    ///             .send()
    ///             .await
    ///     })
    ///     .await?;
    /// println!("{:?}", cart.status);
    /// # Ok(()) }
    /// ```
    pub async fn call<T, F, Fut>(&self, send: F) -> Result<T, Error>
    where
        F: FnOnce(generated::Client) -> Fut,
        Fut: Future<Output = Generated<T>>,
    {
        let Call { api, kept } = self.begin(None);
        kept.finish(send(api).await, |_: &T| None)
    }

    /// One operation, sent as `sending` says: the front door sends it with `api` and gives the
    /// result to `kept`. (Rather than a method that takes the sending as a closure and awaits
    /// it: the operations await the generated `send` themselves, which spares a copy of its
    /// whole future on every operation.)
    pub(crate) fn begin(&self, sending: Option<Sending>) -> Call {
        let context = Context::new(self.clone(), sending);
        let kept = Kept(context.record.clone());
        Call {
            api: self.client_with(context),
            kept,
        }
    }
}

/// One operation between [`PartnerCenter::begin`] and [`Kept::finish`].
pub(crate) struct Call {
    /// The generated client to send it with.
    pub api: generated::Client,
    pub kept: Kept,
}

/// Where the pipeline keeps what it saw of the operation sent with a [`Call`]'s client.
pub(crate) struct Kept(Arc<Mutex<Option<Record>>>);

impl Kept {
    /// This crate's result of the operation: its generated `result`, what the pipeline saw,
    /// and `check` of a decoded success.
    pub(crate) fn finish<T>(
        self,
        result: Generated<T>,
        check: impl FnOnce(&T) -> Option<ErrorKind>,
    ) -> Result<T, Error> {
        let record = self.0.lock().ok().and_then(|mut r| r.take());
        let Some(record) = record else {
            // Nothing was sent: the generated builder refused a parameter.
            return classify(result, None);
        };
        let Record {
            operation,
            writes,
            ids,
            attempts,
            before_last,
            effect,
            seen,
            aborted,
            request,
        } = record;
        let (error, effect) = match aborted {
            Some(error) => (error, effect),
            None => {
                let error = match classify(result, seen) {
                    Ok(value) => match check(&value) {
                        None => return Ok(value),
                        Some(kind) => Error::new(kind),
                    },
                    Err(e) => e,
                };
                let effect = effect::fold(before_last, AttemptEffect::of(&error));
                (error, effect)
            }
        };
        let effect = if writes { effect } else { Effect::None };
        let error = error
            .in_operation(
                operation,
                &ids.request_text(),
                &ids.correlation_text(),
                attempts,
            )
            .with_effect(effect);
        let body = request
            .as_ref()
            .filter(|_| effect == Effect::Unknown)
            .and_then(reqwest::Request::body)
            .and_then(reqwest::Body::as_bytes);
        Err(match body {
            Some(body) => error.with_request_body(bytes::Bytes::copy_from_slice(body)),
            None => error,
        })
    }
}

/// What a decoded success must hold to be one.
pub(crate) trait Answer {
    /// Why this success is not one, for an operation on the resource `asked` (its id in the
    /// path): an answer about another resource, or a checkout that placed nothing.
    fn refusal(&self, asked: Option<&str>) -> Option<ErrorKind>;
}

impl Answer for Cart {
    fn refusal(&self, asked: Option<&str>) -> Option<ErrorKind> {
        // GUIDs come in either case.
        match (asked, self.id.as_deref()) {
            (Some(asked), Some(id)) if !asked.eq_ignore_ascii_case(id) => {
                Some(ErrorKind::Mismatch {
                    reason: format!("the service answered with cart {id} for cart {asked}"),
                })
            }
            _ => None,
        }
    }
}

impl Answer for CartCheckoutResult {
    fn refusal(&self, _asked: Option<&str>) -> Option<ErrorKind> {
        let placed = self.orders.as_ref().is_some_and(|o| !o.is_empty());
        (!placed).then(|| ErrorKind::NothingOrdered {
            order_errors: self.order_errors.clone().unwrap_or_default(),
        })
    }
}
