//! Tokens from Azure AD (Microsoft Entra ID): app-only (client credentials) and app+user
//! (refresh token), with the v2.0 token endpoint of a configurable authority.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::RefreshTokenStore;
use super::cache::TokenCache;
use super::{AccessToken, TokenFuture, TokenProvider};
use crate::error::{Auth, RefreshRefused};
use crate::error::{Error, ErrorKind};
use crate::read::read_capped;

/// The public Azure AD authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// The scope of a Partner Center token.
pub const PARTNER_CENTER_SCOPE: &str = "https://api.partnercenter.microsoft.com/.default";

/// How long a token request may take.
const TOKEN_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest token answer read; a real one is a few kilobytes.
const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// Tokens from Azure AD by one OAuth 2.0 grant: [`ClientCredentials`] or [`RefreshToken`].
/// Where to ask, for what scope, and the cached answer are the same for both; the grant says
/// what is posted.
pub struct AzureAd<G> {
    endpoint: Endpoint,
    grant: G,
}

/// App-only tokens: the OAuth 2.0 client-credentials grant, with a client secret.
///
/// ```
/// use partner_center_carts::auth::ClientCredentials;
///
/// let tokens = ClientCredentials::new("contoso.onmicrosoft.com", "app-id", "app-secret");
/// // For tests, or a sovereign cloud:
/// let tokens = tokens.with_authority("http://127.0.0.1:9999")?;
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
pub type ClientCredentials = AzureAd<grant::ClientSecret>;

/// App+user tokens: the OAuth 2.0 refresh-token grant. When Azure AD answers with a new refresh
/// token (it rotates them on every exchange), it replaces the old one, and goes to the
/// provider's [`RefreshTokenStore`] if it has one, so the next run starts from it.
///
/// A refresh token Azure AD refuses fails with [`ErrorKind::Auth`](crate::ErrorKind::Auth)
/// whose [`refresh_refused`](crate::error::Auth::refresh_refused) says why (expired, or not
/// valid); one that needs a sign-in with MFA, with
/// [`mfa_required`](crate::error::Auth::mfa_required).
///
/// ```no_run
/// use partner_center_carts::auth::{FileStore, RefreshToken};
///
/// let tokens = RefreshToken::new("contoso.onmicrosoft.com", "app-id", "first-refresh-token")
///     .with_store(FileStore::new("refresh-token"));
/// # let _ = tokens;
/// ```
pub type RefreshToken = AzureAd<grant::Refresh>;

/// The grants an [`AzureAd`] provider posts, made by [`ClientCredentials::new`] and
/// [`RefreshToken::new`]; their secrets never show in `Debug`.
pub mod grant {
    use std::fmt;
    use std::sync::{Arc, Mutex};

    use secrecy::SecretString;

    use crate::auth::RefreshTokenStore;
    use crate::error::{Error, ErrorKind};

    /// The client-credentials grant: the app's secret.
    pub struct ClientSecret(pub(super) SecretString);

    /// The refresh-token grant: the user's refresh token (replaced when Azure AD rotates it,
    /// and kept in the store if there is one), and the app's secret for a confidential app.
    pub struct Refresh {
        pub(super) refresh_token: Mutex<SecretString>,
        pub(super) client_secret: Option<SecretString>,
        pub(super) store: Option<Arc<dyn RefreshTokenStore>>,
    }

    /// What a grant posts, besides the client id and scope; sealed: the two grants above are
    /// the ones this crate speaks.
    pub trait Grant: private::Sealed + fmt::Debug + Send + Sync + 'static {
        /// The whole form, in the order posted, secrets among its values.
        #[doc(hidden)]
        fn form(&self, client_id: &str, scope: &str) -> Vec<(&'static str, SecretString)>;

        /// Azure AD sent a new refresh token.
        #[doc(hidden)]
        fn rotated(&self, refresh_token: SecretString) -> Result<(), Error> {
            let _ = refresh_token;
            Ok(())
        }

        /// Azure AD refused the grant: the error, with what this grant adds to it.
        #[doc(hidden)]
        fn refused(&self, error: Error) -> Error {
            error
        }
    }

