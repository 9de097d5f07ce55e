//! Tokens: Azure AD grants, caching, one refresh at a time, a fresh token after a 401, and
//! where a token may be sent.

mod support;

use std::time::Duration;

use partner_center_carts::auth::{
    ClientCredentials, PARTNER_CENTER_SCOPE, RefreshToken, TokenProvider,
};
use partner_center_carts::{ErrorKind, PartnerCenter};
use serde_json::json;
use support::scripted::{Answer, Scripted};
use support::*;

const TENANT: &str = "contoso.onmicrosoft.com";
const SECRET: &str = "app-secret-value-1234";

fn token(value: &str) -> Answer {
    Answer::json(
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": value}),
    )
}

/// A client of `pc_server` whose app-only tokens come from `aad`.
fn client_of(aad: &Scripted, pc_server: &Scripted) -> PartnerCenter {
    let tokens = ClientCredentials::new(TENANT, "app-id", SECRET)
        .with_authority(&aad.url)
        .unwrap();
    PartnerCenter::builder()
        .base_url(&pc_server.url)
        .token_provider(tokens)
        .build()
        .unwrap()
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn authorizations(server: &Scripted) -> Vec<String> {
    server
        .received()
        .iter()
        .map(|r| r.header("authorization").unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn client_credentials_asks_once_and_the_token_is_cached() {
    let aad = Scripted::start().await;
    aad.then(token("tok-1"));
    let pc_server = Scripted::start().await;
    pc_server.always(Answer::json(200, example("ActiveCart")));

    let pc = client_of(&aad, &pc_server);
    for _ in 0..3 {
        pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    }

    let asked = aad.received();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].method, "POST");
    assert_eq!(asked[0].path, format!("/{TENANT}/oauth2/v2.0/token"));
    let form = form(&asked[0].body);
    for (name, value) in [
        ("grant_type", "client_credentials"),
        ("client_id", "app-id"),
        ("client_secret", SECRET),
        ("scope", PARTNER_CENTER_SCOPE),
    ] {
        assert!(
            form.contains(&(name.into(), value.into())),
            "{name} missing from {form:?}"
        );
    }
    assert_eq!(authorizations(&pc_server), ["Bearer tok-1"; 3]);
}

#[tokio::test]
async fn concurrent_operations_share_one_refresh() {
    let aad = Scripted::start().await;
    aad.then(token("tok-1").delay(Duration::from_millis(100)));
    let pc_server = Scripted::start().await;
    pc_server.always(Answer::json(200, example("ActiveCart")));
    let pc = client_of(&aad, &pc_server);

    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let pc = pc.clone();
            tokio::spawn(async move { pc.customer(CUSTOMER).cart(CART).get().await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(
        aad.received().len(),
        1,
        "one token request for twenty operations"
    );
    assert_eq!(pc_server.received().len(), 20);
}

#[tokio::test]
async fn a_401_drops_the_token_and_tries_once_more_with_a_fresh_one() {
    let aad = Scripted::start().await;
    aad.then(token("tok-revoked")).then(token("tok-2"));
    let pc_server = Scripted::start().await;
    pc_server
        .then(Answer::raw(401, "").header("www-authenticate", "Bearer"))
        .then(Answer::json(200, example("ActiveCart")));
    let pc = client_of(&aad, &pc_server);

    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();

    assert_eq!(
        authorizations(&pc_server),
        ["Bearer tok-revoked", "Bearer tok-2"]
    );
    let request_ids: Vec<_> = pc_server
        .received()
        .iter()
        .map(|r| r.header("ms-requestid").unwrap().to_string())
        .collect();
    assert_eq!(request_ids[0], request_ids[1]);
}

#[tokio::test]
async fn a_second_401_is_an_auth_error_and_a_fixed_token_is_not_retried() {
    let aad = Scripted::start().await;
    aad.always(token("tok-bad"));
    let pc_server = Scripted::start().await;
    pc_server.always(Answer::json(
        401,
        json!({"code": 900, "description": "Token is expired."}),
    ));
    let pc = client_of(&aad, &pc_server);

    let err = pc.customer(CUSTOMER).cart(CART).get().await.unwrap_err();
    assert_eq!(
        pc_server.received().len(),
        2,
        "one retry with a fresh token, no more"
    );
    assert!(
        matches!(err.kind(), ErrorKind::Auth(a) if a.service().is_some()),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("Token is expired."), "{err}");

    let fixed = builder_at(&pc_server.url).build().unwrap();
    fixed.customer(CUSTOMER).cart(CART).get().await.unwrap_err();
    assert_eq!(
        pc_server.received().len(),
        3,
        "a fixed token cannot get fresher"
    );
}

#[tokio::test]
async fn refresh_token_sends_the_grant_and_keeps_a_rotated_refresh_token() {
    let aad = Scripted::start().await;
    aad.then(Answer::json(
        200,
        json!({"access_token": "tok-1", "expires_in": "0", "refresh_token": "refresh-2"}),
    ))
    .then(Answer::json(
        200,
        json!({"access_token": "tok-2", "expires_in": 3600}),
    ));
    let tokens = RefreshToken::new(TENANT, "app-id", "refresh-1")
        .with_client_secret(SECRET)
        .with_authority(&aad.url)
        .unwrap();

    // expires_in "0" (v1.0 sends a string): due for refresh at once.
    let first = tokens.token().await.unwrap();
    let second = tokens.token().await.unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(first.secret().expose_secret(), "tok-1");
    assert_eq!(second.secret().expose_secret(), "tok-2");

    let forms: Vec<_> = aad.received().iter().map(|r| form(&r.body)).collect();
    assert!(forms[0].contains(&("grant_type".into(), "refresh_token".into())));
    assert!(forms[0].contains(&("refresh_token".into(), "refresh-1".into())));
    assert!(forms[0].contains(&("client_secret".into(), SECRET.into())));
    assert!(
        forms[1].contains(&("refresh_token".into(), "refresh-2".into())),
        "the rotated token is used"
    );
}

#[tokio::test]
async fn a_refused_token_request_is_an_auth_error_that_names_the_reason_not_the_secret() {
    let aad = Scripted::start().await;
    aad.always(Answer::json(
        401,
        json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 1"}),
    ));
    let pc_server = Scripted::start().await;
    let pc = client_of(&aad, &pc_server);

    let err = pc.customer(CUSTOMER).cart(CART).get().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Auth(a) if a.service().is_none()),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("invalid_client: AADSTS7000215"), "{text}");
    assert!(!text.contains(SECRET));
    assert!(
        pc_server.received().is_empty(),
        "nothing is sent without a token"
    );
}

#[tokio::test]
async fn tokens_go_only_over_https_or_to_loopback() {
    let err = PartnerCenter::builder()
        .base_url("http://api.partnercenter.microsoft.com")
        .bearer_token(TOKEN)
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err:?}");
    assert!(
        err.to_string().contains("plain http to another machine"),
        "{err}"
    );

    let err = ClientCredentials::new(TENANT, "app-id", SECRET)
        .with_authority("http://login.example.com")
        .unwrap_err();
    assert!(err.to_string().contains("authority"), "{err}");

    assert!(
        PartnerCenter::builder().bearer_token(TOKEN).build().is_ok(),
        "https by default"
    );
    let err = PartnerCenter::builder().build().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Config(_)), "{err:?}");
    assert!(err.to_string().contains("no access token"), "{err}");
}

