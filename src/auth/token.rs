//! An access token, and the fixed-token provider.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use super::{TokenFuture, TokenProvider};
use crate::error::Auth;
use crate::error::{Error, ErrorKind};

/// How long before its expiry a token is replaced (at most; see [`AccessToken::new`]).
const REFRESH_AHEAD: Duration = Duration::from_secs(300);

/// An access token and when to replace it. Cheap to clone; its `Debug` shows no secret.
#[derive(Clone)]
pub struct AccessToken(Arc<Inner>);

struct Inner {
    secret: SecretString,
    /// `Bearer <token>`, built once and marked sensitive so the HTTP stack never logs it.
    header: HeaderValue,
    expires_at: Option<Instant>,
    refresh_at: Option<Instant>,
}

impl AccessToken {
    /// A token valid for `expires_in` from now (`None`: no known expiry).
    ///
    /// It is refreshed ahead of expiry: five minutes before, or halfway through its lifetime
    /// if that is shorter. Fails if the token is empty, already starts with `Bearer ` (the
    /// scheme is this crate's to add), or cannot be sent in a header (a line break, say).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Auth`](crate::ErrorKind::Auth), as listed above.
    pub fn new(secret: impl Into<String>, expires_in: Option<Duration>) -> Result<Self, Error> {
        let secret = SecretString::from(secret.into());
        let refused = |reason: &str| Error::new(ErrorKind::Auth(Auth::new(reason, None)));
        let text = secret.expose_secret();
        if text.trim().is_empty() {
            return Err(refused("the access token is empty"));
        }
        if text
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("bearer "))
        {
            return Err(refused(
                "the access token starts with `Bearer `: pass the token alone, the client adds \
                 the scheme",
            ));
        }
        let mut header = HeaderValue::try_from(format!("Bearer {text}"))
            .map_err(|_| refused("the access token holds characters a header cannot carry"))?;
        header.set_sensitive(true);
        // A lifetime too long for an `Instant` (a token answer may say anything) is no known
        // expiry.
        let now = Instant::now();
        let expires_at = expires_in.and_then(|d| now.checked_add(d));
        let refresh_at = expires_in.and_then(|d| now.checked_add(d - REFRESH_AHEAD.min(d / 2)));
        Ok(Self(Arc::new(Inner {
            secret,
            header,
            expires_at,
            refresh_at,
        })))
    }

    /// The token itself. Handle with care: this is the secret.
    pub fn secret(&self) -> &SecretString {
        &self.0.secret
    }

    /// When the token expires, if known.
    pub fn expires_at(&self) -> Option<Instant> {
        self.0.expires_at
    }

    /// Whether it is still worth using at `now`, that is, not yet due for refresh.
    pub fn is_fresh_at(&self, now: Instant) -> bool {
        self.0.refresh_at.is_none_or(|at| now < at)
    }

    pub(crate) fn header(&self) -> &HeaderValue {
        &self.0.header
    }

    pub(crate) fn same_as(&self, other: &AccessToken) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("expires_at", &self.0.expires_at)
            .finish()
    }
}

/// A fixed token, as given to [`PartnerCenterBuilder::bearer_token`](crate::PartnerCenterBuilder::bearer_token).
/// It is never refreshed: when the service refuses it, the operation fails with
/// [`ErrorKind::Auth`].
#[derive(Clone, Debug)]
pub struct StaticToken(AccessToken);

impl StaticToken {
    /// A provider that always hands out `token`.
    ///
    /// # Errors
    ///
    /// As [`AccessToken::new`]'s.
    pub fn new(token: impl Into<String>) -> Result<Self, Error> {
        AccessToken::new(token, None).map(Self)
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> TokenFuture<'_> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refreshes_ahead_of_expiry() {
        let start = Instant::now();
        let hour = AccessToken::new("t", Some(Duration::from_secs(3600))).unwrap();
        assert!(hour.is_fresh_at(start));
        assert!(hour.is_fresh_at(start + Duration::from_secs(3000)));
        assert!(!hour.is_fresh_at(start + Duration::from_secs(3301)));

        // A short-lived token is refreshed halfway.
        let short = AccessToken::new("t", Some(Duration::from_secs(60))).unwrap();
        assert!(short.is_fresh_at(start + Duration::from_secs(29)));
        assert!(!short.is_fresh_at(start + Duration::from_secs(31)));

        let forever = AccessToken::new("t", None).unwrap();
        assert!(forever.is_fresh_at(start + Duration::from_secs(1 << 30)));
    }

    #[test]
    fn an_absurd_lifetime_is_no_expiry_and_a_zero_one_is_stale_at_once() {
        let forever = AccessToken::new("t", Some(Duration::MAX)).unwrap();
        assert_eq!(forever.expires_at(), None);
        assert!(forever.is_fresh_at(Instant::now()));
        let gone = AccessToken::new("t", Some(Duration::ZERO)).unwrap();
        assert!(!gone.is_fresh_at(Instant::now()));
    }

    #[test]
    fn debug_hides_the_secret_and_bad_tokens_are_refused() {
        let token = AccessToken::new("eyJ-super-secret", None).unwrap();
        assert!(!format!("{token:?}").contains("super-secret"));
        assert!(!format!("{:?}", token.header()).contains("super-secret"));
        let err = AccessToken::new("line\nbreak", None).unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Auth(_)));
        let err = AccessToken::new("Bearer abc", None).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("pass the token alone, the client adds the scheme"),
            "{err}"
        );
    }
}
