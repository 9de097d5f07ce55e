//! Access tokens: where the `Authorization: Bearer` value comes from.
//!
//! A [`TokenProvider`] hands out tokens; the client asks it before every attempt, so a provider
//! that caches ([`ClientCredentials`], [`RefreshToken`]) refreshes ahead of expiry, and after a
//! 401 the client calls [`TokenProvider::invalidate`] and tries the operation once more with a
//! fresh token. Tokens and secrets are [`secrecy`] values: no `Debug`, `Display` or log line of
//! this crate shows them.

mod azure_ad;
#[cfg(feature = "azure_identity")]
mod azure_identity;
mod cache;
mod claims;
pub(crate) mod store;
mod token;

pub use azure_ad::{
    AzureAd, ClientCredentials, DEFAULT_AUTHORITY, PARTNER_CENTER_SCOPE, RefreshToken, grant,
};
#[cfg(feature = "azure_identity")]
pub use azure_identity::AzureCredential;
pub use claims::TokenClaims;
pub use store::{FileStore, RefreshTokenStore, StoreError};
pub use token::{AccessToken, StaticToken};

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::error::Error;

/// A boxed future of a token, as [`TokenProvider::token`] returns it.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<AccessToken, Error>> + Send + 'a>>;

/// A source of access tokens for Partner Center.
///
/// Implement it to plug in your own token source (a managed identity, a secret store):
///
/// ```
/// use partner_center_carts::auth::{AccessToken, TokenFuture, TokenProvider};
///
/// #[derive(Debug)]
/// struct FromEnvironment;
///
/// impl TokenProvider for FromEnvironment {
///     fn token(&self) -> TokenFuture<'_> {
///         Box::pin(async {
///             let value = std::env::var("PARTNER_CENTER_TOKEN").unwrap_or_default();
///             AccessToken::new(value, None)
///         })
///     }
/// }
/// ```
pub trait TokenProvider: Send + Sync + fmt::Debug + 'static {
    /// A token that is valid now. Called before every attempt, so it should be cheap when the
    /// token is cached.
    fn token(&self) -> TokenFuture<'_>;

    /// The service refused `rejected` (401). Drop it if it is still cached, and say whether
    /// the next [`token`](Self::token) may return a different one (a fixed token cannot).
    fn invalidate(&self, rejected: &AccessToken) -> bool {
        let _ = rejected;
        false
    }
}
