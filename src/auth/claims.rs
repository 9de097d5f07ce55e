//! What an access token says of itself: whether a user signed in for it (App+User), whether
//! with multi-factor authentication (its `amr` claim holds `mfa`), for which tenant and until
//! when. Read from the token's payload without verifying it (the service verifies; this only
//! says beforehand what it will say), and never logged.

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret;

use super::AccessToken;

/// A token's claims that matter to a Partner Center client, from [`AccessToken::claims`].
/// Each is `None` where the token does not say: an opaque token (not a JWT), a payload that
/// does not read, a claim absent.
///
/// ```
/// use partner_center_carts::auth::AccessToken;
///
/// let claims = AccessToken::new("an-opaque-token", None)?.claims();
/// assert_eq!(claims.user, None);
/// # Ok::<(), partner_center_carts::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenClaims {
    /// A user signed in for it (delegated, App+User: `idtyp` `user`, or scopes without
    /// `idtyp`), rather than an app alone (`idtyp` `app`, or roles).
    pub user: Option<bool>,
    /// It was issued with multi-factor authentication: its `amr` claim holds `mfa`.
    pub mfa: Option<bool>,
    /// When it expires (`exp`).
    pub expires: Option<SystemTime>,
    /// The tenant it was issued in (`tid`).
    pub tenant: Option<String>,
}

impl AccessToken {
    /// The token's claims, read from its payload (a JWT's middle part) without verifying it.
    pub fn claims(&self) -> TokenClaims {
        let secret = self.secret().expose_secret();
        let Some(payload) = secret.split('.').nth(1) else {
            return TokenClaims::default();
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
            return TokenClaims::default();
        };
        let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return TokenClaims::default();
        };
        // Azure AD: `idtyp` is "app" for app-only tokens and "user" for delegated ones; an
        // older token without it is delegated when it has scopes (`scp`), app-only with roles.
        let user = match claims.get("idtyp").and_then(|v| v.as_str()) {
            Some(kind) => Some(kind.eq_ignore_ascii_case("user")),
            None if claims.get("scp").is_some() => Some(true),
            None if claims.get("roles").is_some() => Some(false),
            None => None,
        };
        let mfa = claims.get("amr").and_then(|v| v.as_array()).map(|methods| {
            methods
                .iter()
                .any(|m| m.as_str().is_some_and(|m| m.eq_ignore_ascii_case("mfa")))
        });
        let expires = claims
            .get("exp")
            .and_then(serde_json::Value::as_u64)
            .and_then(|seconds| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds)));
        let tenant = claims.get("tid").and_then(|v| v.as_str()).map(String::from);
        TokenClaims {
            user,
            mfa,
            expires,
            tenant,
        }
    }

    /// Whether the token is sure to be refused where the service requires MFA: a user's token
    /// whose sign-in methods do not include it.
    pub fn lacks_mfa(&self) -> bool {
        let claims = self.claims();
        claims.user == Some(true) && claims.mfa == Some(false)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An unsigned token with these claims, as Azure AD lays one out.
    pub(crate) fn token_with(claims: serde_json::Value) -> AccessToken {
        let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        let header = part(&serde_json::json!({"alg": "none", "typ": "JWT"}));
        AccessToken::new(format!("{header}.{}.sig", part(&claims)), None).unwrap()
    }

    #[test]
    fn a_users_token_says_whether_it_was_issued_with_mfa() {
        let with = token_with(serde_json::json!({
            "idtyp": "user", "amr": ["pwd", "mfa"], "exp": 1_800_000_000, "tid": "t-1"
        }));
        assert_eq!(
            with.claims(),
            TokenClaims {
                user: Some(true),
                mfa: Some(true),
                expires: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)),
                tenant: Some("t-1".into()),
            }
        );
        assert!(!with.lacks_mfa());
        let without = token_with(serde_json::json!({"scp": "user_impersonation", "amr": ["pwd"]}));
        assert!(without.lacks_mfa());
    }

    #[test]
    fn an_app_token_or_one_that_does_not_say_is_never_refused() {
        let app = token_with(serde_json::json!({"idtyp": "app", "roles": ["x"], "exp": "soon"}));
        assert_eq!(app.claims().user, Some(false));
        assert_eq!(app.claims().expires, None);
        assert!(!app.lacks_mfa());
        let no_amr = token_with(serde_json::json!({"idtyp": "user"}));
        assert!(!no_amr.lacks_mfa());
        for opaque in ["opaque-token", "a.b.c", "a.%%%.c"] {
            let token = AccessToken::new(opaque, None).unwrap();
            assert_eq!(token.claims(), TokenClaims::default(), "{opaque}");
        }
    }
}
