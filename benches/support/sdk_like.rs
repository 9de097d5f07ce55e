//! Hand-written reqwest code that behaves as the service's own .NET SDK does: one
//! `MS-RequestId` per operation, kept on its retries; retries on transport failures and every
//! status but 400, 401, 403, 404, 409, 417 and 429, at most three, after 0.5, 1.5 and 3.5 s;
//! no retry on 429, so a throttled operation fails.
//!
//! [`SdkLike::retrying_after`] is the obvious fix a team would write by hand: the same, and a
//! 429 waited out as its `Retry-After` says (1 s without one) and sent again, at most 20 times
//! an operation.

use std::time::Duration;

use partner_center_carts::types::{Cart, CartCheckoutResult};
use reqwest::Method;
use reqwest::header::ACCEPT;
use serde::de::DeserializeOwned;
use uuid::Uuid;

const WAITS: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_millis(1500),
    Duration::from_millis(3500),
];

/// The most 429s one operation of [`SdkLike::retrying_after`] waits out.
const THROTTLES: u32 = 20;

pub struct SdkLike {
    http: reqwest::Client,
    base: String,
    /// Whether a 429 is waited out and sent again.
    retry_after: bool,
}

/// An operation that failed.
#[derive(Debug)]
pub struct Failed;

impl SdkLike {
    pub fn new(base: &str) -> Self {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        Self {
            http: reqwest::Client::new(),
            base: base.to_string(),
            retry_after: false,
        }
    }

    /// The same, retrying a 429 after its `Retry-After`.
    pub fn retrying_after(base: &str) -> Self {
        Self {
            retry_after: true,
            ..Self::new(base)
        }
    }

    async fn operation<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Cart>,
    ) -> Result<T, Failed> {
        let request_id = Uuid::new_v4().to_string();
        let mut attempt = 0;
        let mut throttles = 0;
        loop {
            let mut request = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .bearer_auth("benchmark-token")
                .header(ACCEPT, "application/json")
                .header("MS-RequestId", &request_id)
                .header("MS-CorrelationId", Uuid::new_v4().to_string())
                .header("X-Locale", "en-US")
                .header("MS-PartnerCenter-Client", "sdk-like");
            if let Some(body) = body {
                request = request.json(body);
            }
            let status = match request.send().await {
                Ok(answer) if answer.status().is_success() => {
                    let bytes = answer.bytes().await.map_err(|_| Failed)?;
                    let json = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
                    return serde_json::from_slice(json).map_err(|_| Failed);
                }
                Ok(answer)
                    if answer.status() == 429 && self.retry_after && throttles < THROTTLES =>
                {
                    let seconds = answer
                        .headers()
                        .get("Retry-After")
                        .and_then(|v| v.to_str().ok()?.parse().ok())
                        .unwrap_or(1);
                    tokio::time::sleep(Duration::from_secs(seconds)).await;
                    throttles += 1;
                    continue;
                }
                Ok(answer) => answer.status().as_u16(),
                Err(_) => 0,
            };
            let retried = !matches!(status, 400 | 401 | 403 | 404 | 409 | 417 | 429);
            if !retried || attempt == WAITS.len() {
                return Err(Failed);
            }
            tokio::time::sleep(WAITS[attempt]).await;
            attempt += 1;
        }
    }

    pub async fn create(&self, customer: &str, cart: &Cart) -> Result<Cart, Failed> {
        let path = format!("/v1/customers/{customer}/carts");
        self.operation(Method::POST, &path, Some(cart)).await
    }

    pub async fn get(&self, customer: &str, cart: &str) -> Result<Cart, Failed> {
        let path = format!("/v1/customers/{customer}/carts/{cart}");
        self.operation(Method::GET, &path, None).await
    }

    pub async fn put(&self, customer: &str, cart: &Cart) -> Result<Cart, Failed> {
        let id = cart.id.as_deref().unwrap_or_default();
        let path = format!("/v1/customers/{customer}/carts/{id}");
        self.operation(Method::PUT, &path, Some(cart)).await
    }

    pub async fn checkout(&self, customer: &str, cart: &str) -> Result<CartCheckoutResult, Failed> {
        let path = format!("/v1/customers/{customer}/carts/{cart}/checkout");
        self.operation(Method::POST, &path, None).await
    }
}
