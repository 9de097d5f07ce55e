//! One error type for every operation.
//!
//! [`Error`] says what went wrong ([`ErrorKind`], to match on), which operation it was, and the
//! `MS-RequestId` and `MS-CorrelationId` to quote to Microsoft support. It never holds a token.

mod category;
pub(crate) mod effect;
mod kind;
mod service;
mod text;
mod unconfirmed;

use std::fmt;
use std::time::Duration;

use uuid::Uuid;

use crate::codes;
use crate::generated::Operation;
use crate::ids::{OperationIds, RequestId};

pub use category::ErrorCategory;
pub use effect::Effect;
pub(crate) use kind::MFA_WORDS;
pub use kind::{
    Auth, Config, ErrorKind, InvalidInput, JournalFailure, Mismatch, NotYetListed, NothingOrdered,
    RefreshRefused, ResponseLimit, StillProvisioning, Throttled, Timeout, Transport, Undecodable,
    WindowClosed,
};
pub use service::ServiceError;
pub use text::printable;
pub(crate) use unconfirmed::Unconfirmed;

/// The boxed error source kept behind an [`Error`].
type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error of every operation of this crate.
///
/// Its `Display` gives the operation, the HTTP status, the Partner Center error code and
/// description when the service sent them, and the request and correlation ids:
///
/// ```text
/// updateCart failed: 400 Bad Request, Partner Center error 800002: Invalid request input.
/// (MS-RequestId 4fa6dad6-..., MS-CorrelationId 0e93c70c-...)
/// ```
///
/// Match on [`Error::kind`] to handle a case ([`ErrorKind`] has an example); the questions
/// asked most have methods of their own: [`Error::is_not_found`], [`Error::is_conflict`],
/// [`Error::is_retryable`], [`Error::outcome_unknown`].
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    operation: Option<Operation>,
    request_id: Option<RequestId>,
    correlation_id: Option<Uuid>,
    attempts: u32,
    effect: Effect,
    /// Whether the attempt's request was (at least partly) sent: a time-out or a broken
    /// connection after that leaves a write's outcome unknown.
    sent: bool,
    /// The whole body of a success answer that could not be used.
    body: Option<bytes::Bytes>,
    /// For a write whose outcome is unknown: its body, as sent.
    request_body: Option<bytes::Bytes>,
    /// For a write whose outcome is unknown: where to send it again.
    unconfirmed: Option<Box<Unconfirmed>>,
    /// How many rounds `modify` made before it gave up.
    rounds: Option<u32>,
    /// What the caller can do, where the operation knows better than the status.
    hint: Option<&'static str>,
    source: Option<Source>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self(Box::new(Inner {
            kind,
            operation: None,
            request_id: None,
            correlation_id: None,
            attempts: 0,
            effect: Effect::None,
            sent: false,
            body: None,
            request_body: None,
            unconfirmed: None,
            rounds: None,
            hint: None,
            source: None,
        }))
    }

    /// Marks the attempt's request as sent, for an error of the connection or a time-out.
    pub(crate) fn sent(mut self) -> Self {
        self.0.sent = true;
        self
    }

    pub(crate) fn with_effect(mut self, effect: Effect) -> Self {
        self.0.effect = effect;
        self
    }

    pub(crate) fn with_body(mut self, body: bytes::Bytes) -> Self {
        self.0.body = Some(body);
        self
    }

    pub(crate) fn with_request_body(mut self, body: bytes::Bytes) -> Self {
        self.0.request_body = Some(body);
        self
    }

    pub(crate) fn request_body(&self) -> Option<&bytes::Bytes> {
        self.0.request_body.as_ref()
    }

    /// Says where a write was sent, when its outcome is unknown and its body was kept, so that
    /// it can be sent again as the same request.
    pub(crate) fn unconfirmed_at(mut self, write: Unconfirmed) -> Self {
        // A checkout has no body; every other write needs its own to be sent again.
        let body = self.request_body().is_some() || matches!(write, Unconfirmed::Checkout { .. });
        if self.outcome_unknown() && body {
            self.0.unconfirmed = Some(Box::new(write));
        }
        self
    }

    /// The same error, of another kind: the service's refusal read for what it means.
    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }

    pub(crate) fn unconfirmed(&self) -> Option<&Unconfirmed> {
        self.0.unconfirmed.as_deref()
    }

    /// Counts every request of a compound operation (a checkout asked again), not only the
    /// last one's attempts.
    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.0.attempts = attempts;
        self
    }

    pub(crate) fn gave_up_after(mut self, rounds: u32) -> Self {
        self.0.rounds = Some(rounds);
        self
    }

    pub(crate) fn with_hint(mut self, hint: &'static str) -> Self {
        self.0.hint = Some(hint);
        self
    }

    pub(crate) fn invalid_input(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput(InvalidInput::new(reason)))
    }

    pub(crate) fn config(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config(Config::new(reason)))
    }

    pub(crate) fn timeout() -> Self {
        Self::new(ErrorKind::Timeout(Timeout::default()))
    }

    pub(crate) fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Names the operation (for an error raised before anything was sent).
    pub(crate) fn named(mut self, operation: Operation) -> Self {
        self.0.operation.get_or_insert(operation);
        self
    }

    /// Names the operation, its ids, and how many attempts were sent; the names and ids are
    /// kept if already set.
    pub(crate) fn in_operation(
        mut self,
        operation: Option<Operation>,
        ids: OperationIds,
        attempts: u32,
    ) -> Self {
        let inner = &mut self.0;
        inner.attempts = attempts;
        inner.operation = inner.operation.or(operation);
        inner.request_id.get_or_insert(ids.request_id);
        inner.correlation_id.get_or_insert(ids.correlation_id);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// The operation that failed, when one was under way: one of the spec's
    /// ([`Operation::name`] is its `operationId`, such as `getCart`).
    pub fn operation(&self) -> Option<Operation> {
        self.0.operation
    }

    /// The `MS-RequestId` the operation was sent with: the id to send it again with, as the
    /// same request ([`PartnerCenter::resend`](crate::PartnerCenter::resend), or
    /// `with_request_id`), and to quote to Microsoft support.
    pub fn request_id(&self) -> Option<RequestId> {
        self.0.request_id
    }

    /// The `MS-CorrelationId` the operation was sent with.
    pub fn correlation_id(&self) -> Option<Uuid> {
        self.0.correlation_id
    }

    /// How many attempts of the operation were sent (0 when nothing was). Retries and the
    /// one more try after a 401 count.
    pub fn attempts(&self) -> u32 {
        self.0.attempts
    }

    /// The HTTP status of the service's answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match &self.0.kind {
            ErrorKind::Undecodable(u) => Some(u.status()),
            _ => self.service_error().map(ServiceError::status),
        }
    }

    /// The service's error, when it answered with one.
    pub fn service_error(&self) -> Option<&ServiceError> {
        match &self.0.kind {
            ErrorKind::Service(s) => Some(s),
            ErrorKind::Throttled(t) => Some(t.service()),
            ErrorKind::Auth(a) => a.service(),
            ErrorKind::WindowClosed(w) => w.service(),
            _ => None,
        }
    }

    /// The Partner Center error code (such as 800002), when the service sent one.
    pub fn code(&self) -> Option<i64> {
        self.service_error().and_then(ServiceError::code_number)
    }

    /// The wait the service asked for with `Retry-After`, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.0.kind {
            ErrorKind::Throttled(t) => t.retry_after(),
            ErrorKind::Service(s) => s.retry_after(),
            _ => None,
        }
    }

    /// What the operation did to the service's state: nothing, something unknown, or its
    /// change. See [`Effect`].
    pub fn effect(&self) -> Effect {
        self.0.effect
    }

    /// Whether the operation's change may or may not have been made: a write was sent and its
    /// answer lost (a time-out, a broken connection, 500, 502 or 504), and no later attempt
    /// learned the outcome. Calling the operation again as a new request could apply its change
    /// twice; send the same request again instead, with the same `MS-RequestId`
    /// ([`PartnerCenter::resend`](crate::PartnerCenter::resend) for any write), and the
    /// service answers with the outcome.
    pub fn outcome_unknown(&self) -> bool {
        self.0.effect == Effect::Unknown
    }

    /// Whether calling the operation again, as a new request, may succeed and cannot apply a
    /// change twice: the operation changed nothing ([`Effect::None`]) and failed for a passing
    /// reason (408, 429, 500, 502, 503, 504, 409 "busy", a connection failure, a time-out). The
    /// built-in retries have already repeated such failures; this is for a caller's own,
    /// later retry.
    pub fn is_retryable(&self) -> bool {
        self.0.effect == Effect::None && self.is_transient()
    }

    /// Whether the failure may pass: another attempt of the same request may succeed. The
    /// built-in retries follow this; [`Error::is_retryable`] adds that nothing was changed.
    pub(crate) fn is_transient(&self) -> bool {
        match self.kind() {
            ErrorKind::Transport(_) | ErrorKind::Timeout(_) | ErrorKind::Throttled(_) => true,
            ErrorKind::Service(s) => s.is_transient(),
            _ => false,
        }
    }

    /// The whole body of a success answer the operation could not use (an [`Effect::Applied`]
    /// error), so that what the service did, such as the orders a checkout placed, is never
    /// lost.
    pub fn body(&self) -> Option<&[u8]> {
        self.0.body.as_deref()
    }

    /// For an error of [`CartRef::modify`](crate::CartRef::modify) that gave up because others
    /// kept changing the cart: how many times it read the cart and tried its change.
    pub fn modify_rounds(&self) -> Option<u32> {
        self.0.rounds
    }

    /// Whether the service answered that what was asked for does not exist (404): a cart or
    /// order id it does not know, or a cart that expired.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the cart changed under the operation: 412 (its `If-Match` no longer matches) or
    /// 409 with code 800064 (another request is processing it). `modify` re-reads and re-applies
    /// on these.
    pub fn is_conflict(&self) -> bool {
        match &self.0.kind {
            ErrorKind::Service(s) => {
                s.status() == 412
                    || (s.status() == 409 && s.code_number() == Some(codes::CART_BEING_PROCESSED))
            }
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.0;
        if let Some(op) = inner.operation {
            write!(f, "{op} failed: ")?;
        }
        write!(f, "{}", inner.kind)?;
        if let Some(rounds) = inner.rounds {
            write!(
                f,
                "; modify gave up after {rounds} rounds of reading the cart and applying the \
                 change, others kept changing it"
            )?;
        }
        match inner.effect {
            Effect::None => {}
            Effect::Unknown => f.write_str(
                "; the change may or may not have been made (its answer was lost): send the \
                 same request again, with the same MS-RequestId, to learn which",
            )?,
            Effect::Applied => f.write_str(
                "; the change was made, but its answer cannot be used (the error keeps it)",
            )?,
        }
        if let Some(hint) = inner.hint {
            write!(f, "; {hint}")?;
        }
        let attempts = match inner.attempts {
            0 | 1 => String::new(),
            n => format!("after {n} attempts, "),
        };
        match (&inner.request_id, &inner.correlation_id) {
            (Some(r), Some(c)) => {
                write!(f, " ({attempts}MS-RequestId {r}, MS-CorrelationId {c})")
            }
            (Some(r), None) => write!(f, " ({attempts}MS-RequestId {r})"),
            _ => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("operation", &self.0.operation)
            .field("request_id", &self.0.request_id)
            .field("correlation_id", &self.0.correlation_id)
            .field("attempts", &self.0.attempts)
            .field("effect", &self.0.effect)
            .field("modify_rounds", &self.0.rounds)
            .field("body_bytes", &self.0.body.as_ref().map(|b| b.len()))
            .field("unconfirmed", &self.0.unconfirmed.is_some())
            .field("source", &self.0.source)
            .finish()
    }
}

impl From<InvalidInput> for Error {
    fn from(invalid: InvalidInput) -> Self {
        Self::new(ErrorKind::InvalidInput(invalid))
    }
}

impl From<Config> for Error {
    fn from(config: Config) -> Self {
        Self::new(ErrorKind::Config(config))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}
