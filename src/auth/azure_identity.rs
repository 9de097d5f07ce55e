//! Tokens from any `azure_core` credential (feature `azure_identity`): managed identity,
//! workload identity, the Azure CLI's login, a client certificate, or a chain of them, as the
//! `azure_identity` crate provides them, with this crate's cache and 401 handling.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::time::OffsetDateTime;

use super::cache::TokenCache;
use super::{AccessToken, PARTNER_CENTER_SCOPE, TokenFuture, TokenProvider};
use crate::error::Auth;
use crate::error::{Error, ErrorKind};

/// A [`TokenProvider`] over an `azure_core` [`TokenCredential`], asking it for the Partner
/// Center scope.
///
/// ```
/// use std::sync::Arc;
/// use azure_core::credentials::TokenCredential;
/// use partner_center_carts::PartnerCenter;
/// use partner_center_carts::auth::AzureCredential;
///
/// // `credential` is, for example, `azure_identity::ManagedIdentityCredential::new(None)?`
/// // or `azure_identity::DeveloperToolsCredential::new(None)?`.
/// fn client(credential: Arc<dyn TokenCredential>) -> Result<PartnerCenter, partner_center_carts::Error> {
///     PartnerCenter::builder()
///         .token_provider(AzureCredential::new(credential))
///         .build()
/// }
/// ```
///
/// The token is cached and refreshed ahead of its expiry; after a 401 it is dropped and the
/// credential asked again. A credential's error becomes an [`ErrorKind::Auth`] that keeps its
/// message.
pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    cache: TokenCache,
}

impl AzureCredential {
    /// Tokens from `credential`, for [`PARTNER_CENTER_SCOPE`].
    pub fn new(credential: Arc<dyn TokenCredential>) -> Self {
        Self {
            credential,
            scope: PARTNER_CENTER_SCOPE.to_string(),
            cache: TokenCache::default(),
        }
    }

    /// Asks for another scope than [`PARTNER_CENTER_SCOPE`].
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    async fn fetch(&self) -> Result<AccessToken, Error> {
        let token = self
            .credential
            .get_token(&[self.scope.as_str()], None)
            .await
            .map_err(|e| {
                Error::new(ErrorKind::Auth(Auth::new(
                    format!("the Azure credential gave no token: {e}"),
                    None,
                )))
            })?;
        // A token already expired (or a clock behind) is used once and asked again next time.
        let left = token.expires_on - OffsetDateTime::now_utc();
        let left = Duration::try_from(left).unwrap_or(Duration::ZERO);
        AccessToken::new(token.token.secret(), Some(left))
    }
}

impl TokenProvider for AzureCredential {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.cache.get_or_fetch(|| self.fetch()))
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        self.cache.invalidate(rejected);
        true
    }
}

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureCredential")
            .field("credential", &self.credential)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}
