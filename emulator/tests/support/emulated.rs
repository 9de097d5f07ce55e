//! An emulator on a virtual clock, and requests to it over HTTP: for the tests of
//! subscriptions, whose operations the client has no front door for yet.

use std::sync::Arc;
use std::time::Duration;

use partner_center_carts::PartnerCenter;
use partner_center_carts::clock::VirtualClock;
use partner_center_carts::retry::RetryPolicy;
use partner_center_carts::types::{Cart, CartLineItem, Subscription};
use partner_center_carts_emulator::{Emulator, RunningEmulator};
use reqwest::Method;
use serde_json::Value;

use super::CUSTOMER;

pub const DAY: Duration = Duration::from_secs(24 * 3600);
pub const LICENCE: &str = "CFQ7TTC0LH18:0001:CFQ7TTC0K59S";
pub const UPGRADE: &str = "CFQ7TTC0LH18:0002:CFQ7TTC0K59S";

/// An emulator on a virtual clock, its orders provisioned and listed at once, and a client of
/// it that does not retry.
pub struct Emulated {
    pub emulator: RunningEmulator,
    pub clock: Arc<VirtualClock>,
    pub pc: PartnerCenter,
}

pub async fn emulated() -> Emulated {
    let clock = Arc::new(VirtualClock::new());
    on(at_once(&clock), clock).await
}

/// An emulator on `clock` whose orders are provisioned and listed at once.
pub fn at_once(clock: &Arc<VirtualClock>) -> Emulator {
    Emulator::new()
        .clock(clock.clone())
        .provisioning_delay(Duration::ZERO)
        .order_listing_delay(Duration::ZERO)
}

pub async fn on(emulator: Emulator, clock: Arc<VirtualClock>) -> Emulated {
    let emulator = emulator.start().await.unwrap();
    let pc = emulator
        .client()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    Emulated {
        emulator,
        clock,
        pc,
    }
}

impl Emulated {
    /// Checks out one line of `quantity` seats of `catalog`: the order's id and the
    /// subscription's.
    pub async fn buy(&self, catalog: &str, quantity: i32) -> (String, String) {
        self.buy_for(CUSTOMER, catalog, quantity).await
    }

    /// [`buy`](Self::buy), for `customer`.
    pub async fn buy_for(&self, customer: &str, catalog: &str, quantity: i32) -> (String, String) {
        let customer = self.pc.customer(customer);
        let cart = Cart {
            line_items: vec![CartLineItem {
                catalog_item_id: catalog.into(),
                friendly_name: Some("Business Basic".into()),
                quantity,
                billing_cycle: "monthly".into(),
                term_duration: Some("P1Y".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let created = customer.create(&cart).await.unwrap();
        let outcome = customer.cart(created.id()).checkout().await.unwrap();
        let order = &outcome.orders()[0];
        let subscription = order.line_items()[0].subscription_id.clone().unwrap();
        (order.id().to_string(), subscription)
    }

    /// A request to `/v1/customers/{CUSTOMER}/{path}`: its status and JSON body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        request_id: Option<&str>,
    ) -> (u16, Value) {
        self.send_for(CUSTOMER, method, path, body, request_id)
            .await
    }

    /// [`send`](Self::send), for `customer`.
    pub async fn send_for(
        &self,
        customer: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        request_id: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}/v1/customers/{customer}/{path}", self.emulator.url());
        let mut request = super::raw_http().request(method, url).bearer_auth("t");
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(id) = request_id {
            request = request.header("MS-RequestId", id);
        }
        let answer = request.send().await.unwrap();
        let status = answer.status().as_u16();
        let bytes = answer.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// The subscription as getSubscription answers it.
    pub async fn read(&self, subscription: &str) -> Value {
        let path = format!("subscriptions/{subscription}");
        let (status, body) = self.send(Method::GET, &path, None, None).await;
        assert_eq!(status, 200, "{body}");
        // The answer is a subscription of the spec's shape.
        serde_json::from_value::<Subscription>(body.clone()).unwrap();
        body
    }

    /// The subscription as read, changed by `change`, sent back in a PATCH.
    pub async fn change(
        &self,
        subscription: &str,
        change: impl FnOnce(&mut Value),
    ) -> (u16, Value) {
        let mut body = self.read(subscription).await;
        change(&mut body);
        self.patch(subscription, &body, None).await
    }

    pub async fn patch(&self, subscription: &str, body: &Value, id: Option<&str>) -> (u16, Value) {
        let path = format!("subscriptions/{subscription}");
        self.send(Method::PATCH, &path, Some(body), id).await
    }
}

/// The seats refundable, and the deadline of each window open, as answered.
pub fn refundable(subscription: &Value) -> (i64, Vec<(i64, String)>) {
    let refundable = &subscription["refundableQuantity"];
    let details = refundable["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["quantity"].as_i64().unwrap(),
                d["allowedUntilDateTime"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (refundable["totalQuantity"].as_i64().unwrap(), details)
}

/// A date as answered, moved by whole days.
pub fn days_after(date: &Value, days: i64) -> chrono::DateTime<chrono::Utc> {
    let date = chrono::DateTime::parse_from_rfc3339(date.as_str().unwrap()).unwrap();
    date.to_utc() + chrono::Duration::days(days)
}

pub fn at(date: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(date).unwrap().to_utc()
}

pub fn refused_with_800002(status: u16, body: &Value) -> String {
    assert_eq!(
        (status, body["code"].as_i64()),
        (400, Some(800_002)),
        "{body}"
    );
    body["description"].as_str().unwrap().to_string()
}
