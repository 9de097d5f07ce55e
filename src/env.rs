//! Configuration from the environment: the `PARTNER_CENTER_*` variables the `pc-carts` command
//! reads, for a program that wants the same (as `aws_config::load_from_env` or
//! `kube::Client::try_default` do for theirs).

use crate::auth::ClientCredentials;
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
        "a fixed access token (without `Bearer `); else the client-credentials variables",
    ),
    (
        "PARTNER_CENTER_TENANT_ID",
        "client credentials: the tenant (id or domain) of the app",
    ),
    (
        "PARTNER_CENTER_CLIENT_ID",
        "client credentials: the app's id",
    ),
    (
        "PARTNER_CENTER_CLIENT_SECRET",
        "client credentials: the app's secret",
    ),
    (
        "PARTNER_CENTER_AUTHORITY",
        "client credentials: another Azure AD authority (optional)",
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

impl PartnerCenterBuilder {
    /// A builder set from the [`VARIABLES`] of the environment (an empty one counts as unset);
    /// its other settings can still be changed before [`build`](Self::build).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when neither a token nor all the
    /// client-credentials variables are set (it names those missing), or a value cannot be used.
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
        if let Some(token) = get("PARTNER_CENTER_TOKEN") {
            return Ok(builder.bearer_token(token));
        }
        let [tenant, client, secret] = CREDENTIALS.map(get);
        let (Some(tenant), Some(client), Some(secret)) = (tenant, client, secret) else {
            let missing: Vec<&str> = CREDENTIALS
                .into_iter()
                .filter(|name| get(name).is_none())
                .collect();
            let reason = if missing.len() == CREDENTIALS.len() {
                format!(
                    "no credentials: set PARTNER_CENTER_TOKEN, or {}",
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
        if let Some(authority) = get("PARTNER_CENTER_AUTHORITY") {
            credentials = credentials.with_authority(&authority)?;
        }
        Ok(builder.token_provider(credentials))
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
