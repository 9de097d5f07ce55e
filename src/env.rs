//! Configuration from the environment: the `PARTNER_CENTER_*` variables the `pc-carts` command
//! reads, for a program that wants the same (as `aws_config::load_from_env` or
//! `kube::Client::try_default` do for theirs).

use std::fmt;
use std::path::PathBuf;

use secrecy::ExposeSecret;

use crate::auth::{ClientCredentials, FileStore, RefreshToken};
use crate::builder::PartnerCenterBuilder;
use crate::client::PartnerCenter;
use crate::error::Error;

/// The variables [`PartnerCenterBuilder::from_env`] reads, and what each is for. The table in
/// `docs/client.md` and `pc-carts --help` are this list.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "PARTNER_CENTER_BASE_URL",
        "where requests go (default https://api.partnercenter.microsoft.com)",
    ),
    (
        "PARTNER_CENTER_TOKEN",
        "a fixed access token (without `Bearer `); else a refresh token, else client credentials",
    ),
    (
        "PARTNER_CENTER_REFRESH_TOKEN",
        "App+User: a user's refresh token, with the tenant and client id (and secret, for a \
         confidential app)",
    ),
    (
        "PARTNER_CENTER_REFRESH_TOKEN_FILE",
        "App+User: a file (mode 0600) keeping the newest refresh token: read first, rewritten \
         on every rotation; PARTNER_CENTER_REFRESH_TOKEN seeds it",
    ),
    (
        "PARTNER_CENTER_TENANT_ID",
        "client credentials or refresh token: the tenant (id or domain) of the app",
    ),
    (
        "PARTNER_CENTER_CLIENT_ID",
        "client credentials or refresh token: the app's id",
    ),
    (
        "PARTNER_CENTER_CLIENT_SECRET",
        "client credentials: the app's secret (a refresh token: for a confidential app)",
    ),
    (
        "PARTNER_CENTER_AUTHORITY",
        "client credentials or refresh token: another Azure AD authority (optional)",
    ),
    (
        "PARTNER_CENTER_LOCALE",
        "the X-Locale to send (default en-US)",
    ),
];

const CREDENTIALS: [&str; 3] = [
    "PARTNER_CENTER_TENANT_ID",
    "PARTNER_CENTER_CLIENT_ID",
    "PARTNER_CENTER_CLIENT_SECRET",
];

/// Which credential a set of [`VARIABLES`] names, in the order they are chosen: a fixed
/// token, else a user's refresh token (App+User), else client credentials (app-only).
///
/// ```
/// use partner_center_carts::env::Credential;
///
/// let chosen = Credential::from_lookup(|name| {
///     (name == "PARTNER_CENTER_REFRESH_TOKEN_FILE").then(|| "/run/pc/refresh-token".to_string())
/// });
/// assert_eq!(chosen.to_string(), "a refresh token kept in /run/pc/refresh-token (App+User)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// `PARTNER_CENTER_TOKEN`: an access token, used as it is.
    Token,
    /// `PARTNER_CENTER_REFRESH_TOKEN` or `PARTNER_CENTER_REFRESH_TOKEN_FILE`: a user's refresh
    /// token, exchanged for App+User access tokens; `file` keeps its rotations.
    RefreshToken {
        /// The file that keeps the newest refresh token, if one is named.
        file: Option<PathBuf>,
    },
    /// The client-credentials variables: app-only tokens.
    ClientCredentials,
    /// None of them.
    None,
}

impl Credential {
    /// The credential `lookup` names (an empty value counts as unset).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if get("PARTNER_CENTER_TOKEN").is_some() {
            Self::Token
        } else if let Some(file) = get("PARTNER_CENTER_REFRESH_TOKEN_FILE") {
            Self::RefreshToken {
                file: Some(PathBuf::from(file)),
            }
        } else if get("PARTNER_CENTER_REFRESH_TOKEN").is_some() {
            Self::RefreshToken { file: None }
        } else if CREDENTIALS.iter().any(|name| get(name).is_some()) {
            Self::ClientCredentials
        } else {
            Self::None
        }
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Token => f.write_str("a fixed access token (PARTNER_CENTER_TOKEN)"),
            Self::RefreshToken { file: Some(file) } => {
                write!(f, "a refresh token kept in {} (App+User)", file.display())
            }
            Self::RefreshToken { file: None } => {
                f.write_str("a refresh token (PARTNER_CENTER_REFRESH_TOKEN, App+User)")
            }
            Self::ClientCredentials => f.write_str("client credentials (app-only)"),
            Self::None => f.write_str("none"),
        }
    }
}

