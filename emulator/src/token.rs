//! A request's bearer token, and what its claims say of it (read by the client's own reader,
//! unverified, as the emulator verifies no token). The token itself is never logged or echoed.

use axum::http::{HeaderMap, header};
use partner_center_carts::auth::{AccessToken, TokenClaims};

/// The request's bearer token (`Authorization: Bearer <token>`, the scheme in any case), if it
/// has one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let (scheme, token) = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// What the request's token says of itself: nothing (every claim `None`) for an opaque token,
/// or one that is not a JWT.
pub(crate) fn claims(headers: &HeaderMap) -> TokenClaims {
    bearer(headers)
        .and_then(|token| AccessToken::new(token, None).ok())
        .map(|token| token.claims())
        .unwrap_or_default()
}

/// An unsigned App+User access token laid out as Azure AD's are (`idtyp` `user`, a scope, and
/// `amr` with `mfa` or without it), for tests and demos of [`Emulator::require_mfa`](crate::Emulator::require_mfa):
/// the emulator reads its claims as the service does. The real service refuses it (it is not
/// signed).
///
/// ```
/// use partner_center_carts::auth::AccessToken;
///
/// let token = partner_center_carts_emulator::app_user_token(true);
/// let claims = AccessToken::new(token, None)?.claims();
/// assert_eq!((claims.user, claims.mfa), (Some(true), Some(true)));
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
pub fn app_user_token(with_mfa: bool) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let methods: &[&str] = if with_mfa { &["pwd", "mfa"] } else { &["pwd"] };
    let claims = serde_json::json!({
        "idtyp": "user",
        "scp": "user_impersonation",
        "amr": methods,
        "aud": "https://api.partnercenter.microsoft.com",
    });
    let part = |value: serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let header = part(serde_json::json!({"alg": "none", "typ": "JWT"}));
    format!("{header}.{}.", part(claims))
}