#[tokio::test]
async fn an_absurd_token_lifetime_does_not_break_the_client() {
    let aad = Scripted::start().await;
    aad.always(Answer::json(
        200,
        json!({"access_token": "tok", "expires_in": u64::MAX}),
    ));
    let pc_server = Scripted::start().await;
    pc_server.always(Answer::json(200, example("ActiveCart")));
    let pc = client_of(&aad, &pc_server);
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    assert_eq!(authorizations(&pc_server), ["Bearer tok"]);
}

#[tokio::test]
async fn a_tenant_that_could_redirect_the_secret_is_refused_and_nothing_is_sent() {
    let aad = Scripted::start().await;
    aad.always(token("tok"));
    for tenant in ["../other", "contoso?x=1", "a/b", "", "contoso#frag"] {
        let tokens = ClientCredentials::new(tenant, "app-id", SECRET)
            .with_authority(&aad.url)
            .unwrap();
        let err = tokens.token().await.unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Auth(_)), "{err:?}");
        assert!(
            err.to_string().contains("not a tenant id or domain name"),
            "{err}"
        );
    }
    assert!(aad.received().is_empty());
}

#[tokio::test]
async fn an_enormous_token_answer_is_refused() {
    let aad = Scripted::start().await;
    let padding = "x".repeat(200 * 1024);
    aad.always(Answer::json(
        200,
        json!({"access_token": "tok", "expires_in": 3600, "padding": padding}),
    ));
    let tokens = ClientCredentials::new(TENANT, "app-id", SECRET)
        .with_authority(&aad.url)
        .unwrap();
    let err = tokens.token().await.unwrap_err();
    assert!(err.to_string().contains("larger than 65536 bytes"), "{err}");
}

/// An error answer that echoes `form` the way a buggy or hostile token endpoint might: form
/// encoded, then the raw secret, a line break and a terminal escape sequence.
fn echoing_error(error: &str, form: &[(&str, &str)], secret: &str) -> (String, Answer) {
    let echoed = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let description = format!(
        "AADSTS900144: bad request: {echoed} (secret {secret:?})\n\u{1b}[31mMS-RequestId: forged"
    );
    let answer = Answer::json(
        400,
        json!({"error": error, "error_description": description}),
    );
    (echoed, answer)
}