impl PartnerCenterBuilder {
    /// A builder set from the [`VARIABLES`] of the environment (an empty one counts as unset);
    /// its other settings can still be changed before [`build`](Self::build). The credential
    /// is the one [`Credential::from_lookup`] names.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when no credential is set, or one lacks
    /// a variable (it names those missing), or a value cannot be used;
    /// [`ErrorKind::Auth`](crate::ErrorKind::Auth) when a refresh token file cannot be read or
    /// others can read it.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), partner_center_carts::Error> {
    /// use partner_center_carts::PartnerCenterBuilder;
    ///
    /// let pc = PartnerCenterBuilder::from_env()?.application_name("contoso-billing/2.1").build()?;
    /// # let _ = pc; Ok(()) }
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env), reading the variables through `lookup` instead: a map,
    /// a configuration file's values, or the environment with some values overridden.
    ///
    /// # Errors
    ///
    /// As [`from_env`](Self::from_env)'s.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut builder = PartnerCenter::builder();
        if let Some(url) = get("PARTNER_CENTER_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Some(locale) = get("PARTNER_CENTER_LOCALE") {
            builder = builder.locale(locale);
        }
        let authority = get("PARTNER_CENTER_AUTHORITY");
        match Credential::from_lookup(get) {
            Credential::Token => {
                let token = get("PARTNER_CENTER_TOKEN").unwrap_or_default();
                Ok(builder.bearer_token(token))
            }
            Credential::RefreshToken { file } => {
                let (Some(tenant), Some(client)) = (
                    get("PARTNER_CENTER_TENANT_ID"),
                    get("PARTNER_CENTER_CLIENT_ID"),
                ) else {
                    return Err(Error::config(
                        "a refresh token needs PARTNER_CENTER_TENANT_ID and \
                         PARTNER_CENTER_CLIENT_ID too",
                    ));
                };
                let seed = get("PARTNER_CENTER_REFRESH_TOKEN");
                let mut tokens = match file.map(FileStore::new) {
                    Some(store) => match (crate::auth::store::load(&store)?, seed) {
                        (Some(kept), _) => RefreshToken::new(tenant, client, kept.expose_secret()),
                        (None, Some(seed)) => RefreshToken::new(tenant, client, seed),
                        (None, None) => {
                            return Err(Error::config(format!(
                                "the refresh token file {} holds no token: set \
                                 PARTNER_CENTER_REFRESH_TOKEN once to seed it",
                                store.path().display()
                            )));
                        }
                    }
                    .with_store(store),
                    None => RefreshToken::new(tenant, client, seed.unwrap_or_default()),
                };
                if let Some(secret) = get("PARTNER_CENTER_CLIENT_SECRET") {
                    tokens = tokens.with_client_secret(secret);
                }
                if let Some(authority) = authority {
                    tokens = tokens.with_authority(&authority)?;
                }
                Ok(builder.token_provider(tokens))
            }
            Credential::ClientCredentials | Credential::None => {
                let [tenant, client, secret] = CREDENTIALS.map(get);
                let (Some(tenant), Some(client), Some(secret)) = (tenant, client, secret) else {
                    let missing: Vec<&str> = CREDENTIALS
                        .into_iter()
                        .filter(|name| get(name).is_none())
                        .collect();
                    let reason = if missing.len() == CREDENTIALS.len() {
                        format!(
                            "no credentials: set PARTNER_CENTER_TOKEN, or \
                             PARTNER_CENTER_REFRESH_TOKEN (App+User), or {}",
                            CREDENTIALS.join(", ")
                        )
                    } else {
                        format!(
                            "client credentials need {} too (or set PARTNER_CENTER_TOKEN instead)",
                            missing.join(" and ")
                        )
                    };
                    return Err(Error::config(reason));
                };
                let mut credentials = ClientCredentials::new(tenant, client, secret);
                if let Some(authority) = authority {
                    credentials = credentials.with_authority(&authority)?;
                }
                Ok(builder.token_provider(credentials))
            }
        }
    }
}

impl PartnerCenter {
    /// A client set from the environment: [`PartnerCenterBuilder::from_env`], then `build`.
    ///
    /// # Errors
    ///
    /// As [`PartnerCenterBuilder::from_env`]'s and [`PartnerCenterBuilder::build`]'s.
    ///
    /// ```no_run
    /// # fn run() -> Result<(), partner_center_carts::Error> {
    /// let pc = partner_center_carts::PartnerCenter::from_env()?;
    /// # let _ = pc; Ok(()) }
    /// ```
    pub fn from_env() -> Result<Self, Error> {
        PartnerCenterBuilder::from_env()?.build()
    }
}
