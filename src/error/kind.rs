//! What went wrong: [`ErrorKind`], and what each kind knows. Each kind's details are a struct
//! with private fields and accessors, so a detail can be added without breaking a caller.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::ServiceError;
use super::service::{OrderErrorText, status_text};
use super::text::printable;
use crate::catalog::LineProblem;
use crate::types::{OrderError, OrderProvisioningStatuses};

/// What went wrong.
///
/// ```
/// use partner_center_carts::{Error, ErrorKind};
///
/// fn describe(e: &Error) -> String {
///     match e.kind() {
///         ErrorKind::Throttled(t) => format!("throttled, wait {:?}", t.retry_after()),
///         ErrorKind::Service(s) if s.code_number() == Some(800065) => "already ordered".into(),
///         ErrorKind::Config(c) => format!("fix the configuration: {}", c.reason()),
///         _ => e.to_string(),
///     }
/// }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input was refused before anything was sent: an id that is not a GUID, a
    /// quantity below 1, a missing `catalogItemId`.
    InvalidInput(InvalidInput),
    /// The client cannot be built or cannot work as configured: no credentials, a base URL that
    /// is not one (or is plain http to another machine), a certificate that cannot be read.
    /// Nothing was sent.
    Config(Config),
    /// No access token could be obtained, or the service refused the token (401), and a fresh
    /// one did not help (or the provider, a fixed token, cannot give a fresh one).
    Auth(Auth),
    /// The connection could not be made or broke before the answer was read.
    Transport(Transport),
    /// An attempt took longer than its time-out, or the operation's time budget ran out.
    Timeout(Timeout),
    /// The service throttled the operation (429) and the retries, within their budget, did not
    /// get through.
    Throttled(Throttled),
    /// The service answered with an error status.
    Service(ServiceError),
    /// A checkout placed no order: every order group failed. (A checkout that placed some
    /// orders is a [`CheckoutOutcome`](crate::CheckoutOutcome) that is not complete.)
    NothingOrdered(NothingOrdered),
    /// [`OrderRef::wait_until_provisioned`](crate::OrderRef::wait_until_provisioned) ran out of
    /// time with line items still being provisioned.
    StillProvisioning(StillProvisioning),
    /// [`Orders::wait_for`](crate::Orders::wait_for) ran out of time before the order it waits
    /// for was listed (an order can take up to 15 minutes to be).
    NotYetListed(NotYetListed),
    /// A reduction or cancellation of a subscription outside its cancellation window: past
    /// its deadline, or for more seats than can still be given back. Refused before sending
    /// when the subscription as read says so (on the client's clock), or by the service (a
    /// 400 answer to a reduction or a cancellation, whose code the service does not document).
    WindowClosed(WindowClosed),
    /// The service answered with a success for something other than what was asked, such as
    /// another cart than the one in the path.
    Mismatch(Mismatch),
    /// The service answered with a success (or an unexpected) status but a body that is not the
    /// expected JSON: empty, HTML from a proxy, truncated, wrong types, or over the size limit.
    /// For a success, [`Error::body`](crate::Error::body) keeps the whole body, so nothing the
    /// service said is lost.
    Undecodable(Undecodable),
    /// The client's journal could not keep a write's intent, or keeps another write at the same
    /// step of the same piece of work (nothing was sent); or it could not be opened or read.
    Journal(JournalFailure),
}

/// Kinds whose detail is a reason in words.
macro_rules! reason_kind {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name {
            reason: String,
        }

        impl $name {
            pub(crate) fn new(reason: impl Into<String>) -> Self {
                Self {
                    reason: reason.into(),
                }
            }

            /// What is wrong, in words.
            pub fn reason(&self) -> &str {
                &self.reason
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&printable(&self.reason))
            }
        }

        impl std::error::Error for $name {}
    };
}

/// Why the caller's input was refused. Also what [`crate::validate`] returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidInput {
    reason: String,
    line_problem: Option<Box<LineProblem>>,
}

impl InvalidInput {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            line_problem: None,
        }
    }

    /// A cart line the catalog refuses: its words are the problem's.
    pub(crate) fn line(problem: LineProblem) -> Self {
        Self {
            reason: problem.to_string(),
            line_problem: Some(Box::new(problem)),
        }
    }

    /// What is wrong, in words.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The problem with a cart line, when the input refused is one the catalog does not offer
    /// ([`Customer::line`](crate::Customer::line)): the term or cycle asked and the ones
    /// offered, say.
    pub fn line_problem(&self) -> Option<&LineProblem> {
        self.line_problem.as_deref()
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&printable(&self.reason))
    }
}

