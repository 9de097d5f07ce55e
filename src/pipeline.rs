//! One operation from start to end, in the order things happen:
//!
//! 1. once: the operation's ids (by the caller) and headers ([`crate::headers`]);
//! 2. per attempt: a token ([`crate::auth`]), a time-out no longer than the budget left, the
//!    request ([`crate::transport`]), and the answer turned into a result
//!    ([`crate::error::classify`]);
//! 3. after a failed attempt: what it did to the service's state is folded into the
//!    operation's [`Effect`] ([`crate::error::effect`]); a 401 gets one more try with a fresh
//!    token; anything else is retried as [`crate::retry`] decides, drawing on the client's retry
//!    budget.

use std::future::Future;
use std::time::Instant;

use tracing::{Instrument, Span, field};

use crate::error::classify::{Generated, classify};
use crate::error::effect::{self, Attempt as AttemptEffect};
use crate::error::{Effect, Error, ErrorKind};
use crate::headers::{OperationIds, operation_headers};
use crate::retry::policy::Next;
use crate::transport::{Attempt, Seen};
use crate::types::{Cart, CartCheckoutResult};
use crate::{PartnerCenter, generated};

/// How one request is sent: its ids, when the caller's operation began, and what earlier
/// sendings of this same request did.
pub(crate) struct Sending {
    pub ids: OperationIds,
    /// On the client's clock: a compound operation (`modify`, `checkout`) spends one time
    /// budget over all its requests.
    pub started: Instant,
    /// [`Effect::Unknown`] when this request is sent again to learn the outcome of an earlier
    /// sending whose answer was lost.
    pub prior: Effect,
}

/// One call of a generated operation, as the pipeline runs it.
pub(crate) struct Call<'a> {
    /// The spec's `operationId`.
    pub operation: &'static str,
    /// Whether it changes the service's state (anything but a GET): only then can its outcome
    /// be unknown.
    pub writes: bool,
    pub sending: &'a Sending,
    pub if_match: Option<&'a str>,
    /// The id of the resource in the path (a cart id), which a success must be about.
    pub resource: Option<&'a str>,
}

impl PartnerCenter {
    /// Runs `send` (one call of a generated operation) until it succeeds or the policy stops.
    pub(crate) async fn run<T, F, Fut>(&self, call: Call<'_>, mut send: F) -> Result<T, Error>
    where
        T: Answer,
        F: FnMut(generated::Client) -> Fut,
        Fut: Future<Output = (Generated<T>, Option<Seen>)>,
    {
        let shared = &self.shared;
        let Call {
            operation,
            writes,
            sending,
            if_match,
            resource,
        } = call;
        let (ids, started) = (&sending.ids, sending.started);
        let span = tracing::info_span!(
            "partner_center",
            operation,
            request_id = %ids.request_id,
            correlation_id = %ids.correlation_id,
            attempts = field::Empty,
        );
        // What the attempts so far did, as far as their answers tell (see `crate::error::effect`).
        let mut effect = sending.prior;
        let named = |e: Error, attempts: u32, effect: Effect| {
            let effect = if writes { effect } else { Effect::None };
            e.in_operation(operation, &ids.request_id, &ids.correlation_id, attempts)
                .with_effect(effect)
        };
        let headers =
            operation_headers(&shared.headers, ids, if_match).map_err(|e| named(e, 0, effect))?;

        async {
            let mut attempt = 0u32;
            // Attempts that count against `max_attempts`: not those the service asked to repeat.
            let mut counted = 0u32;
            let mut fresh_token_tried = false;
            let mut withdrawn = 0u32;
            loop {
                let elapsed = shared.clock.now().saturating_duration_since(started);
                let left = shared.retry.total_budget().saturating_sub(elapsed);
                if left.is_zero() {
                    return Err(named(Error::new(ErrorKind::Timeout), attempt, effect));
                }
                // Getting a token counts against the operation's time too.
                let token = match tokio::time::timeout(left, shared.tokens.token()).await {
                    Ok(token) => token.map_err(|e| named(e, attempt, effect))?,
                    Err(_) => return Err(named(Error::new(ErrorKind::Timeout), attempt, effect)),
                };
                attempt += 1;
                Span::current().record("attempts", attempt);
                let client = self.attempt_client(Attempt::new(
                    Some(token.header().clone()),
                    Some(headers.clone()),
                    Some(shared.attempt_timeout.min(left)),
                    shared.max_response_bytes,
                ));

                let attempt_span = tracing::debug_span!("attempt", attempt);
                let sent = Instant::now();
                let (result, seen) = send(client).instrument(attempt_span.clone()).await;
                let status = seen.as_ref().map(|s| s.status);
                let elapsed_ms = sent.elapsed().as_millis() as u64;

                let answer = classify(result, seen).and_then(|value| match value.refusal(resource) {
                    Some(kind) => Err(Error::new(kind)),
                    None => Ok(value),
                });
                let error = match answer {
                    Ok(value) => {
                        tracing::debug!(parent: &attempt_span, status, elapsed_ms, "answered");
                        // A success refills the budget: what this operation's retries took, or
                        // one token for a first-time success.
                        shared.budget.deposit(withdrawn.max(1));
                        return Ok(value);
                    }
                    Err(e) => e,
                };
                tracing::debug!(parent: &attempt_span, status, elapsed_ms, error = %error, "failed");
                effect = effect::fold(effect, AttemptEffect::of(&error));

                if is_refused_token(&error) && !fresh_token_tried {
                    fresh_token_tried = true;
                    if shared.tokens.invalidate(&token) {
                        tracing::info!(
                            "the service refused the token; trying once more with a fresh one"
                        );
                        continue;
                    }
                }
                if shared.retry.counts(&error) {
                    counted += 1;
                }
                let elapsed = shared.clock.now().saturating_duration_since(started);
                let wait = match shared.retry.next(counted, &error, elapsed) {
                    Next::GiveUp => return Err(named(error, attempt, effect)),
                    Next::RetryAfter(wait) => wait,
                };
                let after_timeout = matches!(error.kind(), ErrorKind::Timeout);
                let Some(cost) = shared.budget.withdraw(after_timeout) else {
                    tracing::warn!("the client's retry budget is spent; not retrying");
                    return Err(named(error, attempt, effect));
                };
                withdrawn += cost;
                tracing::info!(wait_ms = wait.as_millis() as u64, error = %error, "retrying");
                shared.clock.sleep(wait).await;
            }
        }
        .instrument(span)
        .await
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
