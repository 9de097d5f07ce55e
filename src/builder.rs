//! Configuration: [`PartnerCenterBuilder`] and its defaults.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use crate::auth::{StaticToken, TokenProvider};
use crate::client::PartnerCenter;
use crate::client::Shared;
use crate::clock::{Clock, SystemClock};
use crate::error::Error;
use crate::headers::{DEFAULT_LOCALE, client_headers};
use crate::journal::Journal;
use crate::retry::{AdaptiveRate, RateAdaptation, RetryBudget, RetryPolicy};

/// The global Partner Center.
pub const DEFAULT_BASE_URL: &str = "https://api.partnercenter.microsoft.com";

/// Partner Center operated by 21Vianet.
pub const CHINA_BASE_URL: &str = "https://partner.partnercenterapi.microsoftonline.cn";

/// How long one attempt may take by default, connecting, sending and reading included.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long connecting may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest answer read by default; a larger one is an error, not an allocation.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// The most objects and arrays an answer may hold by default: each decodes to a value of
/// hundreds of bytes, so this bounds what an answer decodes to (about 100 MB), where the bytes
/// alone would not (16 MiB of `{},` decodes to gigabytes). Thousands of orders fit.
pub const DEFAULT_MAX_RESPONSE_OBJECTS: usize = 100_000;

/// Builds a [`PartnerCenter`]. Every setting has a default but the token.
///
/// | setting | default |
/// |---|---|
/// | [`base_url`](Self::base_url) | [`DEFAULT_BASE_URL`] |
/// | [`locale`](Self::locale) (`X-Locale`) | `en-US` |
/// | [`application_name`](Self::application_name) (`MS-PartnerCenter-Application`) | not sent |
/// | [`retry_policy`](Self::retry_policy) | [`RetryPolicy::default`] |
/// | [`retry_budget`](Self::retry_budget) | [`RetryBudget::default`]: 500 tokens, 5 a retry |
/// | [`attempt_timeout`](Self::attempt_timeout) | 120 s |
/// | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | [`max_response_bytes`](Self::max_response_bytes) | 16 MiB |
/// | [`max_response_objects`](Self::max_response_objects) | 100,000 |
///
/// ```
/// use partner_center_carts::PartnerCenter;
///
/// let pc = PartnerCenter::builder()
///     .base_url("http://127.0.0.1:8080")
///     .bearer_token("eyJ0...")
///     .locale("nl-NL")
///     .build()?;
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
pub struct PartnerCenterBuilder {
    base_url: String,
    tokens: Option<Result<Arc<dyn TokenProvider>, Error>>,
    locale: String,
    application: Option<String>,
    correlation_id: Option<Uuid>,
    retry: RetryPolicy,
    budget: Arc<RetryBudget>,
    attempt_timeout: Duration,
    connect_timeout: Duration,
    max_response_bytes: usize,
    max_response_objects: usize,
    root_certificates: Vec<Vec<u8>>,
    clock: Arc<dyn Clock>,
    rate_adaptation: Option<RateAdaptation>,
    #[cfg(feature = "redis")]
    shared_limit: Option<crate::retry::SharedLimit>,
    journal: Option<Journal>,
}

impl PartnerCenter {
    /// A builder with the defaults: the global Partner Center, `en-US`, the default
    /// [`RetryPolicy`]. A token is required.
    pub fn builder() -> PartnerCenterBuilder {
        PartnerCenterBuilder::default()
    }
}

impl Default for PartnerCenterBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_string(),
            tokens: None,
            locale: DEFAULT_LOCALE.to_string(),
            application: None,
            correlation_id: None,
            retry: RetryPolicy::default(),
            budget: Arc::new(RetryBudget::default()),
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_response_objects: DEFAULT_MAX_RESPONSE_OBJECTS,
            root_certificates: Vec::new(),
            clock: Arc::new(SystemClock),
            rate_adaptation: Some(RateAdaptation::default()),
            #[cfg(feature = "redis")]
            shared_limit: None,
            journal: None,
        }
    }
}

