//! The service's MFA rule for App+User calls (`require_mfa`), and the organization profile's
//! `isMfaCompliant`, over HTTP, with unsigned JWTs whose claims say what kind of token each is.

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::{ErrorKind, PartnerCenter, codes};
use partner_center_carts_emulator::{EMULATOR_TOKEN, Emulator, RunningEmulator};
use serde_json::{Value, json};
use support::CUSTOMER;

/// An unsigned token with these claims, laid out as Azure AD's (header.payload.signature).
fn jwt(claims: Value) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let header = part(json!({"alg": "none", "typ": "JWT"}));
    format!("{header}.{}.signature", part(claims))
}

/// A user's token (App+User), signed in with MFA or with a password alone.
fn user(mfa: bool) -> String {
    let amr = if mfa {
        json!(["pwd", "mfa"])
    } else {
        json!(["pwd"])
    };
    jwt(json!({
        "aud": "https://api.partnercenter.microsoft.com",
        "idtyp": "user",
        "scp": "user_impersonation",
        "amr": amr,
        "tid": "5c7a3e1f-2b4d-4e6a-8c9f-1d3b5e7a9c2e",
        "exp": 4_102_444_800_u64,
    }))
}

/// An app's own token (client credentials).
fn app() -> String {
    jwt(json!({
        "aud": "https://api.partnercenter.microsoft.com",
        "idtyp": "app",
        "roles": ["Partner.Carts"],
        "tid": "5c7a3e1f-2b4d-4e6a-8c9f-1d3b5e7a9c2e",
        "exp": 4_102_444_800_u64,
    }))
}