    mod private {
        pub trait Sealed {}
        impl Sealed for super::ClientSecret {}
        impl Sealed for super::Refresh {}
    }

    impl Grant for ClientSecret {
        fn form(&self, client_id: &str, scope: &str) -> Vec<(&'static str, SecretString)> {
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", client_id.into()),
                ("client_secret", self.0.clone()),
                ("scope", scope.into()),
            ]
        }
    }

    impl Grant for Refresh {
        fn form(&self, client_id: &str, scope: &str) -> Vec<(&'static str, SecretString)> {
            let refresh = match self.refresh_token.lock() {
                Ok(t) => t.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            };
            let mut form = vec![
                ("grant_type", "refresh_token".into()),
                ("client_id", client_id.into()),
                ("refresh_token", refresh),
                ("scope", scope.into()),
            ];
            form.extend(self.client_secret.clone().map(|s| ("client_secret", s)));
            form
        }

        /// A refused refresh token that came from a store: the new one goes there, or the
        /// store keeps handing out the refused one.
        fn refused(&self, error: Error) -> Error {
            match (error.kind(), &self.store) {
                (ErrorKind::Auth(auth), Some(store)) if auth.refresh_refused().is_some() => {
                    let hint = format!(
                        "the refused refresh token came from {store:?}: put the new one there \
                         (a PARTNER_CENTER_REFRESH_TOKEN seeds only an empty file)"
                    );
                    Error::new(ErrorKind::Auth(auth.clone().hinted(&hint)))
                }
                _ => error,
            }
        }

        fn rotated(&self, refresh_token: SecretString) -> Result<(), Error> {
            // Kept in memory first: if the store fails, this process still has it.
            match self.refresh_token.lock() {
                Ok(mut slot) => *slot = refresh_token.clone(),
                Err(poisoned) => *poisoned.into_inner() = refresh_token.clone(),
            }
            match &self.store {
                Some(store) => crate::auth::store::save(store.as_ref(), &refresh_token),
                None => Ok(()),
            }
        }
    }

    impl fmt::Debug for ClientSecret {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("ClientSecret([REDACTED])")
        }
    }

    impl fmt::Debug for Refresh {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Refresh")
                .field("refresh_token", &"[REDACTED]")
                .field(
                    "client_secret",
                    &self.client_secret.as_ref().map(|_| "[REDACTED]"),
                )
                .field("store", &self.store)
                .finish()
        }
    }
}

use grant::Grant;

/// What both grants share: where to ask, for what, and the cached answer.
struct Endpoint {
    authority: String,
    tenant: String,
    client_id: String,
    scope: String,
    http: OnceLock<reqwest::Client>,
    cache: TokenCache,
}

impl ClientCredentials {
    /// Tokens for the app `client_id` in `tenant` (a tenant id or domain), from the public
    /// authority, with the Partner Center scope.
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: Endpoint::new(tenant.into(), client_id.into()),
            grant: grant::ClientSecret(SecretString::from(client_secret.into())),
        }
    }
}

impl RefreshToken {
    /// Tokens for the app `client_id` in `tenant`, on behalf of the user whose refresh token
    /// this is. Confidential apps add their secret with [`with_client_secret`](Self::with_client_secret).
    pub fn new(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: Endpoint::new(tenant.into(), client_id.into()),
            grant: grant::Refresh {
                refresh_token: Mutex::new(SecretString::from(refresh_token.into())),
                client_secret: None,
                store: None,
            },
        }
    }

    /// Tokens on behalf of the user whose refresh token `store` keeps (the newest, when a
    /// previous run kept its rotations there); every rotated one goes back to it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Auth`](crate::ErrorKind::Auth) when the store cannot be read or holds no
    /// refresh token.
    pub fn from_store(
        tenant: impl Into<String>,
        client_id: impl Into<String>,
        store: impl RefreshTokenStore,
    ) -> Result<Self, Error> {
        let Some(first) = super::store::load(&store)? else {
            return Err(auth_error(format!(
                "no refresh token in {store:?}: sign the user in (with MFA) and store the refresh \
                 token that sign-in gives"
            )));
        };
        Ok(Self::new(tenant, client_id, first.expose_secret()).with_store(store))
    }

    /// Hands every refresh token Azure AD rotates to `store`, before the access token that
    /// came with it is used ([`RefreshTokenStore::save`]).
    pub fn with_store(mut self, store: impl RefreshTokenStore) -> Self {
        self.grant.store = Some(Arc::new(store));
        self
    }

    /// Sends the app's client secret with each refresh.
    pub fn with_client_secret(mut self, secret: impl Into<String>) -> Self {
        self.grant.client_secret = Some(SecretString::from(secret.into()));
        self
    }
}

