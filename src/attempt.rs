//! One attempt of an operation ([`crate::pipeline`] makes them): a token ([`crate::auth`]),
//! a turn of the fleet's shared limit or of the client's pace ([`crate::retry`]), a copy of
//! the request with its `Authorization` and a time-out within the operation's time, sent, its
//! answer read within the size limit ([`crate::read`]), and what the answer means
//! ([`crate::classify`]).

use std::time::Instant;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use tracing::{Instrument, field};

use crate::auth::AccessToken;
use crate::classify::{attempt_error, from_status};
use crate::client::Shared;
use crate::error::{Auth, Error, ErrorKind};
use crate::generated::Operation;
use crate::read::{Limits, Seen, read_bounded};
use crate::retry::Admission;
use crate::retry::Priority;
#[cfg(feature = "redis")]
use crate::retry::{Scopes, Turn};
use crate::types::PartnerCenterError;
#[cfg(feature = "redis")]
use std::time::Duration;

/// How an attempt went.
pub(crate) enum Attempt {
    /// The service answered with a success (its body, too, for the journal to keep).
    Answered(reqwest::Response, Seen, bytes::Bytes),
    /// The service answered with an error, or the connection failed.
    Failed(Failed),
    /// No attempt could be made: no token could be had, or no time was left (the error); or
    /// no request was left to send (none).
    NotMade(Option<Error>),
}

/// How an attempt that did not succeed ended, for the generated code to decode; what was seen
/// of its answer is in the pipeline's record.
pub(crate) enum Ended {
    Answer(reqwest::Response),
    Failed(reqwest::Error),
}

/// A failed attempt: what it means, how it ended, and the token it was sent with.
pub(crate) struct Failed {
    pub error: Error,
    pub ended: Ended,
    pub seen: Option<Seen>,
    pub token: AccessToken,
}

/// What every attempt of an operation shares.
#[derive(Clone, Copy)]
pub(crate) struct To<'a> {
    /// The operation's time runs out then.
    pub deadline: Instant,
    /// The customer, for the fleet's per-customer limit.
    pub customer: Option<&'a str>,
    /// The service answers it to App+User tokens issued with MFA only.
    pub needs_mfa: bool,
    /// The operation, for its documented budget under the fleet's shared limit.
    pub operation: Option<Operation>,
    /// Its class under the fleet's shared limit.
    pub priority: Priority,
}