/// A client of `emulator` that sends `token` and does not retry.
fn client(emulator: &RunningEmulator, token: &str) -> PartnerCenter {
    emulator
        .client()
        .bearer_token(token)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// An emulator, and a cart and a provisioned order of `CUSTOMER`'s, made with its own
/// (opaque) token.
async fn with_an_order(require_mfa: bool) -> (RunningEmulator, String, String) {
    let emulator = Emulator::new()
        .require_mfa(require_mfa)
        .provisioning_delay(std::time::Duration::ZERO)
        .start()
        .await
        .unwrap();
    let customer = client(&emulator, EMULATOR_TOKEN).customer(CUSTOMER);
    let cart = customer.create(&support::one_line_cart(1)).await.unwrap();
    let ordered = customer
        .create(&support::one_line_cart(2))
        .await
        .unwrap()
        .id
        .unwrap();
    let outcome = customer.cart(&ordered).checkout().await.unwrap();
    let order = outcome.orders()[0].id.clone().unwrap();
    (emulator, cart.id.unwrap(), order)
}

/// A GET over plain HTTP with `token`: the status, the challenge and the JSON body.
async fn raw_get(
    emulator: &RunningEmulator,
    path: &str,
    token: &str,
    validate_mfa: Option<&str>,
) -> (u16, Option<String>, Value) {
    let mut request = support::raw_http()
        .get(format!("{}{path}", emulator.url()))
        .bearer_auth(token);
    if let Some(value) = validate_mfa {
        request = request.header("ValidateMfa", value);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let challenge = answer
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    let body = answer.bytes().await.unwrap();
    (status, challenge, serde_json::from_slice(&body).unwrap())
}

#[tokio::test]
async fn with_require_mfa_a_users_token_without_mfa_is_refused_with_900421() {
    let (emulator, cart, _) = with_an_order(true).await;
    let without = user(false);

    let path = format!("/v1/customers/{CUSTOMER}/carts/{cart}");
    let (status, challenge, body) = raw_get(&emulator, &path, &without, None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["code"], codes::MFA_REQUIRED);
    let description = body["description"].as_str().unwrap();
    assert!(
        description.contains("requires multi-factor authentication"),
        "{description}"
    );
    assert!(challenge.unwrap().starts_with("OAuth realm="));
    // The token is neither echoed nor logged.
    assert!(!body.to_string().contains(&without));
    let logged = emulator.received().pop().unwrap();
    assert_eq!(logged.header("authorization"), Some("Bearer [redacted]"));

    // Through the client: an Auth error that says MFA is what is missing.
    let pc = client(&emulator, &without);
    let refused = pc.customer(CUSTOMER).cart(&cart).get().await.unwrap_err();
    match refused.kind() {
        ErrorKind::Auth(auth) => assert!(auth.mfa_required(), "{refused}"),
        other => panic!("{other:?}"),
    }
    let profile = pc.generated().get_organization_profile().send().await;
    assert_eq!(profile.unwrap_err().status().map(|s| s.as_u16()), Some(401));

    // Refused before anything is done: a create makes no cart.
    let before = emulator.stats().cart_bytes;
    let refused = pc
        .customer(CUSTOMER)
        .create(&support::one_line_cart(1))
        .await
        .unwrap_err();
    assert!(matches!(refused.kind(), ErrorKind::Auth(a) if a.mfa_required()));
    assert_eq!(emulator.stats().cart_bytes, before);
}

#[tokio::test]
async fn with_require_mfa_a_users_token_with_mfa_and_an_opaque_one_are_served() {
    let (emulator, cart, order) = with_an_order(true).await;
    for token in [user(true), EMULATOR_TOKEN.to_string()] {
        let pc = client(&emulator, &token);
        pc.customer(CUSTOMER).cart(&cart).get().await.unwrap();
        // App+User-only: a user's token with MFA is what it asks for; an opaque one says
        // nothing, and is let through.
        let order = pc.customer(CUSTOMER).order(&order);
        order.provisioning_status().await.unwrap();
    }
}

#[tokio::test]
async fn with_require_mfa_an_app_token_is_served_but_not_for_an_app_user_only_operation() {
    let (emulator, cart, order) = with_an_order(true).await;
    let pc = client(&emulator, &app());
    pc.customer(CUSTOMER).cart(&cart).get().await.unwrap();
    pc.customer(CUSTOMER).order(&order).get().await.unwrap();

    let refused = pc
        .customer(CUSTOMER)
        .order(&order)
        .provisioning_status()
        .await
        .unwrap_err();
    match refused.kind() {
        ErrorKind::Service(service) => {
            assert_eq!(service.status(), 403);
            let description = service.description().unwrap();
            assert!(description.contains("App+User"), "{description}");
        }
        other => panic!("{other:?}"),
    }
    let path = format!("/v1/customers/{CUSTOMER}/orders/{order}/provisioningstatus");
    let (status, challenge, body) = raw_get(&emulator, &path, &app(), None).await;
    assert_eq!((status, challenge), (403, None), "{body}");
    assert_eq!(body["code"], 403);
}

#[tokio::test]
async fn without_require_mfa_every_token_is_served() {
    let (emulator, cart, order) = with_an_order(false).await;
    let pc = client(&emulator, &user(false));
    pc.customer(CUSTOMER).cart(&cart).get().await.unwrap();
    let profile = pc.generated().get_organization_profile().send().await;
    assert_eq!(profile.unwrap().into_inner().is_mfa_compliant, None);
    let pc = client(&emulator, &app());
    let order = pc.customer(CUSTOMER).order(&order);
    order.provisioning_status().await.unwrap();
}

#[tokio::test]
async fn the_profile_says_whether_the_token_is_mfa_compliant_only_when_asked() {
    let emulator = Emulator::new().start().await.unwrap();
    let cases = [
        (user(true), Some(true)),
        (user(false), Some(false)),
        // MFA does not apply to an app's token, and the emulator cannot tell of an opaque one.
        (app(), None),
        (EMULATOR_TOKEN.to_string(), None),
    ];
    for (token, compliant) in cases {
        let pc = client(&emulator, &token).generated();
        let asked = pc.get_organization_profile().validate_mfa(true);
        let profile = asked.send().await.unwrap().into_inner();
        assert_eq!(profile.is_mfa_compliant, compliant);
        assert_eq!(profile.company_name.as_deref(), Some("Emulated Partner"));
        assert_eq!(profile.tenant_id, profile.id);
        assert_eq!(
            profile.attributes.unwrap().object_type.as_deref(),
            Some("OrganizationProfile")
        );
        let country = profile.default_address.unwrap().country;
        assert_eq!(country.as_deref(), Some("US"));

        let not_asked = pc.get_organization_profile().send().await;
        assert_eq!(not_asked.unwrap().into_inner().is_mfa_compliant, None);
        let asked_not = pc.get_organization_profile().validate_mfa(false);
        assert_eq!(asked_not.send().await.unwrap().is_mfa_compliant, None);
    }

    // Over plain HTTP: the value in any case; the field left out (not null) when not asked;
    // a value that is not a boolean refused.
    let path = "/v1/profiles/organization";
    let (status, _, body) = raw_get(&emulator, path, &user(true), Some("TRUE")).await;
    assert_eq!((status, &body["isMfaCompliant"]), (200, &json!(true)));
    let (_, _, body) = raw_get(&emulator, path, &user(true), None).await;
    assert!(body.get("isMfaCompliant").is_none(), "{body}");
    let (_, _, body) = raw_get(&emulator, path, &app(), Some("true")).await;
    assert!(body.get("isMfaCompliant").is_none(), "{body}");
    let (status, _, body) = raw_get(&emulator, path, &user(true), Some("maybe")).await;
    assert_eq!((status, &body["code"]), (400, &json!(codes::INVALID_INPUT)));

    // Counted and logged as every request is.
    let logged = emulator.received();
    assert!(logged.iter().any(|r| r.path == path));
    assert!(emulator.stats().requests >= 16);
}

#[tokio::test]
async fn the_profile_goes_through_the_faults_and_rate_limits_of_every_operation() {
    use partner_center_carts_emulator::Faults;
    let emulator = Emulator::new()
        .faults(Faults::none().tenant_rate_limit(0.001))
        .start()
        .await
        .unwrap();
    let path = "/v1/profiles/organization";
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(raw_get(&emulator, path, EMULATOR_TOKEN, None).await.0);
    }
    assert!(
        statuses.contains(&200) && statuses.contains(&429),
        "{statuses:?}"
    );
    assert!(emulator.stats().throttled >= 1);
}