impl PartnerCenterBuilder {
    /// Where requests go: https, or http to a loopback address (the emulator, tests). A path
    /// stem is kept; a trailing `/` is not needed.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// A fixed access token (without `Bearer `). It is never refreshed; for tokens that expire
    /// during the client's life use [`token_provider`](Self::token_provider).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.tokens = Some(StaticToken::new(token).map(|t| Arc::new(t) as Arc<dyn TokenProvider>));
        self
    }

    /// Where access tokens come from, such as [`ClientCredentials`](crate::auth::ClientCredentials).
    pub fn token_provider(mut self, provider: impl TokenProvider) -> Self {
        self.tokens = Some(Ok(Arc::new(provider)));
        self
    }

    /// The `X-Locale` sent with every request.
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = locale.into();
        self
    }

    /// The `MS-PartnerCenter-Application` sent with every request: your application's name.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application = Some(name.into());
        self
    }

    /// The `MS-CorrelationId` of every operation of the client (see
    /// [`PartnerCenter::with_correlation_id`]). By default each operation gets a new one.
    pub fn correlation_id(mut self, id: Uuid) -> Self {
        self.correlation_id = Some(id);
        self
    }

    /// How operations are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The retry budget the client's operations share.
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = Arc::new(budget);
        self
    }

    /// How long one attempt may take, connecting, sending and reading the answer included.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// How long connecting may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The largest answer body read; a larger one fails the operation, with
    /// [`Undecodable::exceeded`](crate::error::Undecodable::exceeded) saying so.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The most objects and arrays (JSON's `{` and `[`) an answer may hold; one with more
    /// fails the operation before it is decoded, with
    /// [`Undecodable::exceeded`](crate::error::Undecodable::exceeded) saying so. This bounds
    /// the memory an answer decodes to, which its size in bytes does not: an empty object is
    /// two bytes, and decodes to hundreds.
    pub fn max_response_objects(mut self, objects: usize) -> Self {
        self.max_response_objects = objects;
        self
    }

    /// Trusts the certificates in this PEM text besides the platform's roots (a private CA,
    /// or a test server's).
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// How the client paces its requests once the service throttles it (on by default, with
    /// [`RateAdaptation::default`]): every operation of the client and of its clones shares
    /// one pace. Until the first 429 nothing waits.
    pub fn rate_adaptation(mut self, adaptation: RateAdaptation) -> Self {
        self.rate_adaptation = Some(adaptation);
        self
    }

    /// No pacing: every request goes out at once, and each 429 is only waited out and retried
    /// by the [`RetryPolicy`].
    pub fn no_rate_adaptation(mut self) -> Self {
        self.rate_adaptation = None;
        self
    }

    /// Records the writes of each piece of work ([`PartnerCenter::work`]) in `journal`, so that
    /// each is made once across crashes and restarts (see [`crate::journal`]; features
    /// `journal`, `redis`).
    #[cfg(any(feature = "journal", feature = "redis"))]
    pub fn journal(mut self, journal: Journal) -> Self {
        self.journal = Some(journal);
        self
    }

    /// Takes every request's turn from a rate limit shared through Redis by a fleet of
    /// clients (see [`SharedLimit`](crate::retry::SharedLimit)); while Redis cannot be reached,
    /// the client's own pace ([`rate_adaptation`](Self::rate_adaptation)) decides.
    #[cfg(feature = "redis")]
    pub fn shared_limit(mut self, limit: crate::retry::SharedLimit) -> Self {
        self.shared_limit = Some(limit);
        self
    }

    /// The clock retries and the pace read and wait on; tests use a
    /// [`VirtualClock`](crate::clock::VirtualClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config), saying which setting cannot work: no
    /// token or token provider, a base URL that is not https (or http to a loopback address),
    /// a locale or application name that cannot be sent in a header, a root certificate that
    /// cannot be read, or TLS that cannot be set up; an
    /// [`ErrorKind::Auth`](crate::ErrorKind::Auth) for a bearer token that cannot be sent.
    pub fn build(self) -> Result<PartnerCenter, Error> {
        let tokens = self.tokens.ok_or_else(|| {
            Error::config("no access token: set one with bearer_token(...) or token_provider(...)")
        })??;
        let base_url = crate::tls::check_secure("base URL", &self.base_url)?;
        let headers = client_headers(&self.locale, self.application.as_deref())?;
        let roots = self
            .root_certificates
            .iter()
            .map(|pem| crate::tls::certificates_from_pem(pem))
            .collect::<Result<Vec<_>, _>>()?
            .concat();
        // Set once here rather than on each request, which would cost every request: the
        // client's headers (reqwest adds them where a request has none, so a caller's own
        // value wins), and an attempt's time-out (a request sets its own only when its
        // operation has less time left; see `pipeline`).
        let http = crate::tls::http_client(&roots, self.connect_timeout, |http| {
            http.default_headers(headers.clone())
                .timeout(self.attempt_timeout)
        })?;
        let trimmed = base_url.as_str().trim_end_matches('/').to_string();
        let shared = Shared {
            // Without its trailing slashes, as `base_url`: every path is pushed after them.
            base: reqwest::Url::parse(&trimmed).unwrap_or(base_url),
            base_url: trimmed,
            http,
            tokens,
            headers,
            retry: self.retry,
            budget: self.budget,
            attempt_timeout: self.attempt_timeout,
            response_limits: crate::read::Limits {
                bytes: self.max_response_bytes,
                objects: self.max_response_objects,
            },
            rate: self
                .rate_adaptation
                .map(|adaptation| AdaptiveRate::new(adaptation, self.clock.now())),
            clock: self.clock,
            #[cfg(feature = "redis")]
            fleet: self.shared_limit.map(crate::retry::Fleet::new),
            journal: self.journal,
        };
        Ok(PartnerCenter::from_shared(shared, self.correlation_id))
    }
}

impl fmt::Debug for PartnerCenterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartnerCenterBuilder")
            .field("base_url", &self.base_url)
            .field("tokens", &self.tokens)
            .field("locale", &self.locale)
            .field("application", &self.application)
            .field("correlation_id", &self.correlation_id)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_response_objects", &self.max_response_objects)
            .field("journal", &self.journal)
            .finish_non_exhaustive()
    }
}
