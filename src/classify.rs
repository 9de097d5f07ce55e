//! Turns what the generated client returned, and what was seen of the answer, into this crate's
//! result. Every answer maps to a value; nothing here can panic on a response.

use progenitor_client::ResponseValue;

use crate::codes;
use crate::error::{
    Auth, Error, ErrorKind, InvalidInput, MFA_WORDS, ServiceError, Throttled, Timeout, Transport,
    Undecodable,
};
use crate::read::retry_after;
use crate::read::{BODY_PREFIX_BYTES, Seen};
use crate::types::PartnerCenterError;

/// The result type of every generated operation.
pub(crate) type Generated<T> =
    Result<ResponseValue<T>, progenitor_client::Error<PartnerCenterError>>;

pub(crate) fn classify<T>(result: Generated<T>, seen: Option<Seen>) -> Result<T, Error> {
    use progenitor_client::Error as G;

    let err = match result {
        Ok(value) => return Ok(value.into_inner()),
        Err(e) => e,
    };
    match err {
        G::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let wait = retry_after::from_headers(value.headers());
            Err(from_status(status, Some(value.into_inner()), None, wait))
        }
        G::InvalidResponsePayload(bytes, decode_error) => {
            let Some(seen) = seen else {
                return Err(undecodable(0, &bytes, decode_error.to_string()));
            };
            let prefix = seen.body_prefix;
            let reason = match seen.exceeded {
                Some(limit) => format!("the answer is {limit}"),
                None => decode_error.to_string(),
            };
            if (200..300).contains(&seen.status) {
                // The whole body stays with the error: a success the client cannot read may
                // still say what the service did (the orders a checkout placed).
                let error = Undecodable::new(seen.status, text_prefix(&prefix), reason)
                    .exceeding(seen.exceeded);
                Err(Error::new(ErrorKind::Undecodable(error)).with_body(bytes))
            } else {
                // An error status whose body is not the documented JSON (a proxy's HTML page, an
                // empty 401): the status still says what happened.
                Err(from_status(
                    seen.status,
                    None,
                    Some(text_prefix(&prefix)),
                    seen.retry_after,
                ))
            }
        }
        G::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let prefix = seen.map(|s| s.body_prefix).unwrap_or_default();
            Err(undecodable(
                status,
                &prefix,
                "the status is not one the spec lists for this operation".to_string(),
            ))
        }
        G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
            Err(from_reqwest(e))
        }
        G::InvalidRequest(reason) | G::Custom(reason) => Err(Error::invalid_input(reason)),
    }
}

/// The error for an answer with an error status.
pub(crate) fn from_status(
    status: u16,
    body: Option<PartnerCenterError>,
    raw_body: Option<String>,
    retry_after: Option<std::time::Duration>,
) -> Error {
    let service = ServiceError::new(status, body, raw_body, retry_after);
    Error::new(match status {
        401 if service.code_number() == Some(codes::MFA_REQUIRED) => {
            ErrorKind::Auth(Auth::new(MFA_WORDS, Some(service)))
        }
        401 => ErrorKind::Auth(Auth::new(
            "the service refused the access token",
            Some(service),
        )),
        429 => ErrorKind::Throttled(Throttled::new(retry_after, service)),
        _ => ErrorKind::Service(service),
    })
}

/// The error for a failure of the HTTP stack.
pub(crate) fn from_reqwest(e: reqwest::Error) -> Error {
    let error = attempt_error(&e);
    // A connection failure's words already hold its whole chain of causes (reqwest's own are
    // often only "error sending request"): as a source too, a report would print them twice.
    match error.kind() {
        ErrorKind::Transport(_) => error,
        _ => error.with_source(e),
    }
}

/// What a failure of the HTTP stack means, for the retry decision (without its source).
pub(crate) fn attempt_error(e: &reqwest::Error) -> Error {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout(Timeout::default())
    } else if e.is_builder() {
        ErrorKind::InvalidInput(InvalidInput::new(format!(
            "the request cannot be built: {e}"
        )))
    } else {
        ErrorKind::Transport(Transport::new(full_message(e)))
    };
    // Connecting failed: nothing of the request reached the service. Anything later (a time-out
    // while waiting for the answer, a connection broken mid-answer) may come after the service
    // acted on it.
    let sent = !e.is_connect() && !e.is_builder();
    let error = Error::new(kind);
    if sent { error.sent() } else { error }
}

fn undecodable(status: u16, body: &[u8], reason: String) -> Error {
    Error::new(ErrorKind::Undecodable(Undecodable::new(
        status,
        text_prefix(body),
        reason,
    )))
}

/// At most [`BODY_PREFIX_BYTES`] of a body, as text.
fn text_prefix(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(BODY_PREFIX_BYTES)]).into_owned()
}

/// An error with its causes, since reqwest's own message is often just "error sending request".
fn full_message(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