impl<G: Grant> AzureAd<G> {
    /// Asks another authority (a sovereign cloud, or a test server). It must be https, or http
    /// to a loopback address, since the grant's secrets are sent to it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `authority` is not a URL, or is plain
    /// http to another machine.
    pub fn with_authority(mut self, authority: &str) -> Result<Self, Error> {
        self.endpoint.set_authority(authority)?;
        Ok(self)
    }

    /// Asks for another scope than [`PARTNER_CENTER_SCOPE`].
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.endpoint.scope = scope.into();
        self
    }
}

impl<G: Grant> TokenProvider for AzureAd<G> {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.endpoint.cache.get_or_fetch(|| async {
            let owned = self
                .grant
                .form(&self.endpoint.client_id, &self.endpoint.scope);
            let form: Vec<(&str, &str)> = owned
                .iter()
                .map(|(key, value)| (*key, value.expose_secret()))
                .collect();
            let (token, rotated) = self
                .endpoint
                .request(&form)
                .await
                .map_err(|e| self.grant.refused(e))?;
            if let Some(rotated) = rotated {
                self.grant.rotated(rotated)?;
            }
            Ok(token)
        }))
    }

    fn invalidate(&self, rejected: &AccessToken) -> bool {
        self.endpoint.cache.invalidate(rejected);
        true
    }
}

/// The token endpoint's answer. `expires_in` is a number from v2.0 and a string from v1.0.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: SecretString,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<SecretString>,
}

/// The token endpoint's error answer.
#[derive(Deserialize)]
struct TokenError {
    error: Option<String>,
    error_description: Option<String>,
    /// Azure AD's own codes (the `AADSTS` numbers of the description): read loosely, so an
    /// odd value loses the codes, not the error's words.
    #[serde(default)]
    error_codes: serde_json::Value,
}

/// AADSTS codes of a refresh token past its lifetime.
const EXPIRED_REFRESH_CODES: [u64; 4] = [700_082, 70_008, 700_081, 700_084];

/// AADSTS codes of a sign-in that must be made again with MFA.
const MFA_CODES: [u64; 2] = [50_076, 50_079];

impl TokenError {
    /// The refusal as its own kind where it has one: a sign-in needed with MFA, or a refresh
    /// token refused (`invalid_grant`); `None` for the rest.
    fn classify(&self, words: String) -> Option<Auth> {
        let codes: Vec<u64> = self
            .error_codes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_u64)
            .collect();
        if codes.iter().any(|c| MFA_CODES.contains(c)) {
            return Some(Auth::mfa_required_by_authority(words));
        }
        if self.error.as_deref() != Some("invalid_grant") {
            return None;
        }
        let why = if codes.iter().any(|c| EXPIRED_REFRESH_CODES.contains(c)) {
            RefreshRefused::Expired
        } else {
            RefreshRefused::Invalid
        };
        Some(Auth::refresh_token_refused(words, why))
    }
}

impl Endpoint {
    fn new(tenant: String, client_id: String) -> Self {
        Self {
            authority: DEFAULT_AUTHORITY.to_string(),
            tenant,
            client_id,
            scope: PARTNER_CENTER_SCOPE.to_string(),
            http: OnceLock::new(),
            cache: TokenCache::default(),
        }
    }