impl std::error::Error for InvalidInput {}

reason_kind!(
    /// Why the client cannot be built or cannot work as configured.
    Config
);
reason_kind!(
    /// What the HTTP stack said of a connection that failed.
    Transport
);
reason_kind!(
    /// What in the answer does not match the request.
    Mismatch
);
reason_kind!(
    /// Why the journal could not take a write: its store failed, or the work changed.
    JournalFailure
);

/// Why authentication failed.
#[derive(Clone, Debug, PartialEq)]
pub struct Auth {
    reason: String,
    service: Option<ServiceError>,
    cause: AuthCause,
}

/// What an [`Auth`] failure is known to be, beyond its words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AuthCause {
    Other,
    /// No token issued with MFA: refused before sending, or by Azure AD's token endpoint.
    WithoutMfa,
    Refresh(RefreshRefused),
}

/// Why Azure AD's token endpoint refused a refresh token (`invalid_grant`), from
/// [`Auth::refresh_refused`]. Either way the user signs in again; the difference is what to
/// tell them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefreshRefused {
    /// It has expired: refresh tokens live 90 days, and fewer when unused
    /// (AADSTS700082, AADSTS70008, AADSTS700081, AADSTS700084).
    Expired,
    /// It is not valid (any other `invalid_grant`): revoked by a password change or an
    /// administrator, issued to another app, or malformed.
    Invalid,
}

/// What the service's 900421 means, and what to do; also why a token is refused before it.
pub(crate) const MFA_WORDS: &str = "the service requires a token issued with multi-factor \
     authentication for App+User calls (code 900421): sign the user in again with MFA and use \
     the token (or refresh token) that sign-in gives; an app-only token (client credentials) is \
     not affected";

impl Auth {
    pub(crate) fn new(reason: impl Into<String>, service: Option<ServiceError>) -> Self {
        Self {
            reason: reason.into(),
            service,
            cause: AuthCause::Other,
        }
    }

    /// A user's token whose `amr` claim lacks `mfa`, for an operation the service answers to
    /// App+User tokens only: refused before sending, as the service would refuse it.
    pub(crate) fn mfa_required_before() -> Self {
        Self {
            reason: format!(
                "refused before sending: the token's sign-in was without MFA (its amr claim); {MFA_WORDS}"
            ),
            service: None,
            cause: AuthCause::WithoutMfa,
        }
    }

    /// Azure AD's token endpoint would not give a token without MFA (AADSTS50076, 50079).
    pub(crate) fn mfa_required_by_authority(reason: String) -> Self {
        Self {
            reason: format!("{reason}; {MFA_WORDS}"),
            service: None,
            cause: AuthCause::WithoutMfa,
        }
    }

    /// Azure AD refused the refresh token (`invalid_grant`).
    pub(crate) fn refresh_token_refused(reason: String, why: RefreshRefused) -> Self {
        let what = match why {
            RefreshRefused::Expired => {
                "the refresh token has expired (they live 90 days, fewer when unused)"
            }
            RefreshRefused::Invalid => {
                "the refresh token is not valid (revoked by a password change or an \
                 administrator, issued to another app, or replaced by a newer one that was not \
                 kept)"
            }
        };
        Self {
            reason: format!(
                "{what}: sign the user in again with MFA and keep the refresh token that sign-in \
                 gives, and every one it rotates to (auth::RefreshTokenStore); {reason}"
            ),
            service: None,
            cause: AuthCause::Refresh(why),
        }
    }

    /// The same failure, with `hint` added to its words.
    pub(crate) fn hinted(mut self, hint: &str) -> Self {
        self.reason = format!("{}; {hint}", self.reason);
        self
    }

    /// Why, in words.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The service's answer, when it refused the token (a 401); `None` when no token could be
    /// had.
    pub fn service(&self) -> Option<&ServiceError> {
        self.service.as_ref()
    }

    /// Whether the token was refused because it was not issued with multi-factor
    /// authentication: by the service (401 with code 900421,
    /// [`codes::MFA_REQUIRED`](crate::codes::MFA_REQUIRED)), or before sending, for an
    /// operation the service answers to App+User tokens only ([`Operation::app_user_only`](crate::Operation::app_user_only)),
    /// when the token's own claims say its sign-in was without MFA. App+User calls need a user
    /// who signed in with MFA; a fresh token from the same sign-in does not help, so none is
    /// asked for.
    pub fn mfa_required(&self) -> bool {
        self.cause == AuthCause::WithoutMfa
            || self
                .service
                .as_ref()
                .and_then(ServiceError::code_number)
                .is_some_and(|code| code == crate::codes::MFA_REQUIRED)
    }

