//! The partner the token speaks for, and whether the service counts the token as issued with
//! multi-factor authentication: the calls that need no customer.

use crate::client::PartnerCenter;
use crate::error::{Error, ErrorKind};
use crate::generated::Client;
use crate::types::OrganizationProfile;

impl PartnerCenter {
    /// Gets the partner's organization profile (`GET /v1/profiles/organization`): whom the
    /// token speaks for. Any token will do, app-only or App+User.
    ///
    /// # Errors
    ///
    /// The operation's own, as [`Error`] describes them.
    pub async fn organization_profile(&self) -> Result<OrganizationProfile, Error> {
        self.profile(false).await
    }

    /// Asks the service whether it counts the token as issued with multi-factor
    /// authentication: the organization profile, asked with `ValidateMfa: true`, read for its
    /// `isMfaCompliant`. `Some(false)` also when the service refuses the token for want of MFA
    /// (401 with code 900421); `None` when the answer does not say (an app-only token, to
    /// which MFA does not apply).
    ///
    /// The token's own claims say the same beforehand, without a request
    /// ([`AccessToken::claims`](crate::auth::AccessToken::claims)); this is the service's word.
    ///
    /// ```no_run
    /// # async fn run(pc: partner_center_carts::PartnerCenter) -> Result<(), partner_center_carts::Error> {
    /// if pc.mfa_compliance().await? == Some(false) {
    ///     eprintln!("sign in again with MFA: App+User calls will be refused");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The operation's own but the 900421 refusal, as [`Error`] describes them.
    pub async fn mfa_compliance(&self) -> Result<Option<bool>, Error> {
        match self.profile(true).await {
            Ok(profile) => Ok(profile.is_mfa_compliant),
            Err(e) if matches!(e.kind(), ErrorKind::Auth(a) if a.mfa_required()) => Ok(Some(false)),
            Err(e) => Err(e),
        }
    }

    async fn profile(&self, validate_mfa: bool) -> Result<OrganizationProfile, Error> {
        let send = async |api: &Client| {
            let get = api.get_organization_profile();
            let get = if validate_mfa {
                get.validate_mfa(true)
            } else {
                get
            };
            get.send().await
        };
        self.invoke(self.sending(None), send, |_| None).await
    }
}
