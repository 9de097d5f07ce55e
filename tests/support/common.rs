//! What every crate's tests share, written once: the ids they use, a cart, and a plain HTTP
//! client. The client's tests have it in `tests/support`; the emulator's and the command's
//! include this file by its path.

use partner_center_carts::types::{Cart, CartLineItem};

pub const CUSTOMER: &str = "d6bf25b7-e0a8-4f2d-a31b-97b55cfc774d";
pub const CART: &str = "65faf57b-0205-47ee-92b3-08dcf233ea73";

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

/// A plain reqwest client, for requests the crate's client would refuse to send (and the
/// emulator's health check).
pub fn raw_http() -> reqwest::Client {
    // The crate builds its own TLS config; a bare reqwest client needs a process default.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::new()
}
