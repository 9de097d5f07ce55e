//! One operation from start to end, in the order things happen:
//!
//! 1. once: the operation's ids (by the caller) and headers ([`crate::headers`]);
//! 2. per attempt: a token ([`crate::auth`]), a time-out no longer than the budget left, the
//!    request ([`crate::transport`]), and the answer turned into a result
//!    ([`crate::error::classify`]);
//! 3. after a failed attempt: a 401 gets one more try with a fresh token; anything else is
//!    retried as [`crate::retry`] decides, drawing on the client's retry budget.

use std::future::Future;
use std::time::Instant;

use tracing::{Instrument, Span, field};

use crate::error::classify::{Generated, classify};
use crate::headers::{OperationIds, operation_headers};
use crate::retry::policy::Next;
use crate::transport::{Attempt, Seen};
use crate::{Error, ErrorKind, PartnerCenter, generated};

impl PartnerCenter {
    /// Runs `send` (one call of a generated operation) until it succeeds or the policy stops.
    pub(crate) async fn run<T, F, Fut>(
        &self,
        operation: &'static str,
        ids: &OperationIds,
        if_match: Option<&str>,
        mut send: F,
    ) -> Result<T, Error>
    where
        F: FnMut(generated::Client) -> Fut,
        Fut: Future<Output = (Generated<T>, Option<Seen>)>,
    {
        let shared = &self.shared;
        let span = tracing::info_span!(
            "partner_center",
            operation,
            request_id = %ids.request_id,
            correlation_id = %ids.correlation_id,
            attempts = field::Empty,
        );
        let named = |e: Error, attempts: u32| {
            e.in_operation(operation, &ids.request_id, &ids.correlation_id, attempts)
        };
        let headers = operation_headers(&shared.headers, ids, if_match).map_err(|e| named(e, 0))?;

        async {
            let started = shared.clock.now();
            let mut attempt = 0u32;
            let mut fresh_token_tried = false;
            let mut withdrawn = 0u32;
            loop {
                let elapsed = shared.clock.now().saturating_duration_since(started);
                let left = shared.retry.total_budget().saturating_sub(elapsed);
                if left.is_zero() {
                    return Err(named(Error::new(ErrorKind::Timeout), attempt));
                }
                // Getting a token counts against the operation's time too.
                let token = match tokio::time::timeout(left, shared.tokens.token()).await {
                    Ok(token) => token.map_err(|e| named(e, attempt))?,
                    Err(_) => return Err(named(Error::new(ErrorKind::Timeout), attempt)),
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

                let error = match classify(result, seen) {
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

                if is_refused_token(&error) && !fresh_token_tried {
                    fresh_token_tried = true;
                    if shared.tokens.invalidate(&token) {
                        tracing::info!(
                            "the service refused the token; trying once more with a fresh one"
                        );
                        continue;
                    }
                }
                let elapsed = shared.clock.now().saturating_duration_since(started);
                let wait = match shared.retry.next(attempt, &error, elapsed) {
                    Next::GiveUp => return Err(named(error, attempt)),
                    Next::RetryAfter(wait) => wait,
                };
                let after_timeout = matches!(error.kind(), ErrorKind::Timeout);
                let Some(cost) = shared.budget.withdraw(after_timeout) else {
                    tracing::warn!("the client's retry budget is spent; not retrying");
                    return Err(named(error, attempt));
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