    /// Why Azure AD refused the refresh token, when it did (`invalid_grant`): a new sign-in
    /// is needed, and a retry cannot help.
    pub fn refresh_refused(&self) -> Option<RefreshRefused> {
        match self.cause {
            AuthCause::Refresh(why) => Some(why),
            _ => None,
        }
    }
}

/// A time-out: of an attempt, or of the operation's whole time budget.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Timeout {
    _private: (),
}

/// The service's throttling answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Throttled {
    retry_after: Option<Duration>,
    service: ServiceError,
}

impl Throttled {
    pub(crate) fn new(retry_after: Option<Duration>, service: ServiceError) -> Self {
        Self {
            retry_after,
            service,
        }
    }

    /// The wait the service asked for in `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The service's answer.
    pub fn service(&self) -> &ServiceError {
        &self.service
    }
}

/// Why a checkout placed no order.
#[derive(Clone, Debug, PartialEq)]
pub struct NothingOrdered {
    order_errors: Vec<OrderError>,
}

impl NothingOrdered {
    pub(crate) fn new(order_errors: Vec<OrderError>) -> Self {
        Self { order_errors }
    }

    /// Why each order group could not be placed.
    pub fn order_errors(&self) -> &[OrderError] {
        &self.order_errors
    }
}

/// An order still being provisioned when the wait for it ran out.
#[derive(Clone, Debug, PartialEq)]
pub struct StillProvisioning {
    waited: Duration,
    polls: u32,
    last: Box<OrderProvisioningStatuses>,
}

impl StillProvisioning {
    pub(crate) fn new(waited: Duration, polls: u32, last: OrderProvisioningStatuses) -> Self {
        Self {
            waited,
            polls,
            last: Box::new(last),
        }
    }

    /// How long it waited.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// How many times it asked.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// The last status the service gave.
    pub fn last(&self) -> &OrderProvisioningStatuses {
        &self.last
    }
}

/// An order not listed when the wait for it ran out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotYetListed {
    waited: Duration,
    lists: u32,
}

impl NotYetListed {
    pub(crate) fn new(waited: Duration, lists: u32) -> Self {
        Self { waited, lists }
    }

    /// How long it waited.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// How many times it listed the orders.
    pub fn lists(&self) -> u32 {
        self.lists
    }
}

/// A reduction or cancellation of a subscription its cancellation window does not allow.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowClosed {
    deadline: Option<DateTime<Utc>>,
    refundable: Option<u32>,
    asked: u32,
    service: Option<Box<ServiceError>>,
}

impl WindowClosed {
    pub(crate) fn new(
        deadline: Option<DateTime<Utc>>,
        refundable: Option<u32>,
        asked: u32,
    ) -> Self {
        Self {
            deadline,
            refundable,
            asked,
            service: None,
        }
    }

    pub(crate) fn refused_by(mut self, service: ServiceError) -> Self {
        self.service = Some(Box::new(service));
        self
    }

    /// The end of the window, as the subscription read last said it (the last seats'
    /// deadline, or `cancellationAllowedUntilDate`); `None` when it did not say.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.deadline
    }

    /// How many seats could still be given back when it was refused, as the subscription read
    /// said on the client's clock; `None` when it did not say (only the service refuses then).
    pub fn refundable(&self) -> Option<u32> {
        self.refundable
    }

    /// How many seats the change would have given back (all of them, for a cancellation).
    pub fn asked(&self) -> u32 {
        self.asked
    }

    /// The service's answer, when the service refused the change; `None` when it was refused
    /// before sending.
    pub fn service(&self) -> Option<&ServiceError> {
        self.service.as_deref()
    }
}

/// A limit of the client's on what an answer may be, which one was over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseLimit {
    /// The body has more bytes than this.
    Bytes(usize),
    /// The body opens more objects and arrays than this.
    Objects(usize),
}

impl fmt::Display for ResponseLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseLimit::Bytes(limit) => write!(f, "larger than {limit} bytes"),
            ResponseLimit::Objects(limit) => {
                write!(
                    f,
                    "more than {limit} objects and arrays (max_response_objects)"
                )
            }
        }
    }
}

