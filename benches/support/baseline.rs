//! The hand-written baseline: reqwest and serde_json, the same headers, the same types, no
//! retries, no validation, no tracing. What a user would write instead of this crate.

use partner_center_carts::types::Cart;
use reqwest::header::{ACCEPT, IF_MATCH};
use uuid::Uuid;

pub struct Baseline {
    http: reqwest::Client,
    base: String,
}

impl Baseline {
    pub fn new(base: &str) -> Self {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        Self {
            http: reqwest::Client::new(),
            base: base.to_string(),
        }
    }

    fn url(&self, customer: &str, cart: &str) -> String {
        format!("{}/v1/customers/{customer}/carts/{cart}", self.base)
    }

    fn headers(
        &self,
        request: reqwest::RequestBuilder,
        correlation: &str,
    ) -> reqwest::RequestBuilder {
        request
            .bearer_auth("benchmark-token")
            .header(ACCEPT, "application/json")
            .header("MS-RequestId", Uuid::new_v4().to_string())
            .header("MS-CorrelationId", correlation)
            .header("X-Locale", "en-US")
            .header("MS-Contract-Version", "v1")
            .header("MS-PartnerCenter-Client", "baseline")
    }

    pub async fn get(&self, customer: &str, cart: &str) -> Cart {
        let correlation = Uuid::new_v4().to_string();
        self.get_with(customer, cart, &correlation).await
    }

    async fn get_with(&self, customer: &str, cart: &str, correlation: &str) -> Cart {
        Self::send(self.headers(self.http.get(self.url(customer, cart)), correlation)).await
    }

    /// Sends a request and decodes its cart.
    async fn send(request: reqwest::RequestBuilder) -> Cart {
        let answer = request.send().await.unwrap().error_for_status().unwrap();
        serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap()
    }

    /// GET, change, PUT if changed, with the etag as If-Match: the same exchange as `modify`.
    pub async fn modify(&self, customer: &str, cart: &str, change: impl Fn(&mut Cart)) -> Cart {
        let correlation = Uuid::new_v4().to_string();
        let current = self.get_with(customer, cart, &correlation).await;
        let mut changed = current.clone();
        change(&mut changed);
        if changed == current {
            return current;
        }
        let mut request = self.headers(self.http.put(self.url(customer, cart)), &correlation);
        if let Some(etag) = changed.attributes.as_ref().and_then(|a| a.etag.as_deref()) {
            request = request.header(IF_MATCH, etag);
        }
        Self::send(request.json(&changed)).await
    }
}
