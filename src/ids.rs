//! The ids of an operation: its `MS-RequestId` ([`RequestId`]), the service's idempotency key,
//! and its `MS-CorrelationId`, typed from the caller's hand to the wire and back in an
//! [`Error`](crate::Error).

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

/// An operation's `MS-RequestId`: the service treats a repeat of a request with the same id as
/// the same request, and answers it with the first one's outcome.
///
/// Every operation gets a new one, the same on each of its attempts. Fix it with
/// `with_request_id` (kept before sending, it lets a write be replayed after a crash without
/// being applied twice); read it back from [`Error::request_id`](crate::Error::request_id).
///
/// ```
/// use partner_center_carts::RequestId;
///
/// let id = RequestId::new();
/// let text = id.to_string(); // stored before sending
/// assert_eq!(text.parse::<RequestId>().unwrap(), id);
/// assert!("not-a-guid".parse::<RequestId>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(Uuid);

impl RequestId {
    /// A new, random request id.
    #[allow(clippy::new_without_default)] // a default id would be a shared one
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    /// The id as a GUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for RequestId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl From<RequestId> for Uuid {
    fn from(id: RequestId) -> Self {
        id.0
    }
}

/// As it is sent: a GUID in lower case, with hyphens.
impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A GUID, in any of the forms `uuid` reads (with or without hyphens or braces, any case).
impl FromStr for RequestId {
    type Err = uuid::Error;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(text).map(Self)
    }
}

/// The ids of one operation.
///
/// `MS-CorrelationId` ties the operations of one flow together: new per operation unless the
/// caller fixes it (and `modify` uses one for its GET and its PUT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OperationIds {
    pub request_id: RequestId,
    pub correlation_id: Uuid,
}

impl OperationIds {
    /// Fresh ids, or the ones the caller fixed.
    pub fn new(request_id: Option<RequestId>, correlation_id: Option<Uuid>) -> Self {
        Self {
            request_id: request_id.unwrap_or_else(RequestId::new),
            correlation_id: correlation_id.unwrap_or_else(Uuid::new_v4),
        }
    }
}
