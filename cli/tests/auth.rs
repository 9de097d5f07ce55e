//! `pc-carts auth status` and authentication failures, run as a user runs them: against the
//! emulator demanding MFA, with App+User tokens from a refresh token kept in a file, and every
//! authentication failure exiting 4.

mod support;

use std::path::PathBuf;

use assert_cmd::Command;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use partner_center_carts_emulator::Emulator;
use serde_json::{Value, json};
use support::CUSTOMER;
use support::commands::*;

/// An unsigned token with these claims, laid out as Azure AD's are.
fn jwt(claims: Value) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let header = part(json!({"alg": "RS256", "typ": "JWT"}));
    format!("{header}.{}.signature", part(claims))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-carts-auth-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn status_with_token(url: &str, token: &str) -> Command {
    let mut command = pc_carts();
    command.args(["auth", "status", "--base-url", url, "--token", token]);
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_status_says_what_the_token_is_and_what_the_service_says_of_it() {
    let emulator = Emulator::new().require_mfa(true).start().await.unwrap();
    let url = emulator.url();
    let with_mfa = jwt(json!({
        "idtyp": "user", "scp": "user_impersonation", "amr": ["pwd", "mfa"],
        "tid": "0e6d6d7e-bf9d-4e29-8b58-5e0f2f3a7c11", "exp": 4_102_444_800u64
    }));
    let output = run(status_with_token(&url, &with_mfa)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["tokenKind"], "app+user");
    assert_eq!(status["mfa"], true);
    assert_eq!(status["serviceSaysMfaCompliant"], true);
    assert_eq!(status["tenant"], "0e6d6d7e-bf9d-4e29-8b58-5e0f2f3a7c11");
    assert_eq!(status["expires"], "2100-01-01T00:00:00Z");
    assert!(status["partner"].is_string(), "{status}");
    assert!(!text(&output.stdout).contains(&with_mfa), "never the token");

    // An expiry beyond any calendar is not said, rather than a crash.
    let far = jwt(json!({"idtyp": "user", "amr": ["mfa"], "exp": 10_000_000_000_000u64}));
    let output = run(status_with_token(&url, &far)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["expires"], Value::Null);

    // An app's token: MFA does not apply, and the service does not say.
    let app = jwt(json!({"idtyp": "app", "roles": ["x"]}));
    let mut table = status_with_token(&url, &app);
    table.args(["--output", "table"]);
    let output = run(table).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let shown = text(&output.stdout);
    assert!(
        shown.contains("app-only") && shown.contains("not said"),
        "{shown}"
    );

    // A user's token without MFA: the service refuses it, and says why.
    let without = jwt(json!({"idtyp": "user", "amr": ["pwd"]}));
    let output = run(status_with_token(&url, &without)).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (&status["mfa"], &status["serviceSaysMfaCompliant"]),
        (&json!(false), &json!(false))
    );

    // Any other command with it exits 4, saying what to do.
    let mut get = pc_carts();
    get.args(["cart", "get", "--customer", CUSTOMER, "--cart", CUSTOMER])
        .args(["--base-url", &url, "--token", &without]);
    let output = run(get).await;
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("900421") && stderr.contains("sign the user in again with MFA"),
        "{stderr}"
    );
}

/// App+User from a refresh token kept in a file: the rotated token is written back (0600) and
/// the next run uses it; under `RUST_LOG=trace` no token shows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_token_file_keeps_every_rotation_and_nothing_secret_is_logged() {
    let emulator = Emulator::new().start().await.unwrap();
    let aad = httpmock::MockServer::start_async().await;
    let access = jwt(json!({"idtyp": "user", "amr": ["mfa"], "exp": 4_102_444_800u64}));
    let first = aad
        .mock_async(|when, then| {
            when.path_includes("/oauth2/v2.0/token")
                .body_includes("refresh_token=refresh-secret-1");
            then.status(200).json_body(json!({
                "access_token": access, "expires_in": 3600, "refresh_token": "refresh-secret-2"
            }));
        })
        .await;
    let second = aad
        .mock_async(|when, then| {
            when.path_includes("/oauth2/v2.0/token")
                .body_includes("refresh_token=refresh-secret-2");
            then.status(200).json_body(json!({
                "access_token": access, "expires_in": 3600, "refresh_token": "refresh-secret-3"
            }));
        })
        .await;
    let dir = scratch("rotation");
    let file = dir.join("refresh-token");
    let status = || {
        let mut command = pc_carts();
        command
            .args(["auth", "status", "--base-url", &emulator.url(), "-vv"])
            .env("RUST_LOG", "trace")
            .env("PARTNER_CENTER_TENANT_ID", "contoso.onmicrosoft.com")
            .env("PARTNER_CENTER_CLIENT_ID", "app-id")
            .env("PARTNER_CENTER_AUTHORITY", aad.base_url())
            .env("PARTNER_CENTER_REFRESH_TOKEN", "refresh-secret-1")
            .env("PARTNER_CENTER_REFRESH_TOKEN_FILE", &file);
        command
    };
    for _ in 0..2 {
        let output = run(status()).await;
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(0), "{stderr}");
        assert!(stdout.contains("a refresh token kept in"), "{stdout}");
        assert!(
            stderr.contains("getOrganizationProfile"),
            "the trace is on: {stderr}"
        );
        for secret in ["refresh-secret", access.as_str()] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "a secret shows:\n{stdout}\n{stderr}"
            );
        }
    }
    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().trim(),
        "refresh-secret-3"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// Every authentication failure exits 4 with its own words: no credential, a refresh token
/// Azure AD refuses as expired, a token file others can read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_authentication_failure_exits_4() {
    let emulator = Emulator::new().start().await.unwrap();
    let aad = httpmock::MockServer::start_async().await;
    aad.mock_async(|_, then| {
        then.status(400).json_body(json!({
            "error": "invalid_grant",
            "error_description": "AADSTS700082: The refresh token has expired due to inactivity.",
            "error_codes": [700082]
        }));
    })
    .await;
    let dir = scratch("failures");
    let shared = dir.join("shared-token");
    std::fs::write(&shared, "refresh-secret\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let refresh = |file: Option<&PathBuf>| {
        let mut command = pc_carts();
        command
            .args(["auth", "status", "--base-url", &emulator.url()])
            .env("PARTNER_CENTER_TENANT_ID", "contoso.onmicrosoft.com")
            .env("PARTNER_CENTER_CLIENT_ID", "app-id")
            .env("PARTNER_CENTER_AUTHORITY", aad.base_url())
            .env("PARTNER_CENTER_REFRESH_TOKEN", "refresh-secret");
        if let Some(file) = file {
            command.env("PARTNER_CENTER_REFRESH_TOKEN_FILE", file);
        }
        command
    };
    let mut nothing = pc_carts();
    nothing
        .args(["auth", "status", "--base-url", &emulator.url()])
        .env_remove("PARTNER_CENTER_TENANT_ID")
        .env_remove("PARTNER_CENTER_CLIENT_ID")
        .env_remove("PARTNER_CENTER_CLIENT_SECRET");
    let mut cases = vec![
        (nothing, "no credentials"),
        (refresh(None), "the refresh token has expired"),
    ];
    if cfg!(unix) {
        cases.push((refresh(Some(&shared)), "chmod 600"));
    }
    for (command, says) in cases {
        let shown = format!("{command:?}");
        let output = run(command).await;
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(4), "{shown}: {stderr}");
        assert!(stderr.contains(says), "{shown}: {stderr}");
        assert!(!stderr.contains("refresh-secret"), "{shown}: {stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}
