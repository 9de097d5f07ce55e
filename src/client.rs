//! The client handle: configuration shared by every operation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use http::HeaderMap;

use crate::auth::TokenProvider;
use crate::clock::Clock;
use crate::journal::Journal;
use crate::journal::work::WorkScope;
use crate::retry::Priority;
use crate::retry::{AdaptiveRate, RetryBudget, RetryPolicy};

/// A Partner Center client. Cheap to clone; clones share the connection pool, the token cache
/// and the retry budget.
///
/// ```no_run
/// use partner_center_carts::PartnerCenter;
///
/// # async fn run() -> Result<(), partner_center_carts::Error> {
/// let pc = PartnerCenter::builder().bearer_token("eyJ0...").build()?;
/// let cart = pc
///     .customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d")
///     .cart("65faf57b-0205-47ee-92b3-08dcf233ea73")
///     .get()
///     .await?;
/// println!("{} line items", cart.line_items.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PartnerCenter {
    pub(crate) shared: Arc<Shared>,
    correlation_id: Option<Uuid>,
    /// The piece of work this handle's writes belong to ([`PartnerCenter::work`]).
    work: Option<Arc<WorkScope>>,
    /// The class of this handle's requests under a fleet's shared limit, when not by default.
    priority: Option<Priority>,
}

/// What every operation of one client uses.
pub(crate) struct Shared {
    pub base_url: String,
    /// `base_url`, parsed: every operation's URL starts from a copy (`crate::path`).
    pub base: reqwest::Url,
    pub http: reqwest::Client,
    pub tokens: Arc<dyn TokenProvider>,
    /// `X-Locale`, `MS-Contract-Version` and the other headers of every request, which the
    /// HTTP client has as its default headers (kept here for `Debug`).
    pub headers: HeaderMap,
    pub retry: RetryPolicy,
    pub budget: Arc<RetryBudget>,
    pub attempt_timeout: Duration,
    pub response_limits: crate::read::Limits,
    pub clock: Arc<dyn Clock>,
    /// The pace of every request, once the service has throttled the client.
    pub rate: Option<AdaptiveRate>,
    /// The fleet's pace, shared through Redis: when it answers, it decides instead of `rate`.
    #[cfg(feature = "redis")]
    pub fleet: Option<crate::retry::Fleet>,
    /// Where the writes of a piece of work are recorded.
    pub journal: Option<Journal>,
}

impl PartnerCenter {
    pub(crate) fn from_shared(shared: Shared, correlation_id: Option<Uuid>) -> Self {
        Self {
            shared: Arc::new(shared),
            correlation_id,
            work: None,
            priority: None,
        }
    }

    /// A client whose operations all send this `MS-CorrelationId`, to tie a flow of calls
    /// together in the service's traces. It shares everything else with `self`.
    pub fn with_correlation_id(&self, correlation_id: Uuid) -> Self {
        Self {
            correlation_id: Some(correlation_id),
            ..self.clone()
        }
    }

    /// The fixed `MS-CorrelationId`, if any.
    pub fn correlation_id(&self) -> Option<Uuid> {
        self.correlation_id
    }

    /// A client whose writes are the piece of work `key`, recorded in the client's
    /// [`Journal`](crate::journal::Journal), one step each, in the order they are sent: doing
    /// the same work again with the same key (after a crash, in another process) gives back
    /// what each write made before instead of sending it, and sends a write whose outcome was
    /// never seen again as the same request. Each call starts the work from its first step; a
    /// key names one piece of work, for good. Without a journal, writes go as usual.
    ///
    /// Send the writes of one piece of work one after another (not at once), and each time in
    /// the same order with the same bodies: a write that is not the one journaled at its step
    /// is refused, [`ErrorKind::Journal`](crate::ErrorKind::Journal). A write that was not made
    /// keeps its step, so trying it again on the same handle (after a retryable error, or
    /// `resend` on this handle) is that step again. The journal chooses each write's request id
    /// (a `with_request_id` is not used). Reads are not journaled, and operations that read
    /// and then write what they read (`modify`, a subscription's changes) are refused under a
    /// journal: write the body the work means (`put`, `update`).
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter, cart: partner_center_carts::types::Cart) -> Result<(), partner_center_carts::Error> {
    /// let work = pc.work("order-1042");
    /// let customer = work.customer("d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d");
    /// let created = customer.create(&cart).await?; // step 0
    /// let id = created.id.as_deref().unwrap_or_default();
    /// let placed = customer.cart(id).checkout().await?; // step 1
    /// # Ok(()) }
    /// ```
    pub fn work(&self, key: impl Into<String>) -> Self {
        Self {
            work: Some(Arc::new(WorkScope::new(key.into()))),
            ..self.clone()
        }
    }

    /// A client whose requests all go as `priority` under a fleet's shared limit
    /// ([`SharedLimit`](crate::retry::SharedLimit)), rather than by default (writes as
    /// [`Priority::Purchase`], reads as [`Priority::Normal`]). It shares everything else with
    /// `self`. Without a shared limit it changes nothing.
    pub fn with_priority(&self, priority: Priority) -> Self {
        Self {
            priority: Some(priority),
            ..self.clone()
        }
    }

    /// The class this handle's requests go as, when not by default.
    pub(crate) fn priority(&self) -> Option<Priority> {
        self.priority
    }

    /// The client's journal, if it has one (features `journal`, `redis`).
    #[cfg(any(feature = "journal", feature = "redis"))]
    pub fn journal(&self) -> Option<&Journal> {
        self.shared.journal.as_ref()
    }

    /// The piece of work the next write joins.
    pub(crate) fn work_scope(&self) -> Option<Arc<WorkScope>> {
        self.work.clone()
    }

    /// Refuses an operation that reads and then writes what it read, under a journaled piece
    /// of work: done again after its write was made, it would read the changed resource and
    /// write another body, which the journal refuses; and a change found already made would
    /// write nothing, shifting every later step.
    pub(crate) fn refuse_read_then_write(&self, what: &str) -> Result<(), crate::error::Error> {
        match (&self.work, &self.shared.journal) {
            (Some(work), Some(_)) => Err(crate::error::Error::invalid_input(format!(
                "{what} reads and then writes what it read, which a journal cannot make once \
                 across doings (work {:?}): write the body the work means instead (put, update)",
                work.key()
            ))),
            _ => Ok(()),
        }
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The access token the next request would carry, from the client's token provider (a
    /// cached one while it is fresh): to read its claims
    /// ([`AccessToken::claims`](crate::auth::AccessToken::claims)) or its expiry.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Auth`](crate::ErrorKind::Auth) when no token can be had.
    pub async fn access_token(&self) -> Result<crate::auth::AccessToken, crate::error::Error> {
        self.shared.tokens.token().await
    }

    /// Now, on the client's clock: where an operation's time budget starts.
    pub(crate) fn now(&self) -> std::time::Instant {
        self.shared.clock.now()
    }
}

impl fmt::Debug for PartnerCenter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("PartnerCenter")
            .field("base_url", &s.base_url)
            .field("tokens", &s.tokens)
            .field("headers", &s.headers)
            .field("correlation_id", &self.correlation_id)
            .field("retry", &s.retry)
            .field("budget", &s.budget)
            .field("attempt_timeout", &s.attempt_timeout)
            .field("max_response_bytes", &s.response_limits.bytes)
            .field("max_response_objects", &s.response_limits.objects)
            .field("journal", &s.journal)
            .field("work", &self.work.as_ref().map(|w| w.key()))
            .finish_non_exhaustive()
    }
}
