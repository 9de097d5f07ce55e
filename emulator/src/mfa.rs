//! The service's rule on App+User calls since April 2026, applied with
//! [`Emulator::require_mfa`](crate::Emulator::require_mfa): a user's token must have been
//! issued with multi-factor authentication (401, 900421), and an App+User-only operation takes
//! no app-only token (403). A token whose claims do not say (an opaque one) is let through:
//! the emulator cannot tell, and would otherwise refuse its own default token.

use axum::http::StatusCode;
use partner_center_carts::Operation;
use partner_center_carts::auth::TokenClaims;
use partner_center_carts::codes;

use super::reply::{Reply, error};

/// The refusal of a request with these claims for this operation (if known), if the rule
/// refuses it.
pub(crate) fn refusal(claims: &TokenClaims, operation: Option<Operation>) -> Option<Reply> {
    match claims.user {
        // A user's token whose `amr` does not say `mfa` (absent included) is not known to be
        // one issued with MFA, which is what the service asks for.
        Some(true) if claims.mfa != Some(true) => Some(error(
            StatusCode::UNAUTHORIZED,
            codes::MFA_REQUIRED,
            "Partner Center requires multi-factor authentication (MFA) for App+User calls: \
             the access token was issued without it. Sign in again with MFA and send the token \
             that sign-in issues.",
        )),
        // No code is documented for this refusal: the status stands for one, as for the
        // emulator's other refusals the documentation gives no code for.
        Some(false) if operation.is_some_and(Operation::app_user_only) => Some(error(
            StatusCode::FORBIDDEN,
            i64::from(StatusCode::FORBIDDEN.as_u16()),
            "This operation requires App+User authentication (a user signed in, with MFA): \
             an app-only token cannot call it.",
        )),
        _ => None,
    }
}

/// `isMfaCompliant` for these claims: whether a user's token was issued with MFA; `None`
/// for an app-only token (MFA does not apply) or one whose claims do not say.
pub(crate) fn compliant(claims: &TokenClaims) -> Option<bool> {
    (claims.user == Some(true)).then_some(claims.mfa == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(user: Option<bool>, mfa: Option<bool>) -> TokenClaims {
        let mut claims = TokenClaims::default();
        claims.user = user;
        claims.mfa = mfa;
        claims
    }

    #[test]
    fn a_users_token_needs_mfa_and_an_app_token_no_app_user_only_operation() {
        let status = |user, mfa, operation| {
            refusal(&claims(user, mfa), Some(operation)).map(|reply| reply.status.as_u16())
        };
        let ordinary = Operation::GetCart;
        let user_only = Operation::GetOrderProvisioningStatus;
        assert_eq!(status(Some(true), Some(false), ordinary), Some(401));
        assert_eq!(status(Some(true), None, user_only), Some(401));
        assert_eq!(status(Some(true), Some(true), user_only), None);
        assert_eq!(status(Some(false), None, ordinary), None);
        assert_eq!(status(Some(false), None, user_only), Some(403));
        assert_eq!(status(None, None, user_only), None);
        assert!(refusal(&claims(Some(false), None), None).is_none());
    }

    #[test]
    fn compliance_is_said_of_users_tokens_only() {
        assert_eq!(compliant(&claims(Some(true), Some(true))), Some(true));
        assert_eq!(compliant(&claims(Some(true), Some(false))), Some(false));
        assert_eq!(compliant(&claims(Some(true), None)), Some(false));
        assert_eq!(compliant(&claims(Some(false), Some(true))), None);
        assert_eq!(compliant(&claims(None, None)), None);
    }
}