/// The error names `error` and the description, and holds none of `secrets`, no
/// `name=secret`, and no line break or escape character, in `Display`, `Debug` or its reason.
fn assert_redacted(err: &partner_center_carts::Error, error: &str, secrets: &[&str]) {
    let ErrorKind::Auth(auth) = err.kind() else {
        panic!("expected an auth error, got {err:?}");
    };
    assert!(auth.service().is_none(), "{err:?}");
    let reason = auth.reason();
    for text in [err.to_string(), format!("{err:?}"), reason.to_string()] {
        assert!(text.contains(error), "{text}");
        assert!(
            text.contains("AADSTS900144: bad request: grant_type="),
            "{text}"
        );
        assert!(text.contains("client_id=app-id"), "{text}");
        assert!(text.contains("[REDACTED]"), "{text}");
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} in {text}");
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            assert!(!text.contains(&encoded), "{encoded} in {text}");
        }
        assert!(!text.contains("client_secret=app"), "{text}");
        assert!(!text.contains("refresh_token=refresh"), "{text}");
        assert!(
            !text.contains(['\n', '\r', '\u{1b}']),
            "a raw line break or escape in {text:?}"
        );
    }
    assert!(
        reason.contains("\\u{1b}[31mMS-RequestId: forged"),
        "the escape is escaped, on the same line: {reason}"
    );
}

#[tokio::test]
async fn a_token_error_that_echoes_the_client_secret_does_not_repeat_it() {
    let aad = Scripted::start().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "app-id"),
        ("client_secret", SECRET),
        ("scope", PARTNER_CENTER_SCOPE),
    ];
    let (echoed, answer) = echoing_error("invalid_client", &form, SECRET);
    aad.always(answer);
    let tokens = ClientCredentials::new(TENANT, "app-id", SECRET)
        .with_authority(&aad.url)
        .unwrap();

    let err = tokens.token().await.unwrap_err();
    assert_eq!(
        aad.received()[0].body,
        echoed.as_bytes(),
        "the echo is the form as sent"
    );
    assert_redacted(&err, "invalid_client", &[SECRET]);
}

#[tokio::test]
async fn a_token_error_that_echoes_the_refresh_token_does_not_repeat_it() {
    const REFRESH: &str = "refresh-token-value+/=5678";
    let aad = Scripted::start().await;
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", "app-id"),
        ("refresh_token", REFRESH),
        ("scope", PARTNER_CENTER_SCOPE),
        ("client_secret", SECRET),
    ];
    let (echoed, answer) = echoing_error("invalid_grant", &form, REFRESH);
    aad.always(answer);
    let tokens = RefreshToken::new(TENANT, "app-id", REFRESH)
        .with_client_secret(SECRET)
        .with_authority(&aad.url)
        .unwrap();

    let err = tokens.token().await.unwrap_err();
    assert_eq!(
        aad.received()[0].body,
        echoed.as_bytes(),
        "the echo is the form as sent"
    );
    assert_redacted(&err, "invalid_grant", &[REFRESH, SECRET]);
}

#[test]
fn the_builder_refuses_an_empty_token_and_one_that_carries_its_scheme() {
    for (token, says) in [
        ("", "empty"),
        ("   ", "empty"),
        ("Bearer abc", "starts with `Bearer `"),
        ("bearer abc", "starts with `Bearer `"),
    ] {
        let error = PartnerCenter::builder()
            .bearer_token(token)
            .build()
            .unwrap_err();
        assert!(
            matches!(error.kind(), ErrorKind::Auth(_)) && error.to_string().contains(says),
            "{token:?}: {error}"
        );
        assert!(
            !error.to_string().contains("abc"),
            "the token is not repeated"
        );
    }
    assert!(
        PartnerCenter::builder()
            .bearer_token("Bearerabc")
            .build()
            .is_ok()
    );
}

/// A 401 with 900421 (an App+User token issued without MFA) is an authentication error that
/// says so and what to do; a fresh token from the same sign-in would not help, so none is
/// asked for and the request is not sent again.
#[tokio::test]
async fn a_token_without_mfa_is_an_auth_error_that_says_so_and_is_not_retried() {
    let aad = Scripted::start().await;
    aad.always(token("tok-no-mfa"));
    let pc_server = Scripted::start().await;
    pc_server.always(Answer::json(
        401,
        json!({"code": 900421, "description": "MFA is required.", "source": "PartnerFD"}),
    ));
    let pc = client_of(&aad, &pc_server);

    let err = pc.customer(CUSTOMER).cart(CART).get().await.unwrap_err();
    let ErrorKind::Auth(auth) = err.kind() else {
        panic!("{err:?}")
    };
    assert!(auth.mfa_required());
    assert_eq!(err.code(), Some(partner_center_carts::codes::MFA_REQUIRED));
    assert_eq!(pc_server.received().len(), 1, "not sent again");
    assert_eq!(aad.received().len(), 1, "no fresh token asked for");
    let words = err.to_string();
    assert!(
        words.contains("multi-factor") && words.contains("MFA is required."),
        "{words}"
    );

    // Another 401 is not read as one.
    let other = Scripted::start().await;
    other.always(Answer::json(
        401,
        json!({"code": 900, "description": "expired"}),
    ));
    let err = client_of(&aad, &other)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Auth(a) if !a.mfa_required()),
        "{err:?}"
    );
}

