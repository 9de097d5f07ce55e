//! The `azure_identity` feature: any azure_core TokenCredential as the token source, here one of
//! our own (no network), behind the crate's cache and 401 handling.
#![cfg(feature = "azure_identity")]

mod support;

use std::sync::{Arc, Mutex};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind as AzureErrorKind;
use azure_core::time::{Duration, OffsetDateTime};
use httpmock::prelude::*;
use partner_center_carts::auth::{AzureCredential, PARTNER_CENTER_SCOPE};
use partner_center_carts::{ErrorKind, PartnerCenter};
use support::*;

/// Hands out `token-1`, `token-2`, ... for an hour each, and records the scopes asked for; or
/// fails, when told to.
#[derive(Debug, Default)]
struct Counting {
    asked: Mutex<Vec<Vec<String>>>,
    fail: bool,
}

#[async_trait::async_trait]
impl TokenCredential for Counting {
    async fn get_token(
        &self,
        scopes: &[&str],
        _: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if self.fail {
            return Err(azure_core::Error::with_message(
                AzureErrorKind::Credential,
                "no managed identity endpoint here",
            ));
        }
        let mut asked = self.asked.lock().unwrap();
        asked.push(scopes.iter().map(|s| s.to_string()).collect());
        Ok(AccessToken::new(
            format!("token-{}", asked.len()),
            OffsetDateTime::now_utc() + Duration::hours(1),
        ))
    }
}

fn client_with(credential: Arc<Counting>, server: &MockServer) -> PartnerCenter {
    PartnerCenter::builder()
        .base_url(server.base_url())
        .token_provider(AzureCredential::new(credential))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_credentials_token_is_cached_and_asked_again_after_a_401() {
    let server = MockServer::start_async().await;
    let refused = server
        .mock_async(|when, then| {
            when.path(cart_path())
                .header("authorization", "Bearer token-1");
            then.status(401).json_body(serde_json::json!({"code": 401}));
        })
        .await;
    let served = server
        .mock_async(|when, then| {
            when.path(cart_path())
                .header("authorization", "Bearer token-2");
            then.status(200)
                .json_body(serde_json::json!({"id": CART, "lineItems": []}));
        })
        .await;
    let credential = Arc::new(Counting::default());
    let pc = client_with(credential.clone(), &server);
    let cart = pc.customer(CUSTOMER).cart(CART);

    cart.get().await.unwrap();
    cart.get().await.unwrap();

    assert_eq!(refused.calls_async().await, 1);
    assert_eq!(served.calls_async().await, 2);
    let asked = credential.asked.lock().unwrap().clone();
    assert_eq!(
        asked,
        vec![vec![PARTNER_CENTER_SCOPE.to_string()]; 2],
        "asked once, then once more after the 401; cached for the second get"
    );
}

#[tokio::test]
async fn a_credential_that_fails_is_an_auth_error_that_keeps_its_message() {
    let server = MockServer::start_async().await;
    let credential = Arc::new(Counting {
        fail: true,
        ..Default::default()
    });
    let error = client_with(credential, &server)
        .customer(CUSTOMER)
        .cart(CART)
        .get()
        .await
        .unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Auth(_)), "{error}");
    assert!(
        error
            .to_string()
            .contains("no managed identity endpoint here"),
        "{error}"
    );
}
