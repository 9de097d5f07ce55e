//! Secrets never reach `Debug`, `Display` or logs; operations and attempts are traced.

mod support;

use partner_center_carts::PartnerCenter;
use partner_center_carts::auth::{
    AccessToken, ClientCredentials, FileStore, RefreshToken, StaticToken, TokenProvider,
};
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::RetryPolicy;
use serde_json::json;
use support::logs::{logged, logs};
use support::scripted::{Answer, Scripted};
use support::*;

const CLIENT_SECRET: &str = "client-secret-do-not-print";
const REFRESH: &str = "refresh-token-do-not-print";
const ISSUED: &str = "issued-access-token-do-not-print";
const FIXED: &str = "fixed-bearer-do-not-print";
const ROTATED: &str = "rotated-refresh-token-do-not-print";

fn assert_no_secret(what: &str, text: &str) {
    for secret in [CLIENT_SECRET, REFRESH, ISSUED, FIXED, ROTATED] {
        assert!(!text.contains(secret), "{what} shows a secret:\n{text}");
    }
}

#[tokio::test]
async fn no_debug_display_or_log_line_shows_a_token_or_secret() {
    logs();
    let aad = Scripted::start().await;
    aad.always(Answer::json(
        200,
        json!({"access_token": ISSUED, "expires_in": 3600}),
    ));
    let pc_server = Scripted::start().await;
    pc_server
        .then(Answer::json(
            401,
            json!({"code": 900, "description": "expired"}),
        ))
        .then(Answer::json(503, json!({"code": 0})))
        .then(Answer::json(200, example("ActiveCart")))
        .always(Answer::json(
            401,
            json!({"code": 900, "description": "expired"}),
        ));

    let credentials = || {
        ClientCredentials::new("tenant", "app", CLIENT_SECRET)
            .with_authority(&aad.url)
            .unwrap()
    };
    let refresh = RefreshToken::new("tenant", "app", REFRESH)
        .with_client_secret(CLIENT_SECRET)
        .with_authority(&aad.url)
        .unwrap();
    let builder = PartnerCenter::builder()
        .base_url(&pc_server.url)
        .token_provider(credentials())
        .retry_policy(RetryPolicy::default())
        .clock(VirtualClock::new());
    let fixed_builder = PartnerCenter::builder()
        .base_url(&pc_server.url)
        .bearer_token(FIXED);
    let mut shown = vec![
        format!("{builder:?}"),
        format!("{fixed_builder:?}"),
        format!("{:?}", credentials()),
        format!("{refresh:?}"),
        format!("{:?}", StaticToken::new(FIXED).unwrap()),
        format!("{:?}", AccessToken::new(FIXED, None).unwrap()),
    ];
    shown.push(format!(
        "{:?}",
        partner_center_carts_emulator::Emulator::new().accept_only_token(FIXED)
    ));
    let pc = builder.build().unwrap();
    let fixed = fixed_builder.build().unwrap();
    shown.push(format!("{pc:?}"));
    shown.push(format!("{fixed:?}"));
    shown.push(format!("{:?}", fixed.generated()));

    // A 401, a fresh token, a 503, a retry, a success; then errors of every origin.
    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();
    let errors = [
        fixed.customer(CUSTOMER).cart(CART).get().await.unwrap_err(),
        PartnerCenter::builder()
            .base_url(&pc_server.url)
            .token_provider(
                ClientCredentials::new("tenant", "app", CLIENT_SECRET)
                    .with_authority("http://127.0.0.1:9")
                    .unwrap(),
            )
            .build()
            .unwrap()
            .customer(CUSTOMER)
            .cart(CART)
            .get()
            .await
            .unwrap_err(),
        builder_at("http://127.0.0.1:9")
            .bearer_token(FIXED)
            .build()
            .unwrap()
            .customer(CUSTOMER)
            .cart(CART)
            .get()
            .await
            .unwrap_err(),
        fixed.customer("../x").cart(CART).get().await.unwrap_err(),
    ];
    for e in &errors {
        shown.push(format!("{e}"));
        shown.push(format!("{e:?}"));
        shown.push(format!("{:#?}", e.kind()));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            shown.push(format!("{s} / {s:?}"));
            source = s.source();
        }
    }
    // A refresh-token grant, so its request is in the log too.
    refresh.token().await.unwrap();

    // A rotation kept in a file, and Azure AD refusing the rotated token, echoing it.
    let rotating = Scripted::start().await;
    rotating
        .then(Answer::json(
            200,
            json!({"access_token": ISSUED, "expires_in": "0", "refresh_token": ROTATED}),
        ))
        .always(Answer::json(
            400,
            json!({"error": "invalid_grant", "error_codes": [700082],
                   "error_description": format!("AADSTS700082: {ROTATED} expired")}),
        ));
    let dir = std::env::temp_dir().join(format!("pcc-observed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = FileStore::new(dir.join("refresh-token"));
    let stored = RefreshToken::new("tenant", "app", REFRESH)
        .with_store(store.clone())
        .with_authority(&rotating.url)
        .unwrap();
    stored.token().await.unwrap();
    let refused = stored.token().await.unwrap_err();
    shown.push(format!("{refused} / {refused:?} / {stored:?} / {store:?}"));
    shown.push(format!("{:?}", pc.mfa_compliance().await));
    std::fs::remove_dir_all(&dir).unwrap();

    for (i, text) in shown.iter().enumerate() {
        assert_no_secret(&format!("value {i}"), text);
    }
    let log = logged();
    assert!(
        log.contains("partner_center"),
        "the operations were traced:\n{log}"
    );
    assert_no_secret("the log", &log);
}

#[tokio::test]
async fn operations_and_attempts_are_traced_with_their_ids_and_statuses() {
    logs();
    let server = Scripted::start().await;
    server
        .then(Answer::json(503, json!({"code": 0})))
        .then(Answer::json(200, example("ActiveCart")));
    let pc = builder_at(&server.url)
        .retry_policy(RetryPolicy::default().jitter(false))
        .clock(VirtualClock::new())
        .build()
        .unwrap();

    pc.customer(CUSTOMER).cart(CART).get().await.unwrap();

    let request_id = server.received()[0]
        .header("ms-requestid")
        .unwrap()
        .to_string();
    let correlation_id = server.received()[0]
        .header("ms-correlationid")
        .unwrap()
        .to_string();
    let log = logged();
    let ours: Vec<&str> = log.lines().filter(|l| l.contains(&request_id)).collect();
    let all = ours.join("\n");
    for expected in [
        "operation=\"getCart\"",
        &format!("correlation_id={correlation_id}"),
        "attempt{attempt=1 http.request.resend_count=0",
        "status=503",
        "attempt{attempt=2 http.request.resend_count=1",
        "status=200",
        // OpenTelemetry's HTTP client names, beside the Partner Center ids.
        "otel.kind=\"client\"",
        "http.request.method=GET",
        "server.address=\"127.0.0.1\"",
        "http.response.status_code=503 error.type=\"503\"",
        "http.response.status_code=200",
        "elapsed_ms=",
        "retrying",
        "wait_ms=500",
    ] {
        assert!(all.contains(expected), "no {expected:?} in:\n{all}");
    }
    // The operation's count of attempts is recorded once, when it ends, not once an attempt.
    assert!(!all.contains("attempts=1"), "{all}");
}
