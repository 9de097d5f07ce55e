//! The peer: openapi-generator's Rust client (library reqwest, async), generated from the spec by
//! `benches/peer/generate.sh`, used as its README shows, with the baseline's headers. Its API
//! takes `MS-RequestId`, `MS-CorrelationId`, `X-Locale`, `MS-Contract-Version` and
//! `MS-PartnerCenter-Client` as parameters and the bearer token in its `Configuration`; it sends
//! no `Accept`, so the `reqwest::Client` it is given adds one as a default header, and its own
//! `User-Agent` is turned off, as the baseline sends none. No retries: it has none.

use pc_peer::apis::carts_api::{self, GetCartParams, UpdateCartParams};
use pc_peer::apis::configuration::Configuration;
use pc_peer::models::Cart;
use reqwest::header::{ACCEPT, HeaderMap, HeaderValue};
use uuid::Uuid;

pub struct Peer {
    pub config: Configuration,
}

impl Peer {
    pub fn new(base: &str) -> Self {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let accept = HeaderValue::from_static("application/json");
        let client = reqwest::Client::builder()
            .default_headers(HeaderMap::from_iter([(ACCEPT, accept)]))
            .build()
            .unwrap();
        let config = Configuration {
            base_path: base.trim_end_matches('/').to_string(),
            user_agent: None,
            client,
            bearer_access_token: Some("benchmark-token".into()),
            ..Configuration::default()
        };
        Self { config }
    }

    pub async fn get(&self, customer: &str, cart: &str) -> Cart {
        let correlation = Uuid::new_v4().to_string();
        self.get_with(customer, cart, correlation).await
    }

    async fn get_with(&self, customer: &str, cart: &str, correlation: String) -> Cart {
        let params = GetCartParams {
            customer_id: customer.to_string(),
            cart_id: cart.to_string(),
            ms_request_id: Some(Uuid::new_v4().to_string()),
            ms_correlation_id: Some(correlation),
            x_locale: Some("en-US".into()),
            ms_contract_version: Some("v1".into()),
            ms_partner_center_client: Some("peer".into()),
            ms_partner_center_application: None,
        };
        carts_api::get_cart(&self.config, params).await.unwrap()
    }

    /// GET, change, PUT if changed, with the etag as If-Match: the baseline's exchange.
    pub async fn modify(&self, customer: &str, cart: &str, change: impl Fn(&mut Cart)) -> Cart {
        let correlation = Uuid::new_v4().to_string();
        let current = self.get_with(customer, cart, correlation.clone()).await;
        let mut changed = current.clone();
        change(&mut changed);
        if changed == current {
            return current;
        }
        let if_match = changed.attributes.as_ref().and_then(|a| a.etag.clone());
        let params = UpdateCartParams {
            customer_id: customer.to_string(),
            cart_id: cart.to_string(),
            cart: changed,
            ms_request_id: Some(Uuid::new_v4().to_string()),
            ms_correlation_id: Some(correlation),
            x_locale: Some("en-US".into()),
            ms_contract_version: Some("v1".into()),
            ms_partner_center_client: Some("peer".into()),
            ms_partner_center_application: None,
            if_match,
        };
        carts_api::update_cart(&self.config, params).await.unwrap()
    }
}
