//! What the integration tests share: what every crate's tests do (`common.rs`: the ids, a cart,
//! a plain HTTP client), a client pointed at a loopback server, a recorder of the requests that
//! server receives, and the examples of the spec.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use httpmock::prelude::*;
use partner_center_carts::PartnerCenter;
use partner_center_carts::retry::RetryPolicy;
use serde_json::Value;

mod common;
pub mod journal;
pub mod logs;
pub mod needs;
pub mod redis;
pub mod scripted;

pub use common::*;

pub const TOKEN: &str = "eyJ0-test-token";

pub fn cart_path() -> String {
    format!("/v1/customers/{CUSTOMER}/carts/{CART}")
}

pub fn carts_path() -> String {
    format!("/v1/customers/{CUSTOMER}/carts")
}

pub fn checkout_path() -> String {
    format!("{}/checkout", cart_path())
}

/// A client for `server` with a fixed token and no retries.
pub fn client(server: &MockServer) -> PartnerCenter {
    builder(server).build().expect("client builds")
}

pub fn builder(server: &MockServer) -> partner_center_carts::PartnerCenterBuilder {
    builder_at(&server.base_url())
}

/// A builder for the server at `url`, with a fixed token and no retries.
pub fn builder_at(url: &str) -> partner_center_carts::PartnerCenterBuilder {
    PartnerCenter::builder()
        .base_url(url)
        .bearer_token(TOKEN)
        .retry_policy(RetryPolicy::none())
}

pub use partner_center_carts_emulator::Received;

/// Records every request matched by the mocks it is attached to.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Vec<Received>>>);

impl Recorder {
    /// A matcher that records the request and matches it.
    pub fn matcher(&self) -> impl Fn(&HttpMockRequest) -> bool + Send + Sync + 'static {
        let log = self.0.clone();
        move |req: &HttpMockRequest| {
            log.lock().unwrap().push(Received::new(
                req.method_str(),
                req.uri().path(),
                req.headers_vec().clone(),
                req.body_vec(),
            ));
            true
        }
    }

    pub fn all(&self) -> Vec<Received> {
        self.0.lock().unwrap().clone()
    }
}

/// The spec, parsed.
/// A cart line of `id`, on this term and cycle, as a plan's tests write them.
pub fn line(
    id: &str,
    term: Option<&str>,
    cycle: &str,
    quantity: i32,
) -> partner_center_carts::types::CartLineItem {
    partner_center_carts::types::CartLineItem {
        catalog_item_id: id.into(),
        term_duration: term.map(str::to_string),
        billing_cycle: cycle.into(),
        quantity,
        ..Default::default()
    }
}

pub fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/openapi/partner-center-carts.yaml"
    ))
    .unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// A named example of the spec's `components/examples`.
pub fn example(name: &str) -> Value {
    spec()["components"]["examples"][name]["value"].clone()
}