/// Makes attempt number `number` of the operation whose request is `original`: a copy of it,
/// or the request itself when it cannot be copied (a streamed body), which is then used up.
pub(crate) async fn send(
    shared: &Shared,
    original: &mut Option<reqwest::Request>,
    to: To<'_>,
    number: u32,
) -> Attempt {
    let To {
        deadline,
        customer,
        needs_mfa,
        operation,
        priority,
    } = to;
    let left = deadline.saturating_duration_since(shared.clock.now());
    if left.is_zero() {
        return Attempt::NotMade(Some(Error::timeout()));
    }
    // Getting a token counts against the operation's time too.
    let token = match tokio::time::timeout(left, shared.tokens.token()).await {
        Ok(Ok(token)) => token,
        Ok(Err(e)) => return Attempt::NotMade(Some(e)),
        Err(_) => return Attempt::NotMade(Some(Error::timeout())),
    };
    // A user's token issued without MFA is refused by the service (900421): say so now, and
    // send nothing.
    if needs_mfa && token.lacks_mfa() {
        return Attempt::NotMade(Some(Error::new(ErrorKind::Auth(
            Auth::mfa_required_before(),
        ))));
    }
    // A turn to send, within the operation's time: from the fleet's shared limit when it
    // answers, else from the client's pace, learnt from the service's 429s (which learns
    // from every answer, to be ready).
    #[cfg(feature = "redis")]
    let scopes = Scopes {
        customer,
        budget: operation.and_then(Operation::documented_limit),
        priority,
    };
    #[cfg(feature = "redis")]
    let fleet = match &shared.fleet {
        Some(fleet) => match fleet.acquire(&*shared.clock, deadline, scopes).await {
            Turn::Taken => Some(fleet),
            Turn::Unreachable => None,
            Turn::TooLate => return Attempt::NotMade(Some(Error::timeout())),
        },
        None => None,
    };
    #[cfg(not(feature = "redis"))]
    let (fleet, _): (Option<()>, _) = (None, (customer, operation, priority));
    let permit = match &shared.rate {
        Some(rate) if fleet.is_some() => Some(rate.permit_now()),
        Some(rate) => match rate.acquire(&*shared.clock, deadline).await {
            Some(permit) => Some(permit),
            None => return Attempt::NotMade(Some(Error::timeout())),
        },
        None => None,
    };
    let left = deadline.saturating_duration_since(shared.clock.now());
    let Some(mut request) = original
        .as_ref()
        .and_then(reqwest::Request::try_clone)
        .or_else(|| original.take())
    else {
        return Attempt::NotMade(None);
    };
    let mut authorization: HeaderValue = token.header().clone();
    authorization.set_sensitive(true);
    request.headers_mut().insert(AUTHORIZATION, authorization);
    // The client's own time-out is `attempt_timeout`; a request carries one only when the
    // operation has less left (an extension of the request, allocated and copied per
    // attempt, which the common case does without).
    if left < shared.attempt_timeout {
        *request.timeout_mut() = Some(left);
    }

    let attempt_span = tracing::debug_span!(
        "attempt",
        attempt = number,
        "http.request.resend_count" = number - 1,
        "http.response.status_code" = field::Empty,
        "error.type" = field::Empty,
    );
    // Only for the debug events' `elapsed_ms`: reading the clock costs each request.
    let sent = tracing::enabled!(tracing::Level::DEBUG).then(Instant::now);
    let limit = shared.response_limits;
    let answer = if attempt_span.is_disabled() {
        exchange(&shared.http, request, limit).await
    } else {
        exchange(&shared.http, request, limit)
            .instrument(attempt_span.clone())
            .await
    };
    if let (Some(rate), Some(permit), Ok((_, seen, _))) = (&shared.rate, permit, &answer) {
        let admission = if seen.status == 429 {
            Admission::Throttled
        } else {
            Admission::Admitted
        };
        rate.observe(permit, admission, &*shared.clock);
    }
    // The fleet learns what the service admits from every answer.
    #[cfg(feature = "redis")]
    if let (Some(fleet), Ok((_, seen, _))) = (fleet, &answer) {
        if seen.status == 429 {
            let wait = seen.retry_after.unwrap_or(Duration::from_secs(1));
            fleet
                .throttled(&*shared.clock, wait, scopes, deadline)
                .await;
        } else {
            fleet.admitted();
        }
    }
    let elapsed_ms = || sent.map(|sent| sent.elapsed().as_millis() as u64);
    let (error, ended, seen) = match answer {
        Ok((response, seen, body)) if (200..300).contains(&seen.status) => {
            attempt_span.record("http.response.status_code", seen.status);
            tracing::debug!(parent: &attempt_span, status = seen.status, elapsed_ms = elapsed_ms(), "answered");
            return Attempt::Answered(response, seen, body);
        }
        Ok((response, seen, body)) => {
            let error = error_answer(&seen, &body);
            (error, Ended::Answer(response), Some(seen))
        }
        Err(e) => (attempt_error(&e), Ended::Failed(e), None),
    };
    if let Some(status) = error.status() {
        attempt_span.record("http.response.status_code", status);
    }
    attempt_span.record("error.type", error_type(&error));
    tracing::debug!(parent: &attempt_span, status = error.status(), elapsed_ms = elapsed_ms(), error = %error, "failed");
    Attempt::Failed(Failed {
        error,
        ended,
        seen,
        token,
    })
}

/// Sends a request and reads its answer, within the size limit.
async fn exchange(
    http: &reqwest::Client,
    request: reqwest::Request,
    limit: Limits,
) -> reqwest::Result<(reqwest::Response, Seen, bytes::Bytes)> {
    read_bounded(http.execute(request).await?, limit).await
}

/// What an error answer means, for the retry decision: its status, and its Partner Center code
/// (a 409 is retried only for the "busy" codes).
fn error_answer(seen: &Seen, body: &[u8]) -> Error {
    let body = serde_json::from_slice::<PartnerCenterError>(body).ok();
    from_status(seen.status, body, None, seen.retry_after)
}

/// OpenTelemetry's `error.type`: the status code of an error answer, else what went wrong.
pub(crate) fn error_type(error: &Error) -> String {
    if let Some(status) = error.status() {
        return status.to_string();
    }
    match error.kind() {
        ErrorKind::InvalidInput(_) => "invalid_input",
        ErrorKind::Config(_) => "config",
        ErrorKind::Auth(_) => "auth",
        ErrorKind::Transport(_) => "transport",
        ErrorKind::Timeout(_) => "timeout",
        ErrorKind::Undecodable(_) => "undecodable",
        ErrorKind::Mismatch(_) => "mismatch",
        _ => "_OTHER",
    }
    .to_string()
}