    fn set_authority(&mut self, authority: &str) -> Result<(), Error> {
        crate::tls::check_secure("authority", authority)?;
        self.authority = authority.trim_end_matches('/').to_string();
        Ok(())
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`. The tenant is a GUID or a domain name: anything
    /// else could send the client secret to another path.
    fn url(&self) -> Result<reqwest::Url, Error> {
        let tenant = self.tenant.as_str();
        let plausible = !tenant.is_empty()
            && tenant != "."
            && tenant != ".."
            && tenant
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !plausible {
            return Err(auth_error(format!(
                "the tenant {tenant:?} is not a tenant id or domain name"
            )));
        }
        let mut url = reqwest::Url::parse(&self.authority)
            .map_err(|e| auth_error(format!("the authority cannot be read: {e}")))?;
        url.path_segments_mut()
            .map_err(|_| auth_error("the authority cannot have a path".into()))?
            .pop_if_empty()
            .extend([tenant, "oauth2", "v2.0", "token"]);
        Ok(url)
    }

    fn http(&self) -> Result<&reqwest::Client, Error> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = crate::tls::http_client(&[], TOKEN_REQUEST_TIMEOUT, |b| b)?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Posts the grant; returns the access token and, if Azure AD sent one, a new refresh token.
    async fn request(
        &self,
        form: &[(&str, &str)],
    ) -> Result<(AccessToken, Option<SecretString>), Error> {
        let url = self.url()?;
        let mut response = self
            .http()?
            .post(url.clone())
            .timeout(TOKEN_REQUEST_TIMEOUT)
            .form(form)
            .send()
            .await
            .map_err(|e| auth_error(format!("the token request to {url} failed: {e}")))?;
        let status = response.status();
        let (body, oversized) = read_capped(&mut response, MAX_TOKEN_ANSWER_BYTES)
            .await
            .map_err(|e| auth_error(format!("the token answer from {url} broke off: {e}")))?;
        if oversized {
            return Err(auth_error(format!(
                "the token answer from {url} is larger than {MAX_TOKEN_ANSWER_BYTES} bytes"
            )));
        }
        if !status.is_success() {
            let refusal = serde_json::from_slice::<TokenError>(&body).ok();
            let detail = refusal.as_ref().map_or_else(
                || "no error detail".to_string(),
                |e| {
                    format!(
                        "{}: {}",
                        endpoint_text(e.error.as_deref().unwrap_or("error"), form),
                        endpoint_text(e.error_description.as_deref().unwrap_or(""), form)
                    )
                },
            );
            let words = format!("{url} refused the token request with {status} ({detail})");
            let kind = match refusal.and_then(|e| e.classify(words.clone())) {
                Some(auth) => auth,
                None => Auth::new(words, None),
            };
            return Err(Error::new(ErrorKind::Auth(kind)));
        }
        let answer: TokenAnswer = serde_json::from_slice(&body)
            .map_err(|e| auth_error(format!("the token answer from {url} cannot be read: {e}")))?;
        let expires_in = match answer.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .map(Duration::from_secs);
        let token = AccessToken::new(answer.access_token.expose_secret(), expires_in)?;
        Ok((token, answer.refresh_token))
    }
}

/// The longest text kept from a token endpoint's error answer, in characters.
const MAX_ENDPOINT_TEXT_CHARS: usize = 300;

/// What stands in for a secret in an error.
const REDACTED: &str = "[REDACTED]";

/// Whether the form field `key` carries a secret (`client_secret`, `refresh_token`,
/// `client_assertion`, `password`, ...).
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "token", "assertion", "password"]
        .iter()
        .any(|word| key.contains(word))
}

/// Text from the token endpoint's error answer, made fit for an error message. An endpoint
/// may echo the posted form: every secret value of `form` (as sent, and form-encoded) and
/// every `secret_key=value` is replaced by `[REDACTED]`. Line breaks and other whitespace
/// become one space, other control characters and direction overrides are escaped
/// (`\u{1b}`), and the text is cut at [`MAX_ENDPOINT_TEXT_CHARS`].
fn endpoint_text(text: &str, form: &[(&str, &str)]) -> String {
    let mut secrets: Vec<String> = Vec::new();
    for (key, value) in form {
        if is_secret_key(key) && !value.is_empty() {
            let encoded: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
            secrets.push(value.to_string());
            secrets.push(encoded);
        }
    }
    // The longest first, so a secret that contains another goes whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut text = text.to_string();
    for secret in &secrets {
        text = text.replace(secret.as_str(), REDACTED);
    }
    let text = redact_assignments(&text);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let printable = crate::error::printable(&one_line);
    let mut out: String = printable.chars().take(MAX_ENDPOINT_TEXT_CHARS).collect();
    if printable.chars().nth(MAX_ENDPOINT_TEXT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// `text` with the value of every `key=value` whose key names a secret ([`is_secret_key`])
/// replaced by `[REDACTED]`; the value ends at `&`, whitespace, a quote or the end.
fn redact_assignments(text: &str) -> String {
    let is_key_byte = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let (before, after) = (&rest[..eq], &rest[eq + 1..]);
        let key_len = before.bytes().rev().take_while(is_key_byte).count();
        out.push_str(before);
        out.push('=');
        rest = after;
        if is_secret_key(&before[before.len() - key_len..]) {
            let end = after
                .find(|c: char| c == '&' || c.is_whitespace() || matches!(c, '"' | '\'' | '`'))
                .unwrap_or(after.len());
            if end > 0 {
                out.push_str(REDACTED);
            }
            rest = &after[end..];
        }
    }
    out.push_str(rest);
    out
}

