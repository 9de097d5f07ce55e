//! What the emulator's tests share: the ids they use, a cart, and a plain HTTP client.
#![allow(dead_code)]

use partner_center_carts::types::{Cart, CartLineItem};

pub const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";

/// A new cart of one line item, as a caller would write it.
pub fn one_line_cart(quantity: i32) -> Cart {
    Cart {
        line_items: vec![CartLineItem {
            catalog_item_id: "CFQ7TTC0LH0Z:0001:CFQ7TTC0K18P".into(),
            quantity,
            billing_cycle: "monthly".into(),
            term_duration: Some("P1M".into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A plain reqwest client, for requests the crate's client would refuse to send.
pub fn raw_http() -> reqwest::Client {
    // The client builds its own TLS config; a bare reqwest client needs a process default.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::new()
}
