//! What an access token says of itself: whether a user signed in for it (App+User) and whether
//! with multi-factor authentication (its `amr` claim holds `mfa`). Read from the token's payload
//! without verifying it (the service verifies; this only says beforehand what it will say), and
//! never logged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::ExposeSecret;

use super::AccessToken;

/// A token's claims that matter here. `None` where the token does not say (an opaque token, a
/// payload that does not read, a claim absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Claims {
    /// A user signed in for it (delegated, App+User), rather than an app alone.
    pub user: Option<bool>,
    /// It was issued with multi-factor authentication.
    pub mfa: Option<bool>,
}

impl AccessToken {
    /// The token's claims, read from its payload (a JWT's middle part).
    pub(crate) fn claims(&self) -> Claims {
        let secret = self.secret().expose_secret();
        let Some(payload) = secret.split('.').nth(1) else {
            return Claims::default();
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
            return Claims::default();
        };
        let Ok(claims) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
            return Claims::default();
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
        Claims { user, mfa }
    }

    /// Whether the token is sure to be refused where the service requires MFA: a user's token
    /// whose sign-in methods do not include it.
    pub(crate) fn lacks_mfa(&self) -> bool {
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
        let with = token_with(serde_json::json!({"idtyp": "user", "amr": ["pwd", "mfa"]}));
        assert_eq!(
            with.claims(),
            Claims {
                user: Some(true),
                mfa: Some(true)
            }
        );
        assert!(!with.lacks_mfa());
        let without = token_with(serde_json::json!({"scp": "user_impersonation", "amr": ["pwd"]}));
        assert!(without.lacks_mfa());
    }

    #[test]
    fn an_app_token_or_one_that_does_not_say_is_never_refused() {
        let app = token_with(serde_json::json!({"idtyp": "app", "roles": ["x"]}));
        assert_eq!(app.claims().user, Some(false));
        assert!(!app.lacks_mfa());
        let no_amr = token_with(serde_json::json!({"idtyp": "user"}));
        assert!(!no_amr.lacks_mfa());
        for opaque in ["opaque-token", "a.b.c", "a.%%%.c"] {
            let token = AccessToken::new(opaque, None).unwrap();
            assert_eq!(token.claims(), Claims::default(), "{opaque}");
        }
    }
}