fn auth_error(reason: String) -> Error {
    Error::new(ErrorKind::Auth(Auth::new(reason, None)))
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("authority", &self.authority)
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl<G: Grant> fmt::Debug for AzureAd<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureAd")
            .field("endpoint", &self.endpoint)
            .field("grant", &self.grant)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: &[(&str, &str)] = &[
        ("grant_type", "refresh_token"),
        ("client_id", "app-id"),
        ("refresh_token", "0.AAA+rt/x=="),
        ("client_secret", "s3cr3t"),
    ];

    #[test]
    fn secrets_of_the_form_and_secret_assignments_are_redacted() {
        // A value runs to `&`, whitespace, a quote or the end: `client_secret=s3cr3t;` loses
        // its `;` too.
        assert_eq!(
            endpoint_text(
                "bad request: grant_type=refresh_token&client_id=app-id&refresh_token=0.AAA%2Brt%2Fx%3D%3D&client_secret=s3cr3t; \
                 got 's3cr3t', \"0.AAA+rt/x==\", client_assertion=eyJ.x.y&password=hunter2 Client_Secret=other",
                FORM
            ),
            "bad request: grant_type=refresh_token&client_id=app-id&refresh_token=[REDACTED]\
             &client_secret=[REDACTED] got '[REDACTED]', \"[REDACTED]\", \
             client_assertion=[REDACTED]&password=[REDACTED] Client_Secret=[REDACTED]"
        );
        assert_eq!(
            endpoint_text("AADSTS7000215: Invalid client secret provided.", FORM),
            "AADSTS7000215: Invalid client secret provided."
        );
        assert_eq!(
            endpoint_text("x=1&token_type=&=2", FORM),
            "x=1&token_type=&=2"
        );
    }

    #[test]
    fn the_text_is_one_line_of_printable_characters_and_capped() {
        assert_eq!(
            endpoint_text(
                "AADSTS70011: bad scope.\r\nTrace ID: 1\r\n\tMS-RequestId: 0\u{1b}[2J\u{202e}\u{2028}end\n",
                FORM
            ),
            "AADSTS70011: bad scope. Trace ID: 1 MS-RequestId: 0\\u{1b}[2J\\u{202e} end"
        );
        let long = endpoint_text(&"é".repeat(1000), FORM);
        assert_eq!(long.chars().count(), MAX_ENDPOINT_TEXT_CHARS + 1);
        assert!(long.ends_with("é…"));
    }
}
