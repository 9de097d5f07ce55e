//! The client handle: configuration shared by every operation.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use http::HeaderMap;

use crate::auth::TokenProvider;
use crate::clock::Clock;
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
}

impl PartnerCenter {
    pub(crate) fn from_shared(shared: Shared, correlation_id: Option<Uuid>) -> Self {
        Self {
            shared: Arc::new(shared),
            correlation_id,
        }
    }

    /// A client whose operations all send this `MS-CorrelationId`, to tie a flow of calls
    /// together in the service's traces. It shares everything else with `self`.
    pub fn with_correlation_id(&self, correlation_id: Uuid) -> Self {
        Self {
            shared: self.shared.clone(),
            correlation_id: Some(correlation_id),
        }
    }

    /// The fixed `MS-CorrelationId`, if any.
    pub fn correlation_id(&self) -> Option<Uuid> {
        self.correlation_id
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
            .finish_non_exhaustive()
    }
}
