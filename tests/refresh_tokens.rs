//! App+User tokens from a refresh token: every rotation kept in a store so that the next run
//! starts from the newest, and Azure AD's refusals of a refresh token as their own errors.

mod support;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use partner_center_carts::auth::{
    FileStore, RefreshToken, RefreshTokenStore, StoreError, TokenProvider,
};
use partner_center_carts::error::RefreshRefused;
use partner_center_carts::{Error, ErrorKind, PartnerCenterBuilder};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use support::scripted::{Answer, Scripted};

const TENANT: &str = "contoso.onmicrosoft.com";

/// Azure AD's answer with an access token and a rotated refresh token.
fn rotated(access: &str, refresh: &str) -> Answer {
    Answer::json(
        200,
        json!({"token_type": "Bearer", "expires_in": 3599, "access_token": access, "refresh_token": refresh}),
    )
}

/// The refresh tokens the provider posted to Azure AD, in order.
fn posted_refresh_tokens(aad: &Scripted) -> Vec<String> {
    aad.received()
        .iter()
        .filter_map(|r| {
            url::form_urlencoded::parse(&r.body)
                .find(|(k, _)| k == "refresh_token")
                .map(|(_, v)| v.into_owned())
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pcc-refresh-{}-{name}-{:x}",
        std::process::id(),
        fastrand::u64(..)
    ));
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn kept(path: &Path) -> String {
    fs::read_to_string(path).unwrap().trim().to_string()
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_and_the_next_client_starts_from_it() {
    let aad = Scripted::start().await;
    // Tokens no scratch path can hold (a path has `refresh-` and the process id).
    aad.then(rotated("access-1", "rt-beta"))
        .then(rotated("access-2", "rt-gamma"));
    let dir = scratch("rotation");
    let path = dir.join("refresh-token");
    FileStore::new(&path)
        .save(&SecretString::from("rt-alpha"))
        .unwrap();

    let first_run = RefreshToken::from_store(TENANT, "app-id", FileStore::new(&path))
        .unwrap()
        .with_authority(&aad.url)
        .unwrap();
    first_run.token().await.unwrap();
    assert_eq!(kept(&path), "rt-beta", "stored before the token is used");

    // A new process: a new provider, from the same file.
    let second_run = RefreshToken::from_store(TENANT, "app-id", FileStore::new(&path))
        .unwrap()
        .with_authority(&aad.url)
        .unwrap();
    let token = second_run.token().await.unwrap();
    assert_eq!(token.secret().expose_secret(), "access-2");
    assert_eq!(posted_refresh_tokens(&aad), ["rt-alpha", "rt-beta"]);
    assert_eq!(kept(&path), "rt-gamma");
    let debug = format!("{second_run:?}");
    assert!(
        !debug.contains("rt-gamma") && debug.contains("refresh-token"),
        "the store's path shows, never its token: {debug}"
    );
    fs::remove_dir_all(dir).unwrap();
}

/// `PARTNER_CENTER_REFRESH_TOKEN` seeds the file once; from then on the file's newest token is
/// used, whatever the variable still says.
#[tokio::test]
async fn the_environment_seeds_the_file_and_the_file_wins_after() {
    let aad = Scripted::start().await;
    aad.then(rotated("access-1", "refresh-2"))
        .then(rotated("access-2", "refresh-3"));
    let service = Scripted::start().await;
    service.always(Answer::json(
        200,
        json!({"id": "org", "companyName": "Contoso"}),
    ));
    let dir = scratch("env");
    let path = dir.join("refresh-token");
    let variables: HashMap<&str, String> = HashMap::from([
        ("PARTNER_CENTER_BASE_URL", service.url.clone()),
        ("PARTNER_CENTER_AUTHORITY", aad.url.clone()),
        ("PARTNER_CENTER_TENANT_ID", TENANT.to_string()),
        ("PARTNER_CENTER_CLIENT_ID", "app-id".to_string()),
        ("PARTNER_CENTER_REFRESH_TOKEN", "seed".to_string()),
        (
            "PARTNER_CENTER_REFRESH_TOKEN_FILE",
            path.display().to_string(),
        ),
    ]);
    let run = async || {
        let pc = PartnerCenterBuilder::from_lookup(|name| variables.get(name).cloned())
            .unwrap()
            .build()
            .unwrap();
        pc.organization_profile().await.unwrap();
    };
    run().await;
    run().await;
    assert_eq!(posted_refresh_tokens(&aad), ["seed", "refresh-2"]);
    assert_eq!(kept(&path), "refresh-3");

    // Without a seed and with nothing kept, the error says what to set.
    let empty = dir.join("empty");
    let err = PartnerCenterBuilder::from_lookup(|name| match name {
        "PARTNER_CENTER_REFRESH_TOKEN_FILE" => Some(empty.display().to_string()),
        "PARTNER_CENTER_TENANT_ID" => Some(TENANT.into()),
        "PARTNER_CENTER_CLIENT_ID" => Some("app-id".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("set PARTNER_CENTER_REFRESH_TOKEN once"),
        "{err}"
    );
    fs::remove_dir_all(dir).unwrap();
}

/// A store that cannot keep the rotated token fails the token request, with its words, rather
/// than let the run go on with a token the next run will not have; this process keeps it.
#[tokio::test]
async fn a_store_that_cannot_keep_the_token_fails_the_request_and_the_process_keeps_it() {
    #[derive(Debug)]
    struct Full;
    impl RefreshTokenStore for Full {
        fn load(&self) -> Result<Option<SecretString>, StoreError> {
            Ok(Some(SecretString::from("refresh-1")))
        }
        fn save(&self, _: &SecretString) -> Result<(), StoreError> {
            Err("the vault is read-only".into())
        }
    }
    let aad = Scripted::start().await;
    aad.then(rotated("access-1", "refresh-2"))
        .then(rotated("access-2", "refresh-3"));
    let tokens = RefreshToken::from_store(TENANT, "app-id", Full)
        .unwrap()
        .with_authority(&aad.url)
        .unwrap();
    let err = tokens.token().await.unwrap_err();
    assert!(err.to_string().contains("the vault is read-only"), "{err}");
    assert!(tokens.token().await.is_err());
    assert_eq!(posted_refresh_tokens(&aad), ["refresh-1", "refresh-2"]);
}

async fn refusal(body: serde_json::Value) -> Error {
    let aad = Scripted::start().await;
    aad.always(Answer::json(400, body));
    let tokens = RefreshToken::new(TENANT, "app-id", "refresh-secret-value")
        .with_authority(&aad.url)
        .unwrap();
    let err = tokens.token().await.unwrap_err();
    assert!(!err.to_string().contains("refresh-secret-value"), "{err}");
    err
}

fn auth(err: &Error) -> &partner_center_carts::error::Auth {
    match err.kind() {
        ErrorKind::Auth(a) => a,
        _ => panic!("{err:?}"),
    }
}

#[tokio::test]
async fn azure_ads_refusals_of_a_refresh_token_are_their_own_errors() {
    let expired = refusal(json!({
        "error": "invalid_grant",
        "error_description": "AADSTS700082: The refresh token has expired due to inactivity.",
        "error_codes": [700082]
    }))
    .await;
    assert_eq!(
        auth(&expired).refresh_refused(),
        Some(RefreshRefused::Expired)
    );
    let words = expired.to_string();
    assert!(
        words.contains("the refresh token has expired")
            && words.contains("sign the user in again")
            && words.contains("AADSTS700082"),
        "{words}"
    );

    let revoked = refusal(json!({
        "error": "invalid_grant",
        "error_description": "AADSTS50173: The provided grant has expired due to it being revoked.",
        "error_codes": [50173]
    }))
    .await;
    assert_eq!(
        auth(&revoked).refresh_refused(),
        Some(RefreshRefused::Invalid)
    );
    assert!(revoked.to_string().contains("is not valid"), "{revoked}");

    let mfa = refusal(json!({
        "error": "invalid_grant",
        "error_description": "AADSTS50076: you must use multi-factor authentication.",
        "error_codes": [50076]
    }))
    .await;
    assert!(auth(&mfa).mfa_required());
    assert_eq!(auth(&mfa).refresh_refused(), None);

    let other = refusal(json!({"error": "invalid_client", "error_codes": [7000215]})).await;
    assert_eq!(auth(&other).refresh_refused(), None);
    assert!(!auth(&other).mfa_required());

    // Odd codes lose the codes, not the words.
    let odd = refusal(json!({"error": "invalid_grant", "error_codes": null,
                             "error_description": "AADSTS9002313: Invalid request."}))
    .await;
    assert_eq!(auth(&odd).refresh_refused(), Some(RefreshRefused::Invalid));
    assert!(odd.to_string().contains("AADSTS9002313"), "{odd}");
}

/// A refused refresh token that came from a file: the words say to put the new one there, as
/// the variable seeds only an empty file.
#[tokio::test]
async fn a_refused_token_from_a_file_says_where_the_new_one_goes() {
    let aad = Scripted::start().await;
    aad.always(Answer::json(
        400,
        json!({"error": "invalid_grant", "error_codes": [700082],
               "error_description": "AADSTS700082: expired"}),
    ));
    let dir = scratch("refused");
    let path = dir.join("refresh-token");
    FileStore::new(&path)
        .save(&SecretString::from("refresh-old"))
        .unwrap();
    let tokens = RefreshToken::from_store(TENANT, "app-id", FileStore::new(&path))
        .unwrap()
        .with_authority(&aad.url)
        .unwrap();
    let err = tokens.token().await.unwrap_err();
    assert_eq!(auth(&err).refresh_refused(), Some(RefreshRefused::Expired));
    let words = err.to_string();
    assert!(
        words.contains(&path.display().to_string()) && words.contains("put the new one there"),
        "{words}"
    );
    assert!(!words.contains("refresh-old"), "{words}");
    fs::remove_dir_all(dir).unwrap();
}