/// An answer whose body could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Undecodable {
    status: u16,
    body_prefix: String,
    reason: String,
    exceeded: Option<ResponseLimit>,
}

impl Undecodable {
    pub(crate) fn new(status: u16, body_prefix: String, reason: String) -> Self {
        Self {
            status,
            body_prefix,
            reason,
            exceeded: None,
        }
    }

    pub(crate) fn exceeding(mut self, limit: Option<ResponseLimit>) -> Self {
        self.exceeded = limit;
        self
    }

    /// The client's limit the answer was over, when that is why it was not decoded
    /// ([`max_response_bytes`](crate::PartnerCenterBuilder::max_response_bytes),
    /// [`max_response_objects`](crate::PartnerCenterBuilder::max_response_objects)).
    pub fn exceeded(&self) -> Option<ResponseLimit> {
        self.exceeded
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The first bytes of the body (at most 512), as text.
    pub fn body_prefix(&self) -> &str {
        &self.body_prefix
    }

    /// Why it could not be decoded.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A line the catalog refuses was read for, but nothing was written.
            ErrorKind::InvalidInput(i) if i.line_problem.is_some() => write!(
                f,
                "the catalog refuses the line, nothing was created: {}",
                printable(&i.reason)
            ),
            ErrorKind::InvalidInput(i) => {
                write!(
                    f,
                    "invalid input, nothing was sent: {}",
                    printable(&i.reason)
                )
            }
            ErrorKind::Config(c) => write!(f, "the client is not configured to work: {}", c.reason),
            ErrorKind::Journal(j) => write!(f, "journal: {}", printable(&j.reason)),
            ErrorKind::Auth(a) => {
                write!(f, "authentication failed: {}", printable(&a.reason))?;
                match &a.service {
                    Some(s) => write!(f, " ({s})"),
                    None => Ok(()),
                }
            }
            ErrorKind::Transport(t) => write!(f, "connection failed: {}", printable(&t.reason)),
            ErrorKind::Timeout(_) => f.write_str("timed out"),
            ErrorKind::Throttled(t) => {
                write!(f, "throttled: {}", t.service)?;
                match t.retry_after {
                    Some(wait) => {
                        write!(f, "; the service asked to wait {} s", wait.as_secs_f64())
                    }
                    None => Ok(()),
                }
            }
            ErrorKind::Service(s) => write!(f, "{s}"),
            ErrorKind::NothingOrdered(n) => {
                f.write_str("no order was placed")?;
                for (i, e) in n.order_errors.iter().enumerate() {
                    f.write_str(if i == 0 { ": " } else { "; " })?;
                    write!(f, "{}", OrderErrorText(e))?;
                }
                Ok(())
            }
            ErrorKind::StillProvisioning(s) => write!(
                f,
                "the order was still being provisioned after {} s and {} polls: {} of {} line \
                 items pending",
                s.waited.as_secs(),
                s.polls,
                s.last.pending().count(),
                s.last.line_items().len()
            ),
            ErrorKind::NotYetListed(n) => write!(
                f,
                "the order was not listed after {} s and {} lists (an order can take up to 15 \
                 minutes to be listed after it was placed)",
                n.waited.as_secs(),
                n.lists
            ),
            ErrorKind::WindowClosed(w) => {
                let deadline = w
                    .deadline
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
                match (&w.service, w.refundable) {
                    (Some(s), _) => {
                        write!(f, "the service refused giving back {} seats", w.asked)?;
                        if let Some(at) = deadline {
                            write!(f, " (the subscription gave its window's end as {at})")?;
                        }
                        write!(f, ": {s}")
                    }
                    (None, refundable) => {
                        write!(
                            f,
                            "refused before sending: the subscription's cancellation window \
                             allows giving back {} seats now, not {}",
                            refundable.unwrap_or(0),
                            w.asked
                        )?;
                        match deadline {
                            Some(at) => write!(f, " (its window ends or ended at {at})"),
                            None => Ok(()),
                        }
                    }
                }
            }
            ErrorKind::Mismatch(m) => write!(
                f,
                "the answer is not for the request: {}",
                printable(&m.reason)
            ),
            ErrorKind::Undecodable(u) => write!(
                f,
                "{} answered with a body that cannot be decoded ({}); it starts {:?}",
                status_text(u.status),
                printable(&u.reason),
                u.body_prefix
            ),
        }
    }
}