/// An unsigned token with these claims, laid out as Azure AD's are.
fn jwt(claims: serde_json::Value) -> String {
    use base64::Engine;
    let part = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let header = part(json!({"alg": "RS256", "typ": "JWT"}));
    format!("{header}.{}.signature", part(claims))
}

/// Before an operation the service answers to App+User tokens only (order provisioning status),
/// a user's token whose sign-in was without MFA is refused, with the service's words and
/// nothing sent; with MFA, an app's token, an opaque one, or another operation, it is sent.
#[tokio::test]
async fn a_users_token_without_mfa_is_refused_before_an_app_user_operation() {
    let server = Scripted::start().await;
    server.always(Answer::json(200, json!({"totalCount": 0, "items": []})));
    let client = |token: &str| {
        PartnerCenter::builder()
            .base_url(&server.url)
            .bearer_token(token)
            .build()
            .unwrap()
    };
    let status = async |pc: &PartnerCenter| {
        pc.customer(CUSTOMER)
            .order("f76c6b7f449d")
            .provisioning_status()
            .await
    };

    let without = client(&jwt(json!({"idtyp": "user", "amr": ["pwd"], "scp": "x"})));
    let err = status(&without).await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Auth(a) if a.mfa_required() && a.service().is_none()),
        "{err:?}"
    );
    assert_eq!(err.attempts(), 0);
    assert!(
        err.to_string().starts_with(
            "getOrderProvisioningStatus failed: authentication failed: refused before sending: \
             the token's sign-in was without MFA"
        ),
        "{err}"
    );
    assert!(server.received().is_empty(), "nothing sent");

    // Another operation with the same token is the service's to judge.
    assert!(without.customer(CUSTOMER).cart(CART).get().await.is_err());
    assert_eq!(server.received().len(), 1);

    for token in [
        jwt(json!({"idtyp": "user", "amr": ["pwd", "mfa"]})),
        jwt(json!({"idtyp": "app", "roles": ["x"]})),
        "opaque-token".to_string(),
    ] {
        status(&client(&token)).await.unwrap();
    }
    assert_eq!(server.received().len(), 4);
}

/// The service's word on MFA: the organization profile asked with `ValidateMfa: true`, its
/// `isMfaCompliant` read; a refusal for want of MFA is its "no"; without the question, the
/// header is not sent.
#[tokio::test]
async fn the_service_is_asked_whether_the_token_carries_mfa() {
    let server = Scripted::start().await;
    let profile = |compliant: serde_json::Value| {
        Answer::json(
            200,
            json!({"id": "p", "companyName": "Contoso", "isMfaCompliant": compliant}),
        )
    };
    server
        .then(profile(json!(true)))
        .then(profile(json!(false)))
        .then(profile(json!(null)))
        .then(Answer::json(
            401,
            json!({"code": 900421, "description": "MFA is required."}),
        ))
        .then(Answer::json(
            401,
            json!({"code": 900, "description": "expired"}),
        ))
        .then(profile(json!(null)));
    let pc = PartnerCenter::builder()
        .base_url(&server.url)
        .bearer_token("t")
        .build()
        .unwrap();
    assert_eq!(pc.mfa_compliance().await.unwrap(), Some(true));
    assert_eq!(pc.mfa_compliance().await.unwrap(), Some(false));
    assert_eq!(pc.mfa_compliance().await.unwrap(), None);
    assert_eq!(pc.mfa_compliance().await.unwrap(), Some(false));
    let refused = pc.mfa_compliance().await.unwrap_err();
    assert!(matches!(refused.kind(), ErrorKind::Auth(a) if !a.mfa_required()));
    let read = pc.organization_profile().await.unwrap();
    assert_eq!(read.company_name.as_deref(), Some("Contoso"));

    let received = server.received();
    assert_eq!(
        received.len(),
        6,
        "a 401 that is not about MFA is not retried with a fixed token"
    );
    for r in &received[..5] {
        assert_eq!(r.path, "/v1/profiles/organization");
        assert_eq!(r.header("validatemfa"), Some("true"));
    }
    assert_eq!(received[5].header("validatemfa"), None);
}
